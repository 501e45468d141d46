#pragma once
// Layer sources behind one interface: a format lists the layers of a file, reads one layer's
// weight and opens its inputs as a stream. Formats are found by content (their magic bytes),
// never by extension; each registers itself with one line in layer_formats.cpp, and `info`,
// `run`, the GUI's Open dialog, layer browser and drag and drop all ask the registry.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../input_source.h"
#include "../layer.h"

namespace layerlens {

struct LayerInfo {
    std::string name;             // the layer's name in its file ("layers.0.attention.wq")
    Eigen::Index d_out = 0, d_in = 0;
    std::string weight_dtype;     // "float16", "float32", "float64", or what it wrongly is
    bool has_inputs = false;
    Eigen::Index n_tokens = 0;    // product of all but the last inputs dimension
    std::string inputs_shape;     // "[4096, 64]"
    bool has_bias = false;
    std::string problem;          // non-empty when the entry cannot be used as a layer, and why
};

struct ReadLimits {
    // Refuse a weight whose float32 copy would exceed this, before allocating it.
    std::size_t max_weight_bytes = std::size_t{8} << 30;
};

// What detection sees of a file: its first kSniffBytes bytes (fewer if the file is shorter)
// and its size.
struct FileHead {
    std::string bytes;
    std::uint64_t size = 0;
};

class LayerFormat {
public:
    virtual ~LayerFormat() = default;
    virtual std::string name() const = 0;                     // "HDF5"
    // Usual file name endings, for the Open dialog's filter only: detection never uses them.
    virtual std::vector<std::string> extensions() const = 0;  // {"h5", "hdf5"}
    // True when the file's first bytes carry this format's signature (formats without magic
    // bytes, such as llama2.c checkpoints, also check the header against the file's size).
    virtual bool recognizes(const FileHead& head) const = 0;
    // Every candidate layer, in file order. Throws InputError for unreadable files.
    virtual std::vector<LayerInfo> list_layers(const std::string& path) const = 0;
    // The weight (as float32), bias and attributes of one layer.
    virtual Layer read_layer(const std::string& path, const std::string& name, const ReadLimits& limits) const = 0;
    // The layer's inputs as a stream of row chunks; InputError when the file holds none for it or
    // their width is not `expected_width` (0 skips that check).
    virtual std::unique_ptr<InputSource> open_inputs(const std::string& path, const std::string& name,
                                                     Eigen::Index expected_width) const = 0;
    // The inputs stored beside the layer's weight in the same file (no --inputs given). The same
    // as open_inputs unless a file of the format is either a weight or inputs, never both (.npy).
    virtual std::unique_ptr<InputSource> open_own_inputs(const std::string& path, const std::string& name,
                                                         Eigen::Index expected_width) const {
        return open_inputs(path, name, expected_width);
    }
};

constexpr std::size_t kSniffBytes = 4096;
// The file's head, after checking it is a non-empty regular file (InputError naming it otherwise).
FileHead read_file_head(const std::string& path);

// Every registered format, in the order the Open dialog lists them.
const std::vector<const LayerFormat*>& layer_formats();
// "HDF5, safetensors, NumPy, llama2.c": the registered formats' names, for help and messages.
std::string layer_format_names();
// The format whose signature the file carries; InputError naming the file otherwise (missing,
// a directory, empty, unreadable, or no known signature).
const LayerFormat& detect_format(const std::string& path);

// The same three operations on whatever format the file is in.
std::vector<LayerInfo> list_layers(const std::string& path);
Layer read_layer(const std::string& path, const std::string& name, const ReadLimits& limits = {});
std::unique_ptr<InputSource> open_inputs(const std::string& path, const std::string& name, Eigen::Index expected_width);

}  // namespace layerlens
