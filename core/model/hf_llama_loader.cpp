// The Hugging Face Llama layout, both ways: config.json's fields as transformers' LlamaConfig
// defines them, and the tensors of LlamaForCausalLM by their module names. The q/k weights are
// kept as stored: HF's conversion permuted their rows so that RoPE rotates (x[i], x[i + head/2]),
// which the forward pass applies for RopeStyle::RotateHalf.
#include <cfloat>
#include <charconv>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "../errors.h"
#include "../io/atomic_output.h"
#include "../io/checked_math.h"
#include "../io/mapped_file.h"
#include "../io/safetensors_format.h"
#include "../io/tensor_view.h"
#include "model_files.h"

namespace layerlens {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A config.json is a few kilobytes; one of megabytes is not a model's config.
constexpr std::uint64_t kMaxConfigBytes = 16 << 20;
constexpr int kMaxJsonDepth = 32;
// The same generous bounds as llama2.c headers (the largest Llama: hidden 16384, intermediate
// 53248, 126 layers, vocabulary 128256, context 131072): past them a hostile config would have
// us reserve terabytes, so it is refused before the total is even computed.
constexpr std::int64_t kMaxHidden = 1 << 16, kMaxIntermediate = 1 << 18, kMaxLayers = 1024, kMaxVocab = 1 << 22,
                       kMaxContext = 1 << 22;

json parse_config(const std::string& path) {
    const MappedFile file(path);
    if (file.size() > kMaxConfigBytes)
        throw InputError(path + ": " + std::to_string(file.size()) + " bytes, too large for a model's config.json");
    const char* text = reinterpret_cast<const char*>(file.span(0, file.size(), "config"));
    // The callback sees the depth of every value: deeper than any config nests is hostile.
    const json::parser_callback_t depth_guard = [&](int depth, json::parse_event_t, json&) {
        if (depth > kMaxJsonDepth)
            throw InputError(path + ": nests JSON deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        return true;
    };
    try {
        json config = json::parse(text, text + file.size(), depth_guard);
        if (!config.is_object()) throw InputError(path + ": is JSON " + config.type_name() + ", not an object of config fields");
        return config;
    } catch (const json::exception& e) {
        throw InputError(path + ": not valid JSON (" + e.what() + ")");
    }
}

class ConfigFields {
public:
    ConfigFields(std::string path, const json& config) : path_(std::move(path)), config_(config) {}

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw InputError(path_ + ": field '" + field + "' " + what);
    }
    // Present and not null: an explicit null means "the default" in transformers' configs.
    bool has(const std::string& field) const { return config_.contains(field) && !config_[field].is_null(); }
    std::string text(const std::string& field) const { return config_[field].dump(); }

    // A positive integer at most `max`; `fallback` when absent (nullopt: the field is required).
    int positive_int(const std::string& field, std::int64_t max, std::optional<int> fallback = std::nullopt) const {
        if (!has(field)) {
            if (fallback) return *fallback;
            fail(field, "is missing (required for a Llama model)");
        }
        const json& value = config_[field];
        if (!value.is_number_integer()) fail(field, "is " + value.dump() + ", not an integer");
        if (value.is_number_unsigned() ? value.get<std::uint64_t>() > static_cast<std::uint64_t>(max) : value.get<std::int64_t>() > max)
            fail(field, "is " + value.dump() + ", over the limit of " + std::to_string(max));
        if (value.get<std::int64_t>() <= 0) fail(field, "is " + value.dump() + "; it must be positive");
        return value.get<int>();
    }
    // A finite positive number, stored as float32 as the forward pass uses it: one below float32's
    // normal range would be 0 or keep few digits there (a rope_theta of 1e-50 becomes 0 and every
    // angle NaN; an rms_norm_eps of 1e-50 silently 0).
    float positive_number(const std::string& field, float fallback) const {
        if (!has(field)) return fallback;
        const json& value = config_[field];
        const double number = value.is_number() ? value.get<double>() : 0.0;
        if (!(number > 0.0 && number <= FLT_MAX)) fail(field, "is " + value.dump() + "; it must be a positive number");
        if (number < FLT_MIN)
            fail(field, "is " + value.dump() + ", below float32's smallest normal number (1.18e-38)" +
                            ": the forward pass computes in float32, where it would be " +
                            (static_cast<float>(number) == 0.0f ? "0" : "a subnormal with few digits"));
        return static_cast<float>(number);
    }
    bool flag(const std::string& field, bool fallback) const {
        if (!has(field)) return fallback;
        if (!config_[field].is_boolean()) fail(field, "is " + text(field) + ", not true or false");
        return config_[field].get<bool>();
    }
    const json& raw(const std::string& field) const { return config_[field]; }

private:
    std::string path_;
    const json& config_;
};

bool names_llama(const json& config) {
    if (config.contains("model_type") && config["model_type"] == "llama") return true;
    if (config.contains("architectures") && config["architectures"].is_array())
        for (const json& architecture : config["architectures"])
            if (architecture == "LlamaForCausalLM") return true;
    return false;
}

using Shape = std::vector<std::uint64_t>;

// Every tensor of the layout with the shape the config implies and the member it fills, in file
// name order within a block: the one list both the reader and the writer follow.
template <typename Model, typename Visit>
void for_each_hf_tensor(Model& model, bool with_lm_head, Visit&& visit) {
    const LlamaConfig& c = model.config;
    const auto dim = static_cast<std::uint64_t>(c.dim), hidden = static_cast<std::uint64_t>(c.hidden_dim),
               kv = static_cast<std::uint64_t>(c.kv_dim()), vocab = static_cast<std::uint64_t>(c.vocab_size);
    visit("model.embed_tokens.weight", model.token_embedding, Shape{vocab, dim}, "[vocab_size, hidden_size]");
    for (std::size_t b = 0; b < model.blocks.size(); ++b) {
        auto& block = model.blocks[b];
        const std::string prefix = "model.layers." + std::to_string(b) + ".";
        visit(prefix + "input_layernorm.weight", block.attention_norm, Shape{dim}, "[hidden_size]");
        visit(prefix + "self_attn.q_proj.weight", block.wq, Shape{dim, dim}, "[hidden_size, hidden_size]");
        visit(prefix + "self_attn.k_proj.weight", block.wk, Shape{kv, dim}, "[num_key_value_heads * head_dim, hidden_size]");
        visit(prefix + "self_attn.v_proj.weight", block.wv, Shape{kv, dim}, "[num_key_value_heads * head_dim, hidden_size]");
        visit(prefix + "self_attn.o_proj.weight", block.wo, Shape{dim, dim}, "[hidden_size, hidden_size]");
        visit(prefix + "post_attention_layernorm.weight", block.ffn_norm, Shape{dim}, "[hidden_size]");
        visit(prefix + "mlp.gate_proj.weight", block.w1, Shape{hidden, dim}, "[intermediate_size, hidden_size]");
        visit(prefix + "mlp.up_proj.weight", block.w3, Shape{hidden, dim}, "[intermediate_size, hidden_size]");
        visit(prefix + "mlp.down_proj.weight", block.w2, Shape{dim, hidden}, "[hidden_size, intermediate_size]");
    }
    visit("model.norm.weight", model.final_norm, Shape{dim}, "[hidden_size]");
    if (with_lm_head) visit("lm_head.weight", model.classifier, Shape{vocab, dim}, "[vocab_size, hidden_size]");
}

std::string shape_text(const Shape& shape) {
    std::string text = "[";
    for (std::size_t k = 0; k < shape.size(); ++k) text += (k ? ", " : "") + std::to_string(shape[k]);
    return text + "]";
}

// Tensors a checkpoint may hold that the model does not use: old exports kept RoPE's inverse
// frequencies, and a tied model's lm_head (if stored) is replaced by the embedding, as in HF.
bool ignorable(const std::string& name, bool tied) {
    const std::string inv_freq = "rotary_emb.inv_freq";
    return (name.size() > inv_freq.size() && name.compare(name.size() - inv_freq.size(), inv_freq.size(), inv_freq) == 0) ||
           (tied && name == "lm_head.weight");
}

// A float32 as the shortest decimal that reads back as the same float (1e-05, not 9.99999974737875e-06).
double shortest_decimal(float value) {
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return std::stod(std::string(text, end));
}

}  // namespace

