#pragma once
// Writes a NumPy .npy file (version 1.0, C order, little-endian data), to a temporary name
// renamed into place so that a failed write leaves no half file behind.
#include <cstdint>
#include <string>
#include <vector>

namespace layerlens {

// `descr` as numpy spells it ("<f4", "<i4"); `bytes` must be shape's product × element size.
// InputError naming the file when it cannot be written.
void write_npy_file(const std::string& path, const std::string& descr, const std::vector<std::uint64_t>& shape,
                    const void* data, std::size_t bytes);

}  // namespace layerlens
