// The whole-model evaluation on the real stories260K: the dense row is the dense model's own
// perplexity, a copy of the dense model has KL 0 and the same perplexity, KL is never negative,
// the budget moves perplexity and KL the way it says, sampled calibration and evaluation sets
// never overlap and the evaluation set does not depend on the calibration count, and the
// budget labels, the tables' plans and the JSON round trip are what the CLI and GUI show.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "errors.h"
#include "model/model_comparison.h"
#include "model/model_eval_json.h"
#include "model/model_evaluation.h"
#include "model/model_sampling.h"
#include "test_support.h"

namespace layerlens::test {
namespace {

std::string checkpoint() { return shared_models("stories260K/stories260K.bin"); }

CompressionParams with(std::optional<double> sparsity, std::optional<int> bits) {
    CompressionParams p;
    p.sparsity = sparsity;
    p.bits = bits;
    return p;
}

TEST(ModelEvalPlan, BudgetLabelsSayWhatEachMethodDoes) {
    EXPECT_EQ(budget_label("wanda", with(0.5, std::nullopt)), "50%");
    EXPECT_EQ(budget_label("magnitude", with(0.625, std::nullopt)), "62.5%");
    EXPECT_EQ(budget_label("rtn", with(std::nullopt, 4)), "INT4 g128");
    EXPECT_EQ(budget_label("gptq", with(std::nullopt, 3)), "INT3 g128");
    EXPECT_EQ(budget_label("awp", with(0.7, std::nullopt)), "70%");
    EXPECT_EQ(budget_label("awp", with(std::nullopt, 4)), "INT4 g128");
    EXPECT_EQ(budget_label("awp", with(0.5, 4)), "50% + INT4 g128");
    EXPECT_EQ(budget_label("wanda+awq", with(0.25, 4)), "25% + INT4 g128");
    CompressionParams nm;
    nm.nm = *parse_nm("2:4");
    EXPECT_EQ(budget_label("sparsegpt", nm), "2:4");
    CompressionParams per_row = with(std::nullopt, 4);
    per_row.group_size = 0;
    EXPECT_EQ(budget_label("rtn", per_row), "INT4 per row");
}

TEST(ModelEvalPlan, TablesHaveThePapersShapes) {
    CompressionParams base = with(0.3, 8);
    base.iters = 7;
    const auto pruning = table_points(ModelTable::Pruning, base);
    ASSERT_EQ(pruning.size(), 20u);
    std::set<std::string> methods, budgets;
    for (const auto& p : pruning) {
        methods.insert(p.method), budgets.insert(p.budget);
        EXPECT_FALSE(p.params.bits) << "a pruning table does not quantise";
        EXPECT_EQ(p.params.iters, 7) << "settings the table does not fix come from the user";
    }
    EXPECT_EQ(methods, (std::set<std::string>{"magnitude", "wanda", "sparsegpt", "awp"}));
    EXPECT_EQ(budgets, (std::set<std::string>{"50%", "60%", "70%", "80%", "90%"}));
    const auto quantization = table_points(ModelTable::Quantization, base);
    ASSERT_EQ(quantization.size(), 4u);
    for (const auto& p : quantization) {
        EXPECT_EQ(p.budget, "INT4 g128");
        EXPECT_FALSE(p.params.sparsity);
    }
    const auto joint = table_points(ModelTable::Joint, base);
    ASSERT_EQ(joint.size(), 9u);
    EXPECT_EQ(joint.front().budget, "25% + INT4 g128");
    EXPECT_EQ(joint.back().method, "awq+wanda");
    EXPECT_EQ(joint.back().budget, "75% + INT4 g128");
}

TEST(ModelEvalPlan, SparsityListsSkipMethodsWithoutThatBudget) {
    const auto points = method_points({"rtn", "wanda"}, CompressionParams{}, {0.5, 0.7});
    ASSERT_EQ(points.size(), 2u);
    EXPECT_EQ(points[0].method, "wanda");
    EXPECT_EQ(points[1].budget, "70%");
    EXPECT_THROW(method_points({"nonesuch"}, CompressionParams{}), ParameterError);
}

ModelEvaluation example_evaluation() {
    ModelEvaluation e;
    e.model_path = "m.bin";
    e.evaluation_sequences = 2;
    e.evaluation_tokens = 62;
    e.calibration_sequences = 3;
    e.calibration_tokens = 96;
    ModelEvalRow dense;
    dense.method = "dense";
    dense.perplexity = 4.25;
    ModelEvalRow wanda;
    wanda.method = "wanda";
    wanda.budget = "50%";
    wanda.params = {{"sparsity", 0.5}, {"pattern", std::string("unstructured")}};
    wanda.perplexity = 9.5;
    wanda.kl = 0.125;
    wanda.mean_layer_error = 0.03;
    wanda.sparsity = 0.5;
    wanda.seconds = 1.5;
    wanda.layer_errors = {{"layers.0.attention.wq", 0.01}};
    ModelEvalRow broken = wanda;
    broken.budget = "90%";
    broken.perplexity = std::numeric_limits<double>::infinity();
    e.rows = {dense, wanda, broken};
    return e;
}

TEST(ModelEvalJson, RoundTripsEveryRow) {
    const ModelEvaluation e = example_evaluation();
    const ModelEvaluation back = read_model_eval_json(model_eval_json_text(e), "e.json");
    ASSERT_EQ(back.rows.size(), 3u);
    EXPECT_EQ(back.model_path, "m.bin");
    EXPECT_EQ(back.evaluation_tokens, 62);
    EXPECT_EQ(back.calibration_sequences, 3);
    EXPECT_EQ(back.rows[1].method, "wanda");
    EXPECT_EQ(back.rows[1].budget, "50%");
    EXPECT_DOUBLE_EQ(back.rows[1].perplexity, 9.5);
    EXPECT_DOUBLE_EQ(back.rows[1].kl, 0.125);
    EXPECT_EQ(back.rows[1].layer_errors.size(), 1u);
    EXPECT_EQ(back.rows[1].params.size(), 2u);
    EXPECT_TRUE(std::isinf(back.rows[2].perplexity)) << "an overflowed perplexity stays infinite, not 0";
    const ModelEvalTableShape shape = model_eval_table_shape(back);
    EXPECT_EQ(shape.dense, 0);
    EXPECT_EQ(shape.methods, std::vector<std::string>{"wanda"});
    EXPECT_EQ(shape.budgets, (std::vector<std::string>{"50%", "90%"}));
    EXPECT_EQ(shape.cells[0][1], 2);
    const std::string table = model_eval_table_text(back);
    EXPECT_NE(table.find("dense perplexity 4.2500"), std::string::npos) << table;
    EXPECT_NE(table.find("inf"), std::string::npos) << table;
    const std::string csv = model_eval_csv(back);
    EXPECT_EQ(csv.substr(0, csv.find('\n')), "method,budget,perplexity,kl,mean_layer_error,bits_per_weight,sparsity,seconds,eval_seconds");
}

TEST(ModelEvalJson, BadDocumentsNameTheRowAndField) {
    expect_input_error([] { read_model_eval_json("{", "bad.json"); }, {"bad.json", "not JSON"});
    expect_input_error([] { read_model_eval_json("{}", "obj.json"); }, {"obj.json", "array"});
    expect_input_error([] { read_model_eval_json("[]", "empty.json"); }, {"empty.json", "array"});
    expect_input_error([] { read_model_eval_json(R"([{"method": "dense"}])", "r.json"); }, {"r.json", "row 1", "perplexity"});
    expect_input_error(
        [] {
            read_model_eval_json(R"([{"method":"dense","perplexity":3,"kl":0,"mean_layer_error":0,"bits_per_weight":16,
                                     "sparsity":0,"seconds":0}, {"method": 3}])",
                                 "r.json");
        },
        {"row 2", "'method'", "string"});
    expect_input_error(
        [] {
            read_model_eval_json(R"([{"method":"dense","perplexity":0.5,"kl":0,"mean_layer_error":0,"bits_per_weight":16,
                                     "sparsity":0,"seconds":0}])",
                                 "r.json");
        },
        {"row 1", "perplexity", "below 1"});
    // Figures out of their range, and counts no double holds exactly (one cast to long long would
    // be undefined), are refused by name.
    const std::string good = R"("method":"rtn","perplexity":3,"kl":0.1,"mean_layer_error":0.01,"bits_per_weight":4.25,"sparsity":0.5,"seconds":1)";
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {R"("sparsity":1.5)", {"'sparsity'", "1.5"}},
        {R"("kl":-0.5)", {"'kl'", "-0.5"}},
        {R"("seconds":-1)", {"'seconds'"}},
        {R"("bits_per_weight":-4)", {"'bits_per_weight'"}},
        {R"("evaluation_tokens":1e300)", {"'evaluation_tokens'", "not a count"}},
        {R"("calibration_sequences":2.5)", {"'calibration_sequences'", "not a count"}},
        {R"("calibration_tokens":-3)", {"'calibration_tokens'", "not a count"}},
        {R"("layer_errors":{"layers.0.attention.wq":-1})", {"layer_errors.layers.0.attention.wq"}},
    };
    for (const auto& [field, fragments] : cases) {
        SCOPED_TRACE(field);
        // A later key replaces the good one of the same name (nlohmann keeps the last).
        const std::string text = "[{" + good + "," + field + "}]";
        std::vector<std::string> expected = fragments;
        expected.push_back("e.json: row 1");
        expect_input_error([&] { read_model_eval_json(text, "e.json"); }, expected);
    }
    // A KL that rounded a hair below 0 is what eval-model writes; it reads back.
    EXPECT_NO_THROW(read_model_eval_json("[{" + good + R"(,"kl":-1e-15)" + "}]", "e.json"));
}

