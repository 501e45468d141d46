// GPTQ's and SparseGPT's E from OBS's error identity (obs_error_per_row) instead of a product:
// per row and in total it is the product's number on the real layers, the synthetic ones and the
// demo generator (with act-order, dead channels, N:M and a weight scaled out of float's range),
// run_method takes it only when it belongs to the W, C and Ŵ it judges and a spot check agrees,
// and falls back to the product everywhere else.
#include <cmath>

#include "demo_layer.h"
#include "io/layer_format.h"
#include "method_registry.h"
#include "output_error.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

struct Case {
    std::string name;
    Layer layer;
    CalibrationStats stats;
};

DemoLayer demo_of(Eigen::Index d_out, Eigen::Index d_in, Eigen::Index tokens) {
    DemoSpec spec;
    spec.d_out = d_out;
    spec.d_in = d_in;
    spec.n_tokens = tokens;
    return make_demo_layer(spec);
}

CalibrationStats stats_of_file(const std::string& path, const Layer& layer) {
    Progress quiet;
    return accumulate_statistics(*open_inputs(path, layer.name, layer.d_in()), quiet);
}

// Every kind of layer the identity must hold on: the captured ones, the synthetic ones with
// their 100x outlier channels, the demo generator at a size where blocks and groups repeat,
// inputs with dead channels, and fewer tokens than inputs.
std::vector<Case> cases() {
    std::vector<Case> out;
    if (have_shared_data()) {
        for (const std::string& file : {std::string("stories260K_layers.h5"), std::string("synthetic_s0.h5")}) {
            const std::string path = shared_data(file);
            for (const LayerInfo& info : list_layers(path)) {
                if (file == "stories260K_layers.h5" && info.name.rfind("layers.0.", 0) != 0 &&
                    info.name.rfind("layers.4.", 0) != 0)
                    continue;   // two blocks of seven kinds are enough; every layer is the same code
                Layer layer = read_layer(path, info.name);
                CalibrationStats stats = stats_of_file(path, layer);
                out.push_back({file + ":" + info.name, std::move(layer), std::move(stats)});
            }
        }
    }
    DemoLayer demo = demo_of(96, 384, 768);
    out.push_back({"demo 96x384", demo.layer, stats_of(demo.X)});
    MatrixF dead = demo.X;
    dead.col(5).setZero();
    dead.col(200).setZero();
    out.push_back({"demo with dead channels 5 and 200", demo.layer, stats_of(dead)});
    out.push_back({"demo with 200 tokens for 384 inputs", demo.layer, stats_of(demo.X.topRows(200))});
    return out;
}

std::vector<std::pair<std::string, CompressionParams>> settings() {
    std::vector<std::pair<std::string, CompressionParams>> out;
    CompressionParams p;
    p.bits = 4;
    p.group_size = 4;   // divides every width here (64, 172, 256, 384, 512, 768)
    p.sparsity = 0.5;
    out.emplace_back("gptq", p);
    p.act_order = true;
    out.emplace_back("gptq", p);
    p.act_order = false;
    p.bits = 3;
    p.group_size = 0;
    out.emplace_back("gptq", p);
    out.emplace_back("sparsegpt", p);
    p.nm = {2, 4};
    out.emplace_back("sparsegpt", p);
    return out;
}

VectorD product_per_row(const MatrixF& W, const MatrixF& W_hat, const MatrixD& C) {
    const MatrixD delta = (W - W_hat).cast<double>();
    return (delta * C).cwiseProduct(delta).rowwise().sum();
}

}  // namespace

TEST(ClosedFormError, ObsIdentityIsTheProductPerRowAndInTotal) {
    int used = 0, checked = 0;
    for (const Case& c : cases()) {
        for (const auto& [method, params] : settings()) {
            SCOPED_TRACE(c.name + " " + method + (params.act_order ? " act-order" : "") + (params.nm.active() ? " 2:4" : ""));
            Progress quiet;
            const MethodResult direct = find_method(method).run(c.layer, c.stats, params, quiet);
            ++checked;
            const ClosedFormError& closed = direct.closed_form_error;
            if (closed.per_row.size() == 0) continue;   // declined: too much cancellation (few tokens)
            ++used;
            ASSERT_EQ(closed.per_row.size(), c.layer.d_out());
            EXPECT_EQ(closed.weight, c.layer.W.data());
            EXPECT_EQ(closed.correlation, c.stats.C.data());
            EXPECT_EQ(closed.w_hat_digest, weight_digest(direct.W_hat));
            const VectorD exact = product_per_row(c.layer.W, direct.W_hat, c.stats.C);
            EXPECT_NEAR(closed.per_row.sum(), exact.sum(), 1e-5 * exact.sum());
            const double mean_row = exact.mean();
            for (Eigen::Index i = 0; i < exact.size(); ++i)
                ASSERT_NEAR(closed.per_row(i), exact(i), 1e-3 * std::max(exact(i), mean_row)) << "row " << i;

            // run_method takes it, and its E is the product's.
            const MethodResult judged = run_method(find_method(method), c.layer, c.stats, params, quiet);
            EXPECT_TRUE(judged.error_from_closed_form || judged.relative_output_error < 1e-3);
            const double product = OutputError(c.layer.W, c.stats).relative(judged.W_hat);
            EXPECT_NEAR(judged.relative_output_error, product, 1e-5 * product);
        }
    }
    // The captured layers have 4096 tokens for at most 172 inputs: the identity is used there.
    EXPECT_GT(used, checked / 2) << used << " of " << checked << " runs left a closed form";
}

