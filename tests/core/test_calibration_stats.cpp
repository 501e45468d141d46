// Streamed statistics must equal the direct formulas, whatever the chunk size.
#include "errors.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

TEST(CalibrationStats, StreamedEqualsDirectForEveryChunkSize) {
    std::mt19937 rng(11);
    const MatrixF X = random_inputs(97, 13, rng);
    const MatrixD Xd = X.cast<double>();
    const MatrixD C = Xd.transpose() * Xd / 97.0;
    for (Eigen::Index chunk : {1, 7, 32, 97, 1000}) {
        SCOPED_TRACE("chunk " + std::to_string(chunk));
        Progress quiet;
        const CalibrationStats s = accumulate_statistics(MatrixInputSource(X), quiet, chunk);
        EXPECT_EQ(s.n_tokens, 97);
        EXPECT_LT((s.C - C).cwiseAbs().maxCoeff(), 1e-5 * C.cwiseAbs().maxCoeff());
        EXPECT_TRUE(s.C.isApprox(s.C.transpose(), 0.0));
        for (Eigen::Index j = 0; j < 13; ++j) {
            EXPECT_NEAR(s.mean_abs(j), Xd.col(j).cwiseAbs().mean(), 1e-5);
            EXPECT_NEAR(s.norm(j), Xd.col(j).norm(), 1e-4);
            EXPECT_NEAR(s.max_abs(j), Xd.col(j).cwiseAbs().maxCoeff(), 1e-6);
        }
        EXPECT_TRUE(s.dead_channels.empty());
        EXPECT_TRUE(s.warnings.empty());
    }
}

TEST(CalibrationStats, DeadChannelsAndTooFewTokensWarn) {
    std::mt19937 rng(2);
    MatrixF X = random_inputs(5, 8, rng);
    X.col(3).setZero();
    const CalibrationStats s = stats_of(X);
    ASSERT_EQ(s.dead_channels, std::vector<int>{3});
    ASSERT_EQ(s.warnings.size(), 2u);
    EXPECT_NE(s.warnings[0].find("channel 3"), std::string::npos);
    EXPECT_NE(s.warnings[1].find("5 tokens for 8"), std::string::npos);
}

// `info`'s pass: every channel statistic and warning bit for bit as the full one, no C, no tokens,
// for plain and for scaled (1e30) inputs.
TEST(CalibrationStats, ChannelScopeGivesTheSameChannelsWithoutC) {
    std::mt19937 rng(5);
    for (const double scale : {1.0, 1e30}) {
        SCOPED_TRACE(scale);
        MatrixF X = (random_inputs(40, 12, rng).cast<double>() * scale).cast<float>();
        X.col(7).setZero();
        Progress quiet;
        const CalibrationStats full = accumulate_statistics(MatrixInputSource(X), quiet, 16);
        const CalibrationStats channels = accumulate_statistics(MatrixInputSource(X), quiet, 16, StatisticsScope::Channels);
        EXPECT_EQ(channels.C.size(), 0);
        EXPECT_EQ(channels.C_float.size(), 0);
        EXPECT_EQ(channels.token_factor.size(), 0);
        EXPECT_EQ(channels.mean_abs, full.mean_abs);
        EXPECT_EQ(channels.norm, full.norm);
        EXPECT_EQ(channels.max_abs, full.max_abs);
        EXPECT_EQ(channels.input_scale, full.input_scale);
        EXPECT_EQ(channels.dead_channels, full.dead_channels);
        EXPECT_EQ(channels.warnings, full.warnings);
        EXPECT_EQ(channels.outlier_strength(), full.outlier_strength());
    }
}

TEST(CalibrationStats, NonFiniteValueIsNamedByPosition) {
    std::mt19937 rng(2);
    MatrixF X = random_inputs(40, 6, rng);
    X(33, 4) = std::numeric_limits<float>::quiet_NaN();
    Progress quiet;
    try {
        accumulate_statistics(MatrixInputSource(X, "x.h5:/l/inputs"), quiet, 16);
        FAIL() << "NaN accepted";
    } catch (const InputError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("token 33, channel 4"), std::string::npos) << message;
        EXPECT_NE(message.find("x.h5:/l/inputs"), std::string::npos) << message;
    }
}

