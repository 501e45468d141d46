#include "awp_default.h"

#include <limits>
#include <string>
#include <vector>

#include "../calibration_stats.h"
#include "../output_error.h"
#include "../progress.h"
#include "../sparsity_mask.h"
#include "awp_refine.h"
#include "awp_start.h"
#include "awq_search.h"
#include "method_support.h"
#include "methods.h"

namespace layerlens {

namespace {

// A feasible start and the space it lives in: Ŵ·diag(s) is on `grid` (s empty: s = 1).
struct Candidate {
    std::string name;
    MatrixF W_hat;
    MaskMatrix kept;
    VectorF s;
    QuantGrid grid;
    double E = std::numeric_limits<double>::infinity();   // judged on the set, by the layer's one judge
};

Candidate from_awq(std::string name, MethodResult result, AwqGrid grid) {
    return {std::move(name), std::move(result.W_hat), std::move(result.kept_mask), std::move(grid.s),
            std::move(grid.grid)};
}

// The candidates for the problem's kind, each with its share of the progress bar.
std::vector<Candidate> candidates(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                                  AwpSetKind kind, Progress& progress) {
    std::vector<Candidate> out;
    CompressionParams plain = params;
    plain.act_order = false;   // the grids must be in W's column order
    if (kind == AwpSetKind::Prune) {
        SubProgress sub(progress, 0.0, 0.3);
        MethodResult r = sparsegpt_prune(layer, stats, plain, sub);
        out.push_back({"sparsegpt", std::move(r.W_hat), std::move(r.kept_mask), {}, {}});
        return out;
    }
    if (kind == AwpSetKind::Quantize) {
        AwqGrid awq_grid;
        SubProgress awq_progress(progress, 0.0, 0.4);
        MethodResult awq = awq_quantize(layer, stats, plain, nullptr, awq_progress, &awq_grid);
        out.push_back(from_awq("awq", std::move(awq), std::move(awq_grid)));
        QuantGrid gptq_grid;
        SubProgress gptq_progress(progress, 0.4, 0.5);
        MethodResult r = gptq_quantize(layer, stats, plain, gptq_progress, &gptq_grid);
        out.push_back({"gptq", std::move(r.W_hat), {}, {}, std::move(gptq_grid)});
        return out;
    }
    AwqGrid first, second;
    SubProgress p1(progress, 0.0, 0.25), p2(progress, 0.25, 0.5), p3(progress, 0.5, 0.6);
    // Each call fills its grid before the grid is moved (argument order is unspecified).
    MethodResult wanda_awq = wanda_then_awq(layer, stats, plain, p1, &first);
    out.push_back(from_awq("wanda+awq", std::move(wanda_awq), std::move(first)));
    MethodResult awq_wanda = awq_then_wanda(layer, stats, plain, p2, &second);
    out.push_back(from_awq("awq+wanda", std::move(awq_wanda), std::move(second)));
    QuantGrid grid;
    MethodResult r = sparsegpt_prune_quantize(layer, stats, plain, p3, grid);
    out.push_back({"sparsegpt+gptq", std::move(r.W_hat), std::move(r.kept_mask), {}, std::move(grid)});
    return out;
}

// An explicit init: the paper preset's start (awp_start.h) on the default's set.
std::vector<Candidate> explicit_start(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                                      Progress& progress) {
    AwpStart start = awp_start(layer, stats, params, progress);
    std::vector<Candidate> out;
    out.push_back({awp_init_names().name(start.init), std::move(start.Theta), std::move(start.kept), {},
                   std::move(start.set.grid)});
    return out;
}

std::string scope_text(const AwpConstraint& set) {
    if (set.scope == MaskScope::NM) return nm_text(set.nm);
    return set.scope == MaskScope::Row ? "row" : "layer";
}

}  // namespace

MethodResult run_awp_default(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                             Progress& progress) {
    const MatrixF& W = layer.W;
    const MatrixF& C = stats.C_float;
    const AwpSetKind kind = awp_kind(params);
    std::vector<Candidate> starts = params.init == AwpInit::Auto ? candidates(layer, stats, params, kind, progress)
                                                                 : explicit_start(layer, stats, params, progress);
    // Every candidate in its own space (W' = W·diag(s), C' = diag(s)⁻¹ C diag(s)⁻¹ give the same
    // f), on the set: its nonzeros, topped up to the budget with zeros the refinement may use, or,
    // where a baseline's mask does not fit the set (SparseGPT's block-wide budget against a
    // per-row one), its largest entries. Each is judged there, so the start is feasible and its
    // loss is the curve's first point.
    AwpConstraint set = make_set(layer, params, kind);
    const OutputError judge(W, stats);
    const double energy = judge.reference_energy();
    MethodResult result;
    for (Candidate& c : starts) {
        if (set.prunes()) {
            const bool scaled = c.s.size() > 0;
            MatrixF Theta = scaled ? MatrixF(c.W_hat * c.s.asDiagonal()) : c.W_hat;
            c.kept = select_top(Theta.array().square().matrix(), set);
            Theta = apply_mask(Theta, c.kept);
            c.W_hat = scaled ? MatrixF(Theta * c.s.cwiseInverse().asDiagonal()) : Theta;
        }
        c.E = judge.relative(c.W_hat);
        // Each candidate's E, so a reader sees why the start is the one it is.
        result.scalars.emplace_back("start_error_" + c.name, c.E);
    }
    size_t best = 0;
    for (size_t k = 1; k < starts.size(); ++k)
        if (starts[k].E < starts[best].E) best = k;
    Candidate& start = starts[best];

    set.grid = start.grid;
    const bool scaled = start.s.size() > 0;
    const MatrixF W_s = scaled ? MatrixF(W * start.s.asDiagonal()) : W;
    const MatrixF C_s = scaled ? MatrixF(start.s.cwiseInverse().asDiagonal() * C * start.s.cwiseInverse().asDiagonal()) : C;
    MatrixF Theta = scaled ? MatrixF(start.W_hat * start.s.asDiagonal()) : start.W_hat;
    MaskMatrix kept = start.kept;
    const double start_E = start.E;
    progress.iteration(0, start_E);
    const MatrixF start_Theta = Theta;
    const MaskMatrix start_kept = kept;
    // The curve from float losses, except where float cannot judge them: there the iterate's Ŵ
    // (back in W's space) is judged as the result will be.
    const CurveJudge curve = [&](const MatrixF& Theta_t, const MaskMatrix& kept_t, double loss) {
        return float_or_judged(loss, energy, [&] {
            MatrixF W_hat_t = scaled ? MatrixF(Theta_t * start.s.cwiseInverse().asDiagonal()) : Theta_t;
            if (set.prunes()) W_hat_t = apply_mask(W_hat_t, kept_t);
            return judge.relative(W_hat_t);
        });
    };
    RefineOutcome refined = refine_on_set(W_s, C_s, set, std::move(Theta), std::move(kept), params.iters, params.tol,
                                          progress, 0.6, curve);
    const double changed = record_changes(result, kind, start_Theta, start_kept, refined.Theta, refined.kept);

    if (set.prunes()) add_pruning_params(result.params, params);
    if (set.quantizes()) add_quantization_params(result.params, layer, params);
    result.params.emplace_back("preset", std::string("best"));
    result.params.emplace_back("iters", static_cast<long long>(params.iters));
    result.params.emplace_back("init", start.name);
    if (set.prunes()) result.params.emplace_back("mask_scope", scope_text(set));
    result.params.emplace_back("tol", params.tol);
    result.params.emplace_back("space", std::string(scaled ? "AWQ-scaled" : "W"));

    result.W_hat = scaled ? MatrixF(refined.Theta * start.s.cwiseInverse().asDiagonal()) : std::move(refined.Theta);
    if (set.prunes()) result.W_hat = apply_mask(result.W_hat, refined.kept);
    result.loss_history = refined.curve;
    // The refinement's first loss is the start's, recomputed in its own space.
    if (!result.loss_history.empty()) result.loss_history.front() = start_E;
    result.scalars.emplace_back("start_error", start_E);
    result.scalars.emplace_back("products", refined.products);
    // The loss curve's x in the unit of cost (a stage of CG or a sweep spends several products).
    result.series.emplace_back("products_at_point",
                               std::vector<double>(refined.products_at.begin(), refined.products_at.end()));
    result.scalars.emplace_back("iterations", static_cast<long long>(refined.loss.size() - 1));
    result.scalars.emplace_back("stopped_by", refined.stopped_by);
    result.scalars.emplace_back("changed_from_start", changed);
    result.kept_mask = std::move(refined.kept);
    if (scaled) result.channel_scales = start.s;
    result.flops = static_cast<double>(refined.products) * 2.0 * static_cast<double>(W.rows()) *
                   static_cast<double>(W.cols()) * static_cast<double>(W.cols());
    result.bits_per_weight = set.quantizes() ? set.grid.bits_per_weight() : 16.0;
    return result;
}

}  // namespace layerlens
