#include "llama2c_tokenizer.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <queue>

#include "../errors.h"
#include "../io/mapped_file.h"

namespace layerlens {

namespace {

// llama2.c's first three tokens are <unk>, BOS and EOS; byte b falls back to token b + 3.
constexpr int kFirstByteToken = 3;
constexpr int kByteFallbackTokens = kFirstByteToken + 256;

// llama2.c starts its best score at -1e10 and merges only a pair that beats it, so a piece
// scored at or below that never forms by merging.
constexpr float kNoMergeScore = -1e10f;

bool is_continuation_byte(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

// The code point at `at` as llama2.c reads one: any byte and up to three continuation bytes
// after it, so a stray continuation byte after a full point starts a point of its own.
size_t code_point_length(const std::string& text, size_t at) {
    size_t length = 1;
    while (length < 4 && at + length < text.size() && is_continuation_byte(text[at + length])) ++length;
    return length;
}

std::string hex_bytes(const std::string& bytes) {
    std::string text;
    for (unsigned char byte : bytes) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "%s0x%02X", text.empty() ? "" : " ", byte);
        text += hex;
    }
    return text;
}

// The symbols being merged as a doubly linked list over their initial positions: a merge
// unlinks the right symbol in O(1), and since merges never reorder symbols, a symbol's initial
// position orders it left to right for as long as it lives.
class SymbolList {
public:
    explicit SymbolList(const std::vector<int>& tokens) : tokens_(tokens), previous_(tokens.size()), next_(tokens.size()) {
        const int n = static_cast<int>(tokens.size());
        for (int at = 0; at < n; ++at) {
            previous_[static_cast<size_t>(at)] = at - 1;
            next_[static_cast<size_t>(at)] = at + 1 < n ? at + 1 : kNone;
        }
    }
    static constexpr int kNone = -1;
    int token(int at) const { return tokens_[static_cast<size_t>(at)]; }
    int previous(int at) const { return previous_[static_cast<size_t>(at)]; }
    int next(int at) const { return next_[static_cast<size_t>(at)]; }
    bool alive(int at) const { return tokens_[static_cast<size_t>(at)] != kNone; }

    // `left` becomes `merged` and absorbs its right neighbour.
    void merge(int left, int merged) {
        const int right = next(left);
        tokens_[static_cast<size_t>(left)] = merged;
        tokens_[static_cast<size_t>(right)] = kNone;
        next_[static_cast<size_t>(left)] = next(right);
        if (next(right) != kNone) previous_[static_cast<size_t>(next(right))] = left;
    }

    std::vector<int> live_tokens() const {
        std::vector<int> live;
        for (int at = tokens_.empty() ? kNone : 0; at != kNone; at = next(at)) live.push_back(token(at));
        return live;
    }

private:
    std::vector<int> tokens_;   // kNone once merged into the symbol on its left
    std::vector<int> previous_, next_;
};

// A pair of adjacent symbols and the token they merge into, as it was when queued. A merge
// makes the entries of the pairs it touched stale; rather than finding them in the queue, an
// entry is checked when it reaches the top, against the symbols as they are then.
struct Candidate {
    float score;
    int merged;
    int left, right;              // initial positions of the two symbols
    int left_token, right_token;  // their tokens when the pair was queued

    bool still_adjacent(const SymbolList& symbols) const {
        return symbols.alive(left) && symbols.next(left) == right && symbols.token(left) == left_token &&
               symbols.token(right) == right_token;
    }
};

// llama2.c merges the best-scoring pair, the leftmost among equal scores: the queue's top.
struct MergesLater {
    bool operator()(const Candidate& a, const Candidate& b) const {
        if (a.score != b.score) return a.score < b.score;
        return a.left > b.left;
    }
};

}  // namespace

Llama2cTokenizer::Llama2cTokenizer(const std::string& path, int vocab_size) : path_(path) {
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
    // Below 3 tokens BOS or EOS would be an id past the vocabulary.
    if (vocab_size <= kEos)
        throw InputError(path + ": a vocabulary of " + std::to_string(vocab_size) +
                         " tokens; a llama2.c tokenizer needs at least 3 (<unk>, BOS and EOS are tokens 0 to 2)");
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
    // BOS takes part in merging, as in llama2.c (no vocabulary we know joins it to anything).
    std::vector<int> tokens;
    if (bos) tokens.push_back(kBos);
    append_code_point_tokens(text, tokens);
    merge_pairs(tokens);
    if (eos) tokens.push_back(kEos);
    return tokens;
}

