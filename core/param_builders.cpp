#include "param_builders.h"

namespace layerlens {

ParamSpec named_param(std::string name, std::string label, std::string help) {
    ParamSpec spec;
    spec.name = std::move(name);
    spec.label = std::move(label);
    spec.help = std::move(help);
    return spec;
}

ParamSpec real_param(std::string name, std::string label, std::string help, double CompressionParams::*field,
                     double min, double max) {
    ParamSpec spec = named_param(std::move(name), std::move(label), std::move(help));
    bind_real(spec, field);
    spec.min = min;
    spec.max = max;
    return spec;
}

ParamSpec flag_param(std::string name, std::string label, std::string help, bool CompressionParams::*field) {
    ParamSpec spec = named_param(std::move(name), std::move(label), std::move(help));
    bind_flag(spec, field);
    return spec;
}

}  // namespace layerlens
