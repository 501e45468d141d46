// Wanda: the mask equals a brute-force sort of |W_ij|·‖X_j‖₂ within each row (ties: the lower
// channel is pruned first, as the reference's stable sort), exact counts, exact N:M.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "method_registry.h"
#include "sparsity_mask.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

MethodResult run_wanda(const Layer& layer, const CalibrationStats& stats, const CompressionParams& p) {
    Progress quiet;
    return run_method(find_method("wanda"), layer, stats, p, quiet);
}

// Small integers in W and integer channel scales make equal scores common, so ties matter.
void make_tied_problem(std::mt19937& rng, Eigen::Index d_out, Eigen::Index d_in, Layer& layer, MatrixF& X) {
    std::uniform_int_distribution<int> weight(-3, 3), scale(1, 3);
    layer.name = "test";
    layer.W.resize(d_out, d_in);
    for (Eigen::Index k = 0; k < layer.W.size(); ++k) layer.W.data()[k] = static_cast<float>(weight(rng));
    // One token per channel, so ‖X_j‖ is exactly the integer scale.
    X = MatrixF::Zero(d_in, d_in);
    for (Eigen::Index j = 0; j < d_in; ++j) X(j, j) = static_cast<float>(scale(rng));
}

// Ascending (score, channel): the first `prune` are pruned. The score is float, as the
// reference's (and ours): ‖X_j‖ rounded to float first, so near-equal norms tie as they do there.
std::vector<Eigen::Index> brute_force_order(const Layer& layer, const CalibrationStats& stats, Eigen::Index row,
                                            Eigen::Index begin, Eigen::Index count) {
    std::vector<std::pair<float, Eigen::Index>> s;
    for (Eigen::Index j = begin; j < begin + count; ++j)
        s.emplace_back(std::abs(layer.W(row, j)) * static_cast<float>(stats.norm(j)), j);
    std::sort(s.begin(), s.end());
    std::vector<Eigen::Index> order;
    for (const auto& [score, j] : s) order.push_back(j);
    return order;
}

}  // namespace

TEST(Wanda, MaskEqualsABruteForceSortWithinEachRow) {
    for (unsigned seed = 1; seed <= 12; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const Eigen::Index d_out = 1 + rng() % 6, d_in = 1 + rng() % 20;
        Layer layer;
        MatrixF X;
        make_tied_problem(rng, d_out, d_in, layer, X);
        const CalibrationStats stats = stats_of(X);
        for (const double sparsity : {0.0, 0.25, 0.5, 0.7, 0.9}) {
            CompressionParams p;
            p.sparsity = sparsity;
            const MethodResult r = run_wanda(layer, stats, p);
            const auto prune = static_cast<Eigen::Index>(std::floor(static_cast<double>(d_in) * sparsity));
            for (Eigen::Index i = 0; i < d_out; ++i) {
                const std::vector<Eigen::Index> order = brute_force_order(layer, stats, i, 0, d_in);
                for (Eigen::Index k = 0; k < d_in; ++k)
                    EXPECT_EQ(r.kept_mask(i, order[k]), k < prune ? 0 : 1) << "row " << i << " rank " << k;
                EXPECT_EQ(r.kept_mask.row(i).cast<Eigen::Index>().sum(), d_in - prune);
            }
            EXPECT_EQ(r.W_hat, layer.W.cwiseProduct(r.kept_mask.cast<float>()));
        }
    }
}

TEST(Wanda, NofMKeepsExactlyTheTopNOfEveryGroup) {
    for (unsigned seed = 1; seed <= 8; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        Layer layer;
        MatrixF X;
        make_tied_problem(rng, 5, 24, layer, X);
        const CalibrationStats stats = stats_of(X);
        for (const NMPattern nm : {NMPattern{2, 4}, NMPattern{4, 8}, NMPattern{1, 3}}) {
            CompressionParams p;
            p.nm = nm;
            const MethodResult r = run_wanda(layer, stats, p);
            for (Eigen::Index i = 0; i < 5; ++i)
                for (Eigen::Index g = 0; g < 24; g += nm.m) {
                    const std::vector<Eigen::Index> order = brute_force_order(layer, stats, i, g, nm.m);
                    for (int k = 0; k < nm.m; ++k) EXPECT_EQ(r.kept_mask(i, order[k]), k < nm.m - nm.n_keep ? 0 : 1);
                }
        }
    }
}

TEST(Wanda, ProtectsSmallWeightsOnLoudChannels) {
    // The AWQ/Wanda intuition: 0.20 on a channel 40x louder outranks 1.20 on a quiet one.
    Layer layer;
    layer.name = "test";
    layer.W = MatrixF(1, 2);
    layer.W << 0.2f, 1.2f;
    MatrixF X(2, 2);
    X << 20.0f, 0.5f, -20.0f, -0.5f;
    CompressionParams p;
    p.sparsity = 0.5;
    const MethodResult r = run_wanda(layer, stats_of(X), p);
    EXPECT_EQ(r.kept_mask(0, 0), 1);
    EXPECT_EQ(r.kept_mask(0, 1), 0);
    Progress quiet;
    EXPECT_EQ(run_method(find_method("magnitude"), layer, stats_of(X), p, quiet).kept_mask(0, 0), 0);
}

TEST(Wanda, DeadChannelsArePrunedFirst) {
    std::mt19937 rng(3);
    MatrixF X = random_inputs(30, 10, rng);
    X.col(4).setZero();
    Layer layer;
    layer.name = "test";
    layer.W = random_matrix(6, 10, rng);
    CompressionParams p;
    p.sparsity = 0.1;
    const MethodResult r = run_wanda(layer, stats_of(X), p);
    EXPECT_TRUE(r.kept_mask.col(4).isZero());
    EXPECT_EQ(r.kept_mask.cast<Eigen::Index>().sum(), 6 * 9);
}

// The per-row selection itself, on scores of either sign with many ties and -0.0 next to 0.0
// (equal scores): the first floor(d·s) of a stable ascending sort are pruned, nothing else.
TEST(Wanda, PerRowSelectionMatchesAStableSortForAnySign) {
    std::mt19937 rng(33);
    std::uniform_int_distribution<int> value(-3, 3);
    for (int trial = 0; trial < 30; ++trial) {
        const Eigen::Index rows = 1 + trial % 7, cols = 1 + (trial * 5) % 37;
        MatrixF score(rows, cols);
        for (Eigen::Index k = 0; k < score.size(); ++k) score.data()[k] = 0.5f * static_cast<float>(value(rng));
        score(0, cols - 1) = -0.0f;
        if (cols > 1) score(0, 0) = 0.0f;
        for (const double sparsity : {0.0, 0.3, 0.5, 0.8}) {
            const MaskMatrix mask = keep_per_row(score, sparsity);
            const auto prune = static_cast<Eigen::Index>(std::floor(static_cast<double>(cols) * sparsity));
            for (Eigen::Index i = 0; i < rows; ++i) {
                std::vector<Eigen::Index> order(static_cast<size_t>(cols));
                std::iota(order.begin(), order.end(), Eigen::Index{0});
                std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return score(i, a) < score(i, b); });
                for (Eigen::Index k = 0; k < cols; ++k)
                    EXPECT_EQ(mask(i, order[static_cast<size_t>(k)]), k < prune ? 0 : 1)
                        << "trial " << trial << " row " << i << " rank " << k << " sparsity " << sparsity;
            }
        }
    }
}
