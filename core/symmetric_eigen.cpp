#include "symmetric_eigen.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cstddef>
#include <vector>

// LAPACK's Fortran interface (32-bit integers, as Debian's OpenBLAS is built). The trailing
// size_t arguments are the hidden lengths gfortran passes for CHARACTER arguments.
extern "C" {
void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n, double* a, const int* lda,
             const double* vl, const double* vu, const int* il, const int* iu, const double* abstol, int* m,
             double* w, double* z, const int* ldz, int* isuppz, double* work, const int* lwork, int* iwork,
             const int* liwork, int* info, std::size_t, std::size_t, std::size_t);
}

namespace layerlens {

namespace {

// dsyevr on a copy of A: all eigenvalues (vectors == false) or eigenpairs il..iu (1-based,
// ascending). Returns false if LAPACK reports a failure (then nothing is written).
bool run_dsyevr(const MatrixD& A, bool vectors, int il, int iu, VectorD& values, MatrixD& eigenvectors) {
    const int n = static_cast<int>(A.rows());
    MatrixD a = A;   // dsyevr destroys its input
    const char jobz = vectors ? 'V' : 'N';
    const char range = vectors ? 'I' : 'A';
    const char uplo = 'L';   // column-major lower triangle = what Eigen's lower triangle holds
    const double unused = 0.0, abstol = 0.0;   // 0: LAPACK's default tolerance
    const int count = vectors ? iu - il + 1 : n;
    const int ldz = std::max(1, n);
    std::vector<double> w(static_cast<std::size_t>(std::max(1, n)));
    MatrixD z(vectors ? n : 1, vectors ? count : 1);
    std::vector<int> isuppz(2 * static_cast<std::size_t>(std::max(1, count)));
    int m = 0, info = 0;
    // Workspace query first (lwork = liwork = -1), as LAPACK asks.
    double work_size = 0.0;
    int iwork_size = 0, query = -1;
    dsyevr_(&jobz, &range, &uplo, &n, a.data(), &ldz, &unused, &unused, &il, &iu, &abstol, &m, w.data(), z.data(),
            &ldz, isuppz.data(), &work_size, &query, &iwork_size, &query, &info, 1, 1, 1);
    if (info != 0) return false;
    const int lwork = static_cast<int>(work_size) + 1;
    const int liwork = std::max(1, iwork_size);
    std::vector<double> work(static_cast<std::size_t>(lwork));
    std::vector<int> iwork(static_cast<std::size_t>(liwork));
    dsyevr_(&jobz, &range, &uplo, &n, a.data(), &ldz, &unused, &unused, &il, &iu, &abstol, &m, w.data(), z.data(),
            &ldz, isuppz.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1, 1);
    if (info != 0 || m != count) return false;
    values = Eigen::Map<const VectorD>(w.data(), m);
    if (vectors) eigenvectors = std::move(z);
    return true;
}

}  // namespace

Eigenpairs largest_eigenpairs(const MatrixD& A, Eigen::Index r) {
    const Eigen::Index n = A.rows();
    r = std::clamp<Eigen::Index>(r, 0, n);
    Eigenpairs out;
    if (r == 0) {
        out.values.resize(0);
        out.vectors.resize(n, 0);
        return out;
    }
    VectorD ascending;
    MatrixD vectors;
    if (!run_dsyevr(A, true, static_cast<int>(n - r + 1), static_cast<int>(n), ascending, vectors)) {
        const Eigen::SelfAdjointEigenSolver<MatrixD> eigen(A);
        ascending = eigen.eigenvalues().tail(r);
        vectors = eigen.eigenvectors().rightCols(r);
    }
    out.values = ascending.reverse();
    out.vectors = vectors.rowwise().reverse();
    return out;
}

VectorD symmetric_eigenvalues(const MatrixD& A) {
    VectorD values;
    MatrixD unused;
    if (A.rows() == 0) return VectorD(0);
    if (run_dsyevr(A, false, 1, static_cast<int>(A.rows()), values, unused)) return values;
    return Eigen::SelfAdjointEigenSolver<MatrixD>(A, Eigen::EigenvaluesOnly).eigenvalues();
}

}  // namespace layerlens
