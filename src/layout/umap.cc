#include "layout/umap.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <tuple>

#include "layout/linalg.h"
#include "layout/nndescent.h"
#include "layout/pca.h"
#include "layout/random.h"
#include "layout/spectral.h"

namespace kspace::layout {
namespace {

constexpr float kSmoothKTolerance = 1e-5f;
constexpr float kMinKDistScale = 1e-3f;
constexpr int kMaxComponents = 8;

// ---------------------------------------------------------------------------------------------
// The SGD gradient coefficients as lookup tables.
//
// Every sample needs c(d2) = -2ab d2^(b-1) / (1 + a d2^b) (attraction) or
// r(d2) = 2 gamma b / ((0.001 + d2)(1 + a d2^b)) (repulsion). Computed directly that is a pow and a
// division on a serial dependency chain (each update moves the point the next sample starts from),
// about 50 ns per sample. Both are smooth in log(d2), so they are tabulated once per run on the
// float bit pattern of d2: the top 7 mantissa bits and the exponent select a cell, the low bits
// interpolate linearly (within a cell x is linear in its bits). 128 cells per octave give a
// relative error ~1e-5, far below SGD noise; a sample then costs a shift, two loads and a lerp.
// The range covers ~67 octaves: 8.6k cells, ~26k pow calls to fill the two tables (~1 ms in wasm).
// A fit samples millions of times, but a small run (map.place transforms 100 rows: ~70k samples)
// spent more time filling the tables than in its epochs, so such runs fill cells on first use
// (kLazy; a run touches a few hundred). A cell's value does not depend on when it is filled, so
// results are the same either way; the eager table keeps the fit's inner loop free of the check.
template <typename F, bool kLazy>
class CurveTable {
 public:
  static constexpr float kMin = 1e-12f, kMax = 1e8f;

  explicit CurveTable(F f) : f_(std::move(f)) {
    base_ = Bits(kMin) & ~((1u << kShift) - 1u);
    const uint32_t top = Bits(kMax);
    const uint32_t cells = ((top - base_) >> kShift) + 2;
    if constexpr (kLazy) {
      v_.assign(cells, std::numeric_limits<float>::quiet_NaN());
    } else {
      v_.resize(cells);
      for (uint32_t i = 0; i < cells; ++i) v_[i] = Fill(i);
    }
  }
  float operator()(float x) const {
    x = x < kMin ? kMin : (x > kMax ? kMax : x);
    const uint32_t off = Bits(x) - base_;
    const uint32_t i = off >> kShift;
    const float frac = static_cast<float>(off & ((1u << kShift) - 1u)) * (1.0f / (1u << kShift));
    const float lo = Cell(i), hi = Cell(i + 1);
    return lo + frac * (hi - lo);
  }

