#include "result_format.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "result_json.h"

namespace layerlens {

namespace {

const ParamValue* find(const KeyValues& values, const std::string& key) {
    for (const auto& [k, v] : values)
        if (k == key) return &v;
    return nullptr;
}

std::string percent(double fraction, const char* format) {
    char text[64];
    std::snprintf(text, sizeof text, format, 100.0 * fraction);
    return text;
}

std::string fixed(double value, const char* format) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

}  // namespace

std::string budget_text(const MethodResult& r) {
    std::string parts;
    auto add = [&](const std::string& s) { parts += (parts.empty() ? "" : " ") + s; };
    if (const auto* bits = find(r.params, "bits")) {
        std::string group;
        if (const auto* used = find(r.params, "group_size_used")) group = " g" + param_value_text(*used);
        add("W" + param_value_text(*bits) + group);
    }
    if (const auto* pattern = find(r.params, "pattern")) {
        if (param_value_text(*pattern) != "unstructured") add(param_value_text(*pattern));
        else if (const auto* s = find(r.params, "sparsity")) add(exact_number(std::get<double>(*s) * 100) + "%");
    }
    if (const auto* rank = find(r.params, "rank")) add("rank " + param_value_text(*rank));
    return parts;
}

std::string setup_text(const MethodResult& r) {
    const auto* preset = find(r.params, "preset");
    if (!preset) return {};
    std::string text = param_value_text(*preset);
    if (const auto* init = find(r.params, "init")) text += " from " + param_value_text(*init);
    if (const auto* scope = find(r.params, "mask_scope")) text += ", " + param_value_text(*scope) + " budget";
    if (const auto* space = find(r.params, "space"); space && param_value_text(*space) != "W")
        text += ", " + param_value_text(*space);
    return text;
}

const std::vector<ResultField>& result_fields() {
    static const std::vector<ResultField> fields = {
        {"method", "method", "The compression method.", [](const MethodResult& r) { return r.method; },
         [](const MethodResult& r) { return r.method; }, nullptr, -14},
        {"budget", "budget", "The budget it ran with (bits and group, sparsity or N:M, rank).",
         [](const MethodResult& r) { return budget_text(r); }, [](const MethodResult& r) { return budget_text(r); }, nullptr, -16},
        {"relative_output_error", "E",
         "Relative output error E = ‖X(W−Ŵ)ᵀ‖² / ‖XWᵀ‖²: the one number every method is judged by.",
         [](const MethodResult& r) { return exact_number(r.relative_output_error); },
         [](const MethodResult& r) { return fixed(r.relative_output_error, "%.6g"); },
         [](const MethodResult& r) { return r.relative_output_error; }, 12},
        {"sparsity", "sparsity", "Fraction of exact zeros in Ŵ.", [](const MethodResult& r) { return exact_number(r.sparsity); },
         [](const MethodResult& r) { return percent(r.sparsity, "%.2f%%"); }, [](const MethodResult& r) { return r.sparsity; }, 9},
        {"bits_per_weight", "bits/weight", "Storage cost per weight, scales and zero points included.",
         [](const MethodResult& r) { return exact_number(r.bits_per_weight); },
         [](const MethodResult& r) { return fixed(r.bits_per_weight, "%.3f"); },
         [](const MethodResult& r) { return r.bits_per_weight; }, 11},
        {"setup", "setup", "Which configuration ran, for a method with presets (AWP: preset, start, budget scope).",
         [](const MethodResult& r) { return setup_text(r); }, [](const MethodResult& r) { return setup_text(r); }, nullptr, -34},
        {"seconds", "seconds", "Time the method took.", [](const MethodResult& r) { return exact_number(r.seconds); },
         [](const MethodResult& r) { return fixed(r.seconds, "%.3f"); }, [](const MethodResult& r) { return r.seconds; }, 9},
    };
    return fields;
}

nlohmann::json to_json(const ParamValue& value) {
    return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

nlohmann::json to_json(const KeyValues& values) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [key, value] : values) object[key] = to_json(value);
    return object;
}

nlohmann::json result_to_json(const std::string& layer, const MethodResult& r) {
    nlohmann::json o;
    o["layer"] = layer;
    o["method"] = r.method;
    o["params"] = to_json(r.params);
    o["relative_output_error"] = r.relative_output_error;
    o["sparsity"] = r.sparsity;
    o["bits_per_weight"] = r.bits_per_weight;
    o["setup"] = setup_text(r);
    o["seconds"] = r.seconds;
    for (const auto& [key, value] : r.scalars) o[key] = to_json(value);
    for (const auto& [key, values] : r.series) o[key] = values;
    if (!r.loss_history.empty()) {
        o["loss_history"] = r.loss_history;
        o["iterations"] = static_cast<long long>(r.loss_history.size()) - 1;
    }
    if (!r.protected_channels.empty()) o["protected_channels"] = r.protected_channels;
    if (!r.timings.empty()) {
        nlohmann::json timings = nlohmann::json::object();
        for (const auto& [stage, seconds] : r.timings) timings[stage] = seconds;
        o["timings"] = timings;
    }
    if (!r.warnings.empty()) o["warnings"] = r.warnings;
    return o;
}

std::string json_text(const nlohmann::json& value) { return value.dump(4) + "\n"; }

std::string result_json_text(const std::string& layer, const MethodResult& result) {
    return json_text(result_to_json(layer, result));
}

std::string results_json_text(const std::string& layer, const std::vector<MethodResult>& results) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& r : results) array.push_back(result_to_json(layer, r));
    return json_text(array);
}

std::string csv_field(const std::string& value) {
    if (value.find_first_of(",\"\n") == std::string::npos) return value;
    std::string quoted = "\"";
    for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string csv_header() {
    std::string out = "layer";
    for (const ResultField& f : result_fields()) out += "," + f.key;
    return out;
}

std::string csv_row(const std::string& layer, const MethodResult& result) {
    std::string out = csv_field(layer);
    for (const ResultField& f : result_fields()) out += "," + csv_field(f.value(result));
    return out;
}

std::string results_to_csv(const std::string& layer, const std::vector<MethodResult>& results) {
    std::string out = csv_header() + "\n";
    for (const auto& r : results) out += csv_row(layer, r) + "\n";
    return out;
}

std::string results_to_table(const std::vector<MethodResult>& results) {
    // Column widths are the fields' own (wide enough for "wanda+awq" and "W4 g128 50%").
    std::ostringstream out;
    auto cell = [&](size_t k, const std::string& text) {
        const int width = result_fields()[k].table_width;
        const size_t pad = text.size() < static_cast<size_t>(std::abs(width)) ? std::abs(width) - text.size() : 0;
        out << (k ? " " : "") << (width > 0 ? std::string(pad, ' ') + text : text + std::string(pad, ' '));
    };
    const auto& fields = result_fields();
    for (size_t k = 0; k < fields.size(); ++k) cell(k, fields[k].header);
    out << "\n";
    for (const auto& r : results) {
        for (size_t k = 0; k < fields.size(); ++k) cell(k, fields[k].display(r));
        out << "\n";
    }
    return out.str();
}

}  // namespace layerlens
