#include <gtest/gtest.h>

#include <limits>

#include "layout/kmeans.h"
#include "layout/metrics.h"
#include "test_data.h"

namespace kspace::layout {
namespace {

TEST(KMeans, RecoversSeparatedBlobs) {
  auto data = testing::Blobs(5, 120, 10, 6.0f, 1.0f, 61);
  KMeansParams p;
  p.k = 5;
  p.n_init = 3;
  auto r = KMeans(data.x.view(), p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(*AdjustedRandIndex(r->labels, data.labels), 0.99);
  EXPECT_TRUE(r->converged);
  EXPECT_EQ(r->centroids.rows, 5);
  // Inertia is the sum of squared distances to the assigned centre.
  double inertia = 0;
  for (int i = 0; i < data.x.rows; ++i)
    for (int j = 0; j < 10; ++j) {
      const double t = data.x.row(i)[j] - r->centroids.row(r->labels[i])[j];
      inertia += t * t;
    }
  EXPECT_NEAR(r->inertia, inertia, 1e-3 * inertia);
  // Every centre is the mean of its rows (Lloyd fixed point).
  auto assign = KMeansAssign(r->centroids, data.x.view());
  ASSERT_TRUE(assign.ok());
  EXPECT_EQ(*assign, r->labels);
}

TEST(KMeans, DeterministicAndHandlesKEqualsN) {
  auto data = testing::Blobs(3, 30, 4, 3.0f, 1.0f, 63);
  KMeansParams p;
  p.k = 4;
  auto a = KMeans(data.x.view(), p);
  auto b = KMeans(data.x.view(), p);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->labels, b->labels);
  EXPECT_EQ(a->centroids.data, b->centroids.data);
  Matrix small(3, 2);
  small.row(0)[0] = 0;
  small.row(1)[0] = 1;
  small.row(2)[0] = 5;
  p.k = 3;
  auto all = KMeans(small.view(), p);
  ASSERT_TRUE(all.ok());
  EXPECT_NEAR(all->inertia, 0.0, 1e-9);
  EXPECT_NE(all->labels[0], all->labels[1]);
  EXPECT_NE(all->labels[1], all->labels[2]);
}

TEST(KMeans, SphericalUsesDirections) {
  auto data = testing::Blobs(3, 80, 5, 3.0f, 0.2f, 65);
  Rng rng(66);
  for (int i = 0; i < data.x.rows; ++i) {
    const float s = rng.UniformFloat(0.1f, 50.0f);
    for (int j = 0; j < 5; ++j) data.x.row(i)[j] *= s;
  }
  KMeansParams p;
  p.k = 3;
  p.metric = Metric::kCosine;
  p.n_init = 3;
  auto r = KMeans(data.x.view(), p);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(*AdjustedRandIndex(r->labels, data.labels), 0.95);
}

TEST(KMeans, BadInputsAreTypedErrors) {
  Matrix x(5, 2);
  KMeansParams p;
  p.k = 6;
  EXPECT_EQ(KMeans(x.view(), p).status().field(), "k");  // k > n
  p.k = 0;
  EXPECT_EQ(KMeans(x.view(), p).status().field(), "k");
  p.k = 2;
  EXPECT_EQ(KMeans(MatrixView(x.data.data(), 0, 2), p).status().code(), Code::kInvalidArgument);
  x.row(1)[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(KMeans(x.view(), p).status().field(), "data");
  Matrix c(2, 3), y(4, 2);
  EXPECT_EQ(KMeansAssign(c, y.view()).status().field(), "data");
}

}  // namespace
}  // namespace kspace::layout
