#pragma once
// The JSON of an evaluation: an array with one object per row (`layerlens-cli eval-model --json`,
// the GUI's Save/Open). Each object: method ("dense" for the uncompressed model), budget,
// params, perplexity, kl, mean_layer_error, bits_per_weight, sparsity, seconds, eval_seconds,
// layer_errors {name: E}, and the evaluation's model, sequential, calibration_tokens,
// evaluation_tokens.
#include <string>
#include <vector>

#include "model_evaluation.h"

namespace layerlens {

std::string model_eval_json_text(const ModelEvaluation& evaluation);
// Reads what model_eval_json_text writes (rows; the evaluation's fields from the first row).
// InputError naming `source` and the row and field that is wrong.
ModelEvaluation read_model_eval_json(const std::string& text, const std::string& source);

// A table's layout: methods down, budgets across, each cell the index of its row (−1 when that
// method did not run at that budget); the GUI's table and the text below share it.
struct ModelEvalTableShape {
    int dense = -1;
    std::vector<std::string> methods, budgets;
    std::vector<std::vector<int>> cells;   // [method][budget] → row index
};
ModelEvalTableShape model_eval_table_shape(const ModelEvaluation& evaluation);

// The three table shapes as text (methods down, budgets across; perplexity, KL, mean layer E and seconds blocks)
// and CSV rows (method,budget,perplexity,kl,mean_layer_error,bits_per_weight,sparsity,seconds).
std::string model_eval_table_text(const ModelEvaluation& evaluation);
std::string model_eval_csv(const ModelEvaluation& evaluation);

}  // namespace layerlens
