// `layerlens-cli bench`: per method on synthetic LLM-shaped layers (the demo generator),
// seconds, the method's counted floating-point work per second, and that rate as a fraction
// of this machine's float32 matrix-product rate measured in the same run on the same shape.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "commands.h"
#include "errors.h"
#include "input_source.h"
#include "method_registry.h"
#include "progress.h"
#include "result_json.h"
#include "stderr_progress.h"
#include "threads.h"

namespace layerlens::cli {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Best of three runs of the product every C-based method is built from: (d_out x d_in)(d_in x d_in).
double gemm_rate(Eigen::Index d_out, Eigen::Index d_in) {
    const MatrixF A = MatrixF::Random(d_out, d_in), C = MatrixF::Random(d_in, d_in);
    MatrixF out(d_out, d_in);
    double best = 1e30;
    for (int k = 0; k < 3; ++k) {
        const auto start = Clock::now();
        out.noalias() = A * C;
        best = std::min(best, since(start));
    }
    return 2.0 * double(d_out) * double(d_in) * double(d_in) / best;
}

double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// Linux lets a process reset its resident-set high-water mark (writing 5 to clear_refs), so each
// stage's own peak can be read from VmHWM afterwards. Returns false where that is not possible.
bool reset_stage_peak() {
    std::ofstream clear("/proc/self/clear_refs");
    return clear && (clear << "5").flush();
}

double stage_peak_mib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;   // kB
    return 0.0;
}

}  // namespace

int run_bench(const Options& options) {
    std::vector<std::string> shapes = options.bench_shapes;
    if (shapes.empty()) shapes = {"1024x1024"};
    std::vector<std::string> methods = options.methods;
    if (methods.empty()) methods = method_names();
    for (const auto& shape : shapes) {   // every shape refused before the first is measured
        DemoSpec spec;
        parse_shape(shape, spec.d_out, spec.d_in);
        spec.n_tokens = options.bench_tokens;
        check_demo_fits(spec, options.source.limits.max_weight_bytes);
    }
    nlohmann::json rows = nlohmann::json::array();
    if (!options.json)
        std::printf("threads %d, OpenBLAS kernels %s\n%-12s %-12s %9s %10s %8s %9s\n", thread_count(), blas_kernel_family(), "shape", "stage", "seconds", "GFLOP/s",
                    "of GEMM", "peak MiB");
    for (const auto& shape : shapes) {
        DemoSpec spec;
        parse_shape(shape, spec.d_out, spec.d_in);
        spec.n_tokens = options.bench_tokens;
        DemoLayer demo = make_demo_layer(spec);
        const double gemm = gemm_rate(spec.d_out, spec.d_in);
        StderrProgress progress("bench", options.quiet);
        bool stage_peaks = reset_stage_peak();
        progress.begin(shape + " statistics");
        auto start = Clock::now();
        const CalibrationStats stats = accumulate_statistics(MatrixInputSource(std::move(demo.X)), progress);
        const double stats_seconds = since(start);
        progress.clear();
        progress.finish();
        const double stats_flops = 2.0 * double(spec.n_tokens) * double(spec.d_in) * double(spec.d_in);
        // peak < 0: not measured for this row.
        auto print_row = [&](const std::string& stage, double seconds, double flops, double peak) {
            const double rate = flops > 0 ? flops / seconds : 0.0;
            if (options.json) {
                nlohmann::json o;
                o["shape"] = shape;
                o["tokens"] = static_cast<long long>(spec.n_tokens);
                o["stage"] = stage;
                o["seconds"] = seconds;
                o["flops"] = flops;
                o["gflops_per_second"] = rate / 1e9;
                o["gemm_gflops_per_second"] = gemm / 1e9;
                o["fraction_of_gemm"] = flops > 0 ? rate / gemm : 0.0;
                o["blas_kernels"] = blas_kernel_family();
                if (peak >= 0) o["peak_rss_mib"] = peak;
                rows.push_back(o);
                return;
            }
            char peak_text[32] = "-";
            if (peak >= 0) std::snprintf(peak_text, sizeof peak_text, "%.0f", peak);
            if (flops > 0)
                std::printf("%-12s %-12s %9.3f %10.1f %7.0f%% %9s\n", shape.c_str(), stage.c_str(), seconds, rate / 1e9,
                            100.0 * rate / gemm, peak_text);
            else
                std::printf("%-12s %-12s %9.3f %10s %8s %9s\n", shape.c_str(), stage.c_str(), seconds, "-", "-", peak_text);
        };
        print_row("gemm", 2.0 * double(spec.d_out) * double(spec.d_in) * double(spec.d_in) / gemm,
             2.0 * double(spec.d_out) * double(spec.d_in) * double(spec.d_in), -1.0);
        // The statistics' peak includes the demo inputs and the GEMM check above.
        print_row("statistics", stats_seconds, stats_flops, stage_peaks ? stage_peak_mib() : -1.0);
        double total = stats_seconds;
        for (const auto& name : methods) {
            CompressionParams params = options.params;
            stage_peaks = reset_stage_peak();
            progress.begin(shape + " " + name);
            const MethodResult r = run_method(find_method(name), demo.layer, stats, params, progress);
            progress.clear();   // the row below is the record: on a terminal it replaces the bar
            progress.finish();
            print_row(name, r.seconds, r.flops, stage_peaks ? stage_peak_mib() : -1.0);
            total += r.seconds;
        }
        print_row("all", total, 0.0, -1.0);
        if (!options.json) std::printf("%-12s peak RSS %.0f MiB\n", shape.c_str(), peak_rss_mib());
    }
    if (options.json) std::cout << json_text(rows);
    return 0;
}

}  // namespace layerlens::cli
