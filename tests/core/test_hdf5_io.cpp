// Loader round trips for every dtype and shape, and every kind of bad file with its message.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "errors.h"
#include "hdf5_fixtures.h"
#include "io/hdf5_reader.h"
#include "io/atomic_output.h"
#include "io/hdf5_writer.h"
#include "layer_source.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

MatrixF read_all_inputs(const InputSource& source, Eigen::Index chunk) {
    MatrixF X(source.n_tokens(), source.width());
    Progress quiet;
    source.for_each_chunk(chunk, [&](const MatrixF& c, Eigen::Index first) { X.middleRows(first, c.rows()) = c; }, quiet);
    return X;
}

// Expects `call` to throw E whose message contains every one of `parts`.
template <typename E, typename F>
void expect_error(F call, std::initializer_list<std::string> parts) {
    try {
        call();
        ADD_FAILURE() << "no exception";
    } catch (const E& e) {
        const std::string message = e.what();
        for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong exception type: " << e.what();
    }
}

}  // namespace

TEST(Hdf5Io, RoundTripEveryDtypeAnd2dOr3dInputs) {
    const std::string dir = scratch_dir();
    std::mt19937 rng(4);
    const MatrixF W = random_matrix(6, 8, rng);
    const MatrixF X = random_inputs(12, 8, rng);
    const VectorF bias = VectorF::LinSpaced(6, -1.0f, 1.0f);
    struct Case { StoredFloat dtype; const char* name; float tolerance; };
    for (const Case c : {Case{StoredFloat::Float16, "float16", 2e-3f}, Case{StoredFloat::Float32, "float32", 0.0f},
                         Case{StoredFloat::Float64, "float64", 0.0f}}) {
        for (Eigen::Index batch : {0, 3}) {
            SCOPED_TRACE(std::string(c.name) + " batch " + std::to_string(batch));
            const std::string path = dir + "/" + c.name + std::to_string(batch) + ".h5";
            LayerToWrite layer;
            layer.name = "model/layers.0.attention.wq";
            layer.weight = &W;
            layer.inputs = &X;
            layer.inputs_batch = batch;
            layer.bias = &bias;
            layer.dtype = c.dtype;
            layer.attributes = {{"model", "test"}, {"layer", "wq"}};
            write_layers(path, {layer}, false);

            const auto layers = list_layers(path);
            ASSERT_EQ(layers.size(), 1u);
            EXPECT_EQ(layers[0].name, "model/layers.0.attention.wq");
            EXPECT_EQ(layers[0].d_out, 6);
            EXPECT_EQ(layers[0].d_in, 8);
            EXPECT_EQ(layers[0].weight_dtype, c.name);
            EXPECT_TRUE(layers[0].has_inputs);
            EXPECT_TRUE(layers[0].has_bias);
            EXPECT_EQ(layers[0].n_tokens, 12);
            EXPECT_TRUE(layers[0].problem.empty()) << layers[0].problem;

            const Layer read = read_layer(path, "model/layers.0.attention.wq");
            const float w_tol = c.tolerance * W.cwiseAbs().maxCoeff();
            EXPECT_LE((read.W - W).cwiseAbs().maxCoeff(), w_tol);
            EXPECT_LE((read.bias - bias).cwiseAbs().maxCoeff(), c.tolerance);
            ASSERT_EQ(read.attributes.size(), 2u);
            EXPECT_EQ(read.attributes[0].second, "test");
            const auto inputs = open_inputs(path, "/model/layers.0.attention.wq", 8);
            EXPECT_EQ(inputs->n_tokens(), 12);
            for (Eigen::Index chunk : {1, 5, 12, 100}) {
                const MatrixF back = read_all_inputs(*inputs, chunk);
                EXPECT_LE((back - X).cwiseAbs().maxCoeff(), c.tolerance * X.cwiseAbs().maxCoeff());
            }
        }
    }
}

TEST(Hdf5Io, ListsEveryLayerOfAFileAndChoosesNone) {
    const std::string dir = scratch_dir();
    std::mt19937 rng(4);
    const MatrixF W1 = random_matrix(3, 4, rng), W2 = random_matrix(5, 4, rng);
    LayerToWrite a, b;
    a.name = "a";
    a.weight = &W1;
    b.name = "deep/b";
    b.weight = &W2;
    write_layers(dir + "/two.h5", {a, b}, false);
    const auto layers = list_layers(dir + "/two.h5");
    ASSERT_EQ(layers.size(), 2u);
    EXPECT_FALSE(layers[0].has_inputs);
    expect_error<ParameterError>([&] { choose_layer(dir + "/two.h5", ""); }, {"2 layers", "--layer", "deep/b"});
    EXPECT_EQ(choose_layer(dir + "/two.h5", "deep/b"), "deep/b");
    expect_error<InputError>([&] { open_inputs(dir + "/two.h5", "a", 4); }, {"no dataset 'inputs'"});
}

