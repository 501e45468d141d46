#pragma once
// The command line of layerlens-cli (CLI11), built from the method parameter declarations:
// every declared parameter of every method is an option of run, compare, sweep and bench, with
// its help, default and range. Bad usage throws ParameterError (exit code 2).
#include <optional>
#include <string>
#include <vector>

#include "compression_params.h"
#include "layer_source.h"
#include "model/model_evaluation.h"
#include "model_sweep/model_sweep_plan.h"
#include "sweep_plan.h"

namespace layerlens::cli {

// Exit codes, as --help and the README list them.
constexpr int kExitOk = 0, kExitBadInput = 1, kExitBadUsage = 2, kExitInternal = 3;

struct Options {
    std::string command;                 // info | run | compare | sweep | bench | methods | eval-model | sweep-model | merge-shards
    LayerSource source;
    bool source_given = false;
    std::vector<std::string> methods;    // --method / --methods
    CompressionParams params;
    bool json = false, csv = false;
    std::string export_path;
    bool force = false;
    int threads = 0;
    bool quiet = false;                  // --quiet: no progress on stderr
    SweepAxis sweep_axis = SweepAxis::Sparsity;
    std::vector<double> sweep_values;
    std::vector<std::string> bench_shapes;
    long long bench_tokens = 2048;
    bool names_only = false;             // methods --names: one comma-separated line
    std::string detail;                  // methods --detail NAME
    bool help_printed = false;           // --help was answered; nothing else to do
    // eval-model: the request (its points planned from the methods or the table), and its outputs.
    ModelEvalRequest model_eval;
    std::string save_model_path, save_logits_path, save_calib_tokens_path, save_eval_tokens_path;
    // sweep-model: the request (points planned like eval-model's), its output and its shard
    // (given, or taken from the batch scheduler's environment when the command runs).
    ModelSweepRequest model_sweep;
    std::string sweep_out;
    std::optional<Shard> shard;
    int shard_count = 0;                 // --shard-count, for Kubernetes' JOB_COMPLETION_INDEX
    double outlier_factor = 3.0;
    int demo_layers = 16;                // demo-model --layers
    // calibration: the second inputs, resamples and seed (the points are planned as eval-model's)
    std::string inputs2_path;
    int resamples = 20;
    unsigned long long calibration_seed = 0;
    std::vector<ModelEvalPoint> calibration_points;
    // merge-shards OUT SHARD...
    std::vector<std::string> shard_files;
};

// Parses argv. On --help prints the help of that (sub)command and returns help_printed.
Options parse_options(int argc, char** argv);

}  // namespace layerlens::cli
