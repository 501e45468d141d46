#include "safetensors_format.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "../errors.h"
#include "checked_math.h"
#include "layer_names.h"

namespace layerlens {

namespace {

using nlohmann::json;

// The index of a sharded checkpoint is a small JSON file; a larger one is not an index.
constexpr std::uint64_t kMaxIndexBytes = 64 << 20;
// JSON nesting a header needs: {"t": {"shape": [..]}}; deeper is hostile.
constexpr int kMaxJsonDepth = 16;

std::uint64_t little_endian_u64(const unsigned char* p) {
    std::uint64_t value = 0;
    for (int k = 7; k >= 0; --k) value = (value << 8) | p[k];
    return value;
}

// Rejects nesting deeper than kMaxJsonDepth before the parser sees it, so that no header can
// make a recursive parse or destruction exhaust the stack.
bool nesting_within_limit(const char* text, std::size_t length) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t k = 0; k < length; ++k) {
        const char c = text[k];
        if (in_string) {
            if (c == '\\') ++k;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxJsonDepth) return false;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}

json parse_json(const std::string& path, const char* text, std::size_t length, const std::string& what) {
    if (!nesting_within_limit(text, length))
        throw InputError(path + ": the " + what + " nests JSON deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    // A key given twice in one object would silently be its last value here and may be its first
    // in another reader (two programs seeing two different layers in one file): refused.
    std::vector<std::set<std::string>> keys_per_object;
    const json::parser_callback_t refuse_duplicates = [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) keys_per_object.emplace_back();
        else if (event == json::parse_event_t::object_end && !keys_per_object.empty()) keys_per_object.pop_back();
        else if (event == json::parse_event_t::key && !keys_per_object.empty() &&
                 !keys_per_object.back().insert(parsed.get<std::string>()).second)
            throw InputError(path + ": the " + what + " gives the key '" + parsed.get<std::string>() +
                             "' twice in one object, so readers may disagree on which is meant");
        return true;
    };
    try {
        return json::parse(text, text + length, refuse_duplicates);
    } catch (const json::exception& e) {
        throw InputError(path + ": the " + what + " is not valid JSON (" + e.what() + ")");
    }
}

struct DtypeInfo {
    std::size_t size;
    bool readable;
    ElementType type;
};

// Every dtype the format defines: the three LayerLens reads, the rest known by size so that
// their offsets can still be checked and their refusal can name them.
const std::map<std::string, DtypeInfo>& safetensors_dtypes() {
    static const std::map<std::string, DtypeInfo> dtypes = {
        {"F32", {4, true, ElementType::Float32}},   {"F16", {2, true, ElementType::Float16}},
        {"BF16", {2, true, ElementType::BFloat16}}, {"F64", {8, false, {}}},
        {"I64", {8, false, {}}}, {"U64", {8, false, {}}}, {"I32", {4, false, {}}}, {"U32", {4, false, {}}},
        {"I16", {2, false, {}}}, {"U16", {2, false, {}}}, {"I8", {1, false, {}}}, {"U8", {1, false, {}}},
        {"BOOL", {1, false, {}}}, {"F8_E4M3", {1, false, {}}}, {"F8_E5M2", {1, false, {}}}};
    return dtypes;
}

std::uint64_t unsigned_field(const json& value, const std::string& path, const std::string& tensor, const std::string& field) {
    if (!value.is_number_unsigned())
        throw InputError(path + ": tensor '" + tensor + "' has " + field + " entry " + value.dump() +
                         "; expected a non-negative integer");
    return value.get<std::uint64_t>();
}

struct RawEntry {
    TableEntry entry;
    std::uint64_t begin = 0, end = 0;
};

RawEntry parse_entry(const std::string& path, const MappedFilePtr& file, const std::string& tensor, const json& spec,
                     std::uint64_t data_start, std::uint64_t data_size) {
    if (!spec.is_object()) throw InputError(path + ": tensor '" + tensor + "' is described by " + spec.type_name() + ", not an object");
    for (const char* field : {"dtype", "shape", "data_offsets"})
        if (!spec.contains(field)) throw InputError(path + ": tensor '" + tensor + "' has no '" + field + "'");
    const json& dtype = spec["dtype"];
    const json& shape = spec["shape"];
    const json& offsets = spec["data_offsets"];
    if (!dtype.is_string()) throw InputError(path + ": tensor '" + tensor + "' has a dtype that is not a string");
    if (!shape.is_array()) throw InputError(path + ": tensor '" + tensor + "' has a shape that is not an array");
    if (!offsets.is_array() || offsets.size() != 2)
        throw InputError(path + ": tensor '" + tensor + "' has data_offsets " + offsets.dump() + "; expected [begin, end]");

    RawEntry raw;
    TensorView& view = raw.entry.view;
    view.file = file;
    view.name = tensor;
    for (const json& dim : shape) view.shape.push_back(unsigned_field(dim, path, tensor, "shape"));
    raw.begin = unsigned_field(offsets[0], path, tensor, "data_offsets");
    raw.end = unsigned_field(offsets[1], path, tensor, "data_offsets");
    const std::string where = path + ": tensor '" + tensor + "' ";
    if (raw.begin > raw.end)
        throw InputError(where + "has data_offsets [" + std::to_string(raw.begin) + ", " + std::to_string(raw.end) + "] that run backwards");
    if (raw.end > data_size)
        throw InputError(where + "has data_offsets [" + std::to_string(raw.begin) + ", " + std::to_string(raw.end) +
                         "] past the end of the " + std::to_string(data_size) + "-byte data buffer (truncated file?)");

    const std::string dtype_name = dtype.get<std::string>();
    const auto known = safetensors_dtypes().find(dtype_name);
    if (known == safetensors_dtypes().end()) {
        raw.entry.problem = "tensor '" + tensor + "' has unknown dtype '" + dtype_name + "'; LayerLens reads F32, F16 and BF16";
        return raw;
    }
    const auto count = checked_element_count(view.shape);
    const auto bytes = count ? checked_mul(*count, known->second.size) : std::nullopt;
    if (!bytes) throw InputError(where + "declares shape " + view.shape_text() + ", whose size overflows 64 bits");
    if (*bytes != raw.end - raw.begin)
        throw InputError(where + "has shape " + view.shape_text() + " and dtype " + dtype_name + " (" + std::to_string(*bytes) +
                         " bytes) but data_offsets [" + std::to_string(raw.begin) + ", " + std::to_string(raw.end) + "] span " +
                         std::to_string(raw.end - raw.begin) + " bytes");
    if (!known->second.readable) {
        raw.entry.problem = "tensor '" + tensor + "' has dtype " + dtype_name + "; LayerLens reads F32, F16 and BF16";
        return raw;
    }
    view.type = known->second.type;
    view.offset = data_start + raw.begin;
    view.check_extent();
    return raw;
}

// A single file: 8 bytes of header length, then the JSON header's opening brace.
bool looks_like_single_file(const std::string& head) { return head.size() >= 9 && head[8] == '{'; }

// A sharded set's index: a JSON object with a weight_map near its start.
bool looks_like_index(const std::string& head) {
    const std::size_t start = head.find_first_not_of(" \t\r\n");
    return start != std::string::npos && head[start] == '{' && head.find("\"weight_map\"") != std::string::npos;
}

bool is_plain_file_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

}  // namespace

