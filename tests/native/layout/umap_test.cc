#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "layout/knn.h"
#include "layout/metrics.h"
#include "layout/umap.h"
#include "test_data.h"

namespace kspace::layout {
namespace {

// Fraction of each row's k nearest embedding neighbours that share its label, averaged.
double LabelPurity(const Matrix& emb, const std::vector<int32_t>& labels, int k) {
  auto g = ExactKnnGraph(emb.view(), k, Metric::kEuclidean);
  EXPECT_TRUE(g.ok());
  double total = 0;
  for (int i = 0; i < g->n; ++i) {
    int same = 0;
    for (int t = 0; t < k; ++t) same += labels[g->neighbors(i)[t]] == labels[i] ? 1 : 0;
    total += static_cast<double>(same) / k;
  }
  return total / g->n;
}

UmapParams FastParams(int dim = 2) {
  UmapParams p;
  p.n_components = dim;
  p.n_epochs = 200;
  p.seed = 7;
  return p;
}

TEST(UmapCurve, FindAbMatchesUmapLearn) {
  // umap-learn: find_ab_params(1.0, 0.1) = (1.5769434603, 0.8950608779)
  auto ab = FindAbParams(1.0f, 0.1f);
  ASSERT_TRUE(ab.ok());
  EXPECT_NEAR(ab->first, 1.5769, 2e-3);
  EXPECT_NEAR(ab->second, 0.8951, 1e-3);
  // find_ab_params(1.0, 0.5) = (0.5830300205, 1.3341669304)
  auto ab2 = FindAbParams(1.0f, 0.5f);
  ASSERT_TRUE(ab2.ok());
  EXPECT_NEAR(ab2->first, 0.5830, 2e-3);
  EXPECT_NEAR(ab2->second, 1.3342, 1e-3);
  EXPECT_EQ(FindAbParams(0.0f, 0.1f).status().field(), "spread");
  EXPECT_EQ(FindAbParams(1.0f, 2.0f).status().field(), "minDist");
}

TEST(UmapGraph, SmoothKnnDistHitsTarget) {
  const float d[5] = {0.5f, 0.7f, 1.0f, 1.2f, 2.0f};
  float sigma, rho;
  umap_detail::SmoothKnnDist(d, 5, std::log2(6.0f), 1.0f, 1.0f, &sigma, &rho);
  EXPECT_FLOAT_EQ(rho, 0.5f);  // local_connectivity 1: the nearest distance
  double psum = 0;
  for (float x : d) psum += std::exp(-std::max(0.0f, x - rho) / sigma);
  EXPECT_NEAR(psum, std::log2(6.0), 1e-3);
  // local_connectivity 1.5 interpolates between the first two.
  umap_detail::SmoothKnnDist(d, 5, std::log2(6.0f), 1.5f, 1.0f, &sigma, &rho);
  EXPECT_NEAR(rho, 0.6f, 1e-6);
}

TEST(Umap, SeparatesGaussianBlobsAndPreservesNeighbours) {
  auto data = testing::Blobs(5, 100, 20, 4.0f, 1.0f, 3);
  for (int dim : {2, 3}) {
    auto model = FitUmap(data.x.view(), FastParams(dim));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    ASSERT_EQ(model->embedding.rows, 500);
    ASSERT_EQ(model->embedding.cols, dim);
    for (float v : model->embedding.data) ASSERT_TRUE(std::isfinite(v));
    EXPECT_GT(LabelPurity(model->embedding, data.labels, 10), 0.98) << "dim " << dim;
    auto q = ProjectionQualityAtK(data.x.view(), model->embedding.view(), 10);
    ASSERT_TRUE(q.ok());
    EXPECT_GT(q->trustworthiness, 0.90) << "dim " << dim;
    EXPECT_GT(model->a, 1.5f);
  }
}

TEST(Umap, SpectralInitOnConnectedGraph) {
  // One elongated blob: a connected kNN graph -> spectral initialisation.
  auto data = testing::Blobs(1, 300, 5, 0.0f, 1.0f, 5);
  for (int i = 0; i < 300; ++i) data.x.row(i)[0] *= 10.0f;
  auto model = FitUmap(data.x.view(), FastParams());
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->init_used, UmapInit::kSpectral);
  auto q = ProjectionQualityAtK(data.x.view(), model->embedding.view(), 10);
  ASSERT_TRUE(q.ok());
  EXPECT_GT(q->trustworthiness, 0.85);
  // Well separated blobs: disconnected -> PCA fallback.
  auto blobs = testing::Blobs(3, 100, 10, 20.0f, 1.0f, 5);
  auto m2 = FitUmap(blobs.x.view(), FastParams());
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->init_used, UmapInit::kPca);
}

