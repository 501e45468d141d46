#include "awq_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../param_builders.h"
#include "../progress.h"
#include "../sparsity_mask.h"
#include "awq_error.h"
#include "method_support.h"

namespace layerlens {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// llm-awq's loop `for i_s in range(int(max_shrink * n_grid))`: the C cast truncates as int() does.
int shrink_steps(int n_grid, double max_shrink) { return static_cast<int>(max_shrink * n_grid); }

using ArrayF = Eigen::Array<float, Eigen::Dynamic, 1>;

// pseudo_quantize_tensor(clamp(w, −m_i, m_i)) for every row i of one group block (d_out × group,
// a column block of W·diag(s)), vectorised down the rows. Bit-identical to fit_group_grid
// (MinMax) + GroupGrid::quantize on the clamped values: the min/max of clamped values are the
// clamped min/max, and the same float operations follow (division, round half to even).
// m_i = +∞ means no clipping.
void quantize_group_block(const Eigen::Ref<const MatrixF>& block, const VectorF& max_values, int bits,
                          Eigen::Ref<MatrixF> out) {
    const float max_q = static_cast<float>((1 << bits) - 1);
    const ArrayF m = max_values.array();
    const ArrayF lo = block.rowwise().minCoeff().array().max(-m).min(m);
    const ArrayF hi = block.rowwise().maxCoeff().array().max(-m).min(m);
    const ArrayF scale = (hi - lo).max(1e-5f) / max_q;
    const ArrayF zero = (-(lo / scale).rint()).max(0.0f).min(max_q);
    for (Eigen::Index k = 0; k < block.cols(); ++k) {
        const ArrayF x = block.col(k).array().max(-m).min(m);
        const ArrayF q = ((x / scale).rint() + zero).max(0.0f).min(max_q);
        out.col(k) = ((q - zero) * scale).matrix();
    }
}

void mask_block(Eigen::Ref<MatrixF> block, const MaskMatrix& mask, Eigen::Index first_col) {
    block.array() *= mask.middleCols(first_col, block.cols()).cast<float>().array();
}

std::vector<int> top_channels(const VectorD& mean_abs, double fraction) {
    const auto d_in = static_cast<Eigen::Index>(mean_abs.size());
    const auto count = std::max<Eigen::Index>(1, static_cast<Eigen::Index>(std::floor(fraction * static_cast<double>(d_in))));
    std::vector<int> order(static_cast<size_t>(d_in));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return mean_abs(a) > mean_abs(b); });
    order.resize(static_cast<size_t>(std::min(count, d_in)));
    return order;
}

// Below this many weights per group block, starting threads costs more than the rounding (and a
// busy machine makes idle OpenMP threads very expensive).
constexpr Eigen::Index kParallelElements = 1 << 16;

}  // namespace

VectorD awq_weight_mean(const MatrixF& W, Eigen::Index group_size) {
    VectorD mean = VectorD::Zero(W.cols());
    if (W.rows() == 0) return mean;
    for (Eigen::Index first = 0; first < W.cols(); first += group_size) {
        const auto block = W.middleCols(first, group_size).cwiseAbs();
        // AutoAWQ adds 1e-6 to the group max so an all-zero group contributes zeros, not NaN.
        const VectorF group_max = block.rowwise().maxCoeff().array() + 1e-6f;
        mean.segment(first, group_size) =
            (group_max.cwiseInverse().asDiagonal() * block).colwise().sum().transpose().cast<double>();
    }
    return mean / static_cast<double>(W.rows());
}

VectorF awq_scales(const VectorD& mean_abs, const VectorD& weight_mean, double alpha) {
    const bool duo = weight_mean.size() > 0;
    VectorD s(mean_abs.size());
    for (Eigen::Index j = 0; j < s.size(); ++j) {
        double value = std::pow(mean_abs(j), alpha);
        if (duo) value /= std::pow(weight_mean(j), 1.0 - alpha) + 1e-4;
        s(j) = std::max(value, kAwqMinScale);
    }
    // Normalising by the geometric mean of the extremes keeps W·diag(s) in the weight's range.
    if (s.size() > 0) s /= std::sqrt(s.maxCoeff() * s.minCoeff());
    for (Eigen::Index j = 0; j < s.size(); ++j)
        if (!std::isfinite(s(j))) s(j) = 1.0;
    return s.cast<float>();
}

MatrixF awq_scaled_quantize(const MatrixF& W, const VectorF& s, int bits, Eigen::Index group_size,
                            const MaskMatrix* mask) {
    // Unclipped = clipped at +∞; this path rounds row groups in parallel.
    const MatrixF W_s = W * s.asDiagonal();
    const MatrixF no_clip = MatrixF::Constant(W.rows(), W.cols() / group_size, std::numeric_limits<float>::infinity());
    return awq_quantize_clipped(W_s, no_clip, bits, group_size, mask) * s.cwiseInverse().asDiagonal();
}

