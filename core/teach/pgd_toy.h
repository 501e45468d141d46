#pragma once
// The AWP paper's algorithm (seed Algorithm 1) on a problem small enough to follow by hand: one
// row of five weights w, a fixed 5 x 5 input auto-correlation C, keep k = 2 (constraint (6) for
// one row). Each iteration takes the gradient step Z = Θ + η (w − Θ) C and projects: keep the k
// largest |Z|, zero the rest. The loss is DESIGN.md's E for this row,
//   E(Θ) = (w − Θ) C (w − Θ)ᵀ / (w C wᵀ),
// which never rises when η ≤ 1/λ_max(C) (the proof is above core/methods/awp_step.h).
#include <vector>

#include "../layer.h"

namespace layerlens::teach {

struct PgdToyProblem {
    VectorD w;          // one row of weights
    MatrixD C;          // its inputs' auto-correlation: symmetric, positive semi-definite
    int k = 2;          // weights kept
    double eta = 0.0;   // step size; 0 = 1/λ_max(C), the paper's choice
};

// The classroom row: w = (0.3, 0.6, −0.7, 0.4, −0.2) on channels whose traffic √C_jj is
// (2, 0.5, 2, 0.5, 1), channel 2 correlated with 1 and 4. Magnitude pruning keeps 0.6 on a
// quiet channel; PGD, started there, swaps it for the small 0.3 on a busy channel.
PgdToyProblem classroom_pgd_toy();

// One iteration, from Θ(t) to Θ(t+1).
struct PgdToyStep {
    VectorD Theta;            // Θ(t)
    VectorD step;             // η (w − Θ(t)) C
    VectorD Z;                // Θ(t) + step
    VectorD Theta_next;       // Proj(Z)
    std::vector<char> kept;   // the support of Θ(t+1): the k largest |Z|
};

struct PgdToyRun {
    double eta = 0.0;
    double lambda_max = 0.0;
    std::vector<char> start_kept;    // Θ(0)'s support
    std::vector<PgdToyStep> steps;   // steps[t] takes Θ(t) to Θ(t+1)
    std::vector<double> E;           // E(Θ(0)), ..., E(Θ(T)): one entry more than steps
};

// Θ(0) = Proj(w), magnitude pruning (the k largest |w|), then `iterations` steps.
// ParameterError for a C that does not match w, k outside [0, n] or negative iterations.
PgdToyRun run_pgd_toy(const PgdToyProblem& problem, int iterations);

double toy_error(const VectorD& w, const MatrixD& C, const VectorD& Theta);
// The exact projection onto "at most k nonzeros": keeps the k entries with the largest |z|
// (ties to the lower index), zeros the rest; `kept` receives the support when given.
VectorD keep_largest(const VectorD& z, int k, std::vector<char>* kept = nullptr);

// The best any method could do with k weights: every support of size k, each with its best
// values (least squares through C). What the lesson compares PGD's answer with.
struct BestSparseRow {
    std::vector<int> support;
    VectorD Theta;
    double E = 0.0;
    int supports_tried = 0;
};
BestSparseRow best_sparse_row(const VectorD& w, const MatrixD& C, int k);

}  // namespace layerlens::teach
