#include "row_major_copy.h"

#include <algorithm>

namespace layerlens {

void copy_row_major(const float* data, Eigen::Index rows, Eigen::Index cols, MatrixF& out) {
    out.resize(rows, cols);
    constexpr Eigen::Index kTile = 32;
    for (Eigen::Index i0 = 0; i0 < rows; i0 += kTile) {
        const Eigen::Index i1 = std::min(rows, i0 + kTile);
        for (Eigen::Index j0 = 0; j0 < cols; j0 += kTile) {
            const Eigen::Index j1 = std::min(cols, j0 + kTile);
            for (Eigen::Index j = j0; j < j1; ++j)
                for (Eigen::Index i = i0; i < i1; ++i) out(i, j) = data[i * cols + j];
        }
    }
}

}  // namespace layerlens
