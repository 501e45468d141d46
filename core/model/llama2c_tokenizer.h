#pragma once
// llama2.c's tokenizer.bin (tok512.bin for stories260K): an int32 max token length, then per
// token a float32 merge score, an int32 byte length and the bytes. Encoding is byte-pair merging
// by score with a leading space, byte fallback (<0xXX> = id byte + 3) and BOS = 1, EOS = 2, as
// the format defines; decoding drops the space after BOS.
#include <string>
#include <unordered_map>
#include <vector>

namespace layerlens {

class Llama2cTokenizer {
public:
    // InputError naming the file when it is not a tokenizer of `vocab_size` tokens (the model's
    // vocabulary, so every id it encodes to is one the model has), or has fewer than the 3 that
    // <unk>, BOS and EOS take.
    Llama2cTokenizer(const std::string& path, int vocab_size);

    static constexpr int kBos = 1, kEos = 2;
    // The tokens llama2.c's encode() gives, in O(n log n) for n code points. InputError naming
    // the tokenizer file when a byte falls back to a token past the vocabulary.
    std::vector<int> encode(const std::string& text, bool bos, bool eos) const;
    // The text of `token` following `previous` (raw bytes for <0xXX> tokens).
    std::string decode(int previous, int token) const;
    int vocab_size() const { return static_cast<int>(pieces_.size()); }
    const std::string& piece(int token) const { return pieces_.at(static_cast<size_t>(token)); }
    float score(int token) const { return scores_.at(static_cast<size_t>(token)); }

private:
    int lookup(const std::string& piece) const;   // -1 when absent
    void append_code_point_tokens(const std::string& text, std::vector<int>& tokens) const;
    void append_byte_fallback(const std::string& point, std::vector<int>& tokens) const;
    void merge_pairs(std::vector<int>& tokens) const;
    int merged_token(int left, int right, std::string& buffer) const;   // -1 when the pair never merges

    std::string path_;
    std::vector<std::string> pieces_;
    std::vector<float> scores_;
    std::unordered_map<std::string, int> ids_;
};

}  // namespace layerlens
