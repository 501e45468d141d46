// λ_max by power iteration (AWP's step) and cond(C) by the eigen-solver or Lanczos, against a
// dense double eigen-solver.
#include <Eigen/Eigenvalues>

#include "methods/symmetric_spectrum.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

TEST(SymmetricSpectrum, PowerIterationAndLanczosAgreeWithTheEigenSolver) {
    std::mt19937 rng(12);
    const CalibrationStats stats = stats_of(random_inputs(400, 150, rng));
    const VectorD exact = Eigen::SelfAdjointEigenSolver<MatrixD>(stats.C, Eigen::EigenvaluesOnly).eigenvalues();
    const double lambda_max = exact.maxCoeff(), lambda_min = exact.minCoeff();

    const PowerIteration power = largest_eigenvalue(stats.C_float);
    EXPECT_TRUE(power.converged);
    EXPECT_NEAR(power.lambda_max, lambda_max, 1e-5 * lambda_max);

    const ConditionEstimate dense = estimate_condition(stats.C);
    EXPECT_TRUE(dense.exact);
    EXPECT_NEAR(dense.cond, lambda_max / lambda_min, 1e-6 * lambda_max / lambda_min);

    // Lanczos (forced by exact_limit 0): Ritz values lie inside the spectrum and the top one has
    // converged; λ_min converges slowly, so the reported cond is a lower bound (here ~1/6 of it).
    const ConditionEstimate lanczos = estimate_condition(stats.C, nullptr, 0);
    EXPECT_FALSE(lanczos.exact);
    EXPECT_NEAR(lanczos.lambda_max, lambda_max, 1e-8 * lambda_max);
    EXPECT_GE(lanczos.lambda_min, lambda_min * (1 - 1e-9));
    EXPECT_LE(lanczos.cond, dense.cond * (1 + 1e-9));
    EXPECT_GT(lanczos.cond, 1.0);
}

TEST(SymmetricSpectrum, SingularCIsCappedNotInfinite) {
    std::mt19937 rng(3);
    MatrixF X = random_inputs(5, 12, rng);   // rank ≤ 5
    X.col(0).setZero();
    const CalibrationStats stats = stats_of(X);
    const ConditionEstimate condition = estimate_condition(stats.C);
    EXPECT_TRUE(std::isfinite(condition.cond));
    EXPECT_GE(condition.cond, 1e10);

    const CalibrationStats dead = stats_of(MatrixF::Zero(4, 3));
    EXPECT_EQ(largest_eigenvalue(dead.C_float).lambda_max, 0.0);
    EXPECT_EQ(estimate_condition(dead.C).cond, 1.0);
}
