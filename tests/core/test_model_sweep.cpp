// The model sweep (core/model_sweep/): its plan and shards, resuming after an interruption,
// merging shards, the summary, and its checksum against an independent one (coreutils).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "demo_layer.h"
#include "hdf5_fixtures.h"
#include "io/hdf5_writer.h"
#include "io/sha256.h"
#include "layer_source.h"
#include "method_registry.h"
#include "model_sweep/model_sweep_merge.h"
#include "model_sweep/model_sweep_runner.h"
#include "model_sweep/model_sweep_summary.h"
#include "test_support.h"
#include "threads.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

// Two blocks of the real model (14 layers) with three methods: small enough to run often.
ModelSweepRequest real_request() {
    ModelSweepRequest request;
    request.path = shared_data("stories260K_layers.h5");
    request.layer_patterns = {"layers.0.*", "layers.1.*"};
    request.points = method_points({"rtn", "wanda", "sparsegpt"}, CompressionParams{});
    return request;
}

// A row's JSON without the measured times: what must equal between two runs.
nlohmann::json timeless(const std::string& line) {
    nlohmann::json o = nlohmann::json::parse(line);
    o.erase("seconds");
    o.erase("timings");
    return o;
}

void expect_same_rows(const std::vector<SweepRow>& a, const std::vector<SweepRow>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) EXPECT_EQ(timeless(a[k].line), timeless(b[k].line)) << "row " << k;
}

// A test file of two layers, each with its weight and inputs.
struct TestLayer {
    const char* name;
    const MatrixF* weight;
    const MatrixF* inputs;
};
void write_two_layers(const std::string& path, const TestLayer& first, const TestLayer& second) {
    std::vector<LayerToWrite> layers(2);
    for (size_t k = 0; k < 2; ++k) {
        const TestLayer& t = k == 0 ? first : second;
        layers[k].name = t.name;
        layers[k].weight = t.weight;
        layers[k].inputs = t.inputs;
    }
    write_layers(path, layers, true);
}

// Cancels once `rows` rows are written (asked from the points' threads).
class StopAfter : public Progress {
public:
    explicit StopAfter(size_t rows) : rows_(rows) {}
    void written() { ++written_; }
    bool cancelled() const override { return written_.load() >= rows_; }

private:
    size_t rows_;
    std::atomic<size_t> written_{0};
};

// Restores the default thread count however the test ends.
struct ThreadCountGuard {
    int before = thread_count();
    ~ThreadCountGuard() { set_thread_count(before); }
};

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

template <class E, class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "(no exception)";
}

// A sweep written by hand, so that a hostile row can be put anywhere: 3 layers × 2 points (rtn at
// INT4 g128, magnitude at 50%), cut as shard 0/2 (layer 0: work 0, 1) and 1/2 (layers 1, 2:
// work 2 to 5). Rows are kept in work order; hand_shard_line says where a row ends up.
constexpr size_t kHandLayers = 3, kHandPoints = 2, kHandWork = kHandLayers * kHandPoints;

nlohmann::json hand_row(size_t work) {
    const size_t layer = work / kHandPoints, point = work % kHandPoints;
    const int shard = layer == 0 ? 0 : 1;
    nlohmann::json o;
    o["layer"] = "layers." + std::to_string(layer) + ".w";
    o["method"] = point == 0 ? "rtn" : "magnitude";
    o["budget"] = point == 0 ? "INT4 g128" : "50%";
    o["params"] = nlohmann::json::object();
    o["relative_output_error"] = 0.01 * static_cast<double>(work + 1);
    o["sparsity"] = point == 0 ? 0.1 : 0.5;
    o["bits_per_weight"] = point == 0 ? 4.5 : 16.0;
    o["seconds"] = 0.001;
    o["d_out"] = 16;
    o["d_in"] = 32 + 16 * layer;
    o["tokens"] = 128;
    o["outlier_strength"] = 2.0;
    o["layer_index"] = layer;
    o["work"] = work;
    o["work_count"] = kHandWork;
    o["sweep"] = "0123456789abcdef";
    o["input"] = "hand.h5";
    o["input_sha256"] = std::string(64, 'a');
    o["shard"] = {{"index", shard}, {"count", 2}, {"rows", shard == 0 ? 2 : 4}};
    return o;
}

std::vector<nlohmann::json> hand_rows() {
    std::vector<nlohmann::json> rows;
    for (size_t work = 0; work < kHandWork; ++work) rows.push_back(hand_row(work));
    return rows;
}

// The two shard files of `rows` (by their place, whatever they say): rows 0, 1 in the first.
std::vector<std::string> write_hand_shards(const std::string& dir, const std::vector<nlohmann::json>& rows) {
    const std::vector<std::string> files = {dir + "/hand-0.jsonl", dir + "/hand-1.jsonl"};
    std::string text[2];
    for (size_t k = 0; k < rows.size(); ++k) text[k < 2 ? 0 : 1] += rows[k].dump() + "\n";
    write_bytes(files[0], text[0]);
    write_bytes(files[1], text[1]);
    return files;
}

// "file:line" of the row at place k of write_hand_shards.
std::string hand_shard_line(const std::vector<std::string>& files, size_t k) {
    return k < 2 ? files[0] + ":" + std::to_string(k + 1) : files[1] + ":" + std::to_string(k - 1);
}

// Sets a field of a row; "shard.index" reaches into the shard tag.
void set_field(nlohmann::json& row, const std::string& key, const nlohmann::json& value) {
    if (key.rfind("shard.", 0) == 0) row["shard"][key.substr(6)] = value;
    else row[key] = value;
}

void expect_contains(const std::string& message, const std::vector<std::string>& parts) {
    for (const std::string& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' in: " << message;
}

}  // namespace

