#pragma once
// Short forms for declaring a parameter beside the method that reads it:
//   static const ParamSpec damp = real_param("damp", "damping", "…", &CompressionParams::damp, 0, 1);
#include <limits>

#include "param_spec.h"

namespace layerlens {

constexpr double kUnbounded = std::numeric_limits<double>::infinity();

ParamSpec named_param(std::string name, std::string label, std::string help);
template <class T>   // an int or unsigned field
ParamSpec int_param(std::string name, std::string label, std::string help, T CompressionParams::*field, double min,
                    double max) {
    ParamSpec spec = named_param(std::move(name), std::move(label), std::move(help));
    bind_integer(spec, field);
    spec.min = min;
    spec.max = max;
    return spec;
}
ParamSpec real_param(std::string name, std::string label, std::string help, double CompressionParams::*field,
                     double min, double max);
ParamSpec flag_param(std::string name, std::string label, std::string help, bool CompressionParams::*field);
template <class E>
ParamSpec choice_param(std::string name, std::string label, std::string help, E CompressionParams::*field,
                       const NameTable<E>& names) {
    ParamSpec spec = named_param(std::move(name), std::move(label), std::move(help));
    bind_choice(spec, field, names);
    return spec;
}
// Adds the spec's other fields in place and returns it: with(spec, [](ParamSpec& s) { s.max_exclusive = true; }).
template <class F>
ParamSpec with(ParamSpec spec, F&& change) {
    change(spec);
    return spec;
}

}  // namespace layerlens
