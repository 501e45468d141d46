// `layerlens-cli bench`: seconds per method on synthetic LLM-shaped layers (filled in by the
// methods work; here the statistics pass alone).
#include <chrono>
#include <cstdio>

#include "commands.h"
#include "errors.h"
#include "layer_source.h"
#include "progress.h"

namespace layerlens::cli {

int run_bench(const Options& options) {
    std::vector<std::string> shapes = options.bench_shapes;
    if (shapes.empty()) shapes = {"1024x1024"};
    for (const auto& shape : shapes) {
        LayerSource source;
        source.demo = true;
        parse_shape(shape, source.demo_spec.d_out, source.demo_spec.d_in);
        source.demo_spec.n_tokens = options.bench_tokens;
        Progress quiet;
        const auto start = std::chrono::steady_clock::now();
        const LoadedLayer loaded = load_layer(source, quiet);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("%s tokens=%lld load+statistics %.3f s\n", shape.c_str(), options.bench_tokens, seconds);
    }
    return 0;
}

}  // namespace layerlens::cli
