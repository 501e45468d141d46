#pragma once
// Hugging Face safetensors as a layer format: a single file (8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and data_offsets, then the data), or
// a sharded set through its "model.safetensors.index.json" (weight_map: tensor -> shard file).
// F32, F16 and BF16 are read; other dtypes are listed and refused by name.
#include "tensor_table_format.h"

namespace layerlens {

class SafetensorsFormat : public TensorTableFormat {
public:
    std::string name() const override { return "safetensors"; }
    std::vector<std::string> extensions() const override { return {"safetensors", "json"}; }
    bool recognizes(const FileHead& head) const override;

protected:
    TensorTable load_table(const std::string& path) const override;
};

// The safetensors header's size limit, as the format's reference implementation sets it.
constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

// The tensors of one safetensors file, in data order, each checked: offsets inside the data
// buffer, size = shape x dtype size, no two overlapping. InputError naming file and tensor.
TensorTable read_safetensors_file(const std::string& path);
// The tensors of a sharded set, as its index maps them: shard names must be plain file names
// in the index's folder, and each tensor must be in the shard the index names.
TensorTable read_safetensors_index(const std::string& path);

}  // namespace layerlens
