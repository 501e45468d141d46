#pragma once
// Token sequences sampled from the model itself (temperature 1, from BOS, seeded): no text
// corpus exists on these machines, and a model's own text is what it was trained to produce.
#include <cstdint>
#include <vector>

#include "llama_model.h"

namespace layerlens {

class Progress;

// `count` sequences of `length` tokens, each starting with the model's BOS (config.bos_token);
// one std::mt19937_64 per sequence, seeded from (seed, stream, index), so a sequence does not
// depend on how many are drawn, and two streams (calibration 0, evaluation 1) never draw the
// same random numbers.
std::vector<std::vector<int>> sample_sequences(const LlamaModel& model, int count, int length, std::uint64_t seed,
                                               Progress& progress, std::uint32_t stream = 0, int first_index = 0);

}  // namespace layerlens
