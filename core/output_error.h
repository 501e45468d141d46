#pragma once
// The one number every method is judged by (DESIGN.md):
//   E(Ŵ) = tr((W−Ŵ) C (W−Ŵ)ᵀ) / tr(W C Wᵀ) = ‖X(W−Ŵ)ᵀ‖²_F / ‖XWᵀ‖²_F
// computed from C, never from X, plus where the error sits (per output row, per input channel).
// Any finite W and Ŵ are judged: a difference outside float32's comfortable range is scaled by a
// power of two before the product (E does not depend on the scale of W).
#include <optional>
#include <string>

#include "layer.h"

namespace layerlens {

struct CalibrationStats;
class Progress;

// The power of two 2^e that brings a largest magnitude into [1, 2) when it lies outside
// [2⁻¹⁶, 2¹⁶], else e = 0 (also for 0 and non-finite values). Inside that range float32 products
// of inputs, weights and their sums over thousands of terms neither overflow nor underflow, and
// ordinary data keeps bitwise the numbers it always had; outside it the statistics, E and the
// methods work on the data times 2^-e, which is exact.
int range_exponent(double max_abs);

// ‖Δ Xᵀ‖²_F for the tokens the statistics keep when there are fewer than d_in/2 of them
// (C = XᵀX/n): d_out·d_in·n work against the d_out·d_in² of a product through C, and a sum of
// squares with no cancellation. Taken in blocks of tokens, so the product holds d_out × 512
// numbers and a progress, if given, is checked for cancellation between blocks. The double
// version multiplies in double (the tokens are X's own floats, so it is as exact as C in double).
double squared_norm_through_tokens(const MatrixF& delta, const MatrixF& tokens, const Progress* progress = nullptr);
double squared_norm_through_tokens(const MatrixD& delta, const MatrixF& tokens);

// A loss a float loop computed (AWP's iterations), as E: loss / energy, or, below
// OutputError::kFloatFloor where float cannot judge it, judged() — the iterate's Ŵ by relative().
template <class Judged>
double float_or_judged(double loss, double energy, Judged&& judged);

struct ErrorBreakdown {
    double E = 0.0;
    VectorD per_row;       // row i's share of E; sums to E
    VectorD per_channel;   // channel j's share of E (Δ_:j · (ΔC)_:j); sums to E
};

class OutputError {
public:
    // C is the auto-correlation XᵀX/n of the layer's inputs; W the original weight. C_exact, if
    // given, is the same C in double, used where E is too small for float products (relative()).
    OutputError(const MatrixF& W, const MatrixF& C, const MatrixD* C_exact = nullptr);
    // The statistics' C in float for the products and in double for the smallest errors; their
    // tokens, when they kept them, for every product instead (cheaper than C, see above).
    OutputError(const MatrixF& W, const CalibrationStats& stats);

    // InputError (naming the inputs) when even double cannot judge Ŵ: see relative() in the .cpp.
    double relative(const MatrixF& W_hat) const;
    // E of Ŵ from tr(Δ_i C Δ_iᵀ) per row as a method claims it (its closed form), in the units of
    // W and C, after checking the claim: a spot check of kSpotRows rows by the product must agree
    // to kSpotTolerance of the rows' energy. Empty when the check fails or E is below the float
    // floor (relative() takes those in double): the caller then computes relative(Ŵ).
    std::optional<double> relative_from_rows(const MatrixF& W_hat, const VectorD& claimed_per_row) const;
    // Below this fraction of the energy a float quadratic form is not trusted (relative()): a loss
    // curve computed in float takes such values from relative() too.
    static constexpr double kFloatFloor = 1e-3;
    static constexpr Eigen::Index kSpotRows = 8;
    static constexpr double kSpotTolerance = 1e-4;
    ErrorBreakdown breakdown(const MatrixF& W_hat) const;
    // tr(Δ C Δᵀ) for an arbitrary difference Δ, unnormalised (PGD's loss before scaling).
    double absolute(const MatrixF& delta) const;
    double reference_energy() const { return energy_; }   // tr(W C Wᵀ)
    // What it judges against, so a caller sharing one OutputError can be checked to share the layer.
    const MatrixF& weight() const { return W_; }
    const MatrixF& correlation() const { return C_; }

private:
    double normalise(double absolute_error) const;
    const MatrixF& W_;
    const MatrixF& C_;
    const MatrixD* C_exact_;
    // tr(Δ C Δᵀ), in double where float could be wrong; Δ = W − Ŵ taken again in double if Ŵ given.
    double judged_form(const MatrixF& delta, double floor, const MatrixF* W_hat) const;
    double exact_form(const MatrixD& delta, double diagonal) const;
    bool exact_is_cheap(Eigen::Index rows) const;   // through the kept tokens in double, d_out·n·d_in ≤ 1e8
    const MatrixF* tokens_ = nullptr;         // the statistics' tokens X (C = token_weight_·XᵀX) when
                                              // products through them are cheaper, or none
    const MatrixF* exact_tokens_ = nullptr;   // the same tokens whenever kept, for the exact E
    double token_weight_ = 0.0;
    std::string source_;                      // the inputs, for a message
    double energy_;
};

template <class Judged>
double float_or_judged(double loss, double energy, Judged&& judged) {
    if (!(energy > 0)) return 0.0;
    const double E = loss / energy;
    return E >= OutputError::kFloatFloor ? E : judged();
}

}  // namespace layerlens
