// RTN against a brute-force nearest-level search; magnitude masks against a plain sort.
#include <algorithm>
#include <numeric>

#include <set>

#include "errors.h"
#include "io/hdf5_reader.h"
#include "method_registry.h"
#include "output_error.h"
#include "quant_grid.h"
#include "sparsity_mask.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

MethodResult run(const std::string& name, const MatrixF& W, const MatrixF& X, const CompressionParams& p) {
    Layer layer;
    layer.name = "t";
    layer.W = W;
    Progress quiet;
    return run_method(find_method(name), layer, stats_of(X), p, quiet);
}

}  // namespace

TEST(Rtn, EveryValueIsTheNearestLevelOfItsGroupGrid) {
    for (unsigned seed = 1; seed <= 6; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const int bits = 2 + static_cast<int>(rng() % 7);
        const Eigen::Index group = std::array<Eigen::Index, 3>{4, 8, 16}[rng() % 3];
        const MatrixF W = random_matrix(5, 32, rng);
        CompressionParams p;
        p.bits = bits;
        p.group_size = static_cast<int>(group);
        const MethodResult r = run("rtn", W, random_inputs(40, 32, rng), p);
        const int levels = 1 << bits;
        for (Eigen::Index i = 0; i < W.rows(); ++i)
            for (Eigen::Index g = 0; g < 32 / group; ++g) {
                // Brute force: rebuild the grid from the group's min/max and search all levels.
                const auto block = W.block(i, g * group, 1, group);
                const float lo = block.minCoeff(), hi = block.maxCoeff();
                const float scale = std::max(hi - lo, 1e-5f) / (levels - 1);
                const float zero = std::clamp(-std::nearbyint(lo / scale), 0.0f, float(levels - 1));
                std::set<float> seen;
                for (Eigen::Index j = 0; j < group; ++j) {
                    const float w = block(0, j), q = r.W_hat(i, g * group + j);
                    float best = 0, best_distance = INFINITY;
                    for (int level = 0; level < levels; ++level) {
                        const float value = (level - zero) * scale;
                        if (std::abs(value - w) < best_distance) { best_distance = std::abs(value - w); best = value; }
                    }
                    EXPECT_NEAR(q, best, 1e-6f * scale + 1e-7f) << "row " << i << " col " << g * group + j;
                    seen.insert(q);
                }
                EXPECT_LE(static_cast<int>(seen.size()), levels);
            }
        EXPECT_NEAR(r.bits_per_weight, bits + 32.0 / group, 1e-12);
    }
}

TEST(Rtn, ZeroIsExactlyOnEveryGrid) {
    std::mt19937 rng(9);
    MatrixF W = random_matrix(6, 16, rng).cwiseAbs().array() + 0.5f;   // all positive: min > 0
    W.row(1) = -W.row(1);                                               // all negative
    W(2, 3) = 0.0f;
    for (int bits : {2, 3, 4, 8})
        for (GridRange range : {GridRange::MinMax, GridRange::IncludeZero}) {
            const QuantGrid grid = fit_quant_grid(W, bits, 8, range);
            for (Eigen::Index i = 0; i < W.rows(); ++i)
                for (Eigen::Index j = 0; j < W.cols(); ++j) EXPECT_EQ(grid.quantize(0.0f, i, j), 0.0f);
            EXPECT_EQ(grid.quantize(W)(2, 3), 0.0f);
        }
}

TEST(Rtn, MoreBitsNeverHurtOnAverage) {
    std::mt19937 rng(2);
    const MatrixF W = random_matrix(32, 64, rng), X = random_inputs(200, 64, rng);
    double previous = INFINITY;
    for (int bits = 2; bits <= 8; ++bits) {
        CompressionParams p;
        p.bits = bits;
        p.group_size = 16;
        const double e = run("rtn", W, X, p).relative_output_error;
        EXPECT_LT(e, previous) << bits << " bits";
        previous = e;
    }
}

TEST(Rtn, RefusesImpossibleBitsAndGroups) {
    Layer layer;
    layer.W = MatrixF::Ones(2, 64);
    const MethodInfo& rtn = find_method("rtn");
    for (int bits : {0, 1, 9, 17}) {
        CompressionParams p;
        p.bits = bits;
        EXPECT_THROW(validate_method(rtn, layer, p), ParameterError) << bits;
    }
    CompressionParams p;
    p.group_size = 48;
    EXPECT_THROW(validate_method(rtn, layer, p), ParameterError);
    p.group_size = 0;
    EXPECT_NO_THROW(validate_method(rtn, layer, p));
    EXPECT_THROW(resolve_group_size(128, 64), ParameterError);   // wider than a row: 0 says "one group per row"
    EXPECT_EQ(resolve_group_size(64, 64), 64);
    EXPECT_EQ(resolve_group_size(kAutoGroupSize, 4096), 128);
    EXPECT_EQ(resolve_group_size(kAutoGroupSize, 172), 172);   // the default falls back, as the reference
    EXPECT_THROW(resolve_group_size(128, 172), ParameterError); // an explicit size must divide
}

