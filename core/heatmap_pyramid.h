#pragma once
// A max-pooled pyramid over |A_ij − B_ij|·v_j (the salience |W_ij|·a_j, the Wanda score
// |W_ij|·‖X_j‖, the error map |W_ij − Ŵ_ij|·‖X_j‖) so a 4096 x 11008 layer redraws at
// interactive speed and a single outlier weight stays visible at any zoom (max, not average).
// Level 0 is never stored: it is evaluated from the matrices, which the caller keeps alive;
// storing from level 2 costs 1/12 of the matrix instead of 4/3.
#include <vector>

#include "layer.h"

namespace layerlens {

class Progress;

// |A_ij − B_ij| · v_j, or |A_ij| · v_j when B is null. A and B must outlive every user.
struct ScaledAbsDifference {
    const MatrixF* A = nullptr;
    const MatrixF* B = nullptr;
    VectorF v;
    float operator()(Eigen::Index i, Eigen::Index j) const {
        float w = (*A)(i, j);
        if (B) w -= (*B)(i, j);
        return std::abs(w) * v[j];
    }
};

class MaxPyramid {
public:
    MaxPyramid() = default;
    // Checks progress for cancellation once per stored level row block.
    MaxPyramid(ScaledAbsDifference base, Progress& progress);

    bool empty() const { return base_.A == nullptr; }
    Eigen::Index rows() const { return rows_; }
    Eigen::Index cols() const { return cols_; }
    float value(Eigen::Index i, Eigen::Index j) const { return base_(i, j); }
    float maxValue() const { return max_; }
    // A floor for a log colour scale (a third of the median 4x4 maximum), ignoring exact zeros.
    float floorValue() const { return floor_; }
    // out[y * width + x] = max over the cells of pixel (x, y), where pixel x covers columns
    // [col0 + x·colsPerPixel, col0 + (x+1)·colsPerPixel) and likewise for rows; NaN outside.
    void render(double row0, double col0, double rowsPerPixel, double colsPerPixel, int width, int height,
                float* out) const;

private:
    float maxAt(int level, Eigen::Index r0, Eigen::Index r1, Eigen::Index c0, Eigen::Index c1) const;
    static constexpr int kFirstStoredLevel = 2;
    ScaledAbsDifference base_;
    Eigen::Index rows_ = 0, cols_ = 0;
    std::vector<MatrixF> levels_;   // levels_[k] is level kFirstStoredLevel + k (cells of 2^level)
    float max_ = 0.0f, floor_ = 0.0f;
};

}  // namespace layerlens
