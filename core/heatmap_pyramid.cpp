#include "heatmap_pyramid.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "progress.h"

namespace layerlens {

MaxPyramid::MaxPyramid(ScaledAbsDifference base, Progress& progress)
    : base_(std::move(base)), rows_(base_.A->rows()), cols_(base_.A->cols()) {
    // First stored level straight from the base: each cell is the max of a 4x4 block.
    const int cell = 1 << kFirstStoredLevel;
    MatrixF first((rows_ + cell - 1) / cell, (cols_ + cell - 1) / cell);
    first.setZero();
    for (Eigen::Index j = 0; j < cols_; ++j) {
        if (j % 256 == 0) progress.check();
        const Eigen::Index cj = j / cell;
        for (Eigen::Index i = 0; i < rows_; ++i) {
            float& m = first(i / cell, cj);
            m = std::max(m, base_(i, j));
        }
    }
    levels_.push_back(std::move(first));
    while (levels_.back().rows() > 1 || levels_.back().cols() > 1) {
        progress.check();
        const MatrixF& prev = levels_.back();
        MatrixF next((prev.rows() + 1) / 2, (prev.cols() + 1) / 2);
        next.setZero();
        for (Eigen::Index j = 0; j < prev.cols(); ++j)
            for (Eigen::Index i = 0; i < prev.rows(); ++i) next(i / 2, j / 2) = std::max(next(i / 2, j / 2), prev(i, j));
        levels_.push_back(std::move(next));
    }
    max_ = levels_.back()(0, 0);
    // A log colour scale needs a floor. Put it a factor 3 under the median of the 4x4 maxima
    // (about what one screen pixel shows): the bulk of the layer then sits low on the scale
    // and the busy channels stand out, instead of max-pooling painting everything bright.
    const MatrixF& probe = levels_.front();
    std::vector<float> values;
    values.reserve(static_cast<size_t>(probe.size()));
    for (Eigen::Index k = 0; k < probe.size(); ++k)
        if (probe.data()[k] > 0) values.push_back(probe.data()[k]);
    if (!values.empty()) {
        std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
        floor_ = values[values.size() / 2] / 3.0f;
    } else {
        floor_ = max_ > 0 ? max_ * 1e-4f : 1e-12f;
    }
}

float MaxPyramid::maxAt(int level, Eigen::Index r0, Eigen::Index r1, Eigen::Index c0, Eigen::Index c1) const {
    float m = 0.0f;
    if (level < kFirstStoredLevel) {
        for (Eigen::Index j = c0; j < c1; ++j)
            for (Eigen::Index i = r0; i < r1; ++i) m = std::max(m, base_(i, j));
        return m;
    }
    const MatrixF& L = levels_[static_cast<size_t>(level - kFirstStoredLevel)];
    const Eigen::Index cell = Eigen::Index{1} << level;
    const Eigen::Index lr0 = r0 / cell, lr1 = (r1 + cell - 1) / cell;
    const Eigen::Index lc0 = c0 / cell, lc1 = (c1 + cell - 1) / cell;
    for (Eigen::Index j = lc0; j < std::min(lc1, L.cols()); ++j)
        for (Eigen::Index i = lr0; i < std::min(lr1, L.rows()); ++i) m = std::max(m, L(i, j));
    return m;
}

void MaxPyramid::render(double row0, double col0, double rowsPerPixel, double colsPerPixel, int width, int height,
                        float* out) const {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    if (empty()) {
        std::fill(out, out + static_cast<size_t>(width) * static_cast<size_t>(height), nan);
        return;
    }
    // The coarsest level whose cells are no larger than a pixel: few cells per pixel, none missed.
    const double finest = std::max(1.0, std::min(rowsPerPixel, colsPerPixel));
    int level = static_cast<int>(std::floor(std::log2(finest)));
    if (level < kFirstStoredLevel) level = 0;
    level = std::min(level, kFirstStoredLevel + static_cast<int>(levels_.size()) - 1);
    for (int y = 0; y < height; ++y) {
        const double top = row0 + y * rowsPerPixel;
        const Eigen::Index r0 = static_cast<Eigen::Index>(std::floor(top));
        const Eigen::Index r1 = std::max(r0 + 1, static_cast<Eigen::Index>(std::ceil(top + rowsPerPixel)));
        for (int x = 0; x < width; ++x) {
            const double left = col0 + x * colsPerPixel;
            const Eigen::Index c0 = static_cast<Eigen::Index>(std::floor(left));
            const Eigen::Index c1 = std::max(c0 + 1, static_cast<Eigen::Index>(std::ceil(left + colsPerPixel)));
            float& o = out[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)];
            if (r0 < 0 || c0 < 0 || r0 >= rows_ || c0 >= cols_) {
                o = nan;
                continue;
            }
            o = maxAt(level, r0, std::min(r1, rows_), c0, std::min(c1, cols_));
        }
    }
}

}  // namespace layerlens
