#pragma once
// Group-wise asymmetric integer grids with a zero point, the quantiser every method shares.
// A group is `group_size` consecutive input channels of one output row; each group has its own
// scale and integer zero point, and zero is always exactly on the grid (q = zero ↦ 0), so pruned
// weights stay zero after quantisation.
#include "layer.h"

namespace layerlens {

// How a group's range is chosen from its values.
enum class GridRange {
    MinMax,       // [min, max] of the group, zero point clamped to the grid: llm-awq pseudo_quantize_tensor
    IncludeZero,  // [min(min,0), max(max,0)]: IST-DASLab gptq quant.py Quantizer.find_params
};

struct GroupGrid {
    float scale = 1.0f;
    float zero = 0.0f;   // integer-valued zero point
    int max_q = 15;      // 2^bits − 1
    // Rounds half to even, as torch.round does, so ties land where the reference puts them.
    float quantize(float w) const;
};

// Fits one group's grid to `count` values (optionally clipped to [-clip, clip] first).
GroupGrid fit_group_grid(const float* values, Eigen::Index count, Eigen::Index stride, int bits, GridRange range);

// A whole layer's grids: scale and zero are d_out x n_groups.
struct QuantGrid {
    int bits = 4;
    Eigen::Index group_size = 128;
    MatrixF scale;
    MatrixF zero;

    GroupGrid group(Eigen::Index row, Eigen::Index col) const {
        const Eigen::Index g = col / group_size;
        return GroupGrid{scale(row, g), zero(row, g), (1 << bits) - 1};
    }
    float quantize(float w, Eigen::Index row, Eigen::Index col) const { return group(row, col).quantize(w); }
    MatrixF quantize(const MatrixF& W) const;
    // Storage cost: the integer plus a float16 scale and zero per group.
    double bits_per_weight() const { return bits + 32.0 / static_cast<double>(group_size); }
};

// The group size actually used: `group` when it divides d_in,
// d_in (one group per row) when group is 0 or >= d_in, else a ParameterError. group < 0 means
// "the default": 128 when it divides d_in, else one group per row (llm-awq asserts
// divisibility, so the reference results use one group per row on 64- and 172-wide layers).
Eigen::Index resolve_group_size(int group, Eigen::Index d_in);

QuantGrid fit_quant_grid(const MatrixF& W, int bits, Eigen::Index group_size, GridRange range);

}  // namespace layerlens
