// `eval-model` on the command line: its output forms (table, JSON rows with the contract's
// fields, CSV), --save-model and --save-logits, and its exit codes: 1 for bad files and token
// sets, 2 for impossible requests, both before any long work.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <filesystem>
#include <fstream>

#include "cli_runner.h"

using namespace layerlens::test;

namespace {

std::string model() { return data("../models/stories260K/stories260K.bin"); }
std::string tokenizer() { return data("../models/stories260K/tok512.bin"); }
bool have_model() { return std::filesystem::exists(model()); }
const std::string kSmall = " --calib-sequences 2 --eval-sequences 2 --seq-len 32 ";

}  // namespace

TEST(CliEvalModel, JsonRowsCarryTheContractFields) {
    if (!have_model()) GTEST_SKIP() << "no ../shared/models";
    const Outcome o = run_cli("eval-model " + model() + kSmall + "--methods wanda,rtn --sparsity 0.5 --json");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const QJsonArray rows = QJsonDocument::fromJson(QByteArray::fromStdString(o.out)).array();
    ASSERT_EQ(rows.size(), 3);
    for (const auto& value : rows) {
        const QJsonObject row = value.toObject();
        for (const char* field : {"method", "params", "perplexity", "kl", "mean_layer_error", "bits_per_weight", "sparsity", "seconds"})
            EXPECT_TRUE(row.contains(field)) << field;
        EXPECT_GT(row["perplexity"].toDouble(), 1.0);
        EXPECT_GE(row["kl"].toDouble(), 0.0);
    }
    EXPECT_EQ(rows[0].toObject()["method"].toString(), "dense");
    EXPECT_EQ(rows[1].toObject()["budget"].toString(), "50%");
    EXPECT_NEAR(rows[1].toObject()["sparsity"].toDouble(), 0.5, 1e-3);
    EXPECT_EQ(rows[2].toObject()["budget"].toString(), "INT4 g128");
    EXPECT_NE(o.err.find("eval-model:"), std::string::npos) << "progress on stderr";
}

TEST(CliEvalModel, TableAndCsvAndTextTokens) {
    if (!have_model()) GTEST_SKIP() << "no ../shared/models";
    const Outcome table = run_cli("eval-model " + model() + " --tokenizer " + tokenizer() + kSmall + "--table quantization");
    ASSERT_EQ(table.exit_code, 0) << table.err;
    for (const char* part : {"dense perplexity", "INT4 g128", "rtn", "awq", "gptq", "awp", "KL(dense || model)", "evaluation sequence 0: "})
        EXPECT_NE(table.out.find(part), std::string::npos) << part << " in\n" << table.out;
    const std::string story = tmp("story.txt");
    {
        std::ofstream out(story);
        for (int k = 0; k < 6; ++k) out << "Once upon a time, there was a little girl named Lily. She liked to play in the park with her dog. ";
    }
    const Outcome csv = run_cli("eval-model " + model() + " --tokenizer " + tokenizer() + " --calib-text " + story + " --eval-text " +
                                story + " --seq-len 40 --methods magnitude --csv");
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "method,budget,perplexity,kl,mean_layer_error,bits_per_weight,sparsity,seconds,eval_seconds");
    EXPECT_NE(csv.out.find("\nmagnitude,50%,"), std::string::npos) << csv.out;
    EXPECT_NE(csv.err.find("also calibration sequences"), std::string::npos) << "the same text for both is reported: " << csv.err;
}

TEST(CliEvalModel, SavesTheCompressedModelAndRefusesToOverwrite) {
    if (!have_model()) GTEST_SKIP() << "no ../shared/models";
    const std::string out = tmp("pruned.bin");
    std::filesystem::remove(out);
    const std::string tokens = tmp("eval.npy");
    const Outcome first = run_cli("eval-model " + model() + kSmall + "--methods magnitude --sparsity 0.5 --save-model " + out +
                                  " --save-eval-tokens " + tokens + " --json");
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(std::filesystem::file_size(out), std::filesystem::file_size(model()));
    // The saved model evaluates to the compressed row's perplexity on the same tokens (sampled
    // sets come from the model itself, so the saved model would sample others).
    const QJsonArray rows = QJsonDocument::fromJson(QByteArray::fromStdString(first.out)).array();
    const Outcome again = run_cli("eval-model " + out + " --eval-tokens " + tokens + " --json");
    ASSERT_EQ(again.exit_code, 0) << again.err;
    const QJsonArray saved = QJsonDocument::fromJson(QByteArray::fromStdString(again.out)).array();
    EXPECT_NEAR(saved[0].toObject()["perplexity"].toDouble(), rows[1].toObject()["perplexity"].toDouble(), 1e-9);
    expect_failure(run_cli("eval-model " + model() + kSmall + "--methods magnitude --save-model " + out), 2, {out, "--force"});
    expect_failure(run_cli("eval-model " + model() + kSmall + "--methods magnitude,wanda --save-model " + tmp("two.bin")), 2,
                   {"one method and one budget"});
}

TEST(CliEvalModel, BadInputsExitOneAndBadUsageTwo) {
    if (!have_model()) GTEST_SKIP() << "no ../shared/models";
    const std::string truncated = tmp("truncated.bin");
    {
        const std::string bytes = read_bytes(model());
        std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() - 4);
    }
    expect_failure(run_cli("eval-model " + truncated + kSmall), 1, {truncated});
    expect_failure(run_cli("eval-model " + tmp("missing.bin") + kSmall), 1, {"missing.bin"});
    const std::string config_dir = tmp("hf");
    std::filesystem::create_directories(config_dir);
    std::ofstream(config_dir + "/config.json") << R"({"model_type": "llama", "hidden_size": 64})";
    expect_failure(run_cli("eval-model " + config_dir + kSmall), 1, {"config.json"});
    expect_failure(run_cli("eval-model " + model() + kSmall + "--table everything"), 2, {"everything", "pruning"});
    expect_failure(run_cli("eval-model " + model() + kSmall + "--table pruning --methods wanda"), 2, {"--table"});
    expect_failure(run_cli("eval-model " + model() + " --seq-len 600"), 2, {"600", "512"});
    expect_failure(run_cli("eval-model " + model() + kSmall + "--methods rtn --group 48"), 2, {"layers.0", "48"});
    expect_failure(run_cli("eval-model " + model() + kSmall + "--eval-text x.txt"), 2, {"--tokenizer"});
    expect_failure(run_cli("eval-model " + model() + kSmall + "--methods nosuch"), 2, {"nosuch"});
}
