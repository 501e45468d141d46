#include "output_error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>
#include <vector>

#include "calibration_stats.h"
#include "double_sums.h"
#include "errors.h"
#include "progress.h"

namespace layerlens {

int range_exponent(double max_abs) {
    constexpr int kSafeExponent = 16;
    if (!(max_abs > 0) || !std::isfinite(max_abs)) return 0;
    const int e = std::ilogb(max_abs);
    return (e < -kSafeExponent || e >= kSafeExponent) ? e : 0;
}

namespace {
// A difference of 1e20 would overflow the float product ΔC, a subnormal one lose its digits in
// it; scaling by 2^-e is exact and the quadratic form is scaled back by 2^2e in double. A
// non-finite Δ is left as it is: the caller sees NaN or Inf.
int scale_exponent(const MatrixF& delta) {
    return delta.size() == 0 ? 0 : range_exponent(delta.cwiseAbs().maxCoeff());
}

MatrixF scaled(const MatrixF& delta, int e) {
    return (delta.cast<double>() * std::ldexp(1.0, -e)).cast<float>();   // 2^-e may not be a float
}

// tr(Δ C Δᵀ) from the upper triangle U of the symmetric C (C = U + Uᵀ − diag C):
//   δᵀCδ = 2·δᵀUδ − Σ_j C_jj δ_j²,  so  tr(ΔCΔᵀ) = 2·Σ_ij Δ_ij (ΔU)_ij − Σ_j C_jj ‖Δ_:j‖².
// The triangular product is half a GEMM's work (measured 0.078 s against 0.122 s for 2048² on
// one core, through OpenBLAS' trmm) and its rounding is of the same size as the full product's
// (2.7e-10 relative apart there); the sums are in double so small errors keep their precision.
// It is taken for kFormRows rows of Δ at a time, each block summed while it is in cache, so no
// d_out × d_in product is allocated (a 4096² compare peaked at 728 MiB with one, 603 without).
// OpenBLAS tiles a block of rows differently from the whole matrix, so E moved in its 10th
// digit (1024²); a GEMM per column block of C instead was no faster. The same in double for
// the smallest errors.
constexpr Eigen::Index kFormRows = 256;

template <class Matrix>
double trace_quadratic_in_range(const Matrix& delta, const Matrix& C) {
    Matrix product;
    double total = 0.0;
    for (Eigen::Index first = 0; first < delta.rows(); first += kFormRows) {
        const auto rows = delta.middleRows(first, std::min(kFormRows, delta.rows() - first));
        product.noalias() = rows * C.template triangularView<Eigen::Upper>();
        if constexpr (std::is_same_v<Matrix, MatrixF>) {
            total += upper_form_in_double(rows, product, C.diagonal());
        } else {
            total += 2.0 * rows.cwiseProduct(product).sum() -
                     (rows.array().square().colwise().sum().transpose() * C.diagonal().array()).sum();
        }
    }
    return total;
}

// Tokens per product of the token route: no zeros to skip, so wide blocks; a cancellation point
// every ~0.1 s on 4096-wide layers.
constexpr Eigen::Index kTokenBlock = 512;

// tr(Δ C Δᵀ) through the tokens when they are kept (C = weight·XᵀX), else through C's upper
// triangle.
double trace_quadratic(const MatrixF& delta, const MatrixF& C, const MatrixF* tokens, double token_weight) {
    const int e = scale_exponent(delta);
    const auto in_range = [&](const MatrixF& d) {
        return tokens ? squared_norm_through_tokens(d, *tokens) * token_weight : trace_quadratic_in_range(d, C);
    };
    if (e == 0) return in_range(delta);
    return in_range(scaled(delta, e)) * std::ldexp(1.0, 2 * e);
}

template <class Scalar>
double squared_norm_in_token_blocks(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& delta,
                                    const MatrixF& tokens, const Progress* progress) {
    double total = 0.0;
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> block;
    for (Eigen::Index first = 0; first < tokens.rows(); first += kTokenBlock) {
        if (progress) progress->check();
        const Eigen::Index rows = std::min(kTokenBlock, tokens.rows() - first);
        block.noalias() = delta * tokens.middleRows(first, rows).transpose().template cast<Scalar>();
        if constexpr (std::is_same_v<Scalar, float>) total += squared_norm_in_double(block);
        else total += block.squaredNorm();
    }
    return total;
}
}  // namespace

double squared_norm_through_tokens(const MatrixF& delta, const MatrixF& tokens, const Progress* progress) {
    return squared_norm_in_token_blocks(delta, tokens, progress);
}

double squared_norm_through_tokens(const MatrixD& delta, const MatrixF& tokens) {
    return squared_norm_in_token_blocks(delta, tokens, nullptr);
}

OutputError::OutputError(const MatrixF& W, const MatrixF& C, const MatrixD* C_exact)
    : W_(W), C_(C), C_exact_(C_exact), energy_(judged_form(W, 0.0, nullptr)) {}

OutputError::OutputError(const MatrixF& W, const CalibrationStats& stats)
    : W_(W), C_(stats.C_float), C_exact_(&stats.C),
      tokens_(stats.products_through_tokens() && stats.token_factor.cols() == W.cols() ? &stats.token_factor : nullptr),
      exact_tokens_(stats.token_factor.size() > 0 && stats.token_factor.cols() == W.cols() ? &stats.token_factor : nullptr),
      token_weight_(stats.token_weight), source_(stats.source), energy_(judged_form(W, 0.0, nullptr)) {}

double OutputError::normalise(double absolute_error) const {
    if (energy_ > 0) return absolute_error / energy_;
    // W produces no output on these inputs: any Ŵ is exact unless it creates output.
    return absolute_error > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

double OutputError::absolute(const MatrixF& delta) const { return trace_quadratic(delta, C_, tokens_, token_weight_); }

namespace {
constexpr double kFloatFloor = OutputError::kFloatFloor;
constexpr double kCancellationFloor = 0.1;    // see relative()
// Through the kept tokens in double, E costs d_out·n·d_in multiply-adds: up to this many (~20 ms)
// it is always taken so, float or not (a small layer is judged exactly at no cost one notices).
constexpr double kAlwaysExactWork = 1e8;
// A double form's rounding, ~2⁻⁵³·√d_in of its terms, must stay below this fraction of it.
constexpr double kDoubleAccuracy = 1e-6;

// Σ_j Δ_ij² C_jj per row i: what tr(Δ C Δᵀ) would be if C had no off-diagonal part, the size of
// the terms the quadratic form sums (d_out × d_in work, nothing next to the form's d_out × d_in²).
// Column by column, with no double copy of Δ: that copy (32 MiB at 2048²) was a quarter of a
// compare's page faults.
VectorD diagonal_form_per_row(const MatrixF& delta, const MatrixF& C) {
    const int e = scale_exponent(delta);
    const double unit = std::ldexp(1.0, -e);
    VectorD per_row = VectorD::Zero(delta.rows());
    for (Eigen::Index j = 0; j < delta.cols(); ++j)
        per_row.array() += (delta.col(j).cast<double>().array() * unit).square() * static_cast<double>(C(j, j));
    return per_row * std::ldexp(1.0, 2 * e);
}

double diagonal_form(const MatrixF& delta, const MatrixF& C) { return diagonal_form_per_row(delta, C).sum(); }
}  // namespace

// The float products carry a round-off of ~1e-7 of the size of the terms they sum: invisible
// next to an E of 1e-2 of the energy, but a few percent of an E of 1e-7, which a method that fits
// few tokens exactly can reach. The terms can also be far larger than the output: a method that
// moves weights on channels X never sees (SparseGPT's and AWP's updates on a rank-1 X put entries
// 100x W's there) leaves a form that cancels, and the float form said E = 7280 for a true 5.9e-4.
// On the shared real layers the form is 0.47 to 1.65 of its diagonal (every method). So the form
// is taken again, in double, when it is below kFloatFloor of the energy or below
// kCancellationFloor of its diagonal form (float products there were off by up to 2.7e-6 of E on
// rank-2 inputs), and always when that costs little (kAlwaysExactWork).
// The energy is judged the same way (W itself may lie where C is ~0), with no floor.
double OutputError::relative(const MatrixF& W_hat) const {
    const MatrixF delta = W_ - W_hat;
    if (!(energy_ > 0)) return normalise(absolute(delta));
    return normalise(judged_form(delta, kFloatFloor * energy_, &W_hat));
}

bool OutputError::exact_is_cheap(Eigen::Index rows) const {
    return exact_tokens_ &&
           static_cast<double>(rows) * static_cast<double>(exact_tokens_->rows()) * static_cast<double>(W_.cols()) <= kAlwaysExactWork;
}

double OutputError::judged_form(const MatrixF& delta, double floor, const MatrixF* W_hat) const {
    const double diagonal = diagonal_form(delta, C_);
    if (!exact_is_cheap(delta.rows())) {
        const double fast = absolute(delta);
        if (fast >= floor && fast >= kCancellationFloor * diagonal) return fast;
    }
    // W − Ŵ in float rounds to Ŵ's precision: Ŵ = 200 next to W = 1 loses 1e-5 of every entry,
    // which along the channels X sees was 5e-4 of a form that cancels. In double it is exact.
    return exact_form(W_hat ? MatrixD(W_.cast<double>() - W_hat->cast<double>()) : MatrixD(delta.cast<double>()), diagonal);
}

// Through the kept tokens, ‖ΔXᵀ‖² in double is a sum of squares of X's own products: exact to
// ~1e-16 of itself however Δ lies. Through C in double, the form still cancels: when its rounding
// (~2⁻⁵³·√d_in of the diagonal form, the size of its terms) is more than kDoubleAccuracy of it,
// no number is given.
double OutputError::exact_form(const MatrixD& delta, double diagonal) const {
    if (exact_tokens_) return squared_norm_through_tokens(delta, *exact_tokens_) * token_weight_;
    const double form = C_exact_ ? trace_quadratic_in_range(delta, *C_exact_)
                                 : trace_quadratic_in_range(delta, MatrixD(C_.cast<double>()));
    const double rounding = std::ldexp(1.0, -53) * std::sqrt(static_cast<double>(delta.cols())) * diagonal;
    if (std::isfinite(form) && !(kDoubleAccuracy * form >= rounding) && diagonal > 0) {
        std::ostringstream msg;
        msg.precision(3);
        msg << (source_.empty() ? std::string("the inputs") : source_)
            << ": the error cannot be judged in double precision: W - Ŵ reaches " << delta.cwiseAbs().maxCoeff()
            << " where the inputs have (almost) no energy, so tr((W-Ŵ) C (W-Ŵ)ᵀ) = " << form
            << " is within a million times the round-off of its terms (" << diagonal
            << "); inputs of at most " << (CalibrationStats::kTokensKeptBytes >> 20) << " MiB (or "
            << CalibrationStats::kTokensKeptPerChannel << " x d_in tokens) are judged exactly, through the tokens themselves";
        throw InputError(msg.str());
    }
    return form;
}

std::optional<double> OutputError::relative_from_rows(const MatrixF& W_hat, const VectorD& claimed_per_row) const {
    const Eigen::Index rows = W_.rows();
    if (claimed_per_row.size() != rows || W_hat.rows() != rows || W_hat.cols() != W_.cols() || !(energy_ > 0))
        return std::nullopt;
    const double claimed = claimed_per_row.sum();
    if (!std::isfinite(claimed) || !(claimed >= kFloatFloor * energy_)) return std::nullopt;
    // Rows spread evenly over the layer (all of them when it has few), by the same product
    // relative() would take: a wrong claim (another W, C or Ŵ, a broken identity) is off by far
    // more than the sweep's rounding (1e-7 of the total, 2e-5 of a row at worst measured).
    const Eigen::Index spot = std::min(rows, kSpotRows);
    MatrixF delta(spot, W_.cols());
    std::vector<Eigen::Index> chosen(static_cast<size_t>(spot));
    for (Eigen::Index k = 0; k < spot; ++k) {
        chosen[static_cast<size_t>(k)] = spot == rows ? k : (k * (rows - 1)) / (spot - 1);
        delta.row(k) = W_.row(chosen[static_cast<size_t>(k)]) - W_hat.row(chosen[static_cast<size_t>(k)]);
    }
    const int e = scale_exponent(delta);
    if (e != 0) delta = scaled(delta, e);
    const MatrixF delta_C = delta * C_;
    const VectorD exact = delta.cast<double>().cwiseProduct(delta_C.cast<double>()).rowwise().sum() * std::ldexp(1.0, 2 * e);
    const double mean_row = claimed / static_cast<double>(rows);
    // A row whose form cancels (see relative()) is beyond the float check: judged in full instead.
    // The claim itself (OBS's identity) holds to ~1e-7 of E; its check is good to 1e-4 above 1e-2.
    constexpr double kSpotCancellationFloor = 1e-2;
    const VectorD diagonal = diagonal_form_per_row(delta, C_) * std::ldexp(1.0, 2 * e);   // delta is scaled by 2^-e
    for (Eigen::Index k = 0; k < spot; ++k) {
        if (!(exact(k) >= kSpotCancellationFloor * diagonal(k))) return std::nullopt;
        const double said = claimed_per_row(chosen[static_cast<size_t>(k)]);
        if (!(std::abs(said - exact(k)) <= kSpotTolerance * std::max(exact(k), mean_row))) return std::nullopt;
    }
    return normalise(claimed);
}

ErrorBreakdown OutputError::breakdown(const MatrixF& W_hat) const {
    MatrixF delta = W_ - W_hat;
    const int e = scale_exponent(delta);
    if (e != 0) delta = scaled(delta, e);
    const MatrixF delta_C = delta * C_;
    MatrixD terms = delta.cast<double>().cwiseProduct(delta_C.cast<double>());
    if (e != 0) terms *= std::ldexp(1.0, 2 * e);
    ErrorBreakdown result;
    const double scale = energy_ > 0 ? 1.0 / energy_ : 0.0;
    result.per_row = terms.rowwise().sum() * scale;
    result.per_channel = terms.colwise().sum().transpose() * scale;
    result.E = normalise(terms.sum());
    return result;
}

}  // namespace layerlens
