#pragma once
// One whole-model evaluation, the same for `layerlens-cli eval-model` and the GUI's Model tab:
// load the model, get the calibration and evaluation token sets, measure the dense model, then
// for each planned point copy the dense model, compress it (model_compression.h) and compare it
// with the dense model (model_comparison.h). Rows are handed out as they finish.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "../compression_params.h"
#include "../method.h"
#include "model_eval_plan.h"
#include "model_files.h"
#include "token_sequences.h"

namespace layerlens {

class Progress;

// Where a token set comes from: a .npy file, a text file (needs the tokenizer), or samples
// from the dense model (temperature 1, from BOS).
struct TokenSetSpec {
    std::string npy_path;
    std::string text_path;
    int sequences = 0;   // sampled sequences when no file is given
};

struct ModelEvalRequest {
    std::string model_path;
    std::string tokenizer_path;              // llama2.c tokenizer; needed for text token sets
    TokenSetSpec calibration{{}, {}, 16};
    TokenSetSpec evaluation{{}, {}, 32};
    int seq_len = 128;                       // sampled and text sequences; at most the model's context
    std::uint64_t seed = 0;                  // sampling: calibration and evaluation draw disjoint streams
    bool sequential = true;
    std::vector<ModelEvalPoint> points;
    ReadLimits limits;
};

struct ModelEvalRow {
    std::string method;                      // "dense" for the uncompressed model
    std::string budget;                      // "" for dense
    KeyValues params;                        // the settings the method used (MethodResult::params)
    double perplexity = 0.0;
    double kl = 0.0;                         // mean KL(dense || this) per predicted token, nats
    double mean_layer_error = 0.0;           // mean E over the compressed layers (0 for dense)
    double bits_per_weight = 16.0;           // over the compressed layers' weights
    double sparsity = 0.0;
    double seconds = 0.0;                    // compressing the whole model (0 for dense)
    double eval_seconds = 0.0;               // measuring perplexity and KL
    std::vector<std::pair<std::string, double>> layer_errors;
};

struct ModelEvaluation {
    std::string model_path;
    ModelLayout layout = ModelLayout::Llama2c;
    LlamaConfig config;
    long long calibration_sequences = 0, calibration_tokens = 0;
    long long evaluation_sequences = 0, evaluation_tokens = 0;   // tokens predicted: T - 1 per sequence
    bool sequential = true;
    std::string evaluation_sample;           // the first evaluation sequence as text (with a tokenizer)
    std::vector<std::string> notes;          // what the user should know (overlapping token files)
    TokenSequences calibration_set, evaluation_set;   // the tokens used (to save sampled sets)
    std::vector<ModelEvalRow> rows;          // dense first, then the points in order
};

struct ModelEvalCallbacks {
    std::function<void(const ModelEvaluation&, const ModelEvalRow&)> row;   // each row as it finishes
    // The compressed model of each point, before it is freed (the CLI's --save-model).
    std::function<void(const LoadedModel&, const ModelEvalRow&)> compressed;
    // The dense model's logits of evaluation sequence s, [T, vocab] (the CLI's --save-logits).
    std::function<void(long long s, const MatrixF& logits)> dense_logits;
};

// ParameterError for an impossible request (a point the method refuses, seq_len beyond the
// context, text without a tokenizer), InputError for bad files.
ModelEvaluation evaluate_model(const ModelEvalRequest& request, Progress& progress, const ModelEvalCallbacks& callbacks = {});

}  // namespace layerlens
