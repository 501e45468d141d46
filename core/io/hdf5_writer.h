#pragma once
// Writing the layer format (exports of Ŵ, generated test and demo files). Every write goes to
// a temporary file beside the target and is renamed into place only when complete, so a
// failure never leaves a partial file or destroys an earlier one.
#include <string>
#include <utility>
#include <vector>

#include "../layer.h"

namespace layerlens {

enum class StoredFloat { Float16, Float32, Float64 };

struct LayerToWrite {
    std::string name;                     // group path
    const MatrixF* weight = nullptr;      // required, [d_out, d_in]
    const MatrixF* inputs = nullptr;      // optional, [n, d_in] (or [batch, seq, d_in] with batch > 0)
    Eigen::Index inputs_batch = 0;        // > 0: write inputs as [batch, n/batch, d_in]
    const VectorF* bias = nullptr;
    StoredFloat dtype = StoredFloat::Float32;
    std::vector<std::pair<std::string, std::string>> attributes;   // a key given twice: the last value is written
    std::vector<std::pair<std::string, const MaskMatrix*>> masks;     // extra uint8 datasets
    std::vector<std::pair<std::string, const MatrixF*>> matrices;     // extra float32 datasets (A, B)
    std::vector<std::pair<std::string, const VectorF*>> vectors;      // extra float32 datasets (scales)
};

// Throws InputError (unwritable directory, disk full) or ParameterError (target exists and
// overwrite is false), naming the path. File-level attributes go on the root group.
void write_layers(const std::string& path, const std::vector<LayerToWrite>& layers, bool overwrite,
                  const std::vector<std::pair<std::string, std::string>>& file_attributes = {});

}  // namespace layerlens