 private:
  static constexpr int kShift = 23 - 7;  // keep 7 mantissa bits
  static uint32_t Bits(float x) {
    uint32_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
  }
  float Fill(uint32_t i) const {
    const uint32_t b = base_ + (i << kShift);
    float x;
    std::memcpy(&x, &b, sizeof x);
    return static_cast<float>(f_(static_cast<double>(x)));
  }
  float Cell(uint32_t i) const {
    if constexpr (!kLazy) {
      return v_[i];
    } else {
      float v = v_[i];
      if (v == v) return v;  // filled (not NaN)
      v = Fill(i);
      v_[i] = v;
      return v;
    }
  }
  F f_;
  uint32_t base_ = 0;
  mutable std::vector<float> v_;
};

inline float Clip4(float v) { return v > 4.0f ? 4.0f : (v < -4.0f ? -4.0f : v); }

// ---------------------------------------------------------------------------------------------
// Validation.

Status ValidateParams(const UmapParams& p, int n) {
  if (p.n_components < 1 || p.n_components > kMaxComponents) {
    return InvalidArgument("nComponents must be in [1, 8]", "nComponents");
  }
  if (p.n_neighbors < 2) return InvalidArgument("nNeighbors must be >= 2", "nNeighbors");
  if (n >= 0 && p.n_neighbors > n) {
    return InvalidArgument("nNeighbors (" + std::to_string(p.n_neighbors) +
                               ") exceeds the number of rows (" + std::to_string(n) + ")",
                           "nNeighbors");
  }
  if (!(p.spread > 0.0f) || !std::isfinite(p.spread)) {
    return InvalidArgument("spread must be positive", "spread");
  }
  if (!(p.min_dist >= 0.0f) || p.min_dist > p.spread) {
    return InvalidArgument("minDist must be in [0, spread]", "minDist");
  }
  if (p.n_epochs < 0 || p.n_epochs > 100000) {
    return InvalidArgument("nEpochs must be in [0, 100000]", "nEpochs");
  }
  if (p.transform_epochs < 0 || p.transform_epochs > 100000) {
    return InvalidArgument("transformEpochs must be in [0, 100000]", "transformEpochs");
  }
  if (!(p.learning_rate > 0.0f) || !std::isfinite(p.learning_rate)) {
    return InvalidArgument("learningRate must be positive", "learningRate");
  }
  if (!(p.repulsion_strength >= 0.0f) || !std::isfinite(p.repulsion_strength)) {
    return InvalidArgument("repulsionStrength must be >= 0", "repulsionStrength");
  }
  if (p.negative_sample_rate < 0 || p.negative_sample_rate > 1000) {
    return InvalidArgument("negativeSampleRate must be in [0, 1000]", "negativeSampleRate");
  }
  if (!(p.local_connectivity >= 0.0f) || !std::isfinite(p.local_connectivity)) {
    return InvalidArgument("localConnectivity must be >= 0", "localConnectivity");
  }
  if (!(p.set_op_mix_ratio >= 0.0f && p.set_op_mix_ratio <= 1.0f)) {
    return InvalidArgument("setOpMixRatio must be in [0, 1]", "setOpMixRatio");
  }
  if (!(p.a >= 0.0f) || !(p.b >= 0.0f) || !std::isfinite(p.a) || !std::isfinite(p.b)) {
    return InvalidArgument("a and b must be finite and >= 0 (0 = fit)", "a");
  }
  const int init = static_cast<int>(p.init);
  if (init < 0 || init > 3) return InvalidArgument("unknown init", "init");
  const int metric = static_cast<int>(p.metric);
  if (metric < 0 || metric > 1) return InvalidArgument("unknown metric", "metric");
  return Status::Ok();
}

Status ValidatePins(const UmapPins& pins, int n, int dim) {
  if (pins.coords.size() != pins.rows.size() * static_cast<size_t>(dim)) {
    return InvalidArgument("pins.coords must hold rows.size() * nComponents values", "pins");
  }
  std::vector<uint8_t> seen(static_cast<size_t>(n), 0);
  for (int32_t r : pins.rows) {
    if (r < 0 || r >= n) return InvalidArgument("pinned row " + std::to_string(r) + " out of range", "pins");
    if (seen[r]) return InvalidArgument("row " + std::to_string(r) + " pinned twice", "pins");
    seen[r] = 1;
  }
  for (float c : pins.coords)
    if (!std::isfinite(c)) return InvalidArgument("pin coordinates must be finite", "pins");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Fuzzy simplicial set.

struct Edges {
  std::vector<int32_t> head, tail;
  std::vector<float> weight;
  size_t size() const { return head.size(); }
};

// Symmetrised membership graph of a sorted self kNN graph, using its first `kk` columns. Edges are
// sorted by (head, tail) and include both directions.
Edges FuzzySimplicialSet(const KnnGraph& g, int kk, const UmapParams& p) {
  const int n = g.n;
  double total = 0.0;
  int64_t count = 0;
  for (int i = 0; i < n; ++i)
    for (int t = 0; t < kk; ++t)
      if (g.neighbors(i)[t] >= 0) {
        total += g.distances(i)[t];
        ++count;
      }
  const float mean_all = count > 0 ? static_cast<float>(total / count) : 0.0f;
  const float target = std::log2(static_cast<float>(p.n_neighbors));

  // Directed memberships, each row sorted by neighbour id for the transpose lookup.
  std::vector<int32_t> ids(static_cast<size_t>(n) * kk, -1);
  std::vector<float> vals(static_cast<size_t>(n) * kk, 0.0f);
  std::vector<std::pair<int32_t, float>> row(static_cast<size_t>(kk));
  for (int i = 0; i < n; ++i) {
    const float* d = g.distances(i);
    const int32_t* nb = g.neighbors(i);
    float sigma, rho;
    umap_detail::SmoothKnnDist(d, kk, target, p.local_connectivity, mean_all, &sigma, &rho);
    int m = 0;
    for (int t = 0; t < kk; ++t) {
      if (nb[t] < 0) break;
      const float x = d[t] - rho;
      const float w = (x <= 0.0f || sigma == 0.0f) ? 1.0f : std::exp(-x / sigma);
      row[m++] = {nb[t], w};
    }
    std::sort(row.begin(), row.begin() + m);
    for (int t = 0; t < m; ++t) {
      ids[static_cast<size_t>(i) * kk + t] = row[t].first;
      vals[static_cast<size_t>(i) * kk + t] = row[t].second;
    }
  }
  auto lookup = [&](int i, int32_t j) -> float {
    const int32_t* b = ids.data() + static_cast<size_t>(i) * kk;
    int lo = 0, hi = kk;
    while (lo < hi) {  // ids ascending, -1 padding at the end
      const int mid = (lo + hi) / 2;
      if (b[mid] >= 0 && b[mid] < j) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return (lo < kk && b[lo] == j) ? vals[static_cast<size_t>(i) * kk + lo] : 0.0f;
  };
  const double mix = p.set_op_mix_ratio;
  std::vector<std::tuple<int32_t, int32_t, float>> out;
  out.reserve(static_cast<size_t>(n) * kk * 2);
  for (int i = 0; i < n; ++i) {
    for (int t = 0; t < kk; ++t) {
      const int32_t j = ids[static_cast<size_t>(i) * kk + t];
      if (j < 0) break;
      const double w = vals[static_cast<size_t>(i) * kk + t];
      const double wt = lookup(j, i);
      const double u = mix * (w + wt - w * wt) + (1.0 - mix) * w * wt;
      if (!(u > 0.0)) continue;
      out.emplace_back(i, j, static_cast<float>(u));
      if (wt == 0.0) out.emplace_back(j, i, static_cast<float>(u));  // row j lacks i: add its half
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return std::get<0>(x) != std::get<0>(y) ? std::get<0>(x) < std::get<0>(y) : std::get<1>(x) < std::get<1>(y);
  });
  Edges e;
  e.head.reserve(out.size());
  e.tail.reserve(out.size());
  e.weight.reserve(out.size());
  for (const auto& [h, t, w] : out) {
    e.head.push_back(h);
    e.tail.push_back(t);
    e.weight.push_back(w);
  }
  return e;
}

// Drops edges below max/n_epochs: they would be sampled less than once (umap-learn does the same).
void PruneEdges(Edges* e, int n_epochs) {
  float wmax = 0.0f;
  for (float w : e->weight) wmax = std::max(wmax, w);
  const float cut = wmax / static_cast<float>(n_epochs);
  size_t o = 0;
  for (size_t t = 0; t < e->size(); ++t) {
    if (e->weight[t] < cut) continue;
    e->head[o] = e->head[t];
    e->tail[o] = e->tail[t];
    e->weight[o] = e->weight[t];
    ++o;
  }
  e->head.resize(o);
  e->tail.resize(o);
  e->weight.resize(o);
}

SparseGraph ToSparse(const Edges& e, int n) {
  SparseGraph g;
  g.n = n;
  g.offsets.assign(static_cast<size_t>(n) + 1, 0);
  for (int32_t h : e.head) ++g.offsets[h + 1];
  for (int i = 0; i < n; ++i) g.offsets[i + 1] += g.offsets[i];
  g.cols = e.tail;  // edges are sorted by head already
  g.weights = e.weight;
  return g;
}

// ---------------------------------------------------------------------------------------------
// Initialisation.

void ScaleToBox(Matrix* m, Rng& rng) {
  for (int c = 0; c < m->cols; ++c) {
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (int i = 0; i < m->rows; ++i) {
      lo = std::min(lo, m->row(i)[c]);
      hi = std::max(hi, m->row(i)[c]);
    }
    const float span = hi - lo;
    for (int i = 0; i < m->rows; ++i) {
      float& v = m->row(i)[c];
      v = span > 0.0f ? 10.0f * (v - lo) / span : 5.0f;
      v += static_cast<float>(1e-4 * rng.Normal());
    }
  }
}

Matrix RandomInit(int n, int dim, Rng& rng) {
  Matrix m(n, dim);
  for (float& v : m.data) v = rng.UniformFloat(0.0f, 10.0f);
  return m;
}

// Aligns `emb` to the pins (see umap.h), then writes the pins exactly.
void AlignToPins(Matrix* emb, const UmapPins& pins) {
  const int dim = emb->cols;
  const int np = static_cast<int>(pins.rows.size());
  if (np == 0) return;
  std::vector<double> xm(dim, 0.0), ym(dim, 0.0);
  for (int r = 0; r < np; ++r)
    for (int c = 0; c < dim; ++c) {
      xm[c] += emb->row(pins.rows[r])[c];
      ym[c] += pins.coords[static_cast<size_t>(r) * dim + c];
    }
  for (int c = 0; c < dim; ++c) {
    xm[c] /= np;
    ym[c] /= np;
  }
  double sx = 0.0;
  std::vector<double> h(static_cast<size_t>(dim) * dim, 0.0);  // H = Xc^T Yc
  for (int r = 0; r < np; ++r) {
    for (int a = 0; a < dim; ++a) {
      const double xa = emb->row(pins.rows[r])[a] - xm[a];
      sx += xa * xa;
      for (int b = 0; b < dim; ++b) {
        h[static_cast<size_t>(a) * dim + b] += xa * (pins.coords[static_cast<size_t>(r) * dim + b] - ym[b]);
      }
    }
  }
  std::vector<double> rot(static_cast<size_t>(dim) * dim, 0.0);
  for (int c = 0; c < dim; ++c) rot[static_cast<size_t>(c) * dim + c] = 1.0;
  double scale = 1.0;
  if (np >= 2 && sx > 1e-12) {
    // SVD of H through the eigen-decomposition of H^T H = V S^2 V^T; U = H V / S, completed to an
    // orthonormal basis where S = 0 (collinear pins). R = U V^T minimises ||s Xc R - Yc||.
    std::vector<double> hth(static_cast<size_t>(dim) * dim, 0.0);
    for (int a = 0; a < dim; ++a)
      for (int b = 0; b < dim; ++b)
        for (int t = 0; t < dim; ++t)
          hth[static_cast<size_t>(a) * dim + b] += h[static_cast<size_t>(t) * dim + a] * h[static_cast<size_t>(t) * dim + b];
    std::vector<double> s2, v;  // v: eigenvectors as rows
    linalg::SymmetricEigen(dim, hth, &s2, &v);
    const double smax = std::sqrt(std::max(0.0, s2[0]));
    std::vector<double> u(static_cast<size_t>(dim) * dim, 0.0);  // u_t as rows
    double trace = 0.0;
    for (int t = 0; t < dim; ++t) {
      const double s = std::sqrt(std::max(0.0, s2[t]));
      if (s > 1e-9 * smax && s > 0.0) {
        trace += s;
        for (int a = 0; a < dim; ++a) {
          double acc = 0.0;
          for (int b = 0; b < dim; ++b) acc += h[static_cast<size_t>(a) * dim + b] * v[static_cast<size_t>(t) * dim + b];
          u[static_cast<size_t>(t) * dim + a] = acc / s;
        }
      }
    }
    // Complete U: Gram-Schmidt of unit vectors against the columns found so far.
    linalg::Orthonormalize(u, dim, dim);
    for (int t = 0; t < dim; ++t) {
      double nrm = 0.0;
      for (int a = 0; a < dim; ++a) nrm += u[static_cast<size_t>(t) * dim + a] * u[static_cast<size_t>(t) * dim + a];
      for (int e = 0; nrm < 0.5 && e < dim; ++e) {
        std::vector<double> tmp(u.begin(), u.end());
        std::fill(tmp.begin() + static_cast<size_t>(t) * dim, tmp.begin() + static_cast<size_t>(t + 1) * dim, 0.0);
        tmp[static_cast<size_t>(t) * dim + e] = 1.0;
        // Orthogonalise against every other non-zero vector.
        for (int o = 0; o < dim; ++o) {
          if (o == t) continue;
          double dot = 0.0;
          for (int a = 0; a < dim; ++a) dot += tmp[static_cast<size_t>(t) * dim + a] * u[static_cast<size_t>(o) * dim + a];
          for (int a = 0; a < dim; ++a) tmp[static_cast<size_t>(t) * dim + a] -= dot * u[static_cast<size_t>(o) * dim + a];
        }
        nrm = 0.0;
        for (int a = 0; a < dim; ++a) nrm += tmp[static_cast<size_t>(t) * dim + a] * tmp[static_cast<size_t>(t) * dim + a];
        if (nrm > 1e-6) {
          const double inv = 1.0 / std::sqrt(nrm);
          for (int a = 0; a < dim; ++a) u[static_cast<size_t>(t) * dim + a] = tmp[static_cast<size_t>(t) * dim + a] * inv;
          nrm = 1.0;
        }
      }
    }
    // R[a][b] = sum_t U[a][t] V[b][t] with U columns u_t and V columns v_t.
    for (int a = 0; a < dim; ++a)
      for (int b = 0; b < dim; ++b) {
        double acc = 0.0;
        for (int t = 0; t < dim; ++t) acc += u[static_cast<size_t>(t) * dim + a] * v[static_cast<size_t>(t) * dim + b];
        rot[static_cast<size_t>(a) * dim + b] = acc;
      }
    scale = trace / sx;
    if (!(scale > 0.0) || !std::isfinite(scale)) scale = 1.0;
  }
  std::vector<double> tmp(dim);
  for (int i = 0; i < emb->rows; ++i) {
    float* r = emb->row(i);
    for (int b = 0; b < dim; ++b) {
      double acc = 0.0;
      for (int a = 0; a < dim; ++a) acc += (r[a] - xm[a]) * rot[static_cast<size_t>(a) * dim + b];
      tmp[b] = scale * acc + ym[b];
    }
    for (int b = 0; b < dim; ++b) r[b] = static_cast<float>(tmp[b]);
  }
  for (int r = 0; r < np; ++r)
    for (int c = 0; c < dim; ++c) emb->row(pins.rows[r])[c] = pins.coords[static_cast<size_t>(r) * dim + c];
}

// ---------------------------------------------------------------------------------------------
// SGD.

struct SgdSchedule {
  std::vector<int32_t> head, tail;
  std::vector<float> eps, next, epn, next_neg;
};

// umap-learn's make_epochs_per_sample and negative sample schedule, keeping only edges that can
// move something (an edge between two fixed rows is inert).
SgdSchedule MakeSchedule(const Edges& e, int n_epochs, int neg_rate,
                         const std::vector<uint8_t>& head_movable,
                         const std::vector<uint8_t>* tail_movable) {
  SgdSchedule s;
  float wmax = 0.0f;
  for (float w : e.weight) wmax = std::max(wmax, w);
  for (size_t t = 0; t < e.size(); ++t) {
    const bool hm = head_movable[e.head[t]] != 0;
    const bool tm = tail_movable != nullptr && (*tail_movable)[e.tail[t]] != 0;
    if (!hm && !tm) continue;
    const float samples = static_cast<float>(n_epochs) * (e.weight[t] / wmax);
    if (!(samples > 0.0f)) continue;
    const float eps = static_cast<float>(n_epochs) / samples;
    s.head.push_back(e.head[t]);
    s.tail.push_back(e.tail[t]);
    s.eps.push_back(eps);
    s.next.push_back(eps);
    // Without negative samples the schedule is pushed out of reach (finite: inf/inf would be NaN).
    const float epn = neg_rate > 0 ? eps / static_cast<float>(neg_rate) : 1e30f;
    s.epn.push_back(epn);
    s.next_neg.push_back(epn);
  }
  return s;
}

struct SgdConfig {
  float a, b, gamma, alpha0;
  int n_epochs;
};

// Runs the epochs. head_emb rows move; with `tail_emb` == nullptr the tails are the same matrix
// and move too (fit), otherwise the tails are fixed (transform). Templated on the dimension so
// that 2D and 3D loops unroll.
template <int kDim, bool kLazyTables>
Status RunSgd(Matrix* head_emb, const Matrix* tail_emb, const SgdSchedule& s,
              const std::vector<uint8_t>& head_movable, const std::vector<uint8_t>* tail_movable,
              const SgdConfig& cfg, Rng& rng, const Progress& progress, const char* what) {
  const int dim = kDim > 0 ? kDim : head_emb->cols;
  const bool move_other = tail_emb == nullptr;
  float* hdata = head_emb->data.data();
  float* tdata = move_other ? hdata : const_cast<float*>(tail_emb->data.data());
  const uint32_t n_tail = static_cast<uint32_t>(move_other ? head_emb->rows : tail_emb->rows);
  const double a = cfg.a, b = cfg.b, gamma = cfg.gamma;
  auto attract_f = [&](double x) { return -2.0 * a * b * std::pow(x, b - 1.0) / (1.0 + a * std::pow(x, b)); };
  auto repel_f = [&](double x) { return 2.0 * gamma * b / ((0.001 + x) * (1.0 + a * std::pow(x, b))); };
  const CurveTable<decltype(attract_f), kLazyTables> attract(attract_f);
  const CurveTable<decltype(repel_f), kLazyTables> repel(repel_f);
  const size_t ne = s.head.size();
  std::vector<float> next = s.next, next_neg = s.next_neg;
  float diff[kMaxComponents];

  for (int epoch = 0; epoch < cfg.n_epochs; ++epoch) {
    const float alpha = cfg.alpha0 * (1.0f - static_cast<float>(epoch) / static_cast<float>(cfg.n_epochs));
    const float fe = static_cast<float>(epoch);
    for (size_t e = 0; e < ne; ++e) {
      if (next[e] > fe) continue;
      const int32_t j = s.head[e], k = s.tail[e];
      float* cur = hdata + static_cast<size_t>(j) * dim;
      float* oth = tdata + static_cast<size_t>(k) * dim;
      float d2 = 0.0f;
      for (int c = 0; c < dim; ++c) {
        diff[c] = cur[c] - oth[c];
        d2 += diff[c] * diff[c];
      }
      const bool hm = head_movable[j] != 0;
      if (d2 > 0.0f) {
        const float coeff = attract(d2);
        const bool tm = move_other && (*tail_movable)[k] != 0;
        for (int c = 0; c < dim; ++c) {
          const float g = Clip4(coeff * diff[c]) * alpha;
          if (hm) cur[c] += g;
          if (tm) oth[c] -= g;
        }
      }
      next[e] += s.eps[e];
      if (!hm) continue;
      const int n_neg = static_cast<int>((fe - next_neg[e]) / s.epn[e]);
      // The negative samples of one positive sample are evaluated against the same position of
      // `cur` and applied together: independent lookups overlap in the pipeline instead of forming
      // one long dependency chain (umap-learn applies them one by one; with steps this small the
      // difference is far below SGD noise, and trustworthiness is unchanged in the benchmark).
      float step[kMaxComponents] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (int q = 0; q < n_neg; ++q) {
        const uint32_t r = rng.Below(n_tail);
        const float* o2 = tdata + static_cast<size_t>(r) * dim;
        float dd = 0.0f;
        for (int c = 0; c < dim; ++c) {
          diff[c] = cur[c] - o2[c];
          dd += diff[c] * diff[c];
        }
        if (!(dd > 0.0f)) continue;  // the same row, or an exact coincidence: no direction
        const float coeff = repel(dd);
        for (int c = 0; c < dim; ++c) step[c] += Clip4(coeff * diff[c]);
      }
      for (int c = 0; c < dim; ++c) cur[c] += step[c] * alpha;
      if (n_neg > 0) next_neg[e] += static_cast<float>(n_neg) * s.epn[e];
    }
    if (!ReportProgress(progress, static_cast<double>(epoch + 1) / cfg.n_epochs)) return Cancelled(what);
  }
  return Status::Ok();
}

Status RunSgdAnyDim(Matrix* head_emb, const Matrix* tail_emb, const SgdSchedule& s,
                    const std::vector<uint8_t>& head_movable, const std::vector<uint8_t>* tail_movable,
                    const SgdConfig& cfg, Rng& rng, const Progress& progress, const char* what) {
  // Table lookups the run will make (positive and negative samples): few enough, and filling the
  // tables would cost more than the lookups (see CurveTable).
  double lookups = 0.0;
  for (size_t e = 0; e < s.eps.size(); ++e) {
    lookups += static_cast<double>(cfg.n_epochs) / s.eps[e] + static_cast<double>(cfg.n_epochs) / s.epn[e];
  }
  if (lookups < 500000.0) {
    switch (head_emb->cols) {
      case 2: return RunSgd<2, true>(head_emb, tail_emb, s, head_movable, tail_movable, cfg, rng, progress, what);
      case 3: return RunSgd<3, true>(head_emb, tail_emb, s, head_movable, tail_movable, cfg, rng, progress, what);
      default: return RunSgd<0, true>(head_emb, tail_emb, s, head_movable, tail_movable, cfg, rng, progress, what);
    }
  }
  switch (head_emb->cols) {
    case 2: return RunSgd<2, false>(head_emb, tail_emb, s, head_movable, tail_movable, cfg, rng, progress, what);
    case 3: return RunSgd<3, false>(head_emb, tail_emb, s, head_movable, tail_movable, cfg, rng, progress, what);
    default: return RunSgd<0, false>(head_emb, tail_emb, s, head_movable, tail_movable, cfg, rng, progress, what);
  }
}

Result<std::pair<float, float>> ResolveAb(const UmapParams& p) {
  if (p.a > 0.0f && p.b > 0.0f) return std::make_pair(p.a, p.b);
  return FindAbParams(p.spread, p.min_dist);
}

// ---------------------------------------------------------------------------------------------
// Serialisation helpers.

uint32_t Crc32(const uint8_t* p, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xffu] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

struct Writer {
  std::vector<uint8_t> out;
  void U32(uint32_t v) {
    for (int s = 0; s < 32; s += 8) out.push_back(static_cast<uint8_t>(v >> s));
  }
  void U64(uint64_t v) {
    for (int s = 0; s < 64; s += 8) out.push_back(static_cast<uint8_t>(v >> s));
  }
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void F32(float v) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    U32(u);
  }
};

struct Reader {
  std::span<const uint8_t> in;
  size_t pos = 0;
  bool ok = true;
  uint32_t U32() {
    if (pos + 4 > in.size()) {
      ok = false;
      return 0;
    }
    uint32_t v = 0;
    for (int s = 0; s < 4; ++s) v |= static_cast<uint32_t>(in[pos + s]) << (8 * s);
    pos += 4;
    return v;
  }
  uint64_t U64() {
    const uint64_t lo = U32();
    const uint64_t hi = U32();
    return lo | (hi << 32);
  }
  int32_t I32() { return static_cast<int32_t>(U32()); }
  float F32() {
    const uint32_t u = U32();
    float v;
    std::memcpy(&v, &u, 4);
    return v;
  }
};

constexpr char kMagic[8] = {'K', 'S', 'U', 'M', 'A', 'P', '\0', '\1'};
constexpr uint32_t kFormatVersion = 1;

}  // namespace

// ---------------------------------------------------------------------------------------------

namespace umap_detail {

void SmoothKnnDist(const float* dists, int k, float target, float local_connectivity,
                   float mean_all_distances, float* sigma_out, float* rho_out) {
  int m = 0;
  while (m < k && std::isfinite(dists[m])) ++m;
  int first_nz = 0;
  while (first_nz < m && !(dists[first_nz] > 0.0f)) ++first_nz;
  const float* nz = dists + first_nz;
  const int nnz = m - first_nz;
  double rho = 0.0;
  if (nnz > 0 && static_cast<double>(nnz) >= local_connectivity) {
    const int index = static_cast<int>(std::floor(local_connectivity));
    const double interp = local_connectivity - index;
    if (index > 0) {
      rho = nz[index - 1];
      if (interp > kSmoothKTolerance && index < nnz) rho += interp * (nz[index] - nz[index - 1]);
    } else {
      rho = interp * nz[0];
    }
  } else if (nnz > 0) {
    rho = nz[nnz - 1];
  }
  double lo = 0.0, hi = std::numeric_limits<double>::infinity(), mid = 1.0;
  for (int it = 0; it < 64; ++it) {
    double psum = 0.0;
    for (int j = 0; j < m; ++j) {
      const double x = dists[j] - rho;
      psum += x > 0.0 ? std::exp(-(x / mid)) : 1.0;
    }
    if (std::fabs(psum - target) < kSmoothKTolerance) break;
    if (psum > target) {
      hi = mid;
      mid = (lo + hi) / 2.0;
    } else {
      lo = mid;
      mid = std::isinf(hi) ? mid * 2.0 : (lo + hi) / 2.0;
    }
  }
  double mean_i = 0.0;
  for (int j = 0; j < m; ++j) mean_i += dists[j];
  mean_i /= (m + 1);  // umap-learn's rows include the row itself at distance 0
  if (rho > 0.0) {
    mid = std::max(mid, kMinKDistScale * mean_i);
  } else {
    mid = std::max(mid, static_cast<double>(kMinKDistScale) * mean_all_distances);
  }
  *sigma_out = static_cast<float>(mid);
  *rho_out = static_cast<float>(rho);
}

}  // namespace umap_detail

int DefaultUmapEpochs(int n) { return n <= 10000 ? 500 : 200; }

Result<std::pair<float, float>> FindAbParams(float spread, float min_dist) {
  if (!(spread > 0.0f) || !std::isfinite(spread)) return InvalidArgument("spread must be positive", "spread");
  if (!(min_dist >= 0.0f) || min_dist > spread) return InvalidArgument("minDist must be in [0, spread]", "minDist");
  constexpr int kN = 300;
  double xs[kN], ys[kN];
  for (int i = 0; i < kN; ++i) {
    xs[i] = 3.0 * spread * i / (kN - 1);
    ys[i] = xs[i] < min_dist ? 1.0 : std::exp(-(xs[i] - min_dist) / spread);
  }
  auto cost = [&](double a, double b) {
    double c = 0.0;
    for (int i = 0; i < kN; ++i) {
      const double f = 1.0 / (1.0 + a * std::pow(xs[i], 2.0 * b));
      c += (f - ys[i]) * (f - ys[i]);
    }
    return c;
  };
  // Levenberg-Marquardt from (1, 1), like scipy.optimize.curve_fit's default start.
  double a = 1.0, b = 1.0, lambda = 1e-3, c = cost(a, b);
  for (int it = 0; it < 500; ++it) {
    double jtj[3] = {0, 0, 0}, jtr[2] = {0, 0};
    for (int i = 0; i < kN; ++i) {
      const double x = xs[i];
      if (x <= 0.0) continue;  // f = 1 and both derivatives vanish at x = 0
      const double x2b = std::pow(x, 2.0 * b);
      const double den = 1.0 + a * x2b;
      const double f = 1.0 / den;
      const double r = f - ys[i];
      const double da = -x2b / (den * den);
      const double db = -a * x2b * 2.0 * std::log(x) / (den * den);
      jtj[0] += da * da;
      jtj[1] += da * db;
      jtj[2] += db * db;
      jtr[0] += da * r;
      jtr[1] += db * r;
    }
    bool improved = false;
    for (int tries = 0; tries < 30 && !improved; ++tries) {
      const double m00 = jtj[0] * (1.0 + lambda), m11 = jtj[2] * (1.0 + lambda), m01 = jtj[1];
      const double det = m00 * m11 - m01 * m01;
      if (!(std::fabs(det) > 0.0)) {
        lambda *= 10.0;
        continue;
      }
      const double da = -(m11 * jtr[0] - m01 * jtr[1]) / det;
      const double db = -(m00 * jtr[1] - m01 * jtr[0]) / det;
      const double na = a + da, nb = b + db;
      const double nc = (na > 0.0 && nb > 0.0) ? cost(na, nb) : std::numeric_limits<double>::infinity();
      if (nc < c) {
        const double rel = (c - nc) / std::max(c, 1e-300);
        a = na;
        b = nb;
        c = nc;
        lambda = std::max(lambda / 10.0, 1e-12);
        improved = true;
        if (rel < 1e-14) it = 1 << 20;  // converged
      } else {
        lambda *= 10.0;
      }
    }
    if (!improved) break;
  }
  if (!(a > 0.0) || !(b > 0.0) || !std::isfinite(a) || !std::isfinite(b)) {
    return Internal("a/b curve fit failed");
  }
  return std::make_pair(static_cast<float>(a), static_cast<float>(b));
}

Result<UmapModel> FitUmapFromGraph(const KnnGraph& graph_in, MatrixView data, const UmapParams& params,
                                   const UmapPins& pins, const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateParams(params, -1));
  const int n = graph_in.n;
  if (n < 2) return InvalidArgument("UMAP needs at least 2 rows", "data");
  KS_RETURN_IF_ERROR(ValidateParams(params, n));
  KS_RETURN_IF_ERROR(ValidateKnnGraph(graph_in, n, true, "knn"));
  const int kk = params.n_neighbors - 1;
  if (graph_in.k < kk) {
    return InvalidArgument("kNN graph has " + std::to_string(graph_in.k) + " columns; nNeighbors = " +
                               std::to_string(params.n_neighbors) + " needs " + std::to_string(kk),
                           "knn");
  }
  const bool have_data = !data.empty();
  if (have_data) {
    KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 2));
    if (data.rows != n) return InvalidArgument("data rows differ from kNN graph rows", "data");
  }
  const int dim = params.n_components;
  KS_RETURN_IF_ERROR(ValidatePins(pins, n, dim));
  KS_ASSIGN_OR_RETURN(auto ab, ResolveAb(params));

  KnnGraph g = graph_in;
  SortKnnRows(&g, true);
  Edges edges = FuzzySimplicialSet(g, kk, params);
  const int n_epochs = params.n_epochs > 0 ? params.n_epochs : DefaultUmapEpochs(n);
  PruneEdges(&edges, n_epochs);
  if (!ReportProgress(progress, 0.05)) return Cancelled("UMAP");

  Rng rng(params.seed);
  Matrix emb;
  UmapInit used = UmapInit::kRandom;
  if (params.init == UmapInit::kAuto || params.init == UmapInit::kSpectral) {
    if (n > dim + 1) {
      auto spectral = SpectralEmbedding(ToSparse(edges, n), dim, rng.NextU64(), SubProgress(progress, 0.05, 0.12));
      if (spectral.ok()) {
        emb = std::move(spectral).value();
        used = UmapInit::kSpectral;
      } else if (spectral.status().code() == Code::kCancelled) {
        return spectral.status();
      }
    }
    if (used != UmapInit::kSpectral && have_data && data.cols >= dim) used = UmapInit::kPca;
  } else if (params.init == UmapInit::kPca && have_data && data.cols >= dim) {
    used = UmapInit::kPca;
  }
  if (used == UmapInit::kPca) {
    PcaParams pp;
    pp.components = dim;
    pp.power_iterations = 2;  // an initialisation: the leading plane, not 4-digit axes
    pp.seed = rng.NextU64();
    KS_ASSIGN_OR_RETURN(emb, PcaFitTransform(data, pp, SubProgress(progress, 0.12, 0.15)));
  } else if (used == UmapInit::kRandom) {
    emb = RandomInit(n, dim, rng);
  }
  ScaleToBox(&emb, rng);
  AlignToPins(&emb, pins);
  if (!ReportProgress(progress, 0.15)) return Cancelled("UMAP");

  std::vector<uint8_t> movable(static_cast<size_t>(n), 1);
  for (int32_t r : pins.rows) movable[r] = 0;
  SgdSchedule sched = MakeSchedule(edges, n_epochs, params.negative_sample_rate, movable, &movable);
  SgdConfig cfg{ab.first, ab.second, params.repulsion_strength, params.learning_rate, n_epochs};
  KS_RETURN_IF_ERROR(RunSgdAnyDim(&emb, nullptr, sched, movable, &movable, cfg, rng,
                                  SubProgress(progress, 0.15, 1.0), "UMAP"));

  UmapModel model;
  model.params = params;
  model.params.n_epochs = n_epochs;
  model.a = ab.first;
  model.b = ab.second;
  model.init_used = used;
  model.edges = static_cast<int64_t>(edges.size());
  model.embedding = std::move(emb);
  return model;
}

