#include "layout/knn.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "layout/distance.h"

namespace kspace::layout {
namespace knn_detail {

TopK::TopK(int rows, int kk)
    : n(rows),
      k(kk),
      d(static_cast<size_t>(rows) * kk, std::numeric_limits<float>::infinity()),
      id(static_cast<size_t>(rows) * kk, -1) {}

namespace {
inline void SiftDown(float* hd, int32_t* hi, int k) {
  int pos = 0;
  const float dv = hd[0];
  const int32_t iv = hi[0];
  for (;;) {
    int c = 2 * pos + 1;
    if (c >= k) break;
    if (c + 1 < k && hd[c + 1] > hd[c]) ++c;
    if (hd[c] <= dv) break;
    hd[pos] = hd[c];
    hi[pos] = hi[c];
    pos = c;
  }
  hd[pos] = dv;
  hi[pos] = iv;
}
}  // namespace

void TopK::Push(int i, float dist, int32_t j) {
  float* hd = dist_row(i);
  if (!(dist < hd[0])) return;
  int32_t* hi = id_row(i);
  hd[0] = dist;
  hi[0] = j;
  SiftDown(hd, hi, k);
}

int TopK::PushUnique(int i, float dist, int32_t j) {
  float* hd = dist_row(i);
  if (!(dist < hd[0])) return 0;
  int32_t* hi = id_row(i);
  for (int t = 0; t < k; ++t)
    if (hi[t] == j) return 0;
  hd[0] = dist;
  hi[0] = j;
  SiftDown(hd, hi, k);
  return 1;
}

KnnGraph TopK::ToGraph() && {
  KnnGraph g;
  g.n = n;
  g.k = k;
  g.idx = std::move(id);
  g.dist = std::move(d);
  SortKnnRows(&g, false);
  return g;
}

}  // namespace knn_detail

Status ValidateKnnGraph(const KnnGraph& g, int base_rows, bool self_graph, const char* field) {
  if (g.n < 1) return InvalidArgument("kNN graph has no rows", field);
  if (g.k < 1) return InvalidArgument("kNN graph needs k >= 1", field);
  if (g.n > kMaxRows) return Status(Code::kTooLarge, "kNN graph has too many rows", field);
  const size_t want = static_cast<size_t>(g.n) * static_cast<size_t>(g.k);
  if (g.idx.size() != want || g.dist.size() != want) {
    return InvalidArgument("kNN graph arrays must hold n*k entries", field);
  }
  if (self_graph && g.n != base_rows) {
    return InvalidArgument("kNN self graph must have one row per data row", field);
  }
  for (size_t t = 0; t < want; ++t) {
    const int32_t j = g.idx[t];
    if (j == -1) continue;
    if (j < 0 || j >= base_rows) {
      return InvalidArgument("kNN graph row " + std::to_string(t / g.k) + " has neighbour id " +
                                 std::to_string(j) + " outside [0, " + std::to_string(base_rows) + ")",
                             field);
    }
    const float dv = g.dist[t];
    if (!std::isfinite(dv) || dv < 0.0f) {
      return InvalidArgument("kNN graph row " + std::to_string(t / g.k) +
                                 " has a negative or non-finite distance",
                             field);
    }
  }
  return Status::Ok();
}

void SortKnnRows(KnnGraph* g, bool self_graph) {
  std::vector<std::pair<float, int32_t>> row(static_cast<size_t>(g->k));
  for (int i = 0; i < g->n; ++i) {
    int32_t* ids = g->idx.data() + static_cast<size_t>(i) * g->k;
    float* ds = g->dist.data() + static_cast<size_t>(i) * g->k;
    int m = 0;
    for (int t = 0; t < g->k; ++t) {
      if (ids[t] < 0 || (self_graph && ids[t] == i)) continue;
      // Duplicate ids (a sloppy provider) keep only their first, smallest occurrence below.
      row[m++] = {ds[t], ids[t]};
    }
    std::sort(row.begin(), row.begin() + m);
    int out = 0;
    for (int t = 0; t < m; ++t) {
      bool dup = false;
      for (int u = 0; u < out; ++u) dup = dup || ids[u] == row[t].second;
      if (dup) continue;
      ids[out] = row[t].second;
      ds[out] = row[t].first;
      ++out;
    }
    for (int t = out; t < g->k; ++t) {
      ids[t] = -1;
      ds[t] = std::numeric_limits<float>::infinity();
    }
  }
}

namespace {

// Shared engine of the exact searches. `q` and `b` are the (normalised for cosine) matrices;
// with `self`, q == b and the tile loop visits each unordered pair once.
Result<KnnGraph> BruteForce(MatrixView q, MatrixView b, int k, Metric metric, bool self,
                            const Progress& progress) {
  const int d = b.cols;
  std::vector<float> qn(static_cast<size_t>(q.rows)), bn(static_cast<size_t>(b.rows));
  for (int i = 0; i < q.rows; ++i) qn[i] = Dot(q.row(i), q.row(i), d);
  for (int i = 0; i < b.rows; ++i) bn[i] = Dot(b.row(i), b.row(i), d);
  const bool cosine = metric == Metric::kCosine;
  knn_detail::TopK top(q.rows, k);

  // Block sizes: a query block of 32 rows against a base block of 256 rows keeps both in L2
  // for d up to ~1k; the 2x4 kernel inside keeps partial sums in registers.
  constexpr int kQB = 32, kBB = 256;
  float tile[8];
  const int nqb = (q.rows + kQB - 1) / kQB;
  for (int qb = 0; qb < nqb; ++qb) {
    const int q0 = qb * kQB, q1 = std::min(q.rows, q0 + kQB);
    const int bstart = self ? q0 : 0;  // self: pairs (i, j) with j >= block start of i
    for (int b0 = bstart; b0 < b.rows; b0 += kBB) {
      const int b1 = std::min(b.rows, b0 + kBB);
      for (int i = q0; i < q1; i += 2) {
        const int i2 = std::min(i + 1, q1 - 1);
        for (int j = b0; j < b1; j += 4) {
          const int j1 = std::min(j + 1, b1 - 1), j2 = std::min(j + 2, b1 - 1),
                    j3 = std::min(j + 3, b1 - 1);
          Dot2x4(q.row(i), q.row(i2), b.row(j), b.row(j1), b.row(j2), b.row(j3), d, tile);
          const int js[4] = {j, j1, j2, j3};
          const int is[2] = {i, i2};
          for (int a = 0; a < (i2 != i ? 2 : 1); ++a) {
            for (int c = 0; c < 4; ++c) {
              if (c > 0 && js[c] == js[c - 1]) break;  // clamped duplicate at the block tail
              const int ii = is[a], jj = js[c];
              if (self && jj <= ii) continue;  // each unordered pair once, never (i, i)
              const float dot = tile[4 * a + c];
              const float dv = cosine ? 1.0f - dot : std::max(0.0f, qn[ii] + bn[jj] - 2.0f * dot);
              top.Push(ii, dv, jj);
              if (self) top.Push(jj, dv, ii);
            }
          }
        }
      }
    }
    if (!ReportProgress(progress, static_cast<double>(qb + 1) / nqb)) {
      return Cancelled("exact kNN");
    }
  }
  // Recompute the kept distances directly, in the metric's units, then re-sort.
  for (int i = 0; i < q.rows; ++i) {
    float* ds = top.dist_row(i);
    const int32_t* ids = top.id_row(i);
    for (int t = 0; t < k; ++t) {
      if (ids[t] < 0) continue;
      if (cosine) {
        ds[t] = std::max(0.0f, 1.0f - Dot(q.row(i), b.row(ids[t]), d));
      } else {
        ds[t] = std::sqrt(SquaredL2(q.row(i), b.row(ids[t]), d));
      }
    }
  }
  return std::move(top).ToGraph();
}

}  // namespace

Result<KnnGraph> ExactKnnGraph(MatrixView data, int k, Metric metric, const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 2));
  if (k < 1 || k >= data.rows) {
    return InvalidArgument("k must be in [1, rows - 1] = [1, " + std::to_string(data.rows - 1) +
                               "], got " + std::to_string(k),
                           "k");
  }
  if (metric == Metric::kCosine) {
    Matrix nd = NormalizedRows(data);
    return BruteForce(nd.view(), nd.view(), k, metric, true, progress);
  }
  return BruteForce(data, data, k, metric, true, progress);
}

