#include "awp_projection.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace layerlens {

Eigen::Index keep_count(Eigen::Index d_in, double sparsity) {
    return d_in - static_cast<Eigen::Index>(std::floor(static_cast<double>(d_in) * sparsity));
}

namespace {
// Top-k of every row by nth_element: O(d_in) per row instead of a sort, since this runs once
// per PGD iteration on the whole layer.
MaskMatrix top_k_per_row(const MatrixF& score, Eigen::Index k) {
    const Eigen::Index rows = score.rows(), cols = score.cols();
    k = std::clamp<Eigen::Index>(k, 0, cols);
    MaskMatrix mask = MaskMatrix::Zero(rows, cols);
    if (k == 0) return mask;
    if (k == cols) return MaskMatrix::Ones(rows, cols);
    // Threads only pay off on real layers; on a busy machine an OpenMP region costs a time slice.
#pragma omp parallel if (rows * cols >= (1 << 16))
    {
        std::vector<float> row(static_cast<size_t>(cols));
        std::vector<Eigen::Index> order(static_cast<size_t>(cols));
#pragma omp for schedule(static)
        for (Eigen::Index i = 0; i < rows; ++i) {
            for (Eigen::Index j = 0; j < cols; ++j) row[static_cast<size_t>(j)] = score(i, j);
            std::iota(order.begin(), order.end(), Eigen::Index{0});
            auto before = [&](Eigen::Index a, Eigen::Index b) {
                const float sa = row[static_cast<size_t>(a)], sb = row[static_cast<size_t>(b)];
                return sa > sb || (sa == sb && a > b);
            };
            std::nth_element(order.begin(), order.begin() + k, order.end(), before);
            for (Eigen::Index r = 0; r < k; ++r) mask(i, order[static_cast<size_t>(r)]) = 1;
        }
    }
    return mask;
}
}  // namespace

MaskMatrix select_top(const MatrixF& score, const AwpConstraint& set) {
    switch (set.scope) {
        case MaskScope::Row: return top_k_per_row(score, set.keep_per_row);
        case MaskScope::Layer: return keep_top_k_layer(score, set.keep_per_row * score.rows());
        case MaskScope::NM: return keep_n_of_m(score, set.nm);
    }
    return {};
}

MatrixF joint_score(const MatrixF& Z, const MatrixF& Z_quantized) {
    return Z.array().square() - (Z - Z_quantized).array().square();
}

void project(const MatrixF& Z, const AwpConstraint& set, MatrixF& Theta, MaskMatrix& kept) {
    switch (set.kind) {
        case AwpSetKind::Prune:
            kept = select_top(Z.array().square().matrix(), set);
            Theta = apply_mask(Z, kept);
            return;
        case AwpSetKind::Quantize:
            Theta = set.grid.quantize(Z);
            kept.resize(0, 0);
            return;
        case AwpSetKind::Joint: {
            const MatrixF Z_quantized = set.grid.quantize(Z);
            kept = select_top(joint_score(Z, Z_quantized), set);
            Theta = apply_mask(Z_quantized, kept);
            return;
        }
    }
}

}  // namespace layerlens
