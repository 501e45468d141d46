#include "demo_model_file.h"

#include "errors.h"
#include "io/hdf5_writer.h"

namespace layerlens {

void write_demo_model(const std::string& path, int layers, const DemoSpec& spec, bool overwrite) {
    if (layers < 1 || layers > 1024) throw ParameterError("--layers must be in [1, 1024], got " + std::to_string(layers));
    constexpr int kOutlierChannels[] = {2, 6, 12, 24};
    std::vector<DemoLayer> demos;
    demos.reserve(static_cast<std::size_t>(layers));
    for (int k = 0; k < layers; ++k) {
        DemoSpec layer_spec = spec;
        layer_spec.seed = spec.seed + static_cast<std::uint64_t>(k);
        layer_spec.outlier_channels = kOutlierChannels[k % 4];
        demos.push_back(make_demo_layer(layer_spec));
        demos.back().layer.name = "layers." + std::to_string(k) + ".demo";
    }
    std::vector<LayerToWrite> entries;
    for (const DemoLayer& demo : demos) {
        LayerToWrite entry;
        entry.name = demo.layer.name;
        entry.weight = &demo.layer.W;
        entry.inputs = &demo.X;
        entry.attributes = {{"layer", demo.layer.name}, {"outlier_channels", std::to_string(demo.outlier_channels.size())}};
        entries.push_back(entry);
    }
    write_layers(path, entries, overwrite, {{"model", "LayerLens demo model"}});
}

}  // namespace layerlens
