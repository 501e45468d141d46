#pragma once
// AWP's default solver: descent on f(Θ) = tr((W−Θ) C (W−Θ)ᵀ) over the same constraint sets as
// seed Algorithm 1 (awp_projection.h), from a feasible start, with steps that each provably
// never raise f, chosen for what plain PGD with η = 1/λ_max is slow at (measured in the README):
//   - values on a fixed support (pruning): preconditioned conjugate gradients per row, with
//     the Jacobi preconditioner diag(C)⁻¹; the rows are independent problems, batched so that
//     one iteration is one product P·C. CG minimises f over a growing Krylov space, so f falls
//     at every iteration.
//   - values on a fixed grid (quantisation, and the kept weights of joint pruning): blocked
//     Gauss–Seidel coordinate descent. Moving θ_ij by t changes f by −2t·G_ij + t²·C_jj
//     (G = (W−Θ)C), so the best grid point for θ_ij alone is the one nearest θ_ij + G_ij/C_jj;
//     a move is taken only when it lowers f. One sweep costs about one product.
//   - the support itself (pruning, joint): a projected gradient step in the metric
//     M = λ_max(D^{-1/2} C D^{-1/2})·D, D = diag(C). C ⪯ M, so the majoriser argument of
//     awp_step.h holds with M in place of λ_max·I: Z = Θ + G M⁻¹, and the exact projection in
//     the M-metric keeps the entries with the largest m_j·z² (joint: m_j·(z² − (z − q(z))²)).
//     On layers whose channels differ in scale by orders of magnitude (C badly conditioned by
//     its diagonal), this step is as long as each channel allows instead of the loudest one.
#include <functional>
#include <string>
#include <vector>

#include "../layer.h"
#include "awp_projection.h"

namespace layerlens {

class Progress;

struct RefineOutcome {
    MatrixF Theta;
    MaskMatrix kept;            // empty for quantisation only
    std::vector<double> loss;   // f after the start and after every accepted stage (unnormalised)
    std::vector<double> curve;  // the same as E, each as `judge` gave it
    std::vector<long long> products_at;   // products spent when each loss was recorded
    long long products = 0;     // products by C spent (the unit of the budget)
    std::string stopped_by;
};

// `set` must contain (Theta, kept); every stage keeps the iterate in it. Stops when `max_products`
// are spent or a round (value stage plus support step) improved f by less than tol·f.
// `judge` turns an iterate and its float loss into the E the loss curve shows (float_or_judged:
// float cannot tell the smallest); Progress sees each as iterations 1, 2, …, and the bar moves
// over [bar_from, 1] as products are spent.
using CurveJudge = std::function<double(const MatrixF& Theta, const MaskMatrix& kept, double loss)>;
RefineOutcome refine_on_set(const MatrixF& W, const MatrixF& C, const AwpConstraint& set, MatrixF Theta,
                            MaskMatrix kept, long long max_products, double tol, Progress& progress, double bar_from,
                            const CurveJudge& judge);

}  // namespace layerlens