TEST(Umap, DeterministicForASeed) {
  auto data = testing::Blobs(3, 80, 10, 3.0f, 1.0f, 9);
  auto a = FitUmap(data.x.view(), FastParams());
  auto b = FitUmap(data.x.view(), FastParams());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->embedding.data, b->embedding.data);
  UmapParams other = FastParams();
  other.seed = 8;
  auto c = FitUmap(data.x.view(), other);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->embedding.data, c->embedding.data);
}

TEST(Umap, LockedRowsNeverMove) {
  auto data = testing::Blobs(4, 60, 12, 4.0f, 1.0f, 13);
  UmapPins pins;
  for (int r : {0, 5, 61, 130, 200, 239}) {
    pins.rows.push_back(r);
    pins.coords.push_back(static_cast<float>(r) * 0.1f - 7.0f);
    pins.coords.push_back(3.5f - static_cast<float>(r % 7));
  }
  int reports = 0;
  auto model = FitUmap(data.x.view(), FastParams(), pins, [&](double) { ++reports; return true; });
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_GT(reports, 10);
  for (size_t t = 0; t < pins.rows.size(); ++t) {
    EXPECT_EQ(model->embedding.row(pins.rows[t])[0], pins.coords[2 * t]);
    EXPECT_EQ(model->embedding.row(pins.rows[t])[1], pins.coords[2 * t + 1]);
  }
  // The other rows moved around the pins (the layout is not degenerate).
  EXPECT_GT(LabelPurity(model->embedding, data.labels, 5), 0.9);
  // Pinned rows in a transform stay too.
  Matrix fresh(3, 12);
  for (int i = 0; i < 3; ++i) std::copy(data.x.row(10 + i), data.x.row(10 + i) + 12, fresh.row(i));
  UmapPins tpins;
  tpins.rows = {1};
  tpins.coords = {42.0f, -42.0f};
  ExactKnn index(data.x.view(), Metric::kEuclidean);
  auto placed = TransformUmap(*model, index, fresh.view(), tpins);
  ASSERT_TRUE(placed.ok()) << placed.status().ToString();
  EXPECT_EQ(placed->row(1)[0], 42.0f);
  EXPECT_EQ(placed->row(1)[1], -42.0f);
}

TEST(Umap, TransformOfDuplicateLandsNextToTheOriginal) {
  auto data = testing::Blobs(4, 100, 16, 4.0f, 1.0f, 17);
  auto model = FitUmap(data.x.view(), FastParams());
  ASSERT_TRUE(model.ok());
  const Matrix& emb = model->embedding;
  auto emb_knn = ExactKnnGraph(emb.view(), 10, Metric::kEuclidean);
  ASSERT_TRUE(emb_knn.ok());
  const int rows[] = {3, 150, 222, 399};
  Matrix dup(8, 16);
  Rng rng(5);
  for (int t = 0; t < 4; ++t) {
    std::copy(data.x.row(rows[t]), data.x.row(rows[t]) + 16, dup.row(t));  // exact duplicates
    for (int j = 0; j < 16; ++j) dup.row(4 + t)[j] = data.x.row(rows[t])[j] + 0.01f * static_cast<float>(rng.Normal());
  }
  ExactKnn index(data.x.view(), Metric::kEuclidean);
  auto placed = TransformUmap(*model, index, dup.view());
  ASSERT_TRUE(placed.ok()) << placed.status().ToString();
  for (int t = 0; t < 8; ++t) {
    const int r = rows[t % 4];
    const float dx = placed->row(t)[0] - emb.row(r)[0], dy = placed->row(t)[1] - emb.row(r)[1];
    const float dist = std::sqrt(dx * dx + dy * dy);
    if (t < 4) {
      EXPECT_EQ(dist, 0.0f) << "exact duplicate of row " << r;
    } else {
      // A near duplicate (noise 1% of the blob spread) lands among the original's neighbours:
      // within twice the distance of the original's 10th nearest neighbour in the map.
      EXPECT_LT(dist, 2.0f * emb_knn->distances(r)[9]) << "near duplicate of row " << r;
    }
  }
  // The training embedding is not modified by a transform.
  auto again = FitUmap(data.x.view(), FastParams());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->embedding.data, model->embedding.data);
}