TEST(ClosedFormError, AWeightOutsideFloatRangeIsJudgedInItsOwnUnits) {
    const DemoLayer demo = demo_of(48, 256, 512);
    const CalibrationStats stats = stats_of(demo.X);
    for (const double scale : {0x1p60, 0x1p-100}) {
        SCOPED_TRACE(scale);
        Layer layer = demo.layer;
        layer.W = (layer.W.cast<double>() * scale).cast<float>();
        CompressionParams p;
        p.bits = 4;
        p.group_size = 64;
        const MethodResult r = run_named("gptq", layer, stats, p);
        EXPECT_TRUE(r.error_from_closed_form);
        const MatrixD delta = (layer.W - r.W_hat).cast<double>(), W = layer.W.cast<double>();
        const double float64 = (delta * stats.C).cwiseProduct(delta).sum() / (W * stats.C).cwiseProduct(W).sum();
        EXPECT_NEAR(r.relative_output_error, float64, 1e-5 * float64);
    }
}

namespace {

// GPTQ, then something done to its result, as a composite method might.
MethodInfo gptq_then(std::string name, std::function<void(MethodResult&, const Layer&)> after,
                     std::function<Layer(const Layer&)> inner_layer = nullptr) {
    MethodInfo info = find_method("gptq");
    info.name = std::move(name);
    const auto inner = info.run;
    info.run = [inner, after, inner_layer](const Layer& layer, const CalibrationStats& stats, const CompressionParams& p,
                                            Progress& progress) {
        const Layer other = inner_layer ? inner_layer(layer) : Layer{};
        MethodResult r = inner(inner_layer ? other : layer, stats, p, progress);   // no copy of `layer`
        after(r, layer);
        return r;
    };
    return info;
}

}  // namespace

TEST(ClosedFormError, ResultsItDoesNotDescribeAreJudgedByTheProduct) {
    const DemoLayer demo = demo_of(64, 256, 512);
    const CalibrationStats stats = stats_of(demo.X);
    CompressionParams p;
    p.bits = 3;
    p.group_size = 64;
    const std::vector<MethodInfo> variants = {
        // Ŵ changed afterwards: its digest no longer matches.
        gptq_then("changed", [](MethodResult& r, const Layer&) { r.W_hat(3, 7) += 0.25f; }),
        // The inner run on another W (the same Ŵ is returned for this layer).
        gptq_then("other W", [](MethodResult&, const Layer&) {},
                  [](const Layer& layer) {
                      Layer other = layer;
                      other.W *= 1.01f;
                      return other;
                  }),
        // A claim that is wrong although every mark matches: the spot check rejects it.
        gptq_then("wrong claim", [](MethodResult& r, const Layer&) { r.closed_form_error.per_row *= 1.01; }),
    };
    const OutputError judge(demo.layer.W, stats);
    for (const MethodInfo& method : variants) {
        SCOPED_TRACE(method.name);
        Progress quiet;
        const MethodResult r = run_method(method, demo.layer, stats, p, quiet);
        EXPECT_FALSE(r.error_from_closed_form);
        EXPECT_DOUBLE_EQ(r.relative_output_error, judge.relative(r.W_hat));
    }
    // The unchanged method on the same layer does take its closed form, with the same E.
    const MethodResult plain = run_named("gptq", demo.layer, stats, p);
    EXPECT_TRUE(plain.error_from_closed_form);
    EXPECT_NEAR(plain.relative_output_error, judge.relative(plain.W_hat), 1e-6 * plain.relative_output_error);
}

TEST(ClosedFormError, SpotCheckRejectsAnyRowOffByMoreThanItsTolerance) {
    const DemoLayer demo = demo_of(40, 128, 256);
    const CalibrationStats stats = stats_of(demo.X);
    CompressionParams p;
    p.bits = 3;
    p.group_size = 32;
    Progress quiet;
    const MethodResult r = find_method("gptq").run(demo.layer, stats, p, quiet);
    const OutputError judge(demo.layer.W, stats);
    ASSERT_TRUE(judge.relative_from_rows(r.W_hat, r.closed_form_error.per_row).has_value());
    // Up to 8 rows are checked (of 40): rows 0, 5, 11, …, 39. A row outside them may be off and
    // the total then says so within its share; a checked row off by 1e-3 is refused.
    VectorD claim = r.closed_form_error.per_row;
    claim(0) *= 1.001;
    EXPECT_FALSE(judge.relative_from_rows(r.W_hat, claim).has_value());
    claim = r.closed_form_error.per_row;
    claim(39) *= 0.999;
    EXPECT_FALSE(judge.relative_from_rows(r.W_hat, claim).has_value());
    // A claim with the wrong number of rows, or a non-finite one, is no claim.
    EXPECT_FALSE(judge.relative_from_rows(r.W_hat, claim.head(39)).has_value());
    claim = r.closed_form_error.per_row;
    claim(17) = std::nan("");
    EXPECT_FALSE(judge.relative_from_rows(r.W_hat, claim).has_value());
}
