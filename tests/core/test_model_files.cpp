// Whole models on disk: stories260K saved as llama2.c is its own file again; converted to the
// Hugging Face layout (q/k rows permuted as HF's conversion does) and saved, it loads back with
// the same logits; HF saves round-trip exactly, sharded or not; broken config.json files, a
// truncated checkpoint and impossible saves are refused by name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "errors.h"
#include "io/llama2c_checkpoint.h"
#include "io/safetensors_format.h"
#include "model/llama_forward.h"
#include "model/model_files.h"
#include "tensor_file_builders.h"
#include "test_support.h"

namespace layerlens::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string stories() { return shared_models("stories260K/stories260K.bin"); }

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

template <typename F>
void expect_parameter_error(F&& f, const std::vector<std::string>& fragments) {
    try {
        f();
        ADD_FAILURE() << "no ParameterError";
    } catch (const ParameterError& e) {
        for (const std::string& fragment : fragments)
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << "message: " << e.what() << "\nmissing: " << fragment;
    }
}

// A llama2.c-style model with random weights and norms near 1, so that logits are moderate.
LlamaModel random_model(const LlamaConfig& config, std::mt19937& rng) {
    LlamaModel model;
    model.config = config;
    const int dim = config.dim, hidden = config.hidden_dim, kv = config.kv_dim(), vocab = config.vocab_size;
    const auto norm = [&] { return VectorF((VectorF::Ones(dim) + random_matrix(dim, 1, rng, 0.1f)).eval()); };
    model.token_embedding = random_matrix(vocab, dim, rng);
    for (int b = 0; b < config.n_layers; ++b) {
        LlamaBlock block;
        block.attention_norm = norm();
        block.ffn_norm = norm();
        block.wq = random_matrix(dim, dim, rng, 0.3f);
        block.wk = random_matrix(kv, dim, rng, 0.3f);
        block.wv = random_matrix(kv, dim, rng, 0.3f);
        block.wo = random_matrix(dim, dim, rng, 0.3f);
        block.w1 = random_matrix(hidden, dim, rng, 0.3f);
        block.w2 = random_matrix(dim, hidden, rng, 0.3f);
        block.w3 = random_matrix(hidden, dim, rng, 0.3f);
        model.blocks.push_back(block);
    }
    model.final_norm = norm();
    model.classifier = config.tied_classifier ? model.token_embedding : random_matrix(vocab, dim, rng);
    return model;
}

LlamaConfig small_config(bool tied) {
    LlamaConfig c;
    c.dim = 16;
    c.hidden_dim = 24;
    c.n_layers = 2;
    c.n_heads = 4;
    c.n_kv_heads = 2;
    c.vocab_size = 20;
    c.seq_len = 12;
    c.tied_classifier = tied;
    return c;
}

// HF's convert_llama_weights_to_hf permutes each head's q/k rows so that the pair (2i, 2i+1)
// becomes (i, i + head/2): new row order [0, 2, 4, ..., 1, 3, 5, ...] per head.
MatrixF to_rotate_half(const MatrixF& W, int n_heads) {
    const int head = static_cast<int>(W.rows()) / n_heads, half = head / 2;
    MatrixF out(W.rows(), W.cols());
    for (int h = 0; h < n_heads; ++h)
        for (int i = 0; i < half; ++i)
            for (int j = 0; j < 2; ++j) out.row(h * head + j * half + i) = W.row(h * head + 2 * i + j);
    return out;
}

LlamaModel to_hf(LlamaModel model) {
    for (LlamaBlock& block : model.blocks) {
        block.wq = to_rotate_half(block.wq, model.config.n_heads);
        block.wk = to_rotate_half(block.wk, model.config.n_kv_heads);
    }
    model.config.rope = RopeStyle::RotateHalf;
    return model;
}

