#include "awp_projection.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <vector>

namespace layerlens {

Eigen::Index keep_count(Eigen::Index d_in, double sparsity) {
    return d_in - static_cast<Eigen::Index>(std::floor(static_cast<double>(d_in) * sparsity));
}

namespace {
// Scores are non-negative (z², or the joint score, which is ≥ 0 up to round-off), and the bit
// patterns of non-negative floats order like the floats themselves; round-off negatives map to 0.
inline std::uint32_t order_bits(float score) { return score > 0.0f ? std::bit_cast<std::uint32_t>(score) : 0u; }

// How many of u are >= t: a branch-free pass the compiler vectorises.
inline std::uint32_t count_at_least(const std::uint32_t* u, Eigen::Index n, std::uint32_t t) {
    std::uint32_t count = 0;
    for (Eigen::Index j = 0; j < n; ++j) count += u[j] >= t ? 1u : 0u;
    return count;
}

// Keeps the k largest of u (1 ≤ k < n): the k-th largest value T by bisection over the bit
// patterns (≤ 31 counting passes, no data-dependent branches: on random scores a comparison
// sort or nth_element mispredicts half its branches and cost more than the GEMM), then every
// value above T and, among values equal to T, the highest indices.
void keep_largest(const std::uint32_t* u, Eigen::Index n, Eigen::Index k, std::uint8_t* kept) {
    std::uint32_t lo = 0, hi = *std::max_element(u, u + n);   // count(u >= lo) >= k throughout
    while (lo < hi) {
        const std::uint32_t mid = lo + (hi - lo + 1) / 2;
        if (count_at_least(u, n, mid) >= static_cast<std::uint32_t>(k)) lo = mid;
        else hi = mid - 1;
    }
    Eigen::Index ties = k;
    for (Eigen::Index j = 0; j < n; ++j) {
        kept[j] = u[j] > lo ? 1 : 0;
        ties -= kept[j];
    }
    for (Eigen::Index j = n - 1; j >= 0 && ties > 0; --j)
        if (u[j] == lo) {
            kept[j] = 1;
            --ties;
        }
}

// How values are ranked: by themselves (non-negative scores) or by magnitude. |z| orders like z²
// and needs no squared copy of Z: the sign bit cleared is the bit pattern of |z|.
enum class Rank { Score, Magnitude };

// Top-k of every row. Rows are gathered in panels of 16: a column-major row is strided by d_out
// floats, and reading rows one at a time with a power-of-two d_out thrashes the cache.
MaskMatrix top_k_per_row(const MatrixF& score, Eigen::Index k, Rank rank) {
    constexpr Eigen::Index panel = 16;
    const Eigen::Index rows = score.rows(), cols = score.cols();
    k = std::clamp<Eigen::Index>(k, 0, cols);
    MaskMatrix mask = MaskMatrix::Zero(rows, cols);
    if (k == 0) return mask;
    if (k == cols) return MaskMatrix::Ones(rows, cols);
    const Eigen::Index panels = (rows + panel - 1) / panel;
    // Threads only pay off on real layers; on a busy machine an OpenMP region costs a time slice.
#pragma omp parallel if (rows * cols >= (1 << 16))
    {
        MatrixF block(cols, panel);   // block.col(r) = row i0 + r, contiguous
        MaskMatrix kept(cols, panel);
        std::vector<std::uint32_t> bits(static_cast<size_t>(cols));
#pragma omp for schedule(static)
        for (Eigen::Index p = 0; p < panels; ++p) {
            const Eigen::Index i0 = p * panel, height = std::min(panel, rows - i0);
            block.leftCols(height) = score.middleRows(i0, height).transpose();
            for (Eigen::Index r = 0; r < height; ++r) {
                const float* row = block.col(r).data();
                if (rank == Rank::Magnitude)
                    for (Eigen::Index j = 0; j < cols; ++j)
                        bits[static_cast<size_t>(j)] = std::bit_cast<std::uint32_t>(row[j]) & 0x7fffffffu;
                else
                    for (Eigen::Index j = 0; j < cols; ++j) bits[static_cast<size_t>(j)] = order_bits(row[j]);
                keep_largest(bits.data(), cols, k, kept.col(r).data());
            }
            mask.middleRows(i0, height) = kept.leftCols(height).transpose();
        }
    }
    return mask;
}
}  // namespace

MaskMatrix select_top(const MatrixF& score, const AwpConstraint& set) {
    switch (set.scope) {
        case MaskScope::Row: return top_k_per_row(score, set.keep_per_row, Rank::Score);
        case MaskScope::Layer: return keep_top_k_layer(score, set.keep_per_row * score.rows());
        case MaskScope::NM: return keep_n_of_m(score, set.nm);
    }
    return {};
}

MatrixF joint_score(const MatrixF& Z, const MatrixF& Z_quantized) {
    return Z.array().square() - (Z - Z_quantized).array().square();
}

void project(const MatrixF& Z, const AwpConstraint& set, MatrixF& Theta, MaskMatrix& kept) {
    switch (set.kind) {
        case AwpSetKind::Prune:
            kept = set.scope == MaskScope::Row ? top_k_per_row(Z, set.keep_per_row, Rank::Magnitude)
                                               : select_top(Z.array().square().matrix(), set);
            // In place: Theta keeps its storage from one iteration to the next.
            Theta.resize(Z.rows(), Z.cols());
            Theta.array() = Z.array() * kept.cast<float>().array();
            return;
        case AwpSetKind::Quantize:
            Theta = set.grid.quantize(Z);
            kept.resize(0, 0);
            return;
        case AwpSetKind::Joint: {
            const MatrixF Z_quantized = set.grid.quantize(Z);
            kept = select_top(joint_score(Z, Z_quantized), set);
            Theta = apply_mask(Z_quantized, kept);
            return;
        }
    }
}

}  // namespace layerlens
