#pragma once
// "If your calibration traffic is fake, salience estimates become fake too": how much a layer's
// salience and each method's result depend on the calibration tokens.
//   Stability: all the layer's tokens (the first inputs, both halves) resampled (bootstrap,
//   seeded) R times; the overlap of the top channels by a_j between resamples, the rank
//   correlation of a_j, and per method the spread of E (each resample's result judged on all the
//   tokens) and how many weights change; the tokens a stable top set would need, extrapolated
//   over subsample sizes.
//   Two sets: the top-set overlap of A and B and, per method, the cross-calibration penalty
//   E_B(Ŵ calibrated on A) / E_B(Ŵ calibrated on B) − 1. Without a second file, A and B are the
//   first and the second half of the tokens.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../layer_source.h"
#include "../method.h"
#include "../model/model_eval_plan.h"

namespace layerlens {

class InputSource;
class Progress;

struct CalibrationCheckRequest {
    std::vector<ModelEvalPoint> points;   // the methods at their budgets (method_points)
    int resamples = 20;                   // R, at least 2
    std::uint64_t seed = 0;
    double top_fraction = 0.01;           // the salient set: the top 1% of channels by a_j, at least one
    // Where the two sets came from, for messages (LayerWithInputs::inputs_source, the second file).
    std::string first_source = "the inputs", second_source = "the second inputs";
};

struct SubsampleStability {
    Eigen::Index tokens = 0;
    double mean_jaccard = 0.0;            // of the top sets of R subsamples of this many tokens, pairwise
};

struct ChannelStability {
    int top_channels = 0;                 // the salient set's size
    double mean_jaccard = 0.0;            // bootstrap resamples' top sets, mean over pairs
    double mean_rank_correlation = 0.0;   // Spearman of a_j, each resample against all of A
    std::vector<SubsampleStability> by_tokens;   // n/8, n/4, n/2, n
    // Tokens for a mean Jaccard of kStableJaccard, extrapolated from by_tokens (1 − J ∝ n^−β);
    // empty when already stable or when the curve does not fall.
    std::optional<double> tokens_for_stable_top;
    bool stable = false;                  // mean_jaccard ≥ kStableJaccard
};
constexpr double kStableJaccard = 0.9;

struct MethodCalibration {
    std::string method, budget;
    KeyValues params;                     // as the method reported them on set A
    double error_on_a_calibrated_on_a = 0.0;
    double error_on_b_calibrated_on_a = 0.0;
    double error_on_b_calibrated_on_b = 0.0;
    double penalty = 0.0;                 // the ratio of the two above, minus 1
    double changed_fraction_a_vs_b = 0.0; // weights of Ŵ that differ between the two calibrations
    std::vector<double> resample_errors;  // E on all the tokens of the method calibrated on each resample
    double error_mean = 0.0, error_std = 0.0, error_min = 0.0, error_max = 0.0;
    double changed_fraction_mean = 0.0;   // weights that differ from Ŵ calibrated on all the tokens
};

struct CalibrationCheck {
    std::string set_a, set_b;             // where each set came from
    Eigen::Index tokens_a = 0, tokens_b = 0;
    std::vector<int> top_a, top_b;        // the salient channels of each set, by falling a_j
    std::vector<int> entered, left;       // channels in B's top set and not A's, and the reverse
    double overlap = 0.0;                 // Jaccard of top_a and top_b
    ChannelStability stability;           // of all the first inputs' tokens
    std::vector<MethodCalibration> methods;
};

// All rows of a layer's inputs in memory (resampling needs them); InputError naming the source
// when they would take more than max_bytes, before anything is read.
MatrixF read_all_inputs(const InputSource& inputs, std::size_t max_bytes, Progress& progress);

// A layer and all its input rows, from a file (its own inputs or source.inputs_path) or the demo;
// the rows are bounded by source.limits.max_weight_bytes as a weight is.
struct LayerWithInputs {
    Layer layer;
    MatrixF X;
    std::string source;          // "file.h5:layers.0.wq"
    std::string inputs_source;   // where X was read: "file.h5:/layers.0.wq/inputs", an --inputs file, the demo
};
LayerWithInputs load_layer_with_inputs(const LayerSource& source, Progress& progress);
// The same layer's inputs from a second file (HDF5 group of the layer's name, or a .npy).
MatrixF load_second_inputs(const std::string& path, const Layer& layer, const ReadLimits& limits, Progress& progress);

// X_b null: A and B are the two halves of X_a. ParameterError for fewer than 2 resamples or no
// points; InputError for sets of the wrong width or too few tokens (at least 16 per set).
CalibrationCheck check_calibration(const Layer& layer, const MatrixF& X_a, const MatrixF* X_b,
                                   const CalibrationCheckRequest& request, Progress& progress);

// |A ∩ B| / |A ∪ B| (1 for two empty sets); the top `count` channels of a_j (ties to the lower index).
double jaccard(const std::vector<int>& a, const std::vector<int>& b);
std::vector<int> top_channels(const VectorD& a, int count);

// The JSON object of `layerlens-cli calibration --json`: overlap, tokens, top sets, stability
// and a `methods` list (method, budget, params, error_on_b_calibrated_on_a,
// error_on_b_calibrated_on_b, penalty, error_on_a_calibrated_on_a, changed_fraction_a_vs_b,
// resample_errors and their mean/std/min/max, changed_fraction_mean).
std::string calibration_check_json(const std::string& layer, const CalibrationCheck& check);
// One CSV row per method with the same fields (stability repeated on each row).
std::string calibration_check_csv(const std::string& layer, const CalibrationCheck& check);
// The table for people.
std::string calibration_check_table(const std::string& layer, const CalibrationCheck& check);

}  // namespace layerlens
