// SparseGPT (Frantar & Alistarh 2023, Alg. 1; reference IST-DASLab sparsegpt.py
// SparseGPT.fasterprune @147d215): OBS pruning with weight updates. The mask is chosen
// adaptively, per lazy block, from the OBS saliency w²/[U]²_jj of the weights as updated so
// far; the kept weights then absorb the pruned weights' error through U (the sweep GPTQ uses).
#include <algorithm>
#include <chrono>
#include <string>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../progress.h"
#include "hessian_inverse.h"
#include "method_support.h"
#include "methods.h"
#include "obs_rules.h"

namespace layerlens {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

namespace {
// The factor, the sweep under `rule` (which fills `kept`), the outcome: SparseGPT alone and
// SparseGPT with quantisation differ only in their rule.
MethodResult sparsegpt_sweep(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                             Progress& progress, const std::string& stage, ColumnRule& rule, MaskMatrix& kept) {
    MethodResult result;
    add_pruning_params(result.params, params);
    add_second_order_params(result.params, params);

    progress.check();
    auto start = Clock::now();
    SubProgress factor_progress(progress, 0.0, 0.4);
    factor_progress.report(0.0, "SparseGPT: factorising H");
    const std::shared_ptr<const InverseHessianFactor> shared = shared_inverse_hessian_factor(stats, params.damp, factor_progress);
    const InverseHessianFactor& factor = *shared;
    if (!factor.ok)
        throw InputError("SparseGPT on " + layer.name + ": H + λI is not positive definite even with damping " +
                         std::to_string(factor.damp_used) + " (non-finite or corrupted calibration statistics?)");
    MatrixF W = layer.W;
    zero_dead_columns(W, factor.dead);
    result.timings.emplace_back("factorisation", seconds_since(start));

    start = Clock::now();
    SubProgress sweep_progress(progress, 0.4, 1.0);
    SweepResult sweep = obs_sweep(std::move(W), factor.U, rule, params.block_size, sweep_progress, stage);
    result.timings.emplace_back("sweep", seconds_since(start));

    record_second_order_outcome(result, layer, stats, factor, sweep);
    result.kept_mask = kept;
    return result;
}
}  // namespace

MethodResult sparsegpt_prune(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params, Progress& progress) {
    MaskMatrix kept = MaskMatrix::Ones(layer.d_out(), layer.d_in());
    SparseGptColumns rule(params, kept);
    return sparsegpt_sweep(layer, stats, params, progress, "SparseGPT: pruning columns", rule, kept);
}

MethodResult sparsegpt_prune_quantize(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                                      Progress& progress, QuantGrid& grid) {
    const int bits = bits_or_default(params);
    const Eigen::Index group_size = resolve_group_size(params.group_size, layer.d_in());
    MaskMatrix kept = MaskMatrix::Ones(layer.d_out(), layer.d_in());
    JointColumns rule(params, bits, group_size, kept, layer.d_out(), layer.d_in());
    MethodResult result = sparsegpt_sweep(layer, stats, params, progress, "SparseGPT: pruning and quantising columns", rule, kept);
    add_quantization_params(result.params, layer, params);
    result.bits_per_weight = bits + 32.0 / static_cast<double>(group_size);
    grid = rule.grid();
    return result;
}

MethodInfo sparsegpt_method() {
    return {"sparsegpt", "SparseGPT",
            "Prune by OBS saliency w²/[H⁻¹]_jj chosen block by block, updating the kept weights to absorb "
            "the error (damp 0.01, block 128).",
            MethodKind::Pruning, joined(pruning_budget(), second_order_params()), nullptr, sparsegpt_prune};
}

}  // namespace layerlens
