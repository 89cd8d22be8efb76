#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "layout/community.h"
#include "layout/metrics.h"
#include "layout/random.h"

namespace kspace::layout {
namespace {

// `count` cliques of `size` nodes, clique c linked to clique c+1 (mod count) by one edge.
std::vector<GraphEdge> RingOfCliques(int count, int size, std::vector<int32_t>* truth) {
  std::vector<GraphEdge> e;
  truth->assign(static_cast<size_t>(count) * size, 0);
  for (int c = 0; c < count; ++c) {
    for (int a = 0; a < size; ++a) {
      (*truth)[c * size + a] = c;
      for (int b = a + 1; b < size; ++b) e.push_back({c * size + a, c * size + b, 1.0f});
    }
    e.push_back({c * size + size - 1, ((c + 1) % count) * size, 1.0f});
  }
  return e;
}

// True when every community induces a connected subgraph.
bool AllConnected(int n, const std::vector<GraphEdge>& edges, const std::vector<int32_t>& comm) {
  std::vector<std::vector<int>> adj(static_cast<size_t>(n));
  for (const GraphEdge& e : edges) {
    adj[e.u].push_back(e.v);
    adj[e.v].push_back(e.u);
  }
  std::vector<int> seen(static_cast<size_t>(n), 0);
  std::set<int32_t> started;
  for (int s = 0; s < n; ++s) {
    if (seen[s]) continue;
    if (!started.insert(comm[s]).second) return false;  // a second component of the same community
    std::vector<int> st{s};
    seen[s] = 1;
    while (!st.empty()) {
      const int u = st.back();
      st.pop_back();
      for (int v : adj[u])
        if (!seen[v] && comm[v] == comm[u]) {
          seen[v] = 1;
          st.push_back(v);
        }
    }
  }
  return true;
}

TEST(Modularity, HandComputedTwoTriangles) {
  // Triangles {0,1,2} and {3,4,5} joined by 2-3: m = 7, L = 3 each, K = 7 each:
  // Q = 2 (3/7 - (7/14)^2) = 6/7 - 1/2.
  std::vector<GraphEdge> e = {{0, 1, 1}, {1, 2, 1}, {0, 2, 1}, {3, 4, 1}, {4, 5, 1}, {3, 5, 1}, {2, 3, 1}};
  std::vector<int32_t> part = {0, 0, 0, 1, 1, 1};
  auto q = Modularity(6, e, part);
  ASSERT_TRUE(q.ok());
  EXPECT_NEAR(*q, 6.0 / 7.0 - 0.5, 1e-12);
  auto found = DetectCommunities(6, e);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->num_communities, 2);
  EXPECT_NEAR(found->modularity, 6.0 / 7.0 - 0.5, 1e-12);
  // Self loop: counted once inside, twice in the degree.
  std::vector<GraphEdge> loop = {{0, 0, 2}, {0, 1, 1}};
  std::vector<int32_t> one = {0, 0};
  // m = 3, L = 3, K = 6: Q = 3/3 - (6/6)^2 = 0.
  EXPECT_NEAR(*Modularity(2, loop, one), 0.0, 1e-12);
}

TEST(Communities, RingOfCliquesIsRecoveredAndConnected) {
  std::vector<int32_t> truth;
  auto edges = RingOfCliques(10, 6, &truth);
  auto r = DetectCommunities(60, edges);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->num_communities, 10);
  EXPECT_DOUBLE_EQ(*AdjustedRandIndex(r->community, truth), 1.0);
  auto q_truth = Modularity(60, edges, truth);
  EXPECT_NEAR(r->modularity, *q_truth, 1e-12);
  EXPECT_TRUE(AllConnected(60, edges, r->community));
}

TEST(Communities, WeightedPlantedPartitionAndDeterminism) {
  // 8 groups of 25 nodes: dense heavy edges inside, sparse light edges across.
  Rng rng(71);
  std::vector<GraphEdge> edges;
  std::vector<int32_t> truth(200);
  for (int i = 0; i < 200; ++i) truth[i] = i / 25;
  for (int i = 0; i < 200; ++i)
    for (int j = i + 1; j < 200; ++j) {
      const bool same = truth[i] == truth[j];
      if (rng.Uniform() < (same ? 0.4 : 0.01)) edges.push_back({i, j, same ? 2.0f : 0.5f});
    }
  auto a = DetectCommunities(200, edges);
  auto b = DetectCommunities(200, edges);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->community, b->community);
  EXPECT_GT(*AdjustedRandIndex(a->community, truth), 0.95);
  EXPECT_TRUE(AllConnected(200, edges, a->community));
  EXPECT_GE(a->modularity + 1e-9, *Modularity(200, edges, truth) - 0.01);
}

TEST(Communities, DisconnectedInputAndIsolatedNodes) {
  // Two separate edges plus isolated nodes 4 and 5: every community must be connected.
  std::vector<GraphEdge> e = {{0, 1, 1}, {2, 3, 1}};
  auto r = DetectCommunities(6, e);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->num_communities, 4);
  EXPECT_EQ(r->community[0], r->community[1]);
  EXPECT_EQ(r->community[2], r->community[3]);
  EXPECT_NE(r->community[0], r->community[2]);
  EXPECT_TRUE(AllConnected(6, e, r->community));
  auto empty = DetectCommunities(3, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->num_communities, 3);
  EXPECT_EQ(empty->modularity, 0.0);
}

TEST(Communities, BadInputsAreTypedErrors) {
  std::vector<GraphEdge> e = {{0, 5, 1}};
  EXPECT_EQ(DetectCommunities(3, e).status().field(), "edges");
  e = {{0, 1, -1}};
  EXPECT_EQ(DetectCommunities(3, e).status().field(), "edges");
  e = {{0, 1, std::numeric_limits<float>::quiet_NaN()}};
  EXPECT_EQ(DetectCommunities(3, e).status().field(), "edges");
  EXPECT_EQ(DetectCommunities(0, {}).status().field(), "n");
  CommunityParams p;
  p.resolution = 0;
  EXPECT_EQ(DetectCommunities(3, {}, p).status().field(), "resolution");
  std::vector<int32_t> short_part = {0};
  EXPECT_EQ(Modularity(3, {}, short_part).status().field(), "community");
}

}  // namespace
}  // namespace kspace::layout
