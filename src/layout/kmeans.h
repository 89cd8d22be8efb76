// k-means: the fast flat-clustering alternative to HDBSCAN (every row gets a cluster, k is given).
//
// k-means++ seeding with greedy local trials (2 + log k candidates per centre, as scikit-learn),
// then Lloyd iterations. Distances use |x|^2 - 2 x.c + |c|^2 with SIMD inner products. An empty
// cluster is re-seeded with the row farthest from its centre. n_init restarts keep the lowest
// inertia. kCosine runs spherical k-means (unit rows, centres re-normalised each iteration).
#pragma once

#include <cstdint>
#include <vector>

#include "layout/common.h"

namespace kspace::layout {

struct KMeansParams {
  int k = 8;                  // 1 <= k <= rows
  int max_iterations = 100;
  int n_init = 1;             // independent restarts (1..100)
  double tolerance = 1e-4;    // stop when centres move less than tol * mean per-dim variance
  Metric metric = Metric::kEuclidean;
  uint64_t seed = 42;
};

struct KMeansResult {
  std::vector<int32_t> labels;  // per row, in [0, k)
  Matrix centroids;             // k x d
  double inertia = 0.0;         // sum of squared distances to the assigned centre
  int iterations = 0;           // Lloyd iterations of the kept run
  bool converged = false;
};

// Errors: invalid data, k < 1 or k > rows ("k"), bad iteration counts, CANCELLED.
Result<KMeansResult> KMeans(MatrixView data, const KMeansParams& params = {},
                            const Progress& progress = {});

// Nearest centre of each row (for new rows). Errors: dimension mismatch ("data").
Result<std::vector<int32_t>> KMeansAssign(const Matrix& centroids, MatrixView data,
                                          Metric metric = Metric::kEuclidean);

}  // namespace kspace::layout
