#include "layout/mst.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "layout/distance.h"
#include "layout/knn.h"

namespace kspace::layout {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// A static KD-tree over the rows of a low-dimensional matrix (median splits on the widest axis).
class KdTree {
 public:
  struct Node {
    int32_t begin, end;   // range in perm
    int32_t left, right;  // children, -1 for a leaf
  };

  KdTree(MatrixView x, int leaf_size) : x_(x), d_(x.cols) {
    perm_.resize(static_cast<size_t>(x.rows));
    std::iota(perm_.begin(), perm_.end(), 0);
    nodes_.reserve(static_cast<size_t>(2 * (x.rows / std::max(1, leaf_size)) + 8));
    Build(leaf_size);
  }

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<int32_t>& perm() const { return perm_; }
  const float* lo(int node) const { return box_.data() + static_cast<size_t>(node) * 2 * d_; }
  const float* hi(int node) const { return lo(node) + d_; }

  // Squared distance from q to the node's bounding box, or any value >= `bound` as soon as the
  // partial sum reaches it (the callers only compare against bound: most boxes are rejected after
  // a few coordinates).
  float BoxDist2(int node, const float* q, float bound) const {
    const float* l = lo(node);
    const float* h = hi(node);
    float s = 0.0f;
    for (int j = 0; j < d_; ++j) {
      const float t = q[j] < l[j] ? l[j] - q[j] : (q[j] > h[j] ? q[j] - h[j] : 0.0f);
      s += t * t;
      if ((j & 3) == 3 && s >= bound) return s;
    }
    return s;
  }

 private:
  void Build(int leaf_size) {
    struct Task {
      int32_t node, begin, end;
    };
    std::vector<Task> stack;
    nodes_.push_back({0, x_.rows, -1, -1});
    stack.push_back({0, 0, x_.rows});
    while (!stack.empty()) {
      const Task t = stack.back();
      stack.pop_back();
      const int m = t.end - t.begin;
      // Bounding box of the range.
      std::vector<float> l(d_, kInf), h(d_, -kInf);
      for (int u = t.begin; u < t.end; ++u) {
        const float* r = x_.row(perm_[u]);
        for (int j = 0; j < d_; ++j) {
          l[j] = std::min(l[j], r[j]);
          h[j] = std::max(h[j], r[j]);
        }
      }
      if (box_.size() < static_cast<size_t>(t.node + 1) * 2 * d_) box_.resize(static_cast<size_t>(t.node + 1) * 2 * d_);
      std::copy(l.begin(), l.end(), box_.begin() + static_cast<size_t>(t.node) * 2 * d_);
      std::copy(h.begin(), h.end(), box_.begin() + static_cast<size_t>(t.node) * 2 * d_ + d_);
      if (m <= leaf_size) continue;
      int axis = 0;
      float width = -1.0f;
      for (int j = 0; j < d_; ++j)
        if (h[j] - l[j] > width) {
          width = h[j] - l[j];
          axis = j;
        }
      if (!(width > 0.0f)) continue;  // all rows identical: keep as a (large) leaf
      const int mid = t.begin + m / 2;
      std::nth_element(perm_.begin() + t.begin, perm_.begin() + mid, perm_.begin() + t.end,
                       [&](int32_t a, int32_t b) {
                         const float va = x_.row(a)[axis], vb = x_.row(b)[axis];
                         return va != vb ? va < vb : a < b;
                       });
      const int32_t left = static_cast<int32_t>(nodes_.size());
      nodes_.push_back({t.begin, mid, -1, -1});
      nodes_.push_back({mid, t.end, -1, -1});
      nodes_[t.node].left = left;
      nodes_[t.node].right = left + 1;
      stack.push_back({left + 1, mid, t.end});
      stack.push_back({left, t.begin, mid});
    }
  }

