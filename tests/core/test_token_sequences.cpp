// Token sets: .npy integer arrays of every dtype, byte order and memory order read to the same
// ids; what is not a usable [n_sequences, seq_len] set is refused naming the file and the place;
// written files read back; text cut into BOS-led sequences decodes to the text.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "errors.h"
#include "model/llama2c_tokenizer.h"
#include "model/token_sequences.h"
#include "tensor_file_builders.h"
#include "test_support.h"

namespace layerlens::test {
namespace {

namespace fs = std::filesystem;

// Each value as `size` bytes in the given order (two's complement for negatives).
std::string integers_bytes(const std::vector<long long>& values, int size, bool big_endian) {
    std::string s;
    for (long long v : values) {
        const auto bits = static_cast<unsigned long long>(v);
        for (int k = 0; k < size; ++k) s += static_cast<char>((bits >> (8 * (big_endian ? size - 1 - k : k))) & 0xff);
    }
    return s;
}

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
    return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
}

TEST(TokenSequences, EveryIntegerDtypeAndOrderReadsTheSameIds) {
    const std::string dir = scratch_dir();
    const TokenSequences expected = {{1, 5, 9}, {1, 15, 0}};
    const std::vector<long long> c_order = {1, 5, 9, 1, 15, 0}, f_order = {1, 1, 5, 15, 9, 0};
    const std::vector<std::pair<std::string, std::string>> files = {
        {"i8", npy_bytes(dict("<i8", "(2, 3)"), integers_bytes(c_order, 8, false))},
        {"u2_big", npy_bytes(dict(">u2", "(2, 3)"), integers_bytes(c_order, 2, true))},
        {"u2", npy_bytes(dict("<u2", "(2, 3)"), integers_bytes(c_order, 2, false))},
        {"u1_v2", npy_bytes(dict("|u1", "(2, 3)"), integers_bytes(c_order, 1, false), 2)},
        {"i1", npy_bytes(dict("|i1", "(2, 3)"), integers_bytes(c_order, 1, false))},
        {"i4_fortran_v3", npy_bytes(dict("<i4", "(2, 3)", true), integers_bytes(f_order, 4, false), 3)},
        {"i2_big_fortran", npy_bytes(dict(">i2", "(2, 3)", true), integers_bytes(f_order, 2, true))},
        {"u8_big", npy_bytes(dict(">u8", "(2, 3)"), integers_bytes(c_order, 8, true))},
        {"u4", npy_bytes(dict("<u4", "(2, 3)"), integers_bytes(c_order, 4, false))},
    };
    for (const auto& [name, bytes] : files) {
        const std::string path = dir + "/" + name + ".npy";
        write_bytes(path, bytes);
        EXPECT_EQ(read_token_file(path, 16, 8), expected) << name;
    }
}

TEST(TokenSequences, RefusesWhatIsNotAUsableTokenSetByName) {
    const std::string dir = scratch_dir();
    const std::string ids = integers_bytes({1, 5, 9, 1, 15, 16}, 8, false);
    const struct {
        std::string bytes;
        std::vector<std::string> fragments;
    } cases[] = {
        {npy_bytes(dict("<f4", "(2, 3)"), std::string(24, '\0')), {"dtype '<f4'", "integers"}},
        {npy_bytes("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2, 3), }", std::string(24, '\0')), {"dtype [('a'", "integers"}},
        {npy_bytes(dict("<i8", "(6,)"), ids), {"1-D [6]", "2-D [n_sequences, seq_len]"}},
        {npy_bytes(dict("<i8", "(1, 2, 3)"), ids), {"3-D"}},
        {npy_bytes(dict("<i8", "(2, 3)"), ids), {"sequence 1, position 2", "token id 16", "[0, 16)"}},
        {npy_bytes(dict("<i2", "(1, 3)"), integers_bytes({1, -1, 3}, 2, false)), {"sequence 0, position 1", "token id -1"}},
        {npy_bytes(dict("<u8", "(1, 2)"), integers_bytes({1, -1}, 8, false)), {"token id 18446744073709551615"}},
        {npy_bytes(dict("<i8", "(6, 1)"), ids), {"[6, 1]", "1 token", "at least 2"}},
        {npy_bytes(dict("<i8", "(1, 6)"), ids), {"[1, 6]", "6 tokens", "context of 5"}},
        {npy_bytes(dict("<i8", "(0, 3)"), ""), {"holds no sequences"}},
        {npy_bytes(dict("<i8", "(2, 3)"), ids.substr(0, 47)), {"needs 48 bytes", "truncated"}},
        {npy_bytes(dict("<i8", "(2, 3)"), ids + "x"), {"extra bytes"}},
        {npy_bytes(dict("<i8", "(4294967296, 4294967296)"), ids), {"overflows 64 bits"}},
        {std::string("\x93NUMPY\x01\x00", 8), {"too short"}},
    };
    int k = 0;
    for (const auto& c : cases) {
        const std::string path = dir + "/bad" + std::to_string(k++) + ".npy";
        write_bytes(path, c.bytes);
        SCOPED_TRACE(path);
        std::vector<std::string> fragments = c.fragments;
        fragments.push_back(path);
        expect_input_error([&] { read_token_file(path, 16, 5); }, fragments);
    }
    expect_input_error([&] { read_token_file(dir + "/absent.npy", 16, 5); }, {"absent.npy"});
}

TEST(TokenSequences, WrittenFilesReadBackAndReplaceAtomically) {
    const std::string dir = scratch_dir();
    const TokenSequences tokens = {{1, 2, 3, 4}, {1, 511, 0, 7}, {1, 9, 9, 9}};
    const std::string path = dir + "/tokens.npy";
    write_token_file({{1, 1}}, path);
    write_token_file(tokens, path);   // replaces the earlier file
    EXPECT_EQ(read_token_file(path, 512, 4), tokens);
    EXPECT_FALSE(fs::exists(path + ".tmp-" + std::to_string(::getpid())));
    EXPECT_EQ(fs::file_size(path) % 64, (3 * 4 * 4) % 64);   // data starts at a multiple of 64, as numpy writes
    EXPECT_THROW(write_token_file({{1, 2}, {1}}, dir + "/ragged.npy"), ParameterError);
    EXPECT_THROW(write_token_file({}, dir + "/empty.npy"), ParameterError);
    EXPECT_FALSE(fs::exists(dir + "/ragged.npy"));
    expect_input_error([&] { write_token_file(tokens, dir + "/no/such/dir/t.npy"); }, {"does not exist"});
    fs::create_directories(dir + "/folder/inside");
    EXPECT_THROW(write_token_file(tokens, dir + "/folder"), ParameterError);   // a file never replaces a folder
    EXPECT_TRUE(fs::exists(dir + "/folder/inside"));
}

TEST(TokenSequences, CheckNamesTheSetTheSequenceAndThePosition) {
    check_token_sequences({{1, 2}, {3, 4, 5}}, 6, 3, "evaluation tokens E.npy");
    expect_input_error([] { check_token_sequences({{1, 2}, {3, 6}}, 6, 3, "evaluation tokens E.npy"); },
                       {"evaluation tokens E.npy", "sequence 1, position 1", "token id 6"});
    expect_input_error([] { check_token_sequences({{1, 2}, {3}}, 6, 3, "calibration"); }, {"calibration", "sequence 1", "1 token"});
    expect_input_error([] { check_token_sequences({{1, 2, 3, 4}}, 6, 3, "calibration"); }, {"sequence 0", "4 tokens", "context of 3"});
    expect_input_error([] { check_token_sequences({}, 6, 3, "calibration"); }, {"calibration", "no sequences"});
}

TEST(TokenSequences, TextIsCutIntoBosLedSequencesThatDecodeToIt) {
    const std::string tokenizer_path = shared_models("stories260K/tok512.bin");
    if (!fs::exists(tokenizer_path)) GTEST_SKIP() << "no ../shared/models";
    const Llama2cTokenizer tokenizer(tokenizer_path, 512);
    const std::string dir = scratch_dir();
    // Longer than one encoding piece (256 bytes), so the word-aligned pieces are tested too.
    const std::string story =
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, "
        "red ball under a tree. She ran to the ball and picked it up. \"Can I play with you?\" asked a small dog. Lily smiled "
        "and said, \"Yes, let's play!\" They played all day until the sun went down. Then Lily went home,  tired and happy, "
        "and told her mom about her new friend.\nThe end.";
    write_bytes(dir + "/story.txt", story);
    const int length = 16;
    const TokenSequences sequences = text_token_sequences(tokenizer, dir + "/story.txt", length);
    ASSERT_FALSE(sequences.empty());
    std::vector<int> stream;
    for (const auto& sequence : sequences) {
        ASSERT_EQ(sequence.size(), static_cast<size_t>(length));
        EXPECT_EQ(sequence.front(), Llama2cTokenizer::kBos);
        stream.insert(stream.end(), sequence.begin() + 1, sequence.end());
    }
    // The same tokens as encoding the whole text at once, cut after whole sequences.
    const std::vector<int> whole = tokenizer.encode(story, false, false);
    ASSERT_GE(whole.size(), stream.size());
    EXPECT_LT(whole.size() - stream.size(), static_cast<size_t>(length - 1));
    EXPECT_EQ(stream, std::vector<int>(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(stream.size())));
    std::string decoded;
    int previous = Llama2cTokenizer::kBos;
    for (int token : stream) {
        decoded += tokenizer.decode(previous, token);
        previous = token;
    }
    EXPECT_GT(decoded.size(), story.size() / 2);
    EXPECT_EQ(decoded, story.substr(0, decoded.size()));

    write_bytes(dir + "/short.txt", "Once upon a time.");
    expect_input_error([&] { text_token_sequences(tokenizer, dir + "/short.txt", 64); }, {"short.txt", "shorter than one sequence"});
    write_bytes(dir + "/empty.txt", "");
    expect_input_error([&] { text_token_sequences(tokenizer, dir + "/empty.txt", 8); }, {"empty.txt", "0 tokens"});
}

}  // namespace
}  // namespace layerlens::test