TEST(Sha256, KnownDigestsAndCoreutils) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    Sha256 million;
    const std::string chunk(1000, 'a');   // 1000 updates of 1000 bytes: the buffered path
    for (int k = 0; k < 1000; ++k) million.update(chunk.data(), chunk.size());
    EXPECT_EQ(million.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // The SHA instructions (where the CPU has them) against the portable rounds, at every
    // length around the 64-byte block and the padding's 56-byte boundary, in uneven updates.
    std::mt19937 rng(17);
    std::string bytes(3000, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    for (size_t length : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 2999}) {
        Sha256 fast, portable = Sha256::portable();
        for (size_t at = 0; at < length;) {
            const size_t take = std::min<size_t>(length - at, 1 + rng() % 97);
            fast.update(bytes.data() + at, take);
            portable.update(bytes.data() + at, take);
            at += take;
        }
        EXPECT_EQ(fast.hex_digest(), portable.hex_digest()) << "length " << length;
    }
    Sha256 portable_abc = Sha256::portable();
    portable_abc.update("abc", 3);
    EXPECT_EQ(portable_abc.hex_digest(), sha256_hex("abc"));
    if (!have_shared_data()) GTEST_SKIP() << "no shared data";
    // An independent implementation on a real file.
    const std::string path = shared_data("stories260K_layers.h5");
    FILE* pipe = popen(("sha256sum '" + path + "'").c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char digest[65] = {};
    ASSERT_EQ(std::fread(digest, 1, 64, pipe), 64u);
    pclose(pipe);
    EXPECT_EQ(file_sha256(path), std::string(digest));
    EXPECT_NE(message_of<InputError>([] { file_sha256("/nonexistent/x.h5"); }).find("/nonexistent/x.h5"), std::string::npos);
}

TEST(ModelSweepShards, ParseAndEnvironment) {
    EXPECT_EQ(parse_shard("1/3"), (Shard{1, 3}));
    EXPECT_EQ(parse_shard("0/1"), (Shard{0, 1}));
    for (const char* bad : {"3/3", "-1/3", "a/3", "1/0", "1", "1/3/4", "", "1/ 3"})
        EXPECT_THROW(parse_shard(bad), ParameterError) << bad;
    EXPECT_NE(message_of<ParameterError>([] { parse_shard("3/3"); }).find("0/3 to 2/3"), std::string::npos);

    auto table = [](std::map<std::string, std::string> vars) {
        return [vars](const char* name) -> const char* {
            const auto it = vars.find(name);
            return it == vars.end() ? nullptr : it->second.c_str();
        };
    };
    EXPECT_FALSE(shard_from_environment(table({}), 0));
    EXPECT_EQ(*shard_from_environment(table({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "7"}}), 0), (Shard{2, 7}));
    // --array=4-6: ids 4, 5, 6 are shards 0, 1, 2 of 3.
    EXPECT_EQ(*shard_from_environment(table({{"SLURM_ARRAY_TASK_ID", "5"}, {"SLURM_ARRAY_TASK_COUNT", "3"},
                                             {"SLURM_ARRAY_TASK_MIN", "4"}}), 0),
              (Shard{1, 3}));
    EXPECT_EQ(*shard_from_environment(table({{"JOB_COMPLETION_INDEX", "4"}}), 5), (Shard{4, 5}));
    EXPECT_THROW(shard_from_environment(table({{"JOB_COMPLETION_INDEX", "4"}}), 0), ParameterError);   // no count
    EXPECT_THROW(shard_from_environment(table({{"JOB_COMPLETION_INDEX", "5"}}), 5), ParameterError);   // out of range
    EXPECT_THROW(shard_from_environment(table({{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "3"}}), 0), ParameterError);
    EXPECT_THROW(shard_from_environment(table({{"SLURM_ARRAY_TASK_ID", "1"}}), 0), ParameterError);
}

// Disjoint, complete and balanced: no shard's load exceeds the mean by more than one layer
// (the guarantee of longest-first greedy assignment), on layers of very different sizes.
TEST(ModelSweepShards, DisjointCompleteAndBalancedByCost) {
    ModelSweepPlan plan;
    plan.points = method_points({"rtn", "gptq"}, CompressionParams{});
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> width(1, 64);
    for (int k = 0; k < 40; ++k) {
        LayerInfo info;
        info.name = "layers." + std::to_string(k);
        info.d_out = 64 * width(rng);
        info.d_in = 64 * width(rng);
        info.n_tokens = 2048;
        plan.layers.push_back(info);
    }
    for (int count : {1, 2, 3, 7, 40, 64}) {
        SCOPED_TRACE("N = " + std::to_string(count));
        std::vector<int> owner(plan.layers.size(), -1);
        double total = 0.0, largest = 0.0, worst = 0.0;
        for (const LayerInfo& info : plan.layers) {
            total += layer_cost(info, plan.points.size());
            largest = std::max(largest, layer_cost(info, plan.points.size()));
        }
        for (int index = 0; index < count; ++index) {
            const auto layers = shard_layers(plan, Shard{index, count});
            EXPECT_TRUE(std::is_sorted(layers.begin(), layers.end()));
            double load = 0.0;
            for (size_t layer : layers) {
                EXPECT_EQ(owner[layer], -1) << "layer " << layer << " in two shards";
                owner[layer] = index;
                load += layer_cost(plan.layers[layer], plan.points.size());
            }
            worst = std::max(worst, load);
        }
        for (int o : owner) EXPECT_GE(o, 0);
        EXPECT_LE(worst, total / count + largest * (1 + 1e-12));
    }
    // A layer of 4096 x 4096 costs more than sixteen of 1024 x 1024 together.
    auto layer = [](const char* name, Eigen::Index d) {
        LayerInfo info;
        info.name = name;
        info.d_out = info.d_in = d;
        info.weight_dtype = "float32";
        info.has_inputs = true;
        info.n_tokens = 2048;
        return info;
    };
    const LayerInfo big = layer("big", 4096), small = layer("small", 1024);
    EXPECT_GT(layer_cost(big, 2), 16 * layer_cost(small, 2));
}

