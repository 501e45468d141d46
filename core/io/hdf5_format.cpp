#include "hdf5_format.h"

#include "hdf5_reader.h"

namespace layerlens {

bool Hdf5Format::recognizes(const FileHead& file) const {
    const std::string& head = file.bytes;
    // The superblock signature sits at 0 or after a user block of 512, 1024, 2048, ... bytes.
    static const std::string signature("\x89HDF\r\n\x1a\n", 8);
    for (size_t offset = 0; offset + signature.size() <= head.size(); offset = offset == 0 ? 512 : offset * 2)
        if (head.compare(offset, signature.size(), signature) == 0) return true;
    return false;
}

std::vector<LayerInfo> Hdf5Format::list_layers(const std::string& path) const { return hdf5_list_layers(path); }

Layer Hdf5Format::read_layer(const std::string& path, const std::string& name, const ReadLimits& limits) const {
    return hdf5_read_layer(path, name, limits);
}

std::unique_ptr<InputSource> Hdf5Format::open_inputs(const std::string& path, const std::string& name,
                                                     Eigen::Index expected_width) const {
    return hdf5_open_inputs(path, name, expected_width);
}

}  // namespace layerlens
