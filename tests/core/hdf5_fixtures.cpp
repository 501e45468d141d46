#include "hdf5_fixtures.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace layerlens::test {

namespace {
hid_t open_or_create(const std::string& path, bool truncate) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (!truncate) {
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        if (file >= 0) return file;
    }
    return H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
}

hid_t create_dataset(hid_t file, const std::string& dataset, hid_t type, hid_t space, hid_t create_props = H5P_DEFAULT) {
    const hid_t links = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(links, 1);
    const hid_t id = H5Dcreate2(file, dataset.c_str(), type, space, links, create_props, H5P_DEFAULT);
    H5Pclose(links);
    if (id < 0) throw std::runtime_error("fixture: cannot create " + dataset);
    return id;
}
}  // namespace

void write_raw_dataset(const std::string& path, const std::string& dataset, const std::vector<hsize_t>& dims,
                       hid_t stored_type, const std::vector<double>& values, bool truncate) {
    const hid_t file = open_or_create(path, truncate);
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t id = create_dataset(file, dataset, stored_type, space);
    if (!values.empty()) H5Dwrite(id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(id);
    H5Sclose(space);
    H5Fclose(file);
}

void write_declared_dataset(const std::string& path, const std::string& dataset, const std::vector<hsize_t>& dims) {
    const hid_t file = open_or_create(path, true);
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t props = H5Pcreate(H5P_DATASET_CREATE);
    std::vector<hsize_t> chunk(dims.size(), 64);
    H5Pset_chunk(props, static_cast<int>(chunk.size()), chunk.data());
    const hid_t id = create_dataset(file, dataset, H5T_IEEE_F32LE, space, props);
    H5Dclose(id);
    H5Pclose(props);
    H5Sclose(space);
    H5Fclose(file);
}

void write_string_dataset(const std::string& path, const std::string& dataset, const std::string& value) {
    const hid_t file = open_or_create(path, true);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, value.size() + 1);
    const hsize_t dims[2] = {1, 1};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t id = create_dataset(file, dataset, type, space);
    H5Dwrite(id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, value.c_str());
    H5Dclose(id);
    H5Sclose(space);
    H5Tclose(type);
    H5Fclose(file);
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace layerlens::test
