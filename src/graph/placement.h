// The numeric inner loops of map.place (graph::PlaceNew): the filter that keeps a new chunk's
// neighbours to the projection model's training rows, the coarse "near a new node" test, and
// overlap removal around the new nodes.
//
// In their own file so that the wasm build compiles them for speed while the rest of src/graph
// (SQL and JSON glue) is compiled for size (CMakeLists.txt): the filter is asked thousands of
// times per kNN query and the overlap search checks hundreds of candidate spots per crowded node.
#pragma once

#include <cstdint>
#include <vector>

#include "index/filter.h"

namespace kspace::graph {

// The training chunks of a projection model, as a search filter: a new chunk's neighbours must be
// rows of the model (other new chunks, which the index already holds, have no place in it yet).
// Labels are mapped to model rows by a table indexed by label when the labels are dense enough
// (a chunk's label is its row id, so a space's labels mostly are), else by binary search.
class TrainingRows final : public index::Filter {
 public:
  explicit TrainingRows(const std::vector<int64_t>& labels);
  // The model row of `label`, or -1.
  int32_t RowOf(index::Label label) const {
    if (!dense_.empty()) {
      return label >= base_ && label - base_ < dense_.size() ? dense_[static_cast<size_t>(label - base_)] : -1;
    }
    return SparseRowOf(label);
  }
  bool Allows(index::Label label) const override { return RowOf(label) >= 0; }
  void set_selectivity(double s) { selectivity_ = s; }
  double Selectivity() const override { return selectivity_; }

 private:
  int32_t SparseRowOf(index::Label label) const;
  index::Label base_ = 0;
  std::vector<int32_t> dense_;                             // row by label - base_, -1 for none
  std::vector<std::pair<index::Label, int32_t>> sorted_;  // when too sparse for dense_
  double selectivity_ = -1.0;
};

// A set of grid cells (x, y pairs of cell coordinates), for "is this point within one cell of any
// of them". Open addressing over a power-of-two table: no allocation per cell.
class CellSet {
 public:
  CellSet(double cell, size_t expected);
  void Add(double x, double y);
  // True if the cell of (x, y) or one of its 8 neighbours is in the set.
  bool Near(double x, double y) const;

 private:
  bool Has(int64_t cx, int64_t cy) const;
  double cell_;
  std::vector<uint64_t> keys_;  // packed cells (every 64-bit value is one: used_ marks the slots)
  std::vector<uint8_t> used_;
  uint64_t mask_ = 0;
};

// Moves each new node (x, y pairs in `pos`, in order) to the free spot nearest to where the model
// put it: no overlap with the fixed nodes (which never move) nor with the new nodes placed before
// it. Candidates lie on rings of growing radius around the wanted position (ring step half a
// radius, angular step about half a radius), so a node lands at most about half a radius further
// than the nearest free spot. Both sets are hashed in a uniform grid of one diameter, so a
// candidate check is O(1). The search is bounded (`max_rings` rings); a node with no free spot
// within that keeps its wanted position (an overlap that the next refit resolves). Returns the
// number of nodes that moved.
int PlaceWithoutOverlap(std::vector<float>& pos, const std::vector<float>& fixed_xy, float radius, int max_rings);

}  // namespace kspace::graph
