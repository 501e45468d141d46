#pragma once
// A method parameter declared once (STYLE.md "Declared once"): its name, type, range or choices,
// default, one-line help and the shared budget axis it belongs to, bound to the field of
// CompressionParams that carries it. The CLI's options and --help, the GUI's method panel,
// `methods --detail` and the validation messages are all built from these declarations.
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compression_params.h"
#include "errors.h"
#include "layer.h"

namespace layerlens {

using ParamValue = std::variant<bool, long long, double, std::string>;

enum class ParamType { Integer, Real, Flag, Choice, Pattern };

// The shared budget on top of the GUI panel (and the CLI's "budget" group); None = a method's own.
enum class BudgetAxis { None, Bits, Sparsity, Rank, Iterations };
const NameTable<BudgetAxis>& budget_axis_names();

struct ParamSpec {
    std::string name;     // CLI option without "--", GUI object name: "damp", "keep-by"
    std::string label;    // GUI label: "damping"
    ParamType type = ParamType::Real;
    std::string help;     // one line, shown in --help and as the GUI tooltip
    BudgetAxis axis = BudgetAxis::None;
    // Integer / Real: the allowed range; an exclusive bound is written ")" in help.
    double min = 0.0, max = 0.0;
    bool max_exclusive = false, min_exclusive = false;
    // Integer: one value below `min` with a meaning of its own (group -1 = "auto").
    std::optional<long long> special_value;
    std::string special_name;
    // Integer: values inside the range that mean more than their number (group 0 = "one group
    // per row"); --help lists them after the range, the GUI under the field while one is set.
    std::vector<std::pair<long long, std::string>> named_values;
    // The meaning of `value` among named_values, or empty.
    std::string value_meaning(long long value) const;
    // Choice: the names (from the enum's NameTable); Pattern: the patterns the GUI offers.
    std::vector<std::string> choices;
    // Optional parameters distinguish "not given" from their default (bits, sparsity).
    bool optional = false;
    std::optional<ParamValue> optional_default;
    // Further checks against the layer (a divisor of d_in); throws ParameterError.
    std::function<void(const ParamValue&, const Layer&)> check_layer;
    // The binding to CompressionParams; get returns nullopt for an optional not given.
    std::function<std::optional<ParamValue>(const CompressionParams&)> get;
    std::function<void(CompressionParams&, const std::optional<ParamValue>&)> set;

    ParamValue default_value() const;
    // "in [2, 8]", "one of row, layer", "N:M", "on/off": for help texts.
    std::string range_text() const;
};

// Text ↔ value, as typed on the command line or in a GUI field. Throws ParameterError naming
// the parameter and the text.
ParamValue parse_param(const ParamSpec& spec, const std::string& text);
std::string param_text(const ParamSpec& spec, const ParamValue& value);
std::string param_value_text(const ParamValue& value);
// Shortest text that reads back as the same double ("0.01", "1e-06"); "nan", "inf", "-inf".
std::string exact_number(double value);
// Throws ParameterError unless value lies in the declared range or choices (and fits the layer
// when one is given): "bits must be in [2, 8], got 1".
void check_param(const ParamSpec& spec, const ParamValue& value, const Layer* layer = nullptr);

// "'x' is not one of a, b or c".
std::string spec_name_error(const std::string& text, const std::string& listed);

// Bindings for the common field types.
template <class T>   // int or unsigned
ParamSpec& bind_integer(ParamSpec& spec, T CompressionParams::*field) {
    spec.type = ParamType::Integer;
    spec.get = [field](const CompressionParams& p) -> std::optional<ParamValue> { return static_cast<long long>(p.*field); };
    spec.set = [field](CompressionParams& p, const std::optional<ParamValue>& v) {
        p.*field = v ? static_cast<T>(std::get<long long>(*v)) : CompressionParams{}.*field;
    };
    return spec;
}
ParamSpec& bind_real(ParamSpec& spec, double CompressionParams::*field);
ParamSpec& bind_flag(ParamSpec& spec, bool CompressionParams::*field);
template <class E>
ParamSpec& bind_choice(ParamSpec& spec, E CompressionParams::*field, const NameTable<E>& names) {
    spec.type = ParamType::Choice;
    spec.choices = names.names();
    spec.get = [field, &names](const CompressionParams& p) -> std::optional<ParamValue> { return names.name(p.*field); };
    spec.set = [field, &names](CompressionParams& p, const std::optional<ParamValue>& v) {
        if (!v) { p.*field = CompressionParams{}.*field; return; }
        const auto parsed = names.parse(std::get<std::string>(*v));
        if (!parsed) throw ParameterError(spec_name_error(std::get<std::string>(*v), names.listed()));
        p.*field = *parsed;
    };
    return spec;
}

}  // namespace layerlens