Result<UmapModel> FitUmap(KnnProvider& knn, MatrixView data, const UmapParams& params,
                          const UmapPins& pins, const Progress& progress) {
  const int n = knn.size();
  if (n < 2) return InvalidArgument("UMAP needs at least 2 rows", "data");
  KS_RETURN_IF_ERROR(ValidateParams(params, n));
  KS_RETURN_IF_ERROR(ValidatePins(pins, n, params.n_components));
  KS_ASSIGN_OR_RETURN(KnnGraph g, knn.SelfGraph(params.n_neighbors - 1, SubProgress(progress, 0.0, 0.4)));
  return FitUmapFromGraph(g, data, params, pins, SubProgress(progress, 0.4, 1.0));
}

Result<UmapModel> FitUmap(MatrixView data, const UmapParams& params, const UmapPins& pins,
                          const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 2));
  KS_RETURN_IF_ERROR(ValidateParams(params, data.rows));
  KS_RETURN_IF_ERROR(ValidatePins(pins, data.rows, params.n_components));
  if (data.rows <= params.exact_knn_max_rows) {
    ExactKnn knn(data, params.metric);
    return FitUmap(knn, data, params, pins, progress);
  }
  NnDescentParams np;
  np.seed = params.seed ^ 0x5bd1e995ULL;
  NnDescentKnn knn(data, params.metric, np);
  return FitUmap(knn, data, params, pins, progress);
}

