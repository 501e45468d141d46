#include "hdf5_reader.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

#include "../errors.h"
#include "../progress.h"
#include "hdf5_handle.h"
#include "hdf5_lock.h"
#include "hdf5_probe.h"
#include "float64_range.h"
#include "hdf5_storage_check.h"
#include "layer_names.h"
#include "row_major_copy.h"
#include "tensor_view.h"

namespace layerlens {

namespace {

using hdf5::Handle;

std::string normalise_group(const std::string& name) {
    std::string n = name;
    while (!n.empty() && n.front() == '/') n.erase(n.begin());
    while (!n.empty() && n.back() == '/') n.pop_back();
    return n;
}

std::string object_path(const std::string& group, const std::string& leaf) {
    return group.empty() ? "/" + leaf : "/" + group + "/" + leaf;
}

std::string display_name(const std::string& group) { return group.empty() ? "/" : group; }

// A layer is read from the file itself. An external link would open another file (whatever path
// it names, outside the probe of hdf5_probe.h), so every open and lookup here goes through this
// link-access list, which refuses to traverse one, and external_link_on() names it for the message.
herr_t refuse_external_link(const char*, const char*, const char*, const char*, unsigned*, hid_t, void*) { return -1; }

hid_t without_external_links() {
    static const hid_t lapl = [] {
        const hid_t list = H5Pcreate(H5P_DATASET_ACCESS);   // a link-access list too (its parent class)
        H5Pset_elink_cb(list, refuse_external_link, nullptr);
        return list;
    }();
    return lapl;
}

// "/a/b/weight" -> "/a", "/a/b", "/a/b/weight": H5Lexists needs every intermediate link to
// exist, so a path is checked one component at a time.
std::vector<std::string> path_prefixes(const std::string& path) {
    std::vector<std::string> prefixes;
    std::string partial;
    std::stringstream parts(path);
    std::string part;
    while (std::getline(parts, part, '/')) {
        if (part.empty()) continue;
        partial += "/" + part;
        prefixes.push_back(partial);
    }
    return prefixes;
}

// The first part of path ("/a", "/a/weight") that is an external link, or "".
std::string external_link_on(hid_t file, const std::string& path) {
    for (const std::string& partial : path_prefixes(path)) {
        H5L_info_t info{};
        if (H5Lexists(file, partial.c_str(), without_external_links()) <= 0 ||
            H5Lget_info(file, partial.c_str(), &info, without_external_links()) < 0)
            return "";
        if (info.type == H5L_TYPE_EXTERNAL) return partial;
    }
    return "";
}

std::string external_link_problem(const std::string& what, const std::string& link) {
    return what + " lies behind an external link (" + link +
           ", to another file); LayerLens reads only what the file itself holds (copy the data in, e.g. with h5copy)";
}

bool link_exists(hid_t file, const std::string& path) {
    for (const std::string& partial : path_prefixes(path))
        if (H5Lexists(file, partial.c_str(), without_external_links()) <= 0) return false;
    return true;
}

std::string shape_text(const std::vector<hsize_t>& dims) {
    std::string s = "[";
    for (size_t k = 0; k < dims.size(); ++k) s += (k ? ", " : "") + std::to_string(dims[k]);
    return s + "]";
}

struct DatasetShape {
    std::vector<hsize_t> dims;
    H5T_class_t type_class = H5T_NO_CLASS;
    size_t type_size = 0;
    std::string dtype;
    std::string storage_problem;   // see hdf5_storage_check.h
};

std::string dtype_name(H5T_class_t type_class, size_t size) {
    switch (type_class) {
    case H5T_FLOAT: return "float" + std::to_string(8 * size);
    case H5T_INTEGER: return "integer (" + std::to_string(8 * size) + "-bit)";
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    default: return "non-numeric";
    }
}

DatasetShape describe(hid_t dataset) {
    DatasetShape shape;
    Handle space(H5Dget_space(dataset), H5Sclose);
    Handle type(H5Dget_type(dataset), H5Tclose);
    if (!space.valid() || !type.valid()) return shape;
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank > 0) {
        shape.dims.resize(static_cast<size_t>(rank));
        H5Sget_simple_extent_dims(space.get(), shape.dims.data(), nullptr);
    }
    shape.type_class = H5Tget_class(type.get());
    shape.type_size = H5Tget_size(type.get());
    shape.dtype = dtype_name(shape.type_class, shape.type_size);
    shape.storage_problem = hdf5_storage_problem(dataset, shape.dims, shape.type_size);
    return shape;
}

bool is_supported_float(const DatasetShape& s) {
    return s.type_class == H5T_FLOAT && (s.type_size == 2 || s.type_size == 4 || s.type_size == 8);
}

bool is_float64(const DatasetShape& s) { return s.type_class == H5T_FLOAT && s.type_size == 8; }

// The selection as float32 into out (count values). A float64 dataset is read as float64 and
// scanned against float32's range before rounding (float64_range.h): HDF5's own conversion
// turns 1e150 into Inf and 1e-50 into 0 without a word. Empty when HDF5 cannot read it.
std::optional<Float64Scan> read_floats(hid_t dataset, hid_t mem_space, hid_t file_space, bool float64,
                                       std::size_t count, float* out) {
    if (!float64) {
        if (H5Dread(dataset, H5T_NATIVE_FLOAT, mem_space, file_space, H5P_DEFAULT, out) < 0) return std::nullopt;
        return Float64Scan{};
    }
    std::vector<double> values(count);
    if (H5Dread(dataset, H5T_NATIVE_DOUBLE, mem_space, file_space, H5P_DEFAULT, values.data()) < 0) return std::nullopt;
    const Float64Scan scan = scan_float64(values.data(), count);
    if (!scan.first_beyond)   // in range: the rounding is float32's own
        for (std::size_t k = 0; k < count; ++k) out[k] = static_cast<float>(values[k]);
    return scan;
}

// InputError for a float64 value beyond float32's range the scan found in a row-major read of
// `width` columns starting at row first_row, named as `row_word` i, `column_word` j.
void check_row_major_scan(const Float64Scan& scan, const std::string& where, Eigen::Index width, const char* row_word,
                          const char* column_word, Eigen::Index first_row = 0) {
    if (!scan.first_beyond) return;
    const auto k = static_cast<Eigen::Index>(*scan.first_beyond);
    throw_beyond_float32(where, scan.beyond_value, std::string(row_word) + " " + std::to_string(first_row + k / width) + ", " +
                                                       column_word + " " + std::to_string(k % width));
}

Handle open_dataset(hid_t file, const std::string& path) {
    return Handle(H5Dopen2(file, path.c_str(), without_external_links()), H5Dclose);
}

// Why a `weight` dataset cannot serve as a layer weight, or "" when it can.
std::string weight_problem(const std::string& group, const DatasetShape& s) {
    const std::string where = "weight of " + display_name(group);
    if (s.dims.size() != 2)
        return where + " is " + std::to_string(s.dims.size()) + "-D " + shape_text(s.dims) +
               "; a layer weight must be 2-D [d_out, d_in]";
    if (!is_supported_float(s)) return where + " has dtype " + s.dtype + "; expected float16, float32 or float64";
    if (s.dims[0] == 0 || s.dims[1] == 0) return where + " has zero size " + shape_text(s.dims);
    if (!s.storage_problem.empty()) return where + " " + shape_text(s.dims) + " " + s.storage_problem;
    return "";
}

std::string inputs_problem(const std::string& group, const DatasetShape& s) {
    const std::string where = "inputs of " + display_name(group);
    if (s.dims.size() != 2 && s.dims.size() != 3)
        return where + " are " + std::to_string(s.dims.size()) + "-D " + shape_text(s.dims) +
               "; expected [n_tokens, d_in] or [batch, seq, d_in]";
    if (!is_supported_float(s)) return where + " have dtype " + s.dtype + "; expected float16, float32 or float64";
    if (!s.storage_problem.empty()) return where + " " + shape_text(s.dims) + " " + s.storage_problem;
    return "";
}

struct VisitState {
    hid_t file;
    std::vector<LayerInfo> layers;
};

herr_t visit_link(hid_t, const char* name, const H5L_info_t* info, void* data) {
    auto* state = static_cast<VisitState*>(data);
    const std::string path(name);
    const auto slash = path.rfind('/');
    const std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
    if (leaf != "weight") return 0;
    const std::string group = slash == std::string::npos ? "" : path.substr(0, slash);
    if (info->type == H5L_TYPE_EXTERNAL) {   // listed, as `run` would name it, with why it is not read
        LayerInfo layer;
        layer.name = display_name(group);
        layer.problem = external_link_problem("weight of " + layer.name, "/" + path);
        state->layers.push_back(std::move(layer));
        return 0;
    }
    if (info->type != H5L_TYPE_HARD && info->type != H5L_TYPE_SOFT) return 0;
    Handle dataset = open_dataset(state->file, "/" + path);
    if (!dataset.valid()) return 0;   // a group named "weight", not a dataset
    LayerInfo layer;
    layer.name = display_name(group);
    const DatasetShape w = describe(dataset.get());
    layer.weight_dtype = w.dtype;
    layer.problem = weight_problem(group, w);
    if (const std::string bad = layer_name_problem(layer.name); layer.problem.empty() && !bad.empty())
        layer.problem = "group '" + printable_name(layer.name) + "' " + bad;
    if (w.dims.size() == 2) {
        layer.d_out = static_cast<Eigen::Index>(w.dims[0]);
        layer.d_in = static_cast<Eigen::Index>(w.dims[1]);
    }
    const std::string inputs_path = object_path(group, "inputs");
    for (const char* part : {"inputs", "bias"})
        if (const std::string link = external_link_on(state->file, object_path(group, part)); !link.empty() && layer.problem.empty())
            layer.problem = external_link_problem(std::string(part) + " of " + layer.name, link);
    if (link_exists(state->file, inputs_path)) {
        Handle inputs = open_dataset(state->file, inputs_path);
        if (inputs.valid()) {
            const DatasetShape x = describe(inputs.get());
            layer.has_inputs = true;
            layer.inputs_shape = shape_text(x.dims);
            layer.n_tokens = 1;
            for (size_t k = 0; k + 1 < x.dims.size(); ++k) layer.n_tokens *= static_cast<Eigen::Index>(x.dims[k]);
            if (layer.problem.empty()) layer.problem = inputs_problem(group, x);
            if (layer.problem.empty() && !x.dims.empty() && static_cast<Eigen::Index>(x.dims.back()) != layer.d_in)
                layer.problem = "inputs of " + layer.name + " have width " + std::to_string(x.dims.back()) +
                                "; weight has d_in = " + std::to_string(layer.d_in);
        }
    }
    layer.has_bias = link_exists(state->file, object_path(group, "bias"));
    state->layers.push_back(std::move(layer));
    return 0;
}

// What a layer shows of its group's attributes: the first Layer::kMaxAttributes string ones (a
// group may hold any number, and opening the k-th by index is itself a walk of the index: 20,000
// took over 30 s), each at most kMaxAttributeBytes (a fixed-length string may declare any size).
constexpr std::size_t kMaxAttributes = Layer::kMaxAttributes;
constexpr std::size_t kMaxAttributeBytes = std::size_t{1} << 20;

herr_t collect_attribute_name(hid_t, const char* name, const H5A_info_t*, void* data) {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
}

// The attribute's value when it is one string, else nothing.
std::optional<std::string> string_attribute(hid_t object, const std::string& name) {
    Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
    if (!attr.valid()) return std::nullopt;
    Handle type(H5Aget_type(attr.get()), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_STRING) return std::nullopt;
    Handle space(H5Aget_space(attr.get()), H5Sclose);
    if (H5Sget_simple_extent_npoints(space.get()) != 1) return std::nullopt;
    std::string value;
    if (H5Tis_variable_str(type.get()) > 0) {
        Handle memtype(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(memtype.get(), H5T_VARIABLE);
        H5Tset_cset(memtype.get(), H5Tget_cset(type.get()));
        char* text = nullptr;
        if (H5Aread(attr.get(), memtype.get(), &text) >= 0 && text) {
            value = text;
            H5free_memory(text);
        }
    } else {
        const size_t size = H5Tget_size(type.get());
        if (size > kMaxAttributeBytes) return std::nullopt;
        std::string buffer(size, '\0');
        if (H5Aread(attr.get(), type.get(), buffer.data()) >= 0) value = buffer.c_str();
    }
    return value;
}

// In creation order where the file tracks it, else as stored: one pass over the names, then each
// of the first kMaxAttributes string ones opened by name.
std::vector<std::pair<std::string, std::string>> read_string_attributes(hid_t object) {
    unsigned order_flags = 0;
    if (H5Iget_type(object) == H5I_GROUP) {
        Handle plist(H5Gget_create_plist(object), H5Pclose);
        if (plist.valid()) H5Pget_attr_creation_order(plist.get(), &order_flags);
    }
    const bool tracked = (order_flags & H5P_CRT_ORDER_TRACKED) != 0;
    std::vector<std::string> names;
    hsize_t at = 0;
    // Untracked, the stored order: creation order while the attributes are few (compact storage),
    // hash order past that; so when some must be left out, the kept ones are the first by name.
    H5Aiterate2(object, tracked ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME, tracked ? H5_ITER_INC : H5_ITER_NATIVE, &at,
                collect_attribute_name, &names);
    if (!tracked && names.size() > kMaxAttributes) std::sort(names.begin(), names.end());
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t skipped = 0;
    for (const std::string& name : names) {
        if (out.size() >= kMaxAttributes) {
            ++skipped;
            continue;
        }
        if (auto value = string_attribute(object, name)) out.emplace_back(name, std::move(*value));
    }
    if (skipped > 0)
        out.emplace_back("attributes not shown", std::to_string(skipped) + " more beyond the first " + std::to_string(kMaxAttributes));
    return out;
}

class Hdf5InputSource : public InputSource {
public:
    Hdf5InputSource(std::string path, std::string dataset, std::vector<hsize_t> dims, bool float64, std::size_t chunk_cache)
        : path_(std::move(path)), dataset_(std::move(dataset)), dims_(std::move(dims)), float64_(float64),
          chunk_cache_(chunk_cache) {}
    Eigen::Index n_tokens() const override {
        Eigen::Index n = 1;
        for (size_t k = 0; k + 1 < dims_.size(); ++k) n *= static_cast<Eigen::Index>(dims_[k]);
        return n;
    }
    Eigen::Index width() const override { return static_cast<Eigen::Index>(dims_.back()); }
    std::string description() const override { return path_ + ":" + dataset_; }
    void for_each_chunk(Eigen::Index max_rows, const std::function<void(const MatrixF&, Eigen::Index)>& visit,
                        Progress& progress) const override;
    // Tokens [first, first + rows), row-major, into buffer; InputError naming a float64 value
    // beyond float32's range. Returns the float64 scan (nothing for float32 data).
    Float64Scan read_rows(Eigen::Index first, Eigen::Index rows, std::vector<float>& buffer) const;

private:
    struct Open;   // the file and dataset, open for one stream of reads
    Open open() const;
    Float64Scan read_rows(const Open& from, Eigen::Index first, Eigen::Index rows, std::vector<float>& buffer) const;
    std::string path_, dataset_;
    std::vector<hsize_t> dims_;
    bool float64_ = false;
    std::size_t chunk_cache_;   // bytes of chunk cache a stream of reads gets (chunk_cache_bytes)
};

// Open for a whole stream of reads, so that the dataset's chunk cache outlives one read: with the
// file reopened per read, an HDF5 chunk spanning several reads (16 MiB chunks, 4096-token reads)
// was inflated once per read, 11 times slower than h5py. Closed under the library's lock.
struct Hdf5InputSource::Open {
    Handle file, dataset;
    Open() = default;
    Open(Open&&) = default;
    ~Open() {
        std::lock_guard lock(hdf5::library_mutex());
        dataset.reset();
        file.reset();
    }
};

// The chunks one read of a band of tokens touches (every chunk across the width), twice over,
// within [1 MiB, 256 MiB]; libhdf5's default cache is 1 MiB.
constexpr std::size_t kMaxChunkCacheBytes = std::size_t{256} << 20;

std::size_t chunk_cache_bytes(hid_t dataset, const DatasetShape& shape) {
    std::size_t cache = std::size_t{1} << 20;
    Handle create(H5Dget_create_plist(dataset), H5Pclose);
    if (!create.valid() || H5Pget_layout(create.get()) != H5D_CHUNKED) return cache;
    std::vector<hsize_t> chunk(shape.dims.size());
    if (H5Pget_chunk(create.get(), static_cast<int>(chunk.size()), chunk.data()) != static_cast<int>(chunk.size()) ||
        chunk.empty() || chunk.back() == 0)
        return cache;
    double band = static_cast<double>(shape.type_size);
    for (const hsize_t c : chunk) band *= static_cast<double>(c);
    band *= std::ceil(static_cast<double>(shape.dims.back()) / static_cast<double>(chunk.back()));
    return static_cast<std::size_t>(std::clamp(2.0 * band, static_cast<double>(cache), static_cast<double>(kMaxChunkCacheBytes)));
}

Hdf5InputSource::Open Hdf5InputSource::open() const {
    std::lock_guard lock(hdf5::library_mutex());
    Open opened;
    opened.file = hdf5::open_file_read(path_);
    Handle access(H5Pcopy(without_external_links()), H5Pclose);
    H5Pset_chunk_cache(access.get(), 12421, chunk_cache_, 1.0);   // slots: a prime well above the chunks cached
    opened.dataset = Handle(H5Dopen2(opened.file.get(), dataset_.c_str(), access.get()), H5Dclose);
    if (!opened.dataset.valid()) throw InputError(description() + ": cannot open the dataset");
    return opened;
}

void Hdf5InputSource::for_each_chunk(Eigen::Index max_rows,
                                     const std::function<void(const MatrixF&, Eigen::Index)>& visit,
                                     Progress& progress) const {
    const Eigen::Index n = n_tokens(), d = width();
    std::vector<float> buffer;
    MatrixF chunk;
    double largest = 0.0;
    const Open from = open();
    for (Eigen::Index first = 0; first < n; first += max_rows) {
        progress.check();
        const Eigen::Index rows = std::min(max_rows, n - first);
        largest = std::max(largest, read_rows(from, first, rows, buffer).largest);
        copy_row_major(buffer.data(), rows, d, chunk);
        visit(chunk, first);
    }
    check_not_below_float32(description(), largest);
}

Float64Scan Hdf5InputSource::read_rows(Eigen::Index first, Eigen::Index rows, std::vector<float>& buffer) const {
    return read_rows(open(), first, rows, buffer);
}

Float64Scan Hdf5InputSource::read_rows(const Open& from, Eigen::Index first, Eigen::Index rows, std::vector<float>& buffer) const {
    const Eigen::Index d = width();
    std::lock_guard lock(hdf5::library_mutex());
    const hid_t dataset = from.dataset.get();
    Handle file_space(H5Dget_space(dataset), H5Sclose);
    // Select tokens [first, first + rows); for [batch, seq, d] that is a union of row runs.
    if (dims_.size() == 2) {
        const hsize_t start[2] = {static_cast<hsize_t>(first), 0};
        const hsize_t count[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(d)};
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    } else {
        const auto seq = static_cast<Eigen::Index>(dims_[1]);
        bool first_piece = true;
        for (Eigen::Index t = first; t < first + rows;) {
            const Eigen::Index b = t / seq, s = t % seq;
            const Eigen::Index run = std::min(seq - s, first + rows - t);
            const hsize_t start[3] = {static_cast<hsize_t>(b), static_cast<hsize_t>(s), 0};
            const hsize_t count[3] = {1, static_cast<hsize_t>(run), static_cast<hsize_t>(d)};
            H5Sselect_hyperslab(file_space.get(), first_piece ? H5S_SELECT_SET : H5S_SELECT_OR, start, nullptr,
                                count, nullptr);
            first_piece = false;
            t += run;
        }
    }
    const hsize_t mem_dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(d)};
    Handle mem_space(H5Screate_simple(2, mem_dims, nullptr), H5Sclose);
    buffer.resize(static_cast<size_t>(rows * d));
    const auto scan = read_floats(dataset, mem_space.get(), file_space.get(), float64_, buffer.size(), buffer.data());
    if (!scan)
        throw InputError(description() + ": cannot read tokens " + std::to_string(first) + ".." +
                         std::to_string(first + rows - 1) + " (file truncated or corrupted?)");
    check_row_major_scan(*scan, description(), d, "token", "channel", first);
    return *scan;
}

std::vector<LayerInfo> list_layers_unprobed(const std::string& path) {
    std::lock_guard lock(hdf5::library_mutex());
    Handle file = hdf5::open_file_read(path);
    VisitState state{file.get(), {}};
    if (H5Lvisit(file.get(), H5_INDEX_NAME, H5_ITER_INC, visit_link, &state) < 0)
        throw InputError(path + ": cannot walk the groups of the file (truncated or corrupted?)");
    return std::move(state.layers);
}

Layer read_layer_unprobed(const std::string& path, const std::string& name, const ReadLimits& limits) {
    std::lock_guard lock(hdf5::library_mutex());
    Handle file = hdf5::open_file_read(path);
    const std::string group = normalise_group(name);
    if (!group.empty() && !link_exists(file.get(), "/" + group))
        throw InputError(path + ": no group '" + name + "' in the file");
    const std::string weight_path = object_path(group, "weight");
    if (const std::string link = external_link_on(file.get(), weight_path); !link.empty())
        throw InputError(path + ": " + external_link_problem("weight of " + display_name(group), link));
    if (!link_exists(file.get(), weight_path))
        throw InputError(path + ": group '" + display_name(group) + "' has no dataset 'weight'");
    Handle dataset = open_dataset(file.get(), weight_path);
    if (!dataset.valid()) throw InputError(path + ": '" + weight_path + "' is not a readable dataset");
    const DatasetShape shape = describe(dataset.get());
    if (const std::string problem = weight_problem(group, shape); !problem.empty())
        throw InputError(path + ": " + problem);

    const auto d_out = static_cast<Eigen::Index>(shape.dims[0]);
    const auto d_in = static_cast<Eigen::Index>(shape.dims[1]);
    const double bytes = static_cast<double>(d_out) * static_cast<double>(d_in) * sizeof(float);
    if (bytes > static_cast<double>(limits.max_weight_bytes)) {
        std::ostringstream msg;
        msg << path << ": weight of " << display_name(group) << " is " << d_out << " x " << d_in << " ("
            << bytes / (1 << 20) << " MiB as float32), over the memory budget of "
            << static_cast<double>(limits.max_weight_bytes) / (1 << 20) << " MiB";
        throw InputError(msg.str());
    }

    Layer layer;
    layer.name = display_name(group);
    if (const std::string bad = layer_name_problem(layer.name); !bad.empty())
        throw InputError(path + ": group '" + printable_name(layer.name) + "' " + bad);
    {
        std::vector<float> row_major(static_cast<size_t>(d_out * d_in));
        const auto scan = read_floats(dataset.get(), H5S_ALL, H5S_ALL, is_float64(shape), row_major.size(), row_major.data());
        if (!scan) throw InputError(path + ": cannot read " + weight_path + " (file truncated or corrupted?)");
        const std::string where = path + ": weight of " + layer.name;
        check_row_major_scan(*scan, where, d_in, "row", "column");
        check_not_below_float32(where, scan->largest);
        copy_row_major(row_major.data(), d_out, d_in, layer.W);
    }
    check_finite_weight(layer.W, path + ": weight of " + layer.name);

    const std::string bias_path = object_path(group, "bias");
    if (const std::string link = external_link_on(file.get(), bias_path); !link.empty())
        throw InputError(path + ": " + external_link_problem("bias of " + layer.name, link));
    if (link_exists(file.get(), bias_path)) {
        Handle bias = open_dataset(file.get(), bias_path);
        const DatasetShape b = bias.valid() ? describe(bias.get()) : DatasetShape{};
        if (!b.storage_problem.empty()) throw InputError(path + ": bias of " + layer.name + " " + b.storage_problem);
        if (b.dims.size() != 1 || static_cast<Eigen::Index>(b.dims[0]) != d_out || !is_supported_float(b))
            throw InputError(path + ": bias of " + layer.name + " has shape " + shape_text(b.dims) + " and dtype " +
                             b.dtype + "; expected float [" + std::to_string(d_out) + "]");
        layer.bias.resize(d_out);
        const auto scan = read_floats(bias.get(), H5S_ALL, H5S_ALL, is_float64(b), static_cast<std::size_t>(d_out), layer.bias.data());
        if (!scan) throw InputError(path + ": cannot read " + bias_path);
        if (scan->first_beyond)
            throw_beyond_float32(path + ": bias of " + layer.name, scan->beyond_value, "index " + std::to_string(*scan->first_beyond));
        for (Eigen::Index i = 0; i < d_out; ++i)
            if (!std::isfinite(layer.bias(i)))
                throw InputError(path + ": bias of " + layer.name + " has a non-finite value (NaN or Inf) at index " +
                                 std::to_string(i));
    }
    Handle group_handle(H5Oopen(file.get(), group.empty() ? "/" : ("/" + group).c_str(), without_external_links()), H5Oclose);
    if (group_handle.valid()) layer.attributes = read_string_attributes(group_handle.get());
    return layer;
}

std::unique_ptr<Hdf5InputSource> open_inputs_unprobed(const std::string& path, const std::string& name,
                                                      Eigen::Index expected_width) {
    std::lock_guard lock(hdf5::library_mutex());
    Handle file = hdf5::open_file_read(path);
    const std::string group = normalise_group(name);
    const std::string inputs_path = object_path(group, "inputs");
    if (const std::string link = external_link_on(file.get(), inputs_path); !link.empty())
        throw InputError(path + ": " + external_link_problem("inputs of " + display_name(group), link));
    if (!link_exists(file.get(), inputs_path))
        throw InputError(path + ": layer '" + display_name(group) + "' has no dataset 'inputs' (give a separate inputs file)");
    Handle dataset = open_dataset(file.get(), inputs_path);
    if (!dataset.valid()) throw InputError(path + ": '" + inputs_path + "' is not a readable dataset");
    const DatasetShape shape = describe(dataset.get());
    if (const std::string problem = inputs_problem(group, shape); !problem.empty())
        throw InputError(path + ": " + problem);
    if (expected_width > 0 && static_cast<Eigen::Index>(shape.dims.back()) != expected_width)
        throw InputError(path + ": inputs of " + display_name(group) + " have width " + std::to_string(shape.dims.back()) +
                         "; weight has d_in = " + std::to_string(expected_width));
    return std::make_unique<Hdf5InputSource>(path, inputs_path, shape.dims, is_float64(shape),
                                             chunk_cache_bytes(dataset.get(), shape));
}

// Tokens the probe reads at each end of the inputs: their chunks' index entries and data.
constexpr Eigen::Index kProbeRows = 64;

}  // namespace

// Each reads in a child process first (hdf5_probe.h), then for real.
std::vector<LayerInfo> hdf5_list_layers(const std::string& path) {
    hdf5::probe_in_child(path, "list", "its layers", [&] { list_layers_unprobed(path); });
    return list_layers_unprobed(path);
}

Layer hdf5_read_layer(const std::string& path, const std::string& name, const ReadLimits& limits) {
    hdf5::probe_in_child(path, "layer " + name, "layer '" + name + "'", [&] { read_layer_unprobed(path, name, limits); });
    return read_layer_unprobed(path, name, limits);
}

std::unique_ptr<InputSource> hdf5_open_inputs(const std::string& path, const std::string& name, Eigen::Index expected_width) {
    hdf5::probe_in_child(path, "inputs " + name, "the inputs of '" + name + "'", [&] {
        const auto inputs = open_inputs_unprobed(path, name, expected_width);
        const Eigen::Index n = inputs->n_tokens(), rows = std::min(n, kProbeRows);
        std::vector<float> buffer;
        if (rows > 0) {
            inputs->read_rows(0, rows, buffer);
            inputs->read_rows(n - rows, rows, buffer);
        }
    });
    return open_inputs_unprobed(path, name, expected_width);
}

}  // namespace layerlens
