// Core distances and the minimum spanning tree of the mutual-reachability graph: the expensive
// half of HDBSCAN.
//
// Mutual reachability (Campello, Moulavi, Sander 2013): mr(a, b) = max(core(a), core(b), d(a, b)),
// core(x) = distance from x to its (min_samples - 1)-th nearest other row (min_samples counts the
// row itself, as hdbscan and scikit-learn do; min_samples = 1 gives plain single linkage).
//
// Two exact algorithms, chosen by dimension (see src/layout/README.md for the measurements):
//   - dims <= kKdTreeMaxDim: Boruvka over a KD-tree (as the hdbscan library's boruvka_kdtree):
//     each round finds every component's lightest outgoing edge with branch-and-bound queries
//     pruned by bounding boxes, subtree minimum core distances and the component's best edge so
//     far; O(n log n)-ish per round, log n rounds. Core distances come from the same tree.
//   - higher dims: Prim's algorithm on the implicit complete graph, O(n^2 d) with SIMD distances
//     (KD-trees degrade to brute force there), skipping distance computations that cannot beat a
//     vertex's current best (the core distances bound them from below). Core distances from the
//     blocked exact kNN.
// All distances are Euclidean; cosine is handled by the caller (normalised rows, see hdbscan.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "layout/common.h"

namespace kspace::layout {

inline constexpr int kKdTreeMaxDim = 24;

struct MstEdge {
  int32_t a = 0, b = 0;
  float weight = 0.0f;  // mutual-reachability distance (Euclidean units)
};

// core[i] for every row (0 when min_samples <= 1). Errors: invalid data, min_samples < 1 or
// > rows ("minSamples"), cancellation.
Result<std::vector<float>> CoreDistances(MatrixView data, int min_samples, const Progress& progress = {});

// Both at once (what HDBSCAN uses): the kNN lists behind the core distances also seed Boruvka's
// bounds. `core_out` receives the core distances.
Result<std::vector<MstEdge>> CoreDistancesAndMst(MatrixView data, int min_samples, std::vector<float>* core_out,
                                                 const Progress& progress = {});

// The n - 1 edges of a minimum spanning tree of the mutual-reachability graph, in the order found.
// `core` has one entry per row. Errors: invalid data, core size mismatch, cancellation.
Result<std::vector<MstEdge>> MutualReachabilityMst(MatrixView data, const std::vector<float>& core,
                                                   const Progress& progress = {});

}  // namespace kspace::layout
