// .npy and llama2.c checkpoints as layer sources: every version, order and byte order of .npy
// read to the same values; llama2.c tensors found at the offsets its fixed layout gives; the
// real stories260K checkpoint equals the captured HDF5 weights bit for bit; broken files refused
// with a message naming the file and what is wrong.
#include <gtest/gtest.h>

#include <cmath>

#include "errors.h"
#include "io/layer_format.h"
#include "io/layer_names.h"
#include "tensor_file_builders.h"
#include "test_support.h"

namespace layerlens::test {
namespace {

std::string doubles_big_endian(const std::vector<double>& values) {
    std::string s;
    for (double v : values) {
        std::uint64_t bits;
        std::memcpy(&bits, &v, 8);
        for (int k = 7; k >= 0; --k) s += static_cast<char>((bits >> (8 * k)) & 0xff);
    }
    return s;
}

MatrixF rows_of(const InputSource& inputs) {
    MatrixF all(inputs.n_tokens(), inputs.width());
    Progress quiet;
    inputs.for_each_chunk(2, [&](const MatrixF& chunk, Eigen::Index first) { all.middleRows(first, chunk.rows()) = chunk; }, quiet);
    return all;
}

TEST(Npy, EveryVersionOrderAndByteOrderReadsTheSameWeight) {
    const std::string dir = scratch_dir();
    MatrixF expected(2, 3);
    expected << 1, 2, 3, 4, 5, 6;
    const std::vector<std::pair<std::string, std::string>> files = {
        {"v1", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", floats_bytes({1, 2, 3, 4, 5, 6}), 1)},
        {"v2_keys_reordered", npy_bytes("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", floats_bytes({1, 2, 3, 4, 5, 6}), 2)},
        {"v3_fortran", npy_bytes("{\"descr\": \"<f4\", \"fortran_order\": True, \"shape\": (2, 3)}", floats_bytes({1, 4, 2, 5, 3, 6}), 3)},
        {"big_endian_f8", npy_bytes("{'descr': '>f8', 'fortran_order': False, 'shape': (2L, 3L), }", doubles_big_endian({1, 2, 3, 4, 5, 6}))},
        {"f2", npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }",
                         std::string("\x00\x3c\x00\x40\x00\x42\x00\x44\x00\x45\x00\x46", 12))},
    };
    for (const auto& [name, bytes] : files) {
        SCOPED_TRACE(name);
        const std::string path = dir + "/" + name + ".npy";
        write_bytes(path, bytes);
        EXPECT_EQ(detect_format(path).name(), "NumPy");
        const std::vector<LayerInfo> layers = list_layers(path);
        ASSERT_EQ(layers.size(), 1u);
        EXPECT_EQ(layers[0].name, name);
        EXPECT_TRUE(layers[0].problem.empty()) << layers[0].problem;
        EXPECT_EQ(read_layer(path, name).W, expected);
        EXPECT_EQ(rows_of(*open_inputs(path, "any.layer", 3)), expected);
    }
}

TEST(Npy, ThreeDimensionalInputsStreamTokensInOrderInBothMemoryOrders) {
    const std::string dir = scratch_dir();
    // x[b, s, j] = 100 b + 10 s + j for batch 2, seq 3, width 2; token t = 3 b + s.
    std::vector<float> c_order, f_order;
    for (int b = 0; b < 2; ++b)
        for (int s = 0; s < 3; ++s)
            for (int j = 0; j < 2; ++j) c_order.push_back(static_cast<float>(100 * b + 10 * s + j));
    for (int j = 0; j < 2; ++j)
        for (int s = 0; s < 3; ++s)
            for (int b = 0; b < 2; ++b) f_order.push_back(static_cast<float>(100 * b + 10 * s + j));
    MatrixF expected(6, 2);
    for (int t = 0; t < 6; ++t)
        for (int j = 0; j < 2; ++j) expected(t, j) = static_cast<float>(100 * (t / 3) + 10 * (t % 3) + j);
    for (const bool fortran : {false, true}) {
        const std::string path = dir + (fortran ? "/f.npy" : "/c.npy");
        write_bytes(path, npy_bytes(std::string("{'descr': '<f4', 'fortran_order': ") + (fortran ? "True" : "False") +
                                        ", 'shape': (2, 3, 2), }",
                                    floats_bytes(fortran ? f_order : c_order)));
        const auto inputs = open_inputs(path, "layers.0.wq", 2);
        EXPECT_EQ(inputs->n_tokens(), 6);
        EXPECT_EQ(rows_of(*inputs), expected);
        const std::vector<LayerInfo> layers = list_layers(path);
        ASSERT_EQ(layers.size(), 1u);
        EXPECT_NE(layers[0].problem.find("--inputs"), std::string::npos) << layers[0].problem;
    }
}

TEST(Npy, RefusesBrokenAndHostileFilesByName) {
    const std::string dir = scratch_dir();
    const std::string data = floats_bytes({1, 2, 3, 4});
    const std::string good_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
    std::string huge_length = npy_bytes(good_dict, data, 2);
    huge_length[8] = '\xff', huge_length[9] = '\xff', huge_length[10] = '\xff', huge_length[11] = '\x7f';
    std::string past_end = npy_bytes(good_dict, data, 1);
    past_end[8] = '\xff', past_end[9] = '\x7f';
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", std::string(16, '\0')), {"object dtype", "never unpickles"}},
        {npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", std::string(32, '\0')), {"'<i8'", "integer"}},
        {npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 2), }", data), {"structured dtype"}},
        {npy_bytes(good_dict, data.substr(0, 10)), {"needs 16 bytes", "truncated"}},
        {npy_bytes(good_dict, data + "xx"), {"extra bytes"}},
        {huge_length, {"over the limit"}},
        {past_end, {".npy header", "past the end"}},
        {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", data), {"overflows 64 bits"}},
        {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", data), {"[100000, 100000]", "truncated"}},
        {npy_bytes("{'descr': '<f4', 'shape': (2, 2), }", data), {"no 'fortran_order'"}},
        {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", data), {"negative"}},
        {npy_bytes("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 2), }", data), {"fortran_order"}},
        {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", data), {"keys other than"}},
        {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)", data), {"not a valid dictionary literal"}},
        {npy_bytes(std::string(5000, '(') , data), {"not a valid dictionary literal"}},
        {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", floats_bytes({1, INFINITY, 3, 4})), {"non-finite", "row 0, column 1"}},
        {npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", floats_bytes({0, 0, 0, 0}).substr(0, 8) + std::string("\x00\x00\x00\x00\x00\x00\xf0\x7f", 8)),
         {"non-finite", "row 0, column 1"}},
        {npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", std::string("\x9c\x75\x00\x88\x3c\xe4\x37\x7e", 8)),
         {"float64 value 1e+300", "beyond the range of float32", "row 0, column 0"}},
    };
    for (size_t k = 0; k < cases.size(); ++k) {
        SCOPED_TRACE(k);
        const std::string path = dir + "/bad" + std::to_string(k) + ".npy";
        write_bytes(path, cases[k].first);
        std::vector<std::string> fragments = cases[k].second;
        fragments.push_back(path);
        expect_input_error([&] { read_layer(path, "bad" + std::to_string(k)); }, fragments);
    }
    const std::string narrow = dir + "/narrow.npy";
    write_bytes(narrow, npy_bytes(good_dict, data));
    expect_input_error([&] { open_inputs(narrow, "w", 3); }, {narrow, "width 2", "d_in = 3"});
}

TEST(Llama2c, TensorsLieWhereTheFixedLayoutPutsThem) {
    const std::string dir = scratch_dir();
    for (const bool shared : {true, false}) {
        SCOPED_TRACE(shared ? "shared classifier" : "separate classifier");
        TinyLlama c;
        c.vocab = shared ? 16 : -16;
        const std::string path = dir + (shared ? "/shared.bin" : "/separate.bin");
        write_bytes(path, tiny_llama_bytes(c));
        EXPECT_EQ(detect_format(path).name(), "llama2.c");
        const std::vector<LayerInfo> layers = list_layers(path);
        ASSERT_EQ(layers.size(), 2u * 7u + 1u);
        const std::vector<std::string> order = {"attention.wq", "attention.wk", "attention.wv", "attention.wo",
                                                "feed_forward.w1", "feed_forward.w2", "feed_forward.w3"};
        for (size_t k = 0; k < 14; ++k) EXPECT_EQ(layers[k].name, "layers." + std::to_string(k / 7) + "." + order[k % 7]);
        EXPECT_EQ(layers.back().name, "output");
        EXPECT_EQ(layers[1].d_out, 4);   // kv_dim = head 4 x 1 kv head
        EXPECT_EQ(layers[5].d_out, 8);
        EXPECT_EQ(layers[5].d_in, 12);
        // Value = float index x 0.001: layer 1's wq starts after the embedding, both layers'
        // attention norms, and layer 0's wq.
        const std::size_t wq1 = 16 * 8 + 2 * 8 + 64;
        EXPECT_FLOAT_EQ(read_layer(path, "layers.1.attention.wq").W(0, 1), static_cast<float>(wq1 + 1) * 0.001f);
        const float output_first = read_layer(path, "output").W(0, 0);
        const std::size_t separate_start = tiny_llama_floats(c) - 16 * 8;
        EXPECT_FLOAT_EQ(output_first, shared ? 0.0f : static_cast<float>(separate_start) * 0.001f);
        expect_input_error([&] { open_inputs(path, "output", 8); }, {path, "--inputs"});
    }
}

TEST(Llama2c, RefusesTruncatedPaddedAndVersionedFiles) {
    const std::string dir = scratch_dir();
    const std::string good = tiny_llama_bytes(TinyLlama{});
    std::string versioned = good;
    const std::uint32_t magic = 0x616b3432, version = 1;
    std::memcpy(versioned.data(), &magic, 4);
    std::memcpy(versioned.data() + 4, &version, 4);
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {good.substr(0, good.size() - 4), {"dim 8, hidden_dim 12, 2 layers", "truncated"}},
        {good.substr(0, 28), {"truncated"}},
        {good + "xxxx", {"not a version-0 checkpoint"}},
        {versioned, {"export version 1", "version-0"}},
    };
    for (size_t k = 0; k < cases.size(); ++k) {
        SCOPED_TRACE(k);
        const std::string path = dir + "/bad" + std::to_string(k) + ".bin";
        write_bytes(path, cases[k].first);
        std::vector<std::string> fragments = cases[k].second;
        fragments.push_back(path);
        expect_input_error([&] { list_layers(path); }, fragments);
    }
}

TEST(Llama2c, RealCheckpointEqualsTheCapturedWeightsBitForBit) {
    const std::string checkpoint = shared_models("stories260K/stories260K.bin");
    if (!std::filesystem::exists(checkpoint) || !have_shared_data()) GTEST_SKIP() << "no ../shared/models";
    const std::vector<LayerInfo> layers = list_layers(checkpoint);
    ASSERT_EQ(layers.size(), 36u);   // 5 x 7 linear layers and the (shared) classifier
    int compared = 0;
    for (const LayerInfo& info : list_layers(shared_data("stories260K_layers.h5"))) {
        SCOPED_TRACE(info.name);
        EXPECT_EQ(read_layer(checkpoint, info.name).W, read_layer(shared_data("stories260K_layers.h5"), info.name).W);
        ++compared;
    }
    EXPECT_EQ(compared, 35);
}

TEST(LayerNames, NaturalOrderAndBlocks) {
    EXPECT_TRUE(natural_less("layers.2.wq", "layers.10.wq"));
    EXPECT_FALSE(natural_less("layers.10.wq", "layers.2.wq"));
    EXPECT_TRUE(natural_less("a.002", "a.10"));
    EXPECT_TRUE(natural_less("a", "a.1"));
    EXPECT_FALSE(natural_less("a", "a"));
    EXPECT_TRUE(natural_less("x.99999999999999999999999", "x.100000000000000000000000"));
    EXPECT_EQ(layer_block("model.layers.3.mlp.down_proj"), "model.layers.3");
    EXPECT_EQ(layer_block("transformer.h.11.attn.c_attn"), "transformer.h.11");
    EXPECT_EQ(layer_block("layers.0.attention.wq"), "layers.0");
    EXPECT_EQ(layer_block("lm_head"), "");
    EXPECT_EQ(layer_block("blocks/12/fc"), "blocks/12");
    EXPECT_EQ(layer_block("layer.7"), "");
    EXPECT_EQ(layer_name_of_tensor("model.embed_tokens.weight"), "model.embed_tokens");
    EXPECT_EQ(layer_name_of_tensor("weight"), "weight");
}

}  // namespace
}  // namespace layerlens::test
