#include "model_sampling.h"

#include <cmath>
#include <random>
#include <string>

#include "../errors.h"
#include "../progress.h"
#include "llama_forward.h"

namespace layerlens {

namespace {

// One sequence of `length` tokens from BOS, sampled at temperature 1 with its own random stream.
std::vector<int> sample_one(const LlamaModel& model, int length, std::uint64_t seed, std::uint32_t stream, int index) {
    std::seed_seq seeds{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), stream,
                        static_cast<std::uint32_t>(index)};
    std::mt19937_64 rng(seeds);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<int> tokens{model.config.bos_token};
    // One position per step; the earlier ones' keys and values are cached.
    KeyValueCache cache;
    while (static_cast<int>(tokens.size()) < length) {
        const MatrixF logits = llama_logits_continued(model, {tokens.back()}, cache);
        const Eigen::VectorXd row = logits.row(logits.rows() - 1).transpose().cast<double>();
        const Eigen::VectorXd p = (row.array() - row.maxCoeff()).exp().matrix();
        double target = uniform(rng) * p.sum(), running = 0.0;
        int next = static_cast<int>(p.size()) - 1;
        for (Eigen::Index v = 0; v < p.size(); ++v)
            if ((running += p(v)) > target) {
                next = static_cast<int>(v);
                break;
            }
        tokens.push_back(next);
    }
    return tokens;
}

}  // namespace

std::vector<std::vector<int>> sample_sequences(const LlamaModel& model, int count, int length, std::uint64_t seed,
                                               Progress& progress, std::uint32_t stream, int first_index) {
    if (count <= 0 || length < 2 || length > model.config.seq_len)
        throw ParameterError("sampling needs at least one sequence of 2 to " + std::to_string(model.config.seq_len) +
                             " tokens (asked: " + std::to_string(count) + " of " + std::to_string(length) + ")");
    if (model.config.bos_token < 0 || model.config.bos_token >= model.config.vocab_size)
        throw InputError("sampled sequences start with the BOS token " + std::to_string(model.config.bos_token) +
                         ", which is outside the vocabulary [0, " + std::to_string(model.config.vocab_size) +
                         "); give token files instead");
    std::vector<std::vector<int>> sequences(static_cast<size_t>(count));
    std::vector<std::string> errors(static_cast<size_t>(count));
    int done = 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (int s = 0; s < count; ++s) {
        if (progress.cancelled()) continue;
        // An exception must not leave an OpenMP region (the process would terminate): each
        // sequence keeps its message, the first is thrown after the loop.
        try {
            sequences[static_cast<size_t>(s)] = sample_one(model, length, seed, stream, first_index + s);
        } catch (const std::exception& e) {
            errors[static_cast<size_t>(s)] = "sampled sequence " + std::to_string(first_index + s) + ": " + e.what();
        }
#pragma omp critical(sampling_progress)
        progress.report(static_cast<double>(++done) / count, "sampling");
    }
    progress.check();
    for (const std::string& error : errors)
        if (!error.empty()) throw InputError(error);
    return sequences;
}

}  // namespace layerlens
