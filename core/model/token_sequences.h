#pragma once
// The token sets a model is calibrated and evaluated on: integer .npy arrays
// [n_sequences, seq_len] (any signed or unsigned integer dtype numpy writes), text encoded with
// the llama2.c tokenizer and cut into sequences, or samples drawn from the model itself.
#include <cstdint>
#include <string>
#include <vector>

namespace layerlens {

using TokenSequences = std::vector<std::vector<int>>;

class Llama2cTokenizer;

// InputError naming the file when it is not a 2-D integer array, when a sequence is shorter
// than 2 tokens or longer than `max_length`, or when an id lies outside [0, vocab_size).
TokenSequences read_token_file(const std::string& path, int vocab_size, int max_length);
// Writes int32 [n, T] (all sequences the same length), to a temporary name renamed into place.
void write_token_file(const TokenSequences& sequences, const std::string& path);

// The text of a file encoded as one stream (BOS first) and cut into sequences of `length`
// tokens, each starting with BOS; the tail shorter than `length` is dropped. InputError when
// the text gives no whole sequence.
TokenSequences text_token_sequences(const Llama2cTokenizer& tokenizer, const std::string& text_path, int length);

// InputError unless every id lies in [0, vocab_size) and every sequence has 2..max_length
// tokens; `what` names the set ("evaluation tokens E.npy").
void check_token_sequences(const TokenSequences& sequences, int vocab_size, int max_length, const std::string& what);

}  // namespace layerlens