void expect_same_weights(const LlamaModel& a, const LlamaModel& b) {
    ASSERT_EQ(a.blocks.size(), b.blocks.size());
    EXPECT_EQ(a.token_embedding, b.token_embedding);
    EXPECT_EQ(a.final_norm, b.final_norm);
    EXPECT_EQ(a.classifier, b.classifier);
    for (size_t k = 0; k < a.blocks.size(); ++k) {
        EXPECT_EQ(a.blocks[k].attention_norm, b.blocks[k].attention_norm) << k;
        EXPECT_EQ(a.blocks[k].ffn_norm, b.blocks[k].ffn_norm) << k;
    }
    for (const std::string& name : a.linear_names()) EXPECT_EQ(*a.linear(name), *b.linear(name)) << name;
}

void expect_same_config(const LlamaConfig& a, const LlamaConfig& b) {
    EXPECT_EQ(a.dim, b.dim);
    EXPECT_EQ(a.hidden_dim, b.hidden_dim);
    EXPECT_EQ(a.n_layers, b.n_layers);
    EXPECT_EQ(a.n_heads, b.n_heads);
    EXPECT_EQ(a.n_kv_heads, b.n_kv_heads);
    EXPECT_EQ(a.vocab_size, b.vocab_size);
    EXPECT_EQ(a.seq_len, b.seq_len);
    EXPECT_EQ(a.norm_eps, b.norm_eps);
    EXPECT_EQ(a.rope_theta, b.rope_theta);
    EXPECT_EQ(a.rope, b.rope);
    EXPECT_EQ(a.tied_classifier, b.tied_classifier);
    EXPECT_EQ(a.bos_token, b.bos_token);
}

// Converts `model`, saves it as HF, loads it back: the logits are the llama2.c model's.
void expect_hf_conversion_keeps_logits(const LlamaModel& model, const std::string& out, std::mt19937& rng) {
    save_model(to_hf(model), ModelLayout::HuggingFace, out, false);
    const LoadedModel loaded = load_model(out);
    EXPECT_EQ(loaded.layout, ModelLayout::HuggingFace);
    EXPECT_EQ(loaded.model.config.rope, RopeStyle::RotateHalf);
    std::uniform_int_distribution<int> token(0, model.config.vocab_size - 1);
    for (int length : {1, 5, std::min(model.config.seq_len, 40)}) {
        std::vector<int> tokens = {1};
        while (static_cast<int>(tokens.size()) < length) tokens.push_back(token(rng));
        const MatrixF expected = llama_logits(model, tokens), actual = llama_logits(loaded.model, tokens);
        EXPECT_LT((actual - expected).cwiseAbs().maxCoeff(), 1e-4 * expected.cwiseAbs().maxCoeff()) << "length " << length;
    }
}

json read_json(const std::string& path) { return json::parse(file_bytes(path)); }
void write_json(const std::string& path, const json& value) { write_bytes(path, value.dump(2)); }

TEST(ModelFiles, Stories260KSavedAsLlama2cIsTheSameFile) {
    if (!fs::exists(stories())) GTEST_SKIP() << "no ../shared/models";
    const LoadedModel loaded = load_model(stories());
    EXPECT_EQ(loaded.layout, ModelLayout::Llama2c);
    EXPECT_EQ(model_layout_name(loaded.layout), "llama2.c");
    const std::string out = scratch_dir() + "/copy.bin";
    save_model(loaded.model, ModelLayout::Llama2c, out, false);
    const std::string original = file_bytes(stories()), copy = file_bytes(out);
    ASSERT_EQ(copy.size(), original.size());
    // Every byte but the RoPE tables is the same; the tables agree to float32 rounding of cos/sin.
    const Llama2cCheckpoint checkpoint = read_llama2c_checkpoint(stories());
    std::uint64_t tables_begin = 0, tables_end = 0;
    for (const TableEntry& entry : checkpoint.table.entries) {
        if (entry.view.name == "freq_cis_real") tables_begin = entry.view.offset;
        if (entry.view.name == "freq_cis_imag") tables_end = entry.view.offset + entry.view.element_count() * 4;
    }
    ASSERT_GT(tables_end, tables_begin);
    EXPECT_EQ(copy.substr(0, tables_begin), original.substr(0, tables_begin));
    EXPECT_EQ(copy.substr(tables_end), original.substr(tables_end));
    double worst = 0.0;
    for (std::uint64_t at = tables_begin; at < tables_end; at += 4) {
        float a, b;
        std::memcpy(&a, original.data() + at, 4);
        std::memcpy(&b, copy.data() + at, 4);
        worst = std::max(worst, static_cast<double>(std::fabs(a - b)));
    }
    EXPECT_LT(worst, 1e-6);
    expect_same_weights(load_model(out).model, loaded.model);
}