TEST(Umap, ModelRoundTripsThroughBytes) {
  auto data = testing::Blobs(2, 60, 8, 4.0f, 1.0f, 19);
  auto model = FitUmap(data.x.view(), FastParams(3));
  ASSERT_TRUE(model.ok());
  std::vector<uint8_t> bytes = SerializeUmapModel(*model);
  auto back = DeserializeUmapModel(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->embedding.data, model->embedding.data);
  EXPECT_EQ(back->a, model->a);
  EXPECT_EQ(back->b, model->b);
  EXPECT_EQ(back->params.n_neighbors, model->params.n_neighbors);
  EXPECT_EQ(back->params.n_epochs, 200);
  EXPECT_EQ(back->init_used, model->init_used);
  // Transform with the restored model equals transform with the original.
  Matrix q(1, 8);
  std::copy(data.x.row(7), data.x.row(7) + 8, q.row(0));
  ExactKnn index(data.x.view(), Metric::kEuclidean);
  auto p1 = TransformUmap(*model, index, q.view());
  auto p2 = TransformUmap(*back, index, q.view());
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_EQ(p1->data, p2->data);
  // Any flipped byte or truncation is CORRUPT.
  for (size_t at : {size_t{0}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> bad = bytes;
    bad[at] ^= 0x40;
    EXPECT_EQ(DeserializeUmapModel(bad).status().code(), Code::kCorrupt) << "byte " << at;
  }
  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 9);
  EXPECT_EQ(DeserializeUmapModel(cut).status().code(), Code::kCorrupt);
  EXPECT_EQ(DeserializeUmapModel({}).status().code(), Code::kCorrupt);
}

TEST(Umap, FromProvidedGraph) {
  auto data = testing::Blobs(3, 70, 10, 4.0f, 1.0f, 23);
  auto g = ExactKnnGraph(data.x.view(), 20, Metric::kEuclidean);  // more columns than needed
  ASSERT_TRUE(g.ok());
  auto with_data = FitUmapFromGraph(*g, data.x.view(), FastParams());
  auto without = FitUmapFromGraph(*g, MatrixView(), FastParams());
  ASSERT_TRUE(with_data.ok() && without.ok());
  EXPECT_GT(LabelPurity(with_data->embedding, data.labels, 10), 0.95);
  EXPECT_GT(LabelPurity(without->embedding, data.labels, 10), 0.95);
  KnnGraph small = *g;
  small.k = 5;
  small.idx.resize(static_cast<size_t>(small.n) * 5);
  small.dist.resize(static_cast<size_t>(small.n) * 5);
  EXPECT_EQ(FitUmapFromGraph(small, MatrixView(), FastParams()).status().field(), "knn");
}

TEST(Umap, BadInputsAreTypedErrors) {
  Matrix x(30, 4);
  for (int i = 0; i < 30; ++i)
    for (int j = 0; j < 4; ++j) x.row(i)[j] = static_cast<float>(i * 4 + j);
  UmapParams p = FastParams();
  EXPECT_EQ(FitUmap(MatrixView(x.data.data(), 0, 4), p).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(FitUmap(MatrixView(x.data.data(), 1, 4), p).status().code(), Code::kInvalidArgument);
  auto few = FitUmap(MatrixView(x.data.data(), 10, 4), p);  // n < n_neighbors
  EXPECT_EQ(few.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(few.status().field(), "nNeighbors");
  UmapParams bad = p;
  bad.min_dist = 2.0f;
  EXPECT_EQ(FitUmap(x.view(), bad).status().field(), "minDist");
  bad = p;
  bad.n_components = 0;
  EXPECT_EQ(FitUmap(x.view(), bad).status().field(), "nComponents");
  bad = p;
  bad.n_neighbors = 1;
  EXPECT_EQ(FitUmap(x.view(), bad).status().field(), "nNeighbors");
  UmapPins pins;
  pins.rows = {40};
  pins.coords = {0, 0};
  EXPECT_EQ(FitUmap(x.view(), p, pins).status().field(), "pins");
  pins.rows = {1};
  pins.coords = {0};
  EXPECT_EQ(FitUmap(x.view(), p, pins).status().field(), "pins");
  Matrix nan = x;
  nan.row(4)[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(FitUmap(nan.view(), p).status().field(), "data");
  EXPECT_EQ(FitUmap(x.view(), p, {}, [](double f) { return f < 0.5; }).status().code(), Code::kCancelled);
  // Transform with mismatched dims.
  auto model = FitUmap(x.view(), p);
  ASSERT_TRUE(model.ok());
  Matrix q(2, 5);
  ExactKnn index(x.view(), Metric::kEuclidean);
  EXPECT_EQ(TransformUmap(*model, index, q.view()).status().field(), "queries");
  KnnGraph g;
  g.n = 1;
  g.k = 2;
  g.idx = {0, 99};
  g.dist = {0.0f, 1.0f};
  EXPECT_EQ(TransformUmap(*model, g).status().field(), "knn");
}

}  // namespace
}  // namespace kspace::layout
