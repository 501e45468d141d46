// The CLI's contract: output fields, exit codes (0 ok, 1 bad input, 2 bad usage) and messages
// that name the file and the problem. Runs the real binary.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <filesystem>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cli_runner.h"
#include "hdf5_fixtures.h"
#include "tensor_file_builders.h"

using namespace layerlens::test;

TEST(Cli, InfoListsEveryRealLayer) {
    if (!have_data()) GTEST_SKIP() << "no ../shared/data";
    const Outcome o = run_cli("info " + data("stories260K_layers.h5") + " --json");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const QJsonArray layers = QJsonDocument::fromJson(QByteArray::fromStdString(o.out)).array();
    ASSERT_EQ(layers.size(), 35);
    int w2 = 0;
    for (const auto& value : layers) {
        const QJsonObject layer = value.toObject();
        EXPECT_EQ(layer["tokens"].toInt(), 4096);
        EXPECT_GT(layer["outlier_strength"].toDouble(), 1.0);
        if (layer["name"].toString().endsWith("feed_forward.w2")) {
            ++w2;
            EXPECT_EQ(layer["d_out"].toInt(), 64);
            EXPECT_EQ(layer["d_in"].toInt(), 172);
        }
    }
    EXPECT_EQ(w2, 5);
}

TEST(Cli, RunPrintsTheContractFields) {
    const Outcome o = run_cli("run --demo --demo-shape 64x128 --demo-tokens 256 --method rtn --bits 3 --group 32 --json");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const QJsonObject r = QJsonDocument::fromJson(QByteArray::fromStdString(o.out)).object();
    EXPECT_EQ(r["method"].toString(), "rtn");
    EXPECT_TRUE(r["layer"].toString().startsWith("demo"));
    EXPECT_EQ(r["params"].toObject()["bits"].toInt(), 3);
    EXPECT_EQ(r["params"].toObject()["group_size_used"].toInt(), 32);
    EXPECT_GT(r["relative_output_error"].toDouble(), 0.0);
    EXPECT_LT(r["relative_output_error"].toDouble(), 0.5);
    EXPECT_NEAR(r["bits_per_weight"].toDouble(), 3.0 + 32.0 / 32.0, 1e-12);
    EXPECT_TRUE(r.contains("sparsity"));
    EXPECT_TRUE(r.contains("seconds"));
}

TEST(Cli, ExportWritesALayerAndRefusesToOverwrite) {
    const std::string out = tmp("export.h5");
    std::filesystem::remove(out);
    const std::string args = "run --demo --demo-shape 32x64 --demo-tokens 128 --method magnitude --nm 2:4 --export " + out;
    ASSERT_EQ(run_cli(args).exit_code, 0);
    const Outcome info = run_cli("info " + out + " --json");
    ASSERT_EQ(info.exit_code, 0) << info.err;
    const QJsonArray layers = QJsonDocument::fromJson(QByteArray::fromStdString(info.out)).array();
    ASSERT_EQ(layers.size(), 1);
    EXPECT_EQ(layers[0].toObject()["d_in"].toInt(), 64);
    const std::string before = layerlens::test::read_bytes(out);
    expect_failure(run_cli(args), 2, {"export.h5", "exists", "--force"});
    EXPECT_EQ(layerlens::test::read_bytes(out), before);
    EXPECT_EQ(run_cli(args + " --force").exit_code, 0);
}

TEST(Cli, BadFilesExitOneWithTheirName) {
    expect_failure(run_cli("info " + tmp("nope.h5")), 1, {"nope.h5", "no such file"});
    layerlens::test::write_bytes(tmp("garbage.h5"), std::string(5000, 'x'));
    expect_failure(run_cli("run " + tmp("garbage.h5") + " --method rtn"), 1, {"garbage.h5", "not a file LayerLens can read", "HDF5"});
    layerlens::test::write_bytes(tmp("empty.h5"), "");
    expect_failure(run_cli("info " + tmp("empty.h5")), 1, {"empty"});
    layerlens::test::write_raw_dataset(tmp("nan.h5"), "/g/weight", {2, 2}, H5T_IEEE_F32LE, {1, 2, 3, 4});
    layerlens::test::write_raw_dataset(tmp("nan.h5"), "/g/inputs", {3, 2}, H5T_IEEE_F32LE, {1, 2, 3, NAN, 5, 6}, false);
    expect_failure(run_cli("run " + tmp("nan.h5") + " --method rtn"), 1, {"token 1, channel 1"});
    layerlens::test::write_raw_dataset(tmp("mismatch.h5"), "/g/weight", {2, 2}, H5T_IEEE_F32LE, {1, 2, 3, 4});
    layerlens::test::write_raw_dataset(tmp("mismatch.h5"), "/g/inputs", {3, 3}, H5T_IEEE_F32LE,
                                       std::vector<double>(9, 1.0), false);
    expect_failure(run_cli("run " + tmp("mismatch.h5") + " --layer g --method rtn"), 1, {"width 3", "d_in = 2"});
}