TEST(ModelSweepPlan, FiltersChecksumsAndValidatesBeforeWork) {
    if (!have_shared_data()) GTEST_SKIP() << "no shared data";
    const ModelSweepPlan plan = plan_model_sweep(real_request());
    EXPECT_EQ(plan.layers.size(), 14u);
    EXPECT_EQ(plan.work_count(), 42u);
    EXPECT_EQ(plan.input_sha256, file_sha256(plan.path));
    EXPECT_EQ(plan.sweep_id.size(), 16u);
    // The id changes with any argument and with nothing else.
    EXPECT_EQ(plan_model_sweep(real_request()).sweep_id, plan.sweep_id);
    ModelSweepRequest other = real_request();
    other.points = method_points({"rtn", "wanda", "sparsegpt"}, CompressionParams{}, {0.6});
    EXPECT_NE(plan_model_sweep(other).sweep_id, plan.sweep_id);

    ModelSweepRequest nothing = real_request();
    nothing.layer_patterns = {"layers.9.*"};
    EXPECT_NE(message_of<ParameterError>([&] { plan_model_sweep(nothing); }).find("'layers.9.*' matches no layer"),
              std::string::npos);
    // A group that divides no layer's width fails before any work, naming method and layer.
    ModelSweepRequest bad_group = real_request();
    CompressionParams params;
    params.group_size = 48;
    bad_group.points = method_points({"rtn"}, params);
    const std::string message = message_of<ParameterError>([&] { plan_model_sweep(bad_group); });
    EXPECT_NE(message.find("rtn on layers.0."), std::string::npos) << message;
}

// Killed (here: cancelled) after some rows and started again, the sweep keeps the finished
// rows byte for byte, computes only the rest, and ends equal to an uninterrupted run.
TEST(ModelSweepRunner, ResumesAfterAnInterruptionWithIdenticalRows) {
    if (!have_shared_data()) GTEST_SKIP() << "no shared data";
    const std::string dir = scratch_dir();
    const ModelSweepPlan plan = plan_model_sweep(real_request());
    Progress quiet;
    const ModelSweepRun whole = run_model_sweep(plan, std::nullopt, {dir + "/whole.jsonl"}, quiet);
    EXPECT_EQ(whole.computed, plan.work_count());
    ASSERT_EQ(lines_of(dir + "/whole.jsonl").size(), plan.work_count());
    for (size_t k = 0; k < whole.rows.size(); ++k) {
        EXPECT_EQ(whole.rows[k].work, k);
        EXPECT_TRUE(whole.rows[k].error.has_value()) << whole.rows[k].failure;
        EXPECT_FALSE(whole.rows[k].shard.has_value());
    }

    const std::string out = dir + "/resumed.jsonl";
    StopAfter stop(17);
    EXPECT_THROW(run_model_sweep(plan, std::nullopt, {out}, stop, [&](const SweepRow&) { stop.written(); }), Cancelled);
    EXPECT_FALSE(std::filesystem::exists(out)) << "an unfinished sweep is never under its name";
    const std::vector<std::string> before = lines_of(partial_path(out));
    ASSERT_EQ(before.size(), 17u);
    // A kill in the middle of a write leaves a cut-off line: it is dropped and done again.
    { std::ofstream(partial_path(out), std::ios::app) << before.back().substr(0, 40); }

    size_t seen = 0;
    const ModelSweepRun resumed = run_model_sweep(plan, std::nullopt, {out}, quiet, [&](const SweepRow&) { ++seen; });
    EXPECT_EQ(resumed.resumed, 17u);
    EXPECT_EQ(resumed.computed, plan.work_count() - 17);
    EXPECT_EQ(seen, plan.work_count());
    EXPECT_FALSE(std::filesystem::exists(partial_path(out)));
    const std::vector<std::string> after = lines_of(out);
    ASSERT_EQ(after.size(), plan.work_count());
    for (size_t k = 0; k < before.size(); ++k) EXPECT_EQ(after[k], before[k]) << "row " << k << " changed";
    expect_same_rows(resumed.rows, whole.rows);

    // Finished: started again, nothing is computed and the file is not touched.
    const auto stamp = std::filesystem::last_write_time(out);
    const ModelSweepRun again = run_model_sweep(plan, std::nullopt, {out}, quiet);
    EXPECT_EQ(again.computed, 0u);
    EXPECT_EQ(again.resumed, plan.work_count());
    EXPECT_EQ(std::filesystem::last_write_time(out), stamp);
}

// A cancelled sweep's remaining work items each start with their layer's load: that load must
// see the cancel before it reads anything (the window's sweep over 35 layers took 2 s to stop
// on a loaded machine, two HDF5 probes in a child process per layer). A file that is not there
// shows it: a load that read would say so with an InputError.
TEST(ModelSweepRunner, ACancelledLoadReadsNothing) {
    StopAfter cancelled(0);
    LayerSource source;
    source.path = scratch_dir() + "/not-there.h5";
    source.layer = "layers.0.attention.wq";
    EXPECT_THROW(load_layer(source, cancelled), Cancelled);
    LayerSource demo;
    demo.demo = true;
    EXPECT_THROW(load_layer(demo, cancelled), Cancelled);
    Progress running;
    EXPECT_THROW(load_layer(source, running), InputError);
}

