// `layerlens-cli methods`: the registry and every method's declared settings, so scripts and
// people never hard-code them.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "method_registry.h"
#include "result_json.h"

namespace layerlens::cli {

namespace {

const char* kind_name(MethodKind kind) {
    switch (kind) {
    case MethodKind::Quantization: return "quantization";
    case MethodKind::Pruning: return "pruning";
    case MethodKind::Joint: return "joint";
    case MethodKind::LowRank: return "low-rank";
    }
    return "";
}

std::string option_name(const ParamSpec& spec) {
    if (spec.type != ParamType::Flag) return "--" + spec.name;
    return std::get<bool>(spec.default_value()) ? "--no-" + spec.name : "--" + spec.name;
}

nlohmann::json spec_json(const ParamSpec& spec) {
    nlohmann::json o;
    o["name"] = spec.name;
    o["option"] = option_name(spec);
    o["label"] = spec.label;
    o["help"] = spec.help;
    o["budget_axis"] = budget_axis_names().name(spec.axis);
    o["default"] = to_json(spec.default_value());
    o["range"] = spec.range_text();
    o["optional"] = spec.optional;
    if (!spec.choices.empty()) o["choices"] = spec.choices;
    if (spec.type == ParamType::Integer || spec.type == ParamType::Real) {
        o["min"] = spec.min;
        o["max"] = spec.max;
    }
    return o;
}

void print_detail(const MethodInfo& m) {
    std::printf("%s (%s): %s\nkind: %s\n\n", m.name.c_str(), m.label.c_str(), m.description.c_str(), kind_name(m.kind));
    std::printf("%-18s %-12s %-46s %s\n", "option", "default", "range", "help");
    for (const ParamSpec* spec : m.params) {
        // A flag's row is its option: --no-clip is "not given" by default, because clip is on.
        const bool turns_off = spec->type == ParamType::Flag && std::get<bool>(spec->default_value());
        const std::string shown = spec->optional && spec->type == ParamType::Pattern ? "unstructured"
                                  : spec->type == ParamType::Flag ? (turns_off ? spec->name + " on" : "off")
                                                                  : param_text(*spec, spec->default_value());
        const std::string help = (turns_off ? "turn off: " : "") + spec->help +
                                 (spec->axis == BudgetAxis::None ? "" : " (shared budget: " +
                                                                            budget_axis_names().name(spec->axis) + ")");
        std::printf("%-18s %-12s %-46s %s\n", option_name(*spec).c_str(), shown.c_str(), spec->range_text().c_str(),
                    help.c_str());
    }
}

}  // namespace

int run_methods(const Options& options) {
    if (options.names_only) {
        const auto names = method_names();
        for (size_t k = 0; k < names.size(); ++k) std::printf("%s%s", k ? "," : "", names[k].c_str());
        std::printf("\n");
        return 0;
    }
    if (!options.detail.empty() && !options.json) {
        print_detail(find_method(options.detail));
        return 0;
    }
    nlohmann::json array = nlohmann::json::array();
    for (const MethodInfo& m : all_methods()) {
        if (!options.detail.empty() && m.name != options.detail) continue;
        if (!options.json) {
            std::printf("%-12s %s\n", m.name.c_str(), m.description.c_str());
            continue;
        }
        nlohmann::json o;
        o["name"] = m.name;
        o["label"] = m.label;
        o["description"] = m.description;
        o["kind"] = kind_name(m.kind);
        o["params"] = nlohmann::json::array();
        for (const ParamSpec* spec : m.params) o["params"].push_back(spec_json(*spec));
        array.push_back(o);
    }
    if (options.json) std::cout << json_text(array);
    return 0;
}

}  // namespace layerlens::cli
