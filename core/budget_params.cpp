#include "budget_params.h"

#include "param_builders.h"
#include "quant_grid.h"

namespace layerlens {

const ParamSpec& bits_param() {
    static const ParamSpec spec = [] {
        ParamSpec s;
        s.name = "bits";
        s.label = "bits";
        s.help = "bits per quantised weight";
        s.type = ParamType::Integer;
        s.axis = BudgetAxis::Bits;
        s.min = 2;
        s.max = 8;
        s.optional = true;
        s.optional_default = static_cast<long long>(kDefaultBits);
        s.get = [](const CompressionParams& p) -> std::optional<ParamValue> {
            if (!p.bits) return std::nullopt;
            return static_cast<long long>(*p.bits);
        };
        s.set = [](CompressionParams& p, const std::optional<ParamValue>& v) {
            if (v) p.bits = static_cast<int>(std::get<long long>(*v));
            else p.bits.reset();
        };
        return s;
    }();
    return spec;
}

const ParamSpec& group_param() {
    // 128 by default, or one group per row when 128 does not divide d_in (as the reference
    // results were produced); an explicit size must divide d_in; 0 = one group per row.
    static const ParamSpec spec = with(
        int_param("group", "group", "input channels sharing one scale and zero point (0 = one group per row; auto = 128 "
                                    "where it divides d_in, else one group per row)",
                  &CompressionParams::group_size, 0, 1 << 20),
        [](ParamSpec& s) {
            s.axis = BudgetAxis::Bits;
            s.special_value = kAutoGroupSize;
            s.special_name = "auto";
            s.check_layer = [](const ParamValue& v, const Layer& layer) {
                resolve_group_size(static_cast<int>(std::get<long long>(v)), layer.d_in());
            };
        });
    return spec;
}

const ParamSpec& sparsity_param() {
    static const ParamSpec spec = [] {
        ParamSpec s;
        s.name = "sparsity";
        s.label = "sparsity";
        s.help = "fraction of weights pruned (unstructured)";
        s.type = ParamType::Real;
        s.axis = BudgetAxis::Sparsity;
        s.min = 0.0;
        s.max = 1.0;
        s.max_exclusive = true;
        s.optional = true;
        s.optional_default = kDefaultSparsity;
        s.get = [](const CompressionParams& p) -> std::optional<ParamValue> {
            if (!p.sparsity) return std::nullopt;
            return *p.sparsity;
        };
        s.set = [](CompressionParams& p, const std::optional<ParamValue>& v) {
            if (!v) p.sparsity.reset();
            else if (const auto* i = std::get_if<long long>(&*v)) p.sparsity = static_cast<double>(*i);
            else p.sparsity = std::get<double>(*v);
        };
        return s;
    }();
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
        with(int_param("rank", "rank", "rank r of W ≈ B·A (0 = from the parameter ratio)", &CompressionParams::rank, 0, 1 << 20),
             [](ParamSpec& s) { s.axis = BudgetAxis::Rank; });
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
