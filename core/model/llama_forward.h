#pragma once
// The forward pass of a LlamaModel, in float32 as llama2.c computes it: the positions of one
// sequence at once with causal attention, continuing from the keys and values of the positions
// before them when a cache is given (generation: one token at a time, each earlier position
// computed once). One call is one sequence; callers run sequences in parallel
// (model_comparison.h, model_compression.h, model_sampling.h).
#include <functional>
#include <string>
#include <vector>

#include "llama_model.h"

namespace layerlens {

// Sees what enters each linear layer of one sequence: its name and the [T, d_in] inputs.
using LinearInputObserver = std::function<void(const std::string& name, const MatrixF& X)>;

// Logits [T, vocab] of one sequence (token 0 at position 0, T <= seq_len). InputError for a
// token outside the vocabulary or a sequence longer than the model's context.
MatrixF llama_logits(const LlamaModel& model, const std::vector<int>& tokens, const LinearInputObserver& observer = {});

// The keys and values of one sequence's positions so far, per block ([positions, kv_dim]).
struct KeyValueCache {
    std::vector<MatrixF> keys, values;
    Eigen::Index positions = 0;
};

// Logits [n, vocab] of `tokens` at positions cache.positions .. + n − 1, appending their keys
// and values to the cache. InputError as above (the context counts the cached positions).
MatrixF llama_logits_continued(const LlamaModel& model, const std::vector<int>& tokens, KeyValueCache& cache,
                               const LinearInputObserver& observer = {});

}  // namespace layerlens
