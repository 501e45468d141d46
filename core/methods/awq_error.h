#pragma once
// E for AWQ's α grid, which judges 20 candidates on the same layer: through a Cholesky factor
// C = L Lᵀ, tr(Δ C Δᵀ) = ‖Δ L‖²_F, and because L is lower triangular the product costs half of
// Δ·C (column block [c, c+b) of Δ L needs only Δ's columns from c on). The factorisation
// (d_in³/3) is paid once. Narrow layers, where the saving is small, go through OutputError.
#include <optional>

#include "../layer.h"
#include "../output_error.h"

namespace layerlens {

struct CalibrationStats;
class Progress;

class CandidateError {
public:
    // W and stats must outlive this object.
    CandidateError(const MatrixF& W, const CalibrationStats& stats);
    // E(Ŵ) = tr((W−Ŵ) C (W−Ŵ)ᵀ) / tr(W C Wᵀ). With a progress, checks for cancellation between
    // column blocks (one candidate on 4096 × 4096 is ~1 s of products).
    double relative(const MatrixF& W_hat, const Progress* progress = nullptr) const;
    // Whether the triangular factor is in use (false: plain OutputError).
    bool factored() const { return L_.size() > 0; }
    // The jitter added to diag C before factoring, as a fraction of mean diag C (0 if unfactored).
    double jitter() const { return jitter_; }

    // From this width on the factor pays for itself.
    static constexpr Eigen::Index kMinFactoredWidth = 1024;

private:
    double absolute(const MatrixF& delta, const Progress* progress) const;
    const MatrixF& W_;
    std::optional<OutputError> plain_;   // narrow layers, or when the factorisation failed
    MatrixF L_;
    double jitter_ = 0.0;
    double energy_ = 0.0;
};

}  // namespace layerlens