TEST(Cli, ImpossibleParametersExitTwo) {
    const std::string demo = "run --demo --demo-shape 16x64 --demo-tokens 64 ";
    expect_failure(run_cli(demo + "--method rtn --bits 0"), 2, {"bits", "0"});
    expect_failure(run_cli(demo + "--method rtn --bits 17"), 2, {"17"});
    expect_failure(run_cli(demo + "--method rtn --group 48"), 2, {"group size 48", "d_in = 64"});
    expect_failure(run_cli(demo + "--method magnitude --sparsity 1.0"), 2, {"sparsity"});
    expect_failure(run_cli(demo + "--method magnitude --sparsity -0.1"), 2, {"sparsity"});
    expect_failure(run_cli(demo + "--method magnitude --nm 4:2"), 2, {"4:2"});
    expect_failure(run_cli(demo + "--method nosuch"), 2, {"unknown method 'nosuch'"});
    expect_failure(run_cli(demo + "--method rtn --bits four"), 2, {"bits", "four"});
    expect_failure(run_cli("frobnicate"), 2, {"unknown command"});
    expect_failure(run_cli(demo + "--method rtn --wat"), 2, {"--wat"});
    // -1 is how "auto" is stored, not a group size; a group wider than the row is not one either.
    expect_failure(run_cli(demo + "--method rtn --group -1"), 2, {"group", "'-1'", "or auto"});
    expect_failure(run_cli(demo + "--method gptq --group 128"), 2, {"group size 128", "larger than d_in = 64", "0 for one group per row"});
    EXPECT_EQ(run_cli(demo + "--method rtn --group 64 --quiet").exit_code, 0) << "the whole row is a group";
    EXPECT_EQ(run_cli(demo + "--method rtn --group auto --quiet").exit_code, 0);
    expect_failure(run_cli(demo + "--method rtn --threads 100000"), 2, {"--threads", "100000"});
    expect_failure(run_cli(demo + "--method rtn --threads -1"), 2, {"--threads"});
    // The demo's size is held to --max-memory-mb before anything is allocated.
    expect_failure(run_cli("run --demo --demo-shape 100000x100000 --method rtn"), 2,
                   {"demo's weight", "100000 x 100000", "38147 MiB", "--max-memory-mb"});
    expect_failure(run_cli("run --demo --demo-shape 64x64 --demo-tokens 1000000000000 --method rtn"), 2,
                   {"demo's inputs", "1000000000000 x 64", "--max-memory-mb"});
    expect_failure(run_cli("bench --shapes 64x64,100000x100000 --methods rtn"), 2, {"100000 x 100000"});
}

// An output option must name a file, and never one the command is reading.
TEST(Cli, OutputsNeedANameAndAreNeverTheInput) {
    const std::string demo = "run --demo --demo-shape 16x64 --demo-tokens 64 --method rtn ";
    expect_failure(run_cli(demo + "--export ''"), 2, {"--export", "needs a file name"});
    expect_failure(run_cli("eval-model x.bin --methods rtn --save-model ''"), 2, {"--save-model", "needs a file name"});
    expect_failure(run_cli("sweep-model x.h5 --methods rtn --sparsities 0.5 --out ''"), 2, {"--out", "needs a file name"});
    const std::string file = tmp("export_input.h5");
    ASSERT_EQ(run_cli("run --demo --demo-shape 16x64 --demo-tokens 64 --method rtn --quiet --force --export " + file).exit_code, 0);
    const std::string before = layerlens::test::read_bytes(file);
    for (const std::string& force : {"", " --force"}) {
        SCOPED_TRACE(force);
        expect_failure(run_cli("run " + file + " --method rtn --quiet --export " + file + force), 2,
                       {"--export", "is the input file", file});
        EXPECT_EQ(layerlens::test::read_bytes(file), before);
    }
    // Another name for the same file (a symlink) is the same file.
    const std::string link = tmp("export_input_link.h5");
    std::filesystem::remove(link);
    std::filesystem::create_symlink(file, link);
    expect_failure(run_cli("run " + file + " --method rtn --quiet --force --export " + link), 2, {"is the input file"});
    EXPECT_EQ(layerlens::test::read_bytes(file), before);
    // An existing file without --force is refused before the method runs: nothing is printed.
    const std::string other = tmp("export_existing.h5");
    layerlens::test::write_bytes(other, "keep me");
    const Outcome exists = run_cli("run " + file + " --method rtn --quiet --export " + other);
    expect_failure(exists, 2, {other, "exists", "--force"});
    EXPECT_EQ(exists.out, "");
    EXPECT_EQ(layerlens::test::read_bytes(other), "keep me");
}

