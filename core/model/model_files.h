#pragma once
// A whole model on disk, in either layout LayerLens reads: a llama2.c version-0 checkpoint
// (one .bin file) or a Hugging Face Llama-architecture directory (config.json + safetensors,
// single or sharded). Loading detects which from the path; saving writes the layout it was
// loaded from, to a temporary name renamed into place, so a failed save loses nothing.
#include <cstdint>
#include <optional>
#include <string>

#include "llama_model.h"

namespace layerlens {

enum class ModelLayout { Llama2c, HuggingFace };
std::string model_layout_name(ModelLayout layout);   // "llama2.c", "Hugging Face"

struct LoadedModel {
    LlamaModel model;
    ModelLayout layout = ModelLayout::Llama2c;
    std::string path;   // as given
};

// A directory or a config.json path is a Hugging Face model; any other file a llama2.c checkpoint.
// InputError naming the file and what is wrong.
LoadedModel load_model(const std::string& path, const ReadLimits& limits = {});

// The float32 bytes of every weight the config implies (the tied classifier's copy included),
// checked: nullopt when it overflows 64 bits. Both loaders refuse a model over ReadLimits'
// max_weight_bytes before reading a tensor, so an honest but huge model fails fast, not in
// the middle of allocating it.
std::optional<std::uint64_t> llama_weight_bytes(const LlamaConfig& config);

// Hugging Face: config.json (hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads, vocab_size, max_position_embeddings, rms_norm_eps,
// rope_theta, tie_word_embeddings; hidden_act silu, no rope_scaling, no biases) and the
// model.embed_tokens / model.layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj,
// post_attention_layernorm, mlp.{gate,up,down}_proj} / model.norm / lm_head tensors.
LlamaConfig read_hf_llama_config(const std::string& config_path);
// Every tensor's shape must be the config's; a tensor the config does not describe (a bias, an
// extra layer) is refused too, since ignoring it would compute another model's logits.
LlamaModel load_hf_llama_model(const std::string& directory, const ReadLimits& limits = {});
// config.json and model.safetensors (F32) into an existing, empty `directory`: save_model's
// temporary, after it checked every tensor's shape against the config.
void write_hf_llama_directory(const LlamaModel& model, const std::string& directory);

// Writes `model` as `layout`: a llama2.c .bin file, or a directory holding config.json and
// model.safetensors (float32). ParameterError when OUT exists and !force, when the model's
// RoPE style is not the layout's (llama2.c stores q/k rows for interleaved pairs, HF for
// rotate-half; the other order would rotate the wrong pairs), when a llama2.c checkpoint cannot
// hold its norm_eps or rope_theta (it has no field for them: 1e-5 and 10000 are implied), or
// when an existing OUT directory holds no config.json or would be replaced by a .bin file
// (force replaces a model by a model, never a folder); InputError when the output cannot be
// written. A tied model whose classifier is no
// longer its embedding is written untied.
void save_model(const LlamaModel& model, ModelLayout layout, const std::string& out, bool force);

}  // namespace layerlens
