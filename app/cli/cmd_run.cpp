// `run`, `compare` and `sweep`: load one layer (statistics once), run methods, print results.
#include <iostream>

#include "commands.h"
#include "errors.h"
#include "io/result_export.h"
#include "layer_source.h"
#include "method_registry.h"
#include "progress.h"
#include "result_format.h"

namespace layerlens::cli {

namespace {

LoadedLayer load(const Options& options) {
    if (!options.source_given) throw ParameterError(options.command + " needs a layer file or --demo");
    Progress quiet;
    LoadedLayer loaded = load_layer(options.source, quiet);
    for (const auto& w : loaded.stats.warnings) std::cerr << "warning: " << loaded.source << ": " << w << "\n";
    return loaded;
}

void print_results(const Options& options, const LoadedLayer& loaded, const std::vector<MethodResult>& results,
                   bool single_object) {
    if (options.json) {
        std::cout << (single_object ? result_json_text(loaded.layer.name, results.front())
                                    : results_json_text(loaded.layer.name, results));
    } else if (options.csv) {
        std::cout << results_to_csv(loaded.layer.name, results);
    } else {
        std::cout << loaded.source << "  (" << loaded.layer.d_out() << " x " << loaded.layer.d_in() << ", "
                  << loaded.stats.n_tokens << " tokens, outliers " << loaded.stats.outlier_strength() << "x)\n"
                  << results_to_table(results);
    }
}

// Runs one method; prints its warnings; frees Ŵ unless it is to be exported (a table of many
// results would otherwise hold every method's weight-sized matrices).
MethodResult run_one(const std::string& name, const LoadedLayer& loaded, const CompressionParams& params, bool keep) {
    Progress quiet;
    MethodResult result = run_method(find_method(name), loaded.layer, loaded.stats, params, quiet);
    for (const auto& w : result.warnings) std::cerr << "warning: " << name << ": " << w << "\n";
    if (!keep) result.release_matrices();
    return result;
}

}  // namespace

int run_run(const Options& options) {
    if (options.command == "run" && options.methods.size() != 1)
        throw ParameterError("run takes one --method; use compare for several");
    if (!options.export_path.empty() && options.methods.size() != 1)
        throw ParameterError("--export writes one method's result; give one --method");
    const LoadedLayer loaded = load(options);
    // Every parameter is checked against the layer before the first (possibly long) method runs.
    for (const auto& name : options.methods) validate_method(find_method(name), loaded.layer, options.params);
    std::vector<MethodResult> results;
    for (const auto& name : options.methods)
        results.push_back(run_one(name, loaded, options.params, !options.export_path.empty()));
    print_results(options, loaded, results, options.command == "run");
    if (!options.export_path.empty()) {
        export_result(options.export_path, loaded.layer, results.front(), options.force);
        std::cerr << "wrote " << options.export_path << "\n";
    }
    return 0;
}

int run_sweep(const Options& options) {
    std::vector<SweepMethod> methods;
    for (const auto& name : options.methods) methods.push_back({name, options.params});
    const SweepPlan plan = plan_sweep(options.sweep_axis, options.sweep_values, methods);
    for (const SweepSkip& skip : plan.skipped) std::cerr << "note: skipped " << skip.method << ": " << skip.reason << "\n";
    const LoadedLayer loaded = load(options);
    for (const SweepPoint& point : plan.points) validate_method(find_method(point.method), loaded.layer, point.params);
    std::vector<MethodResult> results;
    for (const SweepPoint& point : plan.points) results.push_back(run_one(point.method, loaded, point.params, false));
    print_results(options, loaded, results, false);
    return 0;
}

}  // namespace layerlens::cli
