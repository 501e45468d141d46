// The AWQ paper's motivating experiment (Lin et al. 2023, Table 1 and the s-sweep of Table 2):
// how much of RTN's damage comes from a few salient input channels? Keep a fraction of the
// channels in full precision — chosen by activation magnitude a_j, by the L2 norm of the weight
// column, or at random — and round the rest; or, with keep_scale = s > 0, keep nothing and scale
// the salient channels' weights by s before rounding (dividing after), which is AWQ in one step.
// Full-precision channels are put back after rounding the whole layer, as the MIT lab code of
// the experiment does, so the only change from RTN is those channels.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../progress.h"
#include "awq_search.h"
#include "../param_builders.h"
#include "method_support.h"
#include "methods.h"

namespace layerlens {

namespace {

Eigen::Index kept_count(double fraction, Eigen::Index d_in) {
    if (fraction <= 0.0) return 0;
    // int(d_in · fraction) as the lab code, but never zero channels for a positive fraction.
    return std::clamp<Eigen::Index>(static_cast<Eigen::Index>(std::floor(fraction * static_cast<double>(d_in))), 1, d_in);
}

// The `count` channels of highest score, ties to the lower index.
std::vector<int> top_by_score(const VectorD& score, Eigen::Index count) {
    std::vector<int> order(static_cast<size_t>(score.size()));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return score(a) > score(b); });
    order.resize(static_cast<size_t>(count));
    return order;
}

std::vector<int> choose_channels(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params) {
    const Eigen::Index count = kept_count(params.keep_fraction, layer.d_in());
    if (params.keep_by == KeepBy::Activation) return top_by_score(stats.mean_abs, count);
    if (params.keep_by == KeepBy::Weight) return top_by_score(layer.W.colwise().norm().transpose().cast<double>(), count);
    // "random": a fixed seed so the comparison is repeatable.
    std::vector<int> order(static_cast<size_t>(layer.d_in()));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937 engine(params.seed);
    std::shuffle(order.begin(), order.end(), engine);
    order.resize(static_cast<size_t>(count));
    std::sort(order.begin(), order.end());
    return order;
}

std::vector<const ParamSpec*> awq_keep_params() {
    // The AWQ paper's experiment keeps 1% of the channels.
    static const ParamSpec keep_by = choice_param("keep-by", "keep by", "how the kept channels are chosen",
                                                  &CompressionParams::keep_by, keep_by_names());
    static const ParamSpec fraction = with(real_param("keep-fraction", "keep fraction",
                                                      "fraction of input channels kept in full precision (or scaled)",
                                                      &CompressionParams::keep_fraction, 0.0, 1.0),
                                           [](ParamSpec& s) { s.max_exclusive = true; });
    static const ParamSpec scale = real_param("keep-scale", "keep scale",
                                              "0 = keep the chosen channels in full precision, else scale them by S before rounding",
                                              &CompressionParams::keep_scale, 0.0, 1e6);
    static const ParamSpec seed = int_param("seed", "random seed", "seed of the random choice (keep by random)",
                                            &CompressionParams::seed, 0, 4294967295.0);
    return joined(quantization_budget(), {&keep_by, &fraction, &scale, &seed});
}

MethodResult run_awq_keep(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                          Progress& progress) {
    progress.check();
    const int bits = bits_or_default(params);
    const Eigen::Index group = resolve_group_size(params.group_size, layer.d_in());
    const double grid_bits = bits + 32.0 / static_cast<double>(group);
    MethodResult result;
    add_quantization_params(result.params, layer, params);
    result.params.emplace_back("keep_by", keep_by_names().name(params.keep_by));
    result.params.emplace_back("keep_fraction", params.keep_fraction);
    result.params.emplace_back("keep_scale", params.keep_scale);
    if (params.keep_by == KeepBy::Random) result.params.emplace_back("seed", static_cast<long long>(params.seed));
    result.protected_channels = choose_channels(layer, stats, params);
    progress.report(0.3, "AWQ keep: channels chosen");

    if (params.keep_scale > 0.0) {
        // Q(W·diag(s))·diag(s)⁻¹ with s = keep_scale on the salient channels, 1 elsewhere.
        VectorF s = VectorF::Ones(layer.d_in());
        for (int j : result.protected_channels) s(j) = static_cast<float>(params.keep_scale);
        result.W_hat = awq_scaled_quantize(layer.W, s, bits, group, nullptr);
        result.channel_scales = s;
        result.bits_per_weight = grid_bits;
    } else {
        result.W_hat = fit_quant_grid(layer.W, bits, group, GridRange::MinMax).quantize(layer.W);
        for (int j : result.protected_channels) result.W_hat.col(j) = layer.W.col(j);
        // Kept channels are stored as float16 beside the integer weights.
        const double kept = static_cast<double>(result.protected_channels.size()) / static_cast<double>(layer.d_in());
        result.bits_per_weight = grid_bits * (1.0 - kept) + 16.0 * kept;
    }
    result.scalars.emplace_back("kept_channels", static_cast<long long>(result.protected_channels.size()));
    progress.report(1.0, "AWQ keep");
    return result;
}

}  // namespace

MethodInfo awq_keep_method() {
    return {"awq-keep", "AWQ keep 1%",
            "The AWQ paper's experiment: keep the salient input channels (by activation, weight norm or at random) in "
            "full precision, or scale them by s, and round the rest.",
            MethodKind::Quantization, awq_keep_params(), nullptr, run_awq_keep};
}

}  // namespace layerlens
