#pragma once
// The forward pass of a LlamaModel over whole sequences (all positions at once, causal
// attention), in float32 as llama2.c computes it. Sequences run in parallel, one per thread, so
// memory is bounded by one sequence's activations per thread.
#include <functional>
#include <string>
#include <vector>

#include "llama_model.h"

namespace layerlens {

class Progress;

// Sees what enters each linear layer of one sequence: its name and the [T, d_in] inputs.
using LinearInputObserver = std::function<void(const std::string& name, const MatrixF& X)>;

// Logits [T, vocab] of one sequence (token 0 at position 0, T <= seq_len). InputError for a
// token outside the vocabulary or a sequence longer than the model's context.
MatrixF llama_logits(const LlamaModel& model, const std::vector<int>& tokens, const LinearInputObserver& observer = {});

struct NegativeLogLikelihood {
    double sum = 0.0;          // over every predicted token, in nats
    long long predicted = 0;   // tokens predicted: T - 1 per sequence
    double perplexity() const;
};

// −Σ log p(t_{k+1} | t_0..t_k) over every sequence, the log-softmax in double.
NegativeLogLikelihood llama_negative_log_likelihood(const LlamaModel& model, const std::vector<std::vector<int>>& sequences,
                                                    Progress& progress);

}  // namespace layerlens