LlamaConfig read_hf_llama_config(const std::string& config_path) {
    const json config = parse_config(config_path);
    if (!names_llama(config))
        throw InputError(config_path + ": model_type " + (config.contains("model_type") ? config["model_type"].dump() : "(none)") +
                         ", architectures " + (config.contains("architectures") ? config["architectures"].dump() : "(none)") +
                         ": not a Llama model (LayerLens reads model_type \"llama\" / LlamaForCausalLM)");
    const ConfigFields fields(config_path, config);
    LlamaConfig c;
    c.rope = RopeStyle::RotateHalf;
    c.dim = fields.positive_int("hidden_size", kMaxHidden);
    c.hidden_dim = fields.positive_int("intermediate_size", kMaxIntermediate);
    c.n_layers = fields.positive_int("num_hidden_layers", kMaxLayers);
    // More heads than hidden_size (or kv heads than heads) fail the divisibility checks below.
    c.n_heads = fields.positive_int("num_attention_heads", kMaxHidden);
    c.n_kv_heads = fields.positive_int("num_key_value_heads", kMaxHidden, c.n_heads);
    c.vocab_size = fields.positive_int("vocab_size", kMaxVocab);
    c.seq_len = fields.positive_int("max_position_embeddings", kMaxContext);
    // transformers' LlamaConfig defaults; llama2.c's 1e-5 is not the HF default.
    c.norm_eps = fields.positive_number("rms_norm_eps", 1e-6f);
    c.rope_theta = fields.positive_number("rope_theta", 10000.0f);
    c.tied_classifier = fields.flag("tie_word_embeddings", false);
    // Llama 2 starts text with 1, Llama 3 with 128000: sampling must start where the model does.
    if (fields.has("bos_token_id")) {
        const json& bos = fields.raw("bos_token_id");
        if (!bos.is_number_integer() || bos.get<std::int64_t>() < 0 || bos.get<std::int64_t>() >= c.vocab_size)
            fields.fail("bos_token_id", "is " + bos.dump() + ", not a token id of the vocabulary [0, " +
                                            std::to_string(c.vocab_size) + ")");
        c.bos_token = bos.get<int>();
    }

    if (c.dim % c.n_heads != 0)
        fields.fail("num_attention_heads", "is " + std::to_string(c.n_heads) + ", which does not divide hidden_size " + std::to_string(c.dim));
    if (c.head_size() % 2 != 0)
        fields.fail("num_attention_heads", "is " + std::to_string(c.n_heads) + ", giving an odd head size " +
                                                std::to_string(c.head_size()) + " (RoPE rotates pairs)");
    if (c.n_heads % c.n_kv_heads != 0)
        fields.fail("num_key_value_heads", "is " + std::to_string(c.n_kv_heads) + ", which does not divide num_attention_heads " +
                                                std::to_string(c.n_heads));
    if (fields.has("head_dim") && fields.raw("head_dim") != c.head_size())
        fields.fail("head_dim", "is " + fields.text("head_dim") + "; LayerLens needs hidden_size / num_attention_heads = " +
                                    std::to_string(c.head_size()));
    if (fields.has("hidden_act") && fields.raw("hidden_act") != "silu")
        fields.fail("hidden_act", "is " + fields.text("hidden_act") + "; a Llama feed-forward is SwiGLU (\"silu\")");
    if (fields.has("rope_scaling"))
        fields.fail("rope_scaling", "is " + fields.text("rope_scaling") + "; LayerLens's forward pass has plain RoPE, no scaling");
    for (const char* bias : {"attention_bias", "mlp_bias"})
        if (fields.flag(bias, false)) fields.fail(bias, "is true; LayerLens's Llama layers have no biases");
    return c;
}

