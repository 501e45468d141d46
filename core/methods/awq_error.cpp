#include "awq_error.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>

#include "../calibration_stats.h"
#include "../double_sums.h"
#include "../progress.h"

namespace layerlens {

namespace {
// Rows of Δ per triangular product Δ_rows·L (one BLAS trmm, exactly half a GEMM's work, no
// zeros multiplied): a cancel point every ~0.1 s on 4096-wide layers.
constexpr Eigen::Index kRowBlock = 512;
}  // namespace

CandidateError::CandidateError(const MatrixF& W, const CalibrationStats& stats) : W_(W) {
    const Eigen::Index d = W.cols();
    const bool wide = d >= kMinFactoredWidth && W.rows() > 0 && stats.C.diagonal().mean() > 0;
    if (wide && stats.products_through_tokens()) {
        tokens_ = &stats.token_factor;   // C = XᵀX/n: exact, nothing to factor or copy
        token_weight_ = stats.token_weight;
        route_ = Route::LowRank;
    } else if (wide && factor_triangular(stats)) {
        route_ = Route::Triangular;
    }
    if (factored()) {
        // tr(W C Wᵀ) through the factor too: cheaper than W·C and consistent with the candidates.
        energy_ = absolute(W, nullptr);
        return;
    }
    plain_.emplace(W, stats.C_float);
    energy_ = plain_->reference_energy();
}

// Float Cholesky of a PSD, often singular C needs a jitter ε on the diagonal to stay positive;
// it adds ε‖Δ‖² to the numerator, ~ε / (mean eigenvalue) ≈ 1e-6 of E for rounding noise spread
// over all directions. Dead channels (zero row and column of C) are factored with the jitter and
// then zeroed, which is exact: their rows of L are zero but for the diagonal. Factoring in float
// keeps the extra memory at one float copy of C (485 MB at d_in = 11008).
bool CandidateError::factor_triangular(const CalibrationStats& stats) {
    const Eigen::Index d = stats.C.rows();
    const double mean_diagonal = stats.C.diagonal().mean();
    for (double jitter = 1e-6; jitter <= 1e-3; jitter *= 10) {
        MatrixF factor = stats.C_float;
        factor.diagonal().array() += static_cast<float>(jitter * mean_diagonal);
        Eigen::LLT<Eigen::Ref<MatrixF>> llt(factor);
        if (llt.info() != Eigen::Success) continue;
        factor.triangularView<Eigen::StrictlyUpper>().setZero();
        for (Eigen::Index j = 0; j < d; ++j)
            if (stats.C(j, j) == 0.0) factor(j, j) = 0.0f;
        factor_ = std::move(factor);
        return true;
    }
    return false;
}

double CandidateError::absolute(const MatrixF& delta, const Progress* progress) const {
    if (!factored()) return plain_->absolute(delta);
    if (route_ == Route::LowRank) return squared_norm_through_tokens(delta, *tokens_, progress) * token_weight_;
    double total = 0.0;
    MatrixF block;
    for (Eigen::Index first = 0; first < delta.rows(); first += kRowBlock) {
        if (progress) progress->check();
        const Eigen::Index rows = std::min(kRowBlock, delta.rows() - first);
        block.noalias() = delta.middleRows(first, rows) * factor_.triangularView<Eigen::Lower>();
        total += squared_norm_in_double(block);
    }
    return total;
}

double CandidateError::relative(const MatrixF& W_hat, const Progress* progress) const {
    const double error = absolute(W_ - W_hat, progress);
    if (energy_ > 0) return error / energy_;
    return error > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

}  // namespace layerlens
