// Spectral embedding of a weighted undirected graph: UMAP's default initialisation.
//
// The embedding is given by the eigenvectors of the symmetric normalised Laplacian
// L = I - D^-1/2 W D^-1/2 with the smallest non-trivial eigenvalues, i.e. the largest eigenvalues
// of M = D^-1/2 W D^-1/2 after deflating the trivial one (eigenvector D^1/2 1), as umap-learn's
// spectral_layout does. They are found by Lanczos with full re-orthogonalisation on M started from
// a seeded random vector; the tridiagonal matrix is diagonalised with Jacobi. The result is an
// initialisation, so a fixed number of Lanczos steps is used (no convergence loop): accuracy of the
// Ritz vectors matters little, determinism and bounded time matter more.
#pragma once

#include <cstdint>
#include <vector>

#include "layout/common.h"

namespace kspace::layout {

// A weighted undirected graph in compressed sparse row form: both directions of every edge are
// stored, neighbours of node i are cols[offsets[i] .. offsets[i+1]). No self loops needed.
struct SparseGraph {
  int n = 0;
  std::vector<int64_t> offsets;  // n + 1
  std::vector<int32_t> cols;
  std::vector<float> weights;
};

// Labels connected components (edges of weight > 0): (*component)[i] in [0, count), numbered in
// order of their smallest node. Returns the count.
int ConnectedComponents(const SparseGraph& g, std::vector<int32_t>* component);

// The `dim` leading non-trivial eigenvectors of D^-1/2 W D^-1/2, one column per dimension
// (n x dim). Errors: FAILED_PRECONDITION when the graph is disconnected or has isolated nodes (the
// spectral embedding then separates components instead of laying them out: callers fall back to
// PCA), INVALID_ARGUMENT when n <= dim + 1, CANCELLED.
Result<Matrix> SpectralEmbedding(const SparseGraph& g, int dim, uint64_t seed,
                                 const Progress& progress = {});

}  // namespace kspace::layout
