// Rank-r factorisations W ≈ B·A (the AWP seed's "related work", LatentLLM):
//   svd:  truncated SVD of W, optimal for ‖W − BA‖_F (ignores the activations);
//   asvd: SVD of W C^{1/2} = U S Vᵀ, B = U_r, A = S_r V_rᵀ C^{-1/2}, the global optimum of
//         ‖X(W − BA)ᵀ‖²_F because ‖X Δᵀ‖²/n = ‖Δ C^{1/2}‖²_F and Eckart–Young applies to W C^{1/2}.
// The rank is given, or the largest with r·(d_out + d_in) ≤ P·d_out·d_in (parameters kept).
// All factorisation work is in double (Eigen BDCSVD, SelfAdjointEigenSolver): the tail of the
// spectrum is what E measures, and float would lose it on badly conditioned C.
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <string>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../progress.h"
#include "methods.h"
#include "symmetric_spectrum.h"

namespace layerlens {

namespace {

Eigen::Index resolve_rank(const Layer& layer, const CompressionParams& params) {
    const Eigen::Index full = std::min(layer.d_out(), layer.d_in());
    if (params.rank > 0) return std::min<Eigen::Index>(params.rank, full);
    const double budget = params.param_ratio * static_cast<double>(layer.d_out()) * static_cast<double>(layer.d_in()) /
                          static_cast<double>(layer.d_out() + layer.d_in());
    return std::clamp<Eigen::Index>(static_cast<Eigen::Index>(std::floor(budget)), 1, full);
}

void validate_low_rank(const Layer&, const CompressionParams& params) {
    if (params.rank < 0) throw ParameterError("rank must be >= 0 (0 = from the parameter ratio), got " + std::to_string(params.rank));
    if (params.rank == 0 && !(params.param_ratio > 0.0 && params.param_ratio <= 1.0))
        throw ParameterError("parameter ratio must be in (0, 1], got " + std::to_string(params.param_ratio));
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

MethodResult run_svd(const Layer& layer, const CalibrationStats&, const CompressionParams& params, Progress& progress) {
    const Eigen::Index r = resolve_rank(layer, params);
    progress.report(0.0, "SVD of W");
    const Eigen::BDCSVD<MatrixD> svd(layer.W.cast<double>(), Eigen::ComputeThinU | Eigen::ComputeThinV);
    progress.check();
    const MatrixD B = svd.matrixU().leftCols(r) * svd.singularValues().head(r).asDiagonal();
    return factor_result(layer, params, r, B, svd.matrixV().leftCols(r).transpose());
}

// With C = Q Λ Qᵀ, W C^{1/2} = (W Q Λ^{1/2}) Qᵀ, so the SVD of M = W Q Λ^{1/2} = Ũ S Ṽᵀ gives
// W C^{1/2} = Ũ S (Q Ṽ)ᵀ and A = S_r Ṽ_rᵀ Λ^{-1/2} Qᵀ: C^{±1/2} are never formed.
// Singular C (dead channels, fewer tokens than channels): eigenvalues below 1e-10·λ_max are
// raised to that floor (damped_eigen), so Λ^{-1/2} is finite; directions C cannot see then get
// Ŵ ≈ W's own component (scaled back by the same floor), and E moves by ≤ 1e-10 relative.
MethodResult run_asvd(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                      Progress& progress) {
    const Eigen::Index r = resolve_rank(layer, params);
    progress.report(0.0, "eigendecomposition of C");
    const SymmetricEigen eigen = damped_eigen(stats.C);
    progress.check();
    const VectorD root = eigen.lambda.cwiseSqrt();
    const MatrixD M = (layer.W.cast<double>() * eigen.Q) * root.asDiagonal();
    progress.report(0.5, "SVD of W C^1/2");
    const Eigen::BDCSVD<MatrixD> svd(M, Eigen::ComputeThinU | Eigen::ComputeThinV);
    progress.check();
    const MatrixD A = svd.singularValues().head(r).asDiagonal() * svd.matrixV().leftCols(r).transpose() *
                      root.cwiseInverse().asDiagonal() * eigen.Q.transpose();
    MethodResult result = factor_result(layer, params, r, svd.matrixU().leftCols(r), A);
    result.scalars.emplace_back("damped_eigenvalues", static_cast<long long>(eigen.damped));
    if (eigen.damped > 0)
        result.warnings.push_back(std::to_string(eigen.damped) + " eigenvalue(s) of C below 1e-10 lambda_max raised to that floor");
    return result;
}

}  // namespace

MethodInfo svd_method() {
    return {"svd", "SVD", "Truncated SVD of W at the rank that keeps the parameter budget (ignores activations).",
            MethodKind::LowRank, validate_low_rank, run_svd};
}

MethodInfo asvd_method() {
    return {"asvd", "aSVD", "Activation-aware SVD: the optimal rank-r factorisation for the output error, via W C^1/2.",
            MethodKind::LowRank, validate_low_rank, run_asvd};
}

}  // namespace layerlens
