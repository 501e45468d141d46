// Issue 11's three claims for AWP's default preset, on every layer of ../shared/data (stories260K's
// 35 real layers and the two synthetic ones) and on the demo layer:
//   pruning 50/60/70/80 % and 2:4      E strictly below SparseGPT's;
//   INT4 and INT3 (g128 where it divides d_in, else one group per row)
//                                      E strictly below AWQ's and GPTQ's;
//   joint 25/50/75 % + INT4            E strictly below Wanda → AWQ's and AWQ → Wanda's.
// Every E is the product's one judge (run_method). The paper preset's match with the independent
// implementation is test_reference_awp_svd.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "demo_layer.h"
#include "io/layer_format.h"
#include "layer_source.h"
#include "method_registry.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

struct Budget {
    std::string label;
    CompressionParams params;
    std::vector<std::string> baselines;
};

std::vector<Budget> budgets() {
    std::vector<Budget> out;
    for (double s : {0.5, 0.6, 0.7, 0.8}) {
        CompressionParams p;
        p.sparsity = s;
        out.push_back({"prune " + std::to_string(s).substr(0, 3), p, {"sparsegpt"}});
    }
    CompressionParams nm;
    nm.nm = {2, 4};
    out.push_back({"prune 2:4", nm, {"sparsegpt"}});
    for (int bits : {4, 3}) {
        CompressionParams p;
        p.bits = bits;
        out.push_back({"INT" + std::to_string(bits), p, {"awq", "gptq"}});
    }
    for (double s : {0.25, 0.5, 0.75}) {
        CompressionParams p;
        p.bits = 4;
        p.sparsity = s;
        out.push_back({"joint " + std::to_string(s).substr(0, 4) + " + INT4", p, {"wanda+awq", "awq+wanda"}});
    }
    return out;
}

std::vector<LayerSource> sources() {
    std::vector<LayerSource> out;
    for (const std::string file : {"stories260K_layers.h5", "synthetic_s0.h5"})
        for (const LayerInfo& info : list_layers(shared_data(file))) {
            LayerSource source;
            source.path = shared_data(file);
            source.layer = info.name;
            out.push_back(source);
        }
    LayerSource demo;
    demo.demo = true;
    out.push_back(demo);
    return out;
}

}  // namespace

TEST(AwpClaims, DefaultIsStrictlyBelowTheStrongestBaselineOfEachKindOnEveryLayer) {
    if (!have_shared_data()) GTEST_SKIP() << "no ../shared/data";
    const std::vector<Budget> all = budgets();
    std::map<std::string, double> worst;   // budget → largest AWP / best baseline, printed below
    for (const LayerSource& source : sources()) {
        Progress quiet;
        const LoadedLayer loaded = load_layer(source, quiet);
        for (const Budget& budget : all) {
            SCOPED_TRACE(loaded.layer.name + " " + budget.label);
            const MethodResult awp = run_named("awp", loaded.layer, loaded.stats, budget.params);
            const auto preset = std::find_if(awp.params.begin(), awp.params.end(), [](const auto& kv) { return kv.first == "preset"; });
            ASSERT_NE(preset, awp.params.end());
            ASSERT_EQ(std::get<std::string>(preset->second), "best");
            double best = INFINITY;
            for (const std::string& baseline : budget.baselines) {
                const double E = run_named(baseline, loaded.layer, loaded.stats, budget.params).relative_output_error;
                EXPECT_LT(awp.relative_output_error, E) << "AWP against " << baseline;
                best = std::min(best, E);
            }
            // The same budget: never more weights kept, never more bits.
            if (budget.params.sparsity) {
                EXPECT_GE(awp.sparsity, *budget.params.sparsity - 1e-9);
            }
            if (budget.params.bits) {
                EXPECT_LE(awp.bits_per_weight, *budget.params.bits + 32.0 / 64 + 1e-9);
            }
            worst[budget.label] = std::max(worst[budget.label], awp.relative_output_error / best);
        }
    }
    for (const auto& [label, ratio] : worst)
        std::printf("%-22s AWP / best baseline, worst layer: %.4f\n", label.c_str(), ratio);
}
