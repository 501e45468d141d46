#pragma once
// Spectral facts about the input auto-correlation C that AWP reports and needs: λ_max (PGD's
// step size η = 1/λ_max) and the condition number (how slowly plain PGD will converge).
#include "../layer.h"

namespace layerlens {

class Progress;

struct PowerIteration {
    double lambda_max = 0.0;   // Rayleigh quotient of the last iterate (a lower bound on λ_max)
    int iterations = 0;
    bool converged = false;
};

// Power iteration on the symmetric PSD matrix C (d_in² flops per step, float products with the
// vector renormalised in double). Stops when the Rayleigh quotient changes by less than
// `relative_tolerance` or after max_iterations. Deterministic: starts from the all-ones vector
// plus a fixed ramp, so no eigenvector of a real C is orthogonal to it in practice.
// Checks `progress` for cancellation every 10 steps (a step on d_in = 11008 reads 0.5 GB).
PowerIteration largest_eigenvalue(const MatrixF& C, Progress* progress = nullptr, int max_iterations = 300,
                                  double relative_tolerance = 1e-7);

struct ConditionEstimate {
    double lambda_max = 0.0;
    double lambda_min = 0.0;   // may be 0 (or round-off negative, clamped to 0) for singular C
    double cond = 0.0;         // λ_max/λ_min, capped at 1e15 when C is numerically singular
    bool exact = false;        // all eigenvalues computed (small d_in) rather than a Lanczos estimate
};

// cond(C) for reporting: LAPACK's symmetric eigen-solver (eigenvalues only, double) up to
// d_in = exact_limit, above that 80 steps of Lanczos with full reorthogonalisation, whose
// extreme Ritz values bound the spectrum from inside (λ_min is then an over-estimate, so the
// reported cond is a lower bound on the truth).
ConditionEstimate estimate_condition(const MatrixD& C, Progress* progress = nullptr, Eigen::Index exact_limit = 1024);

}  // namespace layerlens
