#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "layout/hdbscan.h"
#include "layout/metrics.h"
#include "layout/mst.h"
#include "test_data.h"

namespace kspace::layout {
namespace {

double Jaccard(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::set<int32_t> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  int inter = 0;
  for (int32_t x : sa) inter += sb.count(x) ? 1 : 0;
  return static_cast<double>(inter) / static_cast<double>(sa.size() + sb.size() - inter);
}

std::vector<int32_t> Members(const HdbscanResult& r, int c) {
  return std::vector<int32_t>(r.member_order.begin() + r.clusters[c].member_begin,
                              r.member_order.begin() + r.clusters[c].member_end);
}

TEST(Hdbscan, LabelledMixtureGivesHighAri) {
  auto data = testing::Blobs(6, 150, 8, 6.0f, 1.0f, 31);
  HdbscanParams p;
  p.min_cluster_size = 20;
  auto r = Hdbscan(data.x.view(), p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->num_clusters, 6);
  // Score the non-noise rows against the truth; few rows may be noise.
  int noise = 0;
  for (int32_t l : r->labels) noise += l < 0 ? 1 : 0;
  EXPECT_LT(noise, 0.1 * 900);
  auto ari = AdjustedRandIndex(r->labels, data.labels);
  ASSERT_TRUE(ari.ok());
  EXPECT_GT(*ari, 0.9);
  for (size_t i = 0; i < r->labels.size(); ++i) {
    if (r->labels[i] >= 0) {
      EXPECT_GT(r->probabilities[i], 0.0f);
      EXPECT_LE(r->probabilities[i], 1.0f);
    } else {
      EXPECT_EQ(r->probabilities[i], 0.0f);
    }
    EXPECT_GE(r->outlier_scores[i], 0.0f);
    EXPECT_LE(r->outlier_scores[i], 1.0f);
  }
}

TEST(Hdbscan, HighDimensionalInputIsReducedAndStillClustered) {
  auto data = testing::Blobs(5, 120, 96, 1.0f, 0.25f, 37);
  HdbscanParams p;
  p.min_cluster_size = 15;
  auto small = Hdbscan(data.x.view(), p);  // 600^2 x 96 is below reduce_min_work: stays raw
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->space_dim, 96);
  p.reduce_min_work = 0;  // force the reduction
  auto r = Hdbscan(data.x.view(), p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->space_dim, 16);
  EXPECT_GT(*AdjustedRandIndex(r->labels, data.labels), 0.9);
  p.reduce_above_dim = 0;  // raw 96-d: Prim path
  auto raw = Hdbscan(data.x.view(), p);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->space_dim, 96);
  EXPECT_GT(*AdjustedRandIndex(raw->labels, data.labels), 0.9);
}

