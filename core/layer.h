#pragma once
// One linear layer as the product sees it: W is d_out x d_in (PyTorch nn.Linear layout,
// output features are rows), channel j is column j. Inputs are not held here: they are
// streamed (see input_source.h) because they may be far larger than memory.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace layerlens {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
using VectorF = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using VectorD = Eigen::Matrix<double, Eigen::Dynamic, 1>;
// 1 where a weight is kept (may be nonzero), 0 where it is pruned.
using MaskMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;

struct Layer {
    std::string name;   // HDF5 group path, e.g. "layers.3.attention.wq"
    MatrixF W;          // d_out x d_in
    VectorF bias;       // empty when the layer has none
    std::vector<std::pair<std::string, std::string>> attributes;  // "model", "layer", ... (at most kMaxAttributes)
    // A file may carry any number of metadata entries; a layer keeps the first this many and one
    // entry saying how many more there were (what a person can read, and what an export rewrites).
    static constexpr std::size_t kMaxAttributes = 1000;

    Eigen::Index d_out() const { return W.rows(); }
    Eigen::Index d_in() const { return W.cols(); }
};

}  // namespace layerlens
