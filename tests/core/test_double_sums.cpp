// The double reductions of float matrices against Eigen in double, on shapes whose sizes are
// and are not multiples of the eight lanes, empty ones included, and with values whose squares
// overflow float (the sums must be taken in double, not in float).
#include "double_sums.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

TEST(DoubleSums, EqualTheDoubleComputationOnAnyShape) {
    std::mt19937 rng(21);
    for (const auto& [rows, cols] : std::vector<std::pair<int, int>>{{0, 0}, {1, 1}, {3, 5}, {8, 8}, {13, 7}, {64, 33}}) {
        SCOPED_TRACE(std::to_string(rows) + " x " + std::to_string(cols));
        const MatrixF a = random_matrix(rows, cols, rng) * 1e25f;   // a² overflows float
        const MatrixF b = random_matrix(rows, cols, rng);
        const VectorF c = random_matrix(cols, 1, rng);
        const MatrixD ad = a.cast<double>(), bd = b.cast<double>();
        const double dot = ad.cwiseProduct(bd).sum();
        const double square = ad.squaredNorm();
        double form = 0.0;
        for (int j = 0; j < cols; ++j) form += (ad.col(j).array() * (2.0 * bd.col(j).array() - c(j) * ad.col(j).array())).sum();
        const double scale_dot = ad.cwiseAbs().cwiseProduct(bd.cwiseAbs()).sum();
        EXPECT_NEAR(dot_in_double(a, b), dot, 1e-13 * scale_dot);
        EXPECT_NEAR(squared_norm_in_double(a), square, 1e-13 * square);
        const double scale_form = (ad.cwiseAbs().array() * (2.0 * bd.cwiseAbs().array() + ad.cwiseAbs().array() *
                                   c.cast<double>().cwiseAbs().transpose().replicate(rows, 1).array())).sum();
        EXPECT_NEAR(upper_form_in_double(a, b, c), form, 1e-13 * scale_form);
        EXPECT_TRUE(std::isfinite(squared_norm_in_double(a)));
    }
}

TEST(DoubleSums, RefuseMismatchedShapes) {
    const MatrixF a = MatrixF::Ones(3, 4);
    EXPECT_THROW(dot_in_double(a, MatrixF::Ones(4, 3)), std::logic_error);
    EXPECT_THROW(upper_form_in_double(a, a, VectorF::Ones(3)), std::logic_error);
}