bool SafetensorsFormat::recognizes(const FileHead& head) const {
    return looks_like_single_file(head.bytes) || looks_like_index(head.bytes);
}

TensorTable read_safetensors_file(const std::string& path) {
    auto file = std::make_shared<const MappedFile>(path);
    if (file->size() < 8) throw InputError(path + ": " + std::to_string(file->size()) + " bytes, too short for a safetensors header");
    const std::uint64_t header_size = little_endian_u64(file->span(0, 8, "header length"));
    if (header_size > kSafetensorsMaxHeaderBytes)
        throw InputError(path + ": declares a " + std::to_string(header_size) + "-byte JSON header, over the format's limit of " +
                         std::to_string(kSafetensorsMaxHeaderBytes) + " bytes");
    if (header_size > file->size() - 8)
        throw InputError(path + ": declares a " + std::to_string(header_size) + "-byte JSON header, longer than the " +
                         std::to_string(file->size()) + "-byte file (truncated?)");
    const char* text = reinterpret_cast<const char*>(file->span(8, header_size, "JSON header"));
    if (header_size == 0 || text[0] != '{') throw InputError(path + ": the safetensors header does not start with '{'");
    const json header = parse_json(path, text, header_size, "safetensors header");
    if (!header.is_object()) throw InputError(path + ": the safetensors header is not a JSON object");

    const std::uint64_t data_start = 8 + header_size, data_size = file->size() - data_start;
    TensorTable table;
    table.attributes.emplace_back("format", "safetensors");
    std::vector<RawEntry> raw;
    for (const auto& [name, spec] : header.items()) {
        if (name == "__metadata__") {
            if (!spec.is_object()) throw InputError(path + ": __metadata__ is not a JSON object");
            std::size_t skipped = 0;
            for (const auto& [key, value] : spec.items()) {
                if (!value.is_string()) throw InputError(path + ": __metadata__ entry '" + key + "' is not a string");
                if (table.attributes.size() >= Layer::kMaxAttributes) {
                    ++skipped;
                    continue;
                }
                // PyTorch writes {"format": "pt"}: beside our own "format" it is kept as "metadata.format"
                // (keys are unique in the header, so "format" is the one key that can collide).
                table.attributes.emplace_back(key == "format" ? "metadata." + key : key, value.get<std::string>());
            }
            if (skipped > 0)
                table.attributes.emplace_back("metadata not shown", std::to_string(skipped) + " more entries (a layer keeps at most " +
                                                                        std::to_string(Layer::kMaxAttributes) + " attributes)");
            continue;
        }
        raw.push_back(parse_entry(path, file, name, spec, data_start, data_size));
    }
    // No two tensors may share bytes (empty ones share none).
    std::vector<const RawEntry*> by_offset;
    for (const RawEntry& r : raw)
        if (r.end > r.begin) by_offset.push_back(&r);
    std::sort(by_offset.begin(), by_offset.end(), [](const RawEntry* a, const RawEntry* b) { return a->begin < b->begin; });
    for (std::size_t k = 1; k < by_offset.size(); ++k)
        if (by_offset[k]->begin < by_offset[k - 1]->end)
            throw InputError(path + ": tensors '" + by_offset[k - 1]->entry.view.name + "' (bytes " + std::to_string(by_offset[k - 1]->begin) +
                             ".." + std::to_string(by_offset[k - 1]->end) + ") and '" + by_offset[k]->entry.view.name + "' (bytes " +
                             std::to_string(by_offset[k]->begin) + ".." + std::to_string(by_offset[k]->end) + ") overlap");
    for (RawEntry& r : raw) table.entries.push_back(std::move(r.entry));
    std::sort(table.entries.begin(), table.entries.end(),
              [](const TableEntry& a, const TableEntry& b) { return natural_less(a.view.name, b.view.name); });
    return table;
}

