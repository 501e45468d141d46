// E computed from C must equal the direct ‖X(W−Ŵ)ᵀ‖²/‖XWᵀ‖² on the tokens.
#include "output_error.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

TEST(OutputError, MatchesDirectComputationOnRandomShapes) {
    for (unsigned seed = 1; seed <= 12; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const Eigen::Index d_out = 1 + rng() % 17, d_in = 1 + rng() % 23, n = 1 + rng() % 40;
        const MatrixF X = random_inputs(n, d_in, rng);
        const MatrixF W = random_matrix(d_out, d_in, rng);
        const MatrixF W_hat = W + random_matrix(d_out, d_in, rng, 0.1f);
        const CalibrationStats stats = stats_of(X);
        const OutputError metric(W, stats.C_float);
        const double expected = direct_error(X, W, W_hat);
        EXPECT_NEAR(metric.relative(W_hat), expected, 1e-4 * expected);
        const ErrorBreakdown parts = metric.breakdown(W_hat);
        EXPECT_NEAR(parts.E, expected, 1e-4 * expected);
        EXPECT_NEAR(parts.per_row.sum(), parts.E, 1e-9 + 1e-6 * parts.E);
        EXPECT_NEAR(parts.per_channel.sum(), parts.E, 1e-9 + 1e-6 * parts.E);
        EXPECT_EQ(parts.per_row.size(), d_out);
        EXPECT_EQ(parts.per_channel.size(), d_in);
    }
}

TEST(OutputError, IsZeroForTheOriginalAndOneForZero) {
    std::mt19937 rng(3);
    const MatrixF X = random_inputs(50, 9, rng);
    const MatrixF W = random_matrix(4, 9, rng);
    const CalibrationStats stats = stats_of(X);
    const OutputError metric(W, stats.C_float);
    EXPECT_EQ(metric.relative(W), 0.0);
    EXPECT_NEAR(metric.relative(MatrixF::Zero(4, 9)), 1.0, 1e-6);
}

TEST(OutputError, ChangesOnDeadChannelsCostNothing) {
    std::mt19937 rng(5);
    MatrixF X = random_inputs(30, 6, rng);
    X.col(2).setZero();
    const MatrixF W = random_matrix(3, 6, rng);
    MatrixF W_hat = W;
    W_hat.col(2).setConstant(100.0f);
    const CalibrationStats stats = stats_of(X);
    EXPECT_NEAR(OutputError(W, stats.C_float).relative(W_hat), 0.0, 1e-12);
}

TEST(OutputError, ZeroOutputEnergyIsExactOnlyWithoutChange) {
    MatrixF X = MatrixF::Zero(5, 3);
    X(0, 0) = 1.0f;
    MatrixF W = MatrixF::Zero(2, 3);
    W(0, 1) = 1.0f;   // only touches a dead channel: no output at all
    const CalibrationStats stats = stats_of(X);
    const OutputError metric(W, stats.C_float);
    EXPECT_EQ(metric.relative(W), 0.0);
    MatrixF W_hat = W;
    W_hat(1, 0) = 1.0f;
    EXPECT_TRUE(std::isinf(metric.relative(W_hat)));
}

