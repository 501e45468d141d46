#include "budget_params.h"

#include "errors.h"

#include <type_traits>

#include "param_builders.h"
#include "quant_grid.h"

namespace layerlens {

namespace {

// A budget parameter that may be "not given" (AWP decides from which are given what to do);
// its default is what a method uses when it is not.
template <class T>
ParamSpec optional_param(std::string name, std::string help, ParamType type, BudgetAxis axis,
                         std::optional<T> CompressionParams::*field, T fallback, double min, double max) {
    ParamSpec s;
    s.name = name;
    s.label = std::move(name);
    s.help = std::move(help);
    s.type = type;
    s.axis = axis;
    s.min = min;
    s.max = max;
    s.optional = true;
    using Stored = std::conditional_t<std::is_integral_v<T>, long long, double>;
    s.optional_default = static_cast<Stored>(fallback);
    s.get = [field](const CompressionParams& p) -> std::optional<ParamValue> {
        if (!(p.*field)) return std::nullopt;
        return static_cast<Stored>(*(p.*field));
    };
    s.set = [field](CompressionParams& p, const std::optional<ParamValue>& v) {
        if (!v) (p.*field).reset();
        else if (const auto* i = std::get_if<long long>(&*v)) p.*field = static_cast<T>(*i);
        else p.*field = static_cast<T>(std::get<double>(*v));
    };
    return s;
}

}  // namespace

const ParamSpec& bits_param() {
    static const ParamSpec spec = optional_param("bits", "bits per quantised weight", ParamType::Integer, BudgetAxis::Bits,
                                                 &CompressionParams::bits, kDefaultBits, 2, 8);
    return spec;
}

const ParamSpec& group_param() {
    // 128 by default, or one group per row when 128 does not divide d_in (as the reference
    // results were produced); an explicit size must divide d_in; 0 = one group per row.
    static const ParamSpec spec = with(
        int_param("group", "group", "input channels sharing one scale and zero point (auto = 128 "
                                    "where it divides d_in, else one group per row)",
                  &CompressionParams::group_size, 0, 1 << 20),
        [](ParamSpec& s) {
            s.axis = BudgetAxis::Bits;
            s.special_value = kAutoGroupSize;
            s.special_name = "auto";
            s.named_values = {{0, "one group per row"}};
            s.check_layer = [](const ParamValue& v, const Layer& layer) {
                resolve_group_size(static_cast<int>(std::get<long long>(v)), layer.d_in());
            };
        });
    return spec;
}

const ParamSpec& sparsity_param() {
    static const ParamSpec spec = with(optional_param("sparsity", "fraction of weights pruned (unstructured)",
                                                      ParamType::Real, BudgetAxis::Sparsity, &CompressionParams::sparsity,
                                                      kDefaultSparsity, 0.0, 1.0),
                                       [](ParamSpec& s) { s.max_exclusive = true; });
    return spec;
}

const ParamSpec& nm_param() {
    static const ParamSpec spec = [] {
        ParamSpec s;
        s.name = "nm";
        s.label = "N:M pattern";
        s.help = "semi-structured sparsity instead: N weights kept in every M consecutive input channels";
        s.type = ParamType::Pattern;
        s.axis = BudgetAxis::Sparsity;
        s.choices = {"2:4", "4:8", "1:4"};
        s.optional = true;
        s.optional_default = std::string("unstructured");
        s.get = [](const CompressionParams& p) -> std::optional<ParamValue> {
            if (!p.nm.active()) return std::nullopt;
            return nm_text(p.nm);
        };
        s.set = [](CompressionParams& p, const std::optional<ParamValue>& v) {
            p.nm = {};
            if (!v) return;
            const auto nm = parse_nm(std::get<std::string>(*v));
            if (!nm) throw ParameterError("nm expects N:M such as 2:4, got '" + std::get<std::string>(*v) + "'");
            p.nm = *nm;
        };
        s.check_layer = [](const ParamValue& v, const Layer& layer) {
            validate_nm(*parse_nm(std::get<std::string>(v)), layer.d_in());
        };
        return s;
    }();
    return spec;
}

const ParamSpec& rank_param() {
    static const ParamSpec spec =
        with(int_param("rank", "rank", "rank r of W ≈ B·A (auto = the largest rank within the parameter ratio)",
                       &CompressionParams::rank, 1, 1 << 20),
             [](ParamSpec& s) {
                 s.axis = BudgetAxis::Rank;
                 s.special_value = 0;   // CompressionParams::rank == 0: from param_ratio
                 s.special_name = "auto";
                 // A rank beyond min(d_out, d_in) is no factorisation: refused, not silently cut.
                 s.check_layer = [](const ParamValue& v, const Layer& layer) {
                     const long long r = std::get<long long>(v), full = std::min(layer.d_out(), layer.d_in());
                     if (r > full)
                         throw ParameterError("rank " + std::to_string(r) + " is larger than min(d_out, d_in) = " +
                                              std::to_string(full) + " (" + std::to_string(full) + " is W itself)");
                 };
             });
    return spec;
}

const ParamSpec& param_ratio_param() {
    static const ParamSpec spec = with(
        real_param("param-ratio", "rank ratio", "low rank: fraction of the parameters kept, r·(d_out + d_in) <= P·d_out·d_in",
                   &CompressionParams::param_ratio, 0.0, 1.0),
        [](ParamSpec& s) {
            s.axis = BudgetAxis::Rank;
            s.min_exclusive = true;
        });
    return spec;
}

const ParamSpec& iters_param() {
    static const ParamSpec spec = with(int_param("iters", "iterations", "projected gradient iterations",
                                                 &CompressionParams::iters, 0, 1000000),
                                       [](ParamSpec& s) { s.axis = BudgetAxis::Iterations; });
    return spec;
}

}  // namespace layerlens
