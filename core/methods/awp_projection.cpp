#include "awp_projection.h"

#include <cmath>

namespace layerlens {

Eigen::Index keep_count(Eigen::Index d_in, double sparsity) {
    return d_in - static_cast<Eigen::Index>(std::floor(static_cast<double>(d_in) * sparsity));
}

Eigen::Index keep_count_layer(Eigen::Index entries, double sparsity) {
    // 1e-9: 0.6·1000 is 600.0000000000001 in double, and must prune 600, not 601.
    return entries - static_cast<Eigen::Index>(std::ceil(static_cast<double>(entries) * sparsity - 1e-9));
}


MaskMatrix select_top(const MatrixF& score, const AwpConstraint& set) {
    switch (set.scope) {
        case MaskScope::Row: return keep_top_k_per_row(score, set.keep_per_row);
        case MaskScope::Layer: return keep_top_k_layer(score, set.keep_total);
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
            kept = set.scope == MaskScope::Row ? keep_top_k_per_row(Z, set.keep_per_row, RankBy::Magnitude)
                                               : select_top(Z.array().square().matrix(), set);
            // In place: Theta keeps its storage from one iteration to the next.
            Theta.resize(Z.rows(), Z.cols());
            Theta.array() = Z.array() * kept.cast<float>().array();
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
