#include "output_error.h"

#include <cmath>
#include <limits>

namespace layerlens {

namespace {
// Σ_ij Δ_ij (ΔC)_ij with the elementwise sum in double: one float GEMM (d_out·d_in² flops)
// and a double reduction, so small errors keep their relative precision.
double trace_quadratic(const MatrixF& delta, const MatrixF& C) {
    const MatrixF delta_C = delta * C;
    return delta.cast<double>().cwiseProduct(delta_C.cast<double>()).sum();
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
    const MatrixF delta = W_ - W_hat;
    const MatrixF delta_C = delta * C_;
    const MatrixD terms = delta.cast<double>().cwiseProduct(delta_C.cast<double>());
    ErrorBreakdown result;
    const double scale = energy_ > 0 ? 1.0 / energy_ : 0.0;
    result.per_row = terms.rowwise().sum() * scale;
    result.per_channel = terms.colwise().sum().transpose() * scale;
    result.E = normalise(terms.sum());
    return result;
}

}  // namespace layerlens