TEST(Hdf5Io, BadFilesGiveMessagesNamingFileAndProblem) {
    const std::string dir = scratch_dir();
    const std::string missing = dir + "/missing.h5";
    expect_error<InputError>([&] { list_layers(missing); }, {missing, "no such file"});

    write_bytes(dir + "/empty.h5", "");
    expect_error<InputError>([&] { list_layers(dir + "/empty.h5"); }, {"empty.h5", "empty"});

    write_bytes(dir + "/text.h5", "this is not an HDF5 file at all, just text\n");
    expect_error<InputError>([&] { list_layers(dir + "/text.h5"); }, {"text.h5", "not a file LayerLens can read"});

    // A real file cut in half, and one with its metadata overwritten.
    std::mt19937 rng(1);
    const MatrixF W = random_matrix(64, 64, rng), X = random_inputs(256, 64, rng);
    LayerToWrite layer;
    layer.name = "l";
    layer.weight = &W;
    layer.inputs = &X;
    write_layers(dir + "/good.h5", {layer}, false);
    const std::string good = read_bytes(dir + "/good.h5");
    write_bytes(dir + "/truncated.h5", good.substr(0, good.size() / 2));
    expect_error<InputError>([&] {
        LayerSource source;
        source.path = dir + "/truncated.h5";
        source.layer = "l";
        Progress quiet;
        load_layer(source, quiet);
    }, {"truncated.h5"});
    std::string corrupted = good;
    for (size_t k = 200; k < 2000 && k < corrupted.size(); ++k) corrupted[k] = static_cast<char>(0xA5 ^ corrupted[k]);
    write_bytes(dir + "/corrupted.h5", corrupted);
    expect_error<InputError>([&] {
        LayerSource source;
        source.path = dir + "/corrupted.h5";
        source.layer = "l";
        Progress quiet;
        load_layer(source, quiet);
    }, {"corrupted.h5"});
}

TEST(Hdf5Io, MalformedDatasetsAreRefusedByName) {
    const std::string dir = scratch_dir();
    const std::string p = dir + "/bad.h5";
    write_raw_dataset(p, "/g/other", {2, 2}, H5T_IEEE_F32LE, {1, 2, 3, 4});
    expect_error<InputError>([&] { read_layer(p, "g"); }, {"bad.h5", "'g'", "no dataset 'weight'"});
    expect_error<InputError>([&] { read_layer(p, "nothere"); }, {"no group 'nothere'"});
    expect_error<InputError>([&] { choose_layer(p, ""); }, {"no layer found"});

    write_raw_dataset(p, "/g/weight", {4}, H5T_IEEE_F32LE, {1, 2, 3, 4});
    expect_error<InputError>([&] { read_layer(p, "g"); }, {"1-D [4]", "must be 2-D"});
    write_raw_dataset(p, "/g/weight", {1, 1, 2, 2}, H5T_IEEE_F32LE, {1, 2, 3, 4});
    expect_error<InputError>([&] { read_layer(p, "g"); }, {"4-D [1, 1, 2, 2]"});
    write_raw_dataset(p, "/g/weight", {2, 2}, H5T_STD_I32LE, {1, 2, 3, 4});
    expect_error<InputError>([&] { read_layer(p, "g"); }, {"integer", "expected float16, float32 or float64"});
    write_string_dataset(p, "/g/weight", "hello");
    expect_error<InputError>([&] { read_layer(p, "g"); }, {"string"});
    write_raw_dataset(p, "/g/weight", {0, 4}, H5T_IEEE_F32LE, {});
    expect_error<InputError>([&] { read_layer(p, "g"); }, {"zero size"});

    write_raw_dataset(p, "/g/weight", {2, 3}, H5T_IEEE_F32LE, {1, 2, 3, 4, 5, 6});
    write_raw_dataset(p, "/g/inputs", {5, 4}, H5T_IEEE_F32LE, std::vector<double>(20, 1.0), false);
    expect_error<InputError>([&] { open_inputs(p, "g", 3); }, {"inputs of g have width 4; weight has d_in = 3"});
    write_raw_dataset(p, "/g/weight", {2, 3}, H5T_IEEE_F32LE, {1, 2, 3, 4, 5, 6});
    write_raw_dataset(p, "/g/inputs", {0, 3}, H5T_IEEE_F32LE, {}, false);
    expect_error<InputError>([&] {
        LayerSource source;
        source.path = p;
        Progress quiet;
        load_layer(source, quiet);
    }, {"no calibration tokens"});
    write_raw_dataset(p, "/g/weight", {2, 3}, H5T_IEEE_F32LE, {1, 2, 3, 4, 5, 6});
    write_raw_dataset(p, "/g/inputs", {2, 2, 2, 3}, H5T_IEEE_F32LE, std::vector<double>(24, 1.0), false);
    expect_error<InputError>([&] { open_inputs(p, "g", 3); }, {"4-D"});
}

