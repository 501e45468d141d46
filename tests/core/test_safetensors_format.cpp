// safetensors as a layer source: a valid file read exactly (F32, F16 incl. subnormals, BF16),
// a sharded set through its index, and every kind of broken or hostile header refused with a
// message naming the file, the tensor and what is wrong, before anything is allocated.
#include <gtest/gtest.h>

#include <filesystem>

#include "errors.h"
#include "io/layer_format.h"
#include "io/safetensors_format.h"
#include "io/tensor_view.h"
#include "tensor_file_builders.h"
#include "test_support.h"

namespace layerlens::test {
namespace {

std::string valid_header() {
    return "{\"__metadata__\":{\"format\":\"pt\"}," + f32_entry("model.layers.10.mlp.down_proj.weight", "[2,3]", 0, 24) + "," +
           f32_entry("model.layers.10.mlp.down_proj.bias", "[2]", 24, 32) + "," + f32_entry("model.norm.weight", "[3]", 32, 44) + "," +
           f32_entry("model.layers.2.half.weight", "[1,2]", 44, 48, "F16") + "," +
           f32_entry("model.layers.2.brain.weight", "[2,1]", 48, 52, "BF16") + "}";
}

std::string valid_data() {
    std::string data = floats_bytes({1, 2, 3, 4, 5, 6, 0.5f, -0.5f, 7, 8, 9});
    data += std::string("\x00\x3c\x01\x00", 4);   // float16 1.0 and the smallest subnormal 2^-24
    data += std::string("\xc0\x3f\x80\xbf", 4);   // bfloat16 1.5 and -1.0
    return data;
}

TEST(Safetensors, ListsTwoDimensionalTensorsInNaturalOrderAndReadsThemExactly) {
    const std::string path = scratch_dir() + "/model.safetensors";
    write_bytes(path, safetensors_bytes(valid_header(), valid_data()));
    EXPECT_EQ(detect_format(path).name(), "safetensors");
    const std::vector<LayerInfo> layers = list_layers(path);
    ASSERT_EQ(layers.size(), 3u);   // the 1-D norm and bias are not layers
    EXPECT_EQ(layers[0].name, "model.layers.2.brain");
    EXPECT_EQ(layers[1].name, "model.layers.2.half");
    EXPECT_EQ(layers[2].name, "model.layers.10.mlp.down_proj");   // 2 before 10
    EXPECT_TRUE(layers[2].has_bias);
    EXPECT_EQ(layers[2].d_out, 2);
    EXPECT_EQ(layers[2].d_in, 3);
    EXPECT_EQ(layers[0].weight_dtype, "bfloat16");
    EXPECT_EQ(layers[1].weight_dtype, "float16");

    for (const std::string name : {"model.layers.10.mlp.down_proj", "model.layers.10.mlp.down_proj.weight"}) {
        const Layer layer = read_layer(path, name);
        EXPECT_EQ(layer.name, "model.layers.10.mlp.down_proj");
        MatrixF expected(2, 3);
        expected << 1, 2, 3, 4, 5, 6;
        EXPECT_EQ(layer.W, expected);
        ASSERT_EQ(layer.bias.size(), 2);
        EXPECT_EQ(layer.bias(0), 0.5f);
        EXPECT_EQ(layer.bias(1), -0.5f);
    }
    const Layer half = read_layer(path, "model.layers.2.half");
    EXPECT_EQ(half.W(0, 0), 1.0f);
    EXPECT_EQ(half.W(0, 1), std::ldexp(1.0f, -24));
    const Layer brain = read_layer(path, "model.layers.2.brain");
    EXPECT_EQ(brain.W(0, 0), 1.5f);
    EXPECT_EQ(brain.W(1, 0), -1.0f);
}

// A file truncated by another program after it was opened (mapped): its lost pages are not a
// SIGBUS that ends the process but an InputError naming the file, and nothing read from them is used.
TEST(Safetensors, FileShrinkingWhileMappedIsAnErrorNotACrash) {
    const std::string path = scratch_dir() + "/shrinking.safetensors";
    const std::size_t rows = 512, cols = 1024;   // 2 MiB of data: many pages past the header's
    write_bytes(path, safetensors_bytes("{" + f32_entry("w.weight", "[512,1024]", 0, rows * cols * 4) + "}",
                                        floats_bytes(std::vector<float>(rows * cols, 0.25f))));
    const TensorTable table = read_safetensors_file(path);
    ASSERT_EQ(table.entries.size(), 1u);
    std::filesystem::resize_file(path, 4096);
    try {
        read_weight(table.entries[0].view, ReadLimits{});
        FAIL() << "read a weight from pages the file no longer has";
    } catch (const InputError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path), std::string::npos) << message;
        EXPECT_NE(message.find("shrank while it was being read"), std::string::npos) << message;
        EXPECT_NE(message.find("4096 bytes now"), std::string::npos) << message;
    }
}