TEST(ModelFiles, UntiedLlama2cCheckpointIsWrittenBackByteForByte) {
    const std::string dir = scratch_dir();
    // Values index · 0.001 make every tensor's bytes distinct; the RoPE tables of this synthetic
    // file are not cos/sin, so only the rest is compared.
    TinyLlama tiny;
    tiny.vocab = -16;
    write_bytes(dir + "/tiny.bin", tiny_llama_bytes(tiny));
    const LoadedModel loaded = load_model(dir + "/tiny.bin");
    EXPECT_FALSE(loaded.model.config.tied_classifier);
    save_model(loaded.model, ModelLayout::Llama2c, dir + "/copy.bin", false);
    const std::string original = file_bytes(dir + "/tiny.bin"), copy = file_bytes(dir + "/copy.bin");
    ASSERT_EQ(copy.size(), original.size());
    const std::size_t tables = 2 * static_cast<std::size_t>(tiny.seq * tiny.dim / tiny.heads / 2) * 4;
    const std::size_t classifier = static_cast<std::size_t>(16 * tiny.dim) * 4;
    const std::size_t tables_begin = original.size() - classifier - tables;
    EXPECT_EQ(copy.substr(0, tables_begin), original.substr(0, tables_begin));
    EXPECT_EQ(copy.substr(original.size() - classifier), original.substr(original.size() - classifier));
}

TEST(ModelFiles, HuggingFaceConversionGivesTheLlama2cLogits) {
    std::mt19937 rng(7);
    SCOPED_TRACE("seed 7");
    const std::string dir = scratch_dir();
    for (bool tied : {true, false}) expect_hf_conversion_keeps_logits(random_model(small_config(tied), rng), dir + "/random" + std::to_string(tied), rng);
    if (!fs::exists(stories())) GTEST_SKIP() << "no ../shared/models: only the random models were compared";
    expect_hf_conversion_keeps_logits(load_model(stories()).model, dir + "/stories260K", rng);
}

