#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "layout/pca.h"
#include "layout/random.h"

namespace kspace::layout {
namespace {

// n rows in d dims: rank-2 signal (variances 25 and 4 along two random orthonormal directions)
// plus isotropic noise of variance noise^2, offset far from the origin.
struct Planted {
  Matrix x;
  std::vector<double> u, v;  // the planted directions
};

Planted MakePlanted(int n, int d, double noise, uint64_t seed) {
  Rng rng(seed);
  Planted p{Matrix(n, d), std::vector<double>(d), std::vector<double>(d)};
  double nu = 0, nv = 0, uv = 0;
  for (int j = 0; j < d; ++j) {
    p.u[j] = rng.Normal();
    nu += p.u[j] * p.u[j];
  }
  for (double& x : p.u) x /= std::sqrt(nu);
  for (int j = 0; j < d; ++j) p.v[j] = rng.Normal();
  for (int j = 0; j < d; ++j) uv += p.u[j] * p.v[j];
  for (int j = 0; j < d; ++j) p.v[j] -= uv * p.u[j];
  for (int j = 0; j < d; ++j) nv += p.v[j] * p.v[j];
  for (double& x : p.v) x /= std::sqrt(nv);
  for (int i = 0; i < n; ++i) {
    const double a = 5.0 * rng.Normal(), b = 2.0 * rng.Normal();
    for (int j = 0; j < d; ++j) p.x.row(i)[j] = static_cast<float>(100.0 + a * p.u[j] + b * p.v[j] + noise * rng.Normal());
  }
  return p;
}

double AbsCos(const float* axis, const std::vector<double>& dir) {
  double s = 0, n = 0;
  for (size_t j = 0; j < dir.size(); ++j) {
    s += axis[j] * dir[j];
    n += axis[j] * axis[j];
  }
  return std::fabs(s) / std::sqrt(n);
}

class PcaPlanted : public ::testing::TestWithParam<int> {};

// d = 30 takes the exact covariance path, d = 200 the randomised SVD path.
TEST_P(PcaPlanted, RecoversPlantedLowRankStructure) {
  const int d = GetParam();
  Planted p = MakePlanted(2000, d, 0.05, 5);
  PcaParams params;
  params.components = 3;
  auto model = FitPca(p.x.view(), params);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_GT(AbsCos(model->axes.data(), p.u), 0.999);
  EXPECT_GT(AbsCos(model->axes.data() + d, p.v), 0.999);
  EXPECT_NEAR(model->explained_variance[0], 25.0, 2.5);
  EXPECT_NEAR(model->explained_variance[1], 4.0, 0.5);
  EXPECT_LT(model->explained_variance[2], 0.01);  // only noise left
  // Rank-2 signal: the first two components explain nearly everything.
  EXPECT_GT((model->explained_variance[0] + model->explained_variance[1]) / model->total_variance, 0.95);
  // Axes orthonormal.
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double s = 0;
      for (int j = 0; j < d; ++j) s += model->axes[a * d + j] * model->axes[b * d + j];
      EXPECT_NEAR(s, a == b ? 1.0 : 0.0, 1e-4);
    }
  // Transform of the training data is centred and has the explained variance.
  auto y = PcaTransform(*model, p.x.view());
  ASSERT_TRUE(y.ok());
  double mean = 0, var = 0;
  for (int i = 0; i < y->rows; ++i) mean += y->row(i)[0];
  mean /= y->rows;
  for (int i = 0; i < y->rows; ++i) var += (y->row(i)[0] - mean) * (y->row(i)[0] - mean);
  var /= (y->rows - 1);
  EXPECT_NEAR(mean, 0.0, 1e-2);
  EXPECT_NEAR(var, model->explained_variance[0], 0.01 * var);
}

INSTANTIATE_TEST_SUITE_P(ExactAndRandomised, PcaPlanted, ::testing::Values(30, 200));

TEST(Pca, DeterministicAndSignStable) {
  Planted p = MakePlanted(500, 120, 0.1, 9);
  auto a = FitPca(p.x.view());
  auto b = FitPca(p.x.view());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->axes, b->axes);
  // Largest loading positive.
  for (int c = 0; c < 2; ++c) {
    float best = 0;
    for (int j = 0; j < 120; ++j)
      if (std::fabs(a->axes[c * 120 + j]) > std::fabs(best)) best = a->axes[c * 120 + j];
    EXPECT_GT(best, 0.0f);
  }
}

TEST(Pca, RankDeficientDataStillGivesOrthonormalAxes) {
  Matrix x(10, 5);  // all rows identical: zero variance
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 5; ++j) x.row(i)[j] = 1.0f + j;
  PcaParams params;
  params.components = 3;
  auto m = FitPca(x.view(), params);
  ASSERT_TRUE(m.ok());
  for (int a = 0; a < 3; ++a) {
    double s = 0;
    for (int j = 0; j < 5; ++j) s += m->axes[a * 5 + j] * m->axes[a * 5 + j];
    EXPECT_NEAR(s, 1.0, 1e-5);
  }
  auto y = PcaTransform(*m, x.view());
  ASSERT_TRUE(y.ok());
  for (float v : y->data) EXPECT_NEAR(v, 0.0f, 1e-5f);
}

TEST(Pca, BadInputsAreTypedErrors) {
  Matrix x(10, 4);
  EXPECT_EQ(FitPca(MatrixView(x.data.data(), 0, 4)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(FitPca(MatrixView(x.data.data(), 1, 4)).status().code(), Code::kInvalidArgument);
  PcaParams p;
  p.components = 5;
  EXPECT_EQ(FitPca(x.view(), p).status().field(), "components");
  x.row(2)[1] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(FitPca(x.view()).status().field(), "data");
  Matrix ok(10, 4), other(3, 5);
  auto m = FitPca(ok.view());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(PcaTransform(*m, other.view()).status().field(), "data");
  PcaModel broken;
  EXPECT_EQ(PcaTransform(broken, ok.view()).status().field(), "model");
  EXPECT_EQ(FitPca(ok.view(), {}, [](double) { return false; }).status().code(), Code::kCancelled);
}

}  // namespace
}  // namespace kspace::layout