TEST(Safetensors, WeightsOnlyFileSaysWhereTheInputsMustComeFrom) {
    const std::string path = scratch_dir() + "/model.safetensors";
    write_bytes(path, safetensors_bytes(valid_header(), valid_data()));
    expect_input_error([&] { open_inputs(path, "model.layers.2.half", 2); }, {path, "model.layers.2.half", "--inputs"});
}

struct BadHeader {
    const char* what;
    std::string bytes;
    std::string layer;   // the layer asked for; "" = list only
    std::vector<std::string> fragments;
};

TEST(Safetensors, RefusesEveryBrokenHeaderWithTheFileTensorAndReason) {
    const std::string dir = scratch_dir();
    const std::string good = safetensors_bytes(valid_header(), valid_data());
    const std::vector<BadHeader> cases = {
        {"truncated in the data", good.substr(0, good.size() - 3), "", {"model.layers.2.brain.weight", "past the end"}},
        {"truncated in the length", good.substr(0, 5), "", {"signature of none"}},
        {"header longer than the file", le64(5000) + "{\"a\":1}", "", {"5000-byte JSON header", "longer than"}},
        {"header over the format's limit", le64(std::uint64_t{1} << 62) + "{}", "", {"over the format's limit"}},
        {"offsets past the end", safetensors_bytes("{" + f32_entry("w", "[2,2]", 0, 16) + "}", floats_bytes({1, 2})), "",
         {"'w'", "past the end of the 8-byte data buffer"}},
        {"overlapping tensors",
         safetensors_bytes("{" + f32_entry("a", "[2,2]", 0, 16) + "," + f32_entry("b", "[2,2]", 8, 24) + "}",
                           floats_bytes({1, 2, 3, 4, 5, 6})),
         "", {"'a'", "'b'", "overlap"}},
        {"shape and size disagree", safetensors_bytes("{" + f32_entry("w", "[3,3]", 0, 16) + "}", floats_bytes({1, 2, 3, 4})), "",
         {"'w'", "[3, 3]", "36 bytes", "span 16 bytes"}},
        {"huge declared shape in a tiny file",
         safetensors_bytes("{" + f32_entry("w", "[1000000,1000000]", 0, 4000000000000) + "}", floats_bytes({1})), "",
         {"'w'", "past the end"}},
        {"shape that overflows 64 bits",
         safetensors_bytes("{" + f32_entry("w", "[4294967296,4294967296]", 0, 4) + "}", floats_bytes({1})), "",
         {"'w'", "overflows 64 bits"}},
        {"negative dimension", safetensors_bytes("{" + f32_entry("w", "[-2,2]", 0, 16) + "}", floats_bytes({1, 2, 3, 4})), "",
         {"'w'", "non-negative integer"}},
        {"unknown dtype", safetensors_bytes("{" + f32_entry("w", "[1,1]", 0, 4, "Q7") + "}", floats_bytes({1})), "w",
         {"'w'", "unknown dtype 'Q7'"}},
        {"integer dtype", safetensors_bytes("{" + f32_entry("w", "[1,1]", 0, 8, "I64") + "}", floats_bytes({1, 2})), "w",
         {"'w'", "dtype I64", "F32, F16 and BF16"}},
        {"a 1-D tensor asked for as a layer", good, "model.norm", {"model.norm.weight", "1-D", "2-D"}},
        {"no such tensor", good, "model.layers.3.attn", {"no tensor 'model.layers.3.attn'"}},
        {"not JSON", safetensors_bytes("{\"w\": [1, 2", ""), "", {"not valid JSON"}},
        {"nesting bomb", safetensors_bytes("{\"w\":" + std::string(100000, '[') + std::string(100000, ']') + "}", ""), "",
         {"deeper than"}},
        {"missing data_offsets", safetensors_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", floats_bytes({1})), "",
         {"'w'", "no 'data_offsets'"}},
        {"non-finite weight", safetensors_bytes("{" + f32_entry("w", "[1,2]", 0, 8) + "}", floats_bytes({1, NAN})), "w",
         {"'w'", "non-finite", "row 0, column 1"}},
    };
    for (size_t k = 0; k < cases.size(); ++k) {
        SCOPED_TRACE(cases[k].what);
        const std::string path = dir + "/bad" + std::to_string(k) + ".safetensors";
        write_bytes(path, cases[k].bytes);
        std::vector<std::string> fragments = cases[k].fragments;
        fragments.push_back(path);
        expect_input_error(
            [&] {
                const std::vector<LayerInfo> layers = list_layers(path);
                if (cases[k].layer.empty()) return;
                read_layer(path, cases[k].layer);
            },
            fragments);
    }
}

