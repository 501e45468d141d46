#pragma once
// Reductions of float matrices accumulated in double, the last step of every E and of each AWP
// iteration (tr(Δ C Δᵀ) from a float product). Eigen 3.4 does not vectorise a.cast<double>()
// inside a reduction; these loops are (3-4× faster over a 2048 × 2048 matrix, measured). Each
// sums in eight double lanes, so the rounding is that of pairwise-ish summation, not worse than
// Eigen's.
#include "layer.h"

namespace layerlens {

// Σ_ij a_ij b_ij (a and b of the same shape).
double dot_in_double(const MatrixF& a, const MatrixF& b);
// Σ_ij a_ij².
double squared_norm_in_double(const MatrixF& a);
// Σ_ij a_ij (2 b_ij − c_j a_ij): δᵀCδ summed over the rows of a = Δ, b = Δ·upper(C), c = diag C
// (see output_error.cpp); the difference is taken per entry, before any sum. a and b may be
// blocks of larger matrices.
double upper_form_in_double(const Eigen::Ref<const MatrixF>& a, const Eigen::Ref<const MatrixF>& b,
                            const Eigen::Ref<const VectorF>& c);

}  // namespace layerlens