Result<Matrix> TransformUmap(const UmapModel& model, const KnnGraph& neighbors_in, const UmapPins& pins,
                             const Progress& progress) {
  const UmapParams& p = model.params;
  KS_RETURN_IF_ERROR(ValidateParams(p, -1));
  const int n_train = model.embedding.rows, dim = model.embedding.cols;
  if (dim != p.n_components || n_train < 1 ||
      model.embedding.data.size() != static_cast<size_t>(n_train) * dim ||
      !(model.a > 0.0f) || !(model.b > 0.0f)) {
    return InvalidArgument("malformed UMAP model", "model");
  }
  KS_RETURN_IF_ERROR(ValidateKnnGraph(neighbors_in, n_train, false, "knn"));
  const int m = neighbors_in.n;
  KS_RETURN_IF_ERROR(ValidatePins(pins, m, dim));
  KnnGraph g = neighbors_in;
  SortKnnRows(&g, false);
  const int k = g.k;

  // Memberships with local_connectivity - 1 (umap-learn's transform), target log2(k + 1).
  const float lc = std::max(0.0f, p.local_connectivity - 1.0f);
  const float target = std::log2(static_cast<float>(k + 1));
  double total = 0.0;
  int64_t cnt = 0;
  for (size_t t = 0; t < g.idx.size(); ++t)
    if (g.idx[t] >= 0) {
      total += g.dist[t];
      ++cnt;
    }
  const float mean_all = cnt > 0 ? static_cast<float>(total / cnt) : 0.0f;
  const int n_epochs = p.transform_epochs > 0 ? p.transform_epochs : (m <= 10000 ? 100 : 30);

  Matrix emb(m, dim);
  Edges edges;
  std::vector<uint8_t> movable(static_cast<size_t>(m), 1);
  for (int i = 0; i < m; ++i) {
    const int32_t* nb = g.neighbors(i);
    const float* d = g.distances(i);
    if (nb[0] < 0) return InvalidArgument("new row " + std::to_string(i) + " has no neighbours", "knn");
    float* r = emb.row(i);
    if (d[0] == 0.0f) {
      // An exact duplicate of a training row takes that row's place and stays there: identical
      // content belongs at one spot of the map (umap-learn would let it drift a little).
      for (int c = 0; c < dim; ++c) r[c] = model.embedding.row(nb[0])[c];
      movable[i] = 0;
      continue;
    }
    float sigma, rho;
    umap_detail::SmoothKnnDist(d, k, target, lc, mean_all, &sigma, &rho);
    double wsum = 0.0;
    std::vector<double> acc(dim, 0.0);
    int exact = -1;
    for (int t = 0; t < k && nb[t] >= 0; ++t) {
      const float x = d[t] - rho;
      const float w = (x <= 0.0f || sigma == 0.0f) ? 1.0f : std::exp(-x / sigma);
      if (w == 1.0f && exact < 0) exact = nb[t];
      wsum += w;
      for (int c = 0; c < dim; ++c) acc[c] += w * model.embedding.row(nb[t])[c];
      edges.head.push_back(i);
      edges.tail.push_back(nb[t]);
      edges.weight.push_back(w);
    }
    for (int c = 0; c < dim; ++c) {
      r[c] = exact >= 0 ? model.embedding.row(exact)[c] : static_cast<float>(acc[c] / wsum);
    }
  }
  if (!edges.head.empty()) PruneEdges(&edges, n_epochs);
  for (size_t r = 0; r < pins.rows.size(); ++r) {
    for (int c = 0; c < dim; ++c) emb.row(pins.rows[r])[c] = pins.coords[r * dim + c];
    movable[pins.rows[r]] = 0;
  }
  if (!ReportProgress(progress, 0.05)) return Cancelled("UMAP transform");

  SgdSchedule sched = MakeSchedule(edges, n_epochs, p.negative_sample_rate, movable, nullptr);
  SgdConfig cfg{model.a, model.b, p.repulsion_strength, p.learning_rate / 4.0f, n_epochs};
  Rng rng(p.seed ^ 0x7f4a7c159e3779b9ULL ^ static_cast<uint64_t>(m));
  KS_RETURN_IF_ERROR(RunSgdAnyDim(&emb, &model.embedding, sched, movable, nullptr, cfg, rng,
                                  SubProgress(progress, 0.05, 1.0), "UMAP transform"));
  return emb;
}

