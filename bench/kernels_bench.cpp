// The products AWP's iteration could be built from, on a 4096 x 4096 layer:
//   dense   (W − Θ)·C, one float GEMM (what AWP does);
//   sparse  Θ·C with Θ stored sparse (row-major, Eigen's sparse x dense product) at the density
//           a sparsity budget leaves — G = W·C − Θ·C would then need this one product per step;
//   tokens  (W − Θ)·Xᵀ·X with n tokens, AWP's route when n < d_in/2.
// Run: layerlens_kernels --benchmark_min_time=1 (seconds per benchmark).
#include <benchmark/benchmark.h>

#include <Eigen/SparseCore>
#include <random>

#include "layer.h"

namespace {

using layerlens::MatrixF;
constexpr Eigen::Index kSize = 4096;

MatrixF random_dense(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    MatrixF m(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = normal(rng);
    return m;
}

void dense_gradient(benchmark::State& state) {
    const MatrixF delta = random_dense(kSize, kSize, 1), C = random_dense(kSize, kSize, 2);
    MatrixF G(kSize, kSize);
    for (auto _ : state) {
        G.noalias() = delta * C;
        benchmark::DoNotOptimize(G.data());
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * kSize * kSize * kSize, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

// Density in percent of nonzeros per row (a per-row budget: 50% sparsity keeps 50%).
void sparse_theta_times_C(benchmark::State& state) {
    const double density = static_cast<double>(state.range(0)) / 100.0;
    const MatrixF C = random_dense(kSize, kSize, 2);
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    std::vector<Eigen::Triplet<float>> entries;
    entries.reserve(static_cast<size_t>(density * kSize * kSize * 1.01));
    for (Eigen::Index i = 0; i < kSize; ++i)
        for (Eigen::Index j = 0; j < kSize; ++j)
            if (coin(rng) < density) entries.emplace_back(static_cast<int>(i), static_cast<int>(j), 1.0f);
    Eigen::SparseMatrix<float, Eigen::RowMajor> theta(kSize, kSize);
    theta.setFromTriplets(entries.begin(), entries.end());
    MatrixF G(kSize, kSize);
    for (auto _ : state) {
        G.noalias() = theta * C;
        benchmark::DoNotOptimize(G.data());
    }
    // Rated as the dense product it replaces, so the figure compares directly with dense_gradient.
    state.counters["dense-equivalent GFLOP/s"] = benchmark::Counter(
        2.0 * kSize * kSize * kSize, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void token_gradient(benchmark::State& state) {
    const Eigen::Index n = state.range(0);
    const MatrixF delta = random_dense(kSize, kSize, 1), X = random_dense(n, kSize, 4);
    MatrixF projected(kSize, n), G(kSize, kSize);
    for (auto _ : state) {
        projected.noalias() = delta * X.transpose();
        G.noalias() = projected * X;
        benchmark::DoNotOptimize(G.data());
    }
    state.counters["dense-equivalent GFLOP/s"] = benchmark::Counter(
        2.0 * kSize * kSize * kSize, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

}  // namespace

BENCHMARK(dense_gradient)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(sparse_theta_times_C)->Arg(50)->Arg(20)->Arg(10)->Arg(5)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(token_gradient)->Arg(512)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
