#pragma once
// Compressing a whole model with one method and budget, block by block as the reference
// GPTQ, SparseGPT and Wanda code does: the linear layers of block b are calibrated on the inputs
// that the already-compressed blocks 0..b-1 produce (or, not sequential, on the dense model's).
// The classifier stays dense, as in the papers' tables.
#include <string>
#include <utility>
#include <vector>

#include "../compression_params.h"
#include "../method.h"
#include "llama_model.h"

namespace layerlens {

class Progress;

struct ModelCompressionReport {
    std::vector<std::pair<std::string, double>> layer_errors;   // E of each compressed layer
    // The settings the method reports it used (the first layer's, without the per-layer
    // "..._used" values such as the group size a row of that width resolved to).
    KeyValues params;
    double mean_layer_error = 0.0;
    double bits_per_weight = 0.0;   // over the compressed layers' weights
    double sparsity = 0.0;          // fraction of exact zeros over those weights
    double seconds = 0.0;           // the methods' own time
};

// Replaces every block linear of `model` by the method's Ŵ. Not sequential, the activations
// come from `dense` (the model before compression; a copy of `model` is made when it is not
// given). ParameterError when the method refuses a layer (the message names it), InputError for
// bad calibration tokens.
ModelCompressionReport compress_model(LlamaModel& model, const std::vector<std::vector<int>>& calibration,
                                      const MethodInfo& method, const CompressionParams& params, bool sequential,
                                      Progress& progress, const LlamaModel* dense = nullptr);

}  // namespace layerlens
