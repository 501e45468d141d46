// `layerlens-cli calibration`: the JSON contract, the same numbers for the same seed, a second
// calibration set captured from the real model, and misuse.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "io/hdf5_writer.h"
#include "io/npy_writer.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

const std::string kLayer = " --layer layers.2.feed_forward.w2";

}  // namespace

TEST(CliCalibration, JsonContractAndTheSameNumbersForTheSameSeed) {
    if (!have_data()) GTEST_SKIP() << "no shared data";
    const std::string base = "calibration " + data("stories260K_layers.h5") + kLayer +
                             " --methods rtn,awq,gptq,wanda,sparsegpt --resamples 5 --quiet --json";
    const Outcome first = run_cli(base + " --seed 3");
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(first.err, "");
    const nlohmann::json o = nlohmann::json::parse(first.out);
    EXPECT_EQ(o["layer"], "layers.2.feed_forward.w2");
    EXPECT_EQ(o["tokens_a"], 2048);
    EXPECT_EQ(o["tokens_b"], 2048);
    EXPECT_GE(o["overlap"].get<double>(), 0.0);
    EXPECT_LE(o["overlap"].get<double>(), 1.0);
    EXPECT_EQ(o["stability"]["top_channels"], 2);   // 1% of 172, rounded up
    ASSERT_EQ(o["methods"].size(), 5u);
    for (const auto& m : o["methods"]) {
        for (const char* key : {"method", "params", "error_on_b_calibrated_on_a", "error_on_b_calibrated_on_b", "penalty",
                                "resample_errors", "error_std", "changed_fraction_mean"})
            EXPECT_TRUE(m.contains(key)) << key;
        EXPECT_NEAR(m["penalty"].get<double>(),
                    m["error_on_b_calibrated_on_a"].get<double>() / m["error_on_b_calibrated_on_b"].get<double>() - 1.0, 1e-12);
        EXPECT_EQ(m["resample_errors"].size(), 5u);
    }
    EXPECT_EQ(o["methods"][0]["penalty"], 0.0) << "RTN ignores the inputs";
    const Outcome again = run_cli(base + " --seed 3");
    EXPECT_EQ(again.out, first.out);
    // Another seed: other resamples, the same two halves.
    const nlohmann::json other = nlohmann::json::parse(run_cli(base + " --seed 4").out);
    EXPECT_NE(other["methods"][2]["resample_errors"], o["methods"][2]["resample_errors"]);
    EXPECT_EQ(other["methods"][2]["penalty"], o["methods"][2]["penalty"]);
    // CSV: a header and one row per method, the same numbers.
    const Outcome csv = run_cli("calibration " + data("stories260K_layers.h5") + kLayer +
                                " --methods rtn,awq,gptq,wanda,sparsegpt --resamples 5 --quiet --csv --seed 3");
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 6);
    const Outcome table = run_cli("calibration " + data("stories260K_layers.h5") + kLayer + " --methods awq --resamples 3 --quiet");
    EXPECT_NE(table.out.find("salient set (top 2 channels by a_j)"), std::string::npos) << table.out;
}

// A second calibration set: the same model's layers captured on other sampled stories.
TEST(CliCalibration, ASecondInputsFileAndMisuse) {
    if (!have_data()) GTEST_SKIP() << "no shared data";
    const std::string file = data("stories260K_layers.h5");
    // The shared file itself as the second set: identical sets, every penalty exactly 0.
    const Outcome same = run_cli("calibration " + file + kLayer + " --inputs2 " + file +
                                 " --methods awq,gptq,sparsegpt --resamples 2 --quiet --json");
    ASSERT_EQ(same.exit_code, 0) << same.err;
    const nlohmann::json o = nlohmann::json::parse(same.out);
    EXPECT_EQ(o["overlap"], 1.0);
    EXPECT_EQ(o["tokens_b"], 4096);
    for (const auto& m : o["methods"]) EXPECT_EQ(m["penalty"], 0.0) << m["method"];

    expect_failure(run_cli("calibration " + file + kLayer + " --methods awq --resamples 1"), 2, {"--resamples"});
    expect_failure(run_cli("calibration " + file + kLayer), 2, {"--methods"});
    expect_failure(run_cli("calibration " + file + kLayer + " --methods awq --inputs2 /nonexistent.h5"), 1, {"/nonexistent.h5"});
    // Inputs of another width: layers.0.attention.wq's (64) for w2 (172).
    write_bytes(tmp("x.npy"), std::string());
    expect_failure(run_cli("calibration " + file + " --layer layers.0.attention.wq --methods awq --inputs2 " + tmp("x.npy")), 1,
                   {"x.npy"});
    expect_failure(run_cli("calibration --demo --methods awq --inputs2 " + file), 2, {"--inputs2"});
    const Outcome demo = run_cli("calibration --demo --demo-shape 64x128 --demo-tokens 512 --methods awq,gptq --resamples 3 --json --quiet");
    ASSERT_EQ(demo.exit_code, 0) << demo.err;
    // The demo's loud channels are its salient set, in both halves.
    EXPECT_EQ(nlohmann::json::parse(demo.out)["overlap"], 1.0);
}

// Too few tokens to compare: the message names the set that has too few, by its file.
TEST(CliCalibration, TooFewTokensNamesTheFileThatHasThem) {
    const MatrixF W = MatrixF::Random(8, 32), X = MatrixF::Random(20, 32), X_second = MatrixF::Random(10, 32);
    const std::string file = tmp("few_tokens.h5"), second = tmp("few_tokens_second.npy");
    LayerToWrite layer;
    layer.name = "w";
    layer.weight = &W;
    layer.inputs = &X;
    write_layers(file, {layer}, true);
    const MatrixF row_major = X_second.transpose();   // .npy in C order: tokens are rows
    write_npy_file(second, "<f4", {10, 32}, row_major.data(), row_major.size() * sizeof(float));
    expect_failure(run_cli("calibration " + file + " --methods rtn --quiet"), 1,
                   {file + ":/w/inputs", "20 tokens are too few", "at least 32"});
    expect_failure(run_cli("calibration " + file + " --methods rtn --quiet --inputs2 " + second), 1,
                   {second, "10 tokens are too few", "at least 16"});
}
