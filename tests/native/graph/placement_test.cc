// src/graph/placement: map.place's kNN filter (training rows), the coarse near-cell test, and
// overlap removal around new nodes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "graph/placement.h"

namespace kspace::graph {
namespace {

// The dense table (labels close together) and the sorted fallback (labels far apart) answer alike.
TEST(TrainingRows, MapsLabelsToModelRowsDenseAndSparse) {
  const std::vector<int64_t> dense{40, 7, 12, 41, 8};
  const std::vector<int64_t> sparse{40, 7, int64_t{1} << 40, 41, 8};
  for (const auto* labels : {&dense, &sparse}) {
    TrainingRows rows(*labels);
    for (size_t i = 0; i < labels->size(); ++i) {
      EXPECT_EQ(rows.RowOf(static_cast<index::Label>((*labels)[i])), static_cast<int32_t>(i));
      EXPECT_TRUE(rows.Allows(static_cast<index::Label>((*labels)[i])));
    }
    for (index::Label other : {index::Label{0}, index::Label{6}, index::Label{9}, index::Label{39}, index::Label{42},
                               index::Label{1} << 41, ~index::Label{0}}) {
      EXPECT_EQ(rows.RowOf(other), -1) << other;
      EXPECT_FALSE(rows.Allows(other));
    }
  }
  TrainingRows none(std::vector<int64_t>{});
  EXPECT_FALSE(none.Allows(1));
}

TEST(CellSet, NearMeansTheSameOrANeighbouringCell) {
  CellSet s(10.0, 2);
  s.Add(5, 5);       // cell (0, 0)
  s.Add(-95, 205);   // cell (-10, 20)
  EXPECT_TRUE(s.Near(0, 0));
  EXPECT_TRUE(s.Near(19.9, -9.9));    // cell (1, -1)
  EXPECT_FALSE(s.Near(20.1, 0));      // cell (2, 0)
  EXPECT_FALSE(s.Near(0, -10.1));     // cell (0, -2)
  EXPECT_TRUE(s.Near(-105, 215));     // cell (-11, 21)
  EXPECT_FALSE(s.Near(-115, 205));    // cell (-12, 20)
  // Many cells (the table grows past its first size) are all found.
  CellSet big(1.0, 5000);
  for (int i = 0; i < 5000; ++i) big.Add(i * 3.0 + 0.5, -i * 3.0 + 0.5);
  for (int i = 0; i < 5000; ++i) EXPECT_TRUE(big.Near(i * 3.0 + 1.7, -i * 3.0 - 0.7)) << i;
  EXPECT_FALSE(big.Near(1.5, 10.5));
}

TEST(PlaceWithoutOverlap, FreeSpotsKeptCrowdedNodesMovedAndFixedNodesUntouched) {
  const float radius = 12.0f, min_d = 2.0f * radius;
  // A dense block of fixed nodes (a 4 x 4 grid one diameter apart), and new nodes: some far away
  // (free), three wanted inside the block and on top of each other.
  std::vector<float> fixed;
  for (int x = 0; x < 4; ++x) {
    for (int y = 0; y < 4; ++y) {
      fixed.push_back(static_cast<float>(x) * min_d);
      fixed.push_back(static_cast<float>(y) * min_d);
    }
  }
  std::vector<float> pos{1000, 1000, 36, 36, 36, 36, 37, 35, 30, 200, 230, 230};
  const std::vector<float> wanted = pos;
  const std::vector<float> fixed_before = fixed;
  const int moved = PlaceWithoutOverlap(pos, fixed, radius, 16);
  EXPECT_EQ(fixed, fixed_before);
  EXPECT_EQ(pos[0], 1000.0f);  // nothing near it: stays where the model put it
  EXPECT_EQ(pos[1], 1000.0f);
  int really_moved = 0;
  for (size_t i = 0; i < pos.size() / 2; ++i) {
    if (pos[2 * i] != wanted[2 * i] || pos[2 * i + 1] != wanted[2 * i + 1]) ++really_moved;
    // At most kPlaceRings half-radius rings away (plus float slack).
    EXPECT_LE(std::hypot(pos[2 * i] - wanted[2 * i], pos[2 * i + 1] - wanted[2 * i + 1]), 16 * 0.5 * radius + 1e-3);
    // No overlap with a fixed node nor an earlier new node.
    for (size_t f = 0; f + 1 < fixed.size(); f += 2) {
      EXPECT_GE(std::hypot(pos[2 * i] - fixed[f], pos[2 * i + 1] - fixed[f + 1]), min_d * 0.999f) << i;
    }
    for (size_t j = 0; j < i; ++j) {
      EXPECT_GE(std::hypot(pos[2 * i] - pos[2 * j], pos[2 * i + 1] - pos[2 * j + 1]), min_d * 0.999f) << i << " " << j;
    }
  }
  EXPECT_EQ(moved, really_moved);
  EXPECT_EQ(moved, 3);
  EXPECT_EQ(pos[8], 30.0f);  // the other free ones stay too
  EXPECT_EQ(pos[11], 230.0f);
}

// With no room within reach a node keeps its wanted spot (the next refit resolves the overlap).
TEST(PlaceWithoutOverlap, NoRoomWithinReachKeepsTheWantedSpot) {
  const float radius = 1.0f;
  std::vector<float> fixed;
  for (int x = -40; x <= 40; ++x) {
    for (int y = -40; y <= 40; ++y) {
      fixed.push_back(static_cast<float>(x) * 2.0f);
      fixed.push_back(static_cast<float>(y) * 2.0f);
    }
  }
  std::vector<float> pos{0.5f, 0.5f};
  EXPECT_EQ(PlaceWithoutOverlap(pos, fixed, radius, 16), 0);
  EXPECT_EQ(pos, (std::vector<float>{0.5f, 0.5f}));
}

}  // namespace
}  // namespace kspace::graph
