// GPTQ (Frantar et al. 2022, Alg. 1; reference IST-DASLab gptq.py GPTQ.fasterquant @2d65066):
// quantise column by column, each column's rounding error pushed onto the columns not yet
// quantised through the Cholesky factor of (H + λI)⁻¹, so later columns compensate for it.
// Grids are gptq quant.py's (range always contains 0, asymmetric, integer zero point), fitted
// per group of `group_size` columns from the already-updated weights when the group begins.
#include <algorithm>
#include <chrono>
#include <numeric>
#include <string>
#include <vector>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../progress.h"
#include "hessian_inverse.h"
#include "../param_builders.h"
#include "method_support.h"
#include "methods.h"
#include "obs_rules.h"

namespace layerlens {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Act-order: columns by descending H_jj, the loudest channels quantised first while the most
// columns remain to absorb their error. The reference sorts its H = 2XᵀX/n after setting a dead
// channel's H_jj = 1, so a dead channel sorts where 1 falls among the live 2·C_jj; we keep that
// (the only place where the scale of H matters). Ties keep the lower channel first
// (torch.argsort does not promise an order among ties).
std::vector<Eigen::Index> act_order_permutation(const MatrixD& C) {
    std::vector<Eigen::Index> order(static_cast<size_t>(C.rows()));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    auto key = [&](Eigen::Index j) { return C(j, j) == 0.0 ? 1.0 : 2.0 * C(j, j); };
    std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return key(a) > key(b); });
    return order;
}

MethodResult run_gptq(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params, Progress& progress) {
    return gptq_quantize(layer, stats, params, progress, nullptr);
}



std::vector<const ParamSpec*> gptq_params() {
    static const ParamSpec act_order = flag_param("act-order", "act-order",
                                                  "quantise columns by descending diag(H), as the reference's --act-order",
                                                  &CompressionParams::act_order);
    return joined(joined(quantization_budget(), second_order_params()), {&act_order});
}

}  // namespace

MethodResult gptq_quantize(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                           Progress& progress, QuantGrid* grid) {
    const int bits = bits_or_default(params);
    const Eigen::Index group_size = resolve_group_size(params.group_size, layer.d_in());
    MethodResult result;
    add_quantization_params(result.params, layer, params);
    result.params.emplace_back("act_order", params.act_order);
    add_second_order_params(result.params, params);

    progress.check();
    auto start = Clock::now();
    // H = C: the factor's use is invariant to the scale of H (see hessian_inverse.h).
    MatrixF W;
    std::vector<Eigen::Index> order;
    SubProgress factor_progress(progress, 0.0, 0.4);
    factor_progress.report(0.0, "GPTQ: factorising H");
    std::shared_ptr<const InverseHessianFactor> shared;
    if (params.act_order) {
        // Without static groups, as the reference's default: groups are runs of group_size
        // columns in the permuted order, so a group's channels need not be neighbours in W.
        // The permuted H has a factor of its own.
        order = act_order_permutation(stats.C);
        W = layer.W(Eigen::all, order);
        shared = std::make_shared<const InverseHessianFactor>(
            inverse_hessian_factor(stats.C(order, order), params.damp, factor_progress));
    } else {
        W = layer.W;
        shared = shared_inverse_hessian_factor(stats, params.damp, factor_progress);
    }
    const InverseHessianFactor& factor = *shared;
    if (!factor.ok)
        throw InputError("GPTQ on " + layer.name + ": H + λI is not positive definite even with damping " +
                         std::to_string(factor.damp_used) + " (non-finite or corrupted calibration statistics?)");
    zero_dead_columns(W, factor.dead);
    result.timings.emplace_back("factorisation", seconds_since(start));

    start = Clock::now();
    GptqColumns rule(bits, group_size, layer.d_out(), layer.d_in());
    SubProgress sweep_progress(progress, 0.4, 1.0);
    SweepResult sweep = obs_sweep(std::move(W), factor.U, rule, params.block_size, sweep_progress, "GPTQ: quantising columns");
    result.timings.emplace_back("sweep", seconds_since(start));

    if (params.act_order) {
        result.W_hat.resize(layer.d_out(), layer.d_in());
        for (size_t k = 0; k < order.size(); ++k) result.W_hat.col(order[k]) = sweep.Q.col(static_cast<Eigen::Index>(k));
        result.series.emplace_back("act_order_permutation", std::vector<double>(order.begin(), order.end()));
    }
    result.bits_per_weight = bits + 32.0 / static_cast<double>(group_size);
    record_second_order_outcome(result, layer, stats, factor, sweep);
    // The grids are in sweep order: with act-order their groups are runs of permuted columns.
    if (grid) *grid = rule.grid();
    return result;
}

MethodInfo gptq_method() {
    return {"gptq", "GPTQ",
            "Quantise column by column, pushing each column's rounding error onto the columns not yet quantised "
            "through the inverse Hessian (optional act-order).",
            MethodKind::Quantization, gptq_params(), nullptr, run_gptq};
}

}  // namespace layerlens
