#include "pgd_toy.h"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "../errors.h"

namespace layerlens::teach {

PgdToyProblem classroom_pgd_toy() {
    PgdToyProblem toy;
    toy.w.resize(5);
    toy.w << 0.3, 0.6, -0.7, 0.4, -0.2;
    // C = D R D with traffic D = diag(2, 0.5, 2, 0.5, 1) and correlations R_12 = R_24 = −0.6:
    // the busy channel 1 and the quiet 2 move against each other, so keeping 2 for 1 half works.
    toy.C.resize(5, 5);
    toy.C << 4.0, -0.6, 0.0, 0.0, 0.0,
             -0.6, 0.25, 0.0, -0.15, 0.0,
             0.0, 0.0, 4.0, 0.0, 0.0,
             0.0, -0.15, 0.0, 0.25, 0.0,
             0.0, 0.0, 0.0, 0.0, 1.0;
    toy.k = 2;
    return toy;
}

double toy_error(const VectorD& w, const MatrixD& C, const VectorD& Theta) {
    const double energy = w.dot(C * w);
    const VectorD delta = w - Theta;
    return energy > 0 ? delta.dot(C * delta) / energy : 0.0;
}

VectorD keep_largest(const VectorD& z, int k, std::vector<char>* kept) {
    std::vector<int> order(static_cast<size_t>(z.size()));
    std::iota(order.begin(), order.end(), 0);
    // Stable: among equal |z| the lower index comes first and is kept.
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return std::abs(z(a)) > std::abs(z(b)); });
    VectorD Theta = VectorD::Zero(z.size());
    std::vector<char> support(static_cast<size_t>(z.size()), 0);
    for (int r = 0; r < std::min<int>(k, static_cast<int>(z.size())); ++r) {
        Theta(order[static_cast<size_t>(r)]) = z(order[static_cast<size_t>(r)]);
        support[static_cast<size_t>(order[static_cast<size_t>(r)])] = 1;
    }
    if (kept) *kept = std::move(support);
    return Theta;
}

namespace {
void check_problem(const PgdToyProblem& problem) {
    const Eigen::Index n = problem.w.size();
    if (problem.C.rows() != n || problem.C.cols() != n)
        throw ParameterError("the toy's C is " + std::to_string(problem.C.rows()) + "x" + std::to_string(problem.C.cols()) +
                             " but it has " + std::to_string(n) + " weights");
    if (problem.k < 0 || problem.k > n)
        throw ParameterError("the toy keeps k = " + std::to_string(problem.k) + " of " + std::to_string(n) + " weights");
}
}  // namespace

PgdToyRun run_pgd_toy(const PgdToyProblem& problem, int iterations) {
    check_problem(problem);
    if (iterations < 0) throw ParameterError("the toy needs a non-negative number of iterations");
    PgdToyRun run;
    run.lambda_max = problem.C.size() ? Eigen::SelfAdjointEigenSolver<MatrixD>(problem.C, Eigen::EigenvaluesOnly)
                                            .eigenvalues()
                                            .maxCoeff()
                                      : 0.0;
    run.eta = problem.eta > 0 ? problem.eta : (run.lambda_max > 0 ? 1.0 / run.lambda_max : 0.0);
    VectorD Theta = keep_largest(problem.w, problem.k, &run.start_kept);
    run.E.push_back(toy_error(problem.w, problem.C, Theta));
    for (int t = 0; t < iterations; ++t) {
        PgdToyStep step;
        step.Theta = Theta;
        // (w − Θ) C as a row vector is C (w − Θ) as a column: C is symmetric.
        step.step = run.eta * (problem.C * (problem.w - Theta));
        step.Z = Theta + step.step;
        step.Theta_next = keep_largest(step.Z, problem.k, &step.kept);
        Theta = step.Theta_next;
        run.E.push_back(toy_error(problem.w, problem.C, Theta));
        run.steps.push_back(std::move(step));
    }
    return run;
}

BestSparseRow best_sparse_row(const VectorD& w, const MatrixD& C, int k) {
    check_problem({w, C, k, 0.0});
    const int n = static_cast<int>(w.size());
    if (n > 20) throw ParameterError("best_sparse_row tries every support: at most 20 weights");
    BestSparseRow best;
    best.E = std::numeric_limits<double>::infinity();
    for (unsigned bits = 0; bits < (1u << n); ++bits) {
        if (std::popcount(bits) != k) continue;
        std::vector<int> in, out;
        for (int j = 0; j < n; ++j) ((bits >> j) & 1u ? in : out).push_back(j);
        // With Θ zero off the support S, the error d = w − Θ is w on the rest and free on S:
        // minimising dᵀCd over d_S gives C_SS d_S = −C_S,rest w_rest.
        VectorD Theta = VectorD::Zero(n);
        if (!in.empty()) {
            MatrixD C_in(in.size(), in.size()), C_cross(in.size(), out.size());
            VectorD w_out(out.size());
            for (size_t a = 0; a < in.size(); ++a) {
                for (size_t b = 0; b < in.size(); ++b) C_in(a, b) = C(in[a], in[b]);
                for (size_t b = 0; b < out.size(); ++b) C_cross(a, b) = C(in[a], out[b]);
            }
            for (size_t b = 0; b < out.size(); ++b) w_out(b) = w(out[b]);
            const VectorD d_in = C_in.completeOrthogonalDecomposition().solve(-(C_cross * w_out));
            for (size_t a = 0; a < in.size(); ++a) Theta(in[a]) = w(in[a]) - d_in(a);
        }
        ++best.supports_tried;
        const double E = toy_error(w, C, Theta);
        if (E < best.E) {
            best.E = E;
            best.support = in;
            best.Theta = Theta;
        }
    }
    return best;
}

}  // namespace layerlens::teach