Result<KnnGraph> ExactKnnQuery(MatrixView base, MatrixView queries, int k, Metric metric,
                               const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateMatrix(base, "data", 1));
  KS_RETURN_IF_ERROR(ValidateMatrix(queries, "queries", 1));
  if (queries.cols != base.cols) {
    return InvalidArgument("queries have " + std::to_string(queries.cols) +
                               " columns but the data has " + std::to_string(base.cols),
                           "queries");
  }
  if (k < 1 || k > base.rows) {
    return InvalidArgument("k must be in [1, " + std::to_string(base.rows) + "], got " +
                               std::to_string(k),
                           "k");
  }
  if (metric == Metric::kCosine) {
    Matrix nb = NormalizedRows(base), nq = NormalizedRows(queries);
    return BruteForce(nq.view(), nb.view(), k, metric, false, progress);
  }
  return BruteForce(queries, base, k, metric, false, progress);
}

double KnnRecall(const KnnGraph& approx, const KnnGraph& truth) {
  if (approx.n != truth.n || approx.n == 0) return 0.0;
  const int k = std::min(approx.k, truth.k);
  double total = 0.0;
  for (int i = 0; i < truth.n; ++i) {
    int hit = 0, want = 0;
    for (int t = 0; t < k; ++t) {
      const int32_t j = truth.neighbors(i)[t];
      if (j < 0) continue;
      ++want;
      for (int u = 0; u < k; ++u) hit += approx.neighbors(i)[u] == j ? 1 : 0;
    }
    total += want > 0 ? static_cast<double>(hit) / want : 1.0;
  }
  return total / truth.n;
}

}  // namespace kspace::layout
