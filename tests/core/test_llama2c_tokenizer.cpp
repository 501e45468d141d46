// The llama2.c tokenizer encodes exactly as llama2.c's run.c encode() does: its quadratic merge
// loop is kept here as the oracle, and the tokenizer's O(n log n) merging must give the same ids
// on random mixes of the real vocabulary's pieces, of ties and of bytes that fall back, and on
// the real stories. Every id it gives is inside the vocabulary, or the text is refused by name.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <unordered_map>

#include "model/llama2c_tokenizer.h"
#include "test_support.h"

namespace layerlens::test {
namespace {

namespace fs = std::filesystem;

std::string tok512() { return shared_models("stories260K/tok512.bin"); }

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// run.c's encode(), written from its rules and kept as slow as they are: the brute force that
// the tokenizer's merging must agree with.
class Llama2cOracle {
public:
    explicit Llama2cOracle(const Llama2cTokenizer& tokenizer) : tokenizer_(tokenizer) {
        for (int id = 0; id < tokenizer.vocab_size(); ++id) ids_.emplace(tokenizer.piece(id), id);   // first of equals
    }

    std::vector<int> encode(const std::string& text, bool bos, bool eos) const {
        std::vector<int> tokens;
        if (bos) tokens.push_back(1);
        if (!text.empty() && lookup(" ") >= 0) tokens.push_back(lookup(" "));
        append_code_points(text, tokens);
        merge_best_pairs(tokens);
        if (eos) tokens.push_back(2);
        return tokens;
    }

private:
    int lookup(const std::string& piece) const {
        const auto found = ids_.find(piece);
        return found == ids_.end() ? -1 : found->second;
    }

    // Byte by byte, as run.c: a non-continuation byte starts a point, a continuation byte
    // extends it while the point has fewer than 4 bytes, and a full point ends it.
    void append_code_points(const std::string& text, std::vector<int>& tokens) const {
        std::string point;
        for (size_t c = 0; c < text.size(); ++c) {
            if ((static_cast<unsigned char>(text[c]) & 0xC0) != 0x80) point.clear();
            point += text[c];
            const bool next_continues = c + 1 < text.size() && (static_cast<unsigned char>(text[c + 1]) & 0xC0) == 0x80;
            if (next_continues && point.size() < 4) continue;
            if (const int id = lookup(point); id != -1) {
                tokens.push_back(id);
            } else {
                for (unsigned char byte : point) tokens.push_back(byte + 3);
            }
            point.clear();
        }
    }

    void merge_best_pairs(std::vector<int>& tokens) const {
        while (true) {
            float best_score = -1e10f;
            int best_id = -1;
            size_t best_at = 0;
            for (size_t i = 0; i + 1 < tokens.size(); ++i) {
                const int id = lookup(tokenizer_.piece(tokens[i]) + tokenizer_.piece(tokens[i + 1]));
                if (id != -1 && tokenizer_.score(id) > best_score) {
                    best_score = tokenizer_.score(id);
                    best_id = id;
                    best_at = i;
                }
            }
            if (best_id == -1) return;
            tokens[best_at] = best_id;
            tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(best_at) + 1);
        }
    }

    const Llama2cTokenizer& tokenizer_;
    std::unordered_map<std::string, int> ids_;
};

struct Piece {
    std::string bytes;
    float score;
};

void write_tokenizer(const std::string& path, const std::vector<Piece>& pieces) {
    std::int32_t max_length = 1;
    for (const Piece& p : pieces) max_length = std::max(max_length, static_cast<std::int32_t>(p.bytes.size()));
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&max_length), 4);
    for (const Piece& p : pieces) {
        const auto length = static_cast<std::int32_t>(p.bytes.size());
        out.write(reinterpret_cast<const char*>(&p.score), 4);
        out.write(reinterpret_cast<const char*>(&length), 4);
        out.write(p.bytes.data(), length);
    }
}

// <unk>, BOS, EOS and the 256 byte pieces, as llama2.c's vocabularies begin.
std::vector<Piece> specials_and_bytes() {
    std::vector<Piece> pieces = {{"<unk>", 0.0f}, {"\n<s>\n", 0.0f}, {"\n</s>\n", 0.0f}};
    for (int byte = 0; byte < 256; ++byte) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", byte);
        pieces.push_back({name, 0.0f});
    }
    return pieces;
}

