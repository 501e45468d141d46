#include "result_cache.h"

#include "method_registry.h"
#include "param_spec.h"

namespace layerlens::ui {

std::string ResultCache::keyOf(const MethodJob& job) {
    const MethodInfo* info = nullptr;
    for (const MethodInfo& m : all_methods())
        if (m.name == job.method) info = &m;
    if (!info) return {};   // not registered: never kept, always run (and refused there)
    std::string key = job.method;
    for (const ParamSpec* spec : info->params) {
        key += '|' + spec->name + '=';
        const std::optional<ParamValue> value = spec->get(job.params);
        key += value ? param_text(*spec, *value) : std::string("-");
    }
    return key;
}

OutcomePtr ResultCache::find(const std::shared_ptr<const LoadedLayer>& layer, const MethodJob& job) const {
    if (!layer || layer_.lock() != layer) return nullptr;
    const std::string key = keyOf(job);
    if (key.empty()) return nullptr;
    const auto it = outcomes_.find(key);
    return it == outcomes_.end() ? nullptr : it->second;
}

void ResultCache::store(const std::shared_ptr<const LoadedLayer>& layer, const OutcomePtr& outcome) {
    if (!layer || !outcome || !outcome->result || !outcome->views) return;
    if (layer_.lock() != layer) {
        outcomes_.clear();
        layer_ = layer;
    }
    if (const std::string key = keyOf(outcome->request); !key.empty()) outcomes_[key] = outcome;
}

void ResultCache::clear() {
    outcomes_.clear();
    layer_.reset();
}

}  // namespace layerlens::ui
