#include "symmetric_spectrum.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

#include "../progress.h"
#include "../symmetric_eigen.h"

namespace layerlens {

PowerIteration largest_eigenvalue(const MatrixF& C, Progress* progress, int max_iterations, double relative_tolerance) {
    PowerIteration out;
    const Eigen::Index d = C.rows();
    if (d == 0) return out;
    VectorD v = VectorD::Ones(d) + VectorD::LinSpaced(d, 0.0, 0.5);
    v.normalize();
    VectorF v_float = v.cast<float>();
    VectorF Cv(d);
    double previous = 0.0;
    for (int it = 1; it <= max_iterations; ++it) {
        if (progress && it % 10 == 0) progress->check();
        Cv.noalias() = C * v_float;
        const VectorD Cv_double = Cv.cast<double>();
        const double rayleigh = v.dot(Cv_double);
        out.lambda_max = rayleigh;
        out.iterations = it;
        const double norm = Cv_double.norm();
        if (!(norm > 0.0)) {   // C v = 0: C is zero on this vector's span (all channels dead)
            out.lambda_max = 0.0;
            out.converged = true;
            return out;
        }
        if (it > 1 && std::abs(rayleigh - previous) <= relative_tolerance * std::abs(rayleigh)) {
            out.converged = true;
            return out;
        }
        previous = rayleigh;
        v = Cv_double / norm;
        v_float = v.cast<float>();
    }
    return out;
}

namespace {
constexpr double kCondCap = 1e15;

ConditionEstimate from_extremes(double lambda_max, double lambda_min, bool exact) {
    ConditionEstimate out;
    out.lambda_max = std::max(lambda_max, 0.0);
    out.lambda_min = std::max(lambda_min, 0.0);
    out.exact = exact;
    if (out.lambda_max <= 0.0) out.cond = 1.0;   // C = 0: nothing to condition
    else out.cond = out.lambda_min * kCondCap > out.lambda_max ? out.lambda_max / out.lambda_min : kCondCap;
    return out;
}

// Lanczos with full reorthogonalisation: steps · d² flops for the products plus steps² · d for
// the reorthogonalisation — negligible next to one AWP iteration (d_out · d_in² flops).
ConditionEstimate lanczos_extremes(const MatrixD& C, int steps, Progress* progress) {
    const Eigen::Index d = C.rows();
    steps = static_cast<int>(std::min<Eigen::Index>(steps, d));
    MatrixD V(d, steps);
    VectorD alpha(steps), beta(steps);
    VectorD v = VectorD::Ones(d) + VectorD::LinSpaced(d, 0.0, 0.5);
    v.normalize();
    int m = 0;
    for (; m < steps; ++m) {
        if (progress && m % 10 == 0) progress->check();
        V.col(m) = v;
        VectorD w = C * v;
        alpha(m) = v.dot(w);
        // Two passes of classical Gram–Schmidt against every earlier vector keep V orthogonal.
        for (int pass = 0; pass < 2; ++pass) w -= V.leftCols(m + 1) * (V.leftCols(m + 1).transpose() * w);
        beta(m) = w.norm();
        if (beta(m) <= 1e-12 * std::abs(alpha(m)) || beta(m) == 0.0) { ++m; break; }   // invariant subspace
        v = w / beta(m);
    }
    MatrixD T = MatrixD::Zero(m, m);
    for (int k = 0; k < m; ++k) {
        T(k, k) = alpha(k);
        if (k + 1 < m) T(k, k + 1) = T(k + 1, k) = beta(k);
    }
    Eigen::SelfAdjointEigenSolver<MatrixD> ritz(T, Eigen::EigenvaluesOnly);
    return from_extremes(ritz.eigenvalues().maxCoeff(), ritz.eigenvalues().minCoeff(), false);
}
}  // namespace

ConditionEstimate estimate_condition(const MatrixD& C, Progress* progress, Eigen::Index exact_limit) {
    if (C.rows() == 0) return from_extremes(0.0, 0.0, true);
    if (C.rows() <= exact_limit) {
        const VectorD eigenvalues = symmetric_eigenvalues(C);
        return from_extremes(eigenvalues.maxCoeff(), eigenvalues.minCoeff(), true);
    }
    return lanczos_extremes(C, 80, progress);
}

}  // namespace layerlens
