#pragma once
// A Llama-family decoder in memory: RMSNorm, rotary embeddings, grouped-query causal attention,
// SwiGLU feed-forward, tied or separate classifier. Weights are float32 in the nn.Linear layout
// ([d_out, d_in]) and every linear layer is reachable by its llama2.c name, so that a whole model
// can be compressed layer by layer with the same methods as one layer.
#include <string>
#include <vector>

#include "../io/layer_format.h"
#include "../layer.h"

namespace layerlens {

enum class RopeStyle {
    InterleavedPairs,   // llama2.c: rotate (x[2i], x[2i+1]) of each head
    RotateHalf,         // Hugging Face: rotate (x[i], x[i + head/2])
};

struct LlamaConfig {
    int dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, vocab_size = 0, seq_len = 0;
    float norm_eps = 1e-5f;
    float rope_theta = 10000.0f;
    RopeStyle rope = RopeStyle::InterleavedPairs;
    bool tied_classifier = true;
    int bos_token = 1;   // where sampled sequences start (llama2.c: 1; Hugging Face: bos_token_id)
    int head_size() const { return dim / n_heads; }
    int kv_dim() const { return head_size() * n_kv_heads; }
};

struct LlamaBlock {
    VectorF attention_norm, ffn_norm;
    MatrixF wq, wk, wv, wo;   // [dim, dim], [kv_dim, dim], [kv_dim, dim], [dim, dim]
    MatrixF w1, w2, w3;       // [hidden, dim], [dim, hidden], [hidden, dim]
};

struct LlamaModel {
    LlamaConfig config;
    MatrixF token_embedding;   // [vocab, dim]
    std::vector<LlamaBlock> blocks;
    VectorF final_norm;
    MatrixF classifier;        // [vocab, dim]; a copy of the embedding when tied

    // "layers.N.attention.wq" ... "layers.N.feed_forward.w3", "output": the linear layers in
    // forward order, and the matrix each names (nullptr for an unknown name).
    std::vector<std::string> linear_names() const;
    MatrixF* linear(const std::string& name);
    const MatrixF* linear(const std::string& name) const;
};

// Loads a llama2.c version-0 checkpoint (InputError naming the file when it is not one).
LlamaModel load_llama2c_model(const std::string& path, const ReadLimits& limits = {});

}  // namespace layerlens
