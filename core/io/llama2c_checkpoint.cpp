#include "llama2c_checkpoint.h"

#include <cstring>

#include "../errors.h"
#include "checked_math.h"

namespace layerlens {

namespace {

std::int32_t int_at(const std::string& head, std::size_t index) {
    std::int32_t value;
    std::memcpy(&value, head.data() + 4 * index, 4);
    return value;
}

// Generous bounds: the largest Llama has dim 16384, hidden 53248, 126 layers, vocab 128256.
constexpr std::int32_t kMaxDim = 1 << 16, kMaxHidden = 1 << 18, kMaxLayers = 1024, kMaxVocab = 1 << 22, kMaxSeq = 1 << 22;

}  // namespace

std::string Llama2cConfig::text() const {
    return "dim " + std::to_string(dim) + ", hidden_dim " + std::to_string(hidden_dim) + ", " + std::to_string(n_layers) +
           " layers, " + std::to_string(n_heads) + " heads, " + std::to_string(n_kv_heads) + " kv heads, vocab " +
           std::to_string(vocab()) + (shared_classifier() ? " (shared classifier)" : " (separate classifier)") + ", seq_len " +
           std::to_string(seq_len);
}

std::optional<Llama2cConfig> plausible_llama2c_config(const std::string& head) {
    if (head.size() < kLlama2cHeaderBytes) return std::nullopt;
    Llama2cConfig c;
    c.dim = int_at(head, 0);
    c.hidden_dim = int_at(head, 1);
    c.n_layers = int_at(head, 2);
    c.n_heads = int_at(head, 3);
    c.n_kv_heads = int_at(head, 4);
    c.vocab_size = int_at(head, 5);
    c.seq_len = int_at(head, 6);
    const bool plausible = c.dim > 0 && c.dim <= kMaxDim && c.hidden_dim > 0 && c.hidden_dim <= kMaxHidden && c.n_layers > 0 &&
                           c.n_layers <= kMaxLayers && c.n_heads > 0 && c.dim % c.n_heads == 0 && c.head_size() % 2 == 0 &&
                           c.n_kv_heads > 0 && c.n_kv_heads <= c.n_heads && c.n_heads % c.n_kv_heads == 0 && c.vocab_size != 0 &&
                           c.vocab_size >= -kMaxVocab && c.vocab_size <= kMaxVocab && c.seq_len > 0 && c.seq_len <= kMaxSeq;
    if (!plausible) return std::nullopt;
    return c;
}

bool is_llama2c_versioned_export(const std::string& head) {
    // export.py's version 1 and 2 start with the uint32 0x616b3432 ("ak42"), then the version.
    return head.size() >= 8 && int_at(head, 0) == 0x616b3432;
}

namespace {

// The checkpoint's tensors in file order, with their sizes: the one place the layout is written.
struct Block {
    std::string name;                  // "{N}" is replaced by the layer index for stacked blocks
    bool stacked;                      // one slice per layer
    std::vector<std::uint64_t> shape;  // of one slice
    bool layer_candidate;
};

std::vector<Block> file_layout(const Llama2cConfig& c) {
    const std::uint64_t dim = static_cast<std::uint64_t>(c.dim), hidden = static_cast<std::uint64_t>(c.hidden_dim),
                        kv = static_cast<std::uint64_t>(c.kv_dim()), vocab = static_cast<std::uint64_t>(c.vocab()),
                        seq = static_cast<std::uint64_t>(c.seq_len), half_head = static_cast<std::uint64_t>(c.head_size() / 2);
    std::vector<Block> blocks = {
        {"tok_embeddings.weight", false, {vocab, dim}, false},
        {"layers.{N}.attention_norm.weight", true, {dim}, false},
        {"layers.{N}.attention.wq.weight", true, {dim, dim}, true},
        {"layers.{N}.attention.wk.weight", true, {kv, dim}, true},
        {"layers.{N}.attention.wv.weight", true, {kv, dim}, true},
        {"layers.{N}.attention.wo.weight", true, {dim, dim}, true},
        {"layers.{N}.ffn_norm.weight", true, {dim}, false},
        {"layers.{N}.feed_forward.w1.weight", true, {hidden, dim}, true},
        {"layers.{N}.feed_forward.w2.weight", true, {dim, hidden}, true},
        {"layers.{N}.feed_forward.w3.weight", true, {hidden, dim}, true},
        {"norm.weight", false, {dim}, false},
        {"freq_cis_real", false, {seq, half_head}, false},
        {"freq_cis_imag", false, {seq, half_head}, false},
    };
    if (!c.shared_classifier()) blocks.push_back({"output.weight", false, {vocab, dim}, true});
    return blocks;
}

std::string with_layer(const std::string& pattern, std::int32_t layer) {
    const std::size_t at = pattern.find("{N}");
    return at == std::string::npos ? pattern : pattern.substr(0, at) + std::to_string(layer) + pattern.substr(at + 3);
}

}  // namespace

std::optional<std::uint64_t> llama2c_file_size(const Llama2cConfig& config) {
    std::uint64_t bytes = kLlama2cHeaderBytes;
    for (const Block& block : file_layout(config)) {
        auto count = checked_element_count(block.shape);
        if (count && block.stacked) count = checked_mul(*count, static_cast<std::uint64_t>(config.n_layers));
        const auto size = count ? checked_mul(*count, 4) : std::nullopt;
        const auto total = size ? checked_add(bytes, *size) : std::nullopt;
        if (!total) return std::nullopt;
        bytes = *total;
    }
    return bytes;
}

Llama2cCheckpoint read_llama2c_checkpoint(const std::string& path) {
    auto file = std::make_shared<const MappedFile>(path);
    const std::uint64_t head_length = std::min<std::uint64_t>(file->size(), 64);
    const std::string head(reinterpret_cast<const char*>(file->span(0, head_length, "header")), head_length);
    if (is_llama2c_versioned_export(head))
        throw InputError(path + ": a llama2.c checkpoint of export version " + std::to_string(int_at(head, 1)) +
                         "; LayerLens reads the legacy version-0 format (export.py --version 0)");
    const auto config = plausible_llama2c_config(head);
    if (!config) throw InputError(path + ": the first 28 bytes are not a plausible llama2.c header (dim, hidden_dim, layers, heads, kv heads, vocab, seq_len)");
    const auto expected = llama2c_file_size(*config);
    if (!expected || *expected != file->size())
        throw InputError(path + ": the llama2.c header (" + config->text() + ") implies " +
                         (expected ? std::to_string(*expected) : std::string("more than 2^64")) + " bytes; the file has " +
                         std::to_string(file->size()) +
                         (expected && file->size() < *expected ? " (truncated?)" : " (not a version-0 checkpoint with this header)"));

    Llama2cCheckpoint checkpoint;
    checkpoint.config = *config;
    TensorTable& table = checkpoint.table;
    table.attributes = {{"format", "llama2.c checkpoint (version 0)"}, {"config", config->text()}};
    // Views in file order, then arranged layer by layer (wq, wk, wv, wo, w1, w2, w3) for the browser.
    std::vector<TableEntry> global, per_layer_by_block;
    std::vector<std::vector<TableEntry>> layers(static_cast<std::size_t>(config->n_layers));
    std::uint64_t offset = kLlama2cHeaderBytes;
    for (const Block& block : file_layout(*config)) {
        const std::uint64_t slice = *checked_element_count(block.shape) * 4;
        const std::int32_t copies = block.stacked ? config->n_layers : 1;
        for (std::int32_t layer = 0; layer < copies; ++layer) {
            TableEntry entry;
            entry.view.file = file;
            entry.view.name = with_layer(block.name, layer);
            entry.view.shape = block.shape;
            entry.view.offset = offset;
            entry.layer_candidate = block.layer_candidate;
            entry.view.check_extent();
            offset += slice;
            if (block.stacked) layers[static_cast<std::size_t>(layer)].push_back(std::move(entry));
            else global.push_back(std::move(entry));
        }
    }
    if (config->shared_classifier()) {
        TableEntry output = global.front();   // the classifier reads the embedding's bytes
        output.view.name = "output.weight";
        output.layer_candidate = true;
        global.push_back(std::move(output));
    }
    for (TableEntry& entry : global)
        if (entry.view.name == "tok_embeddings.weight") table.entries.push_back(entry);
    for (auto& layer : layers)
        for (TableEntry& entry : layer) table.entries.push_back(std::move(entry));
    for (TableEntry& entry : global)
        if (entry.view.name != "tok_embeddings.weight") table.entries.push_back(std::move(entry));
    return checkpoint;
}

}  // namespace layerlens
