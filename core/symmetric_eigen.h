#pragma once
// Eigenpairs of dense symmetric matrices (double), through LAPACK as OpenBLAS ships it.
// Why not Eigen's SelfAdjointEigenSolver: its tridiagonal reduction is unblocked and it always
// forms every eigenvector; at n = 4096 it takes about a minute where LAPACK's blocked dsytrd
// plus dsyevr's MRRR (only the r eigenvectors asked for) takes seconds. Eigen's solver stays as
// the fallback should LAPACK report a failure, so callers always get an answer.
#include "layer.h"

namespace layerlens {

struct Eigenpairs {
    VectorD values;    // the r largest eigenvalues, largest first
    MatrixD vectors;   // n x r, orthonormal columns in the same order
};

// The r largest eigenpairs of the symmetric matrix A (only its lower triangle is read).
// r is clamped to [0, n].
Eigenpairs largest_eigenpairs(const MatrixD& A, Eigen::Index r);

// Every eigenvalue of the symmetric matrix A (lower triangle read), ascending.
VectorD symmetric_eigenvalues(const MatrixD& A);

}  // namespace layerlens
