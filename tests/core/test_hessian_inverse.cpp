// The damped inverse-Hessian factor shared by GPTQ and SparseGPT, against the reference's own
// chain computed densely: U = upper Cholesky factor of inverse(H + λI).
#include <Eigen/Cholesky>
#include <Eigen/LU>

#include "errors.h"
#include "methods/hessian_inverse.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {
MatrixD reference_factor(MatrixD H, double damp) {
    for (Eigen::Index j = 0; j < H.rows(); ++j)
        if (H(j, j) == 0.0) H(j, j) = 1.0;
    H.diagonal().array() += damp * H.diagonal().mean();
    const MatrixD inverse = H.inverse();
    return inverse.llt().matrixU();
}
}  // namespace

TEST(HessianInverse, EqualsTheUpperCholeskyFactorOfTheDampedInverse) {
    // Sizes around the 128-column panel so the blocked paths run, plus 1x1.
    for (const Eigen::Index d : {1, 2, 7, 127, 128, 129, 300}) {
        const unsigned seed = 100 + static_cast<unsigned>(d);
        SCOPED_TRACE("d " + std::to_string(d) + ", seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const MatrixF X = random_inputs(2 * d + 5, d, rng);
        const MatrixD C = (X.cast<double>().transpose() * X.cast<double>()) / static_cast<double>(X.rows());
        Progress quiet;
        const InverseHessianFactor factor = inverse_hessian_factor(C, 0.01, quiet);
        ASSERT_TRUE(factor.ok);
        EXPECT_TRUE(factor.warnings.empty());
        EXPECT_EQ(factor.damp_used, 0.01);
        const MatrixD expected = reference_factor(C, 0.01);
        EXPECT_LE((factor.U.cast<double>() - expected).norm(), 1e-5 * expected.norm());
        EXPECT_TRUE(factor.U.isUpperTriangular(0.0f));
    }
}

TEST(HessianInverse, DeadChannelsGetUnitDiagonalAndTheirColumnsAreZeroed) {
    std::mt19937 rng(7);
    MatrixF X = random_inputs(40, 9, rng);
    X.col(2).setZero();
    X.col(6).setZero();
    const MatrixD C = (X.cast<double>().transpose() * X.cast<double>()) / 40.0;
    Progress quiet;
    const InverseHessianFactor factor = inverse_hessian_factor(C, 0.01, quiet);
    ASSERT_TRUE(factor.ok);
    EXPECT_EQ(factor.dead, (std::vector<Eigen::Index>{2, 6}));
    EXPECT_LE((factor.U.cast<double>() - reference_factor(C, 0.01)).norm(), 1e-5 * factor.U.norm());
    MatrixF W = random_matrix(3, 9, rng);
    zero_dead_columns(W, factor.dead);
    EXPECT_TRUE(W.col(2).isZero(0.0f) && W.col(6).isZero(0.0f));
    EXPECT_FALSE(W.col(3).isZero(0.0f));
}

TEST(HessianInverse, SingularHWithoutDampingIsRetriedWithMoreAndSaysSo) {
    // [[1, 1], [1, 1]]: the second pivot is exactly 0, so undamped Cholesky must fail.
    const MatrixD H = MatrixD::Ones(2, 2);
    Progress quiet;
    const InverseHessianFactor factor = inverse_hessian_factor(H, 0.0, quiet);
    ASSERT_TRUE(factor.ok);
    EXPECT_GT(factor.damp_used, 0.0);
    ASSERT_EQ(factor.warnings.size(), 1u);
    EXPECT_NE(factor.warnings[0].find("not positive definite"), std::string::npos);
    EXPECT_LE((factor.U.cast<double>() - reference_factor(H, factor.damp_used)).norm(), 1e-4 * factor.U.norm());
}

TEST(HessianInverse, IndefiniteHIsReportedNotThrown) {
    // mean diag = 0, so no damping fraction helps: a value the caller checks.
    MatrixD H = MatrixD::Zero(2, 2);
    H(0, 0) = 1.0;
    H(1, 1) = -1.0;
    Progress quiet;
    const InverseHessianFactor factor = inverse_hessian_factor(H, 0.01, quiet);
    EXPECT_FALSE(factor.ok);
    EXPECT_FALSE(factor.warnings.empty());
}

TEST(HessianInverse, StopsWhenCancelled) {
    CancelFlag flag;
    flag.cancel();
    EXPECT_THROW(inverse_hessian_factor(MatrixD::Identity(300, 300), 0.01, flag), Cancelled);
}

// GPTQ and SparseGPT on the same statistics share one damped factor; a copy of the statistics
// with a C of its own, or another damping, gets its own; results do not depend on the sharing.
TEST(HessianInverse, TheFactorIsSharedPerStatisticsAndDamping) {
    std::mt19937 rng(12);
    const MatrixF X = random_inputs(300, 24, rng);
    const CalibrationStats stats = stats_of(X);
    ASSERT_NE(stats.shared_factors, nullptr);
    Progress quiet;
    const auto first = shared_inverse_hessian_factor(stats, 0.01, quiet);
    EXPECT_EQ(shared_inverse_hessian_factor(stats, 0.01, quiet), first);   // the same object
    const auto other_damp = shared_inverse_hessian_factor(stats, 0.1, quiet);
    EXPECT_NE(other_damp, first);
    EXPECT_FALSE(other_damp->U.isApprox(first->U));

    CalibrationStats changed = stats;   // shares the cache, has its own C
    changed.C *= 4.0;
    changed.C(0, 0) += 1.0;
    const auto own = shared_inverse_hessian_factor(changed, 0.01, quiet);
    const InverseHessianFactor direct = inverse_hessian_factor(changed.C, 0.01, quiet);
    EXPECT_TRUE(own->U == direct.U) << "a copy with its own C must not get the original's factor";

    // Every method's result is the same with or without a shared factor.
    Layer layer{"layer", random_matrix(8, 24, rng), {}, {}};
    CalibrationStats unshared = stats;
    unshared.shared_factors.reset();
    CompressionParams params;
    params.bits = 4;
    params.sparsity = 0.5;
    for (const std::string method : {"gptq", "sparsegpt"}) {
        SCOPED_TRACE(method);
        const MethodResult a = run_named(method, layer, stats, params);
        const MethodResult b = run_named(method, layer, unshared, params);
        EXPECT_TRUE(a.W_hat == b.W_hat);
    }
}
