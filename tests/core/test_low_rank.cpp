// SVD and activation-aware SVD: aSVD reaches the Eckart–Young optimum of W C^{1/2} (computed
// here independently through a Cholesky factor L of C, since W L and W C^{1/2} share their
// singular values: (WL)(WL)ᵀ = W C Wᵀ) and is never worse than plain SVD at any rank.
#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include "method_registry.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {
MethodResult run(const std::string& name, const Layer& layer, const CalibrationStats& stats, int rank) {
    CompressionParams params;
    params.rank = rank;
    Progress quiet;
    return run_method(find_method(name), layer, stats, params, quiet);
}
}  // namespace

TEST(LowRank, AsvdReachesEckartYoungAndBeatsSvdAtEveryRank) {
    std::mt19937 rng(4);
    Layer layer{"random", random_matrix(14, 20, rng), {}, {}};
    const MatrixF X = random_inputs(200, 20, rng);
    const CalibrationStats stats = stats_of(X);
    const MatrixD Xd = X.cast<double>();
    const MatrixD C = Xd.transpose() * Xd / 200.0;
    const MatrixD L = C.llt().matrixL();
    const VectorD sigma = Eigen::JacobiSVD<MatrixD>(layer.W.cast<double>() * L).singularValues();
    const VectorD sigma_W = Eigen::JacobiSVD<MatrixD>(layer.W.cast<double>()).singularValues();
    for (int r = 1; r <= 14; ++r) {
        SCOPED_TRACE("rank " + std::to_string(r));
        const MethodResult asvd = run("asvd", layer, stats, r);
        const MethodResult svd = run("svd", layer, stats, r);
        const double optimum = sigma.tail(14 - r).squaredNorm() / sigma.squaredNorm();
        const double E = direct_error(X, layer.W, asvd.W_hat);
        EXPECT_NEAR(E, optimum, 1e-6 + 1e-4 * optimum);
        EXPECT_LE(E, direct_error(X, layer.W, svd.W_hat) + 1e-7);
        // plain SVD is the Frobenius optimum
        const double frobenius = (layer.W - svd.W_hat).cast<double>().squaredNorm();
        EXPECT_NEAR(frobenius, sigma_W.tail(14 - r).squaredNorm(), 1e-5 * (1 + frobenius));
        for (const MethodResult* m : {&asvd, &svd}) {
            EXPECT_EQ(m->B.cols(), r);
            EXPECT_EQ(m->A.rows(), r);
            EXPECT_TRUE((m->B * m->A).isApprox(m->W_hat, 1e-5f));
            EXPECT_DOUBLE_EQ(m->bits_per_weight, 16.0 * r * (14 + 20) / (14.0 * 20));
            EXPECT_EQ(std::get<long long>(*m->scalar("rank")), r);
        }
    }
}

// d_out > d_in takes the other routes (aSVD: eigen of C, SVD of W Q Λ^{1/2}; SVD: WᵀW); same optima.
TEST(LowRank, TallLayerReachesEckartYoungToo) {
    std::mt19937 rng(9);
    Layer layer{"tall", random_matrix(30, 12, rng), {}, {}};
    const MatrixF X = random_inputs(100, 12, rng);
    const CalibrationStats stats = stats_of(X);
    const MatrixD L = stats.C.llt().matrixL();
    const VectorD sigma = Eigen::JacobiSVD<MatrixD>(layer.W.cast<double>() * L).singularValues();
    const VectorD sigma_W = Eigen::JacobiSVD<MatrixD>(layer.W.cast<double>()).singularValues();
    for (int r : {1, 4, 11, 12}) {
        const double optimum = sigma.tail(12 - r).squaredNorm() / sigma.squaredNorm();
        EXPECT_NEAR(direct_error(X, layer.W, run("asvd", layer, stats, r).W_hat), optimum, 1e-6 + 1e-4 * optimum) << "rank " << r;
        const MethodResult svd = run("svd", layer, stats, r);
        const double frobenius = (layer.W - svd.W_hat).cast<double>().squaredNorm();
        EXPECT_NEAR(frobenius, sigma_W.tail(12 - r).squaredNorm(), 1e-5 * (1 + frobenius)) << "rank " << r;
        EXPECT_TRUE((svd.B * svd.A).isApprox(svd.W_hat, 1e-5f));
    }
}

