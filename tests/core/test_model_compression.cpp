// Whole-model compression on the real stories260K: seeded samples are reproducible and
// independent of how many are drawn; every block linear is compressed, the recorded E of each
// is the layer's error on the inputs it was calibrated on, and perplexity moves the way the
// budget says (8-bit RTN barely, 50% magnitude pruning clearly).
#include <gtest/gtest.h>

#include <filesystem>

#include "method_registry.h"
#include "model/model_comparison.h"
#include "model/model_compression.h"
#include "model/model_sampling.h"
#include "test_support.h"

namespace layerlens::test {
namespace {

std::string checkpoint() { return shared_models("stories260K/stories260K.bin"); }

double perplexity_of(const LlamaModel& model, const std::vector<std::vector<int>>& sequences) {
    Progress quiet;
    return llama_negative_log_likelihood(model, sequences, quiet).perplexity();
}

TEST(ModelSampling, SeededSequencesAreReproducibleAndIndependentOfTheirCount) {
    if (!std::filesystem::exists(checkpoint())) GTEST_SKIP() << "no ../shared/models";
    const LlamaModel model = load_llama2c_model(checkpoint());
    Progress quiet;
    const auto three = sample_sequences(model, 3, 48, 7, quiet);
    const auto two = sample_sequences(model, 2, 48, 7, quiet);
    const auto other = sample_sequences(model, 2, 48, 8, quiet);
    ASSERT_EQ(three.size(), 3u);
    EXPECT_EQ(two[0], three[0]);
    EXPECT_EQ(two[1], three[1]);
    EXPECT_NE(other[0], two[0]);
    for (const auto& s : three) {
        ASSERT_EQ(s.size(), 48u);
        EXPECT_EQ(s.front(), 1);
        for (int token : s) EXPECT_TRUE(token >= 0 && token < 512);
    }
    EXPECT_THROW(sample_sequences(model, 1, 513, 7, quiet), ParameterError);
}

TEST(ModelCompression, EveryBlockLinearIsCompressedAndPerplexityFollowsTheBudget) {
    if (!std::filesystem::exists(checkpoint())) GTEST_SKIP() << "no ../shared/models";
    const LlamaModel dense = load_llama2c_model(checkpoint());
    Progress quiet;
    const auto calibration = sample_sequences(dense, 8, 128, 1, quiet);
    const auto evaluation = sample_sequences(dense, 8, 128, 2, quiet);
    const double dense_ppl = perplexity_of(dense, evaluation);

    LlamaModel rtn8 = dense;
    CompressionParams params;
    set_param(params, "bits", "8");
    const ModelCompressionReport rtn = compress_model(rtn8, calibration, find_method("rtn"), params, true, quiet);
    EXPECT_EQ(rtn.layer_errors.size(), 35u);
    EXPECT_LT(rtn.mean_layer_error, 1e-3);
    EXPECT_NEAR(rtn.bits_per_weight, 8.5, 0.6);
    EXPECT_NEAR(perplexity_of(rtn8, evaluation), dense_ppl, 0.01 * dense_ppl);
    EXPECT_EQ(rtn8.classifier, dense.classifier);   // the classifier stays dense

    // Not sequential: every layer is calibrated on the dense model's inputs, so its recorded E
    // is recomputable from those inputs, the dense W and the compressed Ŵ.
    LlamaModel pruned = dense;
    CompressionParams half;
    set_param(half, "sparsity", "0.5");
    const ModelCompressionReport magnitude = compress_model(pruned, calibration, find_method("magnitude"), half, false, quiet);
    EXPECT_NEAR(magnitude.sparsity, 0.5, 0.01);
    std::map<std::string, MatrixF> inputs;
    for (const auto& tokens : calibration)
        llama_logits(dense, tokens, [&](const std::string& name, const MatrixF& X) {
            MatrixF& all = inputs[name];
            const Eigen::Index at = all.rows();
            all.conservativeResize(at + X.rows(), X.cols());
            all.middleRows(at, X.rows()) = X;
        });
    for (const auto& [name, e] : magnitude.layer_errors) {
        SCOPED_TRACE(name);
        const double direct = direct_error(inputs.at(name), *dense.linear(name), *pruned.linear(name));
        EXPECT_NEAR(e, direct, 1e-4 * direct);
    }
    EXPECT_GT(perplexity_of(pruned, evaluation), 1.05 * dense_ppl);
}

}  // namespace
}  // namespace layerlens::test
