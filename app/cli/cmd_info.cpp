// `layerlens-cli info FILE`: the layers of a file, with the outlier strength of their inputs.
#include <cstdio>
#include <iostream>

#include "calibration_stats.h"
#include "commands.h"
#include "errors.h"
#include "io/layer_format.h"
#include "progress.h"
#include "result_json.h"

namespace layerlens::cli {

int run_info(const Options& options) {
    if (options.source.path.empty()) throw ParameterError("info needs a layer file");
    const std::vector<LayerInfo> layers = list_layers(options.source.path);
    if (layers.empty()) throw InputError(options.source.path + ": no layer found (no group holds a 2-D dataset named 'weight')");
    nlohmann::json array = nlohmann::json::array();
    bool any_usable = false;
    if (!options.json)
        std::printf("%-34s %7s %7s %-8s %8s %9s  %s\n", "layer", "d_out", "d_in", "dtype", "tokens", "outliers", "note");
    for (const LayerInfo& info : layers) {
        double outliers = 0.0;
        std::string note = info.problem;
        if (info.problem.empty() && info.has_inputs) {
            try {
                Progress quiet;
                const auto inputs = open_inputs(options.source.path, info.name, info.d_in);
                const CalibrationStats stats = accumulate_statistics(*inputs, quiet);
                outliers = stats.outlier_strength();
                for (const auto& w : stats.warnings) note += (note.empty() ? "" : "; ") + w;
            } catch (const InputError& e) {
                note = e.what();
            }
        } else if (!info.has_inputs) {
            note = "no inputs in this file";
        }
        any_usable = any_usable || info.problem.empty();
        if (options.json) {
            nlohmann::json o;
            o["name"] = info.name;
            o["d_out"] = static_cast<long long>(info.d_out);
            o["d_in"] = static_cast<long long>(info.d_in);
            o["dtype"] = info.weight_dtype;
            o["has_inputs"] = info.has_inputs;
            o["tokens"] = static_cast<long long>(info.n_tokens);
            o["inputs_shape"] = info.inputs_shape;
            o["has_bias"] = info.has_bias;
            o["outlier_strength"] = outliers;
            if (!note.empty()) o["note"] = note;
            array.push_back(o);
        } else {
            std::printf("%-34s %7lld %7lld %-8s %8lld %8.2fx  %s\n", info.name.c_str(), static_cast<long long>(info.d_out),
                        static_cast<long long>(info.d_in), info.weight_dtype.c_str(),
                        static_cast<long long>(info.n_tokens), outliers, note.c_str());
        }
    }
    if (options.json) std::cout << json_text(array);
    if (!any_usable) {
        std::cerr << "layerlens-cli: " << options.source.path << ": no usable layer: " << layers.front().problem << "\n";
        return 1;
    }
    return 0;
}

}  // namespace layerlens::cli
