#pragma once
// Mask selection shared by every pruner: given a score per weight (|W|, Wanda's |W|·‖X_j‖,
// SparseGPT's w²/[U]²_jj), decide which weights are kept. A mask is 1 where a weight is kept.
// Ties are broken by index: among equal scores the lower channel index is pruned first, as a
// stable ascending sort does in the reference code.
#include "layer.h"

namespace layerlens {

// N:M semi-structured sparsity along the input dimension: at most n_keep nonzeros in every
// run of m consecutive input channels. n_keep == 0 && m == 0 means unstructured.
struct NMPattern {
    int n_keep = 0;
    int m = 0;
    bool active() const { return m > 0; }
};

// Throws ParameterError unless 0 <= sparsity < 1.
void validate_sparsity(double sparsity);
// Throws ParameterError unless 0 < n_keep <= m and m divides d_in.
void validate_nm(const NMPattern& nm, Eigen::Index d_in);

// Prunes floor(d_in · sparsity) lowest-scoring weights in every row (Wanda's comparison group).
MaskMatrix keep_per_row(const MatrixF& score, double sparsity);
// Keeps the `keep` highest-scoring weights of every row (clamped to [0, d_in]), ranked by the
// score itself or by its magnitude (|z|, which orders like z²). Ties as above.
enum class RankBy { Value, Magnitude };
MaskMatrix keep_top_k_per_row(const MatrixF& score, Eigen::Index keep, RankBy rank = RankBy::Value);
// Keeps exactly `keep` highest-scoring weights over the whole matrix.
MaskMatrix keep_top_k_layer(const MatrixF& score, Eigen::Index keep);
// Keeps the n_keep highest-scoring weights of every group of m input channels in every row.
MaskMatrix keep_n_of_m(const MatrixF& score, const NMPattern& nm);
// The reference's layer-wide threshold rule (wanda prune_magnitude, sparsegpt's block mask):
// t = the value at rank floor(count · sparsity) of the sorted scores; every score <= t is pruned.
// Without ties that prunes floor(count · sparsity) + 1 weights; sparsity 0 prunes nothing.
MaskMatrix keep_above_threshold_rank(const MatrixF& score, double sparsity);

Eigen::Index count_kept(const MaskMatrix& mask);
// Zero wherever the mask is 0.
MatrixF apply_mask(const MatrixF& W, const MaskMatrix& mask);

}  // namespace layerlens