Result<Matrix> TransformUmap(const UmapModel& model, KnnProvider& training_index, MatrixView new_data,
                             const UmapPins& pins, const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateMatrix(new_data, "data", 1));
  if (training_index.size() != model.embedding.rows) {
    return InvalidArgument("the kNN index does not hold the model's training rows", "knn");
  }
  const int k = std::min(model.params.n_neighbors, training_index.size());
  KS_ASSIGN_OR_RETURN(KnnGraph g, training_index.Query(new_data, k, SubProgress(progress, 0.0, 0.3)));
  return TransformUmap(model, g, pins, SubProgress(progress, 0.3, 1.0));
}

std::vector<uint8_t> SerializeUmapModel(const UmapModel& model) {
  Writer w;
  for (char c : kMagic) w.out.push_back(static_cast<uint8_t>(c));
  w.U32(kFormatVersion);
  const UmapParams& p = model.params;
  w.I32(p.n_components);
  w.I32(p.n_neighbors);
  w.F32(p.min_dist);
  w.F32(p.spread);
  w.I32(p.n_epochs);
  w.F32(p.learning_rate);
  w.F32(p.repulsion_strength);
  w.I32(p.negative_sample_rate);
  w.F32(p.local_connectivity);
  w.F32(p.set_op_mix_ratio);
  w.I32(static_cast<int32_t>(p.init));
  w.I32(static_cast<int32_t>(p.metric));
  w.I32(p.exact_knn_max_rows);
  w.I32(p.transform_epochs);
  w.F32(p.a);
  w.F32(p.b);
  w.U64(p.seed);
  w.F32(model.a);
  w.F32(model.b);
  w.I32(static_cast<int32_t>(model.init_used));
  w.U64(static_cast<uint64_t>(model.edges));
  w.I32(model.embedding.rows);
  w.I32(model.embedding.cols);
  for (float v : model.embedding.data) w.F32(v);
  w.U32(Crc32(w.out.data(), w.out.size()));
  return std::move(w.out);
}

