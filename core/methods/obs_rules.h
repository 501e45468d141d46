#pragma once
// The column rules of the OBS sweep (obs_sweep.h): what GPTQ, SparseGPT and their joint form
// (prune and quantise in one sweep, as the reference sparsegpt.py does with --wbits) decide per
// column. Shared so that AWP can start from any of them and keep the grids they fitted.
#include <vector>

#include "../compression_params.h"
#include "../quant_grid.h"
#include "obs_sweep.h"

namespace layerlens {

// GPTQ: each group's grid (gptq quant.py: range contains 0) is fitted from the already-updated
// weights when the group begins; every column is rounded on its row's grid. The grids are kept
// as a QuantGrid in sweep order, so a caller can keep working on the same grid.
class GptqColumns final : public ColumnRule {
public:
    GptqColumns(int bits, Eigen::Index group_size, Eigen::Index rows, Eigen::Index columns);

    // The reference fits a group that starts inside a lazy block from its W, which has not yet
    // received that block's pending updates (only its copy W1 has). Ending every block at a group
    // start makes the fit see the fully updated weights, as the GPTQ paper describes; with the
    // defaults (group 128 = block 128, or one group per row) the blocks are the reference's.
    Eigen::Index block_end(Eigen::Index begin, Eigen::Index block_size, Eigen::Index columns) const override;
    void begin_block(const MatrixF& W, const MatrixF& U, Eigen::Index begin, Eigen::Index end) override;
    void target(const MatrixF& W, const MatrixF& U, Eigen::Index j, VectorF& q) override;

    // Fits the grids of the group starting at column `begin` from W, with entries that `kept`
    // (if not null) already marks as pruned counted as 0.
    void fit_group(const MatrixF& W, Eigen::Index begin, const MaskMatrix* kept);
    const QuantGrid& grid() const { return grid_; }

private:
    QuantGrid grid_;
    std::vector<GroupGrid> row_grids_;
};

// SparseGPT: the mask is chosen per lazy block from the OBS saliency w²/U_jj² of the updated
// weights (unstructured: one threshold over the block, all rows; N:M: per group of M when its
// first column is reached); pruned weights target 0, kept ones themselves.
class SparseGptColumns final : public ColumnRule {
public:
    SparseGptColumns(const CompressionParams& params, MaskMatrix& kept);

    // N:M groups are chosen when their first column is reached, from the columns of the group as
    // updated so far, so a group must not straddle two lazy blocks: blocks end on multiples of M
    // (the reference counts M from each block's start; equal for its block 128 and M = 4 or 8).
    Eigen::Index block_end(Eigen::Index begin, Eigen::Index block_size, Eigen::Index columns) const override;
    void begin_block(const MatrixF& W, const MatrixF& U, Eigen::Index begin, Eigen::Index end) override;
    void target(const MatrixF& W, const MatrixF& U, Eigen::Index j, VectorF& q) override;
    // Chooses the N:M group starting at j when j begins one (no-op otherwise).
    void choose_nm_group(const MatrixF& W, const MatrixF& U, Eigen::Index j);
    const MaskMatrix& kept() const { return kept_; }

private:
    NMPattern nm_;
    double sparsity_;
    MaskMatrix& kept_;
};

// Both in one sweep: SparseGPT's mask, and the kept weights rounded on GPTQ's grids (fitted
// with the block's pruned weights counted as 0, so a grid spans only what it must represent).
class JointColumns final : public ColumnRule {
public:
    JointColumns(const CompressionParams& params, int bits, Eigen::Index group_size, MaskMatrix& kept,
                 Eigen::Index rows, Eigen::Index columns);

    Eigen::Index block_end(Eigen::Index begin, Eigen::Index block_size, Eigen::Index columns) const override;
    void begin_block(const MatrixF& W, const MatrixF& U, Eigen::Index begin, Eigen::Index end) override;
    void target(const MatrixF& W, const MatrixF& U, Eigen::Index j, VectorF& q) override;
    const QuantGrid& grid() const { return quantize_.grid(); }

private:
    SparseGptColumns prune_;
    GptqColumns quantize_;
};

}  // namespace layerlens
