// The registry of layer formats and detection by content. Adding a format: one file with its
// LayerFormat, and one line in layer_formats() below.
#include <filesystem>
#include <fstream>

#include "../errors.h"
#include "hdf5_format.h"
#include "layer_format.h"
#include "llama2c_format.h"
#include "npy_format.h"
#include "safetensors_format.h"

namespace layerlens {

const std::vector<const LayerFormat*>& layer_formats() {
    // Formats with magic bytes first; llama2.c checkpoints have none and are recognised by a
    // plausible header whose sizes add up, so they are tried last.
    static const Hdf5Format hdf5;
    static const SafetensorsFormat safetensors;
    static const NpyFormat npy;
    static const Llama2cFormat llama2c;
    static const std::vector<const LayerFormat*> formats = {&hdf5, &safetensors, &npy, &llama2c};
    return formats;
}

std::string layer_format_names() {
    std::string names;
    for (const LayerFormat* f : layer_formats()) names += (names.empty() ? "" : ", ") + f->name();
    return names;
}

FileHead read_file_head(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) throw InputError(path + ": no such file");
    if (fs::is_directory(path, ec)) throw InputError(path + ": is a directory, not a layer file");
    // A FIFO or a device would block or never end: only regular files are layer files.
    if (!fs::is_regular_file(path, ec)) throw InputError(path + ": is not a regular file (a pipe or a device?)");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot be opened for reading (permissions?)");
    std::string head(kSniffBytes, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    if (head.empty()) throw InputError(path + ": the file is empty (0 bytes)");
    return FileHead{std::move(head), static_cast<std::uint64_t>(fs::file_size(path, ec))};
}

const LayerFormat& detect_format(const std::string& path) {
    const FileHead head = read_file_head(path);
    for (const LayerFormat* f : layer_formats())
        if (f->recognizes(head)) return *f;
    throw InputError(path + ": not a file LayerLens can read: its first bytes carry the signature of none of its formats (" +
                     layer_format_names() + ")");
}

std::vector<LayerInfo> list_layers(const std::string& path) { return detect_format(path).list_layers(path); }

Layer read_layer(const std::string& path, const std::string& name, const ReadLimits& limits) {
    return detect_format(path).read_layer(path, name, limits);
}

std::unique_ptr<InputSource> open_inputs(const std::string& path, const std::string& name, Eigen::Index expected_width) {
    return detect_format(path).open_inputs(path, name, expected_width);
}

}  // namespace layerlens