TensorTable read_safetensors_index(const std::string& path) {
    const MappedFile file(path);
    if (file.size() > kMaxIndexBytes)
        throw InputError(path + ": " + std::to_string(file.size()) + " bytes, too large for a safetensors index");
    const json index = parse_json(path, reinterpret_cast<const char*>(file.span(0, file.size(), "index")), file.size(), "index");
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        throw InputError(path + ": not a safetensors index: no 'weight_map' object");
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    std::map<std::string, TensorTable> shards;
    TensorTable table;
    table.attributes.emplace_back("format", "safetensors (sharded)");
    for (const auto& item : index["weight_map"].items()) {
        const std::string tensor = item.key();
        const json& shard_value = item.value();
        if (!shard_value.is_string()) throw InputError(path + ": weight_map entry '" + tensor + "' is not a file name");
        const std::string shard = shard_value.get<std::string>();
        if (!is_plain_file_name(shard))
            throw InputError(path + ": weight_map puts tensor '" + tensor + "' in '" + shard +
                             "'; shard names must be plain file names in the index's folder (no '/', no '..')");
        auto found = shards.find(shard);
        if (found == shards.end()) {
            const std::string shard_path = (folder / shard).string();
            std::error_code ec;
            if (!std::filesystem::exists(shard_path, ec))
                throw InputError(path + ": shard '" + shard + "' named for tensor '" + tensor + "' is missing from " +
                                 (folder.empty() ? std::string(".") : folder.string()));
            if (!std::filesystem::is_regular_file(shard_path, ec))
                throw InputError(path + ": shard '" + shard + "' named for tensor '" + tensor +
                                 "' is not a regular file (a device, FIFO or folder); a shard must be a .safetensors file");
            if (std::filesystem::equivalent(shard_path, path, ec))
                throw InputError(path + ": weight_map puts tensor '" + tensor + "' in the index itself ('" + shard +
                                 "'); it must name the .safetensors shard that holds it");
            if (looks_like_index(read_file_head(shard_path).bytes))
                throw InputError(path + ": weight_map puts tensor '" + tensor + "' in '" + shard +
                                 "', which is a JSON index, not a .safetensors shard");
            found = shards.emplace(shard, read_safetensors_file(shard_path)).first;
        }
        const auto entry = std::find_if(found->second.entries.begin(), found->second.entries.end(),
                                        [&](const TableEntry& e) { return e.view.name == tensor; });
        if (entry == found->second.entries.end())
            throw InputError(path + ": weight_map puts tensor '" + tensor + "' in shard '" + shard + "', which has no such tensor");
        table.entries.push_back(*entry);
    }
    // The index describes its shards whole, as save_pretrained writes it: a tensor a shard holds
    // but the weight_map does not place there (a layer the config does not have, a stale shard)
    // would be silently left out, where the same tensor in a single file is refused.
    for (const auto& [shard, shard_table] : shards)
        for (const TableEntry& e : shard_table.entries) {
            const json& placed = index["weight_map"].contains(e.view.name) ? index["weight_map"][e.view.name] : json();
            if (placed != shard)
                throw InputError((folder / shard).string() + ": holds tensor '" + e.view.name + "', which " + path +
                                 (placed.is_string() ? " places in shard '" + placed.get<std::string>() + "'" : " does not list"));
        }
    std::sort(table.entries.begin(), table.entries.end(),
              [](const TableEntry& a, const TableEntry& b) { return natural_less(a.view.name, b.view.name); });
    return table;
}

TensorTable SafetensorsFormat::load_table(const std::string& path) const {
    std::string head;
    {
        const MappedFile file(path);
        const std::uint64_t length = std::min<std::uint64_t>(file.size(), kSniffBytes);
        head.assign(reinterpret_cast<const char*>(file.span(0, length, "head")), length);
        // A single file whose header fits is one even if it also reads as JSON text.
        if (looks_like_single_file(head) && little_endian_u64(reinterpret_cast<const unsigned char*>(head.data())) <= file.size() - 8)
            return read_safetensors_file(path);
    }
    // Otherwise an index, or a single file whose header length is wrong (read_safetensors_file says how).
    return looks_like_index(head) ? read_safetensors_index(path) : read_safetensors_file(path);
}

}  // namespace layerlens
