#pragma once
// The part that safetensors, .npy and llama2.c share: a file is a table of named tensors lying
// at byte offsets; every 2-D one is a candidate layer, named without its ".weight", with
// "<name>.bias" as its bias. A format only says how to build the table from its header.
#include <string>
#include <vector>

#include "layer_format.h"
#include "tensor_view.h"

namespace layerlens {

struct TableEntry {
    TensorView view;
    std::string problem;         // why the tensor cannot be read at all ("dtype I64 ..."), or ""
    bool layer_candidate = true; // false for 2-D tensors that are not linear layers (an embedding)
};

struct TensorTable {
    std::vector<TableEntry> entries;   // in the order the layer browser lists them
    std::vector<std::pair<std::string, std::string>> attributes;   // file-level ("format", metadata)
};

class TensorTableFormat : public LayerFormat {
public:
    std::vector<LayerInfo> list_layers(const std::string& path) const override;
    Layer read_layer(const std::string& path, const std::string& name, const ReadLimits& limits) const override;
    // These files hold weights only: an InputError that says to give the inputs separately.
    std::unique_ptr<InputSource> open_inputs(const std::string& path, const std::string& name,
                                             Eigen::Index expected_width) const override;

protected:
    // The candidate layers of a table already loaded.
    static std::vector<LayerInfo> list_table(const TensorTable& table);
    // Parses and checks the header: every view's extent lies inside its file. InputError otherwise.
    virtual TensorTable load_table(const std::string& path) const = 0;
    // The entry a layer name refers to (the tensor's name, with or without ".weight").
    static const TableEntry& find_entry(const TensorTable& table, const std::string& path, const std::string& name);
};

}  // namespace layerlens
