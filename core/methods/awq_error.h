#pragma once
// E for AWQ's α grid, which judges 20 candidates on the same layer through a factor of C paid
// for once, so each candidate costs less than the d_out·d_in² of Δ·C:
//   - triangular: C = L Lᵀ (Cholesky), tr(Δ C Δᵀ) = ‖Δ L‖²_F, and column block [c, c+b) of Δ L
//     needs only Δ's columns from c on: half the work of Δ·C;
//   - low rank: with fewer tokens than d_in/2 the statistics keep X, C = XᵀX/n, and
//     ‖X Δᵀ‖²/n costs d_out·d_in·n.
// Narrow layers, where the saving is small, go through OutputError.
#include <optional>

#include "../layer.h"
#include "../output_error.h"

namespace layerlens {

struct CalibrationStats;
class Progress;

class CandidateError {
public:
    enum class Route { Plain, Triangular, LowRank };

    // W and stats must outlive this object.
    CandidateError(const MatrixF& W, const CalibrationStats& stats);
    // E(Ŵ) = tr((W−Ŵ) C (W−Ŵ)ᵀ) / tr(W C Wᵀ). With a progress, checks for cancellation between
    // column blocks (one candidate on 4096 × 4096 is ~1 s of products).
    double relative(const MatrixF& W_hat, const Progress* progress = nullptr) const;
    Route route() const { return route_; }
    bool factored() const { return route_ != Route::Plain; }
    // Columns of the factor (d_in for the triangular one, the token count for the low-rank one).
    Eigen::Index factor_width() const { return tokens_ ? tokens_->rows() : factor_.cols(); }

    // From this width on a factor pays for itself.
    static constexpr Eigen::Index kMinFactoredWidth = 1024;

private:
    double absolute(const MatrixF& delta, const Progress* progress) const;
    bool factor_triangular(const CalibrationStats& stats);
    const MatrixF& W_;
    std::optional<OutputError> plain_;   // narrow layers, or when factoring failed
    Route route_ = Route::Plain;
    MatrixF factor_;                     // L (d_in × d_in, lower) for the triangular route
    const MatrixF* tokens_ = nullptr;    // stats' X (n × d_in) for the low-rank route
    double token_weight_ = 0.0;          // its 1/n
    double energy_ = 0.0;
};

}  // namespace layerlens