// The dummy-prefix space, then one token per code point, or its bytes' tokens when the
// vocabulary lacks it: what merging starts from.
void Llama2cTokenizer::append_code_point_tokens(const std::string& text, std::vector<int>& tokens) const {
    if (text.empty()) return;
    // A leading space, as sentencepiece's add_dummy_prefix.
    if (const int space = lookup(" "); space >= 0) tokens.push_back(space);
    std::string point;
    for (size_t at = 0; at < text.size(); at += point.size()) {
        point.assign(text, at, code_point_length(text, at));
        if (const int id = lookup(point); id >= 0) {
            tokens.push_back(id);
        } else {
            append_byte_fallback(point, tokens);
        }
    }
    // The merge list indexes symbols by int (half the memory of size_t, as a text is held whole).
    if (tokens.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
        throw InputError(path_ + ": a text of " + std::to_string(text.size()) + " bytes is more than 2^31 - 1 tokens to merge at once");
}

// Token byte + 3 per byte, as llama2.c's byte fallback, refused when the vocabulary is too small
// to hold it: llama2.c would read past the end of its vocabulary.
void Llama2cTokenizer::append_byte_fallback(const std::string& point, std::vector<int>& tokens) const {
    for (unsigned char byte : point) {
        const int id = kFirstByteToken + static_cast<int>(byte);
        if (id >= vocab_size())
            throw InputError(path_ + ": the text's code point " + hex_bytes(point) + " is not one of the tokenizer's " +
                             std::to_string(vocab_size()) + " tokens, and its byte fallback would be token " + std::to_string(id) +
                             " (byte " + hex_bytes(std::string(1, static_cast<char>(byte))) +
                             " + 3), past the vocabulary; byte fallback needs " + std::to_string(kByteFallbackTokens) +
                             " tokens (<unk>, BOS, EOS and one per byte)");
        tokens.push_back(id);
    }
}

int Llama2cTokenizer::merged_token(int left, int right, std::string& buffer) const {
    buffer.assign(pieces_[static_cast<size_t>(left)]);
    buffer.append(pieces_[static_cast<size_t>(right)]);
    const int merged = lookup(buffer);
    return merged >= 0 && scores_[static_cast<size_t>(merged)] > kNoMergeScore ? merged : -1;
}

// llama2.c merges the adjacent pair whose joined piece scores best, the leftmost on ties, until
// no pair joins, rescanning every pair per merge: quadratic in the text's length. The same
// merges, in the same order, come from a queue of the candidate pairs: each merge only changes
// the pairs on either side of the merged symbol, so it queues at most two, and O(n) merges of
// O(log n) each make O(n log n).
void Llama2cTokenizer::merge_pairs(std::vector<int>& tokens) const {
    if (tokens.size() < 2) return;
    SymbolList symbols(tokens);
    std::priority_queue<Candidate, std::vector<Candidate>, MergesLater> queue;
    std::string buffer;
    auto queue_pair_from = [&](int left) {
        const int right = symbols.next(left);
        if (right == SymbolList::kNone) return;
        const int merged = merged_token(symbols.token(left), symbols.token(right), buffer);
        if (merged >= 0) queue.push({scores_[static_cast<size_t>(merged)], merged, left, right, symbols.token(left), symbols.token(right)});
    };
    for (int at = 0; at + 1 < static_cast<int>(tokens.size()); ++at) queue_pair_from(at);
    while (!queue.empty()) {
        const Candidate best = queue.top();
        queue.pop();
        if (!best.still_adjacent(symbols)) continue;
        symbols.merge(best.left, best.merged);
        if (const int previous = symbols.previous(best.left); previous != SymbolList::kNone) queue_pair_from(previous);
        queue_pair_from(best.left);
    }
    tokens = symbols.live_tokens();
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