TEST(CalibrationStats, ZeroTokensIsAnError) {
    Progress quiet;
    EXPECT_THROW(accumulate_statistics(MatrixInputSource(MatrixF(0, 4)), quiet), InputError);
}

TEST(CalibrationStats, CancelStopsTheStream) {
    std::mt19937 rng(2);
    const MatrixF X = random_inputs(100, 4, rng);
    CancelFlag flag;
    flag.cancel();
    EXPECT_THROW(accumulate_statistics(MatrixInputSource(X), flag, 10), Cancelled);
}

TEST(CalibrationStats, OutlierStrengthIsMaxOverMedian) {
    MatrixF X = MatrixF::Ones(4, 5);
    X.col(1) *= 30.0f;
    EXPECT_NEAR(stats_of(X).outlier_strength(), 30.0, 1e-9);
}

// With at most 2·d_in tokens, or at most 64 MiB of them, the statistics keep the tokens
// themselves, bit for bit (times the input scale, a power of two), whose Gram matrix over n is C
// to double precision; products go through them only below d_in/2 (cheaper than C); beyond both
// bounds they are not kept, whatever the chunking.
TEST(CalibrationStats, KeepsTheTokenFactorUpToTwiceTheWidthOr64MiB) {
    constexpr Eigen::Index kMiB = Eigen::Index{1} << 20;
    EXPECT_TRUE(CalibrationStats::keeps_tokens(8192, 4096));           // 2·d_in, 128 MiB
    EXPECT_FALSE(CalibrationStats::keeps_tokens(8193, 4096));
    EXPECT_TRUE(CalibrationStats::keeps_tokens(16 * kMiB / 64, 64));   // exactly 64 MiB
    EXPECT_FALSE(CalibrationStats::keeps_tokens(16 * kMiB / 64 + 1, 64));
    std::mt19937 rng(5);
    for (Eigen::Index chunk : {3, 1000}) {
        SCOPED_TRACE("chunk " + std::to_string(chunk));
        Progress quiet;
        const MatrixF few = random_inputs(9, 20, rng);
        const CalibrationStats s = accumulate_statistics(MatrixInputSource(few), quiet, chunk);
        ASSERT_EQ(s.token_factor.rows(), 9);
        ASSERT_EQ(s.token_factor.cols(), 20);
        EXPECT_TRUE(s.token_factor == few * static_cast<float>(s.input_scale));
        EXPECT_EQ(s.token_weight, 1.0 / 9);
        const MatrixD gram = s.token_weight * (s.token_factor.cast<double>().transpose() * s.token_factor.cast<double>());
        EXPECT_LT((gram - s.C).cwiseAbs().maxCoeff(), 1e-12 * s.C.cwiseAbs().maxCoeff());
        EXPECT_TRUE(s.products_through_tokens());
        const CalibrationStats half = accumulate_statistics(MatrixInputSource(random_inputs(10, 20, rng)), quiet, chunk);
        EXPECT_EQ(half.token_factor.rows(), 10);
        EXPECT_FALSE(half.products_through_tokens());
        const CalibrationStats most = accumulate_statistics(MatrixInputSource(random_inputs(40, 20, rng)), quiet, chunk);
        EXPECT_EQ(most.token_factor.rows(), 40);
        // Beyond 2·d_in they are kept only while they fit in kTokensKeptBytes.
        const CalibrationStats many = accumulate_statistics(MatrixInputSource(random_inputs(41, 20, rng)), quiet, chunk);
        EXPECT_EQ(many.token_factor.rows(), 41);
        EXPECT_FALSE(many.products_through_tokens());
    }
}

// C is summed in one triangle and mirrored band by band: on a width spanning several bands (and a
// partial last one) it must be exactly symmetric and equal to the direct product everywhere.
TEST(CalibrationStats, WideLayersAreMirroredExactly) {
    std::mt19937 rng(21);
    const MatrixF X = random_inputs(300, 150, rng);
    const CalibrationStats s = stats_of(X);
    const MatrixD direct = X.cast<double>().transpose() * X.cast<double>() / 300.0;
    EXPECT_TRUE(s.C.isApprox(s.C.transpose(), 0.0));
    EXPECT_LT((s.C - direct).cwiseAbs().maxCoeff(), 1e-5 * direct.cwiseAbs().maxCoeff());
}
