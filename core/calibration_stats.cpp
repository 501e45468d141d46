#include "calibration_stats.h"

#include "methods/hessian_inverse.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "errors.h"
#include "input_source.h"
#include "output_error.h"
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

constexpr Eigen::Index kCastRows = 512;

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

// Accuracy: each chunk's XᵀX is a double product of X's floats (every term exact, the sums to
// ~1e-16 relative) and the chunks are summed in double, so C is the Gram matrix of the file's
// inputs to double precision and positive semi-definite to that precision (see below why that
// matters). Range: a chunk whose largest value is outside [2⁻¹⁶, 2¹⁶] (range_exponent) is
// multiplied by a power of two (exact) and its Gram by the inverse square, so at the end every
// statistic is taken of input_scale·X (see CalibrationStats) and the float copy of C holds
// numbers float32 can represent.
CalibrationStats accumulate_statistics(const InputSource& inputs, Progress& progress, Eigen::Index chunk_rows,
                                       StatisticsScope scope) {
    const Eigen::Index d = inputs.width();
    const Eigen::Index n = inputs.n_tokens();
    if (n <= 0) throw InputError(inputs.description() + ": there are no calibration tokens (0 rows)");
    if (d <= 0) throw InputError(inputs.description() + ": inputs have zero width");

    if (chunk_rows <= 0)
        chunk_rows = std::clamp<Eigen::Index>((Eigen::Index{64} << 20) / (static_cast<Eigen::Index>(sizeof(float)) * d), 256, 4096);
    CalibrationStats stats;
    stats.shared_factors = make_shared_factors();
    stats.source = inputs.description();
    const bool full = scope == StatisticsScope::Full;
    if (full) {
        stats.C.resize(d, d);
        stats.C.triangularView<Eigen::Lower>().setZero();   // chunks add their Gram to this triangle
    }
    VectorD abs_sum = VectorD::Zero(d);
    VectorD sq_sum = VectorD::Zero(d);
    stats.max_abs = VectorD::Zero(d);
    const bool keep_tokens = full && CalibrationStats::keeps_tokens(n, d);   // see CalibrationStats::token_factor
    MatrixD gram, rows_in_double;   // gram: only for chunks outside the safe range
    MatrixF scaled_chunk;   // only for chunks outside the safe range
    if (keep_tokens) stats.token_factor.resize(n, d);

    Eigen::Index seen = 0;
    inputs.for_each_chunk(chunk_rows, [&](const MatrixF& chunk, Eigen::Index first_row) {
        throw_on_non_finite(chunk, first_row, inputs);
        const VectorD column_max = chunk.cwiseAbs().colwise().maxCoeff().transpose().cast<double>();
        stats.max_abs = stats.max_abs.cwiseMax(column_max);
        const int e = range_exponent(column_max.size() ? column_max.maxCoeff() : 0.0);
        // Scaled through double: 2^-e itself may not be a normal float (e = 127 or -149).
        if (e != 0) scaled_chunk = (chunk.cast<double>() * std::ldexp(1.0, -e)).cast<float>();
        const MatrixF& X = e != 0 ? scaled_chunk : chunk;
        // XᵀX is symmetric: a rank-k update of the lower triangle (BLAS syrk) does half a GEMM's
        // work, and only that triangle is summed. It is taken in double, of X's own floats (each
        // product exact, sums to 1e-16): C rounded by float sums is off by ~1e-7 of its scale in
        // every entry independently, which makes it indefinite where X is (nearly) rank-deficient
        // (repeated tokens, fewer tokens than channels). A method that fits such tokens exactly
        // leaves Δ where C is ~0, and there a float C gave E < 0 (aSVD: −5.7e-7 for a true
        // 4.5e-14 on a rank-1 X). It costs the double rate: measured below (bench statistics).
        // The chunk is cast in blocks of kCastRows rows so the double copy stays small. A chunk in
        // the safe range adds straight into C (a d_in² Gram of its own was a fifth of a compare's
        // page faults); a scaled one has its own Gram, scaled back by 2^2e when added.
        // ‖X_j‖² is summed the same way on both paths, so a scaled input keeps every bit of it.
        const bool own_gram = e != 0 && full;
        if (own_gram && gram.rows() != d) gram.resize(d, d);
        if (own_gram) gram.triangularView<Eigen::Lower>().setZero();
        MatrixD& target = own_gram ? gram : stats.C;
        const double square = e == 0 ? 1.0 : std::ldexp(1.0, 2 * e);   // ×1 is exact: plain data keeps its bits
        for (Eigen::Index r0 = 0; r0 < X.rows(); r0 += kCastRows) {
            rows_in_double = X.middleRows(r0, std::min(kCastRows, X.rows() - r0)).cast<double>();
            if (full) target.selfadjointView<Eigen::Lower>().rankUpdate(rows_in_double.transpose());
            sq_sum += rows_in_double.colwise().squaredNorm().transpose() * square;
        }
        if (own_gram) stats.C.triangularView<Eigen::Lower>() += gram * square;
        abs_sum += X.cwiseAbs().colwise().sum().transpose().cast<double>() * (e == 0 ? 1.0 : std::ldexp(1.0, e));
        if (keep_tokens && first_row + chunk.rows() <= n) stats.token_factor.middleRows(first_row, chunk.rows()) = chunk;
        seen += chunk.rows();
        progress.report(static_cast<double>(seen) / static_cast<double>(n), "calibration statistics");
    }, progress);

    stats.n_tokens = seen;
    stats.input_scale = std::ldexp(1.0, -range_exponent(stats.max_abs.maxCoeff()));
    const double s = stats.input_scale;
    // One pass in bands of 64 columns: scale the band's lower part by s²/n, mirror it into the
    // upper triangle, write the band of the float copy. A band's mirror source is a band of 64
    // rows left of the diagonal, already scaled (those columns came first), whose columns are
    // short contiguous runs that stay in cache; a row-by-row mirror took a second at d_in = 11008.
    constexpr Eigen::Index band = 64;
    const double inverse_n = s * s / static_cast<double>(seen);
    if (full) stats.C_float.resize(d, d);
    for (Eigen::Index j0 = 0; full && j0 < d; j0 += band) {
        const Eigen::Index width = std::min(band, d - j0);
        for (Eigen::Index k = 0; k < width; ++k) stats.C.col(j0 + k).tail(d - j0 - k) *= inverse_n;
        if (j0 > 0) stats.C.block(0, j0, j0, width) = stats.C.block(j0, 0, width, j0).transpose();
        for (Eigen::Index k = 1; k < width; ++k)
            stats.C.col(j0 + k).segment(j0, k) = stats.C.row(j0 + k).segment(j0, k).transpose();
        stats.C_float.middleCols(j0, width) = stats.C.middleCols(j0, width).cast<float>();
    }
    if (keep_tokens) {
        stats.token_factor.conservativeResize(seen, d);
        if (s != 1.0) stats.token_factor = (stats.token_factor.cast<double>() * s).cast<float>();   // exact: a power of two
        stats.token_weight = 1.0 / static_cast<double>(seen);
    }
    stats.mean_abs = abs_sum / (static_cast<double>(seen) / s);   // s = 1: exactly the plain mean
    stats.norm = sq_sum.cwiseSqrt() * s;
    stats.max_abs *= s;

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
