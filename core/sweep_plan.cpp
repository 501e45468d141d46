#include "sweep_plan.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "errors.h"
#include "method_registry.h"
#include "param_spec.h"

namespace layerlens {

const NameTable<SweepAxis>& sweep_axis_names() {
    static const NameTable<SweepAxis> table{{{SweepAxis::Sparsity, "sparsity"}, {SweepAxis::Bits, "bits"}}};
    return table;
}

namespace {

bool reads_axis(const MethodInfo& method, SweepAxis axis) {
    const BudgetAxis wanted = axis == SweepAxis::Bits ? BudgetAxis::Bits : BudgetAxis::Sparsity;
    return std::any_of(method.params.begin(), method.params.end(), [&](const ParamSpec* p) { return p->axis == wanted; });
}

CompressionParams at_point(CompressionParams p, SweepAxis axis, double value) {
    p.nm = {};
    if (axis == SweepAxis::Bits) {
        p.bits = static_cast<int>(std::lround(value));
        p.sparsity.reset();
    } else {
        p.sparsity = value;
        p.bits.reset();
    }
    return p;
}

}  // namespace

SweepPlan plan_sweep(SweepAxis axis, const std::vector<double>& values, const std::vector<SweepMethod>& methods) {
    const std::string& axis_name = sweep_axis_names().name(axis);
    if (values.empty()) throw ParameterError("a sweep needs at least one " + axis_name + " value");
    if (axis == SweepAxis::Bits)
        for (double v : values)
            if (v != std::round(v)) throw ParameterError("bits must be whole numbers, got " + param_value_text(v));
    SweepPlan plan;
    plan.axis = axis;
    for (const SweepMethod& entry : methods) {
        const MethodInfo& method = find_method(entry.method);
        if (!reads_axis(method, axis)) {
            plan.skipped.push_back({method.name, method.name + " has no " + axis_name + " budget"});
            continue;
        }
        for (double v : values) plan.points.push_back({method.name, v, at_point(entry.params, axis, v)});
    }
    if (plan.points.empty()) throw ParameterError("none of the chosen methods has a " + axis_name + " budget");
    return plan;
}

std::vector<double> parse_sweep_values(const std::string& text, const std::string& option) {
    std::vector<double> values;
    std::stringstream stream(text + ",");   // the comma makes a trailing empty item ("0.5,") one more item
    std::string part;
    while (std::getline(stream, part, ',')) {
        part.erase(0, part.find_first_not_of(" \t"));
        part.erase(part.find_last_not_of(" \t") + 1);
        if (part.empty()) throw ParameterError(option + " has an empty item in '" + text + "' (give values such as 0.5,0.6,0.7 or 2,3,4)");
        char* end = nullptr;
        const double v = std::strtod(part.c_str(), &end);
        if (end != part.c_str() + part.size() || !std::isfinite(v))
            throw ParameterError(option + ": '" + part + "' is not a number (give values such as 0.5,0.6,0.7 or 2,3,4)");
        values.push_back(v);
    }
    return values;
}

}  // namespace layerlens