TEST(Magnitude, PrunesExactlyTheSmallestByTheReferenceRule) {
    for (unsigned seed = 1; seed <= 8; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const Eigen::Index rows = 1 + rng() % 9, cols = 1 + rng() % 31;
        const MatrixF W = random_matrix(rows, cols, rng);
        const double s = std::uniform_real_distribution<double>(0.05, 0.95)(rng);
        CompressionParams p;
        p.sparsity = s;
        const MethodResult r = run("magnitude", W, random_inputs(20, cols, rng), p);
        // Brute force: sort all |W|; the rule prunes ranks 0..floor(n·s) inclusive (no ties in random data).
        std::vector<float> a(W.data(), W.data() + W.size());
        for (auto& v : a) v = std::abs(v);
        std::vector<float> sorted = a;
        std::sort(sorted.begin(), sorted.end());
        const size_t rank = static_cast<size_t>(std::floor(W.size() * s));
        const float threshold = sorted[rank];
        Eigen::Index pruned = 0;
        for (Eigen::Index k = 0; k < W.size(); ++k) {
            const bool expect_pruned = a[k] <= threshold;
            EXPECT_EQ(r.kept_mask.data()[k], expect_pruned ? 0 : 1);
            EXPECT_EQ(r.W_hat.data()[k], expect_pruned ? 0.0f : W.data()[k]);
            pruned += expect_pruned;
        }
        EXPECT_EQ(pruned, static_cast<Eigen::Index>(rank) + 1);
        EXPECT_NEAR(r.sparsity, double(pruned) / W.size(), 1e-12);
    }
}

// The layer-wide rule's threshold is found by histograms of the floats' bits: against a sort on
// scores with either sign, ties, ±0, subnormals and float32's extremes, every sparsity.
TEST(Magnitude, ThresholdRankIsTheSortedValueForAnyFloats) {
    const std::vector<float> specials = {0.0f, -0.0f, 1e-45f, -1e-45f, 3.4e38f, -3.4e38f, 1.0f, -1.0f, 1.17e-38f};
    for (unsigned seed = 1; seed <= 12; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const Eigen::Index rows = 1 + rng() % 40, cols = 1 + rng() % 70;
        MatrixF score = random_matrix(rows, cols, rng);
        for (Eigen::Index k = 0; k < score.size(); ++k) {
            if (rng() % 4 == 0) score.data()[k] = specials[rng() % specials.size()];   // ties and edges
            else if (rng() % 3 == 0) score.data()[k] = std::round(score.data()[k] * 4.0f) / 4.0f;
        }
        std::vector<float> sorted(score.data(), score.data() + score.size());
        std::sort(sorted.begin(), sorted.end());
        for (const double s : {0.0, 0.01, 0.3, 0.5, 0.77, 0.999}) {
            const MaskMatrix mask = keep_above_threshold_rank(score, s);
            const auto rank = static_cast<size_t>(std::floor(static_cast<double>(score.size()) * s));
            for (Eigen::Index k = 0; k < score.size(); ++k) {
                const bool pruned = s > 0.0 && score.data()[k] <= sorted[rank];
                ASSERT_EQ(mask.data()[k], pruned ? 0 : 1) << "s " << s << " index " << k << " score " << score.data()[k];
            }
        }
    }
}

TEST(Magnitude, NmKeepsExactlyNLargestInEveryGroupOfM) {
    std::mt19937 rng(5);
    const MatrixF W = random_matrix(7, 24, rng);
    for (auto [n, m] : {std::pair{2, 4}, std::pair{4, 8}, std::pair{1, 4}, std::pair{3, 3}}) {
        SCOPED_TRACE(std::to_string(n) + ":" + std::to_string(m));
        CompressionParams p;
        p.nm = {n, m};
        const MethodResult r = run("magnitude", W, random_inputs(20, 24, rng), p);
        for (Eigen::Index i = 0; i < W.rows(); ++i)
            for (Eigen::Index start = 0; start < 24; start += m) {
                int kept = 0;
                float smallest_kept = INFINITY, largest_pruned = 0;
                for (int k = 0; k < m; ++k) {
                    const float a = std::abs(W(i, start + k));
                    if (r.kept_mask(i, start + k)) { ++kept; smallest_kept = std::min(smallest_kept, a); }
                    else largest_pruned = std::max(largest_pruned, a);
                }
                EXPECT_EQ(kept, n);
                EXPECT_GE(smallest_kept, largest_pruned);
            }
    }
}

TEST(Magnitude, RefusesImpossiblePatterns) {
    Layer layer;
    layer.W = MatrixF::Ones(2, 12);
    const MethodInfo& magnitude = find_method("magnitude");
    for (double s : {-0.1, 1.0, 1.5}) {
        CompressionParams p;
        p.sparsity = s;
        EXPECT_THROW(validate_method(magnitude, layer, p), ParameterError) << s;
    }
    CompressionParams p;
    p.nm = {4, 2};
    EXPECT_THROW(validate_method(magnitude, layer, p), ParameterError);
    p.nm = {2, 5};   // 5 does not divide 12
    EXPECT_THROW(validate_method(magnitude, layer, p), ParameterError);
}

TEST(RealData, RtnAndMagnitudeOnEveryLayerMatchTheCapturedInputs) {
    if (!have_shared_data()) GTEST_SKIP() << "no ../shared/data";
    const std::string path = shared_data("stories260K_layers.h5");
    const auto layers = list_layers(path);
    ASSERT_EQ(layers.size(), 35u);
    for (const LayerInfo& info : layers) {
        SCOPED_TRACE(info.name);
        const Layer layer = read_layer(path, info.name);
        const auto inputs = open_inputs(path, info.name, layer.d_in());
        MatrixF X(inputs->n_tokens(), inputs->width());
        Progress quiet;
        inputs->for_each_chunk(1000, [&](const MatrixF& c, Eigen::Index first) { X.middleRows(first, c.rows()) = c; }, quiet);
        const CalibrationStats stats = accumulate_statistics(*inputs, quiet);
        CompressionParams p;
        p.bits = 4;
        p.sparsity = 0.5;
        for (const char* name : {"rtn", "magnitude"}) {
            const MethodResult r = run_method(find_method(name), layer, stats, p, quiet);
            const double direct = direct_error(X, layer.W, r.W_hat);
            EXPECT_NEAR(r.relative_output_error, direct, 1e-4 * direct) << name;
            EXPECT_GT(direct, 0.0);
        }
    }
}
