#include "layout/community.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "layout/random.h"

namespace kspace::layout {
namespace {

struct WGraph {
  int n = 0;
  std::vector<int64_t> off;  // n + 1
  std::vector<int32_t> adj;  // neighbours (no self loops)
  std::vector<double> w;
  std::vector<double> self;  // self-loop weight per node
  std::vector<double> deg;   // sum of incident weights, self loops twice
  double m2 = 0.0;           // total degree = 2m
};

Status ValidateEdges(int n, std::span<const GraphEdge> edges) {
  if (n < 1 || n > kMaxRows) return InvalidArgument("n must be in [1, " + std::to_string(kMaxRows) + "]", "n");
  for (size_t t = 0; t < edges.size(); ++t) {
    const GraphEdge& e = edges[t];
    if (e.u < 0 || e.u >= n || e.v < 0 || e.v >= n) {
      return InvalidArgument("edge " + std::to_string(t) + " has a node id outside [0, n)", "edges");
    }
    if (!(e.weight >= 0.0f) || !std::isfinite(e.weight)) {
      return InvalidArgument("edge " + std::to_string(t) + " has a negative or non-finite weight", "edges");
    }
  }
  return Status::Ok();
}

WGraph BuildGraph(int n, std::span<const GraphEdge> edges) {
  struct E {
    int32_t a, b;
    double w;
  };
  std::vector<E> es;
  es.reserve(edges.size());
  for (const GraphEdge& e : edges) {
    if (e.weight > 0.0f) es.push_back({std::min(e.u, e.v), std::max(e.u, e.v), e.weight});
  }
  std::sort(es.begin(), es.end(), [](const E& x, const E& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
  std::vector<E> merged;
  for (const E& e : es) {
    if (!merged.empty() && merged.back().a == e.a && merged.back().b == e.b) {
      merged.back().w += e.w;
    } else {
      merged.push_back(e);
    }
  }
  WGraph g;
  g.n = n;
  g.self.assign(static_cast<size_t>(n), 0.0);
  g.deg.assign(static_cast<size_t>(n), 0.0);
  g.off.assign(static_cast<size_t>(n) + 1, 0);
  for (const E& e : merged) {
    if (e.a == e.b) {
      g.self[e.a] += e.w;
      g.deg[e.a] += 2.0 * e.w;
      continue;
    }
    ++g.off[e.a + 1];
    ++g.off[e.b + 1];
    g.deg[e.a] += e.w;
    g.deg[e.b] += e.w;
  }
  for (int i = 0; i < n; ++i) g.off[i + 1] += g.off[i];
  g.adj.resize(static_cast<size_t>(g.off[n]));
  g.w.resize(static_cast<size_t>(g.off[n]));
  std::vector<int64_t> pos(g.off.begin(), g.off.end() - 1);
  for (const E& e : merged) {
    if (e.a == e.b) continue;
    g.adj[pos[e.a]] = e.b;
    g.w[pos[e.a]++] = e.w;
    g.adj[pos[e.b]] = e.a;
    g.w[pos[e.b]++] = e.w;
  }
  for (double d : g.deg) g.m2 += d;
  return g;
}

// Scratch accumulator of weights per community for one node's neighbourhood.
struct NeighborWeights {
  std::vector<double> w;
  std::vector<int32_t> touched;
  explicit NeighborWeights(int n) : w(static_cast<size_t>(n), 0.0) {}
  void Add(int32_t c, double x) {
    if (w[c] == 0.0) touched.push_back(c);
    w[c] += x;
  }
  void Clear() {
    for (int32_t c : touched) w[c] = 0.0;
    touched.clear();
  }
};

// Leiden's fast local moving. `comm` is updated in place; returns whether anything moved.
bool MoveNodes(const WGraph& g, double gamma, std::vector<int32_t>& comm, Rng& rng) {
  const int n = g.n;
  std::vector<double> K(static_cast<size_t>(n), 0.0);
  std::vector<int32_t> members(static_cast<size_t>(n), 0);
  for (int v = 0; v < n; ++v) {
    K[comm[v]] += g.deg[v];
    ++members[comm[v]];
  }
  std::vector<int32_t> empty;
  for (int c = n - 1; c >= 0; --c)
    if (members[c] == 0) empty.push_back(c);
  std::vector<int32_t> queue(static_cast<size_t>(n));
  std::iota(queue.begin(), queue.end(), 0);
  rng.Shuffle(queue.data(), queue.size());
  std::vector<uint8_t> in_queue(static_cast<size_t>(n), 1);
  NeighborWeights nw(n);
  const double scale = g.m2 > 0.0 ? gamma / g.m2 : 0.0;
  bool moved = false;
  for (size_t head = 0; head < queue.size(); ++head) {
    const int32_t v = queue[head];
    in_queue[v] = 0;
    const int32_t a = comm[v];
    for (int64_t e = g.off[v]; e < g.off[v + 1]; ++e) nw.Add(comm[g.adj[e]], g.w[e]);
    K[a] -= g.deg[v];
    --members[a];
    int32_t best = a;
    double best_gain = nw.w[a] - scale * g.deg[v] * K[a];
    for (int32_t c : nw.touched) {
      const double gain = nw.w[c] - scale * g.deg[v] * K[c];
      if (gain > best_gain + 1e-12 * std::fabs(best_gain)) {
        best_gain = gain;
        best = c;
      }
    }
    if (best_gain < 0.0 && members[a] > 0) {  // better alone: move to an empty community
      best = empty.back();
      best_gain = 0.0;
    }
    if (members[a] == 0 && best != a) empty.push_back(a);
    if (best != a && !empty.empty() && empty.back() == best) empty.pop_back();
    K[best] += g.deg[v];
    ++members[best];
    if (best != a) {
      comm[v] = best;
      moved = true;
      for (int64_t e = g.off[v]; e < g.off[v + 1]; ++e) {
        const int32_t u = g.adj[e];
        if (!in_queue[u] && comm[u] != best) {
          in_queue[u] = 1;
          queue.push_back(u);
        }
      }
    }
    nw.Clear();
  }
  return moved;
}

// Leiden refinement: greedy merges of singletons into well-connected refined communities, within
// each community of `comm`. Returns the refined partition (ids in [0, n)).
std::vector<int32_t> Refine(const WGraph& g, double gamma, const std::vector<int32_t>& comm, Rng& rng) {
  const int n = g.n;
  const double scale = g.m2 > 0.0 ? gamma / g.m2 : 0.0;
  std::vector<int32_t> ref(static_cast<size_t>(n));
  std::iota(ref.begin(), ref.end(), 0);
  std::vector<double> Kc(static_cast<size_t>(n), 0.0), Kr(g.deg.begin(), g.deg.end()), ext(static_cast<size_t>(n), 0.0);
  std::vector<uint8_t> singleton(static_cast<size_t>(n), 1);
  for (int v = 0; v < n; ++v) {
    Kc[comm[v]] += g.deg[v];
    for (int64_t e = g.off[v]; e < g.off[v + 1]; ++e)
      if (comm[g.adj[e]] == comm[v]) ext[v] += g.w[e];
  }
  std::vector<int32_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  rng.Shuffle(order.data(), order.size());
  NeighborWeights nw(n);
  for (int32_t v : order) {
    if (!singleton[v]) continue;
    const int32_t c = comm[v];
    // v must itself be well connected to its community.
    if (ext[v] < scale * g.deg[v] * (Kc[c] - g.deg[v])) continue;
    for (int64_t e = g.off[v]; e < g.off[v + 1]; ++e) {
      const int32_t u = g.adj[e];
      if (comm[u] == c) nw.Add(ref[u], g.w[e]);
    }
    int32_t best = -1;
    double best_gain = 0.0;
    for (int32_t t : nw.touched) {
      if (t == ref[v]) continue;
      if (ext[t] < scale * Kr[t] * (Kc[c] - Kr[t])) continue;  // T must be well connected
      const double gain = nw.w[t] - scale * g.deg[v] * Kr[t];
      if (gain >= best_gain && (best < 0 || gain > best_gain || t < best)) {
        best_gain = gain;
        best = t;
      }
    }
    if (best >= 0) {
      const int32_t own = ref[v];
      ext[best] = ext[best] + ext[own] - 2.0 * nw.w[best];
      Kr[best] += Kr[own];
      Kr[own] = 0.0;
      ref[v] = best;
      singleton[v] = 0;
      // Members of `best` are no longer singletons either (they cannot move any more).
      singleton[best] = 0;
    }
    nw.Clear();
  }
  return ref;
}

// Renumbers labels to [0, count) in order of first appearance; returns count.
int Compact(std::vector<int32_t>& labels, int n_ids) {
  std::vector<int32_t> map(static_cast<size_t>(n_ids), -1);
  int next = 0;
  for (int32_t& l : labels) {
    if (map[l] < 0) map[l] = next++;
    l = map[l];
  }
  return next;
}

WGraph Aggregate(const WGraph& g, const std::vector<int32_t>& part, int count) {
  WGraph a;
  a.n = count;
  a.self.assign(static_cast<size_t>(count), 0.0);
  a.deg.assign(static_cast<size_t>(count), 0.0);
  struct E {
    int32_t x, y;
    double w;
  };
  std::vector<E> es;
  for (int v = 0; v < g.n; ++v) {
    a.self[part[v]] += g.self[v];
    a.deg[part[v]] += g.deg[v];
    for (int64_t e = g.off[v]; e < g.off[v + 1]; ++e) {
      const int32_t u = g.adj[e];
      if (u < v) continue;  // each undirected edge once
      const int32_t pu = part[u], pv = part[v];
      if (pu == pv) {
        a.self[pv] += g.w[e];
      } else {
        es.push_back({std::min(pu, pv), std::max(pu, pv), g.w[e]});
      }
    }
  }
  std::sort(es.begin(), es.end(), [](const E& p, const E& q) { return p.x != q.x ? p.x < q.x : p.y < q.y; });
  std::vector<E> merged;
  for (const E& e : es) {
    if (!merged.empty() && merged.back().x == e.x && merged.back().y == e.y) {
      merged.back().w += e.w;
    } else {
      merged.push_back(e);
    }
  }
  a.off.assign(static_cast<size_t>(count) + 1, 0);
  for (const E& e : merged) {
    ++a.off[e.x + 1];
    ++a.off[e.y + 1];
  }
  for (int i = 0; i < count; ++i) a.off[i + 1] += a.off[i];
  a.adj.resize(static_cast<size_t>(a.off[count]));
  a.w.resize(static_cast<size_t>(a.off[count]));
  std::vector<int64_t> pos(a.off.begin(), a.off.end() - 1);
  for (const E& e : merged) {
    a.adj[pos[e.x]] = e.y;
    a.w[pos[e.x]++] = e.w;
    a.adj[pos[e.y]] = e.x;
    a.w[pos[e.y]++] = e.w;
  }
  a.m2 = g.m2;
  return a;
}

double ModularityOf(const WGraph& g, const std::vector<int32_t>& comm, double gamma) {
  if (!(g.m2 > 0.0)) return 0.0;
  const int nc = 1 + *std::max_element(comm.begin(), comm.end());
  std::vector<double> in(static_cast<size_t>(nc), 0.0), K(static_cast<size_t>(nc), 0.0);
  for (int v = 0; v < g.n; ++v) {
    K[comm[v]] += g.deg[v];
    in[comm[v]] += g.self[v];
    for (int64_t e = g.off[v]; e < g.off[v + 1]; ++e)
      if (g.adj[e] > v && comm[g.adj[e]] == comm[v]) in[comm[v]] += g.w[e];
  }
  const double m = g.m2 / 2.0;
  double q = 0.0;
  for (int c = 0; c < nc; ++c) q += in[c] / m - gamma * (K[c] / g.m2) * (K[c] / g.m2);
  return q;
}

}  // namespace

Result<double> Modularity(int n, std::span<const GraphEdge> edges, std::span<const int32_t> community,
                          double resolution) {
  KS_RETURN_IF_ERROR(ValidateEdges(n, edges));
  if (community.size() != static_cast<size_t>(n)) return InvalidArgument("community must have n entries", "community");
  std::vector<int32_t> labels(community.begin(), community.end());
  // Map arbitrary label values to dense ids.
  std::vector<int32_t> sorted(labels);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (int32_t& l : labels) l = static_cast<int32_t>(std::lower_bound(sorted.begin(), sorted.end(), l) - sorted.begin());
  return ModularityOf(BuildGraph(n, edges), labels, resolution);
}

Result<CommunityResult> DetectCommunities(int n, std::span<const GraphEdge> edges, const CommunityParams& params,
                                          const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateEdges(n, edges));
  if (!(params.resolution > 0.0) || !std::isfinite(params.resolution)) {
    return InvalidArgument("resolution must be positive", "resolution");
  }
  if (params.iterations < 1 || params.iterations > 100) return InvalidArgument("iterations must be in [1, 100]", "iterations");
  const double gamma = params.resolution;
  const WGraph base = BuildGraph(n, edges);
  Rng rng(params.seed);

  std::vector<int32_t> flat(static_cast<size_t>(n));
  std::iota(flat.begin(), flat.end(), 0);
  int levels = 0;
  for (int pass = 0; pass < params.iterations; ++pass) {
    const std::vector<int32_t> before = flat;
    WGraph g = base;
    std::vector<int32_t> comm = flat;         // partition of g's nodes
    std::vector<int32_t> node_of(flat.size());  // original node -> node of g
    std::iota(node_of.begin(), node_of.end(), 0);
    levels = 0;
    for (int level = 0; level < 64; ++level) {
      MoveNodes(g, gamma, comm, rng);
      const int ncomm = Compact(comm, g.n);
      ++levels;
      if (ncomm == g.n) break;  // every node its own community: nothing left to aggregate
      std::vector<int32_t> ref = Refine(g, gamma, comm, rng);
      int nref = Compact(ref, g.n);
      if (nref == g.n) {  // refinement merged nothing: aggregate the unrefined partition instead
        ref = comm;
        nref = ncomm;
      }
      // Next level: one node per refined community, starting in its unrefined community.
      std::vector<int32_t> next_comm(static_cast<size_t>(nref));
      for (int v = 0; v < g.n; ++v) next_comm[ref[v]] = comm[v];
      for (int32_t& x : node_of) x = ref[x];
      g = Aggregate(g, ref, nref);
      comm = std::move(next_comm);
      if (!ReportProgress(progress, (pass + std::min(0.9, 0.2 * (level + 1))) / params.iterations)) {
        return Cancelled("community detection");
      }
    }
    for (int v = 0; v < n; ++v) flat[v] = comm[node_of[v]];
    if (!ReportProgress(progress, static_cast<double>(pass + 1) / params.iterations)) {
      return Cancelled("community detection");
    }
    if (pass > 0 && flat == before) break;
  }

  // Split disconnected communities into connected components (never lowers modularity).
  std::vector<int32_t> out(static_cast<size_t>(n), -1);
  int count = 0;
  std::vector<int32_t> stack;
  for (int s = 0; s < n; ++s) {
    if (out[s] >= 0) continue;
    out[s] = count;
    stack.push_back(s);
    while (!stack.empty()) {
      const int32_t v = stack.back();
      stack.pop_back();
      for (int64_t e = base.off[v]; e < base.off[v + 1]; ++e) {
        const int32_t u = base.adj[e];
        if (out[u] < 0 && flat[u] == flat[v]) {
          out[u] = count;
          stack.push_back(u);
        }
      }
    }
    ++count;
  }
  // Largest community first; ties by smallest node (the order components were found).
  std::vector<int32_t> sizes(static_cast<size_t>(count), 0);
  for (int32_t c : out) ++sizes[c];
  std::vector<int32_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return sizes[a] > sizes[b]; });
  std::vector<int32_t> rank(static_cast<size_t>(count));
  for (int r = 0; r < count; ++r) rank[order[r]] = r;
  for (int32_t& c : out) c = rank[c];

  CommunityResult res;
  res.community = std::move(out);
  res.num_communities = count;
  res.modularity = ModularityOf(base, res.community, gamma);
  res.levels = levels;
  return res;
}

}  // namespace kspace::layout
