#include "model_files.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>

#include "../errors.h"
#include "../io/atomic_output.h"
#include "../io/checked_math.h"
#include "../io/llama2c_checkpoint.h"

namespace layerlens {

namespace fs = std::filesystem;

namespace {

// The shapes save_model's writers assume: a model built by hand (or a bug) that disagrees with
// its config would otherwise become a file no loader accepts.
void check_model_shapes(const LlamaModel& model, const std::string& out) {
    const LlamaConfig& c = model.config;
    const auto fail = [&](const std::string& what) { throw ParameterError(out + ": cannot save the model: " + what); };
    if (c.dim <= 0 || c.hidden_dim <= 0 || c.n_layers <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 || c.vocab_size <= 0 ||
        c.seq_len <= 0 || c.dim % c.n_heads != 0 || c.head_size() % 2 != 0 || c.n_heads % c.n_kv_heads != 0)
        fail("its config is not a consistent Llama config");
    if (model.blocks.size() != static_cast<std::size_t>(c.n_layers))
        fail("it has " + std::to_string(model.blocks.size()) + " blocks; its config says " + std::to_string(c.n_layers));
    const auto matrix = [&](const MatrixF& W, int rows, int cols, const std::string& name) {
        if (W.rows() != rows || W.cols() != cols)
            fail(name + " is " + std::to_string(W.rows()) + " x " + std::to_string(W.cols()) + "; its config implies " +
                 std::to_string(rows) + " x " + std::to_string(cols));
    };
    const auto vector = [&](const VectorF& v, int length, const std::string& name) {
        if (v.size() != length) fail(name + " has " + std::to_string(v.size()) + " entries; its config implies " + std::to_string(length));
    };
    matrix(model.token_embedding, c.vocab_size, c.dim, "the token embedding");
    for (std::size_t b = 0; b < model.blocks.size(); ++b) {
        const LlamaBlock& block = model.blocks[b];
        const std::string prefix = "layers." + std::to_string(b) + ".";
        vector(block.attention_norm, c.dim, prefix + "attention_norm");
        vector(block.ffn_norm, c.dim, prefix + "ffn_norm");
        for (const std::string& name : model.linear_names())
            if (name.rfind(prefix, 0) == 0) {
                const MatrixF& W = *model.linear(name);
                const std::string which = name.substr(prefix.size());
                const bool kv = which == "attention.wk" || which == "attention.wv";
                const int rows = which == "feed_forward.w1" || which == "feed_forward.w3" ? c.hidden_dim : kv ? c.kv_dim() : c.dim;
                matrix(W, rows, which == "feed_forward.w2" ? c.hidden_dim : c.dim, name);
            }
    }
    vector(model.final_norm, c.dim, "the final norm");
    matrix(model.classifier, c.vocab_size, c.dim, "the classifier (output)");
}

// llama2.c's legacy export (export.py legacy_export), field for field as llama2c_checkpoint.cpp
// reads it: the header, the weights stacked over layers, the RoPE tables, the classifier.
void write_llama2c_checkpoint(const LlamaModel& model, const std::string& path) {
    const LlamaConfig& c = model.config;
    const bool shared = c.tied_classifier && model.classifier == model.token_embedding;
    FileWriter out(path);
    const std::int32_t header[7] = {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, shared ? c.vocab_size : -c.vocab_size, c.seq_len};
    out.write(header, sizeof header);
    write_row_major(out, model.token_embedding);
    const auto each_block = [&](auto write_one) {
        for (const LlamaBlock& block : model.blocks) write_one(block);
    };
    each_block([&](const LlamaBlock& b) { write_floats(out, b.attention_norm); });
    each_block([&](const LlamaBlock& b) { write_row_major(out, b.wq); });
    each_block([&](const LlamaBlock& b) { write_row_major(out, b.wk); });
    each_block([&](const LlamaBlock& b) { write_row_major(out, b.wv); });
    each_block([&](const LlamaBlock& b) { write_row_major(out, b.wo); });
    each_block([&](const LlamaBlock& b) { write_floats(out, b.ffn_norm); });
    each_block([&](const LlamaBlock& b) { write_row_major(out, b.w1); });
    each_block([&](const LlamaBlock& b) { write_row_major(out, b.w2); });
    each_block([&](const LlamaBlock& b) { write_row_major(out, b.w3); });
    write_floats(out, model.final_norm);
    // freq_cis_real then freq_cis_imag, [seq_len, head_size/2]: cos and sin of pos · θ^(−2i/head),
    // in float32 as model.py's precompute_freqs_cis (nothing reads them back: the forward pass
    // computes its own, but the file's size and llama2.c's older run.c need them).
    const int half = c.head_size() / 2;
    for (const bool imaginary : {false, true}) {
        std::vector<float> row(static_cast<std::size_t>(half));
        for (int pos = 0; pos < c.seq_len; ++pos) {
            for (int i = 0; i < half; ++i) {
                const float frequency = 1.0f / std::pow(c.rope_theta, static_cast<float>(2 * i) / static_cast<float>(c.head_size()));
                const float angle = static_cast<float>(pos) * frequency;
                row[static_cast<std::size_t>(i)] = imaginary ? std::sin(angle) : std::cos(angle);
            }
            out.write(row.data(), row.size() * sizeof(float));
        }
    }
    if (!shared) write_row_major(out, model.classifier);
    out.close();
}

std::string number_text(float value) {
    char text[32];
    return std::string(text, std::to_chars(text, text + sizeof text, value).ptr);
}

void check_layout_fits(const LlamaModel& model, ModelLayout layout, const std::string& out) {
    const LlamaConfig& c = model.config;
    if (layout == ModelLayout::Llama2c) {
        if (c.rope != RopeStyle::InterleavedPairs)
            throw ParameterError(out + ": cannot save a Hugging Face model as llama2.c: its q/k rows are ordered for rotate-half "
                                       "RoPE, and llama2.c rotates interleaved pairs; save it in the Hugging Face layout");
        // The version-0 header has no field for them: llama2.c's run.c hard-codes both.
        if (c.norm_eps != 1e-5f || c.rope_theta != 10000.0f)
            throw ParameterError(out + ": cannot save as llama2.c: the model has rms_norm_eps " + number_text(c.norm_eps) +
                                 " and rope_theta " + number_text(c.rope_theta) +
                                 ", and a llama2.c checkpoint implies 1e-5 and 10000; save it in the Hugging Face layout");
    } else if (c.rope != RopeStyle::RotateHalf) {
        throw ParameterError(out + ": cannot save a llama2.c model in the Hugging Face layout: its q/k rows are ordered for "
                                   "interleaved-pair RoPE, and Hugging Face's Llama rotates halves; save it as llama2.c");
    }
}

}  // namespace

std::string model_layout_name(ModelLayout layout) { return layout == ModelLayout::Llama2c ? "llama2.c" : "Hugging Face"; }

std::optional<std::uint64_t> llama_weight_bytes(const LlamaConfig& c) {
    const auto dim = static_cast<std::uint64_t>(c.dim), hidden = static_cast<std::uint64_t>(c.hidden_dim),
               kv = static_cast<std::uint64_t>(c.kv_dim()), vocab = static_cast<std::uint64_t>(c.vocab_size);
    // Per block: two norms, wq and wo, wk and wv, w1 w2 w3. The classifier is always a matrix of its own.
    const std::optional<std::uint64_t> terms[] = {checked_mul(2, dim), checked_mul(2 * dim, dim), checked_mul(2 * kv, dim),
                                                  checked_mul(3 * hidden, dim)};
    std::uint64_t block = 0;
    for (const auto& term : terms) {
        const auto sum = term ? checked_add(block, *term) : std::nullopt;
        if (!sum) return std::nullopt;
        block = *sum;
    }
    const auto blocks = checked_mul(block, static_cast<std::uint64_t>(c.n_layers));
    const auto embeddings = checked_mul(2 * vocab, dim);   // the embedding and the classifier
    const auto globals = embeddings ? checked_add(*embeddings, dim) : std::nullopt;
    const auto floats = blocks && globals ? checked_add(*blocks, *globals) : std::nullopt;
    return floats ? checked_mul(*floats, sizeof(float)) : std::nullopt;
}

LoadedModel load_model(const std::string& path, const ReadLimits& limits) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) throw InputError(path + ": no such file or directory");
    LoadedModel loaded;
    loaded.path = path;
    const fs::path given(output_path(path));
    if (fs::is_directory(status) || given.filename() == "config.json") {
        loaded.layout = ModelLayout::HuggingFace;
        const std::string folder = fs::is_directory(status) ? given.string() : given.has_parent_path() ? given.parent_path().string() : ".";
        loaded.model = load_hf_llama_model(folder, limits);
        return loaded;
    }
    loaded.layout = ModelLayout::Llama2c;
    const Llama2cConfig header = read_llama2c_checkpoint(path).config;
    LlamaConfig config{header.dim, header.hidden_dim, header.n_layers, header.n_heads, header.n_kv_heads, header.vocab(), header.seq_len};
    const auto bytes = llama_weight_bytes(config);
    if (!bytes || *bytes > limits.max_weight_bytes)
        throw InputError(path + ": the model (" + header.text() + ") needs " + std::to_string(bytes.value_or(0) >> 20) +
                         " MiB as float32, over the memory budget of " + std::to_string(limits.max_weight_bytes >> 20) + " MiB");
    loaded.model = load_llama2c_model(path, limits);
    return loaded;
}

void save_model(const LlamaModel& model, ModelLayout layout, const std::string& out, bool force) {
    const std::string target = output_path(out);
    check_layout_fits(model, layout, target);
    check_model_shapes(model, target);
    std::error_code ec;
    const fs::file_status existing = fs::symlink_status(target, ec);
    if (fs::exists(existing)) {
        if (!force) throw ParameterError(target + ": exists; refusing to overwrite it (use --force)");
        if (fs::is_directory(existing) && !fs::exists(fs::path(target) / "config.json", ec))
            throw ParameterError(target + ": is a directory that holds no config.json; refusing to replace a folder that is not a model");
    }
    TemporaryOutput temporary(target);
    if (layout == ModelLayout::Llama2c) {
        write_llama2c_checkpoint(model, temporary.path());
    } else {
        if (!fs::create_directory(temporary.path(), ec))
            throw InputError(temporary.path() + ": cannot create the directory (" + ec.message() + ")");
        write_hf_llama_directory(model, temporary.path());
    }
    temporary.commit(force);
}

}  // namespace layerlens