// merge-shards promises the one-process result, and a Slurm task has one CPU where the one process
// has every core: a row must not depend on the thread count. On a real layer GPTQ's E was
// 0.013857998160706602 on one thread and 0.013857998209905556 on two before the sweep ran each
// point on one thread; 600 wide, every method differed. And a row is what `run --threads 1` gives.
TEST(ModelSweepRunner, RowsDoNotDependOnTheThreadCountAndAreTheOneThreadResults) {
    const std::string dir = scratch_dir();
    DemoSpec spec;
    spec.d_out = 384;
    spec.d_in = 600;   // the factor's panels, several lazy blocks and row blocks per product
    spec.n_tokens = 700;
    const DemoLayer wide = make_demo_layer(spec);
    spec.n_tokens = 200;   // fewer tokens than d_in / 2: the token route
    const DemoLayer few_tokens = make_demo_layer(spec);
    LayerToWrite a, b;
    a.name = "wide.full_rank";
    a.weight = &wide.layer.W;
    a.inputs = &wide.X;
    b.name = "wide.few_tokens";
    b.weight = &few_tokens.layer.W;
    b.inputs = &few_tokens.X;
    write_layers(dir + "/wide.h5", {a, b}, true);
    CompressionParams params;
    params.iters = 20;
    params.rank = 8;
    std::vector<ModelSweepRequest> requests(1);
    requests[0].path = dir + "/wide.h5";
    requests[0].points = method_points(method_names(), params);
    if (have_shared_data()) {
        requests.push_back(real_request());
        requests.back().points = method_points({"rtn", "awq", "gptq", "sparsegpt", "awp"}, params);
    }
    ThreadCountGuard guard;
    for (const ModelSweepRequest& request : requests) {
        SCOPED_TRACE(request.path);
        const ModelSweepPlan plan = plan_model_sweep(request);
        Progress quiet;
        set_thread_count(1);
        const ModelSweepRun one = run_model_sweep(plan, std::nullopt, {dir + "/one.jsonl", true}, quiet);
        set_thread_count(2);
        const ModelSweepRun two = run_model_sweep(plan, std::nullopt, {dir + "/two.jsonl", true}, quiet);
        EXPECT_EQ(thread_count(), 2) << "the sweep gives the thread count back";
        expect_same_rows(one.rows, two.rows);

        // The first layer's rows against run_method on one thread.
        set_thread_count(1);
        LayerSource source;
        source.path = request.path;
        source.layer = plan.layers[0].name;
        const LoadedLayer loaded = load_layer(source, quiet);
        for (std::size_t point = 0; point < plan.points.size(); ++point) {
            const ModelEvalPoint& p = plan.points[point];
            SCOPED_TRACE(p.method + " " + p.budget);
            const MethodResult r = run_method(find_method(p.method), loaded.layer, loaded.stats, p.params, quiet);
            ASSERT_TRUE(one.rows[point].error.has_value()) << one.rows[point].failure;
            EXPECT_EQ(*one.rows[point].error, r.relative_output_error);
        }
    }
}

TEST(ModelSweepRunner, RefusesAnotherSweepsRowsUnlessForced) {
    if (!have_shared_data()) GTEST_SKIP() << "no shared data";
    const std::string dir = scratch_dir();
    Progress quiet;
    const ModelSweepPlan plan = plan_model_sweep(real_request());
    ModelSweepRequest other_request = real_request();
    other_request.points = method_points({"magnitude"}, CompressionParams{});
    const ModelSweepPlan other = plan_model_sweep(other_request);
    const std::string out = dir + "/r.jsonl";
    run_model_sweep(other, std::nullopt, {out}, quiet);
    EXPECT_NE(message_of<ParameterError>([&] { run_model_sweep(plan, std::nullopt, {out}, quiet); }).find("another sweep"),
              std::string::npos);
    // A shard's partial is not the whole sweep's.
    StopAfter stop(2);
    EXPECT_THROW(run_model_sweep(plan, Shard{1, 3}, {dir + "/s.jsonl"}, stop, [&](const SweepRow&) { stop.written(); }), Cancelled);
    std::filesystem::rename(partial_path(dir + "/s.jsonl"), partial_path(dir + "/w.jsonl"));
    EXPECT_NE(message_of<ParameterError>([&] { run_model_sweep(plan, std::nullopt, {dir + "/w.jsonl"}, quiet); })
                  .find("rows of shard 1/3, not of the whole sweep"),
              std::string::npos);
    const ModelSweepRun forced = run_model_sweep(plan, std::nullopt, {out, true}, quiet);
    EXPECT_EQ(forced.computed, plan.work_count());
    EXPECT_EQ(lines_of(out).size(), plan.work_count());
}