LlamaModel load_hf_llama_model(const std::string& directory, const ReadLimits& limits) {
    const std::string folder = output_path(directory);
    LlamaModel model;
    model.config = read_hf_llama_config(folder + "/config.json");
    const LlamaConfig& c = model.config;
    const auto bytes = llama_weight_bytes(c);
    if (!bytes || *bytes > limits.max_weight_bytes)
        throw InputError(folder + "/config.json: the model (" + std::to_string(c.n_layers) + " layers, hidden_size " + std::to_string(c.dim) +
                         ", intermediate_size " + std::to_string(c.hidden_dim) + ", vocab_size " + std::to_string(c.vocab_size) + ") needs " +
                         (bytes ? std::to_string(*bytes >> 20) + " MiB" : std::string("more than 2^64 bytes")) +
                         " as float32, over the memory budget of " + std::to_string(limits.max_weight_bytes >> 20) + " MiB");

    // transformers looks for the single file first, then the index of a sharded set.
    const std::string single = folder + "/model.safetensors", index = folder + "/model.safetensors.index.json";
    std::error_code ec;
    const bool sharded = !fs::exists(single, ec) && fs::exists(index, ec);
    if (!sharded && !fs::exists(single, ec))
        throw InputError(folder + ": no model.safetensors or model.safetensors.index.json (LayerLens reads safetensors, not pytorch_model.bin)");
    const std::string source = sharded ? index : single;
    const TensorTable table = sharded ? read_safetensors_index(index) : read_safetensors_file(single);
    std::map<std::string, const TableEntry*> by_name;
    for (const TableEntry& entry : table.entries) by_name.emplace(entry.view.name, &entry);

    model.blocks.resize(static_cast<std::size_t>(c.n_layers));
    for_each_hf_tensor(model, !c.tied_classifier, [&](const std::string& name, auto& member, const Shape& shape, const char* implied) {
        const auto found = by_name.find(name);
        if (found == by_name.end())
            throw InputError(source + ": no tensor '" + name + "'" +
                             (name == "lm_head.weight" ? " (config.json sets tie_word_embeddings false)" : ""));
        const TableEntry& entry = *found->second;
        if (!entry.problem.empty()) throw InputError(entry.view.file->path() + ": " + entry.problem);
        if (entry.view.shape != shape)
            throw InputError(entry.view.where() + " has shape " + entry.view.shape_text() + "; config.json's " + implied + " is " +
                             shape_text(shape));
        if constexpr (std::is_same_v<std::decay_t<decltype(member)>, MatrixF>) member = read_weight(entry.view, limits);
        else member = read_vector(entry.view, static_cast<Eigen::Index>(shape[0]));
        by_name.erase(found);
    });
    // A tensor the model would silently ignore (a bias, a layer past num_hidden_layers) means
    // the config does not describe this checkpoint, and its logits would be wrong.
    for (const auto& [name, entry] : by_name)
        if (!ignorable(name, c.tied_classifier))
            throw InputError(entry->view.where() + " is not part of the Llama model config.json describes (" +
                             std::to_string(c.n_layers) + " layers, no biases" + (c.tied_classifier ? ", tied lm_head" : "") + ")");
    if (c.tied_classifier) model.classifier = model.token_embedding;
    return model;
}