TEST(LowRank, RankFromParameterRatio) {
    std::mt19937 rng(1);
    Layer layer{"wide", random_matrix(32, 64, rng), {}, {}};
    const CalibrationStats stats = stats_of(random_inputs(100, 64, rng));
    for (double ratio : {0.01, 0.25, 0.5, 1.0}) {
        CompressionParams params;
        params.param_ratio = ratio;
        Progress quiet;
        const MethodResult r = run_method(find_method("asvd"), layer, stats, params, quiet);
        const long long expected = std::max<long long>(1, std::min<long long>(32, static_cast<long long>(ratio * 32 * 64 / 96)));
        EXPECT_EQ(std::get<long long>(*r.scalar("rank")), expected) << "ratio " << ratio;
    }
}

// Fewer tokens than channels and a dead channel: C is singular; aSVD (A = U_rᵀ W, no inverse)
// stays finite, reaches the optimum from the eigenvalues of W C Wᵀ, and is never worse than SVD.
TEST(LowRank, SingularCIsDampedNotDividedByZero) {
    std::mt19937 rng(6);
    Layer layer{"singular", random_matrix(10, 24, rng), {}, {}};
    MatrixF X = random_inputs(8, 24, rng);
    X.col(5).setZero();
    const CalibrationStats stats = stats_of(X);
    for (int r : {1, 3, 7}) {
        const MethodResult asvd = run("asvd", layer, stats, r);
        const MethodResult svd = run("svd", layer, stats, r);
        EXPECT_TRUE(asvd.W_hat.allFinite());
        const VectorD energy = Eigen::SelfAdjointEigenSolver<MatrixD>(
            (X.cast<double>() * layer.W.cast<double>().transpose()).transpose() *
            (X.cast<double>() * layer.W.cast<double>().transpose()), Eigen::EigenvaluesOnly).eigenvalues();   // ascending
        const double optimum = energy.head(10 - r).sum() / energy.sum();
        EXPECT_NEAR(direct_error(X, layer.W, asvd.W_hat), optimum, 1e-6);
        EXPECT_LE(direct_error(X, layer.W, asvd.W_hat), direct_error(X, layer.W, svd.W_hat) + 1e-6);
    }
    // rank ≥ the rank of X W ᵀ's row space (8 tokens): aSVD reproduces every output exactly
    EXPECT_LT(direct_error(X, layer.W, run("asvd", layer, stats, 8).W_hat), 1e-6);
}

// A tall layer (d_out > d_in, the route through MᵀM) with fewer tokens than channels: at ranks
// beyond rank(X Wᵀ) the extra output directions carry no energy, and must not be divided by σ = 0.
TEST(LowRank, TallLayerWithSingularCStaysFiniteAndOptimal) {
    std::mt19937 rng(12);
    Layer layer{"tall-singular", random_matrix(30, 12, rng), {}, {}};
    const MatrixF X = random_inputs(5, 12, rng);
    const CalibrationStats stats = stats_of(X);
    const MatrixD outputs = X.cast<double>() * layer.W.cast<double>().transpose();   // 5 x 30
    const VectorD energy =
        Eigen::SelfAdjointEigenSolver<MatrixD>(outputs.transpose() * outputs, Eigen::EigenvaluesOnly).eigenvalues();
    for (int r : {2, 5, 9}) {
        const MethodResult asvd = run("asvd", layer, stats, r);
        ASSERT_TRUE(asvd.W_hat.allFinite()) << "rank " << r;
        const MatrixF BtB = asvd.B.transpose() * asvd.B;   // B has orthonormal columns
        EXPECT_TRUE(BtB.isApprox(MatrixF::Identity(r, r), 1e-4f)) << "rank " << r;
        const double optimum = energy.head(30 - r).sum() / energy.sum();
        EXPECT_NEAR(direct_error(X, layer.W, asvd.W_hat), optimum, 1e-6) << "rank " << r;
    }
}
