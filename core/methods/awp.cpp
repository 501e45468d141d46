// AWP: activation-aware projected gradient descent for pruning and/or quantisation
// (Liu et al., MERL; seed Algorithm 1). Minimises f(Θ) = tr((W−Θ) C (W−Θ)ᵀ) over a constraint set
// by Z = Θ + η (W − Θ) C, Θ ← Proj(Z), with η = step_scale / λ_max(C) (awp_step.h shows why the
// loss then never rises). Optional Nesterov momentum with adaptive restart.
//
// Cost per iteration: one gradient product (W−Θ)·C, d_out·d_in² multiply-adds, or through the
// token factor when there are fewer than d_in/2 tokens (GradientProduct); the loss of the new
// iterate comes from that same product, and the next step's gradient is it too.
#include <cmath>
#include <optional>
#include <string>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../output_error.h"
#include "../param_builders.h"
#include "../progress.h"
#include "awp_default.h"
#include "awp_start.h"
#include "awp_step.h"
#include "hessian_inverse.h"
#include "method_support.h"
#include "methods.h"
#include "symmetric_spectrum.h"

namespace layerlens {

namespace {

void validate_awp(const Layer&, const CompressionParams& params) { validate_awp_start(params); }

// AWP reads the whole budget: which of bits and sparsity are given decides prune, quantise or
// both. The damping and block size reach SparseGPT when it is the start.
std::vector<const ParamSpec*> awp_params() {
    static const ParamSpec step = with(real_param("step-scale", "step ×",
                                                  "step η as a multiple of 1/λ_max(C); above 1 the loss may rise",
                                                  &CompressionParams::step_scale, 0.0, 100.0),
                                       [](ParamSpec& s) { s.min_exclusive = true; });
    static const ParamSpec tol = real_param("tol", "tolerance",
                                            "stop when E improved by less than this fraction over 5 iterations",
                                            &CompressionParams::tol, 0.0, 1.0);
    static const ParamSpec init = choice_param("init", "start",
                                               "starting point: auto = wanda for pruning, rtn for quantisation alone",
                                               &CompressionParams::init, awp_init_names());
    static const ParamSpec scope = choice_param("mask-scope", "mask scope",
                                                "k nonzeros per row (the paper) or k·d_out over the whole layer",
                                                &CompressionParams::mask_scope, awp_mask_scope_names());
    static const ParamSpec accelerate = flag_param("accelerate", "Nesterov acceleration",
                                                   "momentum with adaptive restart (paper preset)", &CompressionParams::accelerate);
    static const ParamSpec preset = choice_param("preset", "preset",
                                                 "best = the strongest baseline refined (default); paper = seed Algorithm 1",
                                                 &CompressionParams::preset, awp_preset_names());
    return joined(joined(joined(quantization_budget(), pruning_budget()),
                         {&preset, &iters_param(), &step, &tol, &init, &scope, &accelerate}),
                  second_order_params());
}

// The loop's bookkeeping: E is the loss over tr(W C Wᵀ), as everywhere in the product. Below the
// float floor the iterate is judged instead (its float loss can even be negative where C is
// singular), by an OutputError built on first need: ordinary layers never pay for it.
struct Trajectory {
    const MatrixF& W;
    const CalibrationStats& stats;
    double energy = 0.0;
    std::vector<double> E;
    std::optional<OutputError> judge;
    double relative(double loss, const MatrixF& Theta) {
        return float_or_judged(loss, energy, [&] {
            if (!judge) judge.emplace(W, stats);
            return judge->relative(Theta);
        });
    }
};

// Relative improvement over the last 5 iterations below tol: PGD has stalled.
bool stalled(const std::vector<double>& E, double tol) {
    constexpr size_t window = 5;
    if (E.size() <= window) return false;
    const double before = E[E.size() - 1 - window], now = E.back();
    return before - now <= tol * before;
}

// The parameters AWP ran with, as every result lists them.
void record_params(MethodResult& result, const Layer& layer, const CompressionParams& params, const AwpStart& start) {
    const AwpSetKind kind = start.set.kind;
    if (kind != AwpSetKind::Quantize) add_pruning_params(result.params, params);
    if (kind != AwpSetKind::Prune) add_quantization_params(result.params, layer, params);
    result.params.emplace_back("preset", std::string("paper"));
    result.params.emplace_back("iters", static_cast<long long>(params.iters));
    result.params.emplace_back("init", awp_init_names().name(start.init));
    if (!start.scope.empty()) result.params.emplace_back("mask_scope", start.scope);
    result.params.emplace_back("step_scale", params.step_scale);
    result.params.emplace_back("tol", params.tol);
    result.params.emplace_back("accelerate", params.accelerate);
}

// What the step size came from: C's extreme eigenvalues (and whether the power iteration for
// λ_max converged, which the bound η ≤ 1/λ_max relies on).
void record_spectrum(MethodResult& result, const PowerIteration& power, const ConditionEstimate& condition, double eta) {
    result.scalars = {{"cond_C", condition.cond},
                      {"cond_C_exact", condition.exact},
                      {"lambda_max", power.lambda_max},
                      {"lambda_min", condition.lambda_min},
                      {"eta", eta}};
    if (!power.converged)
        result.warnings.push_back("power iteration for lambda_max did not converge in " +
                                  std::to_string(power.iterations) + " steps");
}

MethodResult run_awp_paper(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                           Progress& progress) {
    const MatrixF& W = layer.W;
    const MatrixF& C = stats.C_float;
    AwpStart start = awp_start(layer, stats, params, progress);
    const double first_fraction = start.init == AwpInit::SparseGPT ? 0.3 : 0.0;   // SparseGPT's share of the bar
    const AwpConstraint& set = start.set;

    const PowerIteration power = largest_eigenvalue(C, &progress);
    const ConditionEstimate condition = estimate_condition(stats.C, &progress);
    // The Rayleigh quotient is a lower bound on λ_max (relative error ≤ 1e-7 when converged), so η
    // may exceed 1/λ_max by that much; the guard in the loop stops rather than record a rise.
    const double eta = power.lambda_max > 0 ? params.step_scale / power.lambda_max : 0.0;

    const GradientProduct product = GradientProduct::of(stats);
    PgdWorkspace work;
    PgdIterate current{start.Theta, start.kept, {}, 0.0};
    evaluate(W, product, current, work.delta);
    Trajectory trajectory{W, stats};
    trajectory.energy = product.apply(W, work.Z);   // tr(W C Wᵀ); Z is free until the first step
    trajectory.E.push_back(trajectory.relative(current.loss, current.Theta));
    progress.iteration(0, trajectory.E.back());

    // Nesterov (FISTA) momentum: y = Θ_t + β (Θ_t − Θ_{t−1}); G at y is the same combination of
    // G_t and G_{t−1} because G is affine in Θ, so the extrapolation costs no product.
    // Three iterates are swapped rather than reallocated (see PgdWorkspace).
    PgdIterate previous, next;
    bool have_previous = false;
    MatrixF y, G_y;
    double momentum_t = 1.0;
    int restarts = 0;
    std::string stopped_by = "iterations";
    MethodResult result;
    if (eta == 0.0) {
        stopped_by = "zero C";
        result.warnings.push_back("C is zero (every input channel is dead): AWP returns its start unchanged");
    }

    for (int t = 1; eta > 0.0 && t <= params.iters; ++t) {
        progress.check();
        bool have_next = false;
        if (params.accelerate && have_previous) {
            const double momentum_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * momentum_t * momentum_t));
            const float beta = static_cast<float>((momentum_t - 1.0) / momentum_next);
            y.noalias() = current.Theta + beta * (current.Theta - previous.Theta);
            G_y.noalias() = (1.0f + beta) * current.G - beta * previous.G;
            pgd_step(W, product, y, G_y, static_cast<float>(eta), set, work, next);
            momentum_t = momentum_next;
            have_next = next.loss <= current.loss;
            if (!have_next) {   // adaptive restart: forget the momentum, take the plain step
                ++restarts;
                momentum_t = 1.0;
            }
        }
        if (!have_next) pgd_step(W, product, current.Theta, current.G, static_cast<float>(eta), set, work, next);
        if (next.loss > current.loss) {
            // With η ≤ 1/λ_max the plain step cannot raise the loss except by float round-off at a
            // fixed point (or when step_scale > 1 breaks the bound): stop at the better iterate.
            stopped_by = "loss would rise";
            break;
        }
        if (params.accelerate) {   // plain PGD keeps one iterate only
            std::swap(previous, current);
            have_previous = true;
        }
        std::swap(current, next);
        trajectory.E.push_back(trajectory.relative(current.loss, current.Theta));
        progress.iteration(t, trajectory.E.back());
        progress.report(first_fraction + (1.0 - first_fraction) * t / params.iters, "AWP iteration");
        if (stalled(trajectory.E, params.tol)) {
            stopped_by = "tolerance";
            break;
        }
    }