TEST(ModelComparison, ACopyHasNoDivergenceAndACompressedModelAPositiveOne) {
    if (!std::filesystem::exists(checkpoint())) GTEST_SKIP() << "no ../shared/models";
    const LlamaModel dense = load_llama2c_model(checkpoint());
    Progress quiet;
    const auto sequences = sample_sequences(dense, 3, 40, 5, quiet, 1);
    const LlamaModel copy = dense;
    const ModelComparison same = compare_models(dense, copy, sequences, quiet);
    const NegativeLogLikelihood alone = llama_negative_log_likelihood(dense, sequences, quiet);
    EXPECT_EQ(same.candidate.predicted, 3 * 39);
    EXPECT_DOUBLE_EQ(same.candidate.sum, alone.sum);
    EXPECT_NEAR(same.mean_kl(), 0.0, 1e-12);
    LlamaModel noisy = dense;
    noisy.blocks[2].w2 *= 0.5f;
    const ModelComparison far = compare_models(dense, noisy, sequences, quiet);
    EXPECT_GT(far.mean_kl(), 1e-4);
    // Gibbs: the true distribution's cross-entropy with itself is the smallest, so KL > 0 and
    // the per-token KL is below the change in cross-entropy only on average — check the sign.
    EXPECT_GT(far.kl_sum, 0.0);
}

