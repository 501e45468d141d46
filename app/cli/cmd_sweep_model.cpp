// `sweep-model`, `merge-shards` and `demo-model`: the layers × methods map of a whole file
// (core/model_sweep/), one shard at a time or all at once, and its summary.
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "demo_model_file.h"
#include "errors.h"
#include "model_sweep/model_sweep_merge.h"
#include "model_sweep/model_sweep_runner.h"
#include "model_sweep/model_sweep_summary.h"
#include "stderr_progress.h"

namespace layerlens::cli {

namespace {

void print_summary(const Options& options, const std::vector<SweepRow>& rows) {
    const ModelSweepSummary summary = summarise_model_sweep(rows, options.outlier_factor);
    std::cout << (options.json ? model_sweep_summary_json(summary) : model_sweep_summary_table(summary));
}

// "{shard}" in --out becomes the shard's index, so that one command line serves every task of
// an array job.
std::string shard_output(const std::string& out, const std::optional<Shard>& shard) {
    const std::string placeholder = "{shard}";
    const auto at = out.find(placeholder);
    if (at == std::string::npos) return out;
    if (!shard) throw ParameterError("--out " + out + " has a {shard} placeholder, but no shard is given");
    return out.substr(0, at) + std::to_string(shard->index) + out.substr(at + placeholder.size());
}

}  // namespace

int run_sweep_model(const Options& options) {
    std::optional<Shard> shard = options.shard;
    if (!shard) shard = shard_from_environment([](const char* name) { return std::getenv(name); }, options.shard_count);
    else if (options.shard_count > 0 && options.shard_count != shard->count)
        throw ParameterError("--shard " + shard->text() + " and --shard-count " + std::to_string(options.shard_count) + " disagree");
    const std::string out = shard_output(options.sweep_out, shard);
    const ModelSweepPlan plan = plan_model_sweep(options.model_sweep);
    for (const std::string& skip : plan.skipped) std::cerr << "note: skipped " << skip << "\n";
    for (const std::string& method : options.methods)
        if (std::none_of(plan.points.begin(), plan.points.end(), [&](const ModelEvalPoint& p) { return p.method == method; }))
            std::cerr << "note: skipped " << method << ": it has no sparsity budget for --sparsities\n";
    if (shard) {
        const auto layers = shard_layers(plan, *shard);
        std::cerr << "sweep-model: shard " << shard->text() << ": " << layers.size() << " of " << plan.layers.size()
                  << " layers, " << layers.size() * plan.points.size() << " of " << plan.work_count() << " rows\n";
    }
    StderrProgress progress("sweep-model", options.quiet);
    ModelSweepOutput output{out, options.force};
    const ModelSweepRun run = run_model_sweep(plan, shard, output, progress);
    progress.finish();
    if (!options.quiet) {
        std::cerr << "sweep-model: " << run.computed << " rows computed";
        if (run.resumed) std::cerr << ", " << run.resumed << " already finished (kept)";
        std::cerr << "; wrote " << out << "\n";
    }
    print_summary(options, run.rows);
    for (const SweepRow& row : run.rows)
        if (!row.error) return kExitBadInput;   // the rows are written; the failures are listed in the summary
    return kExitOk;
}

int run_merge_shards(const Options& options) {
    const std::vector<SweepRow> rows = merge_shards(options.shard_files);
    write_sweep_file(options.sweep_out, rows, options.force);
    if (!options.quiet) {
        std::cerr << "merge-shards: " << options.shard_files.size() << " shards, " << rows.size() << " rows; wrote "
                  << options.sweep_out << "\n";
        print_summary(options, rows);
    }
    return kExitOk;
}

int run_demo_model(const Options& options) {
    write_demo_model(options.sweep_out, options.demo_layers, options.source.demo_spec, options.force);
    std::cerr << "wrote " << options.sweep_out << ": " << options.demo_layers << " layers of "
              << options.source.demo_spec.d_out << " x " << options.source.demo_spec.d_in << ", "
              << options.source.demo_spec.n_tokens << " tokens each\n";
    return kExitOk;
}

}  // namespace layerlens::cli
