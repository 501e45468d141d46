#include "output_error.h"

#include <cmath>
#include <limits>

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

// Σ_ij Δ_ij (ΔC)_ij with the elementwise sum in double: one float GEMM (d_out·d_in² flops)
// and a double reduction, so small errors keep their relative precision.
double trace_quadratic_in_range(const MatrixF& delta, const MatrixF& C) {
    const MatrixF delta_C = delta * C;
    return delta.cast<double>().cwiseProduct(delta_C.cast<double>()).sum();
}

double trace_quadratic(const MatrixF& delta, const MatrixF& C) {
    const int e = scale_exponent(delta);
    if (e == 0) return trace_quadratic_in_range(delta, C);
    return trace_quadratic_in_range(scaled(delta, e), C) * std::ldexp(1.0, 2 * e);
}
}  // namespace

OutputError::OutputError(const MatrixF& W, const MatrixF& C) : W_(W), C_(C), energy_(trace_quadratic(W, C)) {}

double OutputError::normalise(double absolute_error) const {
    if (energy_ > 0) return absolute_error / energy_;
    // W produces no output on these inputs: any Ŵ is exact unless it creates output.
    return absolute_error > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

double OutputError::absolute(const MatrixF& delta) const { return trace_quadratic(delta, C_); }

double OutputError::relative(const MatrixF& W_hat) const { return normalise(absolute(W_ - W_hat)); }

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
