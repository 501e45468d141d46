#pragma once
// How well a model predicts a token set, and how far a compressed model's predictions are from
// the dense model's over the same sequences: perplexity, and the mean KL divergence
// KL(p_dense || p_compressed) of the next-token distributions, both over the T - 1 predicted
// positions of every sequence, the log-softmax in double. Sequences run in parallel, one per
// thread, so memory is bounded by one sequence's activations per thread.
#include <functional>
#include <vector>

#include "llama_forward.h"

namespace layerlens {

struct NegativeLogLikelihood {
    double sum = 0.0;          // over every predicted token, in nats
    long long predicted = 0;   // tokens predicted: T - 1 per sequence
    double perplexity() const;
};

struct ModelComparison {
    NegativeLogLikelihood candidate;   // the candidate's −log p of the true next tokens
    double kl_sum = 0.0;               // Σ over predicted positions, nats (0 when comparing a model with itself)
    double mean_kl() const;
};

// Sees the reference model's logits [T, vocab] of sequence s; called from worker threads.
using LogitsObserver = std::function<void(long long s, const MatrixF& logits)>;

// `candidate` may be `reference` itself: then each sequence runs once and KL is 0. InputError
// naming the sequence for a token outside the vocabulary or a sequence beyond the context.
ModelComparison compare_models(const LlamaModel& reference, const LlamaModel& candidate,
                               const std::vector<std::vector<int>>& sequences, Progress& progress,
                               const LogitsObserver& reference_logits = {});

// −Σ log p(t_{k+1} | t_0..t_k) over every sequence.
NegativeLogLikelihood llama_negative_log_likelihood(const LlamaModel& model, const std::vector<std::vector<int>>& sequences,
                                                    Progress& progress);

}  // namespace layerlens
