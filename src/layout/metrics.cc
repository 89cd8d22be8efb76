#include "layout/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "layout/distance.h"
#include "layout/random.h"

namespace kspace::layout {
namespace {

// Rows to score: all of [0, n) or a seeded sample without replacement, sorted.
std::vector<int32_t> PickRows(const std::vector<int32_t>& candidates, int sample_size, uint64_t seed) {
  std::vector<int32_t> rows = candidates;
  if (sample_size > 0 && sample_size < static_cast<int>(rows.size())) {
    Rng rng(seed);
    // Partial Fisher-Yates: the first sample_size entries are a uniform sample.
    for (int t = 0; t < sample_size; ++t) {
      const int j = t + static_cast<int>(rng.Below(static_cast<uint32_t>(rows.size() - t)));
      std::swap(rows[t], rows[j]);
    }
    rows.resize(static_cast<size_t>(sample_size));
    std::sort(rows.begin(), rows.end());
  }
  return rows;
}

// Distances from row i to every row (metric units; cosine on pre-normalised rows).
void DistanceRow(MatrixView x, int i, Metric metric, std::vector<float>* out) {
  const float* xi = x.row(i);
  for (int j = 0; j < x.rows; ++j) {
    (*out)[j] = metric == Metric::kCosine ? std::max(0.0f, 1.0f - Dot(xi, x.row(j), x.cols))
                                          : std::sqrt(SquaredL2(xi, x.row(j), x.cols));
  }
}

}  // namespace

Result<double> Silhouette(MatrixView data, std::span<const int32_t> labels, Metric metric,
                          int sample_size, uint64_t seed) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 1));
  if (labels.size() != static_cast<size_t>(data.rows)) {
    return InvalidArgument("labels must have one entry per row", "labels");
  }
  Matrix normalized;
  MatrixView x = data;
  if (metric == Metric::kCosine) {
    normalized = NormalizedRows(data);
    x = normalized.view();
  }
  // Dense cluster ids for labels >= 0.
  std::unordered_map<int32_t, int32_t> dense;
  std::vector<int32_t> cid(labels.size(), -1), scored;
  std::vector<int64_t> csize;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) continue;
    auto [it, inserted] = dense.try_emplace(labels[i], static_cast<int32_t>(csize.size()));
    if (inserted) csize.push_back(0);
    cid[i] = it->second;
    ++csize[it->second];
    scored.push_back(static_cast<int32_t>(i));
  }
  const int nc = static_cast<int>(csize.size());
  if (nc < 2) return InvalidArgument("silhouette needs at least 2 clusters (noise excluded)", "labels");
  const std::vector<int32_t> rows = PickRows(scored, sample_size, seed);
  std::vector<float> dist(static_cast<size_t>(x.rows));
  std::vector<double> sums(static_cast<size_t>(nc));
  double total = 0.0;
  for (int32_t i : rows) {
    DistanceRow(x, i, metric, &dist);
    std::fill(sums.begin(), sums.end(), 0.0);
    for (int j = 0; j < x.rows; ++j)
      if (cid[j] >= 0) sums[cid[j]] += dist[j];
    const int own = cid[i];
    if (csize[own] <= 1) continue;  // s = 0 for singletons
    const double a = sums[own] / static_cast<double>(csize[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int c = 0; c < nc; ++c)
      if (c != own) b = std::min(b, sums[c] / static_cast<double>(csize[c]));
    const double m = std::max(a, b);
    total += m > 0.0 ? (b - a) / m : 0.0;
  }
  return total / static_cast<double>(rows.size());
}

Result<ProjectionQuality> ProjectionQualityAtK(MatrixView high, MatrixView low, int k, Metric high_metric,
                                               int sample_size, uint64_t seed) {
  KS_RETURN_IF_ERROR(ValidateMatrix(high, "high", 2));
  KS_RETURN_IF_ERROR(ValidateMatrix(low, "low", 2));
  if (high.rows != low.rows) return InvalidArgument("high and low must have the same rows", "low");
  const int n = high.rows;
  if (k < 1 || 2 * k >= n) {
    return InvalidArgument("k must be in [1, n/2) for n = " + std::to_string(n), "k");
  }
  Matrix normalized;
  MatrixView hx = high;
  if (high_metric == Metric::kCosine) {
    normalized = NormalizedRows(high);
    hx = normalized.view();
  }
  std::vector<int32_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  const std::vector<int32_t> rows = PickRows(all, sample_size, seed);
  std::vector<float> dh(static_cast<size_t>(n)), dl(static_cast<size_t>(n));
  std::vector<int32_t> order(static_cast<size_t>(n)), rank_h(static_cast<size_t>(n)), rank_l(static_cast<size_t>(n));
  double t_pen = 0.0, c_pen = 0.0;
  auto ranks = [&](const std::vector<float>& dist, int i, std::vector<int32_t>* rank) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      if (a == i || b == i) return a == i && b != i;  // self first (rank 0)
      return dist[a] != dist[b] ? dist[a] < dist[b] : a < b;
    });
    for (int r = 0; r < n; ++r) (*rank)[order[r]] = r;  // nearest other row has rank 1
  };
  for (int32_t i : rows) {
    DistanceRow(hx, i, high_metric, &dh);
    DistanceRow(low, i, Metric::kEuclidean, &dl);
    ranks(dh, i, &rank_h);
    ranks(dl, i, &rank_l);
    for (int j = 0; j < n; ++j) {
      if (j == i) continue;
      if (rank_l[j] <= k && rank_h[j] > k) t_pen += rank_h[j] - k;
      if (rank_h[j] <= k && rank_l[j] > k) c_pen += rank_l[j] - k;
    }
  }
  const double m = static_cast<double>(rows.size());
  const double norm = 2.0 / (m * k * (2.0 * n - 3.0 * k - 1.0));
  ProjectionQuality q;
  q.trustworthiness = 1.0 - norm * t_pen;
  q.continuity = 1.0 - norm * c_pen;
  q.rows_scored = static_cast<int>(rows.size());
  return q;
}

Result<double> AdjustedRandIndex(std::span<const int32_t> a, std::span<const int32_t> b) {
  if (a.size() != b.size()) return InvalidArgument("labelings differ in length", "labels");
  if (a.empty()) return InvalidArgument("labelings are empty", "labels");
  const double n = static_cast<double>(a.size());
  std::unordered_map<int32_t, int64_t> ca, cb;
  std::unordered_map<uint64_t, int64_t> cab;
  for (size_t i = 0; i < a.size(); ++i) {
    ++ca[a[i]];
    ++cb[b[i]];
    ++cab[(static_cast<uint64_t>(static_cast<uint32_t>(a[i])) << 32) | static_cast<uint32_t>(b[i])];
  }
  auto pairs = [](double x) { return x * (x - 1.0) / 2.0; };
  double sum_ab = 0.0, sum_a = 0.0, sum_b = 0.0;
  for (const auto& [key, c] : cab) sum_ab += pairs(static_cast<double>(c));
  for (const auto& [key, c] : ca) sum_a += pairs(static_cast<double>(c));
  for (const auto& [key, c] : cb) sum_b += pairs(static_cast<double>(c));
  const double total = pairs(n);
  const double expected = total > 0.0 ? sum_a * sum_b / total : 0.0;
  const double max_index = 0.5 * (sum_a + sum_b);
  if (max_index == expected) return 1.0;  // trivial identical partitions (scikit-learn: 1.0)
  return (sum_ab - expected) / (max_index - expected);
}

}  // namespace kspace::layout
