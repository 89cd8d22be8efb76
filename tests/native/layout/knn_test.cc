#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "layout/knn.h"
#include "layout/nndescent.h"
#include "test_data.h"

namespace kspace::layout {
namespace {

// Reference: sort all distances per row (double precision).
KnnGraph NaiveKnn(MatrixView x, int k, Metric metric) {
  KnnGraph g;
  g.n = x.rows;
  g.k = k;
  for (int i = 0; i < x.rows; ++i) {
    std::vector<std::pair<double, int>> all;
    for (int j = 0; j < x.rows; ++j) {
      if (j == i) continue;
      double d = 0.0;
      if (metric == Metric::kEuclidean) {
        for (int t = 0; t < x.cols; ++t) d += (x.row(i)[t] - x.row(j)[t]) * (x.row(i)[t] - x.row(j)[t]);
        d = std::sqrt(d);
      } else {
        double ab = 0, aa = 0, bb = 0;
        for (int t = 0; t < x.cols; ++t) {
          ab += x.row(i)[t] * x.row(j)[t];
          aa += x.row(i)[t] * x.row(i)[t];
          bb += x.row(j)[t] * x.row(j)[t];
        }
        d = 1.0 - ab / std::sqrt(aa * bb);
      }
      all.push_back({d, j});
    }
    std::sort(all.begin(), all.end());
    for (int t = 0; t < k; ++t) {
      g.idx.push_back(all[t].second);
      g.dist.push_back(static_cast<float>(all[t].first));
    }
  }
  return g;
}

TEST(ExactKnn, MatchesNaiveEuclideanAndCosine) {
  // Odd sizes exercise the 2x4 tile tails; d = 37 exercises the SIMD tail.
  auto data = testing::Blobs(3, 67, 37, 2.0f, 1.0f, 7);
  for (Metric m : {Metric::kEuclidean, Metric::kCosine}) {
    auto got = ExactKnnGraph(data.x.view(), 9, m);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    KnnGraph want = NaiveKnn(data.x.view(), 9, m);
    EXPECT_GE(KnnRecall(*got, want), 0.999);
    for (size_t t = 0; t < want.dist.size(); ++t) EXPECT_NEAR(got->dist[t], want.dist[t], 2e-4f);
    for (int i = 0; i < got->n; ++i)
      for (int t = 0; t < got->k; ++t) EXPECT_NE(got->neighbors(i)[t], i) << "row lists itself";
  }
}

TEST(ExactKnn, DuplicateRowsHaveZeroDistance) {
  Matrix x(4, 3);
  const float rows[4][3] = {{1, 2, 3}, {1, 2, 3}, {10, 0, 0}, {0, 10, 0}};
  for (int i = 0; i < 4; ++i) std::copy(rows[i], rows[i] + 3, x.row(i));
  auto g = ExactKnnGraph(x.view(), 1, Metric::kEuclidean);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->neighbors(0)[0], 1);
  EXPECT_EQ(g->distances(0)[0], 0.0f);  // recomputed directly, not via |a|^2+|b|^2-2ab
  EXPECT_EQ(g->neighbors(1)[0], 0);
}

TEST(ExactKnn, QueryAgainstBase) {
  auto base = testing::Blobs(2, 50, 8, 3.0f, 1.0f, 3);
  Matrix q(2, 8);
  std::copy(base.x.row(5), base.x.row(5) + 8, q.row(0));  // a copy of base row 5
  std::copy(base.x.row(70), base.x.row(70) + 8, q.row(1));
  auto g = ExactKnnQuery(base.x.view(), q.view(), 3, Metric::kEuclidean);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->neighbors(0)[0], 5);
  EXPECT_EQ(g->distances(0)[0], 0.0f);
  EXPECT_EQ(g->neighbors(1)[0], 70);
}