  MatrixView x_;
  int d_;
  std::vector<int32_t> perm_;
  std::vector<Node> nodes_;
  std::vector<float> box_;  // per node: lo[d], hi[d]
};

// k nearest other rows of row `qi` (squared distances), by best-first branch and bound.
void KdKnn(const KdTree& tree, MatrixView x, int qi, int k, knn_detail::TopK* top,
           std::vector<std::pair<float, int32_t>>* stack) {
  const float* q = x.row(qi);
  const auto& nodes = tree.nodes();
  stack->clear();
  stack->push_back({0.0f, 0});
  while (!stack->empty()) {
    const auto [bd, ni] = stack->back();
    stack->pop_back();
    if (!(bd < top->worst(qi))) continue;
    const KdTree::Node& nd = nodes[ni];
    if (nd.left < 0) {
      for (int u = nd.begin; u < nd.end; ++u) {
        const int32_t j = tree.perm()[u];
        if (j == qi) continue;
        top->Push(qi, SquaredL2(q, x.row(j), x.cols), j);
      }
      continue;
    }
    const float bound = top->worst(qi);
    const float dl = tree.BoxDist2(nd.left, q, bound), dr = tree.BoxDist2(nd.right, q, bound);
    // Push the farther child first so the nearer one is explored first; skip hopeless ones.
    if (dl <= dr) {
      if (dr < bound) stack->push_back({dr, nd.right});
      if (dl < bound) stack->push_back({dl, nd.left});
    } else {
      if (dl < bound) stack->push_back({dl, nd.left});
      if (dr < bound) stack->push_back({dr, nd.right});
    }
  }
  (void)k;
}

int Find(std::vector<int32_t>& parent, int x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

Result<std::vector<MstEdge>> PrimMst(MatrixView x, const std::vector<float>& core2,
                                     const Progress& progress) {
  const int n = x.rows, d = x.cols;
  std::vector<MstEdge> out;
  out.reserve(static_cast<size_t>(n) - 1);
  std::vector<int32_t> rest(static_cast<size_t>(n) - 1);  // vertices not yet in the tree
  std::iota(rest.begin(), rest.end(), 1);
  std::vector<float> best(static_cast<size_t>(n), kInf);
  std::vector<int32_t> from(static_cast<size_t>(n), -1);
  int cur = 0;
  for (int step = 1; step < n; ++step) {
    const float* xc = x.row(cur);
    const float cc = core2[cur];
    int arg = -1;
    float argv = kInf;
    for (size_t t = 0; t < rest.size(); ++t) {
      const int v = rest[t];
      const float lb = std::max(cc, core2[v]);
      if (lb < best[v]) {
        const float mr = std::max(lb, SquaredL2(xc, x.row(v), d));
        if (mr < best[v]) {
          best[v] = mr;
          from[v] = cur;
        }
      }
      if (arg < 0 || best[v] < argv || (best[v] == argv && v < rest[arg])) {
        argv = best[v];
        arg = static_cast<int>(t);
      }
    }
    const int v = rest[arg];
    out.push_back({from[v], v, std::sqrt(best[v])});
    rest[arg] = rest.back();
    rest.pop_back();
    cur = v;
    if ((step & 255) == 0 && !ReportProgress(progress, static_cast<double>(step) * (2.0 * n - step) / (static_cast<double>(n) * n))) {
      return Cancelled("HDBSCAN spanning tree");
    }
  }
  return out;
}

// `knn` (optional, n x knn_k ids) seeds each round's component bounds: a row's best edge is very
// often to one of its nearest neighbours, and a tight bound early prunes most of the tree search.
Result<std::vector<MstEdge>> BoruvkaMst(MatrixView x, const std::vector<float>& core2,
                                        const std::vector<int32_t>& knn, int knn_k,
                                        const Progress& progress) {
  const int n = x.rows, d = x.cols;
  KdTree tree(x, 16);
  const auto& nodes = tree.nodes();
  const auto& perm = tree.perm();
  const int nn = static_cast<int>(nodes.size());
  // Minimum core distance per subtree (nodes are created parent-before-child: fill bottom-up).
  std::vector<float> node_core(static_cast<size_t>(nn), kInf);
  for (int i = nn - 1; i >= 0; --i) {
    const KdTree::Node& nd = nodes[i];
    if (nd.left < 0) {
      for (int u = nd.begin; u < nd.end; ++u) node_core[i] = std::min(node_core[i], core2[perm[u]]);
    } else {
      node_core[i] = std::min(node_core[nd.left], node_core[nd.right]);
    }
  }
  std::vector<int32_t> parent(static_cast<size_t>(n));
  std::iota(parent.begin(), parent.end(), 0);
  std::vector<int32_t> comp(static_cast<size_t>(n)), node_comp(static_cast<size_t>(nn));
  std::vector<float> comp_best(static_cast<size_t>(n));
  std::vector<int32_t> comp_a(static_cast<size_t>(n)), comp_b(static_cast<size_t>(n));
  std::vector<MstEdge> out;
  out.reserve(static_cast<size_t>(n) - 1);
  std::vector<std::pair<float, int32_t>> stack;
  // point_lb[p]: a lower bound on p's lightest edge leaving its component. Boruvka finds each
  // component's exact lightest outgoing edge, so after a round every member's own lightest is at
  // least that; components only grow, so the bound stays valid and prunes later rounds.
  std::vector<float> point_lb(core2.begin(), core2.end());
  int components = n;
  while (components > 1) {
    for (int i = 0; i < n; ++i) comp[i] = Find(parent, i);
    for (int i = nn - 1; i >= 0; --i) {  // -1 = mixed components
      const KdTree::Node& nd = nodes[i];
      if (nd.left < 0) {
        int32_t c = comp[perm[nd.begin]];
        for (int u = nd.begin + 1; u < nd.end && c >= 0; ++u)
          if (comp[perm[u]] != c) c = -1;
        node_comp[i] = c;
      } else {
        node_comp[i] = node_comp[nd.left] == node_comp[nd.right] ? node_comp[nd.left] : -1;
      }
    }
    std::fill(comp_best.begin(), comp_best.end(), kInf);
    std::fill(comp_a.begin(), comp_a.end(), -1);
    auto offer = [&](int32_t p, int32_t q, float mr) {
      const int32_t c = comp[p];
      if (mr < comp_best[c]) {
        comp_best[c] = mr;
        comp_a[c] = p;
        comp_b[c] = q;
      }
    };
    for (int p = 0; p < n && knn_k > 0; ++p) {
      const int32_t* nb = knn.data() + static_cast<size_t>(p) * knn_k;
      for (int t = 0; t < knn_k; ++t) {
        const int32_t q = nb[t];
        if (q < 0 || comp[q] == comp[p]) continue;
        const float lb = std::max(core2[p], core2[q]);
        if (!(lb < comp_best[comp[p]])) continue;
        offer(p, q, std::max(lb, SquaredL2(x.row(p), x.row(q), d)));
      }
    }
    for (int u = 0; u < n; ++u) {
      const int32_t p = perm[u];  // tree order: neighbouring queries touch the same nodes
      const int32_t c = comp[p];
      const float cp = point_lb[p];  // >= core2[p]
      if (!(cp < comp_best[c])) continue;
      const float* xp = x.row(p);
      stack.clear();
      stack.push_back({0.0f, 0});
      while (!stack.empty()) {
        const auto [bd, ni] = stack.back();
        stack.pop_back();
        if (node_comp[ni] == c) continue;
        if (!(std::max(bd, std::max(cp, node_core[ni])) < comp_best[c])) continue;
        const KdTree::Node& nd = nodes[ni];
        if (nd.left < 0) {
          for (int t = nd.begin; t < nd.end; ++t) {
            const int32_t q = perm[t];
            if (comp[q] == c) continue;
            const float lb = std::max(cp, core2[q]);
            if (!(lb < comp_best[c])) continue;
            const float mr = std::max(lb, SquaredL2(xp, x.row(q), d));
            if (mr < comp_best[c]) {
              comp_best[c] = mr;
              comp_a[c] = p;
              comp_b[c] = q;
            }
          }
          continue;
        }
        const float bound = comp_best[c];
        const float dl = tree.BoxDist2(nd.left, xp, bound), dr = tree.BoxDist2(nd.right, xp, bound);
        if (dl <= dr) {
          if (dr < bound) stack.push_back({dr, nd.right});
          if (dl < bound) stack.push_back({dl, nd.left});
        } else {
          if (dl < bound) stack.push_back({dl, nd.left});
          if (dr < bound) stack.push_back({dr, nd.right});
        }
      }
    }
    // Add every component's lightest edge, lightest first, skipping those that would close a
    // cycle (two components choosing each other, or ties).
    std::vector<int32_t> order;
    for (int c = 0; c < n; ++c)
      if (comp_a[c] >= 0) order.push_back(c);
    if (order.empty()) return Internal("Boruvka found no outgoing edge");
    for (int p = 0; p < n; ++p) point_lb[p] = std::max(point_lb[p], comp_best[comp[p]]);
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      return comp_best[a] != comp_best[b] ? comp_best[a] < comp_best[b] : a < b;
    });
    for (int32_t c : order) {
      const int ra = Find(parent, comp_a[c]), rb = Find(parent, comp_b[c]);
      if (ra == rb) continue;
      parent[std::max(ra, rb)] = std::min(ra, rb);
      out.push_back({comp_a[c], comp_b[c], std::sqrt(comp_best[c])});
      --components;
    }
    if (!ReportProgress(progress, 1.0 - static_cast<double>(components) / n)) {
      return Cancelled("HDBSCAN spanning tree");
    }
  }
  return out;
}