TEST(Safetensors, ShardedSetIsReadThroughItsIndex) {
    const std::string dir = scratch_dir();
    write_bytes(dir + "/model-00001-of-00002.safetensors",
                safetensors_bytes("{" + f32_entry("model.layers.0.q.weight", "[1,2]", 0, 8) + "}", floats_bytes({1, 2})));
    write_bytes(dir + "/model-00002-of-00002.safetensors",
                safetensors_bytes("{" + f32_entry("model.layers.1.q.weight", "[2,1]", 0, 8) + "," +
                                      f32_entry("model.layers.1.q.bias", "[2]", 8, 16) + "}",
                                  floats_bytes({3, 4, 5, 6})));
    const std::string index = dir + "/model.safetensors.index.json";
    write_bytes(index, R"({"metadata": {"total_size": 24}, "weight_map": {
        "model.layers.0.q.weight": "model-00001-of-00002.safetensors",
        "model.layers.1.q.weight": "model-00002-of-00002.safetensors",
        "model.layers.1.q.bias": "model-00002-of-00002.safetensors"}})");
    EXPECT_EQ(detect_format(index).name(), "safetensors");
    const std::vector<LayerInfo> layers = list_layers(index);
    ASSERT_EQ(layers.size(), 2u);
    EXPECT_EQ(layers[0].name, "model.layers.0.q");
    EXPECT_EQ(layers[1].name, "model.layers.1.q");
    const Layer second = read_layer(index, "model.layers.1.q");
    EXPECT_EQ(second.W(1, 0), 4.0f);
    EXPECT_EQ(second.bias(1), 6.0f);

    // A shard's tensor the index leaves out, or places in another shard, is refused naming both
    // (it would be silently dropped, where a single file holding it is refused).
    const std::string partial = dir + "/partial.index.json";
    write_bytes(partial, R"({"weight_map": {
        "model.layers.0.q.weight": "model-00001-of-00002.safetensors",
        "model.layers.1.q.weight": "model-00002-of-00002.safetensors"}})");
    expect_input_error([&] { list_layers(partial); },
                       {dir + "/model-00002-of-00002.safetensors", "'model.layers.1.q.bias'", partial, "does not list"});
    write_bytes(dir + "/both.safetensors",
                safetensors_bytes("{" + f32_entry("model.layers.0.q.weight", "[1,2]", 0, 8) + "," +
                                      f32_entry("model.layers.1.q.bias", "[2]", 8, 16) + "}",
                                  floats_bytes({1, 2, 5, 6})));
    const std::string elsewhere = dir + "/elsewhere.index.json";
    write_bytes(elsewhere, R"({"weight_map": {
        "model.layers.0.q.weight": "both.safetensors",
        "model.layers.1.q.weight": "model-00002-of-00002.safetensors",
        "model.layers.1.q.bias": "model-00002-of-00002.safetensors"}})");
    expect_input_error([&] { list_layers(elsewhere); },
                       {dir + "/both.safetensors", "'model.layers.1.q.bias'", "places in shard 'model-00002-of-00002.safetensors'"});
}

TEST(Safetensors, IndexMayNameOnlyPlainFilesInItsFolderThatHoldTheTensor) {
    const std::string dir = scratch_dir();
    std::filesystem::create_directories(dir + "/inner");
    write_bytes(dir + "/outside.safetensors", safetensors_bytes("{" + f32_entry("w", "[1,1]", 0, 4) + "}", floats_bytes({1})));
    write_bytes(dir + "/inner/shard.safetensors", safetensors_bytes("{" + f32_entry("w", "[1,1]", 0, 4) + "}", floats_bytes({1})));
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"../outside.safetensors", {"'../outside.safetensors'", "plain file names"}},
        {"/etc/passwd", {"'/etc/passwd'", "plain file names"}},
        {"..", {"plain file names"}},
        {"missing.safetensors", {"'missing.safetensors'", "missing"}},
    };
    for (size_t k = 0; k < cases.size(); ++k) {
        SCOPED_TRACE(cases[k].first);
        const std::string index = dir + "/inner/bad" + std::to_string(k) + ".index.json";
        write_bytes(index, "{\"weight_map\": {\"w\": \"" + cases[k].first + "\"}}");
        std::vector<std::string> fragments = cases[k].second;
        fragments.push_back(index);
        expect_input_error([&] { list_layers(index); }, fragments);
    }
    const std::string wrong_tensor = dir + "/inner/wrong.index.json";
    write_bytes(wrong_tensor, R"({"weight_map": {"v.weight": "shard.safetensors"}})");
    expect_input_error([&] { list_layers(wrong_tensor); }, {wrong_tensor, "'v.weight'", "no such tensor"});
}

}  // namespace
}  // namespace layerlens::test
