#include "awp_start.h"

#include "../calibration_stats.h"
#include "../errors.h"
#include "../progress.h"
#include "method_support.h"
#include "methods.h"

namespace layerlens {

AwpSetKind awp_kind(const CompressionParams& params) {
    const bool prunes = params.sparsity.has_value() || params.nm.active();
    if (!params.bits.has_value()) return AwpSetKind::Prune;
    return prunes ? AwpSetKind::Joint : AwpSetKind::Quantize;
}

namespace {
AwpInit resolved_init(const CompressionParams& params, AwpSetKind kind) {
    if (params.init != AwpInit::Auto) return params.init;
    return kind == AwpSetKind::Quantize ? AwpInit::RTN : AwpInit::Wanda;
}
}  // namespace

void validate_awp_start(const CompressionParams& params) {
    const AwpSetKind kind = awp_kind(params);
    const AwpInit init = resolved_init(params, kind);
    const std::string& name = awp_init_names().name(init);
    if (kind == AwpSetKind::Quantize && init != AwpInit::RTN)
        throw ParameterError("init " + name + " needs a sparsity budget; quantisation alone starts from rtn");
    if (kind != AwpSetKind::Quantize && init == AwpInit::RTN)
        throw ParameterError("init rtn is a quantisation start; with a sparsity budget use wanda, magnitude or sparsegpt");
}

namespace {

}  // namespace

AwpConstraint make_set(const Layer& layer, const CompressionParams& params, AwpSetKind kind) {
    AwpConstraint set;
    set.kind = kind;
    if (params.nm.active()) {
        set.scope = MaskScope::NM;
        set.nm = params.nm;
        set.keep_per_row = layer.d_in() / params.nm.m * params.nm.n_keep;
    } else {
        // Auto: the paper's per-row budget for its preset; the default preset compares with
        // SparseGPT, whose budget is per block of the layer, so it takes the layer's.
        const bool layer_wide = params.mask_scope == AwpMaskScope::Layer ||
                                (params.mask_scope == AwpMaskScope::Auto && params.preset == AwpPreset::Best);
        set.scope = layer_wide ? MaskScope::Layer : MaskScope::Row;
        set.keep_per_row = keep_count(layer.d_in(), sparsity_or_default(params));
        set.keep_total = keep_count_layer(layer.d_out() * layer.d_in(), sparsity_or_default(params));
    }
    return set;
}

namespace {

// SparseGPT's own result (pure pruning: bits are dropped so it does not quantise as well).
MatrixF sparsegpt_weights(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                          Progress& progress) {
    CompressionParams prune_only = params;
    prune_only.bits.reset();
    SubProgress sub(progress, 0.0, 0.3);
    return sparsegpt_prune(layer, stats, prune_only, sub).W_hat;
}

}  // namespace

double record_changes(MethodResult& result, AwpSetKind kind, const MatrixF& start_Theta, const MaskMatrix& start_kept,
                      const MatrixF& Theta, const MaskMatrix& kept) {
    Eigen::ArrayXXd changed_entries;
    if (kind == AwpSetKind::Quantize)
        changed_entries = (Theta.array() != start_Theta.array()).cast<double>();
    else
        changed_entries = (kept.array() != start_kept.array()).cast<double>();
    const Eigen::VectorXd changed_per_channel = changed_entries.colwise().mean().transpose();
    result.series.emplace_back("changed_from_start_per_channel",
                               std::vector<double>(changed_per_channel.data(),
                                                   changed_per_channel.data() + changed_per_channel.size()));
    return changed_entries.mean();
}

AwpStart awp_start(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                   Progress& progress) {
    const AwpSetKind kind = awp_kind(params);
    AwpStart start;
    start.init = resolved_init(params, kind);
    start.set = make_set(layer, params, kind);
    const int bits = bits_or_default(params);
    const Eigen::Index group = resolve_group_size(params.group_size, layer.d_in());

    if (kind == AwpSetKind::Quantize) {
        // RTN: the grid is RTN's (min–max of each group of W) and Θ⁽⁰⁾ = RTN's result.
        start.set.grid = fit_quant_grid(layer.W, bits, group, GridRange::MinMax);
        start.Theta = start.set.grid.quantize(layer.W);
        return start;
    }
    start.scope = start.set.scope == MaskScope::NM   ? nm_text(params.nm)
                  : start.set.scope == MaskScope::Row ? "row"
                                                      : "layer";

    // The unquantised start: a mask chosen by the start's score within the set's structure
    // (Wanda: |W_ij|·‖X_j‖, magnitude: |W_ij|), or SparseGPT's result projected onto the set.
    MatrixF pruned;
    if (start.init == AwpInit::SparseGPT) {
        const MatrixF W_sparsegpt = sparsegpt_weights(layer, stats, params, progress);
        AwpConstraint prune_set = start.set;
        prune_set.kind = AwpSetKind::Prune;
        project(W_sparsegpt, prune_set, pruned, start.kept);
    } else {
        const MatrixF score = start.init == AwpInit::Wanda ? wanda_score(layer.W, stats) : MatrixF(layer.W.cwiseAbs());
        start.kept = select_top(score, start.set);
        pruned = apply_mask(layer.W, start.kept);
    }
    if (kind == AwpSetKind::Prune) {
        start.Theta = std::move(pruned);
        return start;
    }
    // Joint: the grid is RTN's grid of W, fixed from here on, as in the independent reference
    // (fitting it to the pruned start instead changes a group's range only where pruning removed
    // all of its negative or positive weights; on layers.2.attention.wo that moved E by 0.2%).
    // Θ⁽⁰⁾ rounds the survivors; 0 is on every grid, so pruned weights stay exactly zero.
    start.set.grid = fit_quant_grid(layer.W, bits, group, GridRange::MinMax);
    start.Theta = apply_mask(start.set.grid.quantize(pruned), start.kept);
    return start;
}

}  // namespace layerlens