TEST(ExactKnn, BadInputsAreTypedErrors) {
  Matrix x(5, 4);
  EXPECT_EQ(ExactKnnGraph(MatrixView(x.data.data(), 0, 4), 1, Metric::kEuclidean).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ExactKnnGraph(MatrixView(x.data.data(), 1, 4), 1, Metric::kEuclidean).status().code(), Code::kInvalidArgument);
  auto k_big = ExactKnnGraph(x.view(), 5, Metric::kEuclidean);  // k > n - 1
  EXPECT_EQ(k_big.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(k_big.status().field(), "k");
  EXPECT_EQ(ExactKnnGraph(x.view(), 0, Metric::kEuclidean).status().field(), "k");
  x.row(3)[2] = std::numeric_limits<float>::quiet_NaN();
  auto nan = ExactKnnGraph(x.view(), 2, Metric::kEuclidean);
  EXPECT_EQ(nan.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(nan.status().field(), "data");
  EXPECT_NE(nan.status().message().find("row 3"), std::string::npos);
  Matrix ok(5, 4), q(1, 3);
  EXPECT_EQ(ExactKnnQuery(ok.view(), q.view(), 1, Metric::kEuclidean).status().field(), "queries");
  Matrix q4(1, 4);
  EXPECT_EQ(ExactKnnQuery(ok.view(), q4.view(), 6, Metric::kEuclidean).status().field(), "k");
  EXPECT_EQ(ExactKnnGraph(MatrixView(nullptr, 5, 4), 1, Metric::kEuclidean).status().code(), Code::kInvalidArgument);
}

TEST(ExactKnn, CancelReturnsCancelled) {
  auto data = testing::Blobs(2, 100, 8, 3.0f, 1.0f, 3);
  auto g = ExactKnnGraph(data.x.view(), 3, Metric::kEuclidean, [](double) { return false; });
  EXPECT_EQ(g.status().code(), Code::kCancelled);
}

TEST(NnDescent, HighRecallOnClusteredData) {
  auto data = testing::Blobs(10, 400, 32, 1.0f, 0.5f, 11);  // 4000 rows: above the exact cut-off
  auto exact = ExactKnnGraph(data.x.view(), 15, Metric::kEuclidean);
  ASSERT_TRUE(exact.ok());
  auto approx = NnDescentGraph(data.x.view(), 15, Metric::kEuclidean);
  ASSERT_TRUE(approx.ok()) << approx.status().ToString();
  const double recall = KnnRecall(*approx, *exact);
  EXPECT_GT(recall, 0.95) << "NN-descent recall@15";
  // Distances reported are true distances of the listed rows, sorted.
  for (int i = 0; i < approx->n; i += 97) {
    for (int t = 0; t < approx->k; ++t) {
      const int j = approx->neighbors(i)[t];
      ASSERT_GE(j, 0);
      double d = 0;
      for (int c = 0; c < 32; ++c) d += (data.x.row(i)[c] - data.x.row(j)[c]) * (data.x.row(i)[c] - data.x.row(j)[c]);
      EXPECT_NEAR(approx->distances(i)[t], std::sqrt(d), 1e-3);
      if (t > 0) {
        EXPECT_LE(approx->distances(i)[t - 1], approx->distances(i)[t]);
      }
    }
  }
  // Deterministic for a seed.
  auto again = NnDescentGraph(data.x.view(), 15, Metric::kEuclidean);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->idx, approx->idx);
}

TEST(KnnGraph, ValidateAndSort) {
  KnnGraph g;
  g.n = 3;
  g.k = 2;
  g.idx = {2, 1, 0, 0, 1, 0};  // row 1 lists 0 twice; row 0 unsorted
  g.dist = {3.0f, 1.0f, 1.0f, 1.0f, 2.0f, 5.0f};
  EXPECT_TRUE(ValidateKnnGraph(g, 3, true, "knn").ok());
  SortKnnRows(&g, true);
  EXPECT_EQ(g.idx[0], 1);
  EXPECT_EQ(g.idx[1], 2);
  EXPECT_EQ(g.idx[2], 0);
  EXPECT_EQ(g.idx[3], -1);  // duplicate dropped
  KnnGraph bad = g;
  bad.idx[0] = 7;
  EXPECT_EQ(ValidateKnnGraph(bad, 3, true, "knn").code(), Code::kInvalidArgument);
  bad = g;
  bad.dist[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(ValidateKnnGraph(bad, 3, true, "knn").code(), Code::kInvalidArgument);
  bad = g;
  bad.idx.pop_back();
  EXPECT_EQ(ValidateKnnGraph(bad, 3, true, "knn").code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kspace::layout
