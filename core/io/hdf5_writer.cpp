#include "hdf5_writer.h"

#include <cstdio>
#include <filesystem>
#include <random>
#include <unordered_map>

#include "../errors.h"
#include "hdf5_handle.h"
#include "hdf5_lock.h"
#include "layer_names.h"

namespace layerlens {

namespace {

using hdf5::Handle;

Handle file_type(StoredFloat dtype) {
    switch (dtype) {
    case StoredFloat::Float64: return Handle(H5Tcopy(H5T_IEEE_F64LE), H5Tclose);
    case StoredFloat::Float32: return Handle(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
    case StoredFloat::Float16: {
        // IEEE half precision, laid out as h5py and numpy store float16.
        Handle half(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
        H5Tset_fields(half.get(), 15, 10, 5, 0, 10);
        H5Tset_size(half.get(), 2);
        H5Tset_ebias(half.get(), 15);
        return half;
    }
    }
    return {};
}

void write_string_attribute(hid_t object, const std::string& key, const std::string& value, const std::string& where) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(object, key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    const char* text = value.c_str();
    if (!attr.valid() || H5Awrite(attr.get(), type.get(), &text) < 0)
        throw InputError(where + ": cannot write attribute '" + key + "'");
}

// Writes a row-major array of `dims` from `data` (memory type mem_type) as a new dataset.
void write_array(hid_t group, const std::string& name, const std::vector<hsize_t>& dims, hid_t stored_type,
                 hid_t mem_type, const void* data, const std::string& where) {
    Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    Handle dataset(H5Dcreate2(group, name.c_str(), stored_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   H5Dclose);
    if (!dataset.valid() || H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        throw InputError(where + ": cannot write dataset '" + name + "' (disk full or not writable?)");
}

// A column-major Eigen matrix transposed is the row-major [rows, cols] buffer HDF5 expects.
template <typename Matrix>
auto row_major(const Matrix& m) {
    return Eigen::Matrix<typename Matrix::Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>(m);
}

void write_layer(hid_t file, const LayerToWrite& layer, const std::string& where) {
    if (!layer.weight) throw std::logic_error("write_layers: layer without weight");
    // Intermediate groups ("model/layers/0") are created as needed.
    Handle link_props(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(link_props.get(), 1);
    Handle group(H5Gcreate2(file, layer.name.c_str(), link_props.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!group.valid()) throw InputError(where + ": cannot create group '" + layer.name + "'");
    Handle stored = file_type(layer.dtype);
    const MatrixF& W = *layer.weight;
    const auto w = row_major(W);
    write_array(group.get(), "weight", {hsize_t(W.rows()), hsize_t(W.cols())}, stored.get(), H5T_NATIVE_FLOAT, w.data(), where);
    if (layer.inputs) {
        const MatrixF& X = *layer.inputs;
        const auto x = row_major(X);
        std::vector<hsize_t> dims = {hsize_t(X.rows()), hsize_t(X.cols())};
        if (layer.inputs_batch > 0)
            dims = {hsize_t(layer.inputs_batch), hsize_t(X.rows() / layer.inputs_batch), hsize_t(X.cols())};
        write_array(group.get(), "inputs", dims, stored.get(), H5T_NATIVE_FLOAT, x.data(), where);
    }
    if (layer.bias)
        write_array(group.get(), "bias", {hsize_t(layer.bias->size())}, stored.get(), H5T_NATIVE_FLOAT, layer.bias->data(), where);
    for (const auto& [name, mask] : layer.masks) {
        const auto m = row_major(*mask);
        write_array(group.get(), name, {hsize_t(mask->rows()), hsize_t(mask->cols())}, H5T_STD_U8LE, H5T_NATIVE_UINT8,
                    m.data(), where);
    }
    for (const auto& [name, matrix] : layer.matrices) {
        const auto m = row_major(*matrix);
        write_array(group.get(), name, {hsize_t(matrix->rows()), hsize_t(matrix->cols())}, H5T_IEEE_F32LE,
                    H5T_NATIVE_FLOAT, m.data(), where);
    }
    for (const auto& [name, vector] : layer.vectors)
        write_array(group.get(), name, {hsize_t(vector->size())}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, vector->data(), where);
    // One attribute per key, the last value given (HDF5 cannot create a name twice). A key HDF5
    // cannot take as it is (a source file's "" or "x\0y" metadata key) is written readably instead.
    const auto attribute_name = [](const std::string& key) {
        return key.empty() ? std::string("(empty key)") : layer_name_problem(key).empty() ? key : "(" + printable_name(key) + ")";
    };
    std::unordered_map<std::string, size_t> last;
    for (size_t k = 0; k < layer.attributes.size(); ++k) last[attribute_name(layer.attributes[k].first)] = k;
    for (size_t k = 0; k < layer.attributes.size(); ++k) {
        const std::string name = attribute_name(layer.attributes[k].first);
        if (last[name] == k) write_string_attribute(group.get(), name, layer.attributes[k].second, where);
    }
}

}  // namespace

void write_layers(const std::string& path, const std::vector<LayerToWrite>& layers, bool overwrite,
                  const std::vector<std::pair<std::string, std::string>>& file_attributes) {
    namespace fs = std::filesystem;
    std::lock_guard lock(hdf5::library_mutex());
    hdf5::silence_library_errors();
    std::error_code ec;
    if (fs::exists(path, ec) && !overwrite)
        throw ParameterError(path + ": file exists; refusing to overwrite it (use --force)");
    const fs::path target(path);
    const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
    if (!fs::is_directory(directory, ec)) throw InputError(path + ": directory " + directory.string() + " does not exist");
    std::random_device entropy;
    const fs::path temporary = directory / ("." + target.filename().string() + ".tmp" + std::to_string(entropy() % 1000000));
    try {
        {
            Handle file(H5Fcreate(temporary.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
            if (!file.valid()) throw InputError(path + ": cannot create the file (directory not writable?)");
            for (const auto& [key, value] : file_attributes) write_string_attribute(file.get(), key, value, path);
            for (const LayerToWrite& layer : layers) write_layer(file.get(), layer, path);
            if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw InputError(path + ": cannot flush the file (disk full?)");
            if (H5Fclose(file.get()) < 0) throw InputError(path + ": cannot finish the file (disk full?)");
            file.release_without_close();
        }
        fs::rename(temporary, target, ec);
        if (ec) throw InputError(path + ": cannot move the finished file into place (" + ec.message() + ")");
    } catch (...) {
        fs::remove(temporary, ec);
        throw;
    }
}

}  // namespace layerlens