// Shards of 1, 3 and 7 merged equal the single-process sweep; a missing, duplicated, unfinished
// or foreign shard is refused with its name.
TEST(ModelSweepMerge, ShardsMergeToTheSingleProcessResult) {
    if (!have_shared_data()) GTEST_SKIP() << "no shared data";
    const std::string dir = scratch_dir();
    Progress quiet;
    const ModelSweepPlan plan = plan_model_sweep(real_request());
    const ModelSweepRun single = run_model_sweep(plan, std::nullopt, {dir + "/single.jsonl"}, quiet);
    for (int count : {1, 3, 7}) {
        SCOPED_TRACE("N = " + std::to_string(count));
        std::vector<std::string> files;
        for (int index = 0; index < count; ++index) {
            files.push_back(dir + "/shard-" + std::to_string(index) + "-of-" + std::to_string(count) + ".jsonl");
            const ModelSweepRun run = run_model_sweep(plan, Shard{index, count}, {files.back()}, quiet);
            for (const SweepRow& row : run.rows) ASSERT_TRUE(row.shard && row.shard->shard == (Shard{index, count}));
        }
        std::reverse(files.begin(), files.end());   // the order given does not matter
        const std::vector<SweepRow> merged = merge_shards(files);
        expect_same_rows(merged, single.rows);
        for (const SweepRow& row : merged) EXPECT_EQ(row.line.find("\"shard\""), std::string::npos);
        if (count == 3) {
            write_sweep_file(dir + "/merged.jsonl", merged, false);
            EXPECT_EQ(lines_of(dir + "/merged.jsonl").size(), plan.work_count());
            EXPECT_THROW(write_sweep_file(dir + "/merged.jsonl", merged, false), ParameterError);
        }
    }
    const std::string s0 = dir + "/shard-0-of-3.jsonl", s1 = dir + "/shard-1-of-3.jsonl", s2 = dir + "/shard-2-of-3.jsonl";
    std::string m = message_of<InputError>([&] { merge_shards({s0, s2}); });
    EXPECT_NE(m.find("shard 1/3 is missing"), std::string::npos) << m;
    m = message_of<InputError>([&] { merge_shards({s0}); });
    EXPECT_NE(m.find("shards 1/3, 2/3 are missing"), std::string::npos) << m;
    std::filesystem::copy_file(s1, dir + "/copy.jsonl");
    m = message_of<InputError>([&] { merge_shards({s0, s1, dir + "/copy.jsonl", s2}); });
    EXPECT_NE(m.find("shard 1/3 is given twice: " + s1 + " and " + dir + "/copy.jsonl"), std::string::npos) << m;
    m = message_of<InputError>([&] { merge_shards({s0, dir + "/shard-1-of-7.jsonl", s2}); });
    EXPECT_NE(m.find("one of 7 shards"), std::string::npos) << m;
    // An unfinished shard: its first rows only.
    std::vector<std::string> lines = lines_of(s1);
    { std::ofstream cut(dir + "/cut.jsonl"); cut << lines[0] << "\n" << lines[1] << "\n"; }
    m = message_of<InputError>([&] { merge_shards({s0, dir + "/cut.jsonl", s2}); });
    EXPECT_NE(m.find("has 2 of its"), std::string::npos) << m;
    // Not a sweep file at all, and a broken line.
    write_bytes(dir + "/junk.jsonl", "{\"work\": 1}\n");
    m = message_of<InputError>([&] { merge_shards({s0, dir + "/junk.jsonl"}); });
    EXPECT_NE(m.find(dir + "/junk.jsonl:1: the row has no 'work_count'"), std::string::npos) << m;
    write_bytes(dir + "/text.jsonl", lines[0] + "\nnot json\n");
    m = message_of<InputError>([&] { merge_shards({dir + "/text.jsonl"}); });
    EXPECT_NE(m.find(dir + "/text.jsonl:2: not valid JSON"), std::string::npos) << m;
    // Hostile rows: nesting far deeper than any row, a number beyond double, a negative E, binary.
    write_bytes(dir + "/deep.jsonl", std::string(100000, '[') + std::string(100000, ']') + "\n");
    EXPECT_THROW(merge_shards({dir + "/deep.jsonl"}), InputError);
    nlohmann::json negative = nlohmann::json::parse(lines[0]);
    negative["relative_output_error"] = -1.0;
    write_bytes(dir + "/negative.jsonl", negative.dump() + "\n");
    m = message_of<InputError>([&] { merge_shards({dir + "/negative.jsonl"}); });
    EXPECT_NE(m.find("is not a finite E"), std::string::npos) << m;
    write_bytes(dir + "/binary.jsonl", std::string("\x89HDF\r\n\x1a\n\0\0\xff\xfe", 12) + "\n");
    m = message_of<InputError>([&] { merge_shards({dir + "/binary.jsonl"}); });
    EXPECT_NE(m.find("binary.jsonl:1: not valid JSON"), std::string::npos) << m;
    EXPECT_THROW(merge_shards({}), ParameterError);
    // A row that claims a vast sweep is refused before anything of that size is allocated.
    nlohmann::json vast = nlohmann::json::parse(lines[0]);
    vast["work_count"] = std::uint64_t{1000000000000000000};   // whole: 1e18 is a double, refused as such
    vast["shard"]["count"] = 1;
    vast["shard"]["index"] = 0;
    vast["shard"]["rows"] = 1;
    write_bytes(dir + "/vast.jsonl", vast.dump() + "\n");
    m = message_of<InputError>([&] { merge_shards({dir + "/vast.jsonl"}); });
    EXPECT_NE(m.find("the shards hold 1 rows, but their sweep has"), std::string::npos) << m;
}

TEST(ModelSweepMerge, ShardsOfAnotherInputFileAreRefused) {
    if (!have_shared_data()) GTEST_SKIP() << "no shared data";
    const std::string dir = scratch_dir();
    Progress quiet;
    ModelSweepRequest a = real_request();
    a.layer_patterns = {"layers.0.attention.wq", "layers.0.attention.wk"};
    a.points = method_points({"rtn"}, CompressionParams{});
    // The same layers in a file of their own: the same arguments, another checksum.
    const Layer wq = read_layer(a.path, "layers.0.attention.wq"), wk = read_layer(a.path, "layers.0.attention.wk");
    std::mt19937 rng(3);
    const MatrixF X = random_inputs(256, wq.d_in(), rng);
    LayerToWrite q, k;
    q.name = wq.name;
    q.weight = &wq.W;
    q.inputs = &X;
    k.name = wk.name;
    k.weight = &wk.W;
    k.inputs = &X;
    write_layers(dir + "/mine.h5", {k, q}, true);
    ModelSweepRequest b = a;
    b.path = dir + "/mine.h5";
    const ModelSweepPlan plan_a = plan_model_sweep(a), plan_b = plan_model_sweep(b);
    EXPECT_NE(plan_a.input_sha256, plan_b.input_sha256);
    run_model_sweep(plan_a, Shard{0, 2}, {dir + "/a0.jsonl"}, quiet);
    run_model_sweep(plan_b, Shard{1, 2}, {dir + "/b1.jsonl"}, quiet);
    const std::string m = message_of<InputError>([&] { merge_shards({dir + "/a0.jsonl", dir + "/b1.jsonl"}); });
    EXPECT_NE(m.find("another input file"), std::string::npos) << m;
    // More shards than layers: some shard would have no row to name it.
    EXPECT_NE(message_of<ParameterError>([&] { run_model_sweep(plan_a, Shard{0, 3}, {dir + "/x.jsonl"}, quiet); })
                  .find("2 layers cannot be cut into 3 shards"),
              std::string::npos);
}

