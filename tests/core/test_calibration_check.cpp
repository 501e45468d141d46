// Calibration diagnostics (core/calibration/): the salient set's stability under resampling and
// the cross-calibration penalty, against brute force on small layers.
#include <gtest/gtest.h>

#include <random>

#include "calibration/calibration_check.h"
#include "output_error.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

struct SmallLayer {
    Layer layer;
    MatrixF X;
};

// d_in channels, `loud` of them 30x louder than the rest.
SmallLayer small_layer(Eigen::Index d_out, Eigen::Index d_in, Eigen::Index tokens, const std::vector<int>& loud,
                       unsigned seed) {
    std::mt19937 rng(seed);
    SmallLayer s;
    s.layer.name = "small";
    s.layer.W = random_matrix(d_out, d_in, rng, 0.1f);
    s.X = random_inputs(tokens, d_in, rng);
    for (int j : loud) s.X.col(j) *= 30.0f;
    return s;
}

CalibrationCheckRequest request_for(const std::vector<std::string>& methods, int resamples = 6) {
    CalibrationCheckRequest request;
    request.points = method_points(methods, CompressionParams{});
    request.resamples = resamples;
    request.seed = 42;
    return request;
}

}  // namespace

TEST(CalibrationCheck, JaccardTopChannelsByBruteForce) {
    EXPECT_EQ(jaccard({}, {}), 1.0);
    EXPECT_EQ(jaccard({1, 2}, {2, 3}), 1.0 / 3.0);
    EXPECT_EQ(jaccard({3, 1}, {1, 3}), 1.0);
    EXPECT_EQ(jaccard({1}, {2}), 0.0);
    VectorD a(6);
    a << 0.5, 3.0, 2.0, 3.0, 0.1, 2.5;
    EXPECT_EQ(top_channels(a, 3), (std::vector<int>{1, 3, 5}));   // the tie 1/3 to the lower index first
    EXPECT_EQ(top_channels(a, 0), std::vector<int>{});
    EXPECT_EQ(top_channels(a, 99).size(), 6u);
}

// The same calibration twice: overlap 1, every method's penalty exactly 0, nothing changed.
TEST(CalibrationCheck, IdenticalSetsGiveOverlapOneAndPenaltyZero) {
    const SmallLayer s = small_layer(24, 200, 512, {3, 77}, 1);
    Progress quiet;
    const CalibrationCheck check =
        check_calibration(s.layer, s.X, &s.X, request_for({"rtn", "awq", "gptq", "wanda", "sparsegpt", "awp"}, 3), quiet);
    EXPECT_EQ(check.overlap, 1.0);
    EXPECT_EQ(check.top_a.size(), 2u);
    EXPECT_EQ(check.top_a, check.top_b);
    EXPECT_TRUE(check.entered.empty() && check.left.empty());
    ASSERT_EQ(check.methods.size(), 6u);
    for (const MethodCalibration& m : check.methods) {
        EXPECT_EQ(m.penalty, 0.0) << m.method;
        EXPECT_EQ(m.changed_fraction_a_vs_b, 0.0) << m.method;
        EXPECT_EQ(m.error_on_b_calibrated_on_a, m.error_on_b_calibrated_on_b) << m.method;
    }
}

// Hot channels that move between the sets: no overlap, and AWQ, which scales the channels it
// believes busy, pays for it on the other set; the penalty is checked against E computed from
// the tokens of set B directly, in double.
TEST(CalibrationCheck, DisjointHotChannelsGiveNoOverlapAndALargeAwqPenalty) {
    const SmallLayer a = small_layer(32, 200, 1024, {10, 11}, 2);
    SmallLayer b = small_layer(32, 200, 1024, {150, 151}, 3);
    b.layer = a.layer;
    Progress quiet;
    const CalibrationCheck check = check_calibration(a.layer, a.X, &b.X, request_for({"awq", "rtn", "gptq"}), quiet);
    EXPECT_EQ(check.overlap, 0.0);
    auto sorted = [](std::vector<int> v) { std::sort(v.begin(), v.end()); return v; };
    EXPECT_EQ(sorted(check.top_a), (std::vector<int>{10, 11}));
    EXPECT_EQ(sorted(check.top_b), (std::vector<int>{150, 151}));
    EXPECT_EQ(check.entered, check.top_b);
    EXPECT_EQ(check.left, check.top_a);
    const MethodCalibration& awq = check.methods[0];
    EXPECT_GT(awq.penalty, 0.5) << "E_B on A " << awq.error_on_b_calibrated_on_a << ", on B " << awq.error_on_b_calibrated_on_b;
    EXPECT_EQ(check.methods[1].penalty, 0.0) << "RTN does not look at the inputs";

    // Brute force: each method run on each set, E on B from B's tokens.
    const CalibrationStats stats_a = stats_of(a.X), stats_b = stats_of(b.X);
    for (const MethodCalibration& m : check.methods) {
        const MatrixF on_a = run_named(m.method, a.layer, stats_a, CompressionParams{}).W_hat;
        const MatrixF on_b = run_named(m.method, a.layer, stats_b, CompressionParams{}).W_hat;
        const double cross = direct_error(b.X, a.layer.W, on_a), own = direct_error(b.X, a.layer.W, on_b);
        EXPECT_NEAR(m.error_on_b_calibrated_on_a, cross, 1e-5 * cross) << m.method;
        EXPECT_NEAR(m.error_on_b_calibrated_on_b, own, 1e-5 * own) << m.method;
        EXPECT_NEAR(m.penalty, cross / own - 1.0, 1e-4) << m.method;
        EXPECT_NEAR(m.error_on_a_calibrated_on_a, direct_error(a.X, a.layer.W, on_a), 1e-5 * m.error_on_a_calibrated_on_a);
    }
}