TEST(Cli, DeadChannelAndFewTokensWarnButWork) {
    std::vector<double> x(3 * 4, 1.0);
    for (int t = 0; t < 3; ++t) x[t * 4 + 2] = 0.0;   // channel 2 dead, 3 tokens < 4 channels
    layerlens::test::write_raw_dataset(tmp("dead.h5"), "/g/weight", {2, 4}, H5T_IEEE_F32LE, {1, 2, 3, 4, 5, 6, 7, 8});
    layerlens::test::write_raw_dataset(tmp("dead.h5"), "/g/inputs", {3, 4}, H5T_IEEE_F32LE, x, false);
    const Outcome o = run_cli("run " + tmp("dead.h5") + " --method magnitude --json");
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_NE(o.err.find("dead input channel"), std::string::npos) << o.err;
    EXPECT_NE(o.err.find("singular"), std::string::npos) << o.err;
}

// What the second audit found accepted or mishandled, each now an exit code with a reason.
TEST(Cli, AuditedMisuseIsRefusedAndHuggingFaceExportsWork) {
    const std::string demo = "run --demo --demo-shape 16x64 --demo-tokens 64 --method rtn ";
    // --force replaces files, never a device (a copy of /dev/full's numbers, made here).
    const std::string device = tmp("a_device");
    std::filesystem::remove(device);
    ASSERT_EQ(mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 7)), 0);
    expect_failure(run_cli(demo + "--force --export " + device), 2, {device, "not a regular file"});
    struct stat info {};
    ASSERT_EQ(stat(device.c_str(), &info), 0);
    EXPECT_TRUE(S_ISCHR(info.st_mode)) << "the device is still a device";
    std::filesystem::remove(device);
    // A missing folder is found before the method runs: nothing on stdout.
    const Outcome missing = run_cli(demo + "--json --export " + tmp("no_such_folder") + "/x.h5");
    expect_failure(missing, 2, {"no_such_folder", "does not exist"});
    EXPECT_EQ(missing.out, "");
    // Given but empty, or a typo in a list.
    expect_failure(run_cli("compare --demo --demo-shape 16x64 --methods ''"), 2, {"--methods", "empty item"});
    expect_failure(run_cli("compare --demo --demo-shape 16x64 --methods rtn,,wanda"), 2, {"--methods", "'rtn,,wanda'"});
    expect_failure(run_cli("sweep --demo --demo-shape 16x64 --method rtn --bits 4,,3"), 2, {"--bits", "empty item", "'4,,3'"});
    expect_failure(run_cli("sweep --demo --demo-shape 16x64 --method wanda --sparsities 0.5,"), 2, {"--sparsities", "empty item"});
    expect_failure(run_cli("run --demo --demo-shape ' 16x64' --method rtn"), 2, {"' 16x64'", "D_OUTxD_IN"});
    expect_failure(run_cli("run --demo --demo-shape 16x+64 --method rtn"), 2, {"'16x+64'"});
    expect_failure(run_cli("run --demo --demo-shape '' --method rtn"), 2, {"--demo-shape"});
    expect_failure(run_cli(demo + "--layer ''"), 2, {"--layer"});
    expect_failure(run_cli(demo + "--max-memory-mb 99999999999999999999"), 2, {"--max-memory-mb"});
    expect_failure(run_cli("run --demo --demo-shape 16x64 --demo-tokens 64 --method svd --rank 17"), 2,
                   {"rank 17", "min(d_out, d_in) = 16"});
    // A weight-only .npy has no inputs; its own rows are not them.
    const std::string x_bytes(100 * 64 * 4, '\x3f');
    const std::string weight = tmp("weight_only.npy"), inputs = tmp("inputs64.npy");
    write_bytes(weight, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (16, 64), }", std::string(16 * 64 * 4, '\x3f')));
    write_bytes(inputs, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 64), }", x_bytes));
    expect_failure(run_cli("run " + weight + " --method rtn"), 1, {weight, "no inputs", "--inputs"});
    EXPECT_EQ(run_cli("run " + weight + " --inputs " + inputs + " --method rtn --quiet").exit_code, 0);
    // Hugging Face files carry {"format": "pt"}: the export keeps it beside LayerLens' own "format".
    const std::string hf = tmp("hf_style.safetensors"), out = tmp("hf_export.h5");
    write_bytes(hf, safetensors_bytes("{\"__metadata__\":{\"format\":\"pt\"}," + f32_entry("q.weight", "[16,64]", 0, 16 * 64 * 4) + "}",
                                      std::string(16 * 64 * 4, '\x3f')));
    const Outcome exported = run_cli("run " + hf + " --layer q --inputs " + inputs + " --method rtn --quiet --force --export " + out);
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_EQ(run_cli("run " + out + " --layer q --inputs " + inputs + " --method rtn --quiet").exit_code, 0);
    // "x.weight" names layer x in HDF5 too, as the help says.
    const Outcome suffixed = run_cli("run " + out + " --layer q.weight --inputs " + inputs + " --method rtn --quiet");
    EXPECT_EQ(suffixed.exit_code, 0) << suffixed.err;
}
