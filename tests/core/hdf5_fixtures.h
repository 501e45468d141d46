#pragma once
// Writes deliberately odd or broken HDF5 files with the raw C API, for the bad-input tests.
#include <hdf5.h>

#include <string>
#include <vector>

namespace layerlens::test {

// Creates (or truncates) `path` and writes one dataset `dataset` (e.g. "/g/weight") of the
// given shape and stored type, filled from `values` converted from double.
void write_raw_dataset(const std::string& path, const std::string& dataset, const std::vector<hsize_t>& dims,
                       hid_t stored_type, const std::vector<double>& values, bool truncate = true);
// A dataset whose storage is never written (fill value only): lets a test declare a huge shape
// in a tiny file.
void write_declared_dataset(const std::string& path, const std::string& dataset, const std::vector<hsize_t>& dims);
void write_string_dataset(const std::string& path, const std::string& dataset, const std::string& value);
void write_bytes(const std::string& path, const std::string& bytes);
std::string read_bytes(const std::string& path);

}  // namespace layerlens::test
