#pragma once
// The one Optimal-Brain-Surgeon column sweep behind GPTQ and SparseGPT (the reference
// gptq.py fasterquant and sparsegpt.py fasterprune share ~90% of their code: this is that code).
// Columns are visited left to right; column j gets a target q (quantised or masked), its
// error is spread over the not-yet-visited columns through row j of U, the upper Cholesky
// factor of (H + λI)⁻¹ (GPTQ paper eq. 3–5, SparseGPT Alg. 1):
//   err = (w − q) / U_jj,   W_:,k −= err · U_jk  for k > j.
// Lazily, as the reference: inside a block of columns the update is applied column by column;
// the block's errors reach every later column in one GEMM when the block ends.
#include <string>

#include "../layer.h"
#include "../method.h"
#include "hessian_inverse.h"

namespace layerlens {

class Progress;
struct CalibrationStats;

// What a method decides per column; the sweep does the rest.
class ColumnRule {
public:
    virtual ~ColumnRule() = default;
    // The end of the lazy block that starts at `begin`. A rule may end blocks early, e.g. GPTQ
    // at a group start, so that the whole group is up to date when its grid is fitted.
    virtual Eigen::Index block_end(Eigen::Index begin, Eigen::Index block_size, Eigen::Index columns) const;
    // A block [begin, end) starts: every column >= begin of W holds the updates from all
    // columns before `begin` (columns inside the block will still get within-block updates).
    virtual void begin_block(const MatrixF& /*W*/, const MatrixF& /*U*/, Eigen::Index /*begin*/, Eigen::Index /*end*/) {}
    // The target of column j; W.col(j) and the rest of the current block are up to date.
    virtual void target(const MatrixF& W, const MatrixF& U, Eigen::Index j, VectorF& q) = 0;
};

struct SweepResult {
    MatrixF Q;              // the targets, column by column: Ŵ in the sweep's column order
    double obs_loss = 0.0;  // Σ (w − q)² / U_jj² / 2, the reference's `Losses` (OBS's own estimate)
    VectorD row_error_energy;   // per row i, Σ_j err_ij² in double: 2·obs_loss split by row
};

// W: the weight in sweep order (dead columns already zero), used as workspace.
// Reports progress through `progress` as the fraction of columns done, labelled `stage`.
SweepResult obs_sweep(MatrixF W, const MatrixF& U, ColumnRule& rule, Eigen::Index block_size,
                      Progress& progress, const std::string& stage);

// Dense work of a second-order method, for bench: the damped inverse factor (Cholesky and
// triangular inverse, ~2/3·d_in³) plus the sweep's rank-1 and block updates (d_out·d_in²).
inline double obs_method_flops(Eigen::Index d_out, Eigen::Index d_in) {
    const double rows = static_cast<double>(d_out), cols = static_cast<double>(d_in);
    return rows * cols * cols + 2.0 / 3.0 * cols * cols * cols;
}

// What GPTQ and SparseGPT report alike once the sweep is done: Ŵ, the dense work, the damping
// actually used, the dead channels, the sweep's own OBS loss and the factor's warnings.
// Also leaves the error of Ŵ in closed form (see obs_error_per_row) for run_method.
void record_second_order_outcome(MethodResult& result, const Layer& layer, const CalibrationStats& stats,
                                 const InverseHessianFactor& factor, SweepResult& sweep);

// OBS's error identity. With H = C + λI (a dead channel's H_jj = 1 + λ) and H⁻¹ = UᵀU, the
// sweep leaves W₀ − Q = Err·U row by row, Err the scaled errors err_j, so
//   (w₀ − q) H (w₀ − q)ᵀ = ‖err‖²   and   (w − ŵ) C (w − ŵ)ᵀ = ‖err‖² − λ‖w_live − ŵ_live‖² − (1 + λ)‖ŵ_dead‖²
// (w₀ is w with dead channels zeroed; they do not reach C's form). Per output row, in the
// units of the layer and C the sweep was given; exact up to the float sweep's rounding.
VectorD obs_error_per_row(const MatrixF& W, const MatrixF& W_hat, const MatrixD& C, double lambda,
                          const VectorD& row_error_energy);

}  // namespace layerlens
