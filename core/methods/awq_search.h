#pragma once
// The two searches of AWQ (Lin et al., "AWQ: Activation-aware Weight Quantization", 2023), as
// llm-awq's auto_scale.py and auto_clip.py perform them, but judged through C instead of tokens:
//   1. scale search: s = a^α (or AutoAWQ's "duo" a^α / (w̄^(1−α) + 1e-4)), normalised by
//      sqrt(max s · min s); α ∈ {0, 1/n, …, (n−1)/n} minimising E(Q(W·diag(s))·diag(s)⁻¹);
//   2. clip search: per output row and group, shrink the group's max |w| of W·diag(s) and keep
//      the factor with the smallest output error of that group under C' = diag(s)⁻¹ C diag(s)⁻¹.
// Exposed so that the pipelines (Wanda → AWQ) can run AWQ with a fixed pruning mask.
#include <string>
#include <vector>

#include "../method.h"
#include "../quant_grid.h"

namespace layerlens {

struct CalibrationStats;
class Progress;

// llm-awq clamps a^α at 1e-4 so a dead channel (a_j = 0) gets a tiny, finite scale.
constexpr double kAwqMinScale = 1e-4;

// AutoAWQ's w̄: per input channel, the mean over rows of |W_ij| / (max |W| of (i, j's group) + 1e-6).
VectorD awq_weight_mean(const MatrixF& W, Eigen::Index group_size);

// The scales for one α. `weight_mean` empty = llm-awq's activation-only rule, else the duo rule.
// Non-finite scales become 1, as AutoAWQ does to avoid overflow.
VectorF awq_scales(const VectorD& mean_abs, const VectorD& weight_mean, double alpha);

// Q(W·diag(s))·diag(s)⁻¹ on the MinMax (llm-awq) grid, zeroed where mask is 0 (mask may be null).
MatrixF awq_scaled_quantize(const MatrixF& W, const VectorF& s, int bits, Eigen::Index group_size,
                            const MaskMatrix* mask);

// The clip search on the scaled weight W_s = W·diag(s); each group is judged with its diagonal
// block of C' = diag(s)⁻¹ C diag(s)⁻¹ (built one block at a time: the full C' is never formed).
// Returns the chosen max |w| per (row, group) (d_out × n_groups); an entry equal to the group's
// own max means "no clipping". n_grid and max_shrink as llm-awq (20, 0.5).
MatrixF awq_clip_search(const MatrixF& W_s, const MatrixF& C, const VectorF& s, int bits, Eigen::Index group_size,
                        int n_grid, double max_shrink, const MaskMatrix* mask, Progress& progress);

// Q(clip(W_s, ±max_values)) with each group's grid fitted after clipping, zeroed where mask is 0.
MatrixF awq_quantize_clipped(const MatrixF& W_s, const MatrixF& max_values, int bits, Eigen::Index group_size,
                             const MaskMatrix* mask);

// The whole of AWQ on `layer` (whose W is the target: for Wanda → AWQ the pruned weight).
// With a mask, every candidate is judged with the mask applied and Ŵ is re-masked, so pruned
// weights stay exactly zero. Fills W_hat, channel_scales, protected_channels, alpha,
// error_before_clip, error_after_clip, alpha_errors, bits_per_weight, params and timings.
// Where AWQ's Ŵ lies: Ŵ·diag(s) is on `grid`, the grids of the scaled weight after clipping
// (AWP continues from AWQ on exactly this set).
struct AwqGrid {
    VectorF s;
    QuantGrid grid;
};
MethodResult awq_quantize(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                          const MaskMatrix* mask, Progress& progress, AwqGrid* grid = nullptr);

// The grids quantize_group_block rounds on: per (row, group) the MinMax grid of the group clipped
// to ±max_values (an empty max_values: no clipping).
QuantGrid awq_clipped_grid(const MatrixF& W_s, const MatrixF& max_values, int bits, Eigen::Index group_size);

// The two pipelines as typed calls (pipelines.cpp); `grid`, if not null, receives AWQ's scales
// and scaled-space grids, on which the pipeline's kept weights lie (pruned ones are 0).
MethodResult wanda_then_awq(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                            Progress& progress, AwqGrid* grid);
MethodResult awq_then_wanda(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                            Progress& progress, AwqGrid* grid);

// AWQ's own parameter checks (bits, group, grid sizes), shared with the pipelines.
// The quantisation budget and AWQ's own settings (α grid, duo scaling, clip search), shared with the
// pipelines that run AWQ.
std::vector<const ParamSpec*> awq_params();

}  // namespace layerlens
