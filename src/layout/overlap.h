// Overlap removal at display scale: push apart nodes (circles in 2D, spheres in 3D) that overlap,
// moving them as little as possible and never moving locked nodes.
//
// Each iteration hashes the nodes into a uniform grid (cell ~ 2 x the median radius, so a query
// touches O(1) cells; large nodes are entered in every cell they cover), checks each candidate pair
// once, and resolves every overlap immediately along the line between the centres: split evenly
// when both nodes may move (the least-squares minimal correction), entirely on the free node when
// the other is locked, and not at all when both are locked (counted in the result). Coincident
// centres separate along a seeded pseudo-random direction. Iterations stop when a pass finds no
// movable overlap, or at max_iterations. Dense jams (nodes packed far beyond contact) are resolved
// by over-relaxing the corrections after the first 20 passes (see overlap.cc): convergence in a
// few hundred passes instead of thousands, at the cost of somewhat larger moves in that case.
#pragma once

#include <cstdint>
#include <span>

#include "layout/common.h"

namespace kspace::layout {

struct OverlapParams {
  int dim = 2;             // 2 or 3 coordinates per node
  float padding = 0.0f;    // required gap between node boundaries (>= 0)
  int max_iterations = 500;
  uint64_t seed = 42;
};

struct OverlapResult {
  int iterations = 0;           // passes run
  int64_t remaining = 0;        // overlapping pairs left (locked-locked pairs included)
  int64_t locked_pairs = 0;     // of those, pairs of two locked nodes (cannot be fixed)
  double max_displacement = 0;  // largest distance any node moved
};

// `positions`: n x dim, updated in place. `radii`: n, finite and >= 0. `locked`: empty or n flags
// (non-zero = must not move). Errors: size mismatches ("positions", "radii", "locked"),
// non-finite values, bad dim/padding/max_iterations, CANCELLED (positions then hold the partial
// result, still without moved locked nodes).
Result<OverlapResult> RemoveOverlaps(std::span<float> positions, std::span<const float> radii,
                                     std::span<const uint8_t> locked, const OverlapParams& params = {},
                                     const Progress& progress = {});

}  // namespace kspace::layout
