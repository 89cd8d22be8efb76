// Quality measures of clusterings and projections, stored with every model run.
//
// Silhouette, trustworthiness and continuity are O(n^2 d) exactly. Above `sample_size` rows they
// are estimated from a seeded uniform sample of rows, each scored exactly against ALL rows (not a
// sample-vs-sample approximation as in scikit-learn's silhouette_score(sample_size=...)): every
// sampled term is the true per-row term, so the estimate is unbiased and its standard error is
// about sd(per-row score) / sqrt(sample_size) (~0.002-0.005 at 1000 rows for typical data).
#pragma once

#include <cstdint>
#include <span>

#include "layout/common.h"

namespace kspace::layout {

// Mean silhouette coefficient of `labels` over `data`, in [-1, 1]. Rows labelled < 0 (noise) are
// ignored both as scored rows and as members of clusters. A row alone in its cluster scores 0
// (scikit-learn's convention). `sample_size` <= 0 or >= scored rows means exact.
// Errors: invalid data, labels size mismatch ("labels"), fewer than 2 clusters among the scored
// rows ("labels").
Result<double> Silhouette(MatrixView data, std::span<const int32_t> labels,
                          Metric metric = Metric::kEuclidean, int sample_size = 0,
                          uint64_t seed = 42);

struct ProjectionQuality {
  double trustworthiness = 0.0;  // are the low-d neighbours true neighbours? (Venna, Kaski 2001)
  double continuity = 0.0;       // are the true neighbours kept as low-d neighbours?
  int rows_scored = 0;           // n, or the sample size
};

// Trustworthiness@k and continuity@k of the projection `low` of `high` (same rows). Neighbours in
// the high space use `high_metric`; in the low space, Euclidean. Matches scikit-learn's
// trustworthiness() definition (ranks from 1, ties broken by row id). Requires 1 <= k < n / 2
// ("k"). `sample_size` as for Silhouette.
Result<ProjectionQuality> ProjectionQualityAtK(MatrixView high, MatrixView low, int k,
                                               Metric high_metric = Metric::kEuclidean,
                                               int sample_size = 0, uint64_t seed = 42);

// Adjusted Rand index of two labelings of the same rows (Hubert, Arabie 1985), in [-1, 1]
// (1 = identical partitions up to renaming; ~0 = chance). Every label value, including -1, is a
// group of its own. Identical trivial partitions (both all-one-group or both all-singletons) score
// 1, as in scikit-learn. Errors: size mismatch or empty ("labels").
Result<double> AdjustedRandIndex(std::span<const int32_t> a, std::span<const int32_t> b);

}  // namespace kspace::layout
