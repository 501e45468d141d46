// Wanda → AWQ and AWQ → Wanda: pruned weights stay exactly zero, every survivor lies on its
// group's 2^b-level grid (in the scaled domain W·diag(s) where AWQ rounds), and the sparsity is
// exactly Wanda's (per row, or N:M).
#include <algorithm>

#include "demo_layer.h"
#include "method_registry.h"
#include "methods/awq_search.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

struct Case {
    Layer layer;
    MatrixF X;
    CalibrationStats stats;
};

Case random_case(unsigned seed) {
    std::mt19937 rng(seed);
    Case c;
    c.layer.name = "pipeline";
    c.layer.W = random_matrix(16, 128, rng);
    c.X = random_inputs(300, 128, rng);
    c.X.col(9) *= 20.0f;
    c.stats = stats_of(c.X);
    return c;
}

// Every value of one (row, group), in the scaled domain where AWQ rounds, is an integer multiple
// of one step h (the grid's scale: levels are (q − zero)·h with an integer zero point, so zero is
// a level) and they span at most 2^bits − 1 steps. h divides the smallest nonzero |value|.
bool on_one_grid(const std::vector<float>& values, int bits) {
    const int max_q = (1 << bits) - 1;
    float smallest = INFINITY, lo = INFINITY, hi = -INFINITY;
    for (float v : values) {
        if (v != 0.0f) smallest = std::min(smallest, std::abs(v));
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (!std::isfinite(smallest)) return true;   // all zero
    for (int m = 1; m <= max_q; ++m) {
        const double h = smallest / m;
        if ((hi - lo) / h > max_q + 1e-3) break;
        const bool integer = std::all_of(values.begin(), values.end(), [&](float v) {
            const double k = v / h;
            return std::abs(k - std::round(k)) <= 1e-3 * std::max(1.0, std::abs(k));
        });
        if (integer) return true;
    }
    return false;
}

void expect_on_grid(const MatrixF& W_hat, const VectorF& s, Eigen::Index group, int bits) {
    const MatrixF scaled = W_hat * s.asDiagonal();
    for (Eigen::Index i = 0; i < scaled.rows(); ++i)
        for (Eigen::Index g = 0; g < scaled.cols() / group; ++g) {
            std::vector<float> values(static_cast<size_t>(group));
            for (Eigen::Index k = 0; k < group; ++k) values[k] = scaled(i, g * group + k);
            EXPECT_TRUE(on_one_grid(values, bits)) << "row " << i << " group " << g;
        }
}

void expect_exact_sparsity(const MaskMatrix& mask, const CompressionParams& p) {
    for (Eigen::Index i = 0; i < mask.rows(); ++i) {
        if (p.nm.active()) {
            for (Eigen::Index first = 0; first < mask.cols(); first += p.nm.m)
                EXPECT_EQ(mask.row(i).segment(first, p.nm.m).cast<int>().sum(), p.nm.n_keep);
        } else {
            const auto pruned = static_cast<int>(std::floor(mask.cols() * p.sparsity.value_or(0.5)));
            EXPECT_EQ(mask.row(i).cast<int>().sum(), mask.cols() - pruned) << "row " << i;
        }
    }
}

std::vector<CompressionParams> budgets() {
    CompressionParams half;
    half.group_size = 32;
    half.sparsity = 0.5;
    CompressionParams seventy = half;
    seventy.sparsity = 0.7;
    seventy.bits = 3;
    CompressionParams two_four;
    two_four.group_size = 32;
    two_four.nm = {2, 4};
    return {half, seventy, two_four};
}

}  // namespace

TEST(Pipelines, WandaThenAwqKeepsWandasZerosAndQuantisesTheSurvivors) {
    const Case c = random_case(1);
    for (const CompressionParams& p : budgets()) {
        SCOPED_TRACE("bits " + std::to_string(p.bits.value_or(4)) + (p.nm.active() ? " 2:4" : ""));
        const MethodResult wanda = run_named("wanda", c.layer, c.stats, p);
        const MethodResult r = run_named("wanda+awq", c.layer, c.stats, p);
        ASSERT_TRUE(r.kept_mask == wanda.kept_mask);
        expect_exact_sparsity(r.kept_mask, p);
        for (Eigen::Index k = 0; k < r.W_hat.size(); ++k)
            if (r.kept_mask.data()[k] == 0) { ASSERT_EQ(r.W_hat.data()[k], 0.0f); }
        EXPECT_GE(r.sparsity, wanda.sparsity);
        expect_on_grid(r.W_hat, r.channel_scales, 32, p.bits.value_or(4));
        EXPECT_NE(r.scalar("alpha"), nullptr);
        EXPECT_GT(r.relative_output_error, wanda.relative_output_error * 0.5);
    }
}

TEST(Pipelines, AwqThenWandaPrunesTheQuantisedWeightByItsOwnScore) {
    const Case c = random_case(2);
    for (const CompressionParams& p : budgets()) {
        SCOPED_TRACE("bits " + std::to_string(p.bits.value_or(4)) + (p.nm.active() ? " 2:4" : ""));
        const MethodResult awq = run_named("awq", c.layer, c.stats, p);
        const MethodResult r = run_named("awq+wanda", c.layer, c.stats, p);
        expect_exact_sparsity(r.kept_mask, p);
        // Wanda's rule on |Ŵ_awq|·‖X_j‖, and the survivors are AWQ's values untouched.
        Layer quantized = c.layer;
        quantized.W = awq.W_hat;
        const MethodResult direct = run_named("wanda", quantized, c.stats, p);
        EXPECT_TRUE(r.kept_mask == direct.kept_mask);
        EXPECT_TRUE(r.W_hat == apply_mask(awq.W_hat, r.kept_mask));
        expect_on_grid(r.W_hat, r.channel_scales, 32, p.bits.value_or(4));
        EXPECT_TRUE(r.channel_scales == awq.channel_scales);
    }
}

TEST(Pipelines, DemoLayerFigures) {
    DemoSpec spec;
    spec.d_out = 256;
    spec.d_in = 512;
    spec.n_tokens = 1024;
    const DemoLayer demo = make_demo_layer(spec);
    const CalibrationStats stats = stats_of(demo.X);
    CompressionParams p;
    p.sparsity = 0.5;
    const double wanda = run_named("wanda", demo.layer, stats, p).relative_output_error;
    const double prune_first = run_named("wanda+awq", demo.layer, stats, p).relative_output_error;
    const double quantize_first = run_named("awq+wanda", demo.layer, stats, p).relative_output_error;
    std::cout << "demo 256x512, 1024 tokens, 50% + W4 g128: E(Wanda) = " << wanda << ", E(Wanda+AWQ) = " << prune_first
              << ", E(AWQ+Wanda) = " << quantize_first << "\n";
    EXPECT_GT(prune_first, 0.0);
    EXPECT_LT(prune_first, 1.0);
    EXPECT_LT(quantize_first, 1.0);
}