ModelEvalRequest small_request() {
    ModelEvalRequest r;
    r.model_path = checkpoint();
    r.calibration.sequences = 4;
    r.evaluation.sequences = 3;
    r.seq_len = 48;
    r.seed = 11;
    return r;
}

TEST(ModelEvaluation, RowsMoveWithTheBudgetAndTheSetsStayApart) {
    if (!std::filesystem::exists(checkpoint())) GTEST_SKIP() << "no ../shared/models";
    ModelEvalRequest r = small_request();
    CompressionParams rtn8;
    rtn8.bits = 8;
    r.points = method_points({"rtn"}, rtn8);
    const auto magnitude = method_points({"magnitude"}, CompressionParams{}, {0.5, 0.8});
    r.points.insert(r.points.end(), magnitude.begin(), magnitude.end());
    std::vector<std::string> seen;
    ModelEvalCallbacks callbacks;
    callbacks.row = [&](const ModelEvaluation&, const ModelEvalRow& row) { seen.push_back(row.method + " " + row.budget); };
    Progress quiet;
    const ModelEvaluation e = evaluate_model(r, quiet, callbacks);
    ASSERT_EQ(e.rows.size(), 4u);
    EXPECT_EQ(seen, (std::vector<std::string>{"dense ", "rtn INT8 g128", "magnitude 50%", "magnitude 80%"}));
    EXPECT_EQ(e.evaluation_tokens, 3 * 47);
    EXPECT_EQ(e.calibration_tokens, 4 * 48);
    const ModelEvalRow &dense = e.rows[0], &rtn = e.rows[1], &half = e.rows[2], &most = e.rows[3];
    EXPECT_GT(dense.perplexity, 1.0);
    EXPECT_NEAR(rtn.perplexity / dense.perplexity, 1.0, 0.02) << "8-bit rounding barely changes the model";
    EXPECT_LT(rtn.kl, half.kl);
    EXPECT_LT(half.perplexity, most.perplexity);
    EXPECT_LT(half.kl, most.kl);
    EXPECT_NEAR(most.sparsity, 0.8, 1e-3);
    EXPECT_EQ(most.layer_errors.size(), 35u);
    EXPECT_GT(most.mean_layer_error, half.mean_layer_error);
    for (const auto& row : e.rows) EXPECT_GE(row.kl, 0.0) << row.method;

    // Sampled sets: disjoint, and the evaluation set does not depend on the calibration count.
    Progress q;
    const LlamaModel model = load_llama2c_model(checkpoint());
    const auto calibration = sample_sequences(model, 4, 48, 11, q, 0);
    const auto evaluation = sample_sequences(model, 3, 48, 11, q, 1);
    for (const auto& s : evaluation) EXPECT_EQ(std::count(calibration.begin(), calibration.end(), s), 0);
    ModelEvalRequest fewer = small_request();
    fewer.calibration.sequences = 2;
    const ModelEvaluation again = evaluate_model(fewer, q);
    EXPECT_DOUBLE_EQ(again.rows[0].perplexity, dense.perplexity);
    EXPECT_DOUBLE_EQ(llama_negative_log_likelihood(model, evaluation, q).perplexity(), dense.perplexity);
}

