// The AWQ paper's motivating experiment: keeping 1% of the channels by activation beats keeping
// them by weight norm or at random (Table 1's ordering), and scaling the salient channels by
// s = 2 beats s = 1 (plain RTN).
#include <algorithm>
#include <set>

#include "demo_layer.h"
#include "errors.h"
#include "method_registry.h"
#include "quant_grid.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

struct Demo {
    Layer layer;
    CalibrationStats stats;
};

const Demo& demo() {
    static const Demo d = [] {
        DemoSpec spec;
        spec.d_out = 256;
        spec.d_in = 512;
        spec.n_tokens = 1024;
        DemoLayer layer = make_demo_layer(spec);
        return Demo{layer.layer, stats_of(layer.X)};
    }();
    return d;
}

// The paper's setting: INT3, group 128.
CompressionParams int3(const std::string& keep_by, double keep_scale = 0.0) {
    CompressionParams p;
    p.bits = 3;
    p.group_size = 128;
    set_param(p, "keep-by", keep_by);
    p.keep_scale = keep_scale;
    return p;
}

}  // namespace

TEST(AwqKeep, ActivationBeatsWeightNormAndRandomOnTheDemoLayer) {
    const Demo& d = demo();
    const double rtn = run_named("rtn", d.layer, d.stats, int3("activation")).relative_output_error;
    const double by_activation = run_named("awq-keep", d.layer, d.stats, int3("activation")).relative_output_error;
    const double by_weight = run_named("awq-keep", d.layer, d.stats, int3("weight")).relative_output_error;
    const double at_random = run_named("awq-keep", d.layer, d.stats, int3("random")).relative_output_error;
    std::cout << "demo 256x512, 1024 tokens, W3 g128, keep 1%: E(RTN) = " << rtn << ", by activation = " << by_activation
              << ", by weight = " << by_weight << ", random = " << at_random << "\n";
    EXPECT_LT(by_activation, by_weight);
    EXPECT_LT(by_activation, at_random);
    EXPECT_LT(by_activation, rtn);
}

TEST(AwqKeep, ScalingSalientChannelsByTwoBeatsOne) {
    const Demo& d = demo();
    std::vector<double> E;
    for (double s : {1.0, 1.25, 1.5, 2.0, 4.0}) E.push_back(run_named("awq-keep", d.layer, d.stats, int3("activation", s)).relative_output_error);
    std::cout << "demo s-sweep (W3 g128, salient 1% by activation): s=1 " << E[0] << ", 1.25 " << E[1] << ", 1.5 " << E[2]
              << ", 2 " << E[3] << ", 4 " << E[4] << "\n";
    EXPECT_LT(E[3], E[0]);
    // s = 1 changes nothing: it is RTN.
    EXPECT_DOUBLE_EQ(E[0], run_named("rtn", d.layer, d.stats, int3("activation")).relative_output_error);
}

TEST(AwqKeep, KeepsExactlyTheChosenChannelsAndRoundsTheRest) {
    std::mt19937 rng(5);
    Layer layer;
    layer.name = "keep";
    layer.W = random_matrix(6, 200, rng);
    const MatrixF X = random_inputs(300, 200, rng);
    const CalibrationStats stats = stats_of(X);
    CompressionParams p;
    p.group_size = 40;
    p.keep_fraction = 0.03;   // 6 of 200
    const MatrixF rtn = fit_quant_grid(layer.W, 4, 40, GridRange::MinMax).quantize(layer.W);
    const VectorD weight_norm = layer.W.colwise().norm().transpose().cast<double>();
    for (const std::string by : {"activation", "weight", "random"}) {
        SCOPED_TRACE(by);
        set_param(p, "keep-by", by);
        const MethodResult r = run_named("awq-keep", layer, stats, p);
        ASSERT_EQ(r.protected_channels.size(), 6u);
        const std::set<int> kept(r.protected_channels.begin(), r.protected_channels.end());
        ASSERT_EQ(kept.size(), 6u);
        if (by != "random") {
            const VectorD& score = by == "activation" ? stats.mean_abs : weight_norm;
            double lowest_kept = INFINITY, highest_other = -INFINITY;
            for (int j = 0; j < 200; ++j) {
                if (kept.count(j)) lowest_kept = std::min(lowest_kept, score(j));
                else highest_other = std::max(highest_other, score(j));
            }
            EXPECT_GT(lowest_kept, highest_other);
        }
        for (int j = 0; j < 200; ++j)
            EXPECT_TRUE(r.W_hat.col(j) == (kept.count(j) ? MatrixF(layer.W.col(j)) : MatrixF(rtn.col(j)))) << "channel " << j;
        EXPECT_NEAR(r.bits_per_weight, (4 + 32.0 / 40) * 0.97 + 16 * 0.03, 1e-12);
    }
    // the random choice is repeatable and depends on the seed
    p.keep_by = KeepBy::Random;
    EXPECT_EQ(run_named("awq-keep", layer, stats, p).protected_channels, run_named("awq-keep", layer, stats, p).protected_channels);
    CompressionParams other = p;
    other.seed = 99;
    EXPECT_NE(run_named("awq-keep", layer, stats, p).protected_channels, run_named("awq-keep", layer, stats, other).protected_channels);
}

TEST(AwqKeep, AtLeastOneChannelAndBadSettingsRejected) {
    std::mt19937 rng(6);
    Layer layer;
    layer.name = "small";
    layer.W = random_matrix(3, 16, rng);
    const CalibrationStats stats = stats_of(random_inputs(40, 16, rng));
    CompressionParams p;
    EXPECT_EQ(run_named("awq-keep", layer, stats, p).protected_channels.size(), 1u);   // 1% of 16 rounds to 1
    EXPECT_THROW(set_param(p, "keep-by", "largest"), ParameterError);
    p = {};
    p.keep_fraction = 1.5;
    EXPECT_THROW(run_named("awq-keep", layer, stats, p), ParameterError);
    p = {};
    p.keep_scale = -2;
    EXPECT_THROW(run_named("awq-keep", layer, stats, p), ParameterError);
}
