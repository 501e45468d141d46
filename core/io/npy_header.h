#pragma once
// The part of a NumPy .npy file every reader of one needs: the magic, the version (1.0, 2.0,
// 3.0), and the header, a Python dict literal parsed as such (keys in any order, nothing
// evaluated), checked for its three keys. What the dtype may be is the caller's business:
// npy_format.cpp reads float arrays, token_sequences.cpp integer ones.
#include <cstdint>
#include <string>
#include <vector>

#include "mapped_file.h"

namespace layerlens {

// The header limit: numpy itself writes headers of a few hundred bytes.
constexpr std::uint64_t kNpyMaxHeaderBytes = 1 << 20;

// True when the bytes start with the .npy magic "\x93NUMPY".
bool has_npy_magic(const std::string& head);

struct NpyHeader {
    // The descr as written ("<f4", "|u1"); for a structured dtype (a list of fields) the
    // literal's text, with descr_is_string false, so the caller can name and refuse it.
    std::string descr;
    bool descr_is_string = true;
    bool fortran_order = false;
    std::vector<std::uint64_t> shape;   // each a non-negative integer; the product may overflow
    std::uint64_t data_offset = 0;      // file offset of element 0
};

// InputError naming the file for a missing magic, an unknown version, a header too long or
// past the end, a literal that does not parse, or keys other than descr, fortran_order, shape.
NpyHeader read_npy_header(const MappedFile& file);

// InputError unless shape × element_size (checked) is exactly the bytes after the header;
// `dtype_name` is for the message ("float32", "int64").
void check_npy_data_size(const MappedFile& file, const NpyHeader& header, std::size_t element_size,
                         const std::string& dtype_name);

std::string npy_shape_text(const std::vector<std::uint64_t>& shape);   // "[2, 3]"

}  // namespace layerlens
