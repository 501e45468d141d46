// The whole-model forward pass on the real stories260K: it reproduces the activations that the
// data's producer captured from the model at every one of its 35 linear layers, greedy decoding
// reproduces llama2.c's published story, and the tokenizer round-trips it.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>

#include "io/layer_format.h"
#include "model/llama2c_tokenizer.h"
#include "model/model_comparison.h"
#include "model/model_sampling.h"
#include "test_support.h"

namespace layerlens::test {
namespace {

std::string checkpoint() { return shared_models("stories260K/stories260K.bin"); }
std::string tokenizer() { return shared_models("stories260K/tok512.bin"); }
bool have_model() { return std::filesystem::exists(checkpoint()) && have_shared_data(); }

MatrixF all_inputs(const std::string& layer) {
    const auto inputs = open_inputs(shared_data("stories260K_layers.h5"), layer, 0);
    MatrixF X(inputs->n_tokens(), inputs->width());
    Progress quiet;
    inputs->for_each_chunk(4096, [&](const MatrixF& chunk, Eigen::Index first) { X.middleRows(first, chunk.rows()) = chunk; }, quiet);
    return X;
}

// The captured calibration is 16 sequences of 256 tokens from BOS; layers.0's wq saw
// RMSNorm(embedding of the token), so each row names its token: the nearest normed embedding.
std::vector<std::vector<int>> recovered_tokens(const LlamaModel& model) {
    const MatrixF X = all_inputs("layers.0.attention.wq");
    MatrixF normed(model.config.vocab_size, model.config.dim);
    for (int v = 0; v < model.config.vocab_size; ++v) {
        const auto row = model.token_embedding.row(v);
        normed.row(v) = (row / std::sqrt(row.squaredNorm() / static_cast<float>(row.size()) + 1e-5f)).cwiseProduct(
            model.blocks[0].attention_norm.transpose());
    }
    std::vector<std::vector<int>> sequences(16);
    for (Eigen::Index t = 0; t < X.rows(); ++t) {
        Eigen::Index best = 0;
        (normed.rowwise() - X.row(t)).rowwise().squaredNorm().minCoeff(&best);
        sequences[static_cast<size_t>(t / 256)].push_back(static_cast<int>(best));
    }
    return sequences;
}

TEST(LlamaForward, ReproducesTheCapturedInputsOfEveryLinearLayer) {
    if (!have_model()) GTEST_SKIP() << "no ../shared/models or data";
    const LlamaModel model = load_llama2c_model(checkpoint());
    const auto sequences = recovered_tokens(model);
    for (const auto& s : sequences) {
        ASSERT_EQ(s.size(), 256u);
        EXPECT_EQ(s.front(), Llama2cTokenizer::kBos);
    }
    // One forward pass per compared sequence sees every layer's inputs (sequences 0, 5, 10, 15).
    std::map<size_t, std::map<std::string, MatrixF>> seen;
    for (size_t s = 0; s < 16; s += 5)
        llama_logits(model, sequences[s], [&](const std::string& layer, const MatrixF& X) { seen[s][layer] = X; });
    int compared = 0;
    for (const std::string& name : model.linear_names()) {
        if (name == "output") continue;   // not in the captured file
        const MatrixF captured = all_inputs(name);
        ASSERT_EQ(captured.rows(), 4096) << name;
        double worst = 0.0;
        for (const auto& [s, layers] : seen) {
            const MatrixF expected = captured.middleRows(static_cast<Eigen::Index>(s) * 256, 256);
            const MatrixF& X = layers.at(name);
            worst = std::max(worst, static_cast<double>((X - expected).cwiseAbs().maxCoeff() / expected.cwiseAbs().maxCoeff()));
        }
        EXPECT_LT(worst, 2e-5) << name;
        ++compared;
    }
    EXPECT_EQ(compared, 35);
}

TEST(LlamaForward, GreedyDecodingTellsLlama2cPublishedStory) {
    if (!std::filesystem::exists(checkpoint())) GTEST_SKIP() << "no ../shared/models";
    const LlamaModel model = load_llama2c_model(checkpoint());
    const Llama2cTokenizer tok(tokenizer(), model.config.vocab_size);
    std::vector<int> tokens = {Llama2cTokenizer::kBos};
    std::string text;
    for (int step = 0; step < 30; ++step) {
        const MatrixF logits = llama_logits(model, tokens);
        Eigen::Index next = 0;
        logits.row(logits.rows() - 1).maxCoeff(&next);
        text += tok.decode(tokens.back(), static_cast<int>(next));
        tokens.push_back(static_cast<int>(next));
    }
    const std::string published = "Once upon a time, there was a little girl named Lily. She loved to play outside";
    ASSERT_GE(text.size(), published.size()) << text;
    EXPECT_EQ(text.substr(0, published.size()), published);
    // The tokenizer encodes that text back into the very tokens the model chose.
    const std::vector<int> encoded = tok.encode(published, true, false);
    ASSERT_LE(encoded.size(), tokens.size());
    EXPECT_EQ(encoded, std::vector<int>(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(encoded.size())));
    std::string round_trip;
    for (size_t k = 1; k < encoded.size(); ++k) round_trip += tok.decode(encoded[k - 1], encoded[k]);
    EXPECT_EQ(round_trip, published);
    // Bytes the vocabulary lacks fall back to <0xXX> tokens and decode to themselves.
    const std::string unusual = "Zoë 42 ✓";
    const std::vector<int> unusual_tokens = tok.encode(unusual, true, false);
    std::string unusual_back;
    for (size_t k = 1; k < unusual_tokens.size(); ++k) unusual_back += tok.decode(unusual_tokens[k - 1], unusual_tokens[k]);
    EXPECT_EQ(unusual_back, unusual);
}

TEST(LlamaForward, PerplexitySumsEverySequencesPredictionsAndRefusesBadTokens) {
    if (!have_model()) GTEST_SKIP() << "no ../shared/models or data";
    const LlamaModel model = load_llama2c_model(checkpoint());
    auto sequences = recovered_tokens(model);
    sequences.resize(4);
    Progress quiet;
    const NegativeLogLikelihood all = llama_negative_log_likelihood(model, sequences, quiet);
    EXPECT_EQ(all.predicted, 4 * 255);
    // Each sequence alone, from its logits in double: the sums agree.
    double sum = 0.0;
    for (const auto& s : sequences) {
        const MatrixF logits = llama_logits(model, s);
        for (Eigen::Index t = 0; t + 1 < logits.rows(); ++t) {
            const Eigen::VectorXd row = logits.row(t).transpose().cast<double>();
            sum += std::log(row.array().exp().sum()) - row(s[static_cast<size_t>(t + 1)]);
        }
    }
    // The parallel pass runs its products single-threaded inside the OpenMP loop, this one not:
    // float summation order differs, so the sums agree to float32 rounding, not exactly.
    EXPECT_NEAR(all.sum, sum, 1e-7 * sum);
    // Text the model wrote itself is text it finds likely: far below a uniform guess over 512.
    EXPECT_GT(all.perplexity(), 1.0);
    EXPECT_LT(all.perplexity(), 20.0);
    sequences[2][7] = 512;
    expect_input_error([&] { llama_negative_log_likelihood(model, sequences, quiet); }, {"sequence 2", "token id 512", "position 7"});
    expect_input_error([&] { llama_logits(model, std::vector<int>(513, 1)); }, {"513 tokens", "context of 512"});
}

// Generation continues from cached keys and values: feeding a sequence one token at a time, or
// in uneven pieces, gives the logits of the whole sequence at once.
TEST(LlamaForward, ContinuingFromTheCacheGivesTheWholeSequencesLogits) {
    if (!have_model()) GTEST_SKIP() << "no ../shared/models";
    const LlamaModel model = load_llama2c_model(checkpoint());
    std::vector<int> tokens = {1};
    for (int t = 1; t < 40; ++t) tokens.push_back((t * 37 + 11) % model.config.vocab_size);
    const MatrixF whole = llama_logits(model, tokens);
    KeyValueCache one_by_one, pieces;
    MatrixF stepped(whole.rows(), whole.cols()), pieced(whole.rows(), whole.cols());
    for (size_t t = 0; t < tokens.size(); ++t)
        stepped.row(static_cast<Eigen::Index>(t)) = llama_logits_continued(model, {tokens[t]}, one_by_one).row(0);
    for (size_t begin : {size_t{0}, size_t{3}, size_t{17}}) {
        const size_t end = begin == 17 ? tokens.size() : begin == 0 ? 3 : 17;
        const std::vector<int> piece(tokens.begin() + static_cast<long>(begin), tokens.begin() + static_cast<long>(end));
        pieced.middleRows(static_cast<Eigen::Index>(begin), static_cast<Eigen::Index>(piece.size())) =
            llama_logits_continued(model, piece, pieces);
    }
    const float scale = whole.cwiseAbs().maxCoeff();
    EXPECT_LT((stepped - whole).cwiseAbs().maxCoeff() / scale, 1e-5f);
    EXPECT_LT((pieced - whole).cwiseAbs().maxCoeff() / scale, 1e-5f);
    EXPECT_EQ(one_by_one.positions, 40);
    expect_input_error([&] { llama_logits_continued(model, std::vector<int>(473, 1), one_by_one); }, {"513 tokens"});
}

// Weights at the edge of float32 are finite and load, but a product through them can overflow:
// the pass then stops at the first stage whose output is not finite and names it, instead of
// handing back NaN logits (a perplexity of NaN with exit 0). One row of a weight at ±3e38 (or
// the whole of a norm) overflows wherever it meets an input of size 1.
TEST(LlamaForward, AnOverflowInFloat32IsRefusedNamingTheStage) {
    if (!have_model()) GTEST_SKIP() << "no ../shared/models or data";
    const LlamaModel dense = load_llama2c_model(checkpoint());
    std::vector<int> tokens = recovered_tokens(dense).front();
    tokens.resize(24);
    struct Case {
        const char* label;
        std::function<void(LlamaModel&)> edit;
        std::vector<std::string> fragments;
    };
    const std::vector<Case> cases = {
        {"a row of wq at 3e38", [](LlamaModel& m) { m.blocks[0].wq.row(3).setConstant(3e38f); },
         {"the output of layers.0.attention.wq", "|w| = 3e+38", "position 0"}},
        {"a row of wv at -3e38 in block 3", [](LlamaModel& m) { m.blocks[3].wv.row(0).setConstant(-3e38f); },
         {"the output of layers.3.attention.wv", "|w| = 3e+38"}},
        {"an attention norm at 1e38", [](LlamaModel& m) { m.blocks[1].attention_norm.setConstant(1e38f); },
         {"layers.1.attention.wq"}},
        {"a column of w2 at 3e38", [](LlamaModel& m) { m.blocks[2].w2.col(5).setConstant(3e38f); },
         {"layers.2.feed_forward.w2"}},
        {"the classifier's row 7 at 3e38", [](LlamaModel& m) { m.classifier.row(7).setConstant(3e38f); },
         {"the logits (output)", "|w| = 3e+38"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.label);
        LlamaModel model = dense;
        c.edit(model);
        expect_input_error([&] { llama_logits(model, tokens); }, c.fragments);
        // Through the parallel passes too: no exception leaves their OpenMP loops.
        Progress quiet;
        expect_input_error([&] { llama_negative_log_likelihood(model, {tokens, tokens}, quiet); }, {"sequence 0"});
        expect_input_error([&] { sample_sequences(model, 3, 16, 1, quiet, 0); }, {"sampled sequence"});
    }
    // The untouched model is finite on the same tokens.
    EXPECT_TRUE(llama_logits(dense, tokens).allFinite());
}

// Sampling starts at BOS: a vocabulary without it is refused before any pass (it terminated the
// process from inside the sampling loop's OpenMP region).
TEST(LlamaForward, SamplingAVocabularyWithoutBosIsRefused) {
    if (!have_model()) GTEST_SKIP() << "no ../shared/models or data";
    LlamaModel model = load_llama2c_model(checkpoint());
    model.config.bos_token = model.config.vocab_size;
    Progress quiet;
    expect_input_error([&] { sample_sequences(model, 2, 8, 1, quiet, 0); }, {"BOS token 512", "[0, 512)"});
}

}  // namespace
}  // namespace layerlens::test
