#pragma once
// A synthetic model file for model-level work at LLM sizes (sweep-model benchmarks, the GUI's
// layer map): `layers` demo layers (demo_layer.h) with their inputs in one HDF5 file, named
// "layers.K.demo". Each layer has its own seed and a different number of outlier channels
// (cycling 2, 6, 12, 24), so that the layers differ in how much activation awareness matters.
#include <string>

#include "demo_layer.h"

namespace layerlens {

// Throws ParameterError for fewer than 1 layer or more than 1024, or when `path` exists and
// !overwrite; InputError when it cannot be written.
void write_demo_model(const std::string& path, int layers, const DemoSpec& spec, bool overwrite);

}  // namespace layerlens
