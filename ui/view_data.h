#pragma once
// What the views draw, computed in the worker (never on the GUI thread): the layer's per-channel
// statistics and, per method, three max pyramids and what the method protected per channel.
#include <memory>
#include <string>
#include <vector>

#include "heatmap_pyramid.h"
#include "layer_source.h"
#include "method.h"

namespace layerlens::ui {

// Per-channel picture of one layer, shared by every column.
struct LayerViewData {
    std::shared_ptr<const LoadedLayer> loaded;
    std::vector<double> channelWeight;         // mean_i |W_ij|
    std::vector<double> channelContribution;   // mean_i |W_ij| · a_j
    std::vector<int> busiestChannels;          // top 1% (at least 1) by a_j, busiest first
    std::string error;                         // set instead of the rest when loading failed
    Eigen::Index dOut() const { return loaded->layer.d_out(); }
    Eigen::Index dIn() const { return loaded->layer.d_in(); }
};

// One way of saying, per input channel, how much a method protected it.
struct ChannelProtection {
    std::string label;               // "AWQ scale s_j", "kept fraction per channel", ...
    std::string shortLabel;          // the same in a word or two, for a column's chooser ("kept")
    std::vector<double> values;      // d_in values
    double lo = 0.0, hi = 1.0;       // range for colouring
    std::vector<char> marked;        // d_in flags: the channels singled out (protected, top kept)
    std::string summary;             // "10 of 1024 channels protected"
    bool higherIsProtected = true;   // false for "error per channel"
};

struct MethodViewData {
    std::shared_ptr<const LoadedLayer> loaded;
    std::shared_ptr<const MethodResult> result;
    MaxPyramid salience;   // |Ŵ_ij| · a_j: what traffic still meets after compression
    MaxPyramid wanda;      // |Ŵ_ij| · ‖X_j‖
    MaxPyramid error;      // |W_ij − Ŵ_ij| · ‖X_j‖
    std::vector<ChannelProtection> protections;   // first = the most telling one
    bool isKept(Eigen::Index i, Eigen::Index j) const;
};

LayerViewData buildLayerViewData(std::shared_ptr<const LoadedLayer> loaded);
// Reads only the generic fields of MethodResult, so a new method needs nothing here.
MethodViewData buildMethodViewData(std::shared_ptr<const LoadedLayer> loaded,
                                   std::shared_ptr<const MethodResult> result, Progress& progress);

}  // namespace layerlens::ui
