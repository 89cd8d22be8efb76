#include "layout/nndescent.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "layout/distance.h"
#include "layout/random.h"

namespace kspace::layout {
namespace {

// Splits rows[begin, end) recursively by random hyperplanes (the perpendicular bisector of two
// random member points) until leaves hold at most `leaf_size` rows; calls `leaf(begin, end)`.
// On unit vectors the bisector passes through the origin, i.e. this is an angular tree for cosine.
template <typename LeafFn>
void BuildRpTree(MatrixView x, int32_t* rows, int count, int leaf_size, Rng& rng,
                 std::vector<float>& normal, std::vector<uint8_t>& side, LeafFn&& leaf) {
  struct Task {
    int begin, end;
  };
  std::vector<Task> stack;
  stack.push_back({0, count});
  const int d = x.cols;
  while (!stack.empty()) {
    const Task t = stack.back();
    stack.pop_back();
    const int m = t.end - t.begin;
    if (m <= leaf_size) {
      leaf(rows + t.begin, m);
      continue;
    }
    int32_t* r = rows + t.begin;
    const int ia = static_cast<int>(rng.Below(static_cast<uint32_t>(m)));
    int ib = static_cast<int>(rng.Below(static_cast<uint32_t>(m - 1)));
    if (ib >= ia) ++ib;
    const float* a = x.row(r[ia]);
    const float* b = x.row(r[ib]);
    float offset = 0.0f;
    for (int j = 0; j < d; ++j) {
      normal[j] = a[j] - b[j];
      offset -= normal[j] * 0.5f * (a[j] + b[j]);
    }
    int left = 0;
    for (int u = 0; u < m; ++u) {
      const float s = Dot(normal.data(), x.row(r[u]), d) + offset;
      const bool l = s > 0.0f || (s == 0.0f && (rng.NextU32() & 1u));
      side[u] = l ? 1 : 0;
      left += l ? 1 : 0;
    }
    if (left == 0 || left == m) {  // degenerate (duplicates): split at random
      for (int u = 0; u < m; ++u) side[u] = static_cast<uint8_t>(rng.NextU32() & 1u);
      left = 0;
      for (int u = 0; u < m; ++u) left += side[u];
      if (left == 0 || left == m) {
        for (int u = 0; u < m; ++u) side[u] = u < m / 2 ? 1 : 0;
        left = m / 2;
      }
    }
    // Stable partition by side (keeps the order deterministic).
    std::vector<int32_t> tmp(r, r + m);
    int li = 0, ri = left;
    for (int u = 0; u < m; ++u) {
      if (side[u]) {
        r[li++] = tmp[u];
      } else {
        r[ri++] = tmp[u];
      }
    }
    stack.push_back({t.begin + left, t.end});
    stack.push_back({t.begin, t.begin + left});
  }
}

// Per-point candidate lists of bounded size; when full, an entry with a larger random priority
// is replaced, which samples uniformly among all offered candidates (as PyNNDescent does).
struct Candidates {
  int cap;
  std::vector<int32_t> id;
  std::vector<uint32_t> prio;
  std::vector<int32_t> count;
  Candidates(int n, int c)
      : cap(c), id(static_cast<size_t>(n) * c, -1), prio(static_cast<size_t>(n) * c), count(n, 0) {}
  void Reset() { std::fill(count.begin(), count.end(), 0); }
  void Add(int i, int32_t j, uint32_t p) {
    int32_t* ids = id.data() + static_cast<size_t>(i) * cap;
    uint32_t* ps = prio.data() + static_cast<size_t>(i) * cap;
    int& c = count[i];
    for (int t = 0; t < c; ++t)
      if (ids[t] == j) return;
    if (c < cap) {
      ids[c] = j;
      ps[c] = p;
      ++c;
      return;
    }
    int worst = 0;
    for (int t = 1; t < cap; ++t)
      if (ps[t] > ps[worst]) worst = t;
    if (p < ps[worst]) {
      ids[worst] = j;
      ps[worst] = p;
    }
  }
  bool Contains(int i, int32_t j) const {
    const int32_t* ids = id.data() + static_cast<size_t>(i) * cap;
    for (int t = 0; t < count[i]; ++t)
      if (ids[t] == j) return true;
    return false;
  }
};

// Per-point bounded max-heaps of (squared distance, id, new-flag).
struct FlaggedHeaps {
  int k;
  std::vector<float> d;
  std::vector<int32_t> id;
  std::vector<uint8_t> fresh;
  FlaggedHeaps(int n, int kk)
      : k(kk),
        d(static_cast<size_t>(n) * kk, std::numeric_limits<float>::infinity()),
        id(static_cast<size_t>(n) * kk, -1),
        fresh(static_cast<size_t>(n) * kk, 1) {}
  float worst(int i) const { return d[static_cast<size_t>(i) * k]; }
  const int32_t* id_row(int i) const { return id.data() + static_cast<size_t>(i) * k; }
  uint8_t* flag_row(int i) { return fresh.data() + static_cast<size_t>(i) * k; }
  // Inserts (dv, j) as new unless not better than the worst or already present; returns 1 if so.
  int Push(int i, float dv, int32_t j) {
    const size_t base = static_cast<size_t>(i) * k;
    float* hd = d.data() + base;
    if (!(dv < hd[0])) return 0;
    int32_t* hi = id.data() + base;
    for (int t = 0; t < k; ++t)
      if (hi[t] == j) return 0;
    uint8_t* hf = fresh.data() + base;
    int pos = 0;
    for (;;) {
      int c = 2 * pos + 1;
      if (c >= k) break;
      if (c + 1 < k && hd[c + 1] > hd[c]) ++c;
      if (hd[c] <= dv) break;
      hd[pos] = hd[c];
      hi[pos] = hi[c];
      hf[pos] = hf[c];
      pos = c;
    }
    hd[pos] = dv;
    hi[pos] = j;
    hf[pos] = 1;
    return 1;
  }
};

}  // namespace

Result<KnnGraph> NnDescentGraph(MatrixView data, int k, Metric metric,
                                const NnDescentParams& params, const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 2));
  const int n = data.rows;
  if (k < 1 || k >= n) {
    return InvalidArgument("k must be in [1, rows - 1] = [1, " + std::to_string(n - 1) + "], got " +
                               std::to_string(k),
                           "k");
  }
  if (params.n_trees < 0 || params.leaf_size < 0 || params.max_iterations < 0 ||
      params.max_candidates < 0 || !(params.delta >= 0.0)) {
    return InvalidArgument("NN-descent parameters must be non-negative", "nnDescent");
  }
  // Small inputs: brute force is both exact and faster than building trees.
  if (n <= 2048) return ExactKnnGraph(data, k, metric, progress);

  Matrix normalized;
  MatrixView x = data;
  if (metric == Metric::kCosine) {
    normalized = NormalizedRows(data);
    x = normalized.view();
  }
  const int d = x.cols;
  const int n_trees = params.n_trees > 0
                          ? params.n_trees
                          : std::min(32, 5 + static_cast<int>(std::lround(std::sqrt(n) / 20.0)));
  const int leaf_size = params.leaf_size > 0 ? params.leaf_size : std::min(64, std::max(10, k));
  const int max_iter = params.max_iterations > 0
                           ? params.max_iterations
                           : std::max(5, static_cast<int>(std::lround(std::log2(n))));
  const int max_cand = params.max_candidates > 0 ? params.max_candidates : std::min(60, k);
  Rng rng(params.seed);

  // Heaps hold squared Euclidean distances (on normalised rows for cosine) during the search; each
  // entry carries NN-descent's "new" flag (not yet used in a local join).
  FlaggedHeaps top(n, k);
  auto push = [&](int i, int j, float dv) -> int { return top.Push(i, dv, j); };

  // 1. Random-projection forest: every pair inside a leaf is a candidate.
  std::vector<int32_t> rows(n);
  std::vector<float> normal(d);
  std::vector<uint8_t> side(n);
  for (int t = 0; t < n_trees; ++t) {
    std::iota(rows.begin(), rows.end(), 0);
    BuildRpTree(x, rows.data(), n, leaf_size, rng, normal, side, [&](const int32_t* leaf, int m) {
      for (int a = 0; a < m; ++a)
        for (int b = a + 1; b < m; ++b) {
          const float dv = SquaredL2(x.row(leaf[a]), x.row(leaf[b]), d);
          push(leaf[a], leaf[b], dv);
          push(leaf[b], leaf[a], dv);
        }
    });
    if (!ReportProgress(progress, 0.3 * (t + 1) / n_trees)) return Cancelled("kNN (NN-descent)");
  }
  // Rows still short of k candidates (tiny leaves after degenerate splits) get random ones.
  for (int i = 0; i < n; ++i) {
    for (int guard = 0; top.worst(i) == std::numeric_limits<float>::infinity() && guard < 4 * k;
         ++guard) {
      int j = static_cast<int>(rng.Below(static_cast<uint32_t>(n)));
      if (j == i) continue;
      push(i, j, SquaredL2(x.row(i), x.row(j), d));
    }
  }

  // 2. NN-descent rounds: a neighbour of a neighbour is likely a neighbour. Each round joins every
  //    point's sampled new candidates with each other and with its old candidates.
  Candidates fresh(n, max_cand), old(n, max_cand);
  for (int iter = 0; iter < max_iter; ++iter) {
    fresh.Reset();
    old.Reset();
    for (int i = 0; i < n; ++i) {
      const int32_t* ids = top.id_row(i);
      const uint8_t* f = top.flag_row(i);
      for (int t = 0; t < k; ++t) {
        const int32_t j = ids[t];
        if (j < 0) continue;
        const uint32_t p = rng.NextU32();
        if (f[t]) {
          fresh.Add(i, j, p);
          fresh.Add(j, i, p);
        } else {
          old.Add(i, j, p);
          old.Add(j, i, p);
        }
      }
    }
    for (int i = 0; i < n; ++i) {  // sampled new entries become old
      const int32_t* ids = top.id_row(i);
      uint8_t* f = top.flag_row(i);
      for (int t = 0; t < k; ++t)
        if (f[t] && ids[t] >= 0 && fresh.Contains(i, ids[t])) f[t] = 0;
    }
    int64_t updates = 0;
    for (int i = 0; i < n; ++i) {
      const int32_t* nc = fresh.id.data() + static_cast<size_t>(i) * fresh.cap;
      const int32_t* oc = old.id.data() + static_cast<size_t>(i) * old.cap;
      const int nn = fresh.count[i], no = old.count[i];
      for (int a = 0; a < nn; ++a) {
        const int32_t p = nc[a];
        const float* xp = x.row(p);
        for (int b = a + 1; b < nn; ++b) {
          const int32_t q = nc[b];
          const float dv = SquaredL2(xp, x.row(q), d);
          updates += push(p, q, dv);
          updates += push(q, p, dv);
        }
        for (int b = 0; b < no; ++b) {
          const int32_t q = oc[b];
          if (q == p) continue;
          const float dv = SquaredL2(xp, x.row(q), d);
          updates += push(p, q, dv);
          updates += push(q, p, dv);
        }
      }
    }
    if (!ReportProgress(progress, 0.3 + 0.7 * (iter + 1) / max_iter)) {
      return Cancelled("kNN (NN-descent)");
    }
    if (static_cast<double>(updates) <= params.delta * n * k) break;
  }
  if (!ReportProgress(progress, 1.0)) return Cancelled("kNN (NN-descent)");

  KnnGraph g;
  g.n = n;
  g.k = k;
  g.idx = std::move(top.id);
  g.dist = std::move(top.d);
  SortKnnRows(&g, true);
  for (size_t t = 0; t < g.dist.size(); ++t) {
    if (g.idx[t] < 0) continue;
    g.dist[t] = metric == Metric::kCosine ? CosineFromSquaredL2(g.dist[t]) : std::sqrt(g.dist[t]);
  }
  return g;
}

}  // namespace kspace::layout
