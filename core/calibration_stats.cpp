#include "calibration_stats.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "errors.h"
#include "input_source.h"
#include "progress.h"

namespace layerlens {

double CalibrationStats::outlier_strength() const {
    if (mean_abs.size() == 0) return 0.0;
    std::vector<double> a(mean_abs.data(), mean_abs.data() + mean_abs.size());
    auto mid = a.begin() + static_cast<std::ptrdiff_t>(a.size() / 2);
    std::nth_element(a.begin(), mid, a.end());
    const double median = *mid;
    const double max = mean_abs.maxCoeff();
    return median > 0 ? max / median : (max > 0 ? INFINITY : 1.0);
}

namespace {

void throw_on_non_finite(const MatrixF& chunk, Eigen::Index first_row, const InputSource& inputs) {
    if (chunk.allFinite()) return;
    for (Eigen::Index t = 0; t < chunk.rows(); ++t)
        for (Eigen::Index j = 0; j < chunk.cols(); ++j)
            if (!std::isfinite(chunk(t, j))) {
                std::ostringstream msg;
                msg << inputs.description() << ": value " << chunk(t, j) << " at token " << first_row + t
                    << ", channel " << j << " is not finite (NaN or Inf)";
                throw InputError(msg.str());
            }
}

}  // namespace

// Accuracy: each chunk's XᵀX is one float32 matrix product over at most chunk_rows tokens
// (relative error ~ chunk_rows · 2⁻²⁴ ≈ 2e-4 worst case for 4096 rows, ~1e-6 typical), and the chunk sums are
// accumulated in double. The error therefore grows with the chunk length, not with n: 100,000
// tokens are summed as accurately as 1,000, and the products run at float GEMM speed (twice the
// double rate). Plain float accumulation over n would lose ~log2(n/chunk) more bits.
CalibrationStats accumulate_statistics(const InputSource& inputs, Progress& progress, Eigen::Index chunk_rows) {
    const Eigen::Index d = inputs.width();
    const Eigen::Index n = inputs.n_tokens();
    if (n <= 0) throw InputError(inputs.description() + ": there are no calibration tokens (0 rows)");
    if (d <= 0) throw InputError(inputs.description() + ": inputs have zero width");

    if (chunk_rows <= 0)
        chunk_rows = std::clamp<Eigen::Index>((Eigen::Index{64} << 20) / (static_cast<Eigen::Index>(sizeof(float)) * d), 256, 4096);
    CalibrationStats stats;
    stats.C.resize(d, d);   // the first chunk assigns its triangle, later ones add to it
    VectorD abs_sum = VectorD::Zero(d);
    VectorD sq_sum = VectorD::Zero(d);
    stats.max_abs = VectorD::Zero(d);
    MatrixF chunk_gram(d, d);
    const bool keep_tokens = 2 * n < d;   // see CalibrationStats::token_factor
    if (keep_tokens) stats.token_factor.resize(n, d);

    Eigen::Index seen = 0;
    inputs.for_each_chunk(chunk_rows, [&](const MatrixF& chunk, Eigen::Index first_row) {
        throw_on_non_finite(chunk, first_row, inputs);
        // XᵀX is symmetric: a rank-k update of the lower triangle (BLAS syrk) does half a GEMM's
        // work, and only that triangle is summed in double. The upper one is mirrored at the end.
        chunk_gram.triangularView<Eigen::Lower>().setZero();
        chunk_gram.selfadjointView<Eigen::Lower>().rankUpdate(chunk.transpose());
        if (first_row == 0) stats.C.triangularView<Eigen::Lower>() = chunk_gram.cast<double>();
        else stats.C.triangularView<Eigen::Lower>() += chunk_gram.cast<double>();
        abs_sum += chunk.cwiseAbs().colwise().sum().transpose().cast<double>();
        sq_sum += chunk_gram.diagonal().cast<double>();   // ‖X_j‖² is the Gram diagonal: no extra pass
        stats.max_abs = stats.max_abs.cwiseMax(chunk.cwiseAbs().colwise().maxCoeff().transpose().cast<double>());
        if (keep_tokens && first_row + chunk.rows() <= n) stats.token_factor.middleRows(first_row, chunk.rows()) = chunk;
        seen += chunk.rows();
        progress.report(static_cast<double>(seen) / static_cast<double>(n), "calibration statistics");
    }, progress);

    stats.n_tokens = seen;
    // One pass in bands of 64 columns: scale the band's lower part by 1/n, mirror it into the
    // upper triangle, write the band of the float copy. A band's mirror source is a band of 64
    // rows left of the diagonal, already scaled (those columns came first), whose columns are
    // short contiguous runs that stay in cache; a row-by-row mirror took a second at d_in = 11008.
    constexpr Eigen::Index band = 64;
    const double inverse_n = 1.0 / static_cast<double>(seen);
    stats.C_float.resize(d, d);
    for (Eigen::Index j0 = 0; j0 < d; j0 += band) {
        const Eigen::Index width = std::min(band, d - j0);
        for (Eigen::Index k = 0; k < width; ++k) stats.C.col(j0 + k).tail(d - j0 - k) *= inverse_n;
        if (j0 > 0) stats.C.block(0, j0, j0, width) = stats.C.block(j0, 0, width, j0).transpose();
        for (Eigen::Index k = 1; k < width; ++k)
            stats.C.col(j0 + k).segment(j0, k) = stats.C.row(j0 + k).segment(j0, k).transpose();
        stats.C_float.middleCols(j0, width) = stats.C.middleCols(j0, width).cast<float>();
    }
    if (keep_tokens) {
        stats.token_factor.conservativeResize(seen, d);
        stats.token_factor /= static_cast<float>(std::sqrt(static_cast<double>(seen)));
    }
    stats.mean_abs = abs_sum / static_cast<double>(seen);
    stats.norm = sq_sum.cwiseSqrt();

    for (Eigen::Index j = 0; j < d; ++j)
        if (stats.max_abs(j) == 0.0) stats.dead_channels.push_back(static_cast<int>(j));
    if (!stats.dead_channels.empty()) {
        std::ostringstream msg;
        msg << stats.dead_channels.size() << " dead input channel(s) (all-zero activations), first is channel "
            << stats.dead_channels.front() << "; methods treat them as the reference code does";
        stats.warnings.push_back(msg.str());
    }
    if (seen < d) {
        std::ostringstream msg;
        msg << "only " << seen << " tokens for " << d << " input channels: C is singular, methods dampen it";
        stats.warnings.push_back(msg.str());
    }
    return stats;
}

}  // namespace layerlens
