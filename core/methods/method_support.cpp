#include "method_support.h"

#include <string>

#include "../calibration_stats.h"

namespace layerlens {

std::vector<const ParamSpec*> quantization_budget() { return {&bits_param(), &group_param()}; }
std::vector<const ParamSpec*> pruning_budget() { return {&sparsity_param(), &nm_param()}; }

std::vector<const ParamSpec*> joined(std::vector<const ParamSpec*> a, const std::vector<const ParamSpec*>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

void add_quantization_params(KeyValues& out, const Layer& layer, const CompressionParams& params) {
    out.emplace_back("bits", static_cast<long long>(bits_or_default(params)));
    out.emplace_back("group_size", static_cast<long long>(params.group_size < 0 ? 128 : params.group_size));
    out.emplace_back("group_size_used", static_cast<long long>(resolve_group_size(params.group_size, layer.d_in())));
    out.emplace_back("zero_point", true);
}

void add_pruning_params(KeyValues& out, const CompressionParams& params) {
    if (params.nm.active()) {
        out.emplace_back("pattern", nm_text(params.nm));
        out.emplace_back("sparsity", 1.0 - static_cast<double>(params.nm.n_keep) / params.nm.m);
    } else {
        out.emplace_back("pattern", std::string("unstructured"));
        out.emplace_back("sparsity", sparsity_or_default(params));
    }
}

MaskMatrix select_kept(const MatrixF& score, const CompressionParams& params, UnstructuredScope scope) {
    if (params.nm.active()) return keep_n_of_m(score, params.nm);
    const double sparsity = sparsity_or_default(params);
    return scope == UnstructuredScope::PerRow ? keep_per_row(score, sparsity) : keep_above_threshold_rank(score, sparsity);
}

MatrixF wanda_score(const MatrixF& W, const CalibrationStats& stats) {
    return W.cwiseAbs() * stats.norm.cast<float>().asDiagonal();
}

MethodResult wanda_prune(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params) {
    return prune_by_score(layer, wanda_score(layer.W, stats), params, UnstructuredScope::PerRow);
}

MethodResult prune_by_score(const Layer& layer, const MatrixF& score, const CompressionParams& params,
                            UnstructuredScope scope) {
    MethodResult result;
    add_pruning_params(result.params, params);
    result.kept_mask = select_kept(score, params, scope);
    result.W_hat = apply_mask(layer.W, result.kept_mask);
    return result;
}

}  // namespace layerlens