TEST(Hdbscan, FindsNestedClustersInPlantedHierarchy) {
  // 3 super-blobs 200 apart, each holding 3 sub-blobs 20 apart, sigma 1.
  auto data = testing::NestedBlobs(3, 3, 80, 6, 200.0f, 20.0f, 1.0f, 41);
  HdbscanParams p;
  p.min_cluster_size = 25;
  auto r = Hdbscan(data.x.view(), p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // For every super-blob there is a condensed cluster matching it, and inside it (descendants)
  // a cluster matching each of its sub-blobs.
  for (int s = 0; s < 3; ++s) {
    std::vector<int32_t> super_rows;
    for (int i = 0; i < data.x.rows; ++i)
      if (data.labels[i] / 3 == s) super_rows.push_back(i);
    int best = -1;
    double best_j = 0;
    for (size_t c = 1; c < r->clusters.size(); ++c) {
      const double j = Jaccard(Members(*r, static_cast<int>(c)), super_rows);
      if (j > best_j) {
        best_j = j;
        best = static_cast<int>(c);
      }
    }
    ASSERT_GE(best, 1);
    EXPECT_GT(best_j, 0.95) << "super " << s;
    // Three equidistant groups split binarily: a super-blob hangs off the root or off the
    // intermediate cluster holding two of them.
    EXPECT_LE(r->clusters[best].depth, 2);
    for (int b = 0; b < 3; ++b) {
      std::vector<int32_t> sub_rows;
      for (int i = 0; i < data.x.rows; ++i)
        if (data.labels[i] == s * 3 + b) sub_rows.push_back(i);
      double sub_best = 0;
      for (size_t c = 1; c < r->clusters.size(); ++c) {
        // Must be a descendant of the super cluster.
        int up = static_cast<int>(c);
        while (up > 0 && up != best) up = r->clusters[up].parent;
        if (up != best || static_cast<int>(c) == best) continue;
        sub_best = std::max(sub_best, Jaccard(Members(*r, static_cast<int>(c)), sub_rows));
      }
      EXPECT_GT(sub_best, 0.9) << "super " << s << " sub " << b;
    }
  }
  // Hierarchy invariants: children inside parents, depth, lambdas.
  for (size_t c = 1; c < r->clusters.size(); ++c) {
    const CondensedCluster& cc = r->clusters[c];
    const CondensedCluster& pp = r->clusters[cc.parent];
    EXPECT_GE(cc.member_begin, pp.member_begin);
    EXPECT_LE(cc.member_end, pp.member_end);
    EXPECT_EQ(cc.depth, pp.depth + 1);
    EXPECT_GE(cc.lambda_birth, pp.lambda_birth);
    EXPECT_GE(cc.lambda_death, cc.lambda_birth);
    EXPECT_EQ(cc.member_end - cc.member_begin, cc.size);
  }
  EXPECT_EQ(r->clusters[0].member_end - r->clusters[0].member_begin, data.x.rows);
}

TEST(Hdbscan, UniformBackgroundIsNoise) {
  // Three tight 2-D blobs plus uniform background over a wide box.
  auto blobs = testing::Blobs(3, 300, 2, 0.0f, 1.0f, 43);
  const float cx[3] = {0, 25, 50}, cy[3] = {0, 30, 0};
  Matrix x(900 + 300, 2);
  std::vector<int32_t> truth(1200, -1);
  for (int i = 0; i < 900; ++i) {
    x.row(i)[0] = blobs.x.row(i)[0] + cx[blobs.labels[i]];
    x.row(i)[1] = blobs.x.row(i)[1] + cy[blobs.labels[i]];
    truth[i] = blobs.labels[i];
  }
  Rng rng(44);
  for (int i = 900; i < 1200; ++i) {
    x.row(i)[0] = rng.UniformFloat(-30.0f, 80.0f);
    x.row(i)[1] = rng.UniformFloat(-30.0f, 60.0f);
  }
  HdbscanParams p;
  p.min_cluster_size = 30;
  auto r = Hdbscan(x.view(), p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->num_clusters, 3);
  int bg_noise = 0, blob_ok = 0;
  for (int i = 900; i < 1200; ++i) bg_noise += r->labels[i] == -1 ? 1 : 0;
  for (int i = 0; i < 900; ++i) blob_ok += r->labels[i] >= 0 ? 1 : 0;
  // Background rows either fall out before any cluster is born (noise) or join a blob's cluster
  // at its birth and leave right after (HDBSCAN labels those as weak members, as the reference
  // hdbscan library does): most are noise and the rest have low membership probabilities.
  EXPECT_GT(bg_noise, 0.75 * 300) << "background rows labelled noise";
  EXPECT_GT(blob_ok, 0.95 * 900) << "blob rows clustered";
  double bg_prob = 0, blob_prob = 0;
  for (int i = 900; i < 1200; ++i) bg_prob += r->labels[i] >= 0 ? r->probabilities[i] : 0.0;
  for (int i = 0; i < 900; ++i) blob_prob += r->probabilities[i];
  EXPECT_LT(bg_prob / std::max(1, 300 - bg_noise), 0.25 * blob_prob / 900);
  // Noise rows are the outliers.
  double bg_score = 0, blob_score = 0;
  for (int i = 0; i < 900; ++i) blob_score += r->outlier_scores[i];
  for (int i = 900; i < 1200; ++i) bg_score += r->outlier_scores[i];
  EXPECT_GT(bg_score / 300, 2.0 * blob_score / 900);
}

TEST(Hdbscan, LeafSelectionAndSingleCluster) {
  auto data = testing::NestedBlobs(2, 2, 60, 4, 100.0f, 15.0f, 1.0f, 47);
  HdbscanParams p;
  p.min_cluster_size = 20;
  p.selection = ClusterSelection::kLeaf;
  auto leaf = Hdbscan(data.x.view(), p);
  ASSERT_TRUE(leaf.ok());
  EXPECT_GE(leaf->num_clusters, 4);
  for (const CondensedCluster& c : leaf->clusters) EXPECT_EQ(c.selected, c.children.empty() && c.parent >= 0);
  // One blob only: no clusters unless the root may be selected.
  auto one = testing::Blobs(1, 200, 3, 0.0f, 1.0f, 49);
  HdbscanParams q;
  q.min_cluster_size = 150;
  auto none = Hdbscan(one.x.view(), q);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->num_clusters, 0);
  q.allow_single_cluster = true;
  auto single = Hdbscan(one.x.view(), q);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->num_clusters, 1);
}

