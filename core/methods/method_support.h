#pragma once
// Parameter handling that several methods share: defaults, validation, and the mask choice
// every pruner makes from a score (unstructured per row, per layer, or N:M).
#include "../method.h"
#include "../quant_grid.h"

namespace layerlens {

constexpr int kDefaultBits = 4;
constexpr double kDefaultSparsity = 0.5;

inline int bits_or_default(const CompressionParams& p) { return p.bits.value_or(kDefaultBits); }
inline double sparsity_or_default(const CompressionParams& p) { return p.sparsity.value_or(kDefaultSparsity); }

// bits in 2..8 and a group size that divides d_in (or one group per row).
void validate_quantization(const Layer& layer, const CompressionParams& params);
// sparsity in [0,1) or a valid N:M pattern for d_in.
void validate_pruning(const Layer& layer, const CompressionParams& params);

// "bits", "group_size", "group_size_used", "zero_point" as used.
void add_quantization_params(KeyValues& out, const Layer& layer, const CompressionParams& params);
// "pattern" ("unstructured" or "N:M") and "sparsity" as used.
void add_pruning_params(KeyValues& out, const CompressionParams& params);

// How a pruner turns scores into a kept mask when the pattern is unstructured.
enum class UnstructuredScope { PerRow, LayerThreshold };
// N:M when params.nm is active, else the unstructured rule of `scope`.
MaskMatrix select_kept(const MatrixF& score, const CompressionParams& params, UnstructuredScope scope);

// Wanda's score |W_ij|·‖X_j‖₂ (the reference's extra 1/√n is a per-column constant that changes
// no order). Shared by the wanda method and AWP's Wanda start.
MatrixF wanda_score(const MatrixF& W, const CalibrationStats& stats);

// A one-shot pruner's whole result: the kept mask from `score`, Ŵ = W on it, the parameters.
MethodResult prune_by_score(const Layer& layer, const MatrixF& score, const CompressionParams& params,
                            UnstructuredScope scope);

}  // namespace layerlens
