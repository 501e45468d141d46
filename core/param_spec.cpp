#include "param_spec.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace layerlens {

const NameTable<BudgetAxis>& budget_axis_names() {
    static const NameTable<BudgetAxis> table{{{BudgetAxis::None, "none"},
                                              {BudgetAxis::Bits, "bits"},
                                              {BudgetAxis::Sparsity, "sparsity"},
                                              {BudgetAxis::Rank, "rank"},
                                              {BudgetAxis::Iterations, "iterations"}}};
    return table;
}

std::string spec_name_error(const std::string& text, const std::string& listed) {
    return "'" + text + "' is not one of " + listed;
}

ParamValue ParamSpec::default_value() const {
    if (optional) return optional_default.value_or(ParamValue{});
    return *get(CompressionParams{});
}

namespace {

std::string bound_text(const ParamSpec& spec, double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return spec.type == ParamType::Integer ? std::to_string(static_cast<long long>(v)) : exact_number(v);
}

}  // namespace

std::string exact_number(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[64];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    return std::string(buffer, end);
}

std::string ParamSpec::range_text() const {
    switch (type) {
    case ParamType::Flag: return "on/off";
    case ParamType::Choice: {
        std::string out = "one of ";
        for (size_t k = 0; k < choices.size(); ++k) out += (k ? ", " : "") + choices[k];
        return out;
    }
    case ParamType::Pattern: return "N:M with 0 < N <= M, M dividing d_in";
    case ParamType::Integer:
    case ParamType::Real: {
        std::string out = std::string(min_exclusive ? "(" : "[") + bound_text(*this, min) + ", " + bound_text(*this, max) +
                          (max_exclusive ? ")" : "]");
        if (special_value) out += " or " + special_name;
        for (const auto& [value, meaning] : named_values) out += "; " + std::to_string(value) + " = " + meaning;
        return "in " + out;
    }
    }
    return {};
}

std::string ParamSpec::value_meaning(long long value) const {
    for (const auto& [named, meaning] : named_values)
        if (named == value) return meaning;
    return {};
}

std::string param_value_text(const ParamValue& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) return v;
            else if constexpr (std::is_same_v<T, bool>) return v ? "on" : "off";
            else if constexpr (std::is_same_v<T, long long>) return std::to_string(v);
            else return exact_number(v);
        },
        value);
}

std::string param_text(const ParamSpec& spec, const ParamValue& value) {
    if (spec.special_value && std::holds_alternative<long long>(value) && std::get<long long>(value) == *spec.special_value)
        return spec.special_name;
    return param_value_text(value);
}

ParamValue parse_param(const ParamSpec& spec, const std::string& text) {
    auto fail = [&](const std::string& expected) -> ParameterError {
        return ParameterError(spec.name + " expects " + expected + ", got '" + text + "'");
    };
    switch (spec.type) {
    case ParamType::Flag:
        if (text == "on" || text == "true" || text == "1" || text == "yes") return true;
        if (text == "off" || text == "false" || text == "0" || text == "no") return false;
        throw fail("on or off");
    case ParamType::Choice:
    case ParamType::Pattern: return text;
    case ParamType::Integer: {
        if (spec.special_value && text == spec.special_name) return *spec.special_value;
        long long v = 0;
        const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) throw fail("an integer");
        // The special value is stored as a number no user means (-1 for auto): typed, it is refused.
        if (spec.special_value && v == *spec.special_value) throw fail("an integer " + spec.range_text());
        return v;
    }
    case ParamType::Real: {
        // strtod accepts what people type ("1e-3", ".5"); reject trailing junk and nan/inf words.
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) throw fail("a finite number");
        return v;
    }
    }
    throw fail("a value");
}

void check_param(const ParamSpec& spec, const ParamValue& value, const Layer* layer) {
    auto fail = [&](const std::string& why) { throw ParameterError(spec.name + " " + why + ", got " + param_text(spec, value)); };
    switch (spec.type) {
    case ParamType::Flag:
        if (!std::holds_alternative<bool>(value)) fail("must be on or off");
        break;
    case ParamType::Choice: {
        const auto* text = std::get_if<std::string>(&value);
        bool known = false;
        for (const auto& c : spec.choices) known = known || (text && *text == c);
        if (!known) fail("must be " + spec.range_text());
        break;
    }
    case ParamType::Pattern: {
        const auto* text = std::get_if<std::string>(&value);
        const auto parsed = text ? parse_nm(*text) : std::nullopt;
        if (!parsed) fail("must be N:M such as 2:4");
        const NMPattern nm = *parsed;
        if (nm.n_keep <= 0 || nm.m <= 0 || nm.n_keep > nm.m) fail("is impossible: need 0 < N <= M (N weights kept in every M)");
        break;
    }
    case ParamType::Integer:
    case ParamType::Real: {
        double v = 0.0;
        if (const auto* i = std::get_if<long long>(&value)) {
            if (spec.special_value && *i == *spec.special_value) break;
            v = static_cast<double>(*i);
        } else if (const auto* d = std::get_if<double>(&value)) {
            if (spec.type == ParamType::Integer) fail("must be an integer");
            v = *d;
        } else {
            fail("must be a number");
        }
        const bool below = spec.min_exclusive ? !(v > spec.min) : !(v >= spec.min);
        const bool above = spec.max_exclusive ? !(v < spec.max) : !(v <= spec.max);
        if (below || above || !std::isfinite(v)) fail("must be " + spec.range_text());
        break;
    }
    }
    if (layer && spec.check_layer) spec.check_layer(value, *layer);
}

ParamSpec& bind_real(ParamSpec& spec, double CompressionParams::*field) {
    spec.type = ParamType::Real;
    spec.get = [field](const CompressionParams& p) -> std::optional<ParamValue> { return p.*field; };
    spec.set = [field](CompressionParams& p, const std::optional<ParamValue>& v) {
        if (!v) p.*field = CompressionParams{}.*field;
        else if (const auto* i = std::get_if<long long>(&*v)) p.*field = static_cast<double>(*i);
        else p.*field = std::get<double>(*v);
    };
    return spec;
}

ParamSpec& bind_flag(ParamSpec& spec, bool CompressionParams::*field) {
    spec.type = ParamType::Flag;
    spec.get = [field](const CompressionParams& p) -> std::optional<ParamValue> { return p.*field; };
    spec.set = [field](CompressionParams& p, const std::optional<ParamValue>& v) {
        p.*field = v ? std::get<bool>(*v) : CompressionParams{}.*field;
    };
    return spec;
}

}  // namespace layerlens