TEST(Hdbscan, CosineMetricClustersDirections) {
  // Directions matter, norms do not: scale rows randomly.
  auto data = testing::Blobs(4, 100, 6, 3.0f, 0.3f, 53);
  Rng rng(54);
  for (int i = 0; i < data.x.rows; ++i) {
    const float s = rng.UniformFloat(0.5f, 20.0f);
    for (int j = 0; j < 6; ++j) data.x.row(i)[j] *= s;
  }
  HdbscanParams p;
  p.min_cluster_size = 20;
  p.metric = Metric::kCosine;
  auto r = Hdbscan(data.x.view(), p);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(*AdjustedRandIndex(r->labels, data.labels), 0.85);
}

TEST(MutualReachabilityMst, PrimAndBoruvkaAgree) {
  // Same points embedded in 3 dims (KD-tree Boruvka) and padded with zero columns to 30 dims
  // (Prim): identical distances, so the MST weight must match.
  auto data = testing::Blobs(4, 75, 3, 5.0f, 1.0f, 59);
  Matrix wide(data.x.rows, 30);
  for (int i = 0; i < data.x.rows; ++i) std::copy(data.x.row(i), data.x.row(i) + 3, wide.row(i));
  for (int ms : {1, 5}) {
    auto core = CoreDistances(data.x.view(), ms);
    auto core_wide = CoreDistances(wide.view(), ms);
    ASSERT_TRUE(core.ok() && core_wide.ok());
    for (size_t i = 0; i < core->size(); ++i) EXPECT_NEAR((*core)[i], (*core_wide)[i], 1e-4);
    auto a = MutualReachabilityMst(data.x.view(), *core);
    auto b = MutualReachabilityMst(wide.view(), *core);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), 299u);
    ASSERT_EQ(b->size(), 299u);
    double wa = 0, wb = 0;
    for (const MstEdge& e : *a) wa += e.weight;
    for (const MstEdge& e : *b) wb += e.weight;
    EXPECT_NEAR(wa, wb, 1e-3 * wa) << "min_samples " << ms;
  }
}

TEST(Hdbscan, BadInputsAreTypedErrors) {
  Matrix x(20, 3);
  for (int i = 0; i < 20; ++i) x.row(i)[0] = static_cast<float>(i);
  EXPECT_EQ(Hdbscan(MatrixView(x.data.data(), 0, 3)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Hdbscan(MatrixView(x.data.data(), 1, 3)).status().code(), Code::kInvalidArgument);
  HdbscanParams p;
  p.min_cluster_size = 21;
  EXPECT_EQ(Hdbscan(x.view(), p).status().field(), "minClusterSize");
  p.min_cluster_size = 1;
  EXPECT_EQ(Hdbscan(x.view(), p).status().field(), "minClusterSize");
  p.min_cluster_size = 5;
  p.min_samples = 25;
  EXPECT_EQ(Hdbscan(x.view(), p).status().field(), "minSamples");
  Matrix nan = x;
  nan.row(7)[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(Hdbscan(nan.view()).status().field(), "data");
  EXPECT_EQ(Hdbscan(x.view(), {}, [](double) { return false; }).status().code(), Code::kCancelled);
}

}  // namespace
}  // namespace kspace::layout