// The resamples redrawn by the test (the documented draw: mt19937_64(seed), n rows uniformly
// with replacement, resample after resample): each method's result on a resample judged on all
// tokens from the tokens themselves.
TEST(CalibrationCheck, ResamplesAgreeWithExplicitResampling) {
    const SmallLayer s = small_layer(16, 128, 300, {5}, 4);
    Progress quiet;
    const CalibrationCheckRequest request = request_for({"wanda", "gptq"}, 4);
    const CalibrationCheck check = check_calibration(s.layer, s.X, nullptr, request, quiet);
    EXPECT_EQ(check.tokens_a, 150);
    EXPECT_EQ(check.tokens_b, 150);
    std::mt19937_64 rng(request.seed);
    std::uniform_int_distribution<Eigen::Index> row(0, s.X.rows() - 1);
    const MatrixF wanda_all = run_named("wanda", s.layer, stats_of(s.X), CompressionParams{}).W_hat;
    std::vector<std::vector<int>> tops;
    double changed = 0.0;
    for (int r = 0; r < request.resamples; ++r) {
        MatrixF sample(s.X.rows(), s.X.cols());
        for (Eigen::Index t = 0; t < sample.rows(); ++t) sample.row(t) = s.X.row(row(rng));
        const CalibrationStats stats = stats_of(sample);
        tops.push_back(top_channels(stats.mean_abs, 2));
        for (size_t p = 0; p < 2; ++p) {
            const MatrixF W_hat = run_named(check.methods[p].method, s.layer, stats, CompressionParams{}).W_hat;
            const double e = direct_error(s.X, s.layer.W, W_hat);
            EXPECT_NEAR(check.methods[p].resample_errors[r], e, 1e-5 * e) << check.methods[p].method << " resample " << r;
            if (p == 0) changed += static_cast<double>((W_hat.array() != wanda_all.array()).count()) / W_hat.size() / request.resamples;
        }
    }
    EXPECT_NEAR(check.methods[0].changed_fraction_mean, changed, 1e-12);
    const auto& e = check.methods[1].resample_errors;
    EXPECT_EQ(check.methods[1].error_max, *std::max_element(e.begin(), e.end()));
    EXPECT_GE(check.methods[1].error_std, 0.0);
    EXPECT_EQ(check.stability.top_channels, 2);   // 1% of 128, rounded up
    EXPECT_GT(check.stability.mean_rank_correlation, 0.5);
    EXPECT_LE(check.stability.mean_rank_correlation, 1.0);
    ASSERT_EQ(check.stability.by_tokens.size(), 4u);
    EXPECT_EQ(check.stability.by_tokens.back().tokens, 300);
    // Same seed, same numbers.
    const CalibrationCheck again = check_calibration(s.layer, s.X, nullptr, request, quiet);
    EXPECT_EQ(calibration_check_json("small", again), calibration_check_json("small", check));
}

// A loud channel makes the salient set stable; a flat layer's top channel is a coin toss and the
// check says how many tokens a stable one would need.
TEST(CalibrationCheck, StabilityTellsLoudFromFlat) {
    Progress quiet;
    const SmallLayer loud = small_layer(8, 64, 512, {9}, 5);
    const CalibrationCheck stable = check_calibration(loud.layer, loud.X, nullptr, request_for({"rtn"}), quiet);
    EXPECT_TRUE(stable.stability.stable);
    EXPECT_EQ(stable.stability.mean_jaccard, 1.0);
    EXPECT_FALSE(stable.stability.tokens_for_stable_top);

    std::mt19937 rng(6);
    SmallLayer flat;
    flat.layer.name = "flat";
    flat.layer.W = random_matrix(8, 64, rng);
    flat.X = random_matrix(256, 64, rng);   // every channel alike
    const CalibrationCheck unstable = check_calibration(flat.layer, flat.X, nullptr, request_for({"rtn"}, 12), quiet);
    EXPECT_FALSE(unstable.stability.stable);
    EXPECT_LT(unstable.stability.mean_jaccard, kStableJaccard);
    if (unstable.stability.tokens_for_stable_top) {
        EXPECT_GT(*unstable.stability.tokens_for_stable_top, 256.0);
    }
}

TEST(CalibrationCheck, BadRequestsAreRefused) {
    const SmallLayer s = small_layer(8, 32, 64, {}, 7);
    Progress quiet;
    EXPECT_THROW(check_calibration(s.layer, s.X, nullptr, request_for({"rtn"}, 1), quiet), ParameterError);
    EXPECT_THROW(check_calibration(s.layer, s.X, nullptr, request_for({}), quiet), ParameterError);
    const MatrixF narrow = MatrixF::Ones(64, 31);
    expect_input_error([&] { check_calibration(s.layer, s.X, &narrow, request_for({"rtn"}), quiet); }, {"width 31"});
    const MatrixF few = s.X.topRows(20);
    expect_input_error([&] { check_calibration(s.layer, few, nullptr, request_for({"rtn"}), quiet); }, {"the inputs", "20 tokens are too few", "at least 32"});
    MatrixF nan = s.X;
    nan(3, 4) = std::numeric_limits<float>::quiet_NaN();
    MatrixInputSource source(nan, "nan.h5:/small/inputs");
    expect_input_error([&] { read_all_inputs(source, 1 << 20, quiet); }, {"nan.h5:/small/inputs", "token 3", "channel 4", "NaN"});
    expect_input_error([&] { read_all_inputs(MatrixInputSource(s.X, "big"), 100, quiet); }, {"big", "more than"});
}