// Per group, all output rows at once: every shrink factor costs one (d_out × group)·(group ×
// group) product with the group's block of C', and the per-row errors are row sums. This is the
// reference's per-token error mean_t (x'_g·(w'_g − q_g))² = Δ_g C'_gg Δ_gᵀ without the tokens.
MatrixF awq_clip_search(const MatrixF& W_s, const MatrixF& C, const VectorF& s, int bits, Eigen::Index group_size,
                        int n_grid, double max_shrink, const MaskMatrix* mask, Progress& progress) {
    const Eigen::Index d_out = W_s.rows();
    const Eigen::Index groups = W_s.cols() / group_size;
    const int steps = shrink_steps(n_grid, max_shrink);
    MatrixF best_max(d_out, groups);
    MatrixF quantized(d_out, group_size), delta(d_out, group_size), delta_C(d_out, group_size);
    for (Eigen::Index g = 0; g < groups; ++g) {
        progress.check();
        const Eigen::Index first = g * group_size;
        const auto block = W_s.middleCols(first, group_size);
        const VectorF inverse = s.segment(first, group_size).cwiseInverse();
        const MatrixF C_g = inverse.asDiagonal() * C.block(first, first, group_size, group_size) * inverse.asDiagonal();
        const VectorF original_max = block.cwiseAbs().rowwise().maxCoeff();
        VectorF best_error = VectorF::Constant(d_out, std::numeric_limits<float>::infinity());
        best_max.col(g) = original_max;
        for (int step = 0; step < steps; ++step) {
            // float32 factor times the float32 max, as torch multiplies a float tensor by a scalar.
            const auto factor = static_cast<float>(1.0 - static_cast<double>(step) / n_grid);
            const VectorF max_values = original_max * factor;
            quantize_group_block(block, max_values, bits, quantized);
            if (mask) mask_block(quantized, *mask, first);
            delta = block - quantized;
            // Small blocks skip the threaded GEMM: its start-up costs more than the product.
            if (group_size * group_size * d_out >= kParallelElements * 16)
                delta_C.noalias() = delta * C_g;
            else
                delta_C.noalias() = delta.lazyProduct(C_g);
            const VectorF error = delta_C.cwiseProduct(delta).rowwise().sum();
            for (Eigen::Index i = 0; i < d_out; ++i)
                if (error(i) < best_error(i)) {   // strict: ties keep the larger range, as the reference
                    best_error(i) = error(i);
                    best_max(i, g) = max_values(i);
                }
        }
        progress.report(static_cast<double>(g + 1) / static_cast<double>(groups), "AWQ clip search");
    }
    return best_max;
}

MatrixF awq_quantize_clipped(const MatrixF& W_s, const MatrixF& max_values, int bits, Eigen::Index group_size,
                             const MaskMatrix* mask) {
    MatrixF W_hat(W_s.rows(), W_s.cols());
    const Eigen::Index groups = max_values.cols();
    // Groups are independent column blocks: one per thread when the layer is big enough.
#pragma omp parallel for schedule(static) if (W_s.size() >= kParallelElements)
    for (Eigen::Index g = 0; g < groups; ++g) {
        const Eigen::Index first = g * group_size;
        quantize_group_block(W_s.middleCols(first, group_size), max_values.col(g), bits,
                             W_hat.middleCols(first, group_size));
    }
    return mask ? apply_mask(W_hat, *mask) : W_hat;
}

std::vector<const ParamSpec*> awq_params() {
    // Defaults of llm-awq: α over 20 points of [0, 1), clip search over 20 shrink steps down to 0.5.
    static const ParamSpec grid = int_param("awq-grid", "α grid", "points of the α search over [0, 1)",
                                            &CompressionParams::awq_grid, 1, 10000);
    static const ParamSpec duo = flag_param("duo-scaling", "duo scaling", "AutoAWQ's s = a^α / w̄^(1−α) instead of a^α",
                                            &CompressionParams::awq_duo_scaling);
    static const ParamSpec clip = flag_param("clip", "clip search", "search a shrunk range per group after scaling",
                                             &CompressionParams::awq_clip);
    static const ParamSpec clip_grid = int_param("clip-grid", "clip grid", "shrink steps of the clip search",
                                                 &CompressionParams::clip_grid, 1, 10000);
    static const ParamSpec shrink = with(real_param("clip-max-shrink", "clip max shrink",
                                                    "largest fraction of the range the clip search may cut",
                                                    &CompressionParams::clip_max_shrink, 0.0, 1.0),
                                         [](ParamSpec& s) { s.max_exclusive = true; });
    return joined(quantization_budget(), {&grid, &duo, &clip, &clip_grid, &shrink});
}

