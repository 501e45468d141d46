// `sweep-model`, `merge-shards` and `demo-model` as a user runs them: the real binary on the
// real stories260K layers, killed half way with SIGINT and SIGKILL and started again, cut into
// shards and merged, and every misuse with its message and exit code.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "cli_runner.h"

using namespace layerlens::test;

namespace {

const std::string kMethods = "rtn,gptq,wanda,sparsegpt,awp";
constexpr size_t kRows = 35 * 5;

std::string sweep_arguments(const std::string& out) {
    // 1500 AWP iterations make each AWP row take long enough to be interrupted between rows.
    return "sweep-model " + data("stories260K_layers.h5") + " --methods " + kMethods + " --iters 1500 --out " + out;
}

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

nlohmann::json timeless(const std::string& line) {
    nlohmann::json o = nlohmann::json::parse(line);
    o.erase("seconds");
    o.erase("timings");
    return o;
}

void expect_same_rows(const std::string& a, const std::string& b) {
    const auto rows_a = lines_of(a), rows_b = lines_of(b);
    ASSERT_EQ(rows_a.size(), rows_b.size()) << a << " vs " << b;
    for (size_t k = 0; k < rows_a.size(); ++k) ASSERT_EQ(timeless(rows_a[k]), timeless(rows_b[k])) << "row " << k;
}

// Starts the sweep, waits until OUT.partial holds `rows` rows, sends `signal`, and returns
// the lines that were in OUT.partial when it stopped.
std::vector<std::string> interrupt_after(const std::string& out, size_t rows, int signal) {
    std::vector<std::string> argv_text = {LAYERLENS_CLI};
    std::istringstream words(sweep_arguments(out) + " --quiet");
    for (std::string word; words >> word;) argv_text.push_back(word);
    const pid_t pid = fork();
    if (pid == 0) {
        unsetenv("OMP_WAIT_POLICY");   // as a user starts it: the CLI restarts itself with passive waiting
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        std::vector<char*> argv;
        for (std::string& a : argv_text) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (lines_of(out + ".partial").size() < rows && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    // The process that runs is the restarted one, with the variable set (core/threads.h).
    std::ifstream environ_file("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    const std::string environment((std::istreambuf_iterator<char>(environ_file)), {});
    EXPECT_NE(environment.find(std::string("OMP_WAIT_POLICY=PASSIVE") + '\0'), std::string::npos);
    kill(pid, signal);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0))
        << "the sweep ended before it was interrupted";
    return lines_of(out + ".partial");
}

// Each test starts from an empty folder: the files of an earlier run would be resumed.
void start_fresh() {
    std::filesystem::remove_all(test_dir());
    test_dir();
}

}  // namespace

TEST(CliSweepModel, KilledHalfWayAndStartedAgainItFinishesWhatIsLeft) {
    start_fresh();
    if (!have_data()) GTEST_SKIP() << "no shared data";
    const std::string whole = tmp("whole.jsonl");
    const Outcome uninterrupted = run_cli(sweep_arguments(whole) + " --force");
    ASSERT_EQ(uninterrupted.exit_code, 0) << uninterrupted.err;
    ASSERT_EQ(lines_of(whole).size(), kRows);
    for (int signal : {SIGINT, SIGKILL}) {
        SCOPED_TRACE(signal == SIGINT ? "SIGINT" : "SIGKILL");
        const std::string out = tmp(std::string(signal == SIGINT ? "int" : "kill") + ".jsonl");
        std::filesystem::remove(out);
        std::filesystem::remove(out + ".partial");
        const std::vector<std::string> before = interrupt_after(out, kRows / 2, signal);
        ASSERT_GE(before.size(), kRows / 2);
        ASSERT_LT(before.size(), kRows) << "interrupted too late to test anything";
        EXPECT_FALSE(std::filesystem::exists(out)) << "an unfinished sweep is never under its name";

        const Outcome resumed = run_cli(sweep_arguments(out));
        ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
        EXPECT_NE(resumed.err.find(std::to_string(kRows - before.size()) + " rows computed, " +
                                   std::to_string(before.size()) + " already finished (kept)"),
                  std::string::npos)
            << resumed.err;
        const std::vector<std::string> after = lines_of(out);
        ASSERT_EQ(after.size(), kRows);
        for (size_t k = 0; k < before.size(); ++k) ASSERT_EQ(after[k], before[k]) << "finished row " << k << " was redone";
        expect_same_rows(out, whole);
        EXPECT_FALSE(std::filesystem::exists(out + ".partial"));
    }
}

TEST(CliSweepModel, ShardsOfOneThreeAndSevenMergeToTheSingleProcessResult) {
    start_fresh();
    if (!have_data()) GTEST_SKIP() << "no shared data";
    const std::string file = data("stories260K_layers.h5");
    const std::string base = "sweep-model " + file + " --methods rtn,awq,wanda --quiet";
    const std::string single = tmp("single.jsonl");
    const Outcome one = run_cli(base + " --out " + single + " --force");
    ASSERT_EQ(one.exit_code, 0) << one.err;
    EXPECT_NE(one.out.find("per method (E over the layers)"), std::string::npos) << one.out;
    for (int count : {1, 3, 7}) {
        SCOPED_TRACE("N = " + std::to_string(count));
        std::string shards;
        for (int index = 0; index < count; ++index) {
            const std::string shard = tmp("s" + std::to_string(index) + "of" + std::to_string(count) + ".jsonl");
            const Outcome o = run_cli(base + " --shard " + std::to_string(index) + "/" + std::to_string(count) + " --out " +
                                      shard + " --force");
            ASSERT_EQ(o.exit_code, 0) << o.err;
            shards += " " + shard;
        }
        const std::string merged = tmp("merged" + std::to_string(count) + ".jsonl");
        const Outcome m = run_cli("merge-shards " + merged + shards + " --force");
        ASSERT_EQ(m.exit_code, 0) << m.err;
        EXPECT_NE(m.err.find("merge-shards: " + std::to_string(count) + " shards, 105 rows"), std::string::npos) << m.err;
        expect_same_rows(merged, single);
    }
    // A missing and a duplicated shard are refused with their names; the output is not written.
    const Outcome missing = run_cli("merge-shards " + tmp("bad.jsonl") + " " + tmp("s0of3.jsonl") + " " + tmp("s2of3.jsonl"));
    expect_failure(missing, 1, {"shard 1/3 is missing"});
    const Outcome twice = run_cli("merge-shards " + tmp("bad.jsonl") + " " + tmp("s0of3.jsonl") + " " + tmp("s1of3.jsonl") +
                                  " " + tmp("s1of3.jsonl") + " " + tmp("s2of3.jsonl"));
    expect_failure(twice, 1, {"shard 1/3 is given twice"});
    EXPECT_FALSE(std::filesystem::exists(tmp("bad.jsonl")));
    const Outcome exists = run_cli("merge-shards " + tmp("merged3.jsonl") + " " + tmp("s0of3.jsonl") + " " +
                                   tmp("s1of3.jsonl") + " " + tmp("s2of3.jsonl"));
    expect_failure(exists, 2, {"merged3.jsonl: exists", "--force"});
}

// The shard from the batch scheduler's environment, and {shard} in --out.
TEST(CliSweepModel, TakesItsShardFromSlurmOrKubernetes) {
    start_fresh();
    if (!have_data()) GTEST_SKIP() << "no shared data";
    const std::string base = "sweep-model " + data("stories260K_layers.h5") + " --methods rtn --quiet --force";
    const std::string command = "env SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=0 " +
                                std::string(LAYERLENS_CLI) + " " + base + " --out " + tmp("slurm-{shard}.jsonl") + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
    const auto rows = lines_of(tmp("slurm-2.jsonl"));
    ASSERT_FALSE(rows.empty());
    for (const auto& line : rows) EXPECT_EQ(nlohmann::json::parse(line)["shard"]["index"], 2);
    const std::string k8s = "env JOB_COMPLETION_INDEX=1 " + std::string(LAYERLENS_CLI) + " " + base +
                            " --shard-count 4 --out " + tmp("k8s-{shard}.jsonl") + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(k8s.c_str()), 0);
    for (const auto& line : lines_of(tmp("k8s-1.jsonl"))) EXPECT_EQ(nlohmann::json::parse(line)["shard"]["count"], 4);
    const std::string no_count = "env JOB_COMPLETION_INDEX=1 " + std::string(LAYERLENS_CLI) + " " + base + " --out " +
                                 tmp("x.jsonl") + " >/dev/null 2>&1";
    EXPECT_EQ(WEXITSTATUS(std::system(no_count.c_str())), 2);
}