// With fewer than d_in/2 tokens the statistics keep X/√n and every product goes through it
// (d_out·d_in·n instead of d_out·d_in²): the same E as the float64 computation from X, for
// ordinary differences, differences far outside float32's comfortable range, inputs scaled by
// 2^±100 (the statistics are then of a scaled X), and errors small enough for the double fallback.
TEST(OutputError, TokenFactorRouteMatchesFloat64FromTheTokens) {
    std::mt19937 rng(11);
    const Eigen::Index d_out = 37, d_in = 96, n = 40;
    const MatrixF X = random_inputs(n, d_in, rng);
    const MatrixF W = random_matrix(d_out, d_in, rng);
    const MatrixF noise = random_matrix(d_out, d_in, rng);
    for (const float input_scale : {1.0f, 0x1p-100f, 0x1p100f}) {
        const MatrixF X_scaled = X * input_scale;
        const CalibrationStats stats = stats_of(X_scaled);
        ASSERT_EQ(stats.token_factor.rows(), n) << "the route under test needs the token factor kept";
        const OutputError metric(W, stats);
        for (const float weight_scale : {1.0f, 1e-30f, 1e25f}) {
            const MatrixF W_scaled = W * weight_scale;
            const OutputError judge(W_scaled, stats);
            for (const float step : {0.3f, 1e-4f}) {
                SCOPED_TRACE("input scale " + std::to_string(input_scale) + ", weight scale " +
                             std::to_string(weight_scale) + ", step " + std::to_string(step));
                const MatrixF W_hat = W_scaled + noise * (step * weight_scale);
                const double expected = direct_error(X_scaled, W_scaled, W_hat);
                ASSERT_TRUE(std::isfinite(expected) && expected > 0);
                EXPECT_NEAR(judge.relative(W_hat), expected, 1e-4 * expected);
            }
        }
        // Equal to the route through C (both are tr(Δ C Δᵀ)).
        const MatrixF W_hat = W + 0.2f * noise;
        EXPECT_NEAR(metric.relative(W_hat), OutputError(W, stats.C_float, &stats.C).relative(W_hat),
                    1e-5 * direct_error(X_scaled, W, W_hat));
    }
}

TEST(OutputError, TokenBlocksSumToTheWholeProduct) {
    std::mt19937 rng(12);
    const MatrixF tokens = random_matrix(1300, 20, rng);   // three blocks, the last one short
    const MatrixF delta = random_matrix(7, 20, rng);
    const double expected = (delta.cast<double>() * tokens.cast<double>().transpose()).squaredNorm();
    EXPECT_NEAR(squared_norm_through_tokens(delta, tokens), expected, 1e-6 * expected);
}

// A rank-1 X (one token repeated) and a Ŵ that moves weights far along the directions X never
// sees, as SparseGPT's and AWP's updates do there: the quadratic form cancels. E must still be
// the float64 one from X, W and Ŵ: through the kept tokens (at most 2·d_in of them) always; through
// C in double while the cancellation leaves digits, else an InputError naming the inputs (the
// statistics keep no tokens beyond 2·d_in and 64 MiB; here they are dropped by hand).
TEST(OutputError, AFormThatCancelsIsJudgedInDoubleOrRefused) {
    std::mt19937 rng(23);
    const Eigen::Index d_in = 32;
    const MatrixF W = random_matrix(6, d_in, rng);
    const MatrixF x = random_inputs(1, d_in, rng);
    // Null-space directions of x: random rows minus their component along x.
    const MatrixD xd = x.transpose().cast<double>().normalized();
    MatrixD away = random_matrix(6, d_in, rng).cast<double>();
    away -= (away * xd) * xd.transpose();
    // The form is ~1e-6 of the energy; its terms grow as size²: 1 and 10 leave double digits
    // enough, 1e4 leaves none (the form is 2e-14 of its terms).
    for (const double size : {1.0, 10.0, 1e4}) {
        const MatrixF W_hat = (W.cast<double>() * 0.999 + away * size).cast<float>();
        for (const Eigen::Index tokens : {2 * d_in, 2 * d_in + 1}) {
            SCOPED_TRACE("null-space part " + std::to_string(size) + ", " + std::to_string(tokens) + " tokens");
            const MatrixF X = x.replicate(tokens, 1);
            CalibrationStats stats = stats_of(X);
            stats.source = "rank1.h5:/w/inputs";
            ASSERT_GT(stats.token_factor.size(), 0);
            if (tokens > 2 * d_in) stats.token_factor.resize(0, 0);   // as for inputs beyond 64 MiB
            const OutputError metric(W, stats);
            const double expected = direct_error(X, W, W_hat);
            if (tokens > 2 * d_in && size >= 1e4) {
                expect_input_error([&] { metric.relative(W_hat); }, {"rank1.h5:/w/inputs", "cannot be judged in double precision"});
                continue;
            }
            EXPECT_NEAR(metric.relative(W_hat), expected, 1e-6 * expected) << "float64 from X, W, Ŵ: " << expected;
        }
    }
}
