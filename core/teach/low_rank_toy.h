#pragma once
// Activation-aware SVD against plain SVD (the AWP seed's "related work", LatentLLM) on a 2 x 2
// weight a student can draw. Plain SVD keeps the direction where W is strongest; aSVD takes the
// SVD of W C^{1/2}, keeps its top r, and multiplies by C^{-1/2} — the global optimum of
//   E(Ŵ) = tr((W − Ŵ) C (W − Ŵ)ᵀ) / tr(W C Wᵀ)
// over rank-r Ŵ, with the Eckart–Young value Σ_{i>r} s_i² / Σ s_i² (s = singular values of W C^{1/2}).
#include <vector>

#include "../layer.h"

namespace layerlens::teach {

// W = [[1.0, 0.5], [0.2, 0.9]] and traffic C = R(φ) diag(4, 0.09) R(φ)ᵀ: inputs spread 2 along
// the direction φ and 0.3 across it.
struct LowRankToy {
    MatrixD W;
    MatrixD C;
    double traffic_degrees = 0.0;
};
LowRankToy classroom_low_rank_toy(double traffic_degrees);

struct LowRankGuess {
    MatrixD W_hat;
    double E = 0.0;
};

struct LowRankComparison {
    LowRankGuess svd, asvd;
    double eckart_young = 0.0;   // the least E any rank-r matrix can reach
};

// Both rank-r approximations of W judged on C. C may be singular (its pseudo-inverse square root
// is used); ParameterError when the shapes do not match or r is outside [0, min(d_out, d_in)].
LowRankComparison compare_low_rank(const MatrixD& W, const MatrixD& C, int rank);

double toy_matrix_error(const MatrixD& W, const MatrixD& C, const MatrixD& W_hat);

// The input direction W amplifies most (its first right singular vector) of a 2 x 2 W, in degrees
// within [0, 180): traffic along it is where plain SVD and aSVD agree.
double strongest_input_degrees(const MatrixD& W);

// `count` inputs evenly around C's ellipse, x_i = C^{1/2} (cos 2πi/count, sin 2πi/count), for a
// 2 x 2 C: their mean x xᵀ is C/2, so E measured on them is E by C exactly.
std::vector<VectorD> traffic_points(const MatrixD& C, int count);

}  // namespace layerlens::teach