// A layer whose data is bad does not stop the sweep: its rows say why, the others are computed.
TEST(ModelSweepRunner, ABadLayerGetsFailureRowsAndTheSweepGoesOn) {
    const std::string dir = scratch_dir();
    std::mt19937 rng(5);
    const MatrixF W = random_matrix(16, 32, rng), X = random_inputs(128, 32, rng);
    MatrixF X_nan = X;
    X_nan(7, 3) = std::numeric_limits<float>::quiet_NaN();
    write_two_layers(dir + "/two.h5", {"a.good", &W, &X}, {"b.bad", &W, &X_nan});
    ModelSweepRequest request;
    request.path = dir + "/two.h5";
    request.points = method_points({"rtn", "wanda"}, CompressionParams{});
    Progress quiet;
    const ModelSweepRun run = run_model_sweep(plan_model_sweep(request), std::nullopt, {dir + "/r.jsonl"}, quiet);
    ASSERT_EQ(run.rows.size(), 4u);
    EXPECT_TRUE(run.rows[0].error && run.rows[1].error);
    EXPECT_FALSE(run.rows[2].error || run.rows[3].error);
    EXPECT_NE(run.rows[2].failure.find("NaN"), std::string::npos) << run.rows[2].failure;
    // The failures read back from the file, and the summary lists them.
    const SweepFile file = read_sweep_file(dir + "/r.jsonl", false);
    EXPECT_EQ(file.rows[3].failure, run.rows[3].failure);
    const ModelSweepSummary summary = summarise_model_sweep(file.rows);
    EXPECT_EQ(summary.failures.size(), 2u);
    EXPECT_EQ(summary.points[0].failed, 1u);
    EXPECT_EQ(summary.points[0].layers, 1u);
}

// The summary against brute force over the rows.
TEST(ModelSweepSummary, MeansMediansBestAndOutliers) {
    if (!have_shared_data()) GTEST_SKIP() << "no shared data";
    const std::string dir = scratch_dir();
    Progress quiet;
    const ModelSweepRun run = run_model_sweep(plan_model_sweep(real_request()), std::nullopt, {dir + "/r.jsonl"}, quiet);
    const double factor = 1.5;
    const ModelSweepSummary summary = summarise_model_sweep(run.rows, factor);
    ASSERT_EQ(summary.points.size(), 3u);
    ASSERT_EQ(summary.layers.size(), 14u);
    EXPECT_EQ(summary.budgets, (std::vector<std::string>{"INT4 g128", "50%"}));
    size_t outliers = 0;
    for (const SweepPointSummary& point : summary.points) {
        std::vector<double> errors;
        for (const SweepRow& row : run.rows)
            if (row.method == point.method) errors.push_back(*row.error);
        ASSERT_EQ(errors.size(), 14u);
        EXPECT_NEAR(point.mean_error, std::accumulate(errors.begin(), errors.end(), 0.0) / 14, 1e-15);
        std::sort(errors.begin(), errors.end());
        EXPECT_DOUBLE_EQ(point.median_error, 0.5 * (errors[6] + errors[7]));
        EXPECT_DOUBLE_EQ(point.worst_error, errors.back());
        for (double e : errors) outliers += e > factor * point.median_error;
    }
    EXPECT_EQ(summary.outliers.size(), outliers);
    for (size_t k = 1; k < summary.outliers.size(); ++k)
        EXPECT_GE(summary.outliers[k - 1].error / summary.outliers[k - 1].median,
                  summary.outliers[k].error / summary.outliers[k].median);
    // Per layer and budget: the lowest E of the methods at that budget.
    for (const SweepLayerSummary& layer : summary.layers) {
        for (const SweepLayerBest& best : layer.best) {
            double lowest = 1e300;
            for (const SweepRow& row : run.rows)
                if (row.layer == layer.layer && row.budget == best.budget) lowest = std::min(lowest, *row.error);
            EXPECT_EQ(best.error, lowest) << layer.layer << " " << best.budget;
        }
    }
    const nlohmann::json json = nlohmann::json::parse(model_sweep_summary_json(summary));
    EXPECT_EQ(json["methods"].size(), 3u);
    EXPECT_EQ(json["outliers"].size(), outliers);
    EXPECT_NE(model_sweep_summary_table(summary).find("lowest E per layer"), std::string::npos);
}

