#include "method_registry.h"

#include "errors.h"
#include "methods/methods.h"

namespace layerlens {

const std::vector<MethodInfo>& all_methods() {
    static const std::vector<MethodInfo> methods = {
        rtn_method(),
        awq_method(),
        awq_keep_method(),
        gptq_method(),
        magnitude_method(),
        wanda_method(),
        sparsegpt_method(),
        awp_method(),
        wanda_awq_method(),
        awq_wanda_method(),
        svd_method(),
        asvd_method(),
    };
    return methods;
}

const MethodInfo& find_method(const std::string& name) {
    for (const MethodInfo& m : all_methods())
        if (m.name == name) return m;
    std::string known;
    for (const MethodInfo& m : all_methods()) known += (known.empty() ? "" : ", ") + m.name;
    throw ParameterError("unknown method '" + name + "'; known methods: " + known);
}

std::vector<std::string> method_names() {
    std::vector<std::string> names;
    for (const MethodInfo& m : all_methods()) names.push_back(m.name);
    return names;
}

}  // namespace layerlens