TEST(ModelFiles, HuggingFaceSaveRoundTripsExactlySingleAndSharded) {
    std::mt19937 rng(11);
    SCOPED_TRACE("seed 11");
    const std::string dir = scratch_dir();
    for (bool tied : {true, false}) {
        LlamaModel model = to_hf(random_model(small_config(tied), rng));
        model.config.norm_eps = 1e-6f;
        model.config.rope_theta = 500000.0f;
        model.config.bos_token = 7;   // sampling starts where the model's text does (Llama 3: 128000)
        const std::string out = dir + "/hf" + std::to_string(tied) + "/";   // a trailing slash names the same directory
        save_model(model, ModelLayout::HuggingFace, out, false);
        const json config = read_json(dir + "/hf" + std::to_string(tied) + "/config.json");
        EXPECT_EQ(config["architectures"], json::array({"LlamaForCausalLM"}));
        EXPECT_EQ(config["torch_dtype"], "float32");
        EXPECT_EQ(config["rms_norm_eps"].get<double>(), 1e-6);   // the shortest decimal, not float32's widening
        EXPECT_EQ(config["tie_word_embeddings"], tied);
        EXPECT_EQ(config["bos_token_id"], 7);
        const LoadedModel loaded = load_model(out + "config.json");
        EXPECT_EQ(loaded.layout, ModelLayout::HuggingFace);
        expect_same_config(loaded.model.config, model.config);
        expect_same_weights(loaded.model, model);
        EXPECT_FALSE(fs::exists(dir + "/hf" + std::to_string(tied) + ".tmp-" + std::to_string(::getpid())));
    }
    // The safetensors file itself: 8-byte-aligned header, tensors in name order, lm_head only untied.
    const std::string weights = file_bytes(dir + "/hf1/model.safetensors");
    std::uint64_t header_length = 0;
    std::memcpy(&header_length, weights.data(), 8);
    EXPECT_EQ(header_length % 8, 0u);
    const json header = json::parse(weights.substr(8, header_length));
    EXPECT_EQ(header["__metadata__"]["format"], "pt");
    EXPECT_FALSE(header.contains("lm_head.weight"));
    EXPECT_TRUE(read_json(dir + "/hf0/config.json")["tie_word_embeddings"] == false);
    std::uint64_t previous_end = 0;
    for (const auto& [name, spec] : header.items()) {   // nlohmann iterates keys in byte order
        if (name == "__metadata__") continue;
        EXPECT_EQ(spec["dtype"], "F32");
        EXPECT_EQ(spec["data_offsets"][0].get<std::uint64_t>(), previous_end) << name;
        previous_end = spec["data_offsets"][1].get<std::uint64_t>();
    }
    EXPECT_EQ(previous_end, weights.size() - 8 - header_length);

    // Sharded: the same tensors split over two files and an index.
    const std::string sharded = dir + "/sharded";
    fs::create_directories(sharded);
    fs::copy_file(dir + "/hf0/config.json", sharded + "/config.json");
    const TensorTable table = read_safetensors_file(dir + "/hf0/model.safetensors");
    const std::string original = file_bytes(dir + "/hf0/model.safetensors");
    std::string headers[2], data[2];
    json weight_map;
    for (size_t k = 0; k < table.entries.size(); ++k) {
        const TensorView& view = table.entries[k].view;
        const size_t shard = k % 2;
        const std::uint64_t bytes = view.element_count() * 4;
        json shape = view.shape;
        headers[shard] += (headers[shard].empty() ? "" : ",") +
                          f32_entry(view.name, shape.dump(), data[shard].size(), data[shard].size() + bytes);
        data[shard] += original.substr(view.offset, bytes);
        weight_map[view.name] = "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
    }
    for (size_t shard = 0; shard < 2; ++shard)
        write_bytes(sharded + "/model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors",
                    safetensors_bytes("{" + headers[shard] + "}", data[shard]));
    write_json(sharded + "/model.safetensors.index.json", {{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}});
    expect_same_weights(load_model(sharded).model, load_model(dir + "/hf0").model);
}

