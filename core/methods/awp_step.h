#pragma once
// One iteration of AWP (seed Algorithm 1): Z = Θ + η (W − Θ) C, Θ ← Proj(Z).
//
// Why η ≤ 1/λ_max(C) makes the loss monotone for a fixed projection set. Let
// f(Θ) = tr((W−Θ) C (W−Θ)ᵀ), so ∇f(Θ) = −2 (W−Θ) C and f is quadratic with Hessian 2C ⪯ 2λ_max I:
//   f(Θ) = f(Θ_t) + ⟨∇f(Θ_t), Θ−Θ_t⟩ + tr((Θ−Θ_t) C (Θ−Θ_t)ᵀ)
//        ≤ f(Θ_t) + ⟨∇f(Θ_t), Θ−Θ_t⟩ + λ_max ‖Θ−Θ_t‖²
//        ≤ f(Θ_t) + ⟨∇f(Θ_t), Θ−Θ_t⟩ + (1/η) ‖Θ−Θ_t‖²                 (η ≤ 1/λ_max)
//        = f(Θ_t) + (1/η) ‖Θ − Z_t‖² − (η/4) ‖∇f(Θ_t)‖²  with Z_t = Θ_t − (η/2)∇f = Θ_t + η (W−Θ_t) C.
// The right side, as a function of Θ, is minimised over the set exactly by Θ_{t+1} = Proj(Z_t);
// Θ_t itself is in the set and makes the right side equal f(Θ_t). Hence
//   f(Θ_{t+1}) ≤ RHS(Θ_{t+1}) ≤ RHS(Θ_t) = f(Θ_t).
// (In the seed's notation the majoriser is f(Θ_t) + ⟨∇f, Θ−Θ_t⟩ + (1/2η')‖Θ−Θ_t‖² with the
// gradient step η' = η/2 for this f: the factor 2 of the gradient is folded into η.)
// It needs an exact projection (awp_projection.h) onto a set that does not move between
// iterations — hence the quantisation grid is fixed at the start.
#include "../layer.h"
#include "awp_projection.h"

namespace layerlens {

struct CalibrationStats;

// The one product PGD needs per iterate, G = Δ C with Δ = W − Θ, and the loss tr(Δ C Δᵀ),
// taken the cheaper way for the layer's shape: through C (d_out·d_in² multiply-adds), or, when
// the statistics kept the tokens X (fewer than d_in/2 of them), as (Δ Xᵀ) X / n
// (2·d_out·n·d_in), whose loss is ‖Δ Xᵀ‖²/n from the first of its two products.
class GradientProduct {
public:
    // token_weight: C = token_weight · token_factorᵀ token_factor (the statistics' 1/n).
    explicit GradientProduct(const MatrixF& C, const MatrixF* token_factor = nullptr, double token_weight = 0.0);
    static GradientProduct of(const CalibrationStats& stats);

    // G = Δ C; returns tr(Δ C Δᵀ), accumulated in double.
    double apply(const MatrixF& delta, MatrixF& G) const;
    bool through_tokens() const { return tokens_ != nullptr; }
    // Multiply-adds times two per apply, for a Δ with `rows` rows.
    double flops(Eigen::Index rows) const;

private:
    const MatrixF& C_;
    const MatrixF* tokens_;
    double token_weight_;
    mutable MatrixF projected_;   // Δ Xᵀ, reused between iterations
};

// An iterate with the product it costs: G = (W − Θ) C and loss = tr((W−Θ) C (W−Θ)ᵀ) = Σ Δ∘G
// (unnormalised, accumulated in double), so the loss needs no product beyond the gradient's.
struct PgdIterate {
    MatrixF Theta;
    MaskMatrix kept;     // support (empty for quantisation only)
    MatrixF G;           // (W − Θ) C
    double loss = 0.0;
};

// Scratch matrices a step reuses. On a 4096 x 4096 layer each is 64 MiB: allocating them afresh
// every iteration costs page faults that add up to a third of a product.
struct PgdWorkspace {
    MatrixF Z;       // the gradient step before projection
    MatrixF delta;   // W − Θ
};

// Fills G and loss for iterate.Theta: one GradientProduct.
void evaluate(const MatrixF& W, const GradientProduct& product, PgdIterate& iterate, MatrixF& delta);
inline void evaluate(const MatrixF& W, const MatrixF& C, PgdIterate& iterate) {
    MatrixF delta;
    evaluate(W, GradientProduct(C), iterate, delta);
}

// next = Proj(point + η · G_point), evaluated; next's matrices are overwritten in place.
// `G_point` is (W − point) C: for the plain step the current iterate's G, for the accelerated one
// the same linear combination of G's as the extrapolated point, so a step costs exactly one product.
void pgd_step(const MatrixF& W, const GradientProduct& product, const MatrixF& point, const MatrixF& G_point,
              float eta, const AwpConstraint& set, PgdWorkspace& work, PgdIterate& next);
inline PgdIterate pgd_step(const MatrixF& W, const MatrixF& C, const MatrixF& point, const MatrixF& G_point,
                           float eta, const AwpConstraint& set) {
    PgdWorkspace work;
    PgdIterate next;
    pgd_step(W, GradientProduct(C), point, G_point, eta, set, work, next);
    return next;
}

}  // namespace layerlens
