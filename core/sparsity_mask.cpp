#include "sparsity_mask.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "errors.h"

namespace layerlens {

void validate_sparsity(double sparsity) {
    if (!(sparsity >= 0.0 && sparsity < 1.0))
        throw ParameterError("sparsity must be in [0, 1), got " + std::to_string(sparsity));
}

void validate_nm(const NMPattern& nm, Eigen::Index d_in) {
    if (nm.m <= 0 || nm.n_keep <= 0 || nm.n_keep > nm.m)
        throw ParameterError("N:M pattern " + std::to_string(nm.n_keep) + ":" + std::to_string(nm.m) +
                             " is impossible: need 0 < N <= M (N weights kept in every M)");
    if (d_in % nm.m != 0)
        throw ParameterError("N:M pattern needs M = " + std::to_string(nm.m) + " to divide d_in = " + std::to_string(d_in));
}

namespace {
// Indices of `count` scores starting at `first` (stride apart), ordered ascending with ties by index.
void ascending_order(const float* first, Eigen::Index count, Eigen::Index stride, std::vector<Eigen::Index>& order) {
    order.resize(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return first[a * stride] < first[b * stride]; });
}
}  // namespace

MaskMatrix keep_per_row(const MatrixF& score, double sparsity) {
    validate_sparsity(sparsity);
    MaskMatrix mask = MaskMatrix::Ones(score.rows(), score.cols());
    const auto prune = static_cast<Eigen::Index>(std::floor(static_cast<double>(score.cols()) * sparsity));
    std::vector<Eigen::Index> order;
    for (Eigen::Index i = 0; i < score.rows(); ++i) {
        ascending_order(&score(i, 0), score.cols(), score.rows(), order);
        for (Eigen::Index k = 0; k < prune; ++k) mask(i, order[static_cast<size_t>(k)]) = 0;
    }
    return mask;
}

MaskMatrix keep_top_k_layer(const MatrixF& score, Eigen::Index keep) {
    const Eigen::Index total = score.size();
    keep = std::clamp<Eigen::Index>(keep, 0, total);
    MaskMatrix mask = MaskMatrix::Zero(score.rows(), score.cols());
    std::vector<Eigen::Index> order(static_cast<size_t>(total));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    const float* s = score.data();
    // Highest first; among equal scores the higher index is kept (the lower one is pruned first).
    auto before = [&](Eigen::Index a, Eigen::Index b) { return s[a] > s[b] || (s[a] == s[b] && a > b); };
    std::nth_element(order.begin(), order.begin() + keep, order.end(), before);
    for (Eigen::Index k = 0; k < keep; ++k) mask.data()[order[static_cast<size_t>(k)]] = 1;
    return mask;
}

MaskMatrix keep_n_of_m(const MatrixF& score, const NMPattern& nm) {
    validate_nm(nm, score.cols());
    MaskMatrix mask = MaskMatrix::Ones(score.rows(), score.cols());
    std::vector<Eigen::Index> order;
    const int prune = nm.m - nm.n_keep;
    for (Eigen::Index i = 0; i < score.rows(); ++i)
        for (Eigen::Index start = 0; start < score.cols(); start += nm.m) {
            ascending_order(&score(i, start), nm.m, score.rows(), order);
            for (int k = 0; k < prune; ++k) mask(i, start + order[static_cast<size_t>(k)]) = 0;
        }
    return mask;
}

MaskMatrix keep_above_threshold_rank(const MatrixF& score, double sparsity) {
    validate_sparsity(sparsity);
    MaskMatrix mask = MaskMatrix::Ones(score.rows(), score.cols());
    if (sparsity == 0.0 || score.size() == 0) return mask;
    std::vector<float> sorted(score.data(), score.data() + score.size());
    const auto rank = static_cast<size_t>(std::floor(static_cast<double>(score.size()) * sparsity));
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank), sorted.end());
    const float threshold = sorted[rank];
    for (Eigen::Index k = 0; k < score.size(); ++k)
        if (score.data()[k] <= threshold) mask.data()[k] = 0;
    return mask;
}

Eigen::Index count_kept(const MaskMatrix& mask) { return mask.cast<Eigen::Index>().sum(); }

MatrixF apply_mask(const MatrixF& W, const MaskMatrix& mask) {
    return W.cwiseProduct(mask.cast<float>());
}

}  // namespace layerlens
