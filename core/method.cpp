#include "method.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "calibration_stats.h"
#include "errors.h"
#include "output_error.h"
#include "progress.h"

namespace layerlens {

const ParamValue* MethodResult::scalar(const std::string& key) const {
    for (const auto& [name, value] : scalars)
        if (name == key) return &value;
    return nullptr;
}

void check_layer_matches_statistics(const Layer& layer, const CalibrationStats& stats) {
    if (layer.W.size() == 0) throw InputError("weight of " + layer.name + " is empty (zero size)");
    if (layer.d_in() != stats.d_in()) {
        std::ostringstream msg;
        msg << "inputs of " << layer.name << " have width " << stats.d_in() << "; weight has d_in = " << layer.d_in();
        throw InputError(msg.str());
    }
}

void validate_method(const MethodInfo& method, const Layer& layer, const CompressionParams& params) {
    for (const ParamSpec* spec : method.params)
        if (const auto value = spec->get(params)) check_param(*spec, *value, &layer);
    if (method.validate) method.validate(layer, params);
}

MethodResult run_method(const MethodInfo& method, const Layer& layer, const CalibrationStats& stats,
                        const CompressionParams& params, Progress& progress) {
    check_layer_matches_statistics(layer, stats);
    validate_method(method, layer, params);
    progress.check();
    const auto start = std::chrono::steady_clock::now();
    MethodResult result = method.run(layer, stats, params, progress);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.method = method.name;
    if (result.W_hat.rows() != layer.d_out() || result.W_hat.cols() != layer.d_in())
        throw std::logic_error(method.name + " returned a weight of the wrong shape");
    result.relative_output_error = OutputError(layer.W, stats.C_float).relative(result.W_hat);
    const auto zeros = (result.W_hat.array() == 0.0f).count();
    result.sparsity = static_cast<double>(zeros) / static_cast<double>(result.W_hat.size());
    progress.report(1.0, method.label + " done");
    return result;
}

}  // namespace layerlens
