#pragma once
// The one interface every compression method implements (STYLE.md "One method, one file"):
// a pure function of (layer, statistics, parameters, progress) returning a MethodResult.
// The registry (method_registry.h) lists them so the CLI and GUI never special-case one.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "layer.h"
#include "sparsity_mask.h"

namespace layerlens {

struct CalibrationStats;
class Progress;

constexpr int kAutoGroupSize = -1;

// The shared budget and every method's settings. Optional fields are "not given": a method
// uses its own default, and AWP decides from which of bits/sparsity are given what to do.
struct CompressionParams {
    // quantisation
    std::optional<int> bits;             // default 4
    // 128 by default, or one group per row when 128 does not divide d_in (as the reference
    // results were produced); an explicit size must divide d_in; 0 = one group per row.
    int group_size = kAutoGroupSize;
    // pruning
    std::optional<double> sparsity;      // unstructured fraction of zeros; default 0.5
    NMPattern nm;                        // semi-structured alternative to sparsity
    // second-order methods (GPTQ, SparseGPT)
    double damp = 0.01;                  // fraction of mean diag(H) added to the diagonal
    int block_size = 128;
    bool act_order = false;
    // AWQ
    int awq_grid = 20;                   // α ∈ {0, 1/n, …, (n−1)/n}
    bool awq_duo_scaling = false;        // AutoAWQ's a^α / w̄^(1−α) rule
    bool awq_clip = true;
    int clip_grid = 20;
    double clip_max_shrink = 0.5;
    // AWQ keep experiment
    std::string keep_by = "activation";  // activation | weight | random
    double keep_fraction = 0.01;
    double keep_scale = 0.0;             // 0 = keep in full precision, else scale salient channels by s
    unsigned seed = 0;
    // AWP
    int iters = 100;
    double step_scale = 1.0;
    double tol = 1e-6;
    std::string init;                    // wanda | magnitude | sparsegpt (prune), rtn (quant); "" = default
    std::string mask_scope = "row";      // row | layer
    bool accelerate = false;
    // low rank
    int rank = 0;                        // 0 = from param_ratio
    double param_ratio = 0.5;
};

using ParamValue = std::variant<bool, long long, double, std::string>;
using KeyValues = std::vector<std::pair<std::string, ParamValue>>;

struct MethodResult {
    std::string method;
    KeyValues params;                    // the parameters actually used
    MatrixF W_hat;
    MaskMatrix kept_mask;                // empty unless the method prunes
    VectorF channel_scales;              // AWQ's s_j; empty otherwise
    std::vector<int> protected_channels; // channels the method treated specially (AWQ top 1%, keep-1%)
    std::vector<double> loss_history;    // E per iteration (AWP), first entry = start
    KeyValues scalars;                   // alpha, cond_C, error_before_clip, ...
    std::vector<std::pair<std::string, std::vector<double>>> series;   // alpha_errors, ...
    MatrixF B, A;                        // low-rank factors (W_hat = B·A), empty otherwise
    std::vector<std::pair<std::string, double>> timings;               // stage → seconds
    std::vector<std::string> warnings;
    double bits_per_weight = 16.0;       // storage cost of Ŵ's representation
    double flops = 0.0;                  // the method's dense floating-point work (0 = not counted), for bench
    // Filled by run_method, identically for every method:
    double relative_output_error = 0.0;
    double sparsity = 0.0;               // fraction of exact zeros in Ŵ
    double seconds = 0.0;

    const ParamValue* scalar(const std::string& key) const;
    // Frees the weight-sized matrices (Ŵ, the mask, the factors) and keeps every number: what a
    // table of many results needs. On a 4096 x 11008 layer each result holds ~230 MB otherwise.
    void release_matrices() {
        W_hat = MatrixF();
        kept_mask = MaskMatrix();
        B = MatrixF();
        A = MatrixF();
    }
};

enum class MethodKind { Quantization, Pruning, Joint, LowRank };

struct MethodInfo {
    std::string name;          // CLI name: "rtn", "gptq", "wanda+awq", ...
    std::string label;         // display name: "RTN", "GPTQ", "Wanda → AWQ"
    std::string description;   // one sentence for tooltips and `--help`
    MethodKind kind;
    // Throws ParameterError naming the bad value; runs before any work.
    std::function<void(const Layer&, const CompressionParams&)> validate;
    std::function<MethodResult(const Layer&, const CalibrationStats&, const CompressionParams&, Progress&)> run;
};

// Validates, runs, times, and fills the common fields (E, sparsity, seconds) of the result.
MethodResult run_method(const MethodInfo& method, const Layer& layer, const CalibrationStats& stats,
                        const CompressionParams& params, Progress& progress);

// Throws InputError unless the layer's width matches the statistics and W is finite.
void check_layer_matches_statistics(const Layer& layer, const CalibrationStats& stats);

}  // namespace layerlens