void write_hf_llama_directory(const LlamaModel& model, const std::string& directory) {
    const LlamaConfig& c = model.config;
    // A tied model whose classifier differs from its embedding can only be written untied.
    const bool tied = c.tied_classifier && model.classifier == model.token_embedding;
    nlohmann::ordered_json config = {
        {"architectures", nlohmann::ordered_json::array({"LlamaForCausalLM"})},
        {"model_type", "llama"},
        {"hidden_size", c.dim},
        {"intermediate_size", c.hidden_dim},
        {"num_hidden_layers", c.n_layers},
        {"num_attention_heads", c.n_heads},
        {"num_key_value_heads", c.n_kv_heads},
        {"head_dim", c.head_size()},
        {"vocab_size", c.vocab_size},
        {"max_position_embeddings", c.seq_len},
        {"rms_norm_eps", shortest_decimal(c.norm_eps)},
        {"rope_theta", shortest_decimal(c.rope_theta)},
        {"rope_scaling", nullptr},
        {"tie_word_embeddings", tied},
        {"hidden_act", "silu"},
        {"attention_bias", false},
        {"mlp_bias", false},
        {"torch_dtype", "float32"},
        {"bos_token_id", c.bos_token},
        {"eos_token_id", 2},
    };
    FileWriter config_file(directory + "/config.json");
    config_file.write(config.dump(2) + "\n");
    config_file.close();

    // Header and data in name order; transformers refuses a file whose metadata lacks "format".
    struct Stored {
        const MatrixF* matrix = nullptr;
        const VectorF* vector = nullptr;
        Shape shape;
    };
    std::map<std::string, Stored> tensors;
    for_each_hf_tensor(model, !tied, [&](const std::string& name, const auto& member, const Shape& shape, const char*) {
        Stored stored{nullptr, nullptr, shape};
        if constexpr (std::is_same_v<std::decay_t<decltype(member)>, MatrixF>) stored.matrix = &member;
        else stored.vector = &member;
        tensors.emplace(name, stored);
    });
    json header = {{"__metadata__", {{"format", "pt"}}}};
    std::uint64_t offset = 0;
    for (const auto& [name, stored] : tensors) {
        const std::uint64_t size = *checked_element_count(stored.shape) * sizeof(float);
        header[name] = {{"dtype", "F32"}, {"shape", stored.shape}, {"data_offsets", {offset, offset + size}}};
        offset += size;
    }
    std::string header_text = header.dump();
    // Padding with spaces (JSON whitespace) aligns the data to 8 bytes, as the reference writer does.
    header_text.append((8 - header_text.size() % 8) % 8, ' ');
    FileWriter weights(directory + "/model.safetensors");
    std::string length(8, '\0');
    for (int k = 0; k < 8; ++k) length[static_cast<std::size_t>(k)] = static_cast<char>((header_text.size() >> (8 * k)) & 0xff);
    weights.write(length);
    weights.write(header_text);
    for (const auto& [name, stored] : tensors) {
        if (stored.matrix) write_row_major(weights, *stored.matrix);
        else write_floats(weights, *stored.vector);
    }
    weights.close();
}

}  // namespace layerlens