// Core distances, and (low dims) the neighbour lists they came from.
Result<std::vector<float>> CoreDistancesImpl(MatrixView data, int min_samples, const Progress& progress,
                                             std::vector<int32_t>* knn_out) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 1));
  const int n = data.rows;
  if (min_samples < 1 || min_samples > n) {
    return InvalidArgument("minSamples must be in [1, rows] = [1, " + std::to_string(n) + "]", "minSamples");
  }
  std::vector<float> core(static_cast<size_t>(n), 0.0f);
  const int k = min_samples - 1;
  if (k == 0) return core;
  if (data.cols <= kKdTreeMaxDim) {
    KdTree tree(data, 16);
    knn_detail::TopK top(n, k);
    std::vector<std::pair<float, int32_t>> stack;
    for (int i = 0; i < n; ++i) {
      KdKnn(tree, data, i, k, &top, &stack);
      core[i] = std::sqrt(top.worst(i));
      if ((i & 1023) == 1023 && !ReportProgress(progress, static_cast<double>(i + 1) / n)) {
        return Cancelled("HDBSCAN core distances");
      }
    }
    if (knn_out) *knn_out = std::move(top.id);
    return core;
  }
  KS_ASSIGN_OR_RETURN(KnnGraph g, ExactKnnGraph(data, k, Metric::kEuclidean, progress));
  for (int i = 0; i < n; ++i) core[i] = g.distances(i)[k - 1];
  if (knn_out) *knn_out = std::move(g.idx);
  return core;
}

}  // namespace

