#include "awp_step.h"

namespace layerlens {

void evaluate(const MatrixF& W, const MatrixF& C, PgdIterate& iterate, MatrixF& delta) {
    delta.noalias() = W - iterate.Theta;
    iterate.G.resize(W.rows(), C.cols());
    iterate.G.noalias() = delta * C;
    iterate.loss = delta.cast<double>().cwiseProduct(iterate.G.cast<double>()).sum();
}

void pgd_step(const MatrixF& W, const MatrixF& C, const MatrixF& point, const MatrixF& G_point, float eta,
              const AwpConstraint& set, PgdWorkspace& work, PgdIterate& next) {
    work.Z.noalias() = point + eta * G_point;
    project(work.Z, set, next.Theta, next.kept);
    evaluate(W, C, next, work.delta);
}

}  // namespace layerlens
