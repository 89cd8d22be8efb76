// Community detection on a weighted undirected graph (the concept co-occurrence graph): Louvain
// local moving with the Leiden refinement step (Traag, Waltman, van Eck 2019), maximising
// modularity with a resolution parameter.
//
// Each level: (1) fast local moving of nodes between communities (queue-based, random order);
// (2) refinement: inside every community, nodes start as singletons and are greedily merged only
// into well-connected sub-communities they are linked to, so every refined community is connected;
// (3) aggregation of the refined communities into super-nodes, starting the next level from the
// unrefined partition. Levels repeat until local moving changes nothing; the whole procedure
// repeats `iterations` times from the last partition. As a final guarantee, any community that is
// not connected in the input graph is split into its connected components (this never lowers
// modularity), so every returned community is connected.
//
// Refinement is greedy (the theta -> 0 limit of Leiden's randomised merge), which keeps the result
// a function of the seed and the input only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "layout/common.h"

namespace kspace::layout {

struct GraphEdge {
  int32_t u = 0, v = 0;  // node ids in [0, n); u == v is a self loop
  float weight = 1.0f;   // > 0; duplicate edges are summed
};

struct CommunityParams {
  double resolution = 1.0;  // gamma > 0: larger gives more, smaller communities
  int iterations = 2;       // full Leiden passes (each starts from the previous result)
  uint64_t seed = 42;       // node visiting order
};

struct CommunityResult {
  std::vector<int32_t> community;  // per node, in [0, num_communities), largest community first
  int num_communities = 0;
  double modularity = 0.0;         // of `community` on the input graph, with the resolution
  int levels = 0;                  // aggregation levels of the last pass
};

// Errors: n < 1 or > kMaxRows ("n"), node ids out of range, negative/NaN/Inf weights ("edges"),
// bad resolution/iterations, CANCELLED. Zero-weight edges are ignored. Isolated nodes form their
// own communities.
Result<CommunityResult> DetectCommunities(int n, std::span<const GraphEdge> edges,
                                          const CommunityParams& params = {},
                                          const Progress& progress = {});

// Modularity of a partition (labels per node; any int values) with resolution gamma:
// Q = sum_c [ L_c / m - gamma (K_c / 2m)^2 ], L_c = weight inside c (self loops once),
// K_c = total degree of c (a self loop adds 2w), m = total weight. 0 for a graph with no edges.
Result<double> Modularity(int n, std::span<const GraphEdge> edges, std::span<const int32_t> community,
                          double resolution = 1.0);

}  // namespace kspace::layout
