#include "awp_refine.h"

#include <algorithm>
#include <cmath>

#include "../progress.h"
#include "awp_step.h"
#include "symmetric_spectrum.h"

namespace layerlens {

namespace {

// The working state: Θ, its support, G = (W−Θ)C and f, kept consistent by evaluate().
struct State {
    MatrixF Theta;
    MaskMatrix kept;
    MatrixF G;
    double loss = 0.0;
};

// G and f by the product PGD uses (awp_step.h), through C.
double evaluate(const MatrixF& W, const MatrixF& C, State& s) {
    s.loss = GradientProduct(C).apply(W - s.Theta, s.G);
    return s.loss;
}

// 1/C_jj, 0 for a dead channel (C_jj = 0 implies its whole row and column of C are 0: the
// entry does not affect f and is never moved).
VectorF inverse_diagonal(const MatrixF& C) {
    VectorF inv(C.rows());
    for (Eigen::Index j = 0; j < C.rows(); ++j) inv(j) = C(j, j) > 0.0f ? 1.0f / C(j, j) : 0.0f;
    return inv;
}

// λ_max of D^{-1/2} C D^{-1/2}: by how much C exceeds its diagonal. The Rayleigh quotient is a
// lower bound, so a margin keeps M ⪰ C; a step that still rose would be refused by the caller.
double diagonal_metric_factor(const MatrixF& C) {
    VectorF root(C.rows());
    for (Eigen::Index j = 0; j < C.rows(); ++j) root(j) = C(j, j) > 0.0f ? 1.0f / std::sqrt(C(j, j)) : 0.0f;
    const MatrixF R = root.asDiagonal() * C * root.asDiagonal();
    return 1.01 * largest_eigenvalue(R).lambda_max;
}

// Per-row sums Σ_j f(i, j) over a column-major matrix, columns split among threads, each with
// its own row accumulators (a row's sum is a reduction across columns).
template <typename F>
Eigen::VectorXd row_sums(Eigen::Index rows, Eigen::Index cols, F&& term) {
    Eigen::VectorXd total = Eigen::VectorXd::Zero(rows);
#pragma omp parallel if (rows * cols >= (Eigen::Index{1} << 18))
    {
        Eigen::VectorXd mine = Eigen::VectorXd::Zero(rows);
#pragma omp for schedule(static)
        for (Eigen::Index j = 0; j < cols; ++j)
            for (Eigen::Index i = 0; i < rows; ++i) mine(i) += term(i, j);
#pragma omp critical
        total += mine;
    }
    return total;
}

// Preconditioned CG on the support, all rows at once (each row its own α, β). Three fused passes
// over the matrices per iteration besides the product: the elementwise work of a naive version
// (ten passes, one thread) took a third of the time at 2048² (perf). Returns the products spent.
int conjugate_gradients(const MatrixF& C, const VectorF& inv_diag, State& s, int iterations) {
    const Eigen::Index rows = s.Theta.rows(), cols = s.Theta.cols();
    const auto& kept = s.kept;
    MatrixF R(rows, cols), P(rows, cols), Q(rows, cols);
    // R = G on the support, P = R D⁻¹, rz = Σ_j R D⁻¹ R.
    Eigen::VectorXd rz = row_sums(rows, cols, [&](Eigen::Index i, Eigen::Index j) {
        const float r = kept(i, j) ? s.G(i, j) : 0.0f;
        R(i, j) = r;
        P(i, j) = r * inv_diag(j);
        return static_cast<double>(r) * P(i, j);
    });
    // A row whose preconditioned residual fell by 10^6 is solved to float32 precision; going on
    // would only chase round-off (and on a singular C wander along directions that cost nothing,
    // so that the result would depend on the scale of X).
    const Eigen::VectorXd rz_solved = rz * 1e-12;
    VectorF alpha(rows), beta(rows);
    int spent = 0;
    for (int it = 0; it < iterations; ++it) {
        Q.noalias() = P * C;
        ++spent;
        const Eigen::VectorXd pq = row_sums(rows, cols, [&](Eigen::Index i, Eigen::Index j) {
            const float q = kept(i, j) ? Q(i, j) : 0.0f;
            Q(i, j) = q;
            return static_cast<double>(P(i, j)) * q;
        });
        for (Eigen::Index i = 0; i < rows; ++i)
            alpha(i) = pq(i) > 0 && rz(i) > rz_solved(i) ? static_cast<float>(rz(i) / pq(i)) : 0.0f;
        const Eigen::VectorXd rz_next = row_sums(rows, cols, [&](Eigen::Index i, Eigen::Index j) {
            s.Theta(i, j) += alpha(i) * P(i, j);
            const float r = R(i, j) - alpha(i) * Q(i, j);
            R(i, j) = r;
            return static_cast<double>(r) * (r * inv_diag(j));
        });
        for (Eigen::Index i = 0; i < rows; ++i) beta(i) = rz(i) > 0 ? static_cast<float>(rz_next(i) / rz(i)) : 0.0f;
#pragma omp parallel for schedule(static) if (rows * cols >= (Eigen::Index{1} << 18))
        for (Eigen::Index j = 0; j < cols; ++j)
            for (Eigen::Index i = 0; i < rows; ++i) P(i, j) = R(i, j) * inv_diag(j) + beta(i) * P(i, j);
        rz = rz_next;
    }
    return spent;
}

// One Gauss–Seidel sweep over the columns, in blocks of 128: inside a block G is kept exact for
// the block's columns by rank-1 updates; the block's moves reach the rest of G in two products.
// Rows are independent problems, so a column's moves for all rows are decided together.
void coordinate_sweep(const MatrixF& C, const AwpConstraint& set, State& s) {
    const Eigen::Index d_out = s.Theta.rows(), d_in = s.Theta.cols();
    constexpr Eigen::Index kBlock = 128;
    const bool masked = set.prunes();
    VectorF t(d_out);
    for (Eigen::Index b = 0; b < d_in; b += kBlock) {
        const Eigen::Index nb = std::min(kBlock, d_in - b), e = b + nb;
        MatrixF Gb = s.G.middleCols(b, nb);
        MatrixF T = MatrixF::Zero(d_out, nb);
        for (Eigen::Index j = b; j < e; ++j) {
            const float c = C(j, j);
            if (!(c > 0.0f)) continue;
            bool moved = false;
            for (Eigen::Index i = 0; i < d_out; ++i) {
                t(i) = 0.0f;
                if (masked && !s.kept(i, j)) continue;
                const float g = Gb(i, j - b), theta = s.Theta(i, j);
                const float step = set.grid.quantize(theta + g / c, i, j) - theta;
                // f changes by −2·step·g + step²·c: move only when that is a decrease.
                if (step != 0.0f && 2.0 * step * g - static_cast<double>(step) * step * c > 0.0) {
                    t(i) = step;
                    s.Theta(i, j) += step;
                    moved = true;
                }
            }
            if (!moved) continue;
            T.col(j - b) = t;
            Gb.noalias() -= t * C.row(j).segment(b, nb);
        }
        if (b > 0) s.G.leftCols(b).noalias() -= T * C.block(b, 0, nb, b);
        if (e < d_in) s.G.rightCols(d_in - e).noalias() -= T * C.block(b, e, nb, d_in - e);
        s.G.middleCols(b, nb) = Gb;
    }
}

// The support step in the diagonal metric: Z = Θ + G M⁻¹, projected in that metric.
void metric_support_step(const VectorF& inv_metric, const VectorF& metric, const AwpConstraint& set, State& s) {
    const MatrixF Z = s.Theta + s.G * inv_metric.asDiagonal();
    if (set.kind == AwpSetKind::Prune) {
        s.kept = select_top(Z.array().square().matrix() * metric.asDiagonal(), set);
        s.Theta = apply_mask(Z, s.kept);
    } else {
        const MatrixF Zq = set.grid.quantize(Z);
        s.kept = select_top(joint_score(Z, Zq) * metric.asDiagonal(), set);
        s.Theta = apply_mask(Zq, s.kept);
    }
}

}  // namespace

RefineOutcome refine_on_set(const MatrixF& W, const MatrixF& C, const AwpConstraint& set, MatrixF Theta,
                            MaskMatrix kept, long long max_products, double tol, Progress& progress, double bar_from,
                            const CurveJudge& judge) {
    constexpr int kCgIterations = 8;   // CG steps per round on a fixed support
    constexpr double kDiminishingReturns = 0.1;
    RefineOutcome out;
    State s{std::move(Theta), std::move(kept), {}, 0.0};
    evaluate(W, C, s);
    out.products = 1;
    auto on_curve = [&](const State& state) {
        const double E = judge(state.Theta, state.kept, state.loss);
        out.curve.push_back(E);
        return E;
    };
    out.loss.push_back(s.loss);
    on_curve(s);
    out.products_at.push_back(out.products);
    const VectorF inv_diag = inverse_diagonal(C);
    VectorF metric, inv_metric;
    if (set.prunes()) {
        const double factor = diagonal_metric_factor(C);
        metric = C.diagonal() * static_cast<float>(factor);
        inv_metric = inv_diag / static_cast<float>(factor);
    }
    out.stopped_by = "iterations";
    auto record = [&](const State& candidate, State& fallback) {
        // Every stage is a descent step in exact arithmetic; float round-off near a fixed point
        // could still raise f by a hair, and then the stage is undone.
        if (candidate.loss <= fallback.loss) {
            fallback = candidate;
            out.loss.push_back(fallback.loss);
            out.products_at.push_back(out.products);
            progress.iteration(static_cast<int>(out.loss.size() - 1), on_curve(fallback));
            return true;
        }
        return false;
    };
    while (out.products < max_products) {
        progress.check();
        const double round_start = s.loss;
        if (set.kind == AwpSetKind::Prune) {
            State next = s;
            // Within the budget: the CG steps and the evaluation after them.
            const auto steps = static_cast<int>(std::min<long long>(kCgIterations, std::max<long long>(1, max_products - out.products - 1)));
            out.products += conjugate_gradients(C, inv_diag, next, steps);
            evaluate(W, C, next);
            ++out.products;
            record(next, s);
        } else {
            State next = s;
            coordinate_sweep(C, set, next);
            evaluate(W, C, next);
            out.products += 2;
            record(next, s);
        }
        // The support step, longest first: 8·M⁻¹ lets more entries change places than M⁻¹, but
        // only M⁻¹ is guaranteed not to raise f, so longer steps are tried and kept only if f fell.
        for (float shrink : {0.125f, 0.5f, 1.0f}) {
            if (!set.prunes() || out.products >= max_products) break;
            State next = s;
            metric_support_step(inv_metric / shrink, metric * shrink, set, next);
            evaluate(W, C, next);
            ++out.products;
            if (next.loss < s.loss * (1.0 - 1e-6) || shrink == 1.0f) {
                record(next, s);
                break;
            }
        }
        const double spent = std::min(1.0, static_cast<double>(out.products) / static_cast<double>(max_products));
        progress.report(bar_from + (1.0 - bar_from) * spent, "AWP: refining");
        if (round_start - s.loss <= tol * round_start) {
            out.stopped_by = "tolerance";
            break;
        }
        // Diminishing returns: the first rounds take nearly all of the gain (measured on the real
        // and demo layers, README "AWP"); a round that adds less than 10% of the gain so far is
        // not worth its products.
        if (round_start - s.loss <= kDiminishingReturns * (out.loss.front() - s.loss)) {
            out.stopped_by = "diminishing returns";
            break;
        }
    }
    out.Theta = std::move(s.Theta);
    out.kept = std::move(s.kept);
    return out;
}

}  // namespace layerlens
