#pragma once
// Optimal Brain Surgeon written plainly for the GPTQ and SparseGPT tests: double precision, no
// Cholesky, no blocks. Before column j the inverse of H restricted to the columns not yet
// visited (j..d−1) is formed densely; column j's target q is chosen, and the remaining weights
// of every row move by −(w_j − q)/[H_F⁻¹]_00 · [H_F⁻¹]_0,: (the OBS update of one weight).
#include <functional>

#include <Eigen/LU>

#include "layer.h"

namespace layerlens::test {

// H + λI with the reference's dead-channel rule (H_jj = 0 → 1) and λ = damp · mean diag.
inline MatrixD damped_hessian(MatrixD H, double damp) {
    for (Eigen::Index j = 0; j < H.rows(); ++j)
        if (H(j, j) == 0.0) H(j, j) = 1.0;
    H.diagonal().array() += damp * H.diagonal().mean();
    return H;
}

// [H_F⁻¹]_00 for F = {j, …, d−1}: the OBS denominator of column j (= U_jj² of the sweep).
inline double obs_denominator(const MatrixD& H, Eigen::Index j) {
    const Eigen::Index rest = H.rows() - j;
    return MatrixD(H.bottomRightCorner(rest, rest)).inverse()(0, 0);
}

// target(W, j) returns column j's target given the weights as updated so far.
inline MatrixD plain_obs(MatrixD W, const MatrixD& H, const std::function<VectorD(const MatrixD&, Eigen::Index)>& target) {
    const Eigen::Index d = W.cols();
    MatrixD Q(W.rows(), d);
    for (Eigen::Index j = 0; j < d; ++j) {
        const MatrixD Hinv = MatrixD(H.bottomRightCorner(d - j, d - j)).inverse();
        const VectorD q = target(W, j);
        Q.col(j) = q;
        for (Eigen::Index i = 0; i < W.rows(); ++i) {
            const double scaled = (W(i, j) - q(i)) / Hinv(0, 0);
            W.row(i).tail(d - j) -= scaled * Hinv.row(0);
        }
    }
    return Q;
}

}  // namespace layerlens::test
