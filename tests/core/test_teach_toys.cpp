// The Teach tab's toys against brute force: the PGD row keeps exactly k and its loss never rises,
// its projection is the closest k-sparse vector, the best support agrees with a fine grid; rank-1
// aSVD reaches the Eckart–Young value and the minimum over a fine grid of rank-1 matrices, and is
// never worse than plain SVD.
#include <gtest/gtest.h>

#include <Eigen/LU>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <random>

#include "teach/low_rank_toy.h"
#include "teach/pgd_toy.h"

namespace layerlens::teach {
namespace {

int nonzeros(const VectorD& v) { return static_cast<int>((v.array() != 0.0).count()); }

MatrixD random_correlation(int n, std::mt19937& rng, int rank) {
    std::normal_distribution<double> normal;
    MatrixD X(std::max(rank, 1), n);
    for (Eigen::Index k = 0; k < X.size(); ++k) X.data()[k] = normal(rng);
    for (int j = 0; j < n; ++j) X.col(j) *= std::exp(normal(rng));   // uneven traffic
    return X.transpose() * X / X.rows();
}

TEST(TeachPgdToy, ClassroomRowKeepsExactlyKAndItsLossNeverRises) {
    const PgdToyProblem toy = classroom_pgd_toy();
    const PgdToyRun run = run_pgd_toy(toy, 40);
    ASSERT_EQ(run.steps.size(), 40u);
    ASSERT_EQ(run.E.size(), 41u);
    EXPECT_NEAR(run.eta, 1.0 / run.lambda_max, 1e-15);
    for (size_t t = 0; t < run.steps.size(); ++t) {
        SCOPED_TRACE("iteration " + std::to_string(t));
        const PgdToyStep& step = run.steps[t];
        // The step is η (w − Θ) C written as a row vector times C.
        const Eigen::RowVectorXd direct = run.eta * (toy.w - step.Theta).transpose() * toy.C;
        EXPECT_LT((step.step.transpose() - direct).norm(), 1e-14);
        EXPECT_EQ(std::count(step.kept.begin(), step.kept.end(), 1), toy.k);
        EXPECT_LE(nonzeros(step.Theta_next), toy.k);
        for (int j = 0; j < toy.w.size(); ++j)
            EXPECT_EQ(step.Theta_next(j), step.kept[j] ? step.Z(j) : 0.0) << "channel " << j;
        EXPECT_LE(run.E[t + 1], run.E[t] + 1e-15) << "the loss rose";
        EXPECT_NEAR(run.E[t], toy_error(toy.w, toy.C, step.Theta), 1e-15);
    }
}

TEST(TeachPgdToy, ClassroomRowSwapsTheQuietWeightForTheBusyOneAndEndsAtTheBest) {
    const PgdToyProblem toy = classroom_pgd_toy();
    const PgdToyRun run = run_pgd_toy(toy, 40);
    // Magnitude pruning keeps 0.6 and −0.7 (channels 2 and 3, counting from 1).
    EXPECT_EQ(run.start_kept, (std::vector<char>{0, 1, 1, 0, 0}));
    const BestSparseRow best = best_sparse_row(toy.w, toy.C, toy.k);
    EXPECT_EQ(best.supports_tried, 10);
    EXPECT_EQ(best.support, (std::vector<int>{0, 2}));   // the small 0.3 on the busy channel 1
    EXPECT_EQ(run.steps.back().kept, (std::vector<char>{1, 0, 1, 0, 0}));
    EXPECT_NEAR(run.E.back(), best.E, 1e-9);
    EXPECT_GT(run.E.front(), 3.0 * best.E) << "the lesson needs a visible drop";
}

TEST(TeachPgdToy, ProjectionIsTheClosestKSparseVector) {
    std::mt19937 rng(11);
    std::normal_distribution<double> normal;
    for (int trial = 0; trial < 200; ++trial) {
        const int n = 1 + trial % 7, k = trial % (n + 1);
        SCOPED_TRACE("seed 11, trial " + std::to_string(trial));
        VectorD z(n);
        for (int j = 0; j < n; ++j) z(j) = trial % 5 == 0 ? std::round(normal(rng)) : normal(rng);   // ties too
        std::vector<char> kept;
        const VectorD Theta = keep_largest(z, k, &kept);
        EXPECT_EQ(std::count(kept.begin(), kept.end(), 1), k);
        double best = INFINITY;
        for (unsigned bits = 0; bits < (1u << n); ++bits) {
            if (std::popcount(bits) != k) continue;
            double distance = 0.0;
            for (int j = 0; j < n; ++j)
                if (!((bits >> j) & 1u)) distance += z(j) * z(j);
            best = std::min(best, distance);
        }
        EXPECT_NEAR((Theta - z).squaredNorm(), best, 1e-12);
    }
}

TEST(TeachPgdToy, RandomRowsNeverRiseAndNeverBeatTheBestSupport) {
    std::mt19937 rng(5);
    std::normal_distribution<double> normal;
    for (int trial = 0; trial < 60; ++trial) {
        const int n = 1 + trial % 6;
        SCOPED_TRACE("seed 5, trial " + std::to_string(trial) + ", n " + std::to_string(n));
        PgdToyProblem toy;
        toy.w.resize(n);
        for (int j = 0; j < n; ++j) toy.w(j) = normal(rng);
        toy.C = random_correlation(n, rng, trial % 3 == 0 ? 1 : n + 2);   // singular C too
        toy.k = trial % (n + 1);
        const PgdToyRun run = run_pgd_toy(toy, 50);
        const BestSparseRow best = best_sparse_row(toy.w, toy.C, toy.k);
        for (size_t t = 0; t + 1 < run.E.size(); ++t) EXPECT_LE(run.E[t + 1], run.E[t] * (1 + 1e-12) + 1e-15);
        for (const PgdToyStep& step : run.steps) EXPECT_LE(nonzeros(step.Theta_next), toy.k);
        EXPECT_GE(run.E.back(), best.E - 1e-9);
        EXPECT_EQ(best.support.size(), static_cast<size_t>(toy.k));
    }
}

TEST(TeachPgdToy, BestSupportAgreesWithAFineGrid) {
    const PgdToyProblem toy = classroom_pgd_toy();
    const BestSparseRow best = best_sparse_row(toy.w, toy.C, toy.k);
    // Every pair of kept channels, both kept values on a grid of step 0.005 over [−1.5, 1.5].
    double grid_best = INFINITY;
    const int n = static_cast<int>(toy.w.size());
    for (int a = 0; a < n; ++a)
        for (int b = a + 1; b < n; ++b)
            for (int p = -300; p <= 300; ++p)
                for (int q = -300; q <= 300; ++q) {
                    VectorD Theta = VectorD::Zero(n);
                    Theta(a) = 0.005 * p;
                    Theta(b) = 0.005 * q;
                    grid_best = std::min(grid_best, toy_error(toy.w, toy.C, Theta));
                }
    EXPECT_GE(grid_best, best.E - 1e-12);
    EXPECT_LT(grid_best - best.E, 1e-4);
}

TEST(TeachPgdToy, RefusesMismatchedProblems) {
    PgdToyProblem toy = classroom_pgd_toy();
    toy.k = 6;
    EXPECT_THROW(run_pgd_toy(toy, 3), std::invalid_argument);
    toy = classroom_pgd_toy();
    toy.C = MatrixD::Identity(4, 4);
    EXPECT_THROW(run_pgd_toy(toy, 3), std::invalid_argument);
    EXPECT_THROW(run_pgd_toy(classroom_pgd_toy(), -1), std::invalid_argument);
}

// Rank-1 matrices s·u vᵀ over a fine grid of unit directions u, v; for each pair the best s is
// the quadratic's minimum, s = uᵀ W C v / vᵀ C v.
double grid_rank1_minimum(const MatrixD& W, const MatrixD& C, int steps) {
    const double energy = (W * C * W.transpose()).trace();
    double best = 1.0;
    for (int p = 0; p < steps; ++p)
        for (int q = 0; q < steps; ++q) {
            const double alpha = std::numbers::pi * p / steps, beta = std::numbers::pi * q / steps;
            const Eigen::Vector2d u(std::cos(alpha), std::sin(alpha)), v(std::cos(beta), std::sin(beta));
            const double vCv = v.dot(C * v);
            if (vCv <= 0) continue;
            const double s = u.dot(W * C * v) / vCv;
            const MatrixD W_hat = s * u * v.transpose();
            const MatrixD delta = W - W_hat;
            best = std::min(best, (delta * C * delta.transpose()).trace() / energy);
        }
    return best;
}

TEST(TeachLowRankToy, Rank1ActivationAwareSvdIsTheBestRank1MatrixAndNeverWorseThanSvd) {
    for (int degrees = 0; degrees <= 180; degrees += 15) {
        SCOPED_TRACE("traffic at " + std::to_string(degrees) + " degrees");
        const LowRankToy toy = classroom_low_rank_toy(degrees);
        const LowRankComparison result = compare_low_rank(toy.W, toy.C, 1);
        EXPECT_LE(result.asvd.E, result.svd.E + 1e-12);
        EXPECT_NEAR(result.asvd.E, result.eckart_young, 1e-12);
        const double grid = grid_rank1_minimum(toy.W, toy.C, 1200);
        EXPECT_GE(grid, result.asvd.E - 1e-12);
        EXPECT_LT(grid - result.asvd.E, 1e-5 + 1e-4 * result.asvd.E);
        // Both guesses have rank 1.
        EXPECT_NEAR(result.asvd.W_hat.determinant(), 0.0, 1e-12);
        EXPECT_NEAR(result.svd.W_hat.determinant(), 0.0, 1e-12);
    }
    // Traffic across W's strongest direction: plain SVD keeps what the inputs never use.
    const LowRankToy across = classroom_low_rank_toy(135);
    const LowRankComparison result = compare_low_rank(across.W, across.C, 1);
    EXPECT_GT(result.svd.E, 5.0 * result.asvd.E);
}

TEST(TeachLowRankToy, FullAndZeroRankAndTrafficAlongOneLine) {
    const LowRankToy toy = classroom_low_rank_toy(60);
    EXPECT_NEAR(compare_low_rank(toy.W, toy.C, 2).asvd.E, 0.0, 1e-12);
    EXPECT_NEAR(compare_low_rank(toy.W, toy.C, 2).svd.E, 0.0, 1e-12);
    EXPECT_NEAR(compare_low_rank(toy.W, toy.C, 0).asvd.E, 1.0, 1e-12);
    // All traffic on one line (singular C), across W's strongest direction (45°): one rank is
    // enough for aSVD, not for SVD.
    MatrixD line(2, 2);
    line << 1.0, -1.0, -1.0, 1.0;
    const LowRankComparison singular = compare_low_rank(toy.W, line, 1);
    EXPECT_NEAR(singular.asvd.E, 0.0, 1e-12);
    EXPECT_GT(singular.svd.E, 1e-3);
    EXPECT_THROW(compare_low_rank(toy.W, MatrixD::Identity(3, 3), 1), std::invalid_argument);
    EXPECT_THROW(compare_low_rank(toy.W, toy.C, 3), std::invalid_argument);
}

TEST(TeachLowRankToy, RandomShapesReachEckartYoung) {
    std::mt19937 rng(3);
    std::normal_distribution<double> normal;
    for (int trial = 0; trial < 30; ++trial) {
        const int d_out = 1 + trial % 4, d_in = 1 + (trial / 4) % 4;
        SCOPED_TRACE("seed 3, trial " + std::to_string(trial));
        MatrixD W(d_out, d_in);
        for (Eigen::Index k = 0; k < W.size(); ++k) W.data()[k] = normal(rng);
        const MatrixD C = random_correlation(d_in, rng, d_in + 3);
        for (int r = 0; r <= std::min(d_out, d_in); ++r) {
            const LowRankComparison result = compare_low_rank(W, C, r);
            EXPECT_NEAR(result.asvd.E, result.eckart_young, 1e-9);
            EXPECT_LE(result.asvd.E, result.svd.E + 1e-9);
        }
    }
}

TEST(TeachLowRankToy, TrafficPointsHaveTheToysCorrelation) {
    const LowRankToy toy = classroom_low_rank_toy(120);
    const std::vector<VectorD> points = traffic_points(toy.C, 24);
    ASSERT_EQ(points.size(), 24u);
    MatrixD mean = MatrixD::Zero(2, 2);
    for (const VectorD& x : points) mean += x * x.transpose() / 24.0;
    EXPECT_LT((mean - toy.C / 2.0).norm(), 1e-12);
}

}  // namespace
}  // namespace layerlens::teach