TEST(ModelFiles, SavingRefusesExistingOutputsAndTheWrongRopeLayout) {
    std::mt19937 rng(3);
    const std::string dir = scratch_dir();
    const LlamaModel llama2c = random_model(small_config(true), rng);
    const LlamaModel hf = to_hf(llama2c);
    expect_parameter_error([&] { save_model(hf, ModelLayout::Llama2c, dir + "/x.bin", false); }, {"x.bin", "rotate-half", "interleaved"});
    expect_parameter_error([&] { save_model(llama2c, ModelLayout::HuggingFace, dir + "/x", false); }, {"interleaved", "rotates halves"});
    LlamaModel other_eps = llama2c;
    other_eps.config.norm_eps = 1e-6f;
    expect_parameter_error([&] { save_model(other_eps, ModelLayout::Llama2c, dir + "/x.bin", false); }, {"rms_norm_eps", "1e-5"});
    EXPECT_FALSE(fs::exists(dir + "/x.bin"));

    save_model(llama2c, ModelLayout::Llama2c, dir + "/m.bin", false);
    expect_parameter_error([&] { save_model(llama2c, ModelLayout::Llama2c, dir + "/m.bin", false); }, {"m.bin", "exists"});
    // With force the old file is replaced, here by the untied writing of a changed classifier.
    LlamaModel changed = llama2c;
    changed.classifier(0, 0) += 1.0f;
    save_model(changed, ModelLayout::Llama2c, dir + "/m.bin", true);
    const LlamaModel reread = load_model(dir + "/m.bin").model;
    EXPECT_FALSE(reread.config.tied_classifier);
    EXPECT_EQ(reread.classifier, changed.classifier);
    EXPECT_EQ(reread.token_embedding, changed.token_embedding);

    save_model(hf, ModelLayout::HuggingFace, dir + "/hf", false);
    expect_parameter_error([&] { save_model(hf, ModelLayout::HuggingFace, dir + "/hf", false); }, {"hf", "exists"});
    LlamaModel hf_changed = hf;
    hf_changed.classifier(0, 0) += 1.0f;
    save_model(hf_changed, ModelLayout::HuggingFace, dir + "/hf", true);   // a model directory replaced by another
    const LlamaModel hf_reread = load_model(dir + "/hf").model;
    EXPECT_FALSE(hf_reread.config.tied_classifier);
    EXPECT_EQ(hf_reread.classifier, hf_changed.classifier);
    EXPECT_FALSE(fs::exists(dir + "/hf.old-" + std::to_string(::getpid())));
    // Force replaces a model, never a folder that is not one.
    fs::create_directories(dir + "/photos");
    write_bytes(dir + "/photos/cat.jpg", "meow");
    expect_parameter_error([&] { save_model(hf, ModelLayout::HuggingFace, dir + "/photos", true); }, {"photos", "no config.json"});
    expect_parameter_error([&] { save_model(llama2c, ModelLayout::Llama2c, dir + "/photos", true); }, {"photos", "no config.json"});
    EXPECT_TRUE(fs::exists(dir + "/photos/cat.jpg"));
    expect_parameter_error([&] { save_model(llama2c, ModelLayout::Llama2c, dir + "/hf", true); }, {"hf", "is a directory"});
    EXPECT_TRUE(fs::exists(dir + "/hf/config.json"));
    // A model whose tensors disagree with its config is not written.
    LlamaModel broken = llama2c;
    broken.blocks[1].w2.resize(3, 3);
    expect_parameter_error([&] { save_model(broken, ModelLayout::Llama2c, dir + "/broken.bin", false); }, {"layers.1.feed_forward.w2"});
    EXPECT_FALSE(fs::exists(dir + "/broken.bin"));
    expect_input_error([&] { save_model(llama2c, ModelLayout::Llama2c, dir + "/no/such/folder/m.bin", false); }, {"does not exist"});
}

