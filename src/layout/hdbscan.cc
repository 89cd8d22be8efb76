#include "layout/hdbscan.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "layout/mst.h"
#include "layout/pca.h"

namespace kspace::layout {
namespace {

// Lambda of a merge distance; exact duplicates (distance 0) get a large finite lambda so that
// stabilities stay finite.
constexpr double kMaxLambda = 1e30;
inline double LambdaOf(double dist) { return dist > 1.0 / kMaxLambda ? 1.0 / dist : kMaxLambda; }

struct Linkage {
  std::vector<int32_t> left, right;  // children: rows are 0..n-1, merges n..2n-2
  std::vector<double> dist;
  std::vector<int32_t> size;         // rows under each merge
};

Linkage SingleLinkage(int n, std::vector<MstEdge> mst) {
  std::sort(mst.begin(), mst.end(), [](const MstEdge& x, const MstEdge& y) {
    if (x.weight != y.weight) return x.weight < y.weight;
    if (x.a != y.a) return x.a < y.a;
    return x.b < y.b;
  });
  Linkage l;
  const size_t m = mst.size();
  l.left.resize(m);
  l.right.resize(m);
  l.dist.resize(m);
  l.size.resize(m);
  // Union-find whose roots remember the dendrogram node standing for their set.
  std::vector<int32_t> parent(static_cast<size_t>(n)), node(static_cast<size_t>(n)), count(static_cast<size_t>(n), 1);
  std::iota(parent.begin(), parent.end(), 0);
  std::iota(node.begin(), node.end(), 0);
  auto find = [&](int x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (size_t t = 0; t < m; ++t) {
    const int ra = find(mst[t].a), rb = find(mst[t].b);
    l.left[t] = node[ra];
    l.right[t] = node[rb];
    l.dist[t] = mst[t].weight;
    l.size[t] = count[ra] + count[rb];
    const int root = std::min(ra, rb), other = std::max(ra, rb);
    parent[other] = root;
    count[root] = count[ra] + count[rb];
    node[root] = n + static_cast<int32_t>(t);
  }
  return l;
}

}  // namespace

Result<HdbscanResult> Hdbscan(MatrixView data_in, const HdbscanParams& params, const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data_in, "data", 2));
  const int n = data_in.rows;
  if (params.min_cluster_size < 2 || params.min_cluster_size > n) {
    return InvalidArgument("minClusterSize must be in [2, rows] = [2, " + std::to_string(n) + "]",
                           "minClusterSize");
  }
  if (params.min_samples < 0 || params.min_samples > n) {
    return InvalidArgument("minSamples must be in [0, rows]", "minSamples");
  }
  if (params.reduce_above_dim < 0 || params.reduce_to_dim < 1 || !(params.reduce_min_work >= 0.0)) {
    return InvalidArgument("reduceAboveDim must be >= 0 and reduceToDim >= 1", "reduceToDim");
  }
  const int sel = static_cast<int>(params.selection);
  if (sel < 0 || sel > 1) return InvalidArgument("unknown cluster selection", "selection");
  const int mcs = params.min_cluster_size;
  const int min_samples = params.min_samples > 0 ? params.min_samples : std::min(mcs, n);

  // 1. The space to cluster in.
  Matrix work;
  MatrixView x = data_in;
  if (params.metric == Metric::kCosine) {
    work = NormalizedRows(data_in);
    x = work.view();
  }
  const double raw_work = static_cast<double>(n) * n * x.cols;
  if (params.reduce_above_dim > 0 && x.cols > params.reduce_above_dim && params.reduce_to_dim < x.cols &&
      raw_work > params.reduce_min_work) {
    PcaParams pp;
    pp.components = std::min(params.reduce_to_dim, x.cols);
    pp.seed = params.seed;
    KS_ASSIGN_OR_RETURN(Matrix reduced, PcaFitTransform(x, pp, SubProgress(progress, 0.0, 0.15)));
    work = std::move(reduced);
    x = work.view();
  }

