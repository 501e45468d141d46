// The products AWP's iteration could be built from, on a 4096 x 4096 layer:
//   dense   (W − Θ)·C, one float GEMM (what AWP does);
//   sparse  Θ·C with Θ stored sparse (row-major, Eigen's sparse x dense product) at the density
//           a sparsity budget leaves — G = W·C − Θ·C would then need this one product per step;
//   tokens  (W − Θ)·Xᵀ·X with n tokens, AWP's route when n < d_in/2.
// And the damped inverse-Hessian factor GPTQ and SparseGPT share (inverse_hessian_factor: a
// blocked Cholesky and triangular inverse in double, checking for a cancel between panels)
// against LAPACK's own dpotrf + dtrtri on the same matrix, the same work with no checks.
// Run: layerlens_kernels --benchmark_min_time=1 (seconds per benchmark).
#include <benchmark/benchmark.h>

#include <Eigen/SparseCore>
#include <random>

#include "layer.h"
#include "methods/hessian_inverse.h"
#include "output_error.h"
#include "progress.h"

extern "C" {
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dtrtri_(const char* uplo, const char* diag, const int* n, double* a, const int* lda, int* info);
}

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

// The product behind every E = tr(Δ C Δᵀ) when no tokens are kept: Δ times C's upper triangle,
// half a GEMM's multiply-adds (rated as such, so it compares with dense_gradient); and the whole
// E as OutputError takes it (the same trmm in blocks of rows, each summed in double).
void upper_triangle_product(benchmark::State& state) {
    const MatrixF delta = random_dense(kSize, kSize, 1), C = random_dense(kSize, kSize, 2);
    MatrixF P(kSize, kSize);
    for (auto _ : state) {
        P.noalias() = delta * C.triangularView<Eigen::Upper>();
        benchmark::DoNotOptimize(P.data());
    }
    state.counters["GFLOP/s"] = benchmark::Counter(1.0 * kSize * kSize * kSize, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

void output_error_through_C(benchmark::State& state) {
    const MatrixF W = random_dense(kSize, kSize, 1), X = random_dense(2 * kSize, kSize, 5);
    const MatrixF C = X.transpose() * X / static_cast<float>(X.rows());
    const layerlens::OutputError error(W, C);
    const MatrixF delta = random_dense(kSize, kSize, 6) * 0.01f;
    for (auto _ : state) benchmark::DoNotOptimize(error.absolute(delta));
    state.counters["GFLOP/s"] = benchmark::Counter(1.0 * kSize * kSize * kSize, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

// A well-conditioned d x d Hessian as the statistics give it: XᵀX/n for 2d random tokens.
layerlens::MatrixD random_hessian(Eigen::Index d) {
    const MatrixF X = random_dense(2 * d, d, 5);
    return (X.transpose() * X).cast<double>() / static_cast<double>(2 * d);
}

void inverse_hessian_factor(benchmark::State& state) {
    const Eigen::Index d = state.range(0);
    const layerlens::MatrixD H = random_hessian(d);
    layerlens::Progress progress;
    for (auto _ : state) {
        const auto factor = layerlens::inverse_hessian_factor(H, 0.01, progress);
        if (!factor.ok) state.SkipWithError("not positive definite");
        benchmark::DoNotOptimize(factor.U.data());
    }
    // Counted as Cholesky (d³/3 flops) plus triangular inverse (d³/3).
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * d * d * d / 3.0, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

void lapack_potrf_trtri(benchmark::State& state) {
    const int d = static_cast<int>(state.range(0));
    const layerlens::MatrixD H = random_hessian(d);
    layerlens::MatrixD A;
    for (auto _ : state) {
        A = H;
        A.diagonal().array() += 0.01 * H.diagonal().mean();
        int info = 0;
        dpotrf_("L", &d, A.data(), &d, &info);
        if (info == 0) dtrtri_("L", "N", &d, A.data(), &d, &info);
        if (info != 0) state.SkipWithError("LAPACK failed");
        benchmark::DoNotOptimize(A.data());
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * d * d * d / 3.0, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

}  // namespace

BENCHMARK(dense_gradient)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(sparse_theta_times_C)->Arg(50)->Arg(20)->Arg(10)->Arg(5)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(token_gradient)->Arg(512)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK(upper_triangle_product)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(output_error_through_C)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(inverse_hessian_factor)->Arg(1024)->Arg(2048)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(lapack_potrf_trtri)->Arg(1024)->Arg(2048)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
