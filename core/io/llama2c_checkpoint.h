#pragma once
// llama2.c's legacy (version 0) checkpoint: seven int32 config fields, then float32 weights in a
// fixed order (token embedding; per-layer attention norms, wq, wk, wv, wo, FFN norms, w1, w2,
// w3, each stacked over layers; the final norm; RoPE tables; the classifier when not shared).
// It has no magic bytes: a header is accepted when its fields are plausible, and read when the
// file's size is exactly what they imply. The whole-model forward pass reads it through here too.
#include <cstdint>
#include <optional>
#include <string>

#include "tensor_table_format.h"

namespace layerlens {

struct Llama2cConfig {
    std::int32_t dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, vocab_size = 0, seq_len = 0;
    bool shared_classifier() const { return vocab_size > 0; }
    std::int32_t vocab() const { return vocab_size < 0 ? -vocab_size : vocab_size; }
    std::int32_t head_size() const { return dim / n_heads; }
    std::int32_t kv_dim() const { return head_size() * n_kv_heads; }
    std::string text() const;   // "dim 64, hidden_dim 172, 5 layers, 8 heads, 4 kv heads, vocab 512 (shared), seq_len 512"
};

constexpr std::uint64_t kLlama2cHeaderBytes = 7 * 4;

// The config in the first 28 bytes when every field is plausible (positive, heads dividing dim,
// kv heads dividing heads, even head size, bounded sizes); nullopt otherwise.
std::optional<Llama2cConfig> plausible_llama2c_config(const std::string& head);
// True when the bytes start with the magic of llama2.c's newer export formats (version 1, 2).
bool is_llama2c_versioned_export(const std::string& head);
// Bytes a version-0 checkpoint with this config has (checked arithmetic; nullopt on overflow).
std::optional<std::uint64_t> llama2c_file_size(const Llama2cConfig& config);

struct Llama2cCheckpoint {
    Llama2cConfig config;
    // Every tensor by its PyTorch name (llama2.c's model.py): tok_embeddings.weight,
    // layers.N.attention_norm.weight, layers.N.attention.wq.weight ... norm.weight, output.weight
    // (the embedding's bytes when the classifier is shared). Linear layers are candidates.
    TensorTable table;
};

// InputError naming the file for an implausible header, a versioned export, or a size that does
// not match the header.
Llama2cCheckpoint read_llama2c_checkpoint(const std::string& path);

}  // namespace layerlens
