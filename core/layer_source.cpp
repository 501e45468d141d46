#include "layer_source.h"

#include "errors.h"
#include "input_source.h"
#include "progress.h"

namespace layerlens {

std::string LayerSource::describe() const {
    if (demo) return "built-in demo " + std::to_string(demo_spec.d_out) + "x" + std::to_string(demo_spec.d_in);
    return path + ":" + layer;
}

std::string choose_layer(const std::string& path, const std::string& requested) {
    return choose_layer(list_layers(path), path, requested);
}

std::string choose_layer(const std::vector<LayerInfo>& layers, const std::string& path, const std::string& requested) {
    if (!requested.empty()) {
        for (const LayerInfo& info : layers)
            // "x.weight" names layer x in every format (HDF5 groups are named without it).
            if (info.name == requested || "/" + info.name == requested || info.name + ".weight" == requested ||
                "/" + info.name + ".weight" == requested) {
                if (!info.problem.empty()) throw InputError(path + ": " + info.problem);
                return info.name;
            }
        // Not listed: let read_layer say precisely why (no group, no weight, ...).
        return requested;
    }
    std::vector<const LayerInfo*> usable;
    for (const LayerInfo& info : layers)
        if (info.problem.empty()) usable.push_back(&info);
    if (usable.empty()) {
        if (!layers.empty()) throw InputError(path + ": " + layers.front().problem);
        throw InputError(path + ": no layer found (the file holds no 2-D weight)");
    }
    if (usable.size() == 1) return usable.front()->name;
    std::string names;
    for (size_t k = 0; k < usable.size() && k < 8; ++k) names += (k ? ", " : "") + usable[k]->name;
    if (usable.size() > 8) names += ", ...";
    throw ParameterError(path + " holds " + std::to_string(usable.size()) + " layers; choose one with --layer (" + names + ")");
}

LoadedLayer load_layer(const LayerSource& source, Progress& progress, const std::vector<LayerInfo>* listed) {
    // A cancelled job reads nothing: a sweep cancelled with 30 layers to go had each of them read
    // (two HDF5 probes in a child process, then the weight) before its statistics saw the cancel.
    progress.check();
    LoadedLayer loaded;
    if (source.demo) {
        DemoLayer demo = make_demo_layer(source.demo_spec);
        loaded.layer = std::move(demo.layer);
        MatrixInputSource inputs(std::move(demo.X), "built-in demo inputs");
        loaded.stats = accumulate_statistics(inputs, progress);
        loaded.source = source.describe();
        return loaded;
    }
    // The format is found once; a separate inputs file may be in another format.
    const LayerFormat& format = detect_format(source.path);
    const std::string name = choose_layer(listed ? *listed : format.list_layers(source.path), source.path, source.layer);
    loaded.layer = format.read_layer(source.path, name, source.limits);
    // The inputs belong to the layer as its format names it ("x.weight" asked for is layer "x").
    const std::string& resolved = loaded.layer.name;
    const auto inputs = source.inputs_path.empty() ? format.open_own_inputs(source.path, name, loaded.layer.d_in())
                                                   : open_inputs(source.inputs_path, resolved, loaded.layer.d_in());
    loaded.stats = accumulate_statistics(*inputs, progress);
    loaded.source = source.path + ":" + loaded.layer.name;
    return loaded;
}

}  // namespace layerlens
