// GPTQ: RTN when nothing couples the columns (C = I), below RTN when inputs are correlated,
// equal to plain sequential OBS quantisation, and every group on its own 2^b-level grid.
#include <algorithm>
#include <cmath>
#include <set>

#include "errors.h"
#include "method_registry.h"
#include "obs_reference.h"
#include "quant_grid.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

MethodResult run_gptq(const Layer& layer, const CalibrationStats& stats, int bits, int group, bool act_order,
                      int block = 128, Progress* progress = nullptr) {
    CompressionParams p;
    p.bits = bits;
    p.group_size = group;
    p.act_order = act_order;
    p.block_size = block;
    Progress quiet;
    return run_method(find_method("gptq"), layer, stats, p, progress ? *progress : quiet);
}

Layer layer_of(MatrixF W) {
    Layer layer;
    layer.name = "test";
    layer.W = std::move(W);
    return layer;
}

// True when the values lie on one grid {(q − z)·s : q = 0 … 2^bits − 1} for some step s and
// integer z (zero on the grid). The step is the smallest gap divided by some k <= 2^bits − 1.
bool on_one_grid(std::vector<float> values, int bits) {
    const int levels = (1 << bits) - 1;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (static_cast<int>(values.size()) > levels + 1) return false;
    if (values.size() == 1) return true;
    float gap = INFINITY;
    for (size_t k = 1; k < values.size(); ++k) gap = std::min(gap, values[k] - values[k - 1]);
    const double low = std::min(0.0f, values.front()), high = std::max(0.0f, values.back());
    for (int k = 1; k <= levels; ++k) {
        const double step = gap / k;
        bool fits = (high - low) / step <= levels + 1e-3;
        for (const float v : values) fits = fits && std::abs(v / step - std::round(v / step)) < 1e-3;
        if (fits) return true;
    }
    return false;
}

}  // namespace

TEST(Gptq, WithIdentityCorrelationEqualsRoundToNearestOnTheGptqGrid) {
    // C = I: U is diagonal, no error moves between columns, so each column is just rounded on
    // the grid fitted to the original weights (quant.py's range containing 0).
    for (const int bits : {2, 3, 4}) {
        for (const int group : {4, 8, 0}) {
            for (const bool act_order : {false, true}) {
                const unsigned seed = static_cast<unsigned>(bits * 100 + group * 2 + act_order);
                SCOPED_TRACE("seed " + std::to_string(seed));
                std::mt19937 rng(seed);
                const Eigen::Index d_in = 16;
                const Layer layer = layer_of(random_matrix(5, d_in, rng));
                const MatrixF X = MatrixF::Identity(d_in, d_in) * 3.0f;
                const MethodResult r = run_gptq(layer, stats_of(X), bits, group, act_order, 3);
                const QuantGrid grid = fit_quant_grid(layer.W, bits, resolve_group_size(group, d_in), GridRange::IncludeZero);
                EXPECT_EQ(r.W_hat, grid.quantize(layer.W));
            }
        }
    }
}

TEST(Gptq, BeatsRoundToNearestOnCorrelatedInputs) {
    for (unsigned seed = 1; seed <= 6; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const Layer layer = layer_of(random_matrix(24, 64, rng));
        const CalibrationStats stats = stats_of(random_inputs(256, 64, rng));
        CompressionParams rtn_params;
        rtn_params.bits = 3;
        rtn_params.group_size = 16;
        Progress quiet;
        const double rtn = run_method(find_method("rtn"), layer, stats, rtn_params, quiet).relative_output_error;
        for (const bool act_order : {false, true}) {
            const MethodResult r = run_gptq(layer, stats, 3, 16, act_order);
            EXPECT_LT(r.relative_output_error, rtn) << "act_order " << act_order;
        }
    }
}

