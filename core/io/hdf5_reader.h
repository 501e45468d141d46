#pragma once
// Reading the layer format of DESIGN.md: every group holding a dataset named `weight` is a
// layer; `inputs` ([n, d_in] or [batch, seq, d_in]) may sit beside it or in a second file.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "../input_source.h"
#include "../layer.h"

namespace layerlens {

struct LayerInfo {
    std::string name;             // group path without the leading '/'
    Eigen::Index d_out = 0, d_in = 0;
    std::string weight_dtype;     // "float16", "float32", "float64", or what it wrongly is
    bool has_inputs = false;
    Eigen::Index n_tokens = 0;    // product of all but the last inputs dimension
    std::string inputs_shape;     // "[4096, 64]"
    bool has_bias = false;
    std::string problem;          // non-empty when the group cannot be used as a layer, and why
};

struct ReadLimits {
    // Refuse a weight whose float32 copy would exceed this, before allocating it.
    std::size_t max_weight_bytes = std::size_t{8} << 30;
};

// Every group with a `weight` dataset, in file order. Throws InputError for unreadable files.
std::vector<LayerInfo> list_layers(const std::string& path);

// The weight (converted to float32), bias and string attributes of one layer.
Layer read_layer(const std::string& path, const std::string& name, const ReadLimits& limits = {});

// The layer's inputs as a stream of row chunks. Throws InputError when the group has none or
// their shape does not fit (`expected_width` = the weight's d_in; 0 skips the check).
std::unique_ptr<InputSource> open_inputs(const std::string& path, const std::string& name,
                                         Eigen::Index expected_width);

}  // namespace layerlens
