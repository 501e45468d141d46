#include "npy_writer.h"

#include "atomic_output.h"

namespace layerlens {

void write_npy_file(const std::string& path, const std::string& descr, const std::vector<std::uint64_t>& shape,
                    const void* data, std::size_t bytes) {
    std::string dims;
    for (size_t k = 0; k < shape.size(); ++k) dims += (k ? ", " : "") + std::to_string(shape[k]);
    if (shape.size() == 1) dims += ",";
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    // magic (6) + version (2) + length (2) + header + newline is a multiple of 64, as numpy writes it.
    const size_t unpadded = 10 + header.size() + 1;
    header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
    TemporaryOutput output(path);
    FileWriter out(output.path());
    const unsigned char preamble[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<unsigned char>(header.size() & 0xff),
                                      static_cast<unsigned char>(header.size() >> 8)};
    out.write(preamble, sizeof preamble);
    out.write(header);
    out.write(data, bytes);
    out.close();
    output.commit(true);
}

}  // namespace layerlens
