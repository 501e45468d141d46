#pragma once
// HDF5 as a layer format: every group holding a 2-D dataset `weight` is a layer (hdf5_reader.h).
#include "layer_format.h"

namespace layerlens {

class Hdf5Format : public LayerFormat {
public:
    std::string name() const override { return "HDF5"; }
    std::vector<std::string> extensions() const override { return {"h5", "hdf5", "hdf"}; }
    bool recognizes(const FileHead& head) const override;
    std::vector<LayerInfo> list_layers(const std::string& path) const override;
    Layer read_layer(const std::string& path, const std::string& name, const ReadLimits& limits) const override;
    std::unique_ptr<InputSource> open_inputs(const std::string& path, const std::string& name,
                                             Eigen::Index expected_width) const override;
};

}  // namespace layerlens