  // 2. Core distances and the mutual-reachability MST; 3. single linkage.
  std::vector<float> core;
  KS_ASSIGN_OR_RETURN(std::vector<MstEdge> mst, CoreDistancesAndMst(x, min_samples, &core, SubProgress(progress, 0.15, 0.9)));
  if (params.metric == Metric::kCosine) {
    // Same tree; report cosine distances (||a-b||^2 / 2 on unit vectors) so lambdas are 1/cosine.
    for (MstEdge& e : mst) e.weight = CosineFromSquaredL2(e.weight * e.weight);
  }
  const Linkage link = SingleLinkage(n, std::move(mst));

  // 4. Condensed tree, top-down from the root merge.
  HdbscanResult res;
  res.space_dim = x.cols;
  res.point_cluster.assign(static_cast<size_t>(n), 0);
  res.point_lambda.assign(static_cast<size_t>(n), 0.0f);
  std::vector<double> point_lambda(static_cast<size_t>(n), 0.0);
  std::vector<CondensedCluster>& cl = res.clusters;
  cl.emplace_back();
  cl[0].size = n;
  std::vector<double> birth{0.0}, death{0.0}, stab{0.0};
  auto size_of = [&](int32_t node) { return node < n ? 1 : link.size[node - n]; };
  std::vector<int32_t> sub;  // scratch stack for subtree walks
  // Rows under `node` fall out of cluster c at lambda.
  auto fall_out = [&](int32_t node, int32_t c, double lambda) {
    sub.clear();
    sub.push_back(node);
    while (!sub.empty()) {
      const int32_t u = sub.back();
      sub.pop_back();
      if (u < n) {
        res.point_cluster[u] = c;
        point_lambda[u] = lambda;
        stab[c] += lambda - birth[c];
        death[c] = std::max(death[c], lambda);
      } else {
        sub.push_back(link.left[u - n]);
        sub.push_back(link.right[u - n]);
      }
    }
  };
  if (n == 1) {
    res.point_cluster[0] = 0;
  } else {
    std::vector<std::pair<int32_t, int32_t>> queue;  // (dendrogram node, cluster), FIFO
    queue.push_back({2 * n - 2, 0});
    for (size_t qi = 0; qi < queue.size(); ++qi) {
      const auto [node, c] = queue[qi];
      if (node < n) {  // a single row reached through a "continue as the larger side" chain
        fall_out(node, c, death[c] > 0.0 ? death[c] : birth[c]);
        continue;
      }
      const int32_t l = link.left[node - n], r = link.right[node - n];
      const double lambda = LambdaOf(link.dist[node - n]);
      const int ls = size_of(l), rs = size_of(r);
      if (ls >= mcs && rs >= mcs) {
        for (int32_t child : {l, r}) {
          const int32_t id = static_cast<int32_t>(cl.size());
          cl.emplace_back();
          cl[id].parent = c;
          cl[id].depth = cl[c].depth + 1;
          cl[id].size = size_of(child);
          cl[c].children.push_back(id);
          birth.push_back(lambda);
          death.push_back(lambda);
          stab.push_back(0.0);
          stab[c] += (lambda - birth[c]) * cl[id].size;
          death[c] = std::max(death[c], lambda);
          queue.push_back({child, id});
        }
      } else if (ls < mcs && rs < mcs) {
        fall_out(l, c, lambda);
        fall_out(r, c, lambda);
      } else if (ls < mcs) {
        fall_out(l, c, lambda);
        queue.push_back({r, c});
      } else {
        fall_out(r, c, lambda);
        queue.push_back({l, c});
      }
    }
  }
  // A single row reached via the chain above falls out at the last lambda its cluster saw; that
  // case only arises for clusters of size 1, which min_cluster_size >= 2 excludes, but keep the
  // code total.
  const int nc = static_cast<int>(cl.size());
  for (int c = 0; c < nc; ++c) {
    cl[c].lambda_birth = static_cast<float>(birth[c]);
    cl[c].lambda_death = static_cast<float>(death[c]);
    cl[c].stability = stab[c];
  }
  for (int i = 0; i < n; ++i) res.point_lambda[i] = static_cast<float>(point_lambda[i]);

