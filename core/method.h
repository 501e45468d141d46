#pragma once
// The one interface every compression method implements (STYLE.md "One method, one file"):
// a pure function of (layer, statistics, parameters, progress) returning a MethodResult.
// The registry (method_registry.h) lists them so the CLI and GUI never special-case one.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "compression_params.h"
#include "layer.h"
#include "param_spec.h"
#include "sparsity_mask.h"

namespace layerlens {

struct CalibrationStats;
class OutputError;
class Progress;

using KeyValues = std::vector<std::pair<std::string, ParamValue>>;

// What a method that knows its own error in closed form (GPTQ, SparseGPT: OBS's error identity)
// leaves for run_method: tr(Δ_i C Δ_iᵀ) per output row, in the units of the layer and C it was
// given, with what identifies that layer, C and Ŵ. A composite method that changes Ŵ afterwards,
// or ran its inner method on another W or C, leaves marks that no longer match, and run_method
// judges by the product instead (as it also does when a spot check of rows disagrees).
struct ClosedFormError {
    VectorD per_row;                      // empty: not known
    const void* weight = nullptr;         // the W the error is from (Layer::W's storage)
    std::uint64_t w_hat_digest = 0;       // weight_digest of Ŵ
    const void* correlation = nullptr;    // the C it is measured in (CalibrationStats::C's storage)
};

// A digest of every bit of a weight (FNV-1a over its floats): tells one Ŵ from another.
std::uint64_t weight_digest(const MatrixF& W);

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
    ClosedFormError closed_form_error;   // see ClosedFormError
    // Filled by run_method, identically for every method:
    double relative_output_error = 0.0;
    bool error_from_closed_form = false; // E taken from closed_form_error (checked), not a product
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
    // Every parameter the method reads, shared budget first (declared in budget_params.cpp and
    // beside each method); the CLI, the GUI panel and `methods --detail` list exactly these.
    std::vector<const ParamSpec*> params;
    // The method's own checks beyond the declared ranges (which validate_method runs first);
    // throws ParameterError naming the bad value. May be empty.
    std::function<void(const Layer&, const CompressionParams&)> validate;
    std::function<MethodResult(const Layer&, const CalibrationStats&, const CompressionParams&, Progress&)> run;
};

// The declared ranges and layer checks of every parameter the method reads, then its own checks.
// The one validation the CLI, the GUI and run_method share, so all three say the same thing.
void validate_method(const MethodInfo& method, const Layer& layer, const CompressionParams& params);

// Validates, runs, times, and fills the common fields (E, sparsity, seconds) of the result.
MethodResult run_method(const MethodInfo& method, const Layer& layer, const CalibrationStats& stats,
                        const CompressionParams& params, Progress& progress);
// The same with the layer's error measure made once by the caller (OutputError(layer.W,
// stats.C_float)) and shared by every method it runs on the layer: its reference energy
// tr(W C Wᵀ) is a d_out·d_in² product, as much as judging a method's result.
MethodResult run_method(const MethodInfo& method, const Layer& layer, const CalibrationStats& stats,
                        const CompressionParams& params, Progress& progress, const OutputError& judge);

// Throws InputError unless the layer's width matches the statistics and W is finite.
void check_layer_matches_statistics(const Layer& layer, const CalibrationStats& stats);

}  // namespace layerlens
