#include "llama2c_tokenizer.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "../errors.h"
#include "../io/mapped_file.h"

namespace layerlens {

Llama2cTokenizer::Llama2cTokenizer(const std::string& path, int vocab_size) {
    const MappedFile file(path);
    std::uint64_t at = 0;
    auto read_int = [&](const char* what) {
        std::int32_t value;
        std::memcpy(&value, file.span(at, 4, what), 4);
        at += 4;
        return value;
    };
    const std::int32_t max_length = read_int("the max token length");
    if (max_length <= 0 || max_length > 1 << 16)
        throw InputError(path + ": max token length " + std::to_string(max_length) + " is not that of a llama2.c tokenizer");
    if (vocab_size <= 0) throw InputError(path + ": a tokenizer needs a positive vocabulary size");
    pieces_.reserve(static_cast<size_t>(vocab_size));
    for (int id = 0; id < vocab_size; ++id) {
        float score;
        std::memcpy(&score, file.span(at, 4, "the score of token " + std::to_string(id)), 4);
        at += 4;
        const std::int32_t length = read_int("the length of token");
        if (length < 0 || length > max_length || !std::isfinite(score))
            throw InputError(path + ": token " + std::to_string(id) + " has length " + std::to_string(length) + " and score " +
                             std::to_string(score) + " (max length " + std::to_string(max_length) + ")");
        const auto* bytes = reinterpret_cast<const char*>(file.span(at, static_cast<std::uint64_t>(length), "the bytes of token " + std::to_string(id)));
        at += static_cast<std::uint64_t>(length);
        pieces_.emplace_back(bytes, static_cast<size_t>(length));
        scores_.push_back(score);
        ids_.emplace(pieces_.back(), id);   // the first of equal pieces wins, as a sorted lookup would
    }
}

int Llama2cTokenizer::lookup(const std::string& piece) const {
    const auto found = ids_.find(piece);
    return found == ids_.end() ? -1 : found->second;
}

std::vector<int> Llama2cTokenizer::encode(const std::string& text, bool bos, bool eos) const {
    std::vector<int> tokens;
    if (bos) tokens.push_back(kBos);
    if (!text.empty()) {
        // A leading space, as sentencepiece's add_dummy_prefix.
        if (const int space = lookup(" "); space >= 0) tokens.push_back(space);
    }
    // One token per UTF-8 code point, or its bytes (id = byte + 3) when the vocabulary lacks it.
    for (size_t i = 0; i < text.size();) {
        size_t length = 1;
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead >= 0xC0) {
            while (i + length < text.size() && length < 4 && (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80) ++length;
        }
        const std::string point = text.substr(i, length);
        if (const int id = lookup(point); id >= 0) {
            tokens.push_back(id);
        } else {
            for (unsigned char byte : point) tokens.push_back(static_cast<int>(byte) + 3);
        }
        i += length;
    }
    // Merge the adjacent pair whose joined piece scores best, until no pair joins.
    while (true) {
        float best_score = -1e10f;
        int best_id = -1;
        size_t best_at = 0;
        for (size_t k = 0; k + 1 < tokens.size(); ++k) {
            const int id = lookup(pieces_[static_cast<size_t>(tokens[k])] + pieces_[static_cast<size_t>(tokens[k + 1])]);
            if (id >= 0 && scores_[static_cast<size_t>(id)] > best_score) {
                best_score = scores_[static_cast<size_t>(id)];
                best_id = id;
                best_at = k;
            }
        }
        if (best_id < 0) break;
        tokens[best_at] = best_id;
        tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(best_at) + 1);
    }
    if (eos) tokens.push_back(kEos);
    return tokens;
}

std::string Llama2cTokenizer::decode(int previous, int token) const {
    if (token < 0 || token >= vocab_size()) throw InputError("token id " + std::to_string(token) + " is outside the vocabulary");
    std::string piece = pieces_[static_cast<size_t>(token)];
    if (previous == kBos && !piece.empty() && piece.front() == ' ') piece.erase(piece.begin());
    unsigned int byte = 0;
    if (piece.size() == 6 && std::sscanf(piece.c_str(), "<0x%02X>", &byte) == 1) return std::string(1, static_cast<char>(byte));
    return piece;
}

}  // namespace layerlens
