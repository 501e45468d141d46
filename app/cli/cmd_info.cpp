// `layerlens-cli info FILE`: the layers of a file, with the outlier strength of their inputs.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "calibration_stats.h"
#include "commands.h"
#include "errors.h"
#include "io/layer_format.h"
#include "io/layer_names.h"
#include "progress.h"
#include "result_json.h"

namespace layerlens::cli {

namespace {

int name_width(const std::vector<LayerInfo>& layers) {
    std::size_t width = 5;
    for (const LayerInfo& info : layers) width = std::max(width, info.name.size());
    return static_cast<int>(std::min<std::size_t>(width, 60));
}

std::string format_strength(double outliers) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2fx", outliers);
    return text;
}

}  // namespace

int run_info(const Options& options) {
    if (options.source.path.empty()) throw ParameterError("info needs a layer file");
    const LayerFormat& format = detect_format(options.source.path);
    const std::vector<LayerInfo> layers = format.list_layers(options.source.path);
    if (layers.empty()) throw InputError(options.source.path + ": no layer found (the file holds no 2-D weight)");
    nlohmann::json array = nlohmann::json::array();
    bool any_usable = false;
    const int width = name_width(layers);
    if (!options.json) {
        const bool weights_only = std::none_of(layers.begin(), layers.end(), [](const LayerInfo& l) { return l.has_inputs; });
        std::printf("%s: %s, %zu layers%s\n", options.source.path.c_str(), format.name().c_str(), layers.size(),
                    weights_only ? "; weights only: give the inputs with --inputs (HDF5 or .npy)" : "");
        std::printf("%-*s %7s %7s %-8s %8s %9s  %s\n", width, "layer", "d_out", "d_in", "dtype", "tokens", "outliers", "note");
    }
    std::string block = "";
    for (const LayerInfo& info : layers) {
        double outliers = 0.0;
        std::string note = info.problem;
        if (info.problem.empty() && info.has_inputs) {
            try {
                Progress quiet;
                const auto inputs = format.open_own_inputs(options.source.path, info.name, info.d_in);
                const CalibrationStats stats = accumulate_statistics(*inputs, quiet, 0, StatisticsScope::Channels);
                outliers = stats.outlier_strength();
                for (const auto& w : stats.warnings) note += (note.empty() ? "" : "; ") + w;
            } catch (const InputError& e) {
                note = e.what();
            }
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
            // A blank line between blocks (layers.0, layers.1, ...) groups a model's layers.
            const std::string this_block = layer_block(info.name);
            if (this_block != block && &info != &layers.front()) std::printf("\n");
            block = this_block;
            const std::string tokens = info.has_inputs ? std::to_string(info.n_tokens) : "-";
            const std::string strength = info.has_inputs && info.problem.empty() ? format_strength(outliers) : "-";
            // A name's control characters as \xNN: a newline or a terminal escape would break the table.
            std::printf("%-*s %7lld %7lld %-8s %8s %9s  %s\n", width, printable_name(info.name).c_str(), static_cast<long long>(info.d_out),
                        static_cast<long long>(info.d_in), info.weight_dtype.c_str(), tokens.c_str(), strength.c_str(),
                        note.c_str());
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
