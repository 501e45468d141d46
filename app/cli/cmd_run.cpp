// `run`, `compare` and `sweep`: load one layer (statistics once), run methods, print results.
#include <QJsonArray>
#include <cstdio>
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
    if (!options.source_given) throw ParameterError(options.command + " needs an HDF5 file or --demo");
    Progress quiet;
    LoadedLayer loaded = load_layer(options.source, quiet);
    for (const auto& w : loaded.stats.warnings) std::cerr << "warning: " << loaded.source << ": " << w << "\n";
    return loaded;
}

void print_results(const Options& options, const LoadedLayer& loaded, const std::vector<MethodResult>& results,
                   bool single_object) {
    if (options.json) {
        if (single_object) {
            std::cout << to_json_text(result_to_json(loaded.layer.name, results.front()));
        } else {
            QJsonArray array;
            for (const auto& r : results) array.append(result_to_json(loaded.layer.name, r));
            std::cout << to_json_text(array);
        }
    } else if (options.csv) {
        std::cout << results_to_csv(loaded.layer.name, results);
    } else {
        std::cout << loaded.source << "  (" << loaded.layer.d_out() << " x " << loaded.layer.d_in() << ", "
                  << loaded.stats.n_tokens << " tokens, outliers " << loaded.stats.outlier_strength() << "x)\n"
                  << results_to_table(results);
    }
}

}  // namespace

int run_run(const Options& options) {
    if (options.methods.empty()) throw ParameterError(options.command + " needs --method NAME (see `layerlens-cli methods`)");
    if (options.command == "run" && options.methods.size() != 1)
        throw ParameterError("run takes one --method; use compare for several");
    if (!options.export_path.empty() && options.methods.size() != 1)
        throw ParameterError("--export writes one method's result; give one --method");
    // Validate every parameter before the (possibly long) load.
    const LoadedLayer loaded = load(options);
    for (const auto& name : options.methods) find_method(name).validate(loaded.layer, options.params);
    std::vector<MethodResult> results;
    Progress quiet;
    for (const auto& name : options.methods) {
        results.push_back(run_method(find_method(name), loaded.layer, loaded.stats, options.params, quiet));
        for (const auto& w : results.back().warnings) std::cerr << "warning: " << name << ": " << w << "\n";
        // Only an export needs Ŵ; the table does not, and holding every method's would add up.
        if (options.export_path.empty()) results.back().release_matrices();
    }
    print_results(options, loaded, results, options.command == "run");
    if (!options.export_path.empty()) {
        export_result(options.export_path, loaded.layer, results.front(), options.force);
        std::cerr << "wrote " << options.export_path << "\n";
    }
    return 0;
}

int run_sweep(const Options& options) {
    if (options.methods.empty()) throw ParameterError("sweep needs --methods A,B,...");
    if (options.sweep_sparsities.empty() == options.sweep_bits.empty())
        throw ParameterError("sweep needs exactly one of --sparsities 0.5,0.6,... and --bits 2,3,4,...");
    const LoadedLayer loaded = load(options);
    std::vector<CompressionParams> points;
    for (double s : options.sweep_sparsities) { CompressionParams p = options.params; p.sparsity = s; points.push_back(p); }
    for (int b : options.sweep_bits) { CompressionParams p = options.params; p.bits = b; points.push_back(p); }
    for (const auto& name : options.methods)
        for (const auto& p : points) find_method(name).validate(loaded.layer, p);
    std::vector<MethodResult> results;
    Progress quiet;
    for (const auto& name : options.methods)
        for (const auto& p : points) {
            results.push_back(run_method(find_method(name), loaded.layer, loaded.stats, p, quiet));
            results.back().release_matrices();
        }
    print_results(options, loaded, results, false);
    return 0;
}

}  // namespace layerlens::cli
