// `run`, `compare` and `sweep`: load one layer (statistics once), run methods, print results.
#include <iostream>
#include <string>

#include "commands.h"
#include "errors.h"
#include "io/atomic_output.h"
#include "io/result_export.h"
#include "layer_source.h"
#include "method_registry.h"
#include "output_error.h"
#include "progress.h"
#include "result_format.h"
#include "stderr_progress.h"

namespace layerlens::cli {

namespace {

LoadedLayer load(const Options& options, StderrProgress& progress) {
    if (!options.source_given) throw ParameterError(options.command + " needs a layer file or --demo");
    progress.begin("statistics");
    LoadedLayer loaded = load_layer(options.source, progress);
    progress.finish();
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

// Runs one method (job `index` of `count` on the progress line); prints its warnings; frees Ŵ
// unless it is to be exported (a table of many results would otherwise hold every method's
// weight-sized matrices).
MethodResult run_one(const std::string& name, const LoadedLayer& loaded, const OutputError& judge,
                     const CompressionParams& params, bool keep, StderrProgress& progress, size_t index, size_t count) {
    progress.begin(count > 1 ? name + " " + std::to_string(index + 1) + "/" + std::to_string(count) : name);
    MethodResult result = run_method(find_method(name), loaded.layer, loaded.stats, params, progress, judge);
    progress.finish();
    for (const auto& w : result.warnings) std::cerr << "warning: " << name << ": " << w << "\n";
    if (!keep) result.release_matrices();
    return result;
}

// Every point, in order. A method whose result cannot be judged (InputError: a Ŵ beyond float32's
// range, say) does not take the others' rows with it: they are printed and its message follows,
// exit 1. When every point failed (the layer itself cannot be judged) the first message stands alone.
struct Point {
    const std::string& method;
    const CompressionParams& params;
};
int run_points(const Options& options, const LoadedLayer& loaded, const std::vector<Point>& points, bool keep,
               StderrProgress& progress, std::vector<MethodResult>& results, bool single) {
    const OutputError judge(loaded.layer.W, loaded.stats);   // shared by every method
    std::vector<std::string> failures;
    std::exception_ptr first_failure;
    for (size_t k = 0; k < points.size(); ++k) {
        try {
            results.push_back(run_one(points[k].method, loaded, judge, points[k].params, keep, progress, k, points.size()));
        } catch (const InputError& e) {
            if (points.size() == 1) throw;
            progress.fail();
            if (!first_failure) first_failure = std::current_exception();
            failures.push_back(points[k].method + ": " + e.what());
        }
    }
    if (results.empty() && first_failure) std::rethrow_exception(first_failure);
    print_results(options, loaded, results, single);
    for (const std::string& failure : failures) std::cerr << "layerlens-cli: error: " << failure << "\n";
    return failures.empty() ? 0 : 1;
}

}  // namespace

int run_run(const Options& options) {
    if (options.command == "run" && options.methods.size() != 1)
        throw ParameterError("run takes one --method; use compare for several");
    if (!options.export_path.empty() && options.methods.size() != 1)
        throw ParameterError("--export writes one method's result; give one --method");
    if (!options.export_path.empty())
        check_output_target("--export", options.export_path, options.force, {options.source.path, options.source.inputs_path});
    StderrProgress progress(options.command, options.quiet);
    const LoadedLayer loaded = load(options, progress);
    // Every parameter is checked against the layer before the first (possibly long) method runs.
    for (const auto& name : options.methods) validate_method(find_method(name), loaded.layer, options.params);
    std::vector<Point> points;
    for (const auto& name : options.methods) points.push_back({name, options.params});
    std::vector<MethodResult> results;
    const int status = run_points(options, loaded, points, !options.export_path.empty(), progress, results, options.command == "run");
    if (status != 0) return status;
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
    StderrProgress progress("sweep", options.quiet);
    const LoadedLayer loaded = load(options, progress);
    for (const SweepPoint& point : plan.points) validate_method(find_method(point.method), loaded.layer, point.params);
    std::vector<Point> points;
    for (const SweepPoint& point : plan.points) points.push_back({point.method, point.params});
    std::vector<MethodResult> results;
    return run_points(options, loaded, points, false, progress, results, false);
}

}  // namespace layerlens::cli
