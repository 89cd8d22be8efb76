#include <gtest/gtest.h>

#include <vector>

#include "layout/metrics.h"
#include "test_data.h"

namespace kspace::layout {
namespace {

Matrix Column(const std::vector<float>& v) {
  Matrix m(static_cast<int>(v.size()), 1);
  for (size_t i = 0; i < v.size(); ++i) m.row(static_cast<int>(i))[0] = v[i];
  return m;
}

TEST(Silhouette, HandComputedSmallCase) {
  // A = {0, 1}, B = {4, 6}; the noise row (label -1) at 100 is ignored.
  //   s(0) = (5 - 1) / 5 = 0.8          s(1) = (4 - 1) / 4 = 0.75
  //   s(4) = (3.5 - 2) / 3.5 = 3/7      s(6) = (5.5 - 2) / 5.5 = 7/11
  Matrix x = Column({0, 1, 4, 6, 100});
  std::vector<int32_t> labels = {0, 0, 1, 1, -1};
  auto s = Silhouette(x.view(), labels);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NEAR(*s, (0.8 + 0.75 + 3.0 / 7.0 + 7.0 / 11.0) / 4.0, 1e-6);
}

TEST(Silhouette, SingletonScoresZeroAndErrors) {
  Matrix x = Column({0, 1, 10});
  std::vector<int32_t> labels = {0, 0, 1};  // row 2 alone: s = 0
  auto s = Silhouette(x.view(), labels);
  ASSERT_TRUE(s.ok());
  // s(0) = (10 - 1)/10, s(1) = (9 - 1)/9, s(2) = 0
  EXPECT_NEAR(*s, (0.9 + 8.0 / 9.0 + 0.0) / 3.0, 1e-6);
  std::vector<int32_t> one = {0, 0, 0};
  EXPECT_EQ(Silhouette(x.view(), one).status().field(), "labels");
  std::vector<int32_t> short_labels = {0, 1};
  EXPECT_EQ(Silhouette(x.view(), short_labels).status().field(), "labels");
}

TEST(Silhouette, SampledEstimateIsCloseToExact) {
  auto data = testing::Blobs(4, 300, 10, 2.0f, 1.0f, 21);
  auto exact = Silhouette(data.x.view(), data.labels);
  auto sampled = Silhouette(data.x.view(), data.labels, Metric::kEuclidean, 300, 1);
  ASSERT_TRUE(exact.ok() && sampled.ok());
  EXPECT_NEAR(*sampled, *exact, 0.03);
  EXPECT_NE(*sampled, *exact);  // it really sampled
}

TEST(ProjectionQuality, HandComputedTrustworthinessAndContinuity) {
  // High: 1-D points 0, 1, 3, 7, 15, 31 (all pairwise distances distinct). Low: the same with the
  // first and last swapped. With k = 2 the rank penalties are 3, 3, 3, 0, 0, 3 (trust) and
  // 3, 3, 3, 0, 0, 3 (continuity): T = C = 1 - 2 / (6 * 2 * (12 - 6 - 1)) * 12 = 0.6.
  Matrix high = Column({0, 1, 3, 7, 15, 31});
  Matrix low = Column({31, 1, 3, 7, 15, 0});
  auto q = ProjectionQualityAtK(high.view(), low.view(), 2);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_NEAR(q->trustworthiness, 0.6, 1e-12);
  EXPECT_NEAR(q->continuity, 0.6, 1e-12);
  auto same = ProjectionQualityAtK(high.view(), high.view(), 2);
  ASSERT_TRUE(same.ok());
  EXPECT_DOUBLE_EQ(same->trustworthiness, 1.0);
  EXPECT_DOUBLE_EQ(same->continuity, 1.0);
}

TEST(ProjectionQuality, Errors) {
  Matrix high = Column({0, 1, 3, 7, 15, 31});
  Matrix low5 = Column({0, 1, 3, 7, 15});
  EXPECT_EQ(ProjectionQualityAtK(high.view(), low5.view(), 2).status().field(), "low");
  EXPECT_EQ(ProjectionQualityAtK(high.view(), high.view(), 3).status().field(), "k");  // k >= n/2
  EXPECT_EQ(ProjectionQualityAtK(high.view(), high.view(), 0).status().field(), "k");
}

TEST(AdjustedRand, HandComputedAndLimits) {
  // Contingency [[2,1,0],[0,1,2]]: sum_ij C(n_ij,2) = 2, rows 6, cols 3, C(6,2) = 15:
  // ARI = (2 - 6*3/15) / ((6+3)/2 - 6*3/15) = 0.8 / 3.3.
  std::vector<int32_t> a = {0, 0, 0, 1, 1, 1}, b = {0, 0, 1, 1, 2, 2};
  auto r = AdjustedRandIndex(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(*r, 0.8 / 3.3, 1e-12);
  std::vector<int32_t> renamed = {7, 7, 7, -1, -1, -1};
  EXPECT_DOUBLE_EQ(*AdjustedRandIndex(a, renamed), 1.0);
  std::vector<int32_t> all_one = {3, 3, 3, 3, 3, 3}, singletons = {0, 1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(*AdjustedRandIndex(all_one, all_one), 1.0);
  EXPECT_DOUBLE_EQ(*AdjustedRandIndex(singletons, singletons), 1.0);
  EXPECT_DOUBLE_EQ(*AdjustedRandIndex(all_one, singletons), 0.0);
  std::vector<int32_t> empty;
  EXPECT_EQ(AdjustedRandIndex(empty, empty).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(AdjustedRandIndex(a, all_one).ok(), true);
  std::vector<int32_t> shorter = {0, 1};
  EXPECT_EQ(AdjustedRandIndex(a, shorter).status().field(), "labels");
}

}  // namespace
}  // namespace kspace::layout
