#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "layout/overlap.h"
#include "layout/random.h"

namespace kspace::layout {
namespace {

int64_t CountOverlaps(const std::vector<float>& pos, const std::vector<float>& r, int dim, float pad) {
  int64_t c = 0;
  const size_t n = r.size();
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      double d2 = 0;
      for (int a = 0; a < dim; ++a) d2 += (pos[i * dim + a] - pos[j * dim + a]) * (pos[i * dim + a] - pos[j * dim + a]);
      const double need = r[i] + r[j] + pad;
      if (std::sqrt(d2) < need * (1.0 - 1e-4)) ++c;
    }
  return c;
}

class OverlapDims : public ::testing::TestWithParam<int> {};

TEST_P(OverlapDims, LeavesNoOverlapsAndKeepsLockedNodes) {
  const int dim = GetParam();
  Rng rng(81);
  const int n = 800;
  std::vector<float> pos(static_cast<size_t>(n) * dim), radii(n);
  std::vector<uint8_t> locked(n, 0);
  for (float& p : pos) p = rng.UniformFloat(0.0f, 30.0f);
  for (int i = 0; i < n; ++i) radii[i] = rng.UniformFloat(0.3f, 1.2f);
  radii[0] = 4.0f;  // a big cluster node
  for (int i = 0; i < n; i += 37) locked[i] = 1;
  // Make sure locked nodes do not overlap each other (that cannot be fixed).
  for (int i = 0; i < n; i += 37) {
    pos[static_cast<size_t>(i) * dim] = static_cast<float>(i) * 0.5f;
    pos[static_cast<size_t>(i) * dim + 1] = -50.0f;
  }
  // Coincident nodes.
  for (int a = 0; a < dim; ++a) pos[5 * dim + a] = pos[6 * dim + a];
  const std::vector<float> before = pos;
  OverlapParams p;
  p.dim = dim;
  p.padding = 0.1f;
  auto r = RemoveOverlaps(pos, radii, locked, p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->remaining, 0);
  EXPECT_EQ(CountOverlaps(pos, radii, dim, 0.1f), 0);
  for (int i = 0; i < n; ++i) {
    if (!locked[i]) continue;
    for (int a = 0; a < dim; ++a) EXPECT_EQ(pos[static_cast<size_t>(i) * dim + a], before[static_cast<size_t>(i) * dim + a]);
  }
  EXPECT_GT(r->max_displacement, 0.0);
}

INSTANTIATE_TEST_SUITE_P(TwoAndThree, OverlapDims, ::testing::Values(2, 3));

TEST(Overlap, MovesMinimally) {
  // Two unit circles 1.5 apart overlap by 0.5: each moves 0.25 along the x axis, y untouched.
  std::vector<float> pos = {0, 0, 1.5f, 0}, radii = {1, 1};
  auto r = RemoveOverlaps(pos, radii, {});
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(pos[0], -0.25f, 1e-4f);
  EXPECT_NEAR(pos[2], 1.75f, 1e-4f);
  EXPECT_EQ(pos[1], 0.0f);
  EXPECT_EQ(pos[3], 0.0f);
  // With the first locked, the second moves the whole 0.5.
  pos = {0, 0, 1.5f, 0};
  std::vector<uint8_t> locked = {1, 0};
  ASSERT_TRUE(RemoveOverlaps(pos, radii, locked).ok());
  EXPECT_EQ(pos[0], 0.0f);
  EXPECT_NEAR(pos[2], 2.0f, 1e-4f);
  // Non-overlapping input is left exactly as is.
  pos = {0, 0, 5, 0};
  auto none = RemoveOverlaps(pos, radii, {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(pos[2], 5.0f);
  EXPECT_EQ(none->iterations, 1);
}

TEST(Overlap, LockedPairsAreReportedNotMoved) {
  std::vector<float> pos = {0, 0, 1, 0}, radii = {1, 1};
  std::vector<uint8_t> locked = {1, 1};
  auto r = RemoveOverlaps(pos, radii, locked);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->remaining, 1);
  EXPECT_EQ(r->locked_pairs, 1);
  EXPECT_EQ(pos[2], 1.0f);
}

TEST(Overlap, BadInputsAreTypedErrors) {
  std::vector<float> pos = {0, 0, 1}, radii = {1, 1};
  EXPECT_EQ(RemoveOverlaps(pos, radii, {}).status().field(), "positions");
  pos = {0, 0, 1, 0};
  std::vector<float> bad_r = {1, -1};
  EXPECT_EQ(RemoveOverlaps(pos, bad_r, {}).status().field(), "radii");
  std::vector<uint8_t> locked = {1};
  EXPECT_EQ(RemoveOverlaps(pos, radii, locked).status().field(), "locked");
  pos[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(RemoveOverlaps(pos, radii, {}).status().field(), "positions");
  pos[1] = 0;
  OverlapParams p;
  p.dim = 4;
  EXPECT_EQ(RemoveOverlaps(pos, radii, {}, p).status().field(), "dim");
}

}  // namespace
}  // namespace kspace::layout
