// Small dense linear algebra used inside the layout library (not a general-purpose API).
//
// Everything here is double precision and sized for the small matrices the algorithms produce
// (a PCA sketch of at most ~100 columns, a Lanczos tridiagonal of at most ~150 steps, a covariance
// of at most ~64 dimensions), so the simple, robust algorithms win: cyclic Jacobi for symmetric
// eigenproblems, twice-applied modified Gram-Schmidt for orthonormalisation.
#pragma once

#include <cstdint>
#include <vector>

namespace kspace::layout::linalg {

// Eigen-decomposition of the symmetric n x n matrix `a` (row-major; only needs to be symmetric,
// it is overwritten). On return values[i] are the eigenvalues in decreasing order and
// vectors[i*n .. i*n+n) the unit eigenvector of values[i] (one vector per row).
void SymmetricEigen(int n, std::vector<double>& a, std::vector<double>* values,
                    std::vector<double>* vectors);

// Orthonormalises the `count` vectors of length `len` stored contiguously in `v` (vector j at
// v[j*len]) in place, in order. A vector that is (numerically) in the span of the previous ones
// becomes all zeros; returns how many vectors are non-zero afterwards.
int Orthonormalize(std::vector<double>& v, int count, int64_t len);

// Makes the entry of largest magnitude of each of the `count` vectors of length `len` positive, so
// that eigen/singular vectors (defined up to sign) come out the same way every time.
void FixSigns(std::vector<double>& v, int count, int64_t len);

}  // namespace kspace::layout::linalg