TEST(CliSweepModel, MisuseAndBadFilesSayWhatIsWrong) {
    start_fresh();
    if (!have_data()) GTEST_SKIP() << "no shared data";
    const std::string file = data("stories260K_layers.h5");
    expect_failure(run_cli("sweep-model " + file + " --methods rtn --out " + tmp("o.jsonl") + " --shard 3/3"), 2,
                   {"0/3 to 2/3"});
    expect_failure(run_cli("sweep-model " + file + " --methods rtn --out " + tmp("o.jsonl") + " --shard 0/36"), 2,
                   {"35 layers cannot be cut into 36 shards"});
    expect_failure(run_cli("sweep-model " + file + " --methods rtn"), 2, {"--out"});
    expect_failure(run_cli("sweep-model " + file + " --methods nosuch --out " + tmp("o.jsonl")), 2, {"nosuch"});
    expect_failure(run_cli("sweep-model " + file + " --out " + tmp("o.jsonl")), 2, {"--methods"});
    expect_failure(run_cli("sweep-model " + file + " --methods rtn --layers 'nolayer*' --out " + tmp("o.jsonl")), 2,
                   {"'nolayer*' matches no layer"});
    expect_failure(run_cli("sweep-model " + file + " --methods rtn --group 48 --out " + tmp("o.jsonl")), 2, {"rtn on layers."});
    expect_failure(run_cli("sweep-model /nonexistent.h5 --methods rtn --out " + tmp("o.jsonl")), 1, {"/nonexistent.h5"});
    expect_failure(run_cli("sweep-model " + file + " --methods rtn --out /nonexistent/dir/o.jsonl"), 1, {"/nonexistent/dir"});
    expect_failure(run_cli("sweep-model " + file + " --methods rtn --out " + tmp("o-{shard}.jsonl")), 2, {"{shard}"});
    // A file that is not a sweep result, given to merge-shards or found as OUT.partial.
    write_bytes(tmp("junk.jsonl"), "{\"a\": 1}\n");
    expect_failure(run_cli("merge-shards " + tmp("m.jsonl") + " " + tmp("junk.jsonl")), 1, {"junk.jsonl:1: the row has no"});
    write_bytes(tmp("p.jsonl.partial"), "\x89HDF\r\n\x1a\n garbage\n");
    expect_failure(run_cli("sweep-model " + file + " --methods rtn --out " + tmp("p.jsonl")), 1, {"p.jsonl.partial:1"});
    const Outcome forced = run_cli("sweep-model " + file + " --methods rtn --out " + tmp("p.jsonl") + " --force --quiet");
    EXPECT_EQ(forced.exit_code, 0) << forced.err;
    // Another sweep's result under the same name.
    expect_failure(run_cli("sweep-model " + file + " --methods wanda --out " + tmp("p.jsonl")), 2, {"another sweep", "--force"});
    // A method without a sparsity budget at --sparsities is skipped with a note.
    const Outcome note = run_cli("sweep-model " + file + " --methods rtn,wanda --sparsities 0.5,0.6 --layers 'layers.0.*' --out " +
                                 tmp("n.jsonl") + " --force --quiet");
    EXPECT_EQ(note.exit_code, 0) << note.err;
    EXPECT_NE(note.err.find("note: skipped rtn"), std::string::npos) << note.err;
    EXPECT_EQ(lines_of(tmp("n.jsonl")).size(), 7u * 2);
}

