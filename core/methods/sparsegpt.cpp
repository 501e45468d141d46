// SparseGPT (Frantar & Alistarh 2023, Alg. 1; reference IST-DASLab sparsegpt.py
// SparseGPT.fasterprune @147d215): OBS pruning with weight updates. The mask is chosen
// adaptively, per lazy block, from the OBS saliency w²/[U]²_jj of the weights as updated so
// far; the kept weights then absorb the pruned weights' error through U (the sweep GPTQ uses).
#include <algorithm>
#include <chrono>
#include <string>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../progress.h"
#include "hessian_inverse.h"
#include "method_support.h"
#include "methods.h"
#include "obs_sweep.h"

namespace layerlens {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// OBS saliency of columns [begin, begin+count): w² / U_jj², squared before dividing as the reference.
MatrixF obs_saliency(const MatrixF& W, const MatrixF& U, Eigen::Index begin, Eigen::Index count) {
    MatrixF score(W.rows(), count);
    for (Eigen::Index c = 0; c < count; ++c) {
        const float d = U(begin + c, begin + c);
        score.col(c) = W.col(begin + c).array().square() / (d * d);
    }
    return score;
}

class SparseGptColumns final : public ColumnRule {
public:
    SparseGptColumns(const CompressionParams& params, MaskMatrix& kept)
        : nm_(params.nm), sparsity_(sparsity_or_default(params)), kept_(kept) {}

    // N:M groups are chosen when their first column is reached, from the columns of the group as
    // updated so far, so a group must not straddle two lazy blocks: blocks end on multiples of M
    // (the reference counts M from each block's start; equal for its block 128 and M = 4 or 8).
    Eigen::Index block_end(Eigen::Index begin, Eigen::Index block_size, Eigen::Index columns) const override {
        if (!nm_.active()) return std::min(begin + block_size, columns);
        const Eigen::Index m = nm_.m;
        return std::min(begin + std::max(m, block_size - block_size % m), columns);
    }
    // Unstructured: one threshold over the whole block (all rows x block columns), the
    // reference's rule: t = sorted score at rank floor(numel · s), every score <= t pruned.
    void begin_block(const MatrixF& W, const MatrixF& U, Eigen::Index begin, Eigen::Index end) override {
        if (nm_.active()) return;
        kept_.middleCols(begin, end - begin) = keep_above_threshold_rank(obs_saliency(W, U, begin, end - begin), sparsity_);
    }
    void target(const MatrixF& W, const MatrixF& U, Eigen::Index j, VectorF& q) override {
        if (nm_.active() && j % nm_.m == 0) kept_.middleCols(j, nm_.m) = keep_n_of_m(obs_saliency(W, U, j, nm_.m), nm_);
        for (Eigen::Index i = 0; i < W.rows(); ++i) q(i) = kept_(i, j) ? W(i, j) : 0.0f;
    }

private:
    NMPattern nm_;
    double sparsity_;
    MaskMatrix& kept_;
};


}  // namespace

MethodResult sparsegpt_prune(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params, Progress& progress) {
    MethodResult result;
    add_pruning_params(result.params, params);
    add_second_order_params(result.params, params);

    progress.check();
    auto start = Clock::now();
    SubProgress factor_progress(progress, 0.0, 0.4);
    factor_progress.report(0.0, "SparseGPT: factorising H");
    InverseHessianFactor factor = inverse_hessian_factor(stats.C, params.damp, factor_progress);
    if (!factor.ok)
        throw InputError("SparseGPT on " + layer.name + ": H + λI is not positive definite even with damping " +
                         std::to_string(factor.damp_used) + " (non-finite or corrupted calibration statistics?)");
    MatrixF W = layer.W;
    zero_dead_columns(W, factor.dead);
    result.timings.emplace_back("factorisation", seconds_since(start));

    start = Clock::now();
    result.kept_mask = MaskMatrix::Ones(layer.d_out(), layer.d_in());
    SparseGptColumns rule(params, result.kept_mask);
    SubProgress sweep_progress(progress, 0.4, 1.0);
    SweepResult sweep = obs_sweep(std::move(W), factor.U, rule, params.block_size, sweep_progress, "SparseGPT: pruning columns");
    result.timings.emplace_back("sweep", seconds_since(start));

    record_second_order_outcome(result, layer, factor, sweep);
    return result;
}

MethodInfo sparsegpt_method() {
    return {"sparsegpt", "SparseGPT",
            "Prune by OBS saliency w²/[H⁻¹]_jj chosen block by block, updating the kept weights to absorb "
            "the error (damp 0.01, block 128).",
            MethodKind::Pruning, joined(pruning_budget(), second_order_params()), nullptr, sparsegpt_prune};
}

}  // namespace layerlens
