#pragma once
// The HDF5 layer format of DESIGN.md (registered in layer_formats.cpp): every group holding a dataset named `weight` is a
// layer; `inputs` ([n, d_in] or [batch, seq, d_in]) may sit beside it or in a second file.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "../input_source.h"
#include "../layer.h"
#include "layer_format.h"

namespace layerlens {

// Every group with a `weight` dataset, in file order. Throws InputError for unreadable files.
std::vector<LayerInfo> hdf5_list_layers(const std::string& path);

// The weight (converted to float32), bias and string attributes of one layer.
Layer hdf5_read_layer(const std::string& path, const std::string& name, const ReadLimits& limits);

// The layer's inputs as a stream of row chunks. Throws InputError when the group has none or
// their shape does not fit (`expected_width` = the weight's d_in; 0 skips the check).
std::unique_ptr<InputSource> hdf5_open_inputs(const std::string& path, const std::string& name,
                                              Eigen::Index expected_width);

}  // namespace layerlens
