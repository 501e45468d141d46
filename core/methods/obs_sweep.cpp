#include "obs_sweep.h"

#include <algorithm>
#include <cassert>

#include "../calibration_stats.h"
#include "../progress.h"

namespace layerlens {

Eigen::Index ColumnRule::block_end(Eigen::Index begin, Eigen::Index block_size, Eigen::Index columns) const {
    return std::min(begin + block_size, columns);
}

SweepResult obs_sweep(MatrixF W, const MatrixF& U, ColumnRule& rule, Eigen::Index block_size,
                      Progress& progress, const std::string& stage) {
    const Eigen::Index rows = W.rows(), columns = W.cols();
    assert(U.rows() == columns && U.cols() == columns && block_size > 0);
    SweepResult result;
    result.Q.resize(rows, columns);
    MatrixF errors;
    VectorF q(rows), err(rows);
    VectorD row_energy = VectorD::Zero(rows);
    for (Eigen::Index begin = 0; begin < columns;) {
        progress.check();
        progress.report(static_cast<double>(begin) / static_cast<double>(columns), stage);
        const Eigen::Index end = rule.block_end(begin, block_size, columns);
        assert(end > begin && end <= columns);
        const Eigen::Index count = end - begin;
        rule.begin_block(W, U, begin, end);
        errors.resize(rows, count);
        for (Eigen::Index j = begin; j < end; ++j) {
            rule.target(W, U, j, q);
            result.Q.col(j) = q;
            const float diagonal = U(j, j);
            err = (W.col(j) - q) / diagonal;
            row_energy += err.cast<double>().cwiseAbs2();
            // Within the block: the remaining columns see this column's error now (rank 1).
            const Eigen::Index later = end - j - 1;
            if (later > 0) W.middleCols(j + 1, later).noalias() -= err * U.row(j).segment(j + 1, later);
            errors.col(j - begin) = err;
        }
        // After the block: one GEMM carries its errors to every later column.
        const Eigen::Index rest = columns - end;
        if (rest > 0) W.rightCols(rest).noalias() -= errors * U.block(begin, end, count, rest);
        begin = end;
    }
    result.obs_loss = 0.5 * row_energy.sum();
    result.row_error_energy = std::move(row_energy);
    progress.report(1.0, stage);
    return result;
}

VectorD obs_error_per_row(const MatrixF& W, const MatrixF& W_hat, const MatrixD& C, double lambda,
                          const VectorD& row_error_energy) {
    assert(W.rows() == W_hat.rows() && W.cols() == W_hat.cols() && C.rows() == W.cols());
    VectorD live_square = VectorD::Zero(W.rows()), dead_square = VectorD::Zero(W.rows());
    for (Eigen::Index j = 0; j < W.cols(); ++j) {
        if (C(j, j) == 0.0) dead_square += W_hat.col(j).cast<double>().cwiseAbs2();
        else live_square += (W.col(j).cast<double>() - W_hat.col(j).cast<double>()).cwiseAbs2();
    }
    return row_error_energy - lambda * live_square - (1.0 + lambda) * dead_square;
}

void record_second_order_outcome(MethodResult& result, const Layer& layer, const CalibrationStats& stats,
                                 const InverseHessianFactor& factor, SweepResult& sweep) {
    if (result.W_hat.size() == 0) result.W_hat = std::move(sweep.Q);
    VectorD per_row = obs_error_per_row(layer.W, result.W_hat, stats.C, factor.lambda, sweep.row_error_energy);
    // The damped sum ‖err‖² carries the sweep's float rounding; when the damping terms take most
    // of it away (few tokens, E near zero) what is left is mostly rounding: no closed form then.
    constexpr double kMaxCancellation = 100.0;
    const double closed = per_row.sum();
    if (closed > 0 && sweep.row_error_energy.sum() <= kMaxCancellation * closed) {
        result.closed_form_error.per_row = std::move(per_row);
        result.closed_form_error.weight = layer.W.data();
        result.closed_form_error.w_hat_digest = weight_digest(result.W_hat);
        result.closed_form_error.correlation = stats.C.data();
    }
    result.flops = obs_method_flops(layer.d_out(), layer.d_in());
    result.scalars.emplace_back("damp_used", factor.damp_used);
    result.scalars.emplace_back("dead_channels", static_cast<long long>(factor.dead.size()));
    result.scalars.emplace_back("obs_loss", sweep.obs_loss);
    result.warnings = factor.warnings;   // the factor may be shared with another method
}

}  // namespace layerlens
