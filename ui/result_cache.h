#pragma once
// The comparison's results kept by what produced them, so Run (Ctrl+R) computes only the methods
// whose layer or settings changed. A result is found by the loaded layer it was computed on and by
// the text of every parameter its method declares (core's ParamSpec list, so a setting the method
// does not read never forces a rerun, and a new parameter needs nothing here).
#include <map>
#include <memory>
#include <string>

#include "run_types.h"

namespace layerlens::ui {

class ResultCache {
public:
    // The kept outcome of this job on this layer, or null.
    OutcomePtr find(const std::shared_ptr<const LoadedLayer>& layer, const MethodJob& job) const;
    // Keeps a successful outcome of a run on `layer`; failures are never kept (a rerun may succeed).
    void store(const std::shared_ptr<const LoadedLayer>& layer, const OutcomePtr& outcome);
    void clear();
    int size() const { return static_cast<int>(outcomes_.size()); }

    // "awq|bits=4|group=-1|…": the method and each declared parameter's text.
    static std::string keyOf(const MethodJob& job);

private:
    std::weak_ptr<const LoadedLayer> layer_;   // one layer at a time: a new one empties the cache
    std::map<std::string, OutcomePtr> outcomes_;
};

}  // namespace layerlens::ui
