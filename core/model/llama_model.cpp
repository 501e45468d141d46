#include "llama_model.h"

#include "../errors.h"
#include "../io/llama2c_checkpoint.h"
#include "../io/tensor_view.h"

namespace layerlens {

namespace {

const char* const kBlockLinears[] = {"attention.wq", "attention.wk", "attention.wv", "attention.wo",
                                     "feed_forward.w1", "feed_forward.w2", "feed_forward.w3"};

MatrixF* block_linear(LlamaBlock& block, const std::string& which) {
    if (which == "attention.wq") return &block.wq;
    if (which == "attention.wk") return &block.wk;
    if (which == "attention.wv") return &block.wv;
    if (which == "attention.wo") return &block.wo;
    if (which == "feed_forward.w1") return &block.w1;
    if (which == "feed_forward.w2") return &block.w2;
    if (which == "feed_forward.w3") return &block.w3;
    return nullptr;
}

}  // namespace

std::vector<std::string> LlamaModel::linear_names() const {
    std::vector<std::string> names;
    for (size_t b = 0; b < blocks.size(); ++b)
        for (const char* which : kBlockLinears) names.push_back("layers." + std::to_string(b) + "." + which);
    names.push_back("output");
    return names;
}

MatrixF* LlamaModel::linear(const std::string& name) {
    if (name == "output") return &classifier;
    const std::string prefix = "layers.";
    if (name.rfind(prefix, 0) != 0) return nullptr;
    const size_t dot = name.find('.', prefix.size());
    if (dot == std::string::npos) return nullptr;
    const std::string index = name.substr(prefix.size(), dot - prefix.size());
    if (index.empty() || index.size() > 6 || index.find_first_not_of("0123456789") != std::string::npos) return nullptr;
    const size_t b = std::stoul(index);
    return b < blocks.size() ? block_linear(blocks[b], name.substr(dot + 1)) : nullptr;
}

const MatrixF* LlamaModel::linear(const std::string& name) const { return const_cast<LlamaModel*>(this)->linear(name); }

LlamaModel load_llama2c_model(const std::string& path, const ReadLimits& limits) {
    const Llama2cCheckpoint checkpoint = read_llama2c_checkpoint(path);
    const Llama2cConfig& c = checkpoint.config;
    LlamaModel model;
    model.config = LlamaConfig{c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab(), c.seq_len};
    model.config.tied_classifier = c.shared_classifier();
    auto view = [&](const std::string& name) -> const TensorView& {
        for (const TableEntry& entry : checkpoint.table.entries)
            if (entry.view.name == name) return entry.view;
        throw InputError(path + ": no tensor '" + name + "' in the checkpoint");   // a bug in the layout table
    };
    model.token_embedding = read_weight(view("tok_embeddings.weight"), limits);
    model.blocks.resize(static_cast<size_t>(c.n_layers));
    for (int b = 0; b < c.n_layers; ++b) {
        LlamaBlock& block = model.blocks[static_cast<size_t>(b)];
        const std::string prefix = "layers." + std::to_string(b) + ".";
        block.attention_norm = read_vector(view(prefix + "attention_norm.weight"), c.dim);
        block.ffn_norm = read_vector(view(prefix + "ffn_norm.weight"), c.dim);
        for (const char* which : kBlockLinears) *block_linear(block, which) = read_weight(view(prefix + which + ".weight"), limits);
    }
    model.final_norm = read_vector(view("norm.weight"), c.dim);
    model.classifier = model.config.tied_classifier ? model.token_embedding : read_weight(view("output.weight"), limits);
    return model;
}

}  // namespace layerlens