  // 5. Members as contiguous ranges: depth-first order, rows falling out of a cluster first.
  {
    std::vector<std::vector<int32_t>> direct(static_cast<size_t>(nc));
    for (int i = 0; i < n; ++i) direct[res.point_cluster[i]].push_back(i);
    res.member_order.reserve(static_cast<size_t>(n));
    std::vector<std::pair<int32_t, bool>> st{{0, false}};
    while (!st.empty()) {
      auto [c, done] = st.back();
      st.pop_back();
      if (done) {
        cl[c].member_end = static_cast<int32_t>(res.member_order.size());
        continue;
      }
      cl[c].member_begin = static_cast<int32_t>(res.member_order.size());
      res.member_order.insert(res.member_order.end(), direct[c].begin(), direct[c].end());
      st.push_back({c, true});
      for (auto it = cl[c].children.rbegin(); it != cl[c].children.rend(); ++it) st.push_back({*it, false});
    }
  }

  // 6. Flat selection.
  std::vector<uint8_t> chosen(static_cast<size_t>(nc), 0);
  if (params.selection == ClusterSelection::kExcessOfMass) {
    std::vector<double> subtree(stab);
    for (int c = nc - 1; c >= 0; --c) {  // children have larger ids than parents
      if (c == 0 && !params.allow_single_cluster) break;
      double child_sum = 0.0;
      for (int32_t ch : cl[c].children) child_sum += subtree[ch];
      if (!cl[c].children.empty() && child_sum > subtree[c]) {
        subtree[c] = child_sum;
        chosen[c] = 0;
      } else {
        chosen[c] = 1;
        // Deselect all descendants.
        std::vector<int32_t> st(cl[c].children.begin(), cl[c].children.end());
        while (!st.empty()) {
          const int32_t u = st.back();
          st.pop_back();
          chosen[u] = 0;
          st.insert(st.end(), cl[u].children.begin(), cl[u].children.end());
        }
      }
    }
    if (!params.allow_single_cluster) chosen[0] = 0;
  } else {
    for (int c = 1; c < nc; ++c) chosen[c] = cl[c].children.empty() ? 1 : 0;
    if (nc == 1 && params.allow_single_cluster) chosen[0] = 1;
  }
  int label = 0;
  for (int c = 0; c < nc; ++c) {
    if (!chosen[c]) continue;
    cl[c].selected = true;
    cl[c].label = label++;
  }
  res.num_clusters = label;

  // 7. Labels, probabilities (lambda relative to the selected cluster's largest), GLOSH scores
  //    (how early a row leaves relative to the densest point of the cluster it leaves).
  std::vector<double> max_lambda_sub(static_cast<size_t>(nc), 0.0);  // over rows in the subtree
  for (int i = 0; i < n; ++i) {
    const int c = res.point_cluster[i];
    max_lambda_sub[c] = std::max(max_lambda_sub[c], point_lambda[i]);
  }
  for (int c = nc - 1; c > 0; --c) {
    max_lambda_sub[cl[c].parent] = std::max(max_lambda_sub[cl[c].parent], max_lambda_sub[c]);
  }
  res.labels.assign(static_cast<size_t>(n), -1);
  res.probabilities.assign(static_cast<size_t>(n), 0.0f);
  res.outlier_scores.assign(static_cast<size_t>(n), 0.0f);
  for (int c = 0; c < nc; ++c) {
    if (!cl[c].selected) continue;
    const double ml = max_lambda_sub[c];
    for (int t = cl[c].member_begin; t < cl[c].member_end; ++t) {
      const int32_t i = res.member_order[t];
      res.labels[i] = cl[c].label;
      res.probabilities[i] = ml > 0.0 ? static_cast<float>(std::min(point_lambda[i], ml) / ml) : 1.0f;
    }
  }
  for (int i = 0; i < n; ++i) {
    const double ml = max_lambda_sub[res.point_cluster[i]];
    res.outlier_scores[i] = ml > 0.0 ? static_cast<float>((ml - point_lambda[i]) / ml) : 0.0f;
  }
  if (!ReportProgress(progress, 1.0)) return Cancelled("HDBSCAN");
  return res;
}

}  // namespace kspace::layout