TEST(ModelEvaluation, NotSequentialCalibratesEveryBlockOnTheDenseModel) {
    if (!std::filesystem::exists(checkpoint())) GTEST_SKIP() << "no ../shared/models";
    ModelEvalRequest r = small_request();
    r.points = method_points({"wanda"}, CompressionParams{}, {0.6});
    Progress quiet;
    const ModelEvaluation sequential = evaluate_model(r, quiet);
    r.sequential = false;
    const ModelEvaluation dense_inputs = evaluate_model(r, quiet);
    const auto& a = sequential.rows[1].layer_errors;
    const auto& b = dense_inputs.rows[1].layer_errors;
    ASSERT_EQ(a.size(), b.size());
    // Block 0 sees the same inputs either way; later blocks see the compressed ones only when sequential.
    for (size_t k = 0; k < 3; ++k) EXPECT_DOUBLE_EQ(a[k].second, b[k].second) << a[k].first;
    bool later_differs = false;
    for (size_t k = 7; k < a.size(); ++k) later_differs |= a[k].second != b[k].second;
    EXPECT_TRUE(later_differs);
}

TEST(ModelEvaluation, ImpossibleRequestsAreRefusedBeforeAnyWork) {
    if (!std::filesystem::exists(checkpoint())) GTEST_SKIP() << "no ../shared/models";
    Progress quiet;
    ModelEvalRequest r = small_request();
    r.seq_len = 513;
    EXPECT_THROW(evaluate_model(r, quiet), ParameterError);
    r = small_request();
    CompressionParams g;
    g.bits = 4;
    g.group_size = 48;   // divides no layer of stories260K
    r.points = method_points({"rtn"}, g);
    try {
        evaluate_model(r, quiet);
        ADD_FAILURE() << "no ParameterError";
    } catch (const ParameterError& e) {
        EXPECT_NE(std::string(e.what()).find("layers.0.attention.wq"), std::string::npos) << e.what();
    }
    r = small_request();
    r.evaluation.text_path = "story.txt";
    EXPECT_THROW(evaluate_model(r, quiet), ParameterError) << "text without a tokenizer";
    r = small_request();
    r.model_path = "/nonexistent/model.bin";
    expect_input_error([&] { evaluate_model(r, quiet); }, {"/nonexistent/model.bin"});
}

}  // namespace
}  // namespace layerlens::test
