#pragma once
// What AWP solves and where it starts: the constraint set decided from the parameters (which
// of bits / sparsity / N:M are given), and the starting point Θ⁽⁰⁾ ∈ set (Wanda, magnitude or
// SparseGPT's result for pruning; RTN for quantisation); a quantisation grid is RTN's grid of W,
// fixed before the first step so the projection set never moves.
#include <string>

#include "../method.h"
#include "awp_projection.h"

namespace layerlens {

struct CalibrationStats;
class Progress;

struct AwpStart {
    AwpConstraint set;
    MatrixF Theta;       // Θ⁽⁰⁾, feasible
    MaskMatrix kept;     // its support (empty for quantisation only)
    AwpInit init = AwpInit::Wanda;   // the start actually used (never Auto)
    std::string scope;   // "row", "layer" or "N:M" (empty for quantisation only)
};

// Pruning when sparsity or N:M is given (or nothing is), quantisation when only bits are given,
// joint when bits and a sparsity budget are both given.
AwpSetKind awp_kind(const CompressionParams& params);

// Throws ParameterError for a start that does not fit the set (a pruning start without a
// sparsity budget, RTN with one).
void validate_awp_start(const CompressionParams& params);

// The constraint set the parameters ask for (a quantisation grid is left for the start to fit).
AwpConstraint make_set(const Layer& layer, const CompressionParams& params, AwpSetKind kind);

// What changed from the start: mask entries for pruning, grid levels for quantisation only, per
// channel too (series "changed_from_start_per_channel": the GUI's protection strip shows where
// AWP moved away from its start). Returns the changed fraction over the whole layer.
double record_changes(MethodResult& result, AwpSetKind kind, const MatrixF& start_Theta, const MaskMatrix& start_kept,
                      const MatrixF& Theta, const MaskMatrix& kept);

// Builds the set and the start. The SparseGPT start is SparseGPT's own result (a typed call).
AwpStart awp_start(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                   Progress& progress);

}  // namespace layerlens
