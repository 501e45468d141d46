#include "awq_error.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <limits>

#include "../calibration_stats.h"
#include "../progress.h"

namespace layerlens {

namespace {
// Columns of L per product: large enough for GEMM speed, small enough that the zeros above the
// diagonal of each block (b/d of the work) stay cheap.
constexpr Eigen::Index kBlock = 128;
}  // namespace

// Factoring in float keeps the extra memory at one float copy of C (485 MB at d_in = 11008).
// Float Cholesky of a PSD, often singular C (n < d_in) needs a jitter ε on the diagonal to stay
// positive; it adds ε‖Δ‖² to the numerator, ~ε / (mean eigenvalue) ≈ 1e-6 of E for rounding
// noise spread over all directions. Dead channels (zero row and column of C) are factored with
// the jitter and then zeroed, which is exact: their rows of L are zero but for the diagonal.
CandidateError::CandidateError(const MatrixF& W, const CalibrationStats& stats) : W_(W) {
    const Eigen::Index d = W.cols();
    const double mean_diagonal = d > 0 ? stats.C.diagonal().mean() : 0.0;
    if (d >= kMinFactoredWidth && W.rows() > 0 && mean_diagonal > 0) {
        for (double jitter = 1e-6; jitter <= 1e-3; jitter *= 10) {
            MatrixF factor = stats.C_float;
            factor.diagonal().array() += static_cast<float>(jitter * mean_diagonal);
            Eigen::LLT<Eigen::Ref<MatrixF>> llt(factor);
            if (llt.info() != Eigen::Success) continue;
            factor.triangularView<Eigen::StrictlyUpper>().setZero();
            for (Eigen::Index j = 0; j < d; ++j)
                if (stats.C(j, j) == 0.0) factor(j, j) = 0.0f;
            L_ = std::move(factor);
            jitter_ = jitter;
            // tr(W C Wᵀ) through the factor too: half the work of W·C.
            energy_ = absolute(W, nullptr);
            return;
        }
    }
    plain_.emplace(W, stats.C_float);
    energy_ = plain_->reference_energy();
}

double CandidateError::absolute(const MatrixF& delta, const Progress* progress) const {
    if (!factored()) return plain_->absolute(delta);
    const Eigen::Index d = L_.cols();
    double total = 0.0;
    MatrixF block;
    for (Eigen::Index first = 0; first < d; first += kBlock) {
        if (progress) progress->check();
        const Eigen::Index width = std::min(kBlock, d - first);
        block.noalias() = delta.rightCols(d - first) * L_.block(first, first, d - first, width);
        total += block.cast<double>().squaredNorm();
    }
    return total;
}

double CandidateError::relative(const MatrixF& W_hat, const Progress* progress) const {
    const double error = absolute(W_ - W_hat, progress);
    if (energy_ > 0) return error / energy_;
    return error > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

}  // namespace layerlens
