#include "low_rank_toy.h"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "../errors.h"

namespace layerlens::teach {

LowRankToy classroom_low_rank_toy(double traffic_degrees) {
    LowRankToy toy;
    toy.traffic_degrees = traffic_degrees;
    toy.W.resize(2, 2);
    toy.W << 1.0, 0.5, 0.2, 0.9;
    const double phi = traffic_degrees * std::numbers::pi / 180.0;
    MatrixD R(2, 2);
    R << std::cos(phi), -std::sin(phi), std::sin(phi), std::cos(phi);
    toy.C = R * Eigen::Vector2d(4.0, 0.09).asDiagonal() * R.transpose();
    return toy;
}

double toy_matrix_error(const MatrixD& W, const MatrixD& C, const MatrixD& W_hat) {
    const double energy = (W * C * W.transpose()).trace();
    const MatrixD delta = W - W_hat;
    return energy > 0 ? (delta * C * delta.transpose()).trace() / energy : 0.0;
}

namespace {
// C^{1/2} and the pseudo-inverse C^{-1/2}; eigenvalues below 1e-12 of the largest count as zero.
void square_roots(const MatrixD& C, MatrixD& half, MatrixD& inverse_half) {
    const Eigen::SelfAdjointEigenSolver<MatrixD> eigen(C);
    const VectorD lambda = eigen.eigenvalues().cwiseMax(0.0);
    const double floor = 1e-12 * std::max(lambda.maxCoeff(), 0.0);
    VectorD root = lambda.cwiseSqrt(), inverse_root(lambda.size());
    for (Eigen::Index i = 0; i < lambda.size(); ++i) inverse_root(i) = lambda(i) > floor ? 1.0 / root(i) : 0.0;
    half = eigen.eigenvectors() * root.asDiagonal() * eigen.eigenvectors().transpose();
    inverse_half = eigen.eigenvectors() * inverse_root.asDiagonal() * eigen.eigenvectors().transpose();
}

MatrixD truncated(const MatrixD& M, int rank, VectorD* singular_values = nullptr) {
    const Eigen::JacobiSVD<MatrixD> svd(M, Eigen::ComputeThinU | Eigen::ComputeThinV);
    if (singular_values) *singular_values = svd.singularValues();
    const Eigen::Index r = rank;
    return svd.matrixU().leftCols(r) * svd.singularValues().head(r).asDiagonal() * svd.matrixV().leftCols(r).transpose();
}
}  // namespace

LowRankComparison compare_low_rank(const MatrixD& W, const MatrixD& C, int rank) {
    if (C.rows() != W.cols() || C.cols() != W.cols())
        throw ParameterError("the toy's C is " + std::to_string(C.rows()) + "x" + std::to_string(C.cols()) +
                             " but W has " + std::to_string(W.cols()) + " columns");
    if (rank < 0 || rank > std::min(W.rows(), W.cols()))
        throw ParameterError("rank " + std::to_string(rank) + " is outside [0, " +
                             std::to_string(std::min(W.rows(), W.cols())) + "]");
    LowRankComparison result;
    result.svd.W_hat = truncated(W, rank);
    MatrixD half, inverse_half;
    square_roots(C, half, inverse_half);
    VectorD s;
    // Eckart–Young on W C^{1/2}; the C^{-1/2} brings it back to a matrix that acts on x.
    result.asvd.W_hat = truncated(W * half, rank, &s) * inverse_half;
    result.svd.E = toy_matrix_error(W, C, result.svd.W_hat);
    result.asvd.E = toy_matrix_error(W, C, result.asvd.W_hat);
    const double total = s.squaredNorm();
    result.eckart_young = total > 0 ? s.tail(s.size() - rank).squaredNorm() / total : 0.0;
    return result;
}

double strongest_input_degrees(const MatrixD& W) {
    if (W.cols() != 2) throw ParameterError("strongest_input_degrees reads a W with 2 columns");
    const Eigen::JacobiSVD<MatrixD> svd(W, Eigen::ComputeThinV);
    const VectorD v = svd.matrixV().col(0);
    const double degrees = std::atan2(v(1), v(0)) * 180.0 / std::numbers::pi;
    return std::fmod(degrees + 360.0, 180.0);
}

std::vector<VectorD> traffic_points(const MatrixD& C, int count) {
    if (C.rows() != 2 || C.cols() != 2) throw ParameterError("traffic_points draws a 2 x 2 C");
    MatrixD half, inverse_half;
    square_roots(C, half, inverse_half);
    std::vector<VectorD> points;
    for (int i = 0; i < count; ++i) {
        const double angle = 2.0 * std::numbers::pi * i / count;
        points.push_back(half * Eigen::Vector2d(std::cos(angle), std::sin(angle)));
    }
    return points;
}

}  // namespace layerlens::teach
