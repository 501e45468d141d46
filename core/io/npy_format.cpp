#include "npy_format.h"

#include <filesystem>
#include <map>

#include "../errors.h"
#include "npy_header.h"

namespace layerlens {

namespace {

struct NpyDtype {
    ElementType type;
    bool big_endian;
};

NpyDtype parse_descr(const std::string& path, const NpyHeader& header) {
    if (!header.descr_is_string)
        throw InputError(path + ": the .npy array has a structured dtype " + header.descr +
                         "; LayerLens reads plain float16, float32 or float64 arrays");
    const std::string& d = header.descr;
    if (d.find('O') != std::string::npos)
        throw InputError(path + ": the .npy array has object dtype '" + d +
                         "' (pickled Python objects); LayerLens never unpickles: save a float array");
    // '|' (byte order not applicable) is what numpy reads as native for any size: little-endian here.
    if (d.size() >= 3 && (d[0] == '<' || d[0] == '>' || d[0] == '=' || d[0] == '|') && d[1] == 'f') {
        const std::string size = d.substr(2);
        const bool big = d[0] == '>';
        if (size == "2") return {ElementType::Float16, big};
        if (size == "4") return {ElementType::Float32, big};
        if (size == "8") return {ElementType::Float64, big};
    }
    static const std::map<char, std::string> kinds = {{'i', "integer"}, {'u', "unsigned integer"}, {'b', "boolean"},
                                                      {'c', "complex"}, {'S', "byte string"},      {'U', "unicode string"},
                                                      {'V', "raw void"},  {'M', "datetime"},        {'m', "timedelta"},
                                                      {'f', "float of an unsupported size"}};
    const std::size_t at = d.find_first_not_of("<>=|");
    const auto kind = at == std::string::npos ? kinds.end() : kinds.find(d[at]);
    throw InputError(path + ": the .npy array has dtype '" + d + "'" + (kind != kinds.end() ? " (" + kind->second + ")" : std::string()) +
                     "; LayerLens reads float16, float32 or float64");
}

std::string stem_of(const std::string& path) { return std::filesystem::path(path).stem().string(); }

}  // namespace

bool NpyFormat::recognizes(const FileHead& head) const { return has_npy_magic(head.bytes); }

TensorView read_npy_array(const std::string& path) {
    auto file = std::make_shared<const MappedFile>(path);
    const NpyHeader header = read_npy_header(*file);
    const NpyDtype dtype = parse_descr(path, header);
    TensorView view;
    view.file = file;
    view.name = stem_of(path);
    view.type = dtype.type;
    view.big_endian = dtype.big_endian;
    view.fortran_order = header.fortran_order;
    view.shape = header.shape;
    view.offset = header.data_offset;
    check_npy_data_size(*file, header, element_size(view.type), element_type_name(view.type));
    view.check_extent();
    return view;
}

namespace {

TensorTable table_of(TensorView view) {
    TensorTable table;
    table.attributes.emplace_back("format", "NumPy .npy");
    table.entries.push_back(TableEntry{std::move(view), "", true});
    return table;
}

}  // namespace

TensorTable NpyFormat::load_table(const std::string& path) const { return table_of(read_npy_array(path)); }

std::vector<LayerInfo> NpyFormat::list_layers(const std::string& path) const {
    TensorView view = read_npy_array(path);
    if (view.shape.size() == 2) return list_table(table_of(std::move(view)));
    LayerInfo info;
    info.name = view.name;
    info.weight_dtype = element_type_name(view.type);
    info.problem = "the array is " + std::to_string(view.shape.size()) + "-D " + view.shape_text() +
                   (view.shape.size() == 3 ? ": activations [batch, seq, d_in], not a weight; give it as the inputs (--inputs) of a layer"
                                           : "; a layer weight must be 2-D [d_out, d_in]");
    return {info};
}

std::unique_ptr<InputSource> NpyFormat::open_inputs(const std::string& path, const std::string&, Eigen::Index expected_width) const {
    const TensorView view = read_npy_array(path);
    auto inputs = tensor_input_source(view);
    if (expected_width > 0 && inputs->width() != expected_width)
        throw InputError(path + ": inputs have width " + std::to_string(inputs->width()) + " (shape " + view.shape_text() +
                         "); the weight has d_in = " + std::to_string(expected_width));
    return inputs;
}

std::unique_ptr<InputSource> NpyFormat::open_own_inputs(const std::string& path, const std::string&, Eigen::Index) const {
    throw InputError(path + ": a .npy holds one array, here the weight, and no inputs: give the layer's inputs with "
                            "--inputs X.npy (or an HDF5 file holding them)");
}

}  // namespace layerlens