TEST(Hdf5Io, NonFiniteWeightIsNamedByPosition) {
    const std::string dir = scratch_dir();
    const std::string p = dir + "/nan.h5";
    write_raw_dataset(p, "/g/weight", {2, 3}, H5T_IEEE_F64LE, {1, 2, 3, 4, INFINITY, 6});
    expect_error<InputError>([&] { read_layer(p, "g"); }, {"row 1, column 1", "NaN or Inf"});
    write_raw_dataset(p, "/g/weight", {2, 3}, H5T_IEEE_F32LE, {1, 2, 3, 4, 5, 6});
    write_raw_dataset(p, "/g/bias", {2}, H5T_IEEE_F32LE, {0, NAN}, false);
    expect_error<InputError>([&] { read_layer(p, "g"); }, {"bias of g", "index 1"});
}

TEST(Hdf5Io, HugeWeightIsRefusedBeforeAllocating) {
    const std::string dir = scratch_dir();
    const std::string p = dir + "/huge.h5";
    write_declared_dataset(p, "/g/weight", {200000, 300000});   // 240 GB declared, a few KB on disk
    EXPECT_LT(std::filesystem::file_size(p), 100000u);
    // Never written: refused from its storage status, before any allocation.
    expect_error<InputError>([&] { read_layer(p, "g"); }, {"[200000, 300000]", "none was ever written"});
    // Written, but over the memory budget: refused from its shape, before the read.
    const MatrixF W = MatrixF::Ones(64, 64);
    LayerToWrite layer;
    layer.name = "g";
    layer.weight = &W;
    const std::string real = dir + "/real.h5";
    write_layers(real, {layer}, true);
    ReadLimits small;
    small.max_weight_bytes = 1024;
    expect_error<InputError>([&] { read_layer(real, "g", small); }, {"64 x 64", "memory budget"});
}

TEST(Hdf5Io, WritesAreAtomicAndNeverOverwriteUnasked) {
    const std::string dir = scratch_dir();
    const std::string p = dir + "/out.h5";
    const MatrixF W = MatrixF::Ones(2, 2);
    LayerToWrite layer;
    layer.name = "l";
    layer.weight = &W;
    write_layers(p, {layer}, false);
    const std::string before = read_bytes(p);
    expect_error<ParameterError>([&] { write_layers(p, {layer}, false); }, {"out.h5", "exists", "--force"});
    EXPECT_EQ(read_bytes(p), before);
    // A failing write (two groups with one name) leaves the earlier file and no temporary.
    EXPECT_THROW(write_layers(p, {layer, layer}, true), InputError);
    EXPECT_EQ(read_bytes(p), before);
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) { (void)entry; ++files; }
    EXPECT_EQ(files, 1u);
    expect_error<InputError>([&] { write_layers(dir + "/no/such/dir/x.h5", {layer}, false); }, {"does not exist"});
}

// A run ended by SIGTERM (`timeout`, a scheduler's cancel) while it writes leaves no OUT.tmp-<pid>
// beside OUT: a child process writes half a temporary and is terminated.
TEST(Hdf5Io, ATerminatedWriteLeavesNoTemporary) {
    const std::string dir = scratch_dir();
    const std::string out = dir + "/out.h5";
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        TemporaryOutput temporary(out);
        FileWriter(temporary.path()).write(std::string(4096, 'x'));
        ::raise(SIGTERM);
        _exit(0);   // not reached: the signal ends the child
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended by the signal, as it would have";
    EXPECT_EQ(WTERMSIG(status), SIGTERM);
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        ADD_FAILURE() << "left behind: " << entry.path();
        ++files;
    }
    EXPECT_EQ(files, 0u);
}
