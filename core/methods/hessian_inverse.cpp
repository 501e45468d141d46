#include "hessian_inverse.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include <Eigen/Cholesky>

#include <mutex>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../param_builders.h"
#include "../progress.h"

namespace layerlens {

namespace {

constexpr Eigen::Index kPanel = 128;   // columns per level-3 step: large enough for GEMM speed,
                                       // small enough that a cancel lands between panels
constexpr int kMaxRetries = 8;

// Right-looking blocked Cholesky A = L Lᵀ, L written over A's lower triangle (the strict upper
// triangle is left as it was). Returns false on a non-positive pivot.
bool cholesky_lower_in_place(MatrixD& A, Progress& progress) {
    const Eigen::Index n = A.rows();
    for (Eigen::Index k = 0; k < n; k += kPanel) {
        progress.check();
        // The trailing update shrinks as (n−k)², so the work done so far is 1 − ((n−k)/n)³.
        progress.report(0.5 * (1.0 - std::pow(static_cast<double>(n - k) / n, 3)), "factorising H");
        const Eigen::Index b = std::min(kPanel, n - k);
        const MatrixD diagonal_block = A.block(k, k, b, b);
        const Eigen::LLT<MatrixD> llt(diagonal_block);
        if (llt.info() != Eigen::Success) return false;
        A.block(k, k, b, b).triangularView<Eigen::Lower>() = llt.matrixL();
        const Eigen::Index rest = n - k - b;
        if (rest == 0) break;
        auto panel = A.block(k + b, k, rest, b);
        // panel ← panel · L_kk⁻ᵀ, then the trailing lower triangle loses panel · panelᵀ (SYRK).
        llt.matrixL().transpose().solveInPlace<Eigen::OnTheRight>(panel);
        A.block(k + b, k + b, rest, rest).selfadjointView<Eigen::Lower>().rankUpdate(panel, -1.0);
    }
    return A.diagonal().allFinite();
}

// L⁻¹ written over L (lower triangle), one column panel at a time: columns [c, c+p) of L⁻¹ are
// the solution of L[c:, c:] X = I[c:, c:c+p], and once solved the same columns of L are no
// longer needed, so the panel overwrites them. n³/3 flops in triangular solves.
void invert_lower_in_place(MatrixD& L, Progress& progress) {
    const Eigen::Index n = L.rows();
    MatrixD panel;
    for (Eigen::Index c = 0; c < n; c += kPanel) {
        progress.check();
        progress.report(0.5 + 0.5 * (1.0 - std::pow(static_cast<double>(n - c) / n, 3)), "inverting the factor of H");
        const Eigen::Index p = std::min(kPanel, n - c);
        panel = MatrixD::Identity(n - c, p);
        L.bottomRightCorner(n - c, n - c).triangularView<Eigen::Lower>().solveInPlace(panel);
        L.block(c, c, n - c, p).triangularView<Eigen::Lower>() = panel;
    }
}

}  // namespace

InverseHessianFactor inverse_hessian_factor(MatrixD H, double damp, Progress& progress) {
    InverseHessianFactor out;
    const Eigen::Index d = H.rows();
    for (Eigen::Index j = 0; j < d; ++j)
        if (H(j, j) == 0.0) {
            out.dead.push_back(j);
            H(j, j) = 1.0;
        }
    const double mean_diagonal = d > 0 ? H.diagonal().mean() : 0.0;
    // The upper factor of (H + λI)⁻¹ without forming the inverse (the reference forms it, then
    // factors it again): with J the reversal permutation and J(H + λI)J = L Lᵀ,
    // (H + λI)⁻¹ = J L⁻ᵀ L⁻¹ J = UᵀU for U = J L⁻¹ J, which is upper triangular.
    H.reverseInPlace();
    // Every step below writes only the lower triangle, so a retry restores H from its strict
    // upper triangle and this diagonal instead of keeping a second d x d copy.
    const VectorD diagonal = H.diagonal();
    double fraction = damp;
    for (int attempt = 0; attempt <= kMaxRetries; ++attempt) {
        if (attempt > 0) {
            for (Eigen::Index j = 0; j < d; ++j)
                for (Eigen::Index i = j + 1; i < d; ++i) H(i, j) = H(j, i);
            H.diagonal() = diagonal;
            const double next = std::max(fraction * 10.0, 1e-4);
            std::ostringstream msg;
            msg << "H + " << fraction << "·mean(diag H)·I is not positive definite; retried with " << next << "·mean(diag H)";
            out.warnings.push_back(msg.str());
            fraction = next;
        }
        out.damp_used = fraction;
        out.lambda = fraction * mean_diagonal;
        H.diagonal().array() += out.lambda;
        if (!cholesky_lower_in_place(H, progress)) continue;
        invert_lower_in_place(H, progress);
        out.U = H.reverse().cast<float>();
        out.U.triangularView<Eigen::StrictlyLower>().setZero();
        if (!out.U.allFinite()) continue;
        out.ok = true;
        return out;
    }
    out.U.resize(0, 0);
    return out;
}

void zero_dead_columns(MatrixF& W, const std::vector<Eigen::Index>& dead) {
    for (const Eigen::Index j : dead) W.col(j).setZero();
}

std::vector<const ParamSpec*> second_order_params() {
    // Both as the reference GPTQ/SparseGPT: damp 1% of mean diag H, lazy blocks of 128 columns.
    static const ParamSpec damp = real_param("damp", "damping", "fraction of mean diag(H) added to the diagonal of H",
                                             &CompressionParams::damp, 0.0, 100.0);
    static const ParamSpec block = int_param("block", "block size", "columns per lazy block of the OBS sweep",
                                             &CompressionParams::block_size, 1, 1 << 20);
    return {&damp, &block};
}

void add_second_order_params(KeyValues& out, const CompressionParams& params) {
    out.emplace_back("damp", params.damp);
    out.emplace_back("block_size", static_cast<long long>(params.block_size));
}

struct SharedFactors {
    std::mutex mutex;
    // Which C and damping the factor belongs to: the matrix's storage, size and a fingerprint of
    // its values (a copy freed and another allocated at the same place must not match by chance).
    const double* C_data = nullptr;
    Eigen::Index d = 0;
    double fingerprint = 0.0;
    double damp = 0.0;
    std::shared_ptr<const InverseHessianFactor> factor;
};

std::shared_ptr<SharedFactors> make_shared_factors() { return std::make_shared<SharedFactors>(); }

std::shared_ptr<const InverseHessianFactor> shared_inverse_hessian_factor(const CalibrationStats& stats, double damp,
                                                                          Progress& progress) {
    SharedFactors* cache = stats.shared_factors.get();
    if (!cache) return std::make_shared<const InverseHessianFactor>(inverse_hessian_factor(stats.C, damp, progress));
    // Held while computing, so a second caller waits for the first factor instead of making its own.
    const double fingerprint = stats.C.size() ? stats.C.diagonal().sum() + stats.C.col(0).sum() : 0.0;
    std::lock_guard<std::mutex> lock(cache->mutex);
    if (cache->factor && cache->C_data == stats.C.data() && cache->d == stats.C.rows() && cache->damp == damp &&
        cache->fingerprint == fingerprint)
        return cache->factor;
    auto factor = std::make_shared<const InverseHessianFactor>(inverse_hessian_factor(stats.C, damp, progress));
    cache->C_data = stats.C.data();
    cache->d = stats.C.rows();
    cache->fingerprint = fingerprint;
    cache->damp = damp;
    cache->factor = factor;
    return factor;
}

}  // namespace layerlens
