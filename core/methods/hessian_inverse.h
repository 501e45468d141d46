#pragma once
// The damped inverse-Hessian factor the second-order methods (GPTQ, SparseGPT) share.
// H ∝ C (the scale cancels: the OBS error (w−q)/U_jj times U_j,k, and the SparseGPT score
// w²/U_jj² up to one constant factor, are invariant to scaling H). As the reference code:
//   dead channels (H_jj = 0) get H_jj = 1 (the caller zeroes W_:j),
//   λ = damp · mean(diag H),  U = upper Cholesky factor of (H + λI)⁻¹, so (H + λI)⁻¹ = UᵀU.
#include <memory>
#include <string>
#include <vector>

#include "../layer.h"
#include "../method.h"

namespace layerlens {

class Progress;
struct CalibrationStats;
struct SharedFactors;

struct InverseHessianFactor {
    bool ok = false;                 // false: not positive definite even after the retries
    MatrixF U;                       // upper triangular, float: the sweep runs in float32 as the reference
    std::vector<Eigen::Index> dead;  // channels whose H_jj was 0, in H's order
    double damp_used = 0.0;          // fraction of mean(diag H) finally added (> requested after a retry)
    double lambda = 0.0;             // the absolute damping added to the diagonal
    std::vector<std::string> warnings;
};

// H is taken by value and used as workspace (one d x d double buffer). The factorisation runs
// in double: with λ = 1% of mean diag H, cond(H + λI) can reach 100·d, too much for float.
// When Cholesky fails (H not positive definite), the damping fraction is raised tenfold and
// the factorisation retried, each retry recorded as a warning. Checks progress between panels.
InverseHessianFactor inverse_hessian_factor(MatrixD H, double damp, Progress& progress);

// The factor of the statistics' own C at this damping, computed once and kept with the
// statistics: GPTQ and SparseGPT in one comparison (and AWP's starts from them) need the same one
// (a third of a 2048² comparison's double work was computing it twice). Statistics without
// shared_factors, or whose C is not the one the cached factor came from (a copy with its own C),
// get a fresh factor. Safe to call from several threads on the same statistics.
std::shared_ptr<const InverseHessianFactor> shared_inverse_hessian_factor(const CalibrationStats& stats, double damp,
                                                                          Progress& progress);
std::shared_ptr<SharedFactors> make_shared_factors();

// W_:j = 0 for every dead channel j (the reference's W[:, dead] = 0: those weights never
// reach the output, and zeroing them keeps them out of grids and masks).
void zero_dead_columns(MatrixF& W, const std::vector<Eigen::Index>& dead);

// The settings GPTQ and SparseGPT share: damping and lazy block size.
std::vector<const ParamSpec*> second_order_params();
// "damp" and "block_size" as used.
void add_second_order_params(KeyValues& out, const CompressionParams& params);

}  // namespace layerlens
