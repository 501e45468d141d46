#pragma once
// Statistics of the calibration inputs that every method needs, accumulated by streaming
// row chunks of X so memory does not grow with the number of tokens:
//   C = XᵀX / n (d_in x d_in), a_j = mean_t |X_tj| (AWQ salience),
//   ‖X_j‖₂ (Wanda's norm), max_t |X_tj|, the token count and the dead (all-zero) channels.
// Every statistic describes input_scale·X, input_scale a power of two that brings max|X| into
// [1, 2) when it lies outside [2⁻¹⁶, 2¹⁶] (and 1 otherwise): float32 products of inputs near
// 1e±20 overflow or underflow, and every method and E are invariant to a common scale of X, so
// X and X·10³⁰ compress alike. Multiply by 1/input_scale to show values in the file's units.
#include <memory>
#include <string>
#include <vector>

#include "layer.h"

namespace layerlens {

class InputSource;
class Progress;

// What the second-order methods derive from C once per layer (methods/hessian_inverse.cpp).
struct SharedFactors;

struct CalibrationStats {
    MatrixD C;                  // XᵀX / n, double (see accumulate_statistics for why)
    MatrixF C_float;            // the same in float, for the fast products methods run through C
    VectorD mean_abs;           // a_j
    VectorD norm;               // ‖X_j‖₂
    VectorD max_abs;            // max_t |X_tj|
    // The tokens themselves (n × d_in, times input_scale, which is exact), kept when they take at
    // most kTokensKeptBytes or there are at most kTokensKeptPerChannel·d_in of them (twice C_float's
    // memory). With fewer than d_in/2 the products go through them ((ΔXᵀ)X/n, 2·n·d_in work per
    // output row against d_in² through C: products_through_tokens()); otherwise they are there for
    // the exact E: ‖ΔXᵀ‖² in double is a sum of squares, where tr(Δ C Δᵀ) cancels when Δ lies where
    // C is ~0 (a method that moves weights X never sees, on repeated tokens). C = token_weight ·
    // token_factorᵀ token_factor, token_weight = 1/n, a separate double so the factor holds X's bits.
    MatrixF token_factor;       // empty when not kept
    double token_weight = 0.0;
    Eigen::Index n_tokens = 0;
    double input_scale = 1.0;   // the statistics are those of input_scale·X (a power of two)
    std::string source;         // where the inputs came from ("file.h5:/layers.0.wq/inputs"), for messages
    std::vector<int> dead_channels;   // channels with all-zero activations
    std::vector<std::string> warnings;
    // Filled by accumulate_statistics; shared by copies, which tell their own C apart from it.
    std::shared_ptr<SharedFactors> shared_factors;

    static constexpr Eigen::Index kTokensKeptPerChannel = 2;
    static constexpr std::size_t kTokensKeptBytes = std::size_t{64} << 20;
    static bool keeps_tokens(Eigen::Index n, Eigen::Index d_in) {
        return n <= kTokensKeptPerChannel * d_in ||
               static_cast<double>(n) * static_cast<double>(d_in) * sizeof(float) <= static_cast<double>(kTokensKeptBytes);
    }

    Eigen::Index d_in() const { return C.rows(); }
    bool products_through_tokens() const { return token_factor.size() > 0 && 2 * token_factor.rows() < token_factor.cols(); }
    // max/median of a_j: how strongly a few channels dominate (1 = flat, 20+ = LLM outliers).
    double outlier_strength() const;
};

// Streams the source once. Rows are read in chunks of chunk_rows (0: as many rows as fit in
// 64 MiB of float32, between 256 and 4096, so a wide layer's chunk stays small); throws InputError naming the
// first NaN/Inf (token, channel) and when there are no tokens; warns on dead channels and on
// fewer tokens than channels (C is then singular and methods dampen it).
// Channels: only what describes each channel (a_j, ‖X_j‖, max, dead channels, the warnings),
// without C, its float copy or the tokens: what `info` shows, at the cost of one read.
enum class StatisticsScope { Full, Channels };
CalibrationStats accumulate_statistics(const InputSource& inputs, Progress& progress,
                                       Eigen::Index chunk_rows = 0, StatisticsScope scope = StatisticsScope::Full);

}  // namespace layerlens
