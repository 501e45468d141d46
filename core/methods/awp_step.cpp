#include "awp_step.h"

namespace layerlens {

void evaluate(const MatrixF& W, const MatrixF& C, PgdIterate& iterate) {
    const MatrixF delta = W - iterate.Theta;
    iterate.G.noalias() = delta * C;
    iterate.loss = delta.cast<double>().cwiseProduct(iterate.G.cast<double>()).sum();
}

PgdIterate pgd_step(const MatrixF& W, const MatrixF& C, const MatrixF& point, const MatrixF& G_point, float eta,
                    const AwpConstraint& set) {
    PgdIterate next;
    const MatrixF Z = point + eta * G_point;
    project(Z, set, next.Theta, next.kept);
    evaluate(W, C, next);
    return next;
}

}  // namespace layerlens