TEST(ModelFiles, BadConfigJsonIsRefusedNamingTheField) {
    std::mt19937 rng(5);
    const std::string dir = scratch_dir();
    save_model(to_hf(random_model(small_config(true), rng)), ModelLayout::HuggingFace, dir + "/good", false);
    const json good = read_json(dir + "/good/config.json");
    EXPECT_NO_THROW(load_model(dir + "/good"));
    struct Case {
        std::string name;
        std::function<void(json&)> edit;
        std::vector<std::string> fragments;
    };
    const std::vector<Case> cases = {
        {"no_hidden_size", [](json& c) { c.erase("hidden_size"); }, {"field 'hidden_size'", "missing"}},
        {"kv_heads", [](json& c) { c["num_key_value_heads"] = 3; }, {"field 'num_key_value_heads'", "does not divide", "num_attention_heads 4"}},
        {"heads", [](json& c) { c["num_attention_heads"] = 5; }, {"field 'num_attention_heads'", "does not divide hidden_size 16"}},
        {"rope_scaling", [](json& c) { c["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}}; }, {"field 'rope_scaling'", "linear"}},
        {"gelu", [](json& c) { c["hidden_act"] = "gelu"; }, {"field 'hidden_act'", "gelu"}},
        {"bias", [](json& c) { c["attention_bias"] = true; }, {"field 'attention_bias'", "no biases"}},
        {"head_dim", [](json& c) { c["head_dim"] = 8; }, {"field 'head_dim'", "= 4"}},
        {"not_integer", [](json& c) { c["intermediate_size"] = "24"; }, {"field 'intermediate_size'", "not an integer"}},
        {"negative", [](json& c) { c["num_hidden_layers"] = -2; }, {"field 'num_hidden_layers'", "positive"}},
        {"eps", [](json& c) { c["rms_norm_eps"] = 0; }, {"field 'rms_norm_eps'", "positive number"}},
        {"mistral", [](json& c) { c["model_type"] = "mistral"; c["architectures"] = json::array({"MistralForCausalLM"}); },
         {"\"mistral\"", "MistralForCausalLM", "not a Llama model"}},
        {"vocab", [](json& c) { c["vocab_size"] = 21; },
         {"tensor 'model.embed_tokens.weight'", "[20, 16]", "[vocab_size, hidden_size] is [21, 16]"}},
        {"untied", [](json& c) { c["tie_word_embeddings"] = false; }, {"no tensor 'lm_head.weight'", "tie_word_embeddings false"}},
        {"fewer_layers", [](json& c) { c["num_hidden_layers"] = 1; }, {"model.layers.1.", "not part of the Llama model"}},
        {"bos_outside", [](json& c) { c["bos_token_id"] = 20; }, {"field 'bos_token_id'", "[0, 20)"}},
        {"bos_list", [](json& c) { c["bos_token_id"] = json::array({1, 2}); }, {"field 'bos_token_id'", "[1,2]"}},
        // Past the bounds nothing is computed from the size; within them the total is checked
        // against the memory budget before any tensor is looked for.
        {"huge", [](json& c) { c["hidden_size"] = 1ULL << 40; }, {"field 'hidden_size'", "over the limit"}},
        {"huge_total", [](json& c) { c["hidden_size"] = 65536; c.erase("head_dim"); c["intermediate_size"] = 262144; c["num_hidden_layers"] = 1024; },
         {"config.json", "over the memory budget"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string model = dir + "/" + c.name;
        fs::create_directories(model);
        fs::copy_file(dir + "/good/model.safetensors", model + "/model.safetensors");
        json config = good;
        c.edit(config);
        write_json(model + "/config.json", config);
        expect_input_error([&] { load_model(model); }, c.fragments);
    }
    const std::string malformed = dir + "/malformed";
    fs::create_directories(malformed);
    write_bytes(malformed + "/config.json", "{\"hidden_size\": 16,");
    expect_input_error([&] { load_model(malformed); }, {"malformed/config.json", "not valid JSON"});
    write_bytes(malformed + "/config.json", std::string(100, '[') + std::string(100, ']'));
    expect_input_error([&] { load_model(malformed); }, {"config.json", "deeper"});
    const std::string no_weights = dir + "/no_weights";
    fs::create_directories(no_weights);
    write_json(no_weights + "/config.json", good);
    expect_input_error([&] { load_model(no_weights); }, {"no_weights", "no model.safetensors"});
}

TEST(ModelFiles, TruncatedCheckpointAndMissingPathsAreInputErrors) {
    const std::string dir = scratch_dir();
    const std::string bytes = tiny_llama_bytes(TinyLlama{});
    write_bytes(dir + "/short.bin", bytes.substr(0, bytes.size() - 1));
    expect_input_error([&] { load_model(dir + "/short.bin"); }, {"short.bin", "truncated"});
    expect_input_error([&] { load_model(dir + "/nothing.bin"); }, {"nothing.bin", "no such file"});
    expect_input_error([&] { load_model(dir + "/nothing/config.json"); }, {"nothing/config.json", "no such file"});
    write_bytes(dir + "/tiny.bin", bytes);
    ReadLimits tight;
    tight.max_weight_bytes = 1024;
    expect_input_error([&] { load_model(dir + "/tiny.bin", tight); }, {"tiny.bin", "memory budget"});
}

}  // namespace
}  // namespace layerlens::test