TEST(Gptq, EqualsPlainSequentialObsQuantisation) {
    // Blocks of 3 columns and groups of 4 exercise the lazy updates and a group start inside a
    // block: the grid of each group is fitted to the weights as updated so far.
    for (unsigned seed = 11; seed <= 16; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const Eigen::Index d_out = 4, d_in = 12, group = 4;
        const int bits = 3;
        const Layer layer = layer_of(random_matrix(d_out, d_in, rng));
        const MatrixF X = random_inputs(30, d_in, rng);
        const CalibrationStats stats = stats_of(X);
        const MethodResult r = run_gptq(layer, stats, bits, group, false, 3);

        std::vector<GroupGrid> grids(d_out);
        const MatrixD expected = plain_obs(layer.W.cast<double>(), damped_hessian(stats.C, 0.01), [&](const MatrixD& W, Eigen::Index j) {
            VectorD q(d_out);
            for (Eigen::Index i = 0; i < d_out; ++i) {
                if (j % group == 0) {
                    const MatrixF current = W.cast<float>();
                    grids[i] = fit_group_grid(&current(i, j), group, d_out, bits, GridRange::IncludeZero);
                }
                q(i) = grids[i].quantize(static_cast<float>(W(i, j)));
            }
            return q;
        });
        EXPECT_LE((r.W_hat.cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-4 * expected.cwiseAbs().maxCoeff());
    }
}

TEST(Gptq, EveryGroupStaysOnItsOwnGridWithAndWithoutActOrder) {
    for (const int bits : {2, 3, 4}) {
        for (const bool act_order : {false, true}) {
            const unsigned seed = static_cast<unsigned>(bits * 10 + act_order);
            SCOPED_TRACE("seed " + std::to_string(seed));
            std::mt19937 rng(seed);
            const Eigen::Index d_in = 48, group = 8;
            const Layer layer = layer_of(random_matrix(10, d_in, rng));
            const MethodResult r = run_gptq(layer, stats_of(random_inputs(100, d_in, rng)), bits, group, act_order, 5);
            // With act-order the groups are runs of columns in the permuted order (no static groups).
            std::vector<Eigen::Index> order(d_in);
            for (Eigen::Index k = 0; k < d_in; ++k) order[k] = k;
            if (act_order) {
                ASSERT_EQ(r.series.size(), 1u);
                ASSERT_EQ(r.series[0].first, "act_order_permutation");
                for (Eigen::Index k = 0; k < d_in; ++k) order[k] = static_cast<Eigen::Index>(r.series[0].second[k]);
                EXPECT_EQ(std::set<Eigen::Index>(order.begin(), order.end()).size(), static_cast<size_t>(d_in));
            }
            for (Eigen::Index i = 0; i < layer.d_out(); ++i)
                for (Eigen::Index g = 0; g < d_in; g += group) {
                    std::vector<float> values;
                    for (Eigen::Index k = g; k < g + group; ++k) values.push_back(r.W_hat(i, order[k]));
                    EXPECT_TRUE(on_one_grid(values, bits)) << "row " << i << " group " << g / group;
                }
            EXPECT_DOUBLE_EQ(r.bits_per_weight, bits + 32.0 / group);
        }
    }
}

TEST(Gptq, ActOrderVisitsTheLoudestChannelsFirst) {
    std::mt19937 rng(5);
    MatrixF X = random_inputs(64, 12, rng);
    X.col(7) *= 50.0f;
    const CalibrationStats stats = stats_of(X);
    const MethodResult r = run_gptq(layer_of(random_matrix(3, 12, rng)), stats, 4, 0, true);
    ASSERT_EQ(r.series.size(), 1u);
    const std::vector<double>& order = r.series[0].second;
    EXPECT_EQ(order[0], 7.0);
    for (size_t k = 1; k < order.size(); ++k)
        EXPECT_GE(stats.C(static_cast<Eigen::Index>(order[k - 1]), static_cast<Eigen::Index>(order[k - 1])),
                  stats.C(static_cast<Eigen::Index>(order[k]), static_cast<Eigen::Index>(order[k])));
}

TEST(Gptq, ActOrderPlacesDeadChannelsWhereTheReferenceDoes) {
    // The reference sorts its H = 2XᵀX/n after setting dead H_jj = 1: a dead channel lands
    // between live channels with 2·C_jj above and below 1, not at the end.
    MatrixF X(2, 3);
    X << 2.0f, 0.0f, 0.3f, -2.0f, 0.0f, -0.3f;   // 2·C = 8, dead, 0.18
    Layer layer;
    layer.name = "test";
    layer.W = MatrixF::Ones(2, 3);
    const MethodResult r = run_gptq(layer, stats_of(X), 4, 0, true);
    ASSERT_EQ(r.series.size(), 1u);
    EXPECT_EQ(r.series[0].second, (std::vector<double>{0.0, 1.0, 2.0}));
    EXPECT_TRUE(r.W_hat.col(1).isZero(0.0f));
}

TEST(Gptq, HandlesDeadChannelsAndFewerTokensThanChannels) {
    for (const bool act_order : {false, true}) {
        std::mt19937 rng(9);
        const Eigen::Index d_in = 32;
        MatrixF X = random_inputs(10, d_in, rng);   // n = 10 < d_in: C is singular
        X.col(3).setZero();
        X.col(20).setZero();
        const Layer layer = layer_of(random_matrix(6, d_in, rng));
        const MethodResult r = run_gptq(layer, stats_of(X), 4, 8, act_order);
        EXPECT_TRUE(r.W_hat.allFinite());
        EXPECT_TRUE(r.W_hat.col(3).isZero(0.0f));
        EXPECT_TRUE(r.W_hat.col(20).isZero(0.0f));
        EXPECT_LT(r.relative_output_error, 0.05);
        EXPECT_EQ(std::get<long long>(*r.scalar("dead_channels")), 2);
    }
}

TEST(Gptq, ReportsItsParametersAndStopsWhenCancelled) {
    std::mt19937 rng(2);
    const Layer layer = layer_of(random_matrix(8, 256, rng));
    const CalibrationStats stats = stats_of(random_inputs(300, 256, rng));
    const MethodResult r = run_gptq(layer, stats, 4, 64, true, 32);
    auto has = [&](const std::string& key) {
        return std::any_of(r.params.begin(), r.params.end(), [&](const auto& kv) { return kv.first == key; });
    };
    for (const char* key : {"bits", "group_size_used", "act_order", "damp", "block_size"}) EXPECT_TRUE(has(key)) << key;

    // A cancel lands at the next factorisation panel or sweep block, wherever the run is.
    struct CancelAfter : Progress {
        mutable int polls = 0;
        int limit;
        explicit CancelAfter(int n) : limit(n) {}
        bool cancelled() const override { return ++polls > limit; }
    };
    for (const int limit : {0, 3, 9}) {
        CancelAfter progress(limit);
        EXPECT_THROW(run_gptq(layer, stats, 4, 64, false, 32, &progress), Cancelled) << limit;
    }
}

TEST(Gptq, RejectsImpossibleParameters) {
    std::mt19937 rng(1);
    const Layer layer = layer_of(random_matrix(2, 12, rng));
    const MethodInfo& gptq = find_method("gptq");
    CompressionParams p;
    p.block_size = 0;
    EXPECT_THROW(validate_method(gptq, layer, p), ParameterError);
    p.block_size = 128;
    p.damp = -0.1;
    EXPECT_THROW(validate_method(gptq, layer, p), ParameterError);
    p.damp = 0.01;
    p.group_size = 5;
    EXPECT_THROW(validate_method(gptq, layer, p), ParameterError);
}
