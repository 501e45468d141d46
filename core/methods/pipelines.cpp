// The AWP paper's baselines for joint pruning + INT4: two existing methods run in sequence.
//   wanda+awq: prune with Wanda, then AWQ on the pruned weight (the target the calibration sees
//              in a pruned model), every candidate judged with the mask applied; Ŵ re-masked so
//              pruned weights stay exactly zero.
//   awq+wanda: AWQ first, then Wanda on the quantised weight's |Ŵ_ij|·‖X_j‖; zero is on every
//              group's grid, so the survivors stay on their grid.
// Wanda is the same typed call the wanda method makes, so there is one implementation of it.
#include <chrono>
#include <string>

#include "../calibration_stats.h"
#include "../output_error.h"
#include "../progress.h"
#include "../sparsity_mask.h"
#include "awq_search.h"
#include "method_support.h"
#include "methods.h"

namespace layerlens {

namespace {

std::vector<const ParamSpec*> joint_params() { return joined(awq_params(), pruning_budget()); }

// Wanda inside a pipeline: the typed call the wanda method makes, timed for the result's timings.
MethodResult timed_wanda(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                         Progress& progress) {
    progress.check();
    const auto start = std::chrono::steady_clock::now();
    MethodResult pruned = wanda_prune(layer, stats, params);
    pruned.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return pruned;
}

// The AWQ part's scalars and series under the pipeline's result.
void take_awq_outputs(MethodResult& result, MethodResult& awq) {
    result.channel_scales = std::move(awq.channel_scales);
    result.protected_channels = std::move(awq.protected_channels);
    for (auto& entry : awq.scalars) result.scalars.push_back(std::move(entry));
    for (auto& entry : awq.series) result.series.push_back(std::move(entry));
    for (auto& entry : awq.timings) result.timings.push_back(std::move(entry));
    result.bits_per_weight = awq.bits_per_weight;
}

}  // namespace

MethodResult wanda_then_awq(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                            Progress& progress, AwqGrid* grid) {
    SubProgress prune_progress(progress, 0.0, 0.1);
    MethodResult pruned = timed_wanda(layer, stats, params, prune_progress);
    Layer pruned_layer = layer;
    pruned_layer.W = pruned.W_hat;
    SubProgress quantize_progress(progress, 0.1, 1.0);
    MethodResult awq = awq_quantize(pruned_layer, stats, params, &pruned.kept_mask, quantize_progress, grid);

    MethodResult result;
    result.params = std::move(awq.params);
    add_pruning_params(result.params, params);
    result.W_hat = apply_mask(awq.W_hat, pruned.kept_mask);
    result.kept_mask = std::move(pruned.kept_mask);
    result.scalars.emplace_back("error_after_prune", OutputError(layer.W, stats).relative(pruned.W_hat));
    result.timings.emplace_back("wanda", pruned.seconds);
    take_awq_outputs(result, awq);
    return result;
}

MethodResult awq_then_wanda(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                            Progress& progress, AwqGrid* grid) {
    SubProgress quantize_progress(progress, 0.0, 0.9);
    MethodResult awq = awq_quantize(layer, stats, params, nullptr, quantize_progress, grid);
    Layer quantized_layer = layer;
    quantized_layer.W = awq.W_hat;
    SubProgress prune_progress(progress, 0.9, 1.0);
    MethodResult pruned = timed_wanda(quantized_layer, stats, params, prune_progress);

    MethodResult result;
    result.params = std::move(awq.params);
    add_pruning_params(result.params, params);
    result.W_hat = std::move(pruned.W_hat);
    result.kept_mask = std::move(pruned.kept_mask);
    take_awq_outputs(result, awq);
    result.timings.emplace_back("wanda", pruned.seconds);
    return result;
}

namespace {
MethodResult run_wanda_then_awq(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                                Progress& progress) {
    return wanda_then_awq(layer, stats, params, progress, nullptr);
}
MethodResult run_awq_then_wanda(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                                Progress& progress) {
    return awq_then_wanda(layer, stats, params, progress, nullptr);
}
}  // namespace

MethodInfo wanda_awq_method() {
    return {"wanda+awq", "Wanda → AWQ",
            "Prune with Wanda, then quantise the survivors with AWQ (search judged with the mask applied).",
            MethodKind::Joint, joint_params(), nullptr, run_wanda_then_awq};
}

MethodInfo awq_wanda_method() {
    return {"awq+wanda", "AWQ → Wanda",
            "Quantise with AWQ, then prune the quantised weight with Wanda's |Ŵ_ij|·‖X_j‖ per row.",
            MethodKind::Joint, joint_params(), nullptr, run_awq_then_wanda};
}

}  // namespace layerlens