// Text that exercises every rule: vocabulary pieces (merges), runs of spaces, multi-byte code
// points the vocabulary has or lacks, and bytes that are not UTF-8 (lone leads, stray
// continuations, 0xFF, an over-long run of continuations).
std::string random_text(const Llama2cTokenizer& tokenizer, std::mt19937& rng) {
    static const std::vector<std::string> odd = {"é", "ë", "✓", "😀", "Z", "\xC3", "\x80", "\xFF", "\xE2\x9C", "\xF0\x80\x80\x80\x80\x80", "\t", "\n"};
    std::uniform_int_distribution<int> kind(0, 9), length(0, 40);
    std::uniform_int_distribution<int> token(0, tokenizer.vocab_size() - 1);
    std::uniform_int_distribution<size_t> odd_one(0, odd.size() - 1);
    std::string text;
    for (int n = length(rng); n > 0; --n) {
        const int k = kind(rng);
        if (k < 6) text += tokenizer.piece(token(rng));
        else if (k < 8) text += std::string(static_cast<size_t>(1 + k - 6), ' ');
        else text += odd[odd_one(rng)];
    }
    return text;
}

void expect_encodes_as_llama2c(const Llama2cTokenizer& tokenizer, const Llama2cOracle& oracle, const std::string& text, bool bos,
                               bool eos) {
    EXPECT_EQ(tokenizer.encode(text, bos, eos), oracle.encode(text, bos, eos)) << "text: \"" << text << "\"";
}

TEST(Llama2cTokenizer, MergesAsLlama2cOnRandomMixesOfTheRealVocabulary) {
    if (!fs::exists(tok512())) GTEST_SKIP() << "no ../shared/models";
    const Llama2cTokenizer tokenizer(tok512(), 512);
    const Llama2cOracle oracle(tokenizer);
    for (unsigned seed = 0; seed < 600; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        expect_encodes_as_llama2c(tokenizer, oracle, random_text(tokenizer, rng), seed % 2 == 0, seed % 3 == 0);
    }
    expect_encodes_as_llama2c(tokenizer, oracle, "", true, true);
    expect_encodes_as_llama2c(tokenizer, oracle, " ", false, false);
}

// The real stories, each alone and all at once (9 KB: thousands of merges, some of equal score).
TEST(Llama2cTokenizer, MergesAsLlama2cOnTheRealStories) {
    const std::string path = shared_data("stories260K_layers.h5.tokens.txt");
    if (!fs::exists(tok512()) || !fs::exists(path)) GTEST_SKIP() << "no ../shared/models or data";
    const Llama2cTokenizer tokenizer(tok512(), 512);
    const Llama2cOracle oracle(tokenizer);
    const std::string text = read_text(path);
    ASSERT_GT(text.size(), 8000u);
    const std::string marker = "=== sequence ";
    int stories = 0;
    for (size_t start = text.find(marker); start != std::string::npos; ++stories) {
        const size_t body = text.find('\n', start) + 1;
        const size_t end = text.find(marker, body);
        expect_encodes_as_llama2c(tokenizer, oracle, text.substr(body, end == std::string::npos ? end : end - body), true, false);
        start = end;
    }
    EXPECT_GE(stories, 8);
    expect_encodes_as_llama2c(tokenizer, oracle, text, true, true);
}

// A small alphabet whose merges often score alike (leftmost wins), some at llama2.c's -1e10
// floor or below (never merged), duplicate pieces (the first id wins) and an empty piece.
std::vector<Piece> tie_heavy_vocabulary(std::mt19937& rng) {
    std::vector<Piece> pieces = specials_and_bytes();
    for (const char* single : {" ", "a", "b", "c", "é", ""}) pieces.push_back({single, 0.0f});
    const std::vector<float> scores = {-1.0f, -2.0f, -2.0f, -3.0f, -1e10f, -3e10f};
    std::uniform_int_distribution<size_t> score(0, scores.size() - 1);
    std::uniform_int_distribution<int> letter(0, 3), length(2, 5);
    for (int n = 0; n < 60; ++n) {
        std::string merged;
        for (int k = length(rng); k > 0; --k) merged += " abc"[letter(rng)];
        pieces.push_back({merged, scores[score(rng)]});
    }
    pieces.push_back(pieces[260]);   // a duplicate of "a" with another score
    pieces.back().score = 5.0f;
    return pieces;
}

