// Rank-r factorisations W ≈ B·A (the AWP seed's "related work", LatentLLM):
//   svd:  truncated SVD of W, optimal for ‖W − BA‖_F (ignores the activations);
//   asvd: SVD of W C^{1/2} = U S Vᵀ, B = U_r, A = S_r V_rᵀ C^{-1/2}, the global optimum of
//         ‖X(W − BA)ᵀ‖²_F because ‖X Δᵀ‖²/n = ‖Δ C^{1/2}‖²_F and Eckart–Young applies to W C^{1/2}
//         (computed as A = U_rᵀ W, the same matrix without C^{-1/2}: see run_asvd).
// The rank is given, or the largest with r·(d_out + d_in) ≤ P·d_out·d_in (parameters kept).
// All factorisation work is in double (LAPACK's symmetric eigen-solver): the tail of the
// spectrum is what E measures, and float would lose it on badly conditioned C.
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <string>

#include "../calibration_stats.h"
#include "../budget_params.h"
#include "../errors.h"
#include "../progress.h"
#include "../symmetric_eigen.h"
#include "methods.h"

namespace layerlens {

namespace {

Eigen::Index resolve_rank(const Layer& layer, const CompressionParams& params) {
    const Eigen::Index full = std::min(layer.d_out(), layer.d_in());
    if (params.rank > 0) return std::min<Eigen::Index>(params.rank, full);
    const double budget = params.param_ratio * static_cast<double>(layer.d_out()) * static_cast<double>(layer.d_in()) /
                          static_cast<double>(layer.d_out() + layer.d_in());
    return std::clamp<Eigen::Index>(static_cast<Eigen::Index>(std::floor(budget)), 1, full);
}


MethodResult factor_result(const Layer& layer, const CompressionParams& params, Eigen::Index r, const MatrixD& B,
                           const MatrixD& A) {
    MethodResult result;
    result.params.emplace_back("rank", static_cast<long long>(r));
    if (params.rank == 0) result.params.emplace_back("param_ratio", params.param_ratio);
    result.B = B.cast<float>();
    result.A = A.cast<float>();
    result.W_hat = (B * A).cast<float>();
    const double d_out = static_cast<double>(layer.d_out()), d_in = static_cast<double>(layer.d_in());
    result.bits_per_weight = 16.0 * static_cast<double>(r) * (d_out + d_in) / (d_out * d_in);
    result.scalars.emplace_back("rank", static_cast<long long>(r));
    return result;
}

// Through the eigenvectors of the smaller Gram matrix (d_out² or d_in², double) rather than a full
// SVD: only the r leading eigenpairs are computed (LAPACK's dsyevr), far faster than a full SVD on
// 4096 x 4096 or 4096 x 11008, and accurate enough for E (the discarded energy Σ_{i>r} σ_i² is what
// the Gram eigenvalues measure directly).
//   d_out ≥ d_in: WᵀW = V S² Vᵀ, B = W V_r (= U_r S_r), A = V_rᵀ;
//   d_out < d_in: W Wᵀ = U S² Uᵀ, B = U_r S_r, A = S_r⁻¹ U_rᵀ W (= V_rᵀ; rows with σ = 0 are 0).
MethodResult run_svd(const Layer& layer, const CalibrationStats&, const CompressionParams& params, Progress& progress) {
    const Eigen::Index r = resolve_rank(layer, params);
    progress.report(0.0, "SVD of W");
    const MatrixD W = layer.W.cast<double>();
    if (W.rows() >= W.cols()) {
        const MatrixD gram = W.transpose() * W;
        progress.check();
        const MatrixD V_r = largest_eigenpairs(gram, r).vectors;
        progress.check();
        return factor_result(layer, params, r, W * V_r, V_r.transpose());
    }
    const MatrixD gram = W * W.transpose();
    progress.check();
    const Eigenpairs top = largest_eigenpairs(gram, r);
    progress.check();
    const VectorD sigma = top.values.cwiseMax(0.0).cwiseSqrt();
    const VectorD inverse = sigma.unaryExpr([](double s) { return s > 0.0 ? 1.0 / s : 0.0; });
    return factor_result(layer, params, r, top.vectors * sigma.asDiagonal(),
                         inverse.asDiagonal() * (top.vectors.transpose() * W));
}

// A = S_r V_rᵀ C^{-1/2} = U_rᵀ (W C^{1/2}) C^{-1/2} = U_rᵀ W, so Ŵ = U_r U_rᵀ W: W's rows projected
// onto the r output directions that carry the most output energy. Computing A as U_rᵀ W needs no
// inverse at all, so a singular C (dead channels, fewer tokens than channels) needs no damping
// and no floor: it is the limit of the damped formula (for C + δI the identity gives U_rᵀ W for
// every δ > 0), it reaches the Eckart–Young optimum exactly, and nothing is amplified by 1/√λ.
// Only U_r is needed, the top-r left singular vectors of W C^{1/2}, found the cheaper way:
//   d_out ≤ d_in: eigenvectors of W C Wᵀ = (W C^{1/2})(W C^{1/2})ᵀ, a d_out × d_out problem;
//   d_out > d_in: C = Q Λ Qᵀ (round-off negatives clamped to 0) and M = W Q Λ^{1/2}, which has the
//                 same left singular vectors as W C^{1/2} = M Qᵀ; the top right singular vectors
//                 V_r of M come from the d_in × d_in problem MᵀM, and U_r spans M V_r (an
//                 orthonormal basis of it, so directions with σ = 0 need no division).
MatrixD top_output_directions(const MatrixD& W, const MatrixD& C, Eigen::Index r, Progress& progress) {
    if (W.rows() <= W.cols()) {
        const MatrixD WC = W * C;
        const MatrixD K = WC * W.transpose();
        progress.check();
        return largest_eigenpairs(0.5 * (K + K.transpose()), r).vectors;
    }
    const Eigenpairs spectrum = largest_eigenpairs(C, C.rows());
    progress.check();
    const MatrixD M = W * (spectrum.vectors * spectrum.values.cwiseMax(0.0).cwiseSqrt().asDiagonal());
    const MatrixD gram = M.transpose() * M;
    progress.check();
    const MatrixD V_r = largest_eigenpairs(gram, r).vectors;
    progress.check();
    const Eigen::HouseholderQR<MatrixD> qr(M * V_r);
    return qr.householderQ() * MatrixD::Identity(W.rows(), r);
}

MethodResult run_asvd(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                      Progress& progress) {
    const Eigen::Index r = resolve_rank(layer, params);
    progress.report(0.0, "aSVD: output directions of W C^1/2");
    const MatrixD W = layer.W.cast<double>();
    const MatrixD U_r = top_output_directions(W, stats.C, r, progress);
    progress.check();
    return factor_result(layer, params, r, U_r, U_r.transpose() * W);
}

}  // namespace

MethodInfo svd_method() {
    return {"svd", "SVD", "Truncated SVD of W at the rank that keeps the parameter budget (ignores activations).",
            MethodKind::LowRank, {&rank_param(), &param_ratio_param()}, nullptr, run_svd};
}

MethodInfo asvd_method() {
    return {"asvd", "aSVD", "Activation-aware SVD: the optimal rank-r factorisation for the output error, via W C^1/2.",
            MethodKind::LowRank, {&rank_param(), &param_ratio_param()}, nullptr, run_asvd};
}

}  // namespace layerlens
