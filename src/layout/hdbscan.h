// HDBSCAN (Campello, Moulavi, Sander 2013; McInnes, Healy 2017): density-based clustering with a
// full cluster hierarchy.
//
// Pipeline: optional PCA reduction -> core distances -> mutual-reachability MST (mst.h) ->
// single-linkage tree -> condensed tree (min_cluster_size) -> stability -> flat selection (excess
// of mass or leaves). Noise is labelled -1.
//
// The flat labels are one cut; the engine wants clusters inside clusters to any depth, so the
// whole condensed tree is returned: every cluster with its parent, depth, size, lambda (1/distance)
// at birth and death, stability and member rows. Members are a contiguous range of member_order
// (the rows in a depth-first order of the tree), so the hierarchy costs O(n + clusters) memory.
//
// High dimensions: by default inputs with more than reduce_above_dim columns whose exact clustering
// would cost more than reduce_min_work (n^2 d) are first projected by PCA to reduce_to_dim
// dimensions (measured choice: see src/layout/README.md). Set reduce_above_dim = 0 to always
// cluster the raw vectors (exact, O(n^2 d) above kKdTreeMaxDim dims), or pass a UMAP output
// (2-10 dims) as `data` to cluster in the map's space.
#pragma once

#include <cstdint>
#include <vector>

#include "layout/common.h"

namespace kspace::layout {

enum class ClusterSelection : int {
  kExcessOfMass = 0,  // the most stable clusters (hdbscan's default "eom")
  kLeaf = 1,          // the leaves of the condensed tree: many small homogeneous clusters
};

struct HdbscanParams {
  int min_cluster_size = 10;  // >= 2: smaller splits are points falling out, not clusters
  int min_samples = 0;        // core distance neighbourhood (counting the row); 0 = min_cluster_size
  ClusterSelection selection = ClusterSelection::kExcessOfMass;
  bool allow_single_cluster = false;  // may the root be the one flat cluster
  Metric metric = Metric::kEuclidean;  // kCosine: Euclidean on unit-normalised rows (same tree)
  int reduce_above_dim = 32;  // PCA-reduce inputs with more columns than this (0 = never)...
  double reduce_min_work = 2e9;  // ...and only when exact raw clustering would cost more than this
                                 // many n*n*d operations (~1 s in wasm); below it raw is exact and
                                 // cheap (GloVe 5k x 50: raw 0.33 s vs reduced 0.86 s)
  int reduce_to_dim = 16;     // target dimension of that reduction
  uint64_t seed = 42;         // for the PCA sketch
};

struct CondensedCluster {
  int32_t parent = -1;        // index in HdbscanResult::clusters; -1 for the root (index 0)
  int32_t depth = 0;          // root 0
  int32_t size = 0;           // rows in the cluster when it is born
  float lambda_birth = 0.0f;  // 1/distance at which it splits from its parent (0 for the root)
  float lambda_death = 0.0f;  // largest lambda at which a row or child cluster leaves it
  double stability = 0.0;     // sum over its rows of (lambda leaving this cluster - lambda_birth)
  bool selected = false;      // part of the flat clustering
  int32_t label = -1;         // its flat label when selected
  int32_t member_begin = 0;   // its rows: member_order[member_begin, member_end)
  int32_t member_end = 0;
  std::vector<int32_t> children;  // child clusters
};

struct HdbscanResult {
  std::vector<int32_t> labels;          // per row: flat label in [0, num_clusters), -1 = noise
  std::vector<float> probabilities;     // per row: membership strength in [0, 1], 0 for noise
  std::vector<float> outlier_scores;    // per row: GLOSH score in [0, 1], 1 = most outlying
  std::vector<CondensedCluster> clusters;  // the condensed tree, parents before children
  std::vector<int32_t> member_order;    // row ids; each cluster's rows are a contiguous range
  std::vector<int32_t> point_cluster;   // per row: the deepest cluster it belongs to
  std::vector<float> point_lambda;      // per row: lambda at which it leaves point_cluster
  int num_clusters = 0;                 // flat clusters
  int space_dim = 0;                    // dimension the clustering ran in (after any reduction)
};

// Clusters the rows of `data`. Errors: invalid data (NaN rows, < 2 rows), min_cluster_size < 2 or
// > rows ("minClusterSize"), min_samples < 0 or > rows ("minSamples"), bad reduction dims,
// CANCELLED.
Result<HdbscanResult> Hdbscan(MatrixView data, const HdbscanParams& params = {},
                              const Progress& progress = {});

}  // namespace kspace::layout
