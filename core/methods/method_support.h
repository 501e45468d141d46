#pragma once
// Parameter handling that several methods share: the budget lists, and the mask choice
// every pruner makes from a score (unstructured per row, per layer, or N:M).
#include "../budget_params.h"
#include "../method.h"
#include "../quant_grid.h"

namespace layerlens {

// The shared budget each kind of method reads, in the order --help and the panel show it.
std::vector<const ParamSpec*> quantization_budget();
std::vector<const ParamSpec*> pruning_budget();
// a + b, for a method that reads both lists.
std::vector<const ParamSpec*> joined(std::vector<const ParamSpec*> a, const std::vector<const ParamSpec*>& b);

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

// Wanda's whole result (mask per row or N:M, Ŵ = W on it): the wanda method, and the pipelines'
// pruning step as a typed call.
MethodResult wanda_prune(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params);

// A one-shot pruner's whole result: the kept mask from `score`, Ŵ = W on it, the parameters.
MethodResult prune_by_score(const Layer& layer, const MatrixF& score, const CompressionParams& params,
                            UnstructuredScope scope);

}  // namespace layerlens