Result<UmapModel> DeserializeUmapModel(std::span<const uint8_t> bytes) {
  auto corrupt = [](const std::string& why) { return Status(Code::kCorrupt, "UMAP model bytes: " + why, "model"); };
  if (bytes.size() < sizeof(kMagic) + 8 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return corrupt("not a UMAP model");
  }
  const size_t body = bytes.size() - 4;
  Reader crc_reader{bytes.subspan(body)};
  if (Crc32(bytes.data(), body) != crc_reader.U32()) return corrupt("checksum mismatch");
  Reader r{bytes.first(body)};
  r.pos = sizeof(kMagic);
  const uint32_t version = r.U32();
  if (version > kFormatVersion) {
    return Status(Code::kUnsupported, "UMAP model format version " + std::to_string(version) + " is newer than this build", "model");
  }
  UmapModel m;
  UmapParams& p = m.params;
  p.n_components = r.I32();
  p.n_neighbors = r.I32();
  p.min_dist = r.F32();
  p.spread = r.F32();
  p.n_epochs = r.I32();
  p.learning_rate = r.F32();
  p.repulsion_strength = r.F32();
  p.negative_sample_rate = r.I32();
  p.local_connectivity = r.F32();
  p.set_op_mix_ratio = r.F32();
  p.init = static_cast<UmapInit>(r.I32());
  p.metric = static_cast<Metric>(r.I32());
  p.exact_knn_max_rows = r.I32();
  p.transform_epochs = r.I32();
  p.a = r.F32();
  p.b = r.F32();
  p.seed = r.U64();
  m.a = r.F32();
  m.b = r.F32();
  m.init_used = static_cast<UmapInit>(r.I32());
  m.edges = static_cast<int64_t>(r.U64());
  const int rows = r.I32(), cols = r.I32();
  if (!r.ok) return corrupt("truncated header");
  if (!ValidateParams(p, -1).ok()) return corrupt("invalid parameters");
  if (rows < 1 || rows > kMaxRows || cols != p.n_components) return corrupt("invalid embedding shape");
  if (r.pos + static_cast<size_t>(rows) * cols * 4 != body) return corrupt("size mismatch");
  if (!(m.a > 0.0f) || !(m.b > 0.0f) || !std::isfinite(m.a) || !std::isfinite(m.b)) return corrupt("invalid a/b");
  const int iu = static_cast<int>(m.init_used);
  if (iu < 0 || iu > 3) return corrupt("invalid init");
  m.embedding = Matrix(rows, cols);
  for (float& v : m.embedding.data) {
    v = r.F32();
    if (!std::isfinite(v)) return corrupt("non-finite coordinate");
  }
  return m;
}

}  // namespace kspace::layout