// Every field read from a row is checked for its type and range, and a bad one is an InputError
// naming the file, the line and the field, whether merge-shards or a resumed sweep reads it. (A
// string sparsity was nlohmann's type_error, exit 3; "work": 0.5 was read as 0 and a shard
// index of 2^32 + 1 as 1.)
TEST(ModelSweepRows, AFieldOfTheWrongTypeOrRangeIsRefusedNamingFileLineAndField) {
    const std::string dir = scratch_dir();
    {
        const std::vector<std::string> honest = write_hand_shards(dir, hand_rows());
        EXPECT_EQ(merge_shards(honest).size(), kHandWork);
    }
    struct Case {
        std::string key;
        nlohmann::json value;
    };
    const std::vector<Case> cases = {
        {"sparsity", "x"},
        {"sparsity", 1.5},
        {"sparsity", nullptr},
        {"bits_per_weight", nlohmann::json::array({1})},
        {"bits_per_weight", -1.0},
        {"seconds", "1"},
        {"seconds", -5.0},
        {"outlier_strength", "x"},
        {"outlier_strength", -1.0},
        {"relative_output_error", "0.1"},
        {"work", 0.5},
        {"work", -1},
        {"work", std::numeric_limits<std::uint64_t>::max()},
        {"work", "3"},
        {"work_count", 1e30},
        {"work_count", -1},
        {"work_count", 0},
        {"layer_index", 0.5},
        {"layer_index", "1"},
        {"d_out", "16"},
        {"d_in", 3.5},
        {"tokens", -1},
        {"sweep", 5},
        {"method", nlohmann::json::array()},
        {"failure", 5},
        {"shard.index", 4294967297LL},
        {"shard.index", -1},
        {"shard.index", 2},
        {"shard.index", 1.0},
        {"shard.count", 0},
        {"shard.count", 1.5},
        {"shard.count", 2147483648LL},
        {"shard.count", 7},   // more shards than the sweep's 6 work items: a shard is never empty
        {"shard.rows", 0.5},
        {"shard.rows", 0},
        {"shard.rows", 100},   // more rows than the sweep has
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.key + " = " + c.value.dump());
        std::vector<nlohmann::json> rows = hand_rows();
        set_field(rows[3], c.key, c.value);   // shard 1/2's second line
        const std::vector<std::string> files = write_hand_shards(dir, rows);
        const std::string field = "'" + c.key + "'";
        std::string m = message_of<InputError>([&] { merge_shards(files); });
        expect_contains(m, {files[1] + ":2: ", field});
        // The resumed sweep reads its OUT.partial with the same parser, its torn tail allowed.
        m = message_of<InputError>([&] { read_sweep_file(files[1], true); });
        expect_contains(m, {files[1] + ":2: ", field});
    }
    // JSON has no infinity: a layer whose inputs' median channel is silent has an outlier
    // strength of inf, which nlohmann writes as null. Read back, it is inf again.
    std::vector<nlohmann::json> rows = hand_rows();
    for (nlohmann::json& row : rows)
        if (row["layer_index"] == 1) row["outlier_strength"] = std::numeric_limits<double>::infinity();
    EXPECT_EQ(rows[2].dump().find("\"outlier_strength\":null") != std::string::npos, true);
    const std::vector<SweepRow> merged = merge_shards(write_hand_shards(dir, rows));
    EXPECT_EQ(merged[2].facts.outlier_strength, std::numeric_limits<double>::infinity());
}

