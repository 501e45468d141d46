#pragma once
// The built-in demo layer: a deterministic, LLM-like linear layer with the situation AWQ was
// made for — a few input channels 20–50x louder than the rest, heavy-tailed per-channel
// scales, correlated channels (a low-rank factor plus noise), Student-t weights that are
// smaller on the loud channels (as a preceding LayerNorm makes them). No files, no network.
#include <cstdint>
#include <string>

#include "layer.h"

namespace layerlens {

struct DemoSpec {
    Eigen::Index d_out = 1024;
    Eigen::Index d_in = 1024;
    Eigen::Index n_tokens = 2048;
    std::uint64_t seed = 7;
    int outlier_channels = 6;        // channels 20–50x louder than the median
    int factor_rank = 16;            // rank of the shared low-rank activation factor
    double channel_scale_sigma = 0.6;  // log-normal spread of the other channels' scales
    double student_t_dof = 4.0;      // weight tails
};

struct DemoLayer {
    Layer layer;
    MatrixF X;                       // n_tokens x d_in
    std::vector<int> outlier_channels;
};

DemoLayer make_demo_layer(const DemoSpec& spec = {});
// ParameterError, before anything is allocated, when the demo's weight or its inputs would take
// more than max_bytes (the --max-memory-mb a file's weight is held to): 100000x100000 is 40 GB.
void check_demo_fits(const DemoSpec& spec, std::size_t max_bytes);
// "1024x1024" → d_out, d_in; throws ParameterError on anything else.
void parse_shape(const std::string& text, Eigen::Index& d_out, Eigen::Index& d_in);

}  // namespace layerlens