TEST(CliSweepModel, SummaryJsonAndDemoModel) {
    start_fresh();
    const std::string demo = tmp("demo.h5");
    const Outcome written = run_cli("demo-model " + demo + " --layers 3 --demo-shape 64x128 --demo-tokens 256 --force");
    ASSERT_EQ(written.exit_code, 0) << written.err;
    const Outcome info = run_cli("info " + demo + " --json");
    ASSERT_EQ(info.exit_code, 0) << info.err;
    const nlohmann::json layers = nlohmann::json::parse(info.out);
    ASSERT_EQ(layers.size(), 3u);
    EXPECT_EQ(layers[2]["name"], "layers.2.demo");
    EXPECT_EQ(layers[2]["d_in"], 128);
    // The layers differ in how loud their outlier channels are.
    EXPECT_NE(layers[0]["outlier_strength"], layers[2]["outlier_strength"]);
    expect_failure(run_cli("demo-model " + demo + " --layers 2"), 2, {"exists"});
    expect_failure(run_cli("demo-model " + tmp("z.h5") + " --layers 0"), 2, {"--layers"});

    const Outcome sweep = run_cli("sweep-model " + demo + " --methods rtn,awq,gptq --json --quiet --out " + tmp("d.jsonl"));
    ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
    const nlohmann::json summary = nlohmann::json::parse(sweep.out);
    ASSERT_EQ(summary["methods"].size(), 3u);
    ASSERT_EQ(summary["layers"].size(), 3u);
    const auto rows = lines_of(tmp("d.jsonl"));
    double worst_rtn = 0.0;
    for (const auto& line : rows) {
        const auto row = nlohmann::json::parse(line);
        for (const char* key : {"layer", "method", "params", "relative_output_error", "sparsity", "bits_per_weight", "seconds",
                                "budget", "d_out", "d_in", "tokens", "outlier_strength", "work", "work_count", "sweep",
                                "input_sha256"})
            EXPECT_TRUE(row.contains(key)) << key;
        if (row["method"] == "rtn") worst_rtn = std::max(worst_rtn, row["relative_output_error"].get<double>());
    }
    EXPECT_EQ(summary["methods"][0]["method"], "rtn");
    EXPECT_EQ(summary["methods"][0]["worst_error"].get<double>(), worst_rtn);
}
