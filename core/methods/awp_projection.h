#pragma once
// The constraint sets of AWP (projected gradient descent) and the exact Euclidean projection
// onto each: argmin_{Θ ∈ set} ‖Θ − Z‖²_F. PGD's monotone loss depends on this being exact.
//   Prune:    at most k nonzeros per row (seed eq. 6), or a share of the whole layer, or N:M;
//             keep the largest z² (i.e. |z|) and leave them unchanged.
//   Quantize: every weight on a fixed group grid (scale and zero fixed at the start);
//             round each weight to its nearest level (clamped to the grid's range).
//   Joint:    both; keep per row the k entries with the largest z² − (z − q(z))², each rounded.
#include <string>

#include "../layer.h"
#include "../quant_grid.h"
#include "../sparsity_mask.h"

namespace layerlens {

enum class AwpSetKind { Prune, Quantize, Joint };
enum class MaskScope { Row, Layer, NM };

struct AwpConstraint {
    AwpSetKind kind = AwpSetKind::Prune;
    MaskScope scope = MaskScope::Row;
    Eigen::Index keep_per_row = 0;   // k (Row)
    Eigen::Index keep_total = 0;     // Layer: d_out·d_in − ⌈d_out·d_in·s⌉, so that at least s is pruned
    NMPattern nm;                    // NM scope
    QuantGrid grid;                  // Quantize and Joint

    bool prunes() const { return kind != AwpSetKind::Quantize; }
    bool quantizes() const { return kind != AwpSetKind::Prune; }
};

// k = d_in − floor(d_in · sparsity): the per-row budget every per-row pruner uses.
Eigen::Index keep_count(Eigen::Index d_in, double sparsity);
// What a layer-wide budget keeps of `entries` weights: at least the fraction `sparsity` pruned
// (a per-row k rounds each row's share down, which on 64-wide rows at 60% prunes only 59.4%).
Eigen::Index keep_count_layer(Eigen::Index entries, double sparsity);

// The kept mask the set allows that maximises the total score: the top k per row, the top
// keep_total of the layer, or the top n of every m. Among equal scores the higher index is kept
// (the lower one is pruned first, as keep_top_k_layer and the reference's stable sort do).
// The mask always keeps exactly the budget (entries with score 0 fill it when needed).
MaskMatrix select_top(const MatrixF& score, const AwpConstraint& set);

// z² − (z − q(z))²: what keeping z (rounded) saves over pruning it. Never negative because 0 is
// on every grid, so |z − q(z)| ≤ |z − 0|.
MatrixF joint_score(const MatrixF& Z, const MatrixF& Z_quantized);

// Θ = Proj(Z). `kept` receives the support for Prune and Joint (left empty for Quantize).
// Why Joint is exact: pruning entry j costs z_j², keeping it costs (z_j − q(z_j))², so
// ‖Θ − Z‖² = Σ z² − Σ_{kept} [z² − (z − q(z))²], minimised by keeping the largest scores.
void project(const MatrixF& Z, const AwpConstraint& set, MatrixF& Theta, MaskMatrix& kept);

}  // namespace layerlens
