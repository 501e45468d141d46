#include "result_export.h"

#include <sstream>

#include "hdf5_writer.h"

namespace layerlens {

void export_result(const std::string& path, const Layer& layer, const MethodResult& result, bool overwrite) {
    LayerToWrite out;
    out.name = layer.name == "/" ? std::string("layer") : layer.name;
    out.weight = &result.W_hat;
    if (layer.bias.size() > 0) out.bias = &layer.bias;
    if (result.kept_mask.size() > 0) out.masks.emplace_back("kept_mask", &result.kept_mask);
    if (result.channel_scales.size() > 0) out.vectors.emplace_back("channel_scales", &result.channel_scales);
    if (result.B.size() > 0) {
        out.matrices.emplace_back("lowrank_B", &result.B);
        out.matrices.emplace_back("lowrank_A", &result.A);
    }
    std::ostringstream error;
    error.precision(17);
    error << result.relative_output_error;
    out.attributes = layer.attributes;
    // Appended last: where the layer's own attributes hold them too (an export exported again),
    // write_layers keeps the last value of a key.
    out.attributes.emplace_back("layerlens_method", result.method);
    out.attributes.emplace_back("layerlens_relative_output_error", error.str());
    write_layers(path, {out}, overwrite, {{"source", "LayerLens export of " + layer.name}});
}

}  // namespace layerlens
