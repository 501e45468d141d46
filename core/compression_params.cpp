#include "compression_params.h"

#include <charconv>

namespace layerlens {

const NameTable<AwpInit>& awp_init_names() {
    static const NameTable<AwpInit> table{{{AwpInit::Auto, "auto"},
                                           {AwpInit::Wanda, "wanda"},
                                           {AwpInit::Magnitude, "magnitude"},
                                           {AwpInit::SparseGPT, "sparsegpt"},
                                           {AwpInit::RTN, "rtn"}}};
    return table;
}

const NameTable<KeepBy>& keep_by_names() {
    static const NameTable<KeepBy> table{{{KeepBy::Activation, "activation"}, {KeepBy::Weight, "weight"}, {KeepBy::Random, "random"}}};
    return table;
}

const NameTable<AwpMaskScope>& awp_mask_scope_names() {
    static const NameTable<AwpMaskScope> table{
        {{AwpMaskScope::Auto, "auto"}, {AwpMaskScope::Row, "row"}, {AwpMaskScope::Layer, "layer"}}};
    return table;
}

const NameTable<AwpPreset>& awp_preset_names() {
    static const NameTable<AwpPreset> table{{{AwpPreset::Best, "best"}, {AwpPreset::Paper, "paper"}}};
    return table;
}

std::string nm_text(const NMPattern& nm) {
    if (!nm.active()) return "unstructured";
    return std::to_string(nm.n_keep) + ":" + std::to_string(nm.m);
}

std::optional<NMPattern> parse_nm(const std::string& text) {
    const auto colon = text.find(':');
    if (colon == std::string::npos) return std::nullopt;
    int n = 0, m = 0;
    const char* a = text.data();
    const auto first = std::from_chars(a, a + colon, n);
    const auto second = std::from_chars(a + colon + 1, a + text.size(), m);
    if (first.ec != std::errc() || first.ptr != a + colon || colon == 0) return std::nullopt;
    if (second.ec != std::errc() || second.ptr != a + text.size() || colon + 1 == text.size()) return std::nullopt;
    return NMPattern{n, m};
}

}  // namespace layerlens
