#include "tensor_table_format.h"

#include "../errors.h"
#include "layer_names.h"

namespace layerlens {

namespace {

const TableEntry* lookup(const TensorTable& table, const std::string& tensor) {
    for (const TableEntry& entry : table.entries)
        if (entry.view.name == tensor) return &entry;
    return nullptr;
}

// The layer a tensor is: its name without ".weight", unless "a" and "a.weight" are both in the
// file, where the full name keeps each reachable.
std::string layer_name(const TensorTable& table, const TableEntry& entry) {
    const std::string name = layer_name_of_tensor(entry.view.name);
    return name != entry.view.name && lookup(table, name) ? entry.view.name : name;
}

}  // namespace

const TableEntry& TensorTableFormat::find_entry(const TensorTable& table, const std::string& path, const std::string& name) {
    if (const TableEntry* exact = lookup(table, name)) return *exact;
    if (const TableEntry* weight = lookup(table, name + ".weight")) return *weight;
    std::string examples;
    int shown = 0;
    for (const TableEntry& entry : table.entries)
        if (entry.view.shape.size() == 2 && entry.layer_candidate && shown++ < 4)
            examples += (examples.empty() ? "" : ", ") + layer_name_of_tensor(entry.view.name);
    throw InputError(path + ": no tensor '" + name + "' (nor '" + name + ".weight') in the file" +
                     (examples.empty() ? std::string() : "; its layers include " + examples));
}

std::vector<LayerInfo> TensorTableFormat::list_layers(const std::string& path) const { return list_table(load_table(path)); }

std::vector<LayerInfo> TensorTableFormat::list_table(const TensorTable& table) {
    std::vector<LayerInfo> layers;
    for (const TableEntry& entry : table.entries) {
        const TensorView& view = entry.view;
        if (view.shape.size() != 2 || !entry.layer_candidate) continue;
        LayerInfo info;
        info.name = layer_name(table, entry);
        info.d_out = static_cast<Eigen::Index>(view.shape[0]);
        info.d_in = static_cast<Eigen::Index>(view.shape[1]);
        info.weight_dtype = entry.problem.empty() ? element_type_name(view.type) : "unsupported";
        info.has_bias = lookup(table, info.name + ".bias") != nullptr;
        info.problem = entry.problem;
        if (const std::string bad = layer_name_problem(info.name); info.problem.empty() && !bad.empty())
            info.problem = "tensor '" + printable_name(view.name) + "' " + bad;
        if (info.problem.empty() && (view.shape[0] == 0 || view.shape[1] == 0))
            info.problem = "tensor '" + view.name + "' has zero size " + view.shape_text();
        layers.push_back(std::move(info));
    }
    return layers;
}

Layer TensorTableFormat::read_layer(const std::string& path, const std::string& name, const ReadLimits& limits) const {
    const TensorTable table = load_table(path);
    const TableEntry& entry = find_entry(table, path, name);
    if (!entry.problem.empty()) throw InputError(path + ": " + entry.problem);
    Layer layer;
    layer.name = layer_name(table, entry);
    if (const std::string bad = layer_name_problem(layer.name); !bad.empty())
        throw InputError(path + ": tensor '" + printable_name(entry.view.name) + "' " + bad);
    layer.W = read_weight(entry.view, limits);
    if (const TableEntry* bias = lookup(table, layer.name + ".bias")) {
        if (!bias->problem.empty()) throw InputError(path + ": " + bias->problem);
        layer.bias = read_vector(bias->view, layer.W.rows());
    }
    layer.attributes = table.attributes;
    layer.attributes.emplace_back("tensor", entry.view.name);
    return layer;
}

std::unique_ptr<InputSource> TensorTableFormat::open_inputs(const std::string& path, const std::string& name, Eigen::Index) const {
    throw InputError(path + ": a " + this->name() + " file holds weights, not the activations that enter '" + name +
                     "': give the layer's inputs as a separate file (--inputs, or File › Open with separate inputs…): "
                     "an HDF5 file from scripts/capture.py, or a .npy of shape [n_tokens, d_in] or [batch, seq, d_in]");
}

}  // namespace layerlens
