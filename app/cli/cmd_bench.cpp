// `layerlens-cli bench`: per method on synthetic LLM-shaped layers (the demo generator),
// seconds, the method's counted floating-point work per second, and that rate as a fraction
// of this machine's float32 matrix-product rate measured in the same run on the same shape.
#include <sys/resource.h>

#include <QJsonArray>
#include <QJsonObject>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "errors.h"
#include "input_source.h"
#include "method_registry.h"
#include "progress.h"
#include "result_format.h"
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

}  // namespace

int run_bench(const Options& options) {
    std::vector<std::string> shapes = options.bench_shapes;
    if (shapes.empty()) shapes = {"1024x1024"};
    std::vector<std::string> methods = options.methods;
    if (methods.empty()) methods = method_names();
    QJsonArray rows;
    if (!options.json)
        std::printf("threads %d\n%-12s %-12s %9s %10s %8s\n", thread_count(), "shape", "stage", "seconds", "GFLOP/s",
                    "of GEMM");
    for (const auto& shape : shapes) {
        DemoSpec spec;
        parse_shape(shape, spec.d_out, spec.d_in);
        spec.n_tokens = options.bench_tokens;
        DemoLayer demo = make_demo_layer(spec);
        const double gemm = gemm_rate(spec.d_out, spec.d_in);
        Progress quiet;
        auto start = Clock::now();
        const CalibrationStats stats = accumulate_statistics(MatrixInputSource(std::move(demo.X)), quiet);
        const double stats_seconds = since(start);
        const double stats_flops = 2.0 * double(spec.n_tokens) * double(spec.d_in) * double(spec.d_in);
        auto print_row = [&](const std::string& stage, double seconds, double flops) {
            const double rate = flops > 0 ? flops / seconds : 0.0;
            if (options.json) {
                QJsonObject o;
                o.insert("shape", QString::fromStdString(shape));
                o.insert("tokens", static_cast<qint64>(spec.n_tokens));
                o.insert("stage", QString::fromStdString(stage));
                o.insert("seconds", seconds);
                o.insert("flops", flops);
                o.insert("gflops_per_second", rate / 1e9);
                o.insert("gemm_gflops_per_second", gemm / 1e9);
                o.insert("fraction_of_gemm", flops > 0 ? rate / gemm : 0.0);
                rows.append(o);
            } else if (flops > 0) {
                std::printf("%-12s %-12s %9.3f %10.1f %7.0f%%\n", shape.c_str(), stage.c_str(), seconds, rate / 1e9,
                            100.0 * rate / gemm);
            } else {
                std::printf("%-12s %-12s %9.3f %10s %8s\n", shape.c_str(), stage.c_str(), seconds, "-", "-");
            }
        };
        print_row("gemm", 2.0 * double(spec.d_out) * double(spec.d_in) * double(spec.d_in) / gemm,
             2.0 * double(spec.d_out) * double(spec.d_in) * double(spec.d_in));
        print_row("statistics", stats_seconds, stats_flops);
        double total = stats_seconds;
        for (const auto& name : methods) {
            CompressionParams params = options.params;
            const MethodResult r = run_method(find_method(name), demo.layer, stats, params, quiet);
            print_row(name, r.seconds, r.flops);
            total += r.seconds;
        }
        print_row("all", total, 0.0);
        if (!options.json) std::printf("%-12s peak RSS %.0f MiB\n", shape.c_str(), peak_rss_mib());
    }
    if (options.json) std::cout << to_json_text(rows);
    return 0;
}

}  // namespace layerlens::cli