Result<std::vector<float>> CoreDistances(MatrixView data, int min_samples, const Progress& progress) {
  return CoreDistancesImpl(data, min_samples, progress, nullptr);
}

Result<std::vector<MstEdge>> CoreDistancesAndMst(MatrixView data, int min_samples, std::vector<float>* core_out,
                                                 const Progress& progress) {
  std::vector<int32_t> knn;
  KS_ASSIGN_OR_RETURN(std::vector<float> core, CoreDistancesImpl(data, min_samples, SubProgress(progress, 0.0, 0.4), &knn));
  std::vector<float> core2(core.size());
  for (size_t i = 0; i < core.size(); ++i) core2[i] = core[i] * core[i];
  Result<std::vector<MstEdge>> mst = std::vector<MstEdge>{};
  if (data.rows > 1) {
    mst = data.cols <= kKdTreeMaxDim ? BoruvkaMst(data, core2, knn, min_samples - 1, SubProgress(progress, 0.4, 1.0))
                                     : PrimMst(data, core2, SubProgress(progress, 0.4, 1.0));
  }
  if (mst.ok() && core_out) *core_out = std::move(core);
  return mst;
}

Result<std::vector<MstEdge>> MutualReachabilityMst(MatrixView data, const std::vector<float>& core,
                                                   const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 1));
  if (core.size() != static_cast<size_t>(data.rows)) {
    return InvalidArgument("core distances must have one entry per row", "core");
  }
  if (data.rows == 1) return std::vector<MstEdge>{};
  std::vector<float> core2(core.size());
  for (size_t i = 0; i < core.size(); ++i) {
    if (!(core[i] >= 0.0f) || !std::isfinite(core[i])) return InvalidArgument("core distances must be finite and >= 0", "core");
    core2[i] = core[i] * core[i];
  }
  if (data.cols <= kKdTreeMaxDim) return BoruvkaMst(data, core2, {}, 0, progress);
  return PrimMst(data, core2, progress);
}

}  // namespace kspace::layout
