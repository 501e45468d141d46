#pragma once
// One function per CLI command; each returns the process exit code or throws
// InputError (1) / ParameterError (2), which main turns into a message and exit code.
#include "cli_options.h"

namespace layerlens::cli {

int run_info(const Options& options);
int run_methods(const Options& options);
int run_run(const Options& options);       // run and compare
int run_sweep(const Options& options);
int run_bench(const Options& options);
int run_eval_model(const Options& options);   // whole-model perplexity
int run_sweep_model(const Options& options);  // layers x methods map, sharded
int run_merge_shards(const Options& options);
int run_demo_model(const Options& options);    // a synthetic model file
int run_calibration(const Options& options);   // calibration stability and penalty

}  // namespace layerlens::cli