// A shard count no sweep can have is refused before anything of its size is built, and a
// message lists a handful of the missing shards, not all of them (2^31 - 1 shards took 1.9 GB
// and ended in "out of memory", naming no file).
TEST(ModelSweepMerge, AShardCountBeyondTheWorkIsRefusedBeforeAnythingOfItsSizeIsBuilt) {
    const std::string dir = scratch_dir();
    struct Case {
        long long count;
        unsigned long long work_count;   // said by every row alike, so that only the count is wrong
        std::vector<std::string> expected;   // "@0" is the first file's name
    };
    const std::vector<Case> cases = {
        {2147483647, kHandWork, {"@0:1: ", "'shard.count' 2147483647", "6 work items"}},
        {7, kHandWork, {"@0:1: ", "'shard.count' 7"}},
        {2147483647, 1000000000000000ULL,
         {"shards 2/2147483647, 3/2147483647, 4/2147483647, 5/2147483647, 6/2147483647 and 2147483640 more are "
          "missing (2 of 2147483647 given", "@0"}},
        {5, 1000, {"shards 2/5, 3/5, 4/5 are missing (2 of 5 given", "@0"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE("count " + std::to_string(c.count) + ", work_count " + std::to_string(c.work_count));
        std::vector<nlohmann::json> rows = hand_rows();
        for (nlohmann::json& row : rows) {
            row["shard"]["count"] = c.count;
            row["work_count"] = c.work_count;
        }
        const std::vector<std::string> files = write_hand_shards(dir, rows);
        const std::string m = message_of<InputError>([&] { merge_shards(files); });
        for (std::string part : c.expected) {
            if (part.rfind("@0", 0) == 0) part = files[0] + part.substr(2);
            EXPECT_NE(m.find(part), std::string::npos) << "'" << part << "' in: " << m;
        }
        EXPECT_LT(m.size(), 400u) << m;
    }
}

// merge-shards has no plan, but the rows of one sweep must agree with each other: work w is
// point w % P of layer w / P (P derived from the rows' layer_index), so every row of a layer
// names one layer of one shape and every row of a point one method and budget. A forged row, or
// two rows that swapped their work numbers, is refused naming both rows.
TEST(ModelSweepMerge, RowsThatDisagreeWithTheirWorkIndexAreRefusedNamingBothRows) {
    const std::string dir = scratch_dir();
    struct Case {
        std::string name;
        std::function<void(std::vector<nlohmann::json>&)> edit;
        std::vector<size_t> named_rows;      // places (write_hand_shards) whose file:line the message names
        std::vector<std::string> expected;   // and these
    };
    const std::vector<Case> cases = {
        {"a forged layer name", [](auto& rows) { rows[3]["layer"] = "layers.9.evil"; }, {2, 3},
         {"'layers.1.w'", "'layers.9.evil'", "layer"}},
        {"two rows that swapped their work", [](auto& rows) { std::swap(rows[2]["work"], rows[3]["work"]); }, {0, 3},
         {"rtn INT4 g128", "magnitude 50%"}},
        {"a forged method", [](auto& rows) { rows[4]["method"] = "gptq"; }, {0, 4}, {"gptq INT4 g128", "rtn INT4 g128"}},
        {"a forged budget", [](auto& rows) { rows[5]["budget"] = "70%"; }, {1, 5}, {"magnitude 70%", "magnitude 50%"}},
        {"a forged layer index", [](auto& rows) { rows[4]["layer_index"] = 1; }, {4},
         {"'layer_index' 1", "work 4 is of layer 2", "2 points per layer"}},
        {"another shape for one layer", [](auto& rows) { rows[3]["d_in"] = 99; }, {2, 3}, {"'d_in'", "48", "99"}},
        {"one layer at two layer indices", [](auto& rows) { rows[4]["layer"] = rows[5]["layer"] = "layers.1.w"; }, {2, 4},
         {"'layers.1.w'", "layer indices 1 and 2"}},
        {"another work_count in the file", [](auto& rows) { rows[5]["work_count"] = 100; }, {5}, {"'work_count' 100"}},
        {"another input checksum in the file", [](auto& rows) { rows[5]["input_sha256"] = std::string(64, 'b'); }, {5},
         {"'input_sha256'"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        std::vector<nlohmann::json> rows = hand_rows();
        c.edit(rows);
        const std::vector<std::string> files = write_hand_shards(dir, rows);
        const std::string m = message_of<InputError>([&] { merge_shards(files); });
        // "file:3: ..." for one row, "file:1 (work 2) and file:2 (work 3) ..." for two.
        for (size_t place : c.named_rows) {
            const std::string line = hand_shard_line(files, place);
            EXPECT_TRUE(m.find(line + ":") != std::string::npos || m.find(line + " ") != std::string::npos)
                << "'" << line << "' in: " << m;
        }
        expect_contains(m, c.expected);
    }
}

// Resuming, the plan is known: every kept row's layer, method, budget and shape must be the
// plan's for its work index, else InputError naming the file, the line, what the row says and
// what the plan says; the same for a finished OUT. (A forged layer name was kept in OUT and in
// the summary.)
TEST(ModelSweepRunner, AKeptRowThatIsNotThePlansIsRefusedNamingFileLineAndBoth) {
    const std::string dir = scratch_dir();
    std::mt19937 rng(7);
    const MatrixF Wa = random_matrix(16, 32, rng), Wb = random_matrix(8, 32, rng), X = random_inputs(128, 32, rng);
    write_two_layers(dir + "/two.h5", {"a.q", &Wa, &X}, {"b.k", &Wb, &X});
    ModelSweepRequest request;
    request.path = dir + "/two.h5";
    request.points = method_points({"rtn", "magnitude"}, CompressionParams{});
    const ModelSweepPlan plan = plan_model_sweep(request);
    Progress quiet;
    run_model_sweep(plan, std::nullopt, {dir + "/whole.jsonl"}, quiet);
    const std::vector<std::string> whole = lines_of(dir + "/whole.jsonl");
    ASSERT_EQ(whole.size(), 4u);

    struct Case {
        std::string name;
        size_t row;   // the line edited (from 0)
        std::function<void(nlohmann::json&)> edit;
        std::vector<std::string> expected;
    };
    const std::vector<Case> cases = {
        {"a forged layer", 0, [](auto& o) { o["layer"] = "layers.9.evil"; }, {"'layers.9.evil'", "'a.q'", "layer"}},
        {"a forged method", 1, [](auto& o) { o["method"] = "gptq"; }, {"'gptq'", "'magnitude'", "method"}},
        {"a forged budget", 1, [](auto& o) { o["budget"] = "70%"; }, {"'70%'", "'50%'", "budget"}},
        {"another point's row under this work", 0,
         [&](auto& o) { o = nlohmann::json::parse(whole[1]); o["work"] = 0; }, {"'magnitude'", "'rtn'"}},
        {"a forged layer index", 2, [](auto& o) { o["layer_index"] = 0; }, {"'layer_index' 0", "1"}},
        {"a forged shape", 2, [](auto& o) { o["d_out"] = 16; }, {"'d_out' 16", "8"}},
        {"a forged work_count", 1, [](auto& o) { o["work_count"] = 5; }, {"'work_count' 5", "4"}},
        {"a string sparsity", 1, [](auto& o) { o["sparsity"] = "x"; }, {"'sparsity'"}},
        {"a string outlier strength", 0, [](auto& o) { o["outlier_strength"] = "x"; }, {"'outlier_strength'"}},
    };
    for (const Case& c : cases) {
        for (bool finished : {false, true}) {
            SCOPED_TRACE(c.name + (finished ? " (a finished OUT)" : " (OUT.partial)"));
            const std::string out = dir + "/out.jsonl";
            std::filesystem::remove(out);
            std::filesystem::remove(partial_path(out));
            std::vector<std::string> lines = whole;
            nlohmann::json row = nlohmann::json::parse(lines[c.row]);
            c.edit(row);
            lines[c.row] = row.dump();
            if (!finished) lines.resize(3);   // an interrupted sweep
            std::string text;
            for (const std::string& line : lines) text += line + "\n";
            const std::string file = finished ? out : partial_path(out);
            write_bytes(file, text);
            const std::string m = message_of<InputError>([&] { run_model_sweep(plan, std::nullopt, {out}, quiet); });
            expect_contains(m, {file + ":" + std::to_string(c.row + 1) + ": "});
            expect_contains(m, c.expected);
        }
    }
}
