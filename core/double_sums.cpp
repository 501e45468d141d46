#include "double_sums.h"

#include <stdexcept>

namespace layerlens {

namespace {
constexpr int kLanes = 8;

// Σ_{i<n} term(i) in kLanes independent double accumulators (vectorisable), then the tail.
template <class Term>
double lane_sum(Eigen::Index n, const Term& term) {
    double lanes[kLanes] = {};
    Eigen::Index i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int k = 0; k < kLanes; ++k) lanes[k] += term(i + k);
    double total = 0.0;
    for (; i < n; ++i) total += term(i);
    for (double lane : lanes) total += lane;
    return total;
}

template <class A, class B>
void require_same_shape(const A& a, const B& b, const char* what) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) throw std::logic_error(std::string(what) + ": shapes differ");
}
}  // namespace

double dot_in_double(const MatrixF& a, const MatrixF& b) {
    require_same_shape(a, b, "dot_in_double");
    const float* x = a.data();
    const float* y = b.data();
    return lane_sum(a.size(), [x, y](Eigen::Index i) { return static_cast<double>(x[i]) * static_cast<double>(y[i]); });
}

double squared_norm_in_double(const MatrixF& a) {
    const float* x = a.data();
    return lane_sum(a.size(), [x](Eigen::Index i) {
        const double v = x[i];
        return v * v;
    });
}

double upper_form_in_double(const Eigen::Ref<const MatrixF>& a, const Eigen::Ref<const MatrixF>& b,
                            const Eigen::Ref<const VectorF>& c) {
    require_same_shape(a, b, "upper_form_in_double");
    if (c.size() != a.cols()) throw std::logic_error("upper_form_in_double: the diagonal has the wrong length");
    double total = 0.0;
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
        const float* x = a.col(j).data();
        const float* y = b.col(j).data();
        const double diagonal = c(j);
        total += lane_sum(a.rows(), [x, y, diagonal](Eigen::Index i) {
            const double v = x[i];
            return v * (2.0 * static_cast<double>(y[i]) - diagonal * v);
        });
    }
    return total;
}

}  // namespace layerlens