    const AwpSetKind kind = set.kind;
    record_params(result, layer, params, start);
    const double changed = record_changes(result, start.set.kind, start.Theta, start.kept, current.Theta, current.kept);

    record_spectrum(result, power, condition, eta);
    result.scalars.push_back({"gradient_route", std::string(product.through_tokens() ? "tokens" : "C")});
    result.scalars.push_back({"start_error", trajectory.E.front()});
    result.scalars.push_back({"iterations", static_cast<long long>(trajectory.E.size() - 1)});
    result.scalars.push_back({"changed_from_start", changed});
    result.scalars.push_back({"stopped_by", stopped_by});
    if (params.accelerate) result.scalars.emplace_back("restarts", static_cast<long long>(restarts));
    // One gradient product per iteration is the whole dense cost.
    result.flops = static_cast<double>(trajectory.E.size() - 1) * product.flops(layer.d_out());
    result.loss_history = std::move(trajectory.E);
    result.W_hat = std::move(current.Theta);
    result.kept_mask = std::move(current.kept);
    result.bits_per_weight = kind == AwpSetKind::Prune ? 16.0 : set.grid.bits_per_weight();
    return result;
}

MethodResult run_awp(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                     Progress& progress) {
    if (params.preset == AwpPreset::Paper) return run_awp_paper(layer, stats, params, progress);
    return run_awp_default(layer, stats, params, progress);
}

}  // namespace

MethodInfo awp_method() {
    return {"awp", "AWP",
            "Projected descent on the output error onto a sparsity budget, a quantisation grid, or both: by default from "
            "the strongest baseline's result (SparseGPT; AWQ or GPTQ; Wanda+AWQ, AWQ+Wanda or SparseGPT+GPTQ), "
            "--preset paper for seed Algorithm 1.",
            // Joint: AWP takes a sparsity budget, a bit width, or both (the GUI offers all three).
            MethodKind::Joint, awp_params(), validate_awp, run_awp};
}

}  // namespace layerlens
