#pragma once
// Where a layer comes from (a file and group, an optional separate inputs file, or the
// built-in demo) and the one function that loads it and its calibration statistics, shared
// by the CLI and the GUI's loader.
#include <memory>
#include <string>

#include "calibration_stats.h"
#include "demo_layer.h"
#include "io/layer_format.h"

namespace layerlens {

class Progress;

struct LayerSource {
    bool demo = false;
    DemoSpec demo_spec;
    std::string path;          // HDF5 file with the weight
    std::string layer;         // group path; empty = the file's only/first usable layer
    std::string inputs_path;   // separate inputs file; empty = inputs beside the weight
    ReadLimits limits;
    std::string describe() const;
};

struct LoadedLayer {
    Layer layer;
    CalibrationStats stats;
    std::string source;        // "file.h5:layers.0.wq" or "built-in demo 1024x1024"
};

// Reads the weight, streams the inputs into statistics. Throws InputError / ParameterError.
// `listed`, if given, is the file's listing (or the named layer's entry of it) the caller already
// made: a sweep of every layer then does not walk the whole file again for each one.
LoadedLayer load_layer(const LayerSource& source, Progress& progress, const std::vector<LayerInfo>* listed = nullptr);

// Resolves an empty layer name: the only usable layer, else an error listing the choices.
std::string choose_layer(const std::string& path, const std::string& requested);
// The same from a listing already made (`path` only names the file in messages).
std::string choose_layer(const std::vector<LayerInfo>& layers, const std::string& path, const std::string& requested);

}  // namespace layerlens
