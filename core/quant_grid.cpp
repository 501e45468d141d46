#include "quant_grid.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "errors.h"

namespace layerlens {

float GroupGrid::quantize(float w) const {
    const float q = std::clamp(std::nearbyint(w / scale) + zero, 0.0f, static_cast<float>(max_q));
    return (q - zero) * scale;
}

GroupGrid fit_group_grid(const float* values, Eigen::Index count, Eigen::Index stride, int bits, GridRange range) {
    float lo = INFINITY, hi = -INFINITY;
    for (Eigen::Index k = 0; k < count; ++k) {
        lo = std::min(lo, values[k * stride]);
        hi = std::max(hi, values[k * stride]);
    }
    GroupGrid grid;
    grid.max_q = (1 << bits) - 1;
    const float max_q = static_cast<float>(grid.max_q);
    if (range == GridRange::MinMax) {
        // llm-awq: scale = max(max − min, 1e-5) / max_q, zero = clamp(−round(min/scale), 0, max_q)
        grid.scale = std::max(hi - lo, 1e-5f) / max_q;
        grid.zero = std::clamp(-std::nearbyint(lo / grid.scale), 0.0f, max_q);
    } else {
        // gptq: the range always contains 0; an all-zero group gets [-1, 1]
        lo = std::min(lo, 0.0f);
        hi = std::max(hi, 0.0f);
        if (lo == 0.0f && hi == 0.0f) { lo = -1.0f; hi = 1.0f; }
        grid.scale = (hi - lo) / max_q;
        grid.zero = std::nearbyint(-lo / grid.scale);
    }
    return grid;
}

Eigen::Index resolve_group_size(int group, Eigen::Index d_in) {
    constexpr int kDefault = 128;
    if (group < 0) return d_in % kDefault == 0 ? kDefault : d_in;
    if (group == 0 || group == d_in) return d_in;
    if (group > d_in)
        throw ParameterError("group size " + std::to_string(group) + " is larger than d_in = " + std::to_string(d_in) +
                             " (use 0 for one group per row)");
    if (d_in % group != 0)
        throw ParameterError("group size " + std::to_string(group) + " does not divide d_in = " + std::to_string(d_in) +
                             " (use a divisor, or 0 for one group per row)");
    return group;
}

QuantGrid fit_quant_grid(const MatrixF& W, int bits, Eigen::Index group_size, GridRange range) {
    QuantGrid grid;
    grid.bits = bits;
    grid.group_size = group_size;
    const Eigen::Index groups = W.cols() / group_size;
    grid.scale.resize(W.rows(), groups);
    grid.zero.resize(W.rows(), groups);
    for (Eigen::Index g = 0; g < groups; ++g)
        for (Eigen::Index i = 0; i < W.rows(); ++i) {
            // W is column-major: consecutive channels of one row are W.rows() apart.
            const GroupGrid one = fit_group_grid(&W(i, g * group_size), group_size, W.rows(), bits, range);
            grid.scale(i, g) = one.scale;
            grid.zero(i, g) = one.zero;
        }
    return grid;
}

MatrixF QuantGrid::quantize(const MatrixF& W) const {
    MatrixF out(W.rows(), W.cols());
    for (Eigen::Index j = 0; j < W.cols(); ++j) {
        const Eigen::Index g = j / group_size;
        for (Eigen::Index i = 0; i < W.rows(); ++i)
            out(i, j) = GroupGrid{scale(i, g), zero(i, g), (1 << bits) - 1}.quantize(W(i, j));
    }
    return out;
}

}  // namespace layerlens
