#include "model_eval_plan.h"

#include <cmath>

#include "../errors.h"
#include "../method_registry.h"
#include "../budget_params.h"
#include "../param_spec.h"
#include "../sweep_plan.h"

namespace layerlens {

namespace {

// Budget fields cleared so that a table fixes exactly the budget it shows.
CompressionParams without_budget(CompressionParams params) {
    params.bits.reset();
    params.sparsity.reset();
    params.nm = NMPattern{};
    params.group_size = kAutoGroupSize;
    return params;
}

std::string percent(double fraction) {
    const double value = std::round(fraction * 1000.0) / 10.0;
    return param_value_text(value) + "%";
}

bool reads(const MethodInfo& method, const ParamSpec& spec) {
    for (const ParamSpec* p : method.params)
        if (p == &spec) return true;
    return false;
}

}  // namespace

const NameTable<ModelTable>& model_table_names() {
    static const NameTable<ModelTable> names{
        {{ModelTable::Pruning, "pruning"}, {ModelTable::Quantization, "quantization"}, {ModelTable::Joint, "joint"}}};
    return names;
}

std::string budget_label(const std::string& method_name, const CompressionParams& params) {
    const MethodInfo& method = find_method(method_name);
    if (method.kind == MethodKind::LowRank) return "params " + percent(params.param_ratio);
    // AWP does what its budget says (prune, quantise or both); every other method that reads a
    // budget always applies it, at its default when none is given.
    const bool awp = method.name == "awp";
    std::string sparsity, bits;
    if (reads(method, sparsity_param()) && (!awp || params.sparsity || params.nm.active() || !params.bits)) {
        if (params.nm.active()) sparsity = nm_text(params.nm);
        else sparsity = percent(std::get<double>(sparsity_param().get(params).value_or(sparsity_param().default_value())));
    }
    if (reads(method, bits_param()) && (!awp || params.bits)) {
        bits = "INT" + param_value_text(bits_param().get(params).value_or(bits_param().default_value())) +
               (params.group_size == kAutoGroupSize ? " g128"
                : params.group_size == 0            ? " per row"
                                                    : " g" + std::to_string(params.group_size));
    }
    if (!sparsity.empty() && !bits.empty()) return sparsity + " + " + bits;
    return sparsity.empty() ? bits : sparsity;
}

std::vector<ModelEvalPoint> table_points(ModelTable table, const CompressionParams& base) {
    const CompressionParams clean = without_budget(base);
    std::vector<ModelEvalPoint> points;
    auto add = [&](const std::string& method, const CompressionParams& params) {
        points.push_back({method, params, budget_label(method, params)});
    };
    switch (table) {
        case ModelTable::Pruning:
            for (const char* method : {"magnitude", "wanda", "sparsegpt", "awp"})
                for (double s : {0.5, 0.6, 0.7, 0.8, 0.9}) {
                    CompressionParams p = clean;
                    p.sparsity = s;
                    add(method, p);
                }
            break;
        case ModelTable::Quantization:
            for (const char* method : {"rtn", "awq", "gptq", "awp"}) {
                CompressionParams p = clean;
                p.bits = 4;
                add(method, p);
            }
            break;
        case ModelTable::Joint:
            for (const char* method : {"awp", "wanda+awq", "awq+wanda"})
                for (double s : {0.25, 0.5, 0.75}) {
                    CompressionParams p = clean;
                    p.sparsity = s;
                    p.bits = 4;
                    add(method, p);
                }
            break;
    }
    return points;
}

std::vector<ModelEvalPoint> method_points(const std::vector<std::string>& methods, const CompressionParams& base,
                                          const std::vector<double>& sparsities) {
    std::vector<ModelEvalPoint> points;
    if (sparsities.empty()) {
        for (const std::string& name : methods) {
            const MethodInfo& method = find_method(name);
            points.push_back({method.name, base, budget_label(method.name, base)});
        }
        return points;
    }
    std::vector<SweepMethod> sweep;
    for (const std::string& name : methods) sweep.push_back({name, base});
    for (const SweepPoint& point : plan_sweep(SweepAxis::Sparsity, sparsities, sweep).points)
        points.push_back({point.method, point.params, budget_label(point.method, point.params)});
    return points;
}

}  // namespace layerlens
