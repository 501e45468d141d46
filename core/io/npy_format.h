#pragma once
// NumPy .npy as a layer format: one array, so one layer named after the file ("w.npy" -> "w"),
// or the inputs of whatever layer they are given for. Versions 1.0, 2.0 and 3.0; C and Fortran
// order; little- and big-endian float16/32/64. The header is parsed as the Python literal it is,
// keys in any order (npy_header.h); object arrays (pickles) are refused, never unpickled.
#include "tensor_table_format.h"

namespace layerlens {

class NpyFormat : public TensorTableFormat {
public:
    std::string name() const override { return "NumPy"; }
    std::vector<std::string> extensions() const override { return {"npy"}; }
    bool recognizes(const FileHead& head) const override;
    std::vector<LayerInfo> list_layers(const std::string& path) const override;
    // The array as inputs, [n_tokens, d_in] or [batch, seq, d_in], whatever layer name is asked.
    std::unique_ptr<InputSource> open_inputs(const std::string& path, const std::string& name,
                                             Eigen::Index expected_width) const override;
    // A .npy holding the weight holds nothing else: InputError asking for --inputs.
    std::unique_ptr<InputSource> open_own_inputs(const std::string& path, const std::string& name,
                                                 Eigen::Index expected_width) const override;

protected:
    TensorTable load_table(const std::string& path) const override;
};

// The file's one array, checked: dtype, shape, and data size = the rest of the file.
TensorView read_npy_array(const std::string& path);

}  // namespace layerlens