QuantGrid awq_clipped_grid(const MatrixF& W_s, const MatrixF& max_values, int bits, Eigen::Index group_size) {
    QuantGrid grid;
    grid.bits = bits;
    grid.group_size = group_size;
    const Eigen::Index groups = W_s.cols() / group_size;
    grid.scale.resize(W_s.rows(), groups);
    grid.zero.resize(W_s.rows(), groups);
    const float max_q = static_cast<float>((1 << bits) - 1);
    for (Eigen::Index g = 0; g < groups; ++g) {
        const auto block = W_s.middleCols(g * group_size, group_size);
        const ArrayF m = max_values.size() ? ArrayF(max_values.col(g).array())
                                           : ArrayF::Constant(W_s.rows(), std::numeric_limits<float>::infinity());
        // The same float operations as quantize_group_block.
        const ArrayF lo = block.rowwise().minCoeff().array().max(-m).min(m);
        const ArrayF hi = block.rowwise().maxCoeff().array().max(-m).min(m);
        const ArrayF scale = (hi - lo).max(1e-5f) / max_q;
        grid.scale.col(g) = scale.matrix();
        grid.zero.col(g) = (-(lo / scale).rint()).max(0.0f).min(max_q).matrix();
    }
    return grid;
}

MethodResult awq_quantize(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                          const MaskMatrix* mask, Progress& progress, AwqGrid* grid) {
    const int bits = bits_or_default(params);
    const Eigen::Index group = resolve_group_size(params.group_size, layer.d_in());
    const int n = params.awq_grid;
    progress.check();
    progress.report(0.0, "AWQ: factoring C");
    const CandidateError output_error(layer.W, stats);
    const VectorD weight_mean = params.awq_duo_scaling ? awq_weight_mean(layer.W, group) : VectorD();

    MethodResult result;
    add_quantization_params(result.params, layer, params);
    result.params.emplace_back("scale_rule", std::string(params.awq_duo_scaling ? "duo" : "activation"));
    result.params.emplace_back("awq_grid", static_cast<long long>(n));
    result.params.emplace_back("clip", params.awq_clip);
    result.params.emplace_back("clip_grid", static_cast<long long>(params.clip_grid));
    result.params.emplace_back("clip_max_shrink", params.clip_max_shrink);

    // Scale search: every α judged by E of Q(W·diag(s))·diag(s)⁻¹; strict '<' keeps the first
    // of equal errors, as llm-awq's `if loss < best_error`.
    const auto scale_start = Clock::now();
    const double clip_share = params.awq_clip ? 0.5 : 0.0;
    std::vector<double> alpha_errors;
    double best_error = std::numeric_limits<double>::infinity();
    double best_alpha = 0.0;
    VectorF best_s = VectorF::Ones(layer.d_in());
    MatrixF best_W_hat = layer.W;
    for (int k = 0; k < n; ++k) {
        progress.check();
        const double alpha = static_cast<double>(k) / n;
        const VectorF s = awq_scales(stats.mean_abs, weight_mean, alpha);
        MatrixF candidate = awq_scaled_quantize(layer.W, s, bits, group, mask);
        const double error = output_error.relative(candidate, &progress);
        alpha_errors.push_back(error);
        if (error < best_error || k == 0) {
            best_error = error;
            best_alpha = alpha;
            best_s = s;
            best_W_hat = std::move(candidate);
        }
        progress.report((1.0 - clip_share) * (k + 1) / n, "AWQ scale search");
    }
    result.timings.emplace_back("scale_search", seconds_since(scale_start));

    double final_error = best_error;
    MatrixF max_values;   // empty: no clipping
    if (params.awq_clip) {
        const auto clip_start = Clock::now();
        const MatrixF W_s = layer.W * best_s.asDiagonal();
        SubProgress clip_progress(progress, 1.0 - clip_share, 1.0);
        max_values = awq_clip_search(W_s, stats.C_float, best_s, bits, group, params.clip_grid,
                                                   params.clip_max_shrink, mask, clip_progress);
        best_W_hat = awq_quantize_clipped(W_s, max_values, bits, group, mask) * best_s.cwiseInverse().asDiagonal();
        final_error = output_error.relative(best_W_hat);
        // Which (row, group) pairs the search shrank: how much clipping this layer wanted.
        const MatrixF original_max = [&] {
            MatrixF m(layer.d_out(), max_values.cols());
            for (Eigen::Index g = 0; g < m.cols(); ++g)
                m.col(g) = W_s.middleCols(g * group, group).cwiseAbs().rowwise().maxCoeff();
            return m;
        }();
        const auto clipped = (max_values.array() < original_max.array()).count();
        result.scalars.emplace_back("clipped_group_fraction",
                                    static_cast<double>(clipped) / static_cast<double>(std::max<Eigen::Index>(1, max_values.size())));
        result.timings.emplace_back("clip_search", seconds_since(clip_start));
    }

    if (grid) {
        grid->s = best_s;
        grid->grid = awq_clipped_grid(layer.W * best_s.asDiagonal(), max_values, bits, group);
    }
    result.W_hat = std::move(best_W_hat);
    result.channel_scales = best_s;
    result.protected_channels = top_channels(stats.mean_abs, 0.01);
    result.scalars.emplace_back("alpha", best_alpha);
    result.scalars.emplace_back("error_before_clip", best_error);
    result.scalars.emplace_back("error_after_clip", final_error);
    result.series.emplace_back("alpha_errors", std::move(alpha_errors));
    result.bits_per_weight = bits + 32.0 / static_cast<double>(group);
    return result;
}

}  // namespace layerlens
