#include "awp_step.h"

#include <stdexcept>

#include "../calibration_stats.h"
#include "../double_sums.h"

namespace layerlens {

GradientProduct::GradientProduct(const MatrixF& C, const MatrixF* token_factor, double token_weight)
    : C_(C), tokens_(token_factor), token_weight_(token_weight) {
    if (tokens_ && tokens_->size() == 0) tokens_ = nullptr;
    if (tokens_ && !(token_weight_ > 0))
        throw std::logic_error("GradientProduct: a token factor needs its weight (the statistics' 1/n)");
}

GradientProduct GradientProduct::of(const CalibrationStats& stats) {
    // No factor means "through C".
    return GradientProduct(stats.C_float, stats.products_through_tokens() ? &stats.token_factor : nullptr, stats.token_weight);
}

double GradientProduct::apply(const MatrixF& delta, MatrixF& G) const {
    G.resize(delta.rows(), C_.cols());
    if (!tokens_) {
        G.noalias() = delta * C_;
        return dot_in_double(delta, G);
    }
    projected_.resize(delta.rows(), tokens_->rows());
    projected_.noalias() = delta * tokens_->transpose();
    G.noalias() = static_cast<float>(token_weight_) * (projected_ * *tokens_);
    return squared_norm_in_double(projected_) * token_weight_;
}

double GradientProduct::flops(Eigen::Index rows) const {
    const double d = static_cast<double>(C_.cols()), m = static_cast<double>(rows);
    if (!tokens_) return 2.0 * m * d * d;
    return 4.0 * m * static_cast<double>(tokens_->rows()) * d;
}

void evaluate(const MatrixF& W, const GradientProduct& product, PgdIterate& iterate, MatrixF& delta) {
    delta.noalias() = W - iterate.Theta;
    iterate.loss = product.apply(delta, iterate.G);
}

void pgd_step(const MatrixF& W, const GradientProduct& product, const MatrixF& point, const MatrixF& G_point,
              float eta, const AwpConstraint& set, PgdWorkspace& work, PgdIterate& next) {
    work.Z.noalias() = point + eta * G_point;
    project(work.Z, set, next.Theta, next.kept);
    evaluate(W, product, next, work.delta);
}

}  // namespace layerlens
