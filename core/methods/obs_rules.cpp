#include "obs_rules.h"

#include <algorithm>

#include "../sparsity_mask.h"
#include "method_support.h"

namespace layerlens {

namespace {
// OBS saliency of columns [begin, begin+count): w² / U_jj², squared before dividing as the reference.
MatrixF obs_saliency(const MatrixF& W, const MatrixF& U, Eigen::Index begin, Eigen::Index count) {
    MatrixF score(W.rows(), count);
    for (Eigen::Index c = 0; c < count; ++c) {
        const float d = U(begin + c, begin + c);
        score.col(c) = W.col(begin + c).array().square() / (d * d);
    }
    return score;
}
}  // namespace

// ---- GPTQ -----------------------------------------------------------------------------------
GptqColumns::GptqColumns(int bits, Eigen::Index group_size, Eigen::Index rows, Eigen::Index columns)
    : row_grids_(static_cast<size_t>(rows)) {
    grid_.bits = bits;
    grid_.group_size = group_size;
    grid_.scale = MatrixF::Ones(rows, columns / group_size);
    grid_.zero = MatrixF::Zero(rows, columns / group_size);
}

Eigen::Index GptqColumns::block_end(Eigen::Index begin, Eigen::Index block_size, Eigen::Index columns) const {
    const Eigen::Index group = grid_.group_size;
    const Eigen::Index next_group = (begin / group + 1) * group;
    return std::min({begin + block_size, next_group, columns});
}

void GptqColumns::fit_group(const MatrixF& W, Eigen::Index begin, const MaskMatrix* kept) {
    const Eigen::Index group = grid_.group_size, g = begin / group;
    VectorF values(group);
    for (Eigen::Index i = 0; i < W.rows(); ++i) {
        GroupGrid fitted;
        if (kept) {
            for (Eigen::Index c = 0; c < group; ++c) values(c) = (*kept)(i, begin + c) ? W(i, begin + c) : 0.0f;
            fitted = fit_group_grid(values.data(), group, 1, grid_.bits, GridRange::IncludeZero);
        } else {
            fitted = fit_group_grid(&W(i, begin), group, W.rows(), grid_.bits, GridRange::IncludeZero);
        }
        row_grids_[static_cast<size_t>(i)] = fitted;
        grid_.scale(i, g) = fitted.scale;
        grid_.zero(i, g) = fitted.zero;
    }
}

void GptqColumns::begin_block(const MatrixF& W, const MatrixF&, Eigen::Index begin, Eigen::Index) {
    if (begin % grid_.group_size == 0) fit_group(W, begin, nullptr);
}

void GptqColumns::target(const MatrixF& W, const MatrixF&, Eigen::Index j, VectorF& q) {
    for (Eigen::Index i = 0; i < W.rows(); ++i) q(i) = row_grids_[static_cast<size_t>(i)].quantize(W(i, j));
}

// ---- SparseGPT ------------------------------------------------------------------------------
SparseGptColumns::SparseGptColumns(const CompressionParams& params, MaskMatrix& kept)
    : nm_(params.nm), sparsity_(sparsity_or_default(params)), kept_(kept) {}

Eigen::Index SparseGptColumns::block_end(Eigen::Index begin, Eigen::Index block_size, Eigen::Index columns) const {
    if (!nm_.active()) return std::min(begin + block_size, columns);
    const Eigen::Index m = nm_.m;
    return std::min(begin + std::max(m, block_size - block_size % m), columns);
}

// Unstructured: one threshold over the whole block (all rows x block columns), the
// reference's rule: t = sorted score at rank floor(numel · s), every score <= t pruned.
void SparseGptColumns::begin_block(const MatrixF& W, const MatrixF& U, Eigen::Index begin, Eigen::Index end) {
    if (nm_.active()) return;
    kept_.middleCols(begin, end - begin) = keep_above_threshold_rank(obs_saliency(W, U, begin, end - begin), sparsity_);
}

void SparseGptColumns::choose_nm_group(const MatrixF& W, const MatrixF& U, Eigen::Index j) {
    if (nm_.active() && j % nm_.m == 0) kept_.middleCols(j, nm_.m) = keep_n_of_m(obs_saliency(W, U, j, nm_.m), nm_);
}

void SparseGptColumns::target(const MatrixF& W, const MatrixF& U, Eigen::Index j, VectorF& q) {
    choose_nm_group(W, U, j);
    for (Eigen::Index i = 0; i < W.rows(); ++i) q(i) = kept_(i, j) ? W(i, j) : 0.0f;
}

// ---- joint ----------------------------------------------------------------------------------
JointColumns::JointColumns(const CompressionParams& params, int bits, Eigen::Index group_size, MaskMatrix& kept,
                           Eigen::Index rows, Eigen::Index columns)
    : prune_(params, kept), quantize_(bits, group_size, rows, columns) {}

Eigen::Index JointColumns::block_end(Eigen::Index begin, Eigen::Index block_size, Eigen::Index columns) const {
    return std::min(prune_.block_end(begin, block_size, columns), quantize_.block_end(begin, block_size, columns));
}

// The mask of the block first, so the group's grid is fitted to what survives. (With N:M the
// groups are chosen later, column by column; the grid then sees every weight of the group.)
void JointColumns::begin_block(const MatrixF& W, const MatrixF& U, Eigen::Index begin, Eigen::Index end) {
    prune_.begin_block(W, U, begin, end);
    if (begin % quantize_.grid().group_size == 0) quantize_.fit_group(W, begin, &prune_.kept());
}

void JointColumns::target(const MatrixF& W, const MatrixF& U, Eigen::Index j, VectorF& q) {
    prune_.choose_nm_group(W, U, j);
    quantize_.target(W, U, j, q);
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        if (!prune_.kept()(i, j)) q(i) = 0.0f;
}

}  // namespace layerlens
