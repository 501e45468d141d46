// SparseGPT: equal to sequential OBS pruning written plainly (dense inverses, no blocks) on
// tiny layers, never worse than its own mask without the updates, exact sparsity structure.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "errors.h"
#include "method_registry.h"
#include "obs_reference.h"
#include "output_error.h"
#include "sparsity_mask.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

MethodResult run_sparsegpt(const Layer& layer, const CalibrationStats& stats, CompressionParams p) {
    Progress quiet;
    return run_method(find_method("sparsegpt"), layer, stats, p, quiet);
}

Layer layer_of(MatrixF W) {
    Layer layer;
    layer.name = "test";
    layer.W = std::move(W);
    return layer;
}

// The reference's block rule written out: sort all scores, t = the one at rank
// floor(count · s), prune every score <= t.
std::vector<bool> plain_threshold_prune(const std::vector<double>& score, double sparsity) {
    std::vector<double> sorted = score;
    std::sort(sorted.begin(), sorted.end());
    const double t = sorted[static_cast<size_t>(std::floor(static_cast<double>(score.size()) * sparsity))];
    std::vector<bool> pruned(score.size());
    for (size_t k = 0; k < score.size(); ++k) pruned[k] = score[k] <= t;
    return pruned;
}

}  // namespace

TEST(SparseGpt, EqualsPlainSequentialObsPruningOnTinyLayers) {
    for (unsigned seed = 1; seed <= 10; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const Eigen::Index d_out = 1 + rng() % 5, d_in = 2 + rng() % 11;
        const double sparsity = 0.3 + 0.1 * (seed % 5);
        const Layer layer = layer_of(random_matrix(d_out, d_in, rng));
        const CalibrationStats stats = stats_of(random_inputs(40, d_in, rng));
        CompressionParams p;
        p.sparsity = sparsity;
        const MethodResult r = run_sparsegpt(layer, stats, p);   // d_in <= 128: a single block

        // One block: the mask comes from the original weights and the OBS denominators
        // [H_F⁻¹]_00 = U_jj², so the score w²/U_jj² is w²/[H_F⁻¹]_00.
        const MatrixD H = damped_hessian(stats.C, 0.01);
        std::vector<double> score(static_cast<size_t>(layer.W.size()));
        for (Eigen::Index j = 0; j < d_in; ++j) {
            const double denominator = obs_denominator(H, j);
            for (Eigen::Index i = 0; i < d_out; ++i)
                score[static_cast<size_t>(j * d_out + i)] = double(layer.W(i, j)) * layer.W(i, j) / denominator;
        }
        const std::vector<bool> pruned = plain_threshold_prune(score, sparsity);
        const MatrixD expected = plain_obs(layer.W.cast<double>(), H, [&](const MatrixD& W, Eigen::Index j) {
            VectorD q = W.col(j);
            for (Eigen::Index i = 0; i < d_out; ++i)
                if (pruned[static_cast<size_t>(j * d_out + i)]) q(i) = 0.0;
            return q;
        });
        for (Eigen::Index j = 0; j < d_in; ++j)
            for (Eigen::Index i = 0; i < d_out; ++i)
                EXPECT_EQ(r.kept_mask(i, j), pruned[static_cast<size_t>(j * d_out + i)] ? 0 : 1) << i << "," << j;
        EXPECT_LE((r.W_hat.cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-4 * (1.0 + expected.cwiseAbs().maxCoeff()));
    }
}

TEST(SparseGpt, NofMEqualsPlainSequentialObsChoosingEachGroupWhenReached) {
    for (unsigned seed = 21; seed <= 26; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const Eigen::Index d_out = 3, d_in = 16;
        const NMPattern nm = seed % 2 ? NMPattern{2, 4} : NMPattern{1, 4};
        const Layer layer = layer_of(random_matrix(d_out, d_in, rng));
        const CalibrationStats stats = stats_of(random_inputs(50, d_in, rng));
        CompressionParams p;
        p.nm = nm;
        p.block_size = 6;   // not a multiple of M: blocks are cut back to 4 so no group straddles two
        const MethodResult r = run_sparsegpt(layer, stats, p);

        const MatrixD H = damped_hessian(stats.C, 0.01);
        std::vector<std::vector<bool>> pruned(d_out, std::vector<bool>(d_in, false));
        const MatrixD expected = plain_obs(layer.W.cast<double>(), H, [&](const MatrixD& W, Eigen::Index j) {
            if (j % nm.m == 0)
                for (Eigen::Index i = 0; i < d_out; ++i) {
                    std::vector<std::pair<double, Eigen::Index>> s;
                    for (Eigen::Index k = j; k < j + nm.m; ++k) {
                        const double denominator = obs_denominator(H, k);
                        s.emplace_back(W(i, k) * W(i, k) / denominator, k);
                    }
                    std::sort(s.begin(), s.end());
                    for (int k = 0; k < nm.m - nm.n_keep; ++k) pruned[i][s[k].second] = true;
                }
            VectorD q = W.col(j);
            for (Eigen::Index i = 0; i < d_out; ++i)
                if (pruned[i][j]) q(i) = 0.0;
            return q;
        });
        for (Eigen::Index i = 0; i < d_out; ++i)
            for (Eigen::Index j = 0; j < d_in; ++j) EXPECT_EQ(r.kept_mask(i, j), pruned[i][j] ? 0 : 1) << i << "," << j;
        EXPECT_LE((r.W_hat.cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-4 * (1.0 + expected.cwiseAbs().maxCoeff()));
        // N:M exact: n_keep kept in every run of M channels of every row.
        for (Eigen::Index i = 0; i < d_out; ++i)
            for (Eigen::Index g = 0; g < d_in; g += nm.m) EXPECT_EQ(r.kept_mask.row(i).segment(g, nm.m).cast<int>().sum(), nm.n_keep);
    }
}

TEST(SparseGpt, UpdatesNeverLoseToItsOwnMaskAlone) {
    for (unsigned seed = 31; seed <= 36; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const Eigen::Index d_in = 96;
        const Layer layer = layer_of(random_matrix(20, d_in, rng));
        const CalibrationStats stats = stats_of(random_inputs(200, d_in, rng));
        for (const double sparsity : {0.5, 0.8}) {
            CompressionParams p;
            p.sparsity = sparsity;
            p.block_size = 32;
            const MethodResult r = run_sparsegpt(layer, stats, p);
            const MatrixF masked_only = apply_mask(layer.W, r.kept_mask);
            const double masked_error = OutputError(layer.W, stats.C_float).relative(masked_only);
            EXPECT_LE(r.relative_output_error, masked_error) << sparsity;
            // Pruned weights are exactly zero; kept weights may have moved.
            EXPECT_TRUE((r.W_hat.array() * (1 - r.kept_mask.cast<float>().array())).isZero(0.0f));
            // Each block of 32 columns prunes floor(numel · s) + 1 weights (no ties in random data).
            for (Eigen::Index b = 0; b < d_in; b += 32) {
                const auto kept = r.kept_mask.middleCols(b, 32).cast<Eigen::Index>().sum();
                EXPECT_EQ(20 * 32 - kept, static_cast<Eigen::Index>(std::floor(20 * 32 * sparsity)) + 1);
            }
        }
    }
}

TEST(SparseGpt, HandlesDeadChannelsAndFewerTokensThanChannels) {
    std::mt19937 rng(4);
    const Eigen::Index d_in = 40;
    MatrixF X = random_inputs(12, d_in, rng);
    X.col(0).setZero();
    X.col(33).setZero();
    const Layer layer = layer_of(random_matrix(7, d_in, rng));
    for (const bool nm : {false, true}) {
        CompressionParams p;
        if (nm) p.nm = {2, 4};
        const MethodResult r = run_sparsegpt(layer, stats_of(X), p);
        EXPECT_TRUE(r.W_hat.allFinite());
        EXPECT_TRUE(r.W_hat.col(0).isZero(0.0f));
        EXPECT_TRUE(r.W_hat.col(33).isZero(0.0f));
        EXPECT_LT(r.relative_output_error, 0.5);
        EXPECT_EQ(std::get<long long>(*r.scalar("dead_channels")), 2);
    }
}

TEST(SparseGpt, StopsWhenCancelled) {
    struct CancelAfter : Progress {
        mutable int polls = 0;
        int limit;
        explicit CancelAfter(int n) : limit(n) {}
        bool cancelled() const override { return ++polls > limit; }
    };
    std::mt19937 rng(8);
    const Layer layer = layer_of(random_matrix(8, 256, rng));
    const CalibrationStats stats = stats_of(random_inputs(300, 256, rng));
    for (const int limit : {0, 3, 9}) {
        CancelAfter progress(limit);
        CompressionParams p;
        p.block_size = 32;
        EXPECT_THROW(run_method(find_method("sparsegpt"), layer, stats, p, progress), Cancelled) << limit;
    }
}