TEST(Llama2cTokenizer, TiesGoToTheLeftmostPairAsInLlama2c) {
    const std::string dir = scratch_dir();
    for (unsigned seed = 0; seed < 40; ++seed) {
        SCOPED_TRACE("vocabulary seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const std::vector<Piece> pieces = tie_heavy_vocabulary(rng);
        write_tokenizer(dir + "/ties.bin", pieces);
        const Llama2cTokenizer tokenizer(dir + "/ties.bin", static_cast<int>(pieces.size()));
        const Llama2cOracle oracle(tokenizer);
        const std::vector<std::string> alphabet = {" ", "a", "b", "c", "é", "d"};   // "d" falls back to its byte
        std::uniform_int_distribution<size_t> letter(0, alphabet.size() - 1);
        std::uniform_int_distribution<int> length(0, 80);
        for (int n = 0; n < 25; ++n) {
            std::string text;
            for (int k = length(rng); k > 0; --k) text += alphabet[letter(rng)];
            expect_encodes_as_llama2c(tokenizer, oracle, text, n % 2 == 0, false);
        }
        expect_encodes_as_llama2c(tokenizer, oracle, std::string(500, 'a'), false, false);
    }
}

// The audit's case: 64 tokens, no byte pieces. llama2.c's byte fallback would give token 100
// for 'a', and its merge loop then read past the vocabulary.
TEST(Llama2cTokenizer, AByteFallbackPastTheVocabularyIsRefusedNamingTheTokenizer) {
    const std::string dir = scratch_dir();
    std::vector<Piece> pieces = {{"<unk>", 0.0f}, {"\n<s>\n", 0.0f}, {"\n</s>\n", 0.0f}, {" ", 0.0f}, {"c", 0.0f}, {"t", 0.0f}};
    while (pieces.size() < 64) pieces.push_back({std::to_string(pieces.size()) + "x", -1.0f});   // pieces no text here holds
    write_tokenizer(dir + "/tok64.bin", pieces);
    const Llama2cTokenizer tokenizer(dir + "/tok64.bin", 64);
    EXPECT_EQ(tokenizer.encode("ct", true, true), (std::vector<int>{1, 3, 4, 5, 2}));   // no byte falls back: fine
    expect_input_error([&] { tokenizer.encode("cat", false, false); },
                       {"tok64.bin", "0x61", "token 100", "64 tokens", "byte fallback needs 259 tokens"});
    expect_input_error([&] { tokenizer.encode("c\xE2\x9C\x93", false, false); }, {"tok64.bin", "0xE2 0x9C 0x93", "token 229"});

    // Byte 0xFF falls back to token 258: the vocabulary's last with 259 tokens, one too many with 258.
    std::vector<Piece> bytes = specials_and_bytes();
    write_tokenizer(dir + "/tok259.bin", bytes);
    EXPECT_EQ(Llama2cTokenizer(dir + "/tok259.bin", 259).encode("\xFF", false, false), std::vector<int>{258});
    bytes.pop_back();
    write_tokenizer(dir + "/tok258.bin", bytes);
    expect_input_error([&] { Llama2cTokenizer(dir + "/tok258.bin", 258).encode("\xFF", false, false); }, {"tok258.bin", "token 258"});
    // Fewer than 3 tokens has no room for BOS and EOS.
    expect_input_error([&] { Llama2cTokenizer(dir + "/tok64.bin", 2); }, {"tok64.bin", "2 tokens", "at least 3"});
}

// Text without spaces is one word, merged whole: 200 KB of it (the audit's 256 KB took over a
// minute with llama2.c's rescan per merge). Checked by its result, not its time.
TEST(Llama2cTokenizer, EncodesALongTextWithoutSpaces) {
    const std::string path = shared_data("stories260K_layers.h5.tokens.txt");
    if (!fs::exists(tok512()) || !fs::exists(path)) GTEST_SKIP() << "no ../shared/models or data";
    const Llama2cTokenizer tokenizer(tok512(), 512);
    std::string letters;
    for (char c : read_text(path))
        if (c != ' ' && c != '\n' && c != '=') letters += c;
    std::string text;
    while (text.size() < 200000) text += letters;
    text.resize(200000);

    const std::vector<int> tokens = tokenizer.encode(text, true, false);
    EXPECT_LT(tokens.size(), text.size() * 3 / 4);   // merged beyond single letters, though its pieces mostly begin with a space
    std::string decoded;
    for (size_t k = 1; k < tokens.size(); ++k) {
        ASSERT_GE(tokens[k], 0);
        ASSERT_LT(tokens[k], 512);
        decoded += tokenizer.decode(tokens[k - 1], tokens[k]);
    }
    EXPECT_EQ(decoded, text);
    // Far from where it is cut, a prefix merges as the whole text does: the oracle's first 2 KB.
    const std::vector<int> head = Llama2cOracle(tokenizer).encode(text.substr(0, 2000), true, false);
    ASSERT_GT(head.size(), 100u);
    EXPECT_EQ(std::vector<int>(tokens.begin(), tokens.begin() + 100), std::vector<int>(head.begin(), head.begin() + 100));
}

}  // namespace
}  // namespace layerlens::test
