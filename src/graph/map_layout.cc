#include "graph/map_layout.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <tuple>
#include <set>
#include <unordered_map>

#include "api/common.h"
#include "api/ingest.h"
#include "graph/concepts.h"
#include "graph/nodes.h"
#include "graph/placement.h"
#include "graph/registry.h"
#include "graph/sql_util.h"
#include "layout/hdbscan.h"
#include "layout/kmeans.h"
#include "layout/knn.h"
#include "layout/metrics.h"
#include "layout/overlap.h"
#include "layout/pca.h"
#include "layout/umap.h"
#include "store/chunks.h"
#include "util/clock.h"

namespace kspace::graph {

// The projection artifact: which chunk each training row is, and the model.
//   "KSMAPDR1", u8 algorithm (0 UMAP, 1 PCA), u8 dims, f64 scale, f64 offset[3], u32 n, i64 labels[n],
//   payload: UMAP model bytes, or PCA (u32 input_dim, u32 components, f32 mean[d], f32 axes[c*d]).
struct DrArtifact {
  int algorithm = 0;
  int dims = 2;
  double scale = kDisplayScale;
  double offset[3] = {0, 0, 0};
  std::vector<int64_t> labels;
  layout::UmapModel umap;
  layout::PcaModel pca;
};

namespace {

using json = nlohmann::json;
using layout::Matrix;
using layout::MatrixView;

double MsSince(int64_t t0) { return static_cast<double>(MonotonicMicros() - t0) / 1000.0; }

// A short excerpt (at most `max` bytes, cut at a UTF-8 boundary, one line).
std::string Excerpt(std::string_view s, size_t max) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '#')) s.remove_prefix(1);
  std::string out(s.substr(0, std::min(max, s.size())));
  if (out.size() < s.size()) {
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80)) out.pop_back();
    out += "…";
  }
  for (char& c : out) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  return out;
}

// The live chunks of a space with their vectors, in label order.
struct SpaceData {
  std::string model_id;
  int dim = 0;
  std::vector<int64_t> labels;
  Matrix vectors;
};

Result<SpaceData> LoadVectors(api::Context& ctx, const store::SpaceRow& space) {
  SpaceData d;
  d.model_id = space.embedding_model;
  KS_ASSIGN_OR_RETURN(auto model, store::FindEmbeddingModel(ctx.db(), d.model_id));
  if (!model) return FailedPrecondition("the space's embedding model is not registered", "spaceId");
  d.dim = model->dimensions;
  std::vector<float> flat;
  KS_RETURN_IF_ERROR(store::ForEachEmbedding(ctx.db(), space.id, d.model_id, true,
                                             [&](int64_t label, std::span<const float> v) -> Status {
                                               if (static_cast<int>(v.size()) != d.dim) return Status::Ok();
                                               d.labels.push_back(label);
                                               flat.insert(flat.end(), v.begin(), v.end());
                                               return Status::Ok();
                                             }));
  d.vectors.rows = static_cast<int>(d.labels.size());
  d.vectors.cols = d.dim;
  d.vectors.data = std::move(flat);
  return d;
}

// Source and chunk nodes for live chunks that have none (spaces ingested before schema v3).
Status EnsureChunkNodes(store::Database& db, const std::string& space_id, const std::string& now) {
  // Runs before every placement, so it must be cheap when (as almost always) nothing is missing:
  // an anti-join (LEFT JOIN ... IS NULL, nodes_by_chunk is unique) costs about a third of the
  // correlated NOT EXISTS it replaced, and the statement is cached.
  KS_ASSIGN_OR_RETURN(store::CachedStatement cached, db.Prepare(
      "SELECT c.content_source_id, s.title, s.media_type, s.deleted_at IS NOT NULL, c.label, c.text, c.context_bytes "
      "FROM chunks c LEFT JOIN nodes n ON n.chunk_label = c.label JOIN content_sources s ON s.id = c.content_source_id "
      "WHERE c.space_id = ?1 AND n.chunk_label IS NULL ORDER BY c.content_source_id, c.label"));
  store::Statement& st = *cached;
  st.Bind(1, space_id);
  struct Pending {
    std::string title, media;
    bool deleted = false;
    std::vector<ChunkRef> chunks;
  };
  std::map<std::string, Pending> by_source;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    Pending& p = by_source[st.Text(0)];
    p.title = st.Text(1);
    p.media = st.Text(2);
    p.deleted = st.Int(3) != 0;
    std::string_view text = st.TextView(5);
    size_t cb = static_cast<size_t>(st.Int(6));
    p.chunks.push_back(ChunkRef{st.Int(4), Excerpt(cb <= text.size() ? text.substr(cb) : text, 80)});
  }
  for (auto& [source, p] : by_source) {
    KS_RETURN_IF_ERROR(SyncSourceNodes(db, space_id, source, p.title, p.media, p.chunks, p.deleted, now));
  }
  return Status::Ok();
}

// kNN from the space's HNSW index (cosine distance = 1 - similarity), restricted to `labels`.
class IndexKnn final : public layout::KnnProvider {
 public:
  IndexKnn(const index::VectorIndex& idx, const std::vector<int64_t>& labels) : idx_(idx), labels_(labels) {
    for (size_t i = 0; i < labels.size(); ++i) row_of_[static_cast<uint64_t>(labels[i])] = static_cast<int32_t>(i);
  }
  int size() const override { return static_cast<int>(labels_.size()); }
  layout::Metric metric() const override { return layout::Metric::kCosine; }

  Result<layout::KnnGraph> SelfGraph(int k, const layout::Progress& progress) override {
    layout::KnnGraph g;
    g.n = size();
    g.k = k;
    g.idx.assign(static_cast<size_t>(g.n) * k, -1);
    g.dist.assign(static_cast<size_t>(g.n) * k, std::numeric_limits<float>::infinity());
    for (int i = 0; i < g.n; ++i) {
      if ((i & 255) == 0 && !layout::ReportProgress(progress, static_cast<double>(i) / g.n)) {
        return layout::Cancelled("kNN");
      }
      KS_ASSIGN_OR_RETURN(std::vector<float> v, idx_.GetVector(static_cast<index::Label>(labels_[static_cast<size_t>(i)])));
      KS_RETURN_IF_ERROR(Fill(v, k, i, g, i));
    }
    return g;
  }

  Result<layout::KnnGraph> Query(MatrixView queries, int k, const layout::Progress&) override {
    layout::KnnGraph g;
    g.n = queries.rows;
    g.k = k;
    g.idx.assign(static_cast<size_t>(g.n) * k, -1);
    g.dist.assign(static_cast<size_t>(g.n) * k, std::numeric_limits<float>::infinity());
    for (int i = 0; i < g.n; ++i) {
      std::span<const float> q(queries.row(i), static_cast<size_t>(queries.cols));
      KS_RETURN_IF_ERROR(Fill(q, k, i, g, -1));
    }
    return g;
  }

 private:
  Status Fill(std::span<const float> q, int k, int out_row, layout::KnnGraph& g, int self) {
    KS_ASSIGN_OR_RETURN(std::vector<index::Hit> hits, idx_.Search(q, static_cast<size_t>(k) + 8));
    int c = 0;
    for (const index::Hit& h : hits) {
      if (c >= k) break;
      auto it = row_of_.find(h.label);
      if (it == row_of_.end() || it->second == self) continue;
      float d = std::max(0.0f, 1.0f - h.score);
      if (d < 1e-6f) d = 0.0f;
      g.idx[static_cast<size_t>(out_row) * k + c] = it->second;
      g.dist[static_cast<size_t>(out_row) * k + c] = d;
      ++c;
    }
    return Status::Ok();
  }

  const index::VectorIndex& idx_;
  const std::vector<int64_t>& labels_;
  std::unordered_map<uint64_t, int32_t> row_of_;
};

template <typename T>
void Put(std::vector<uint8_t>& b, T v) {
  uint8_t tmp[sizeof(T)];
  std::memcpy(tmp, &v, sizeof(T));
  b.insert(b.end(), tmp, tmp + sizeof(T));
}

std::vector<uint8_t> SerializeDr(const DrArtifact& a) {
  std::vector<uint8_t> b = {'K', 'S', 'M', 'A', 'P', 'D', 'R', '1'};
  Put<uint8_t>(b, static_cast<uint8_t>(a.algorithm));
  Put<uint8_t>(b, static_cast<uint8_t>(a.dims));
  Put<double>(b, a.scale);
  for (double o : a.offset) Put<double>(b, o);
  Put<uint32_t>(b, static_cast<uint32_t>(a.labels.size()));
  for (int64_t l : a.labels) Put<int64_t>(b, l);
  if (a.algorithm == 0) {
    std::vector<uint8_t> m = layout::SerializeUmapModel(a.umap);
    b.insert(b.end(), m.begin(), m.end());
  } else {
    Put<uint32_t>(b, static_cast<uint32_t>(a.pca.input_dim));
    Put<uint32_t>(b, static_cast<uint32_t>(a.pca.components));
    for (float f : a.pca.mean) Put<float>(b, f);
    for (float f : a.pca.axes) Put<float>(b, f);
  }
  return b;
}

Result<DrArtifact> DeserializeDr(std::span<const uint8_t> b) {
  size_t at = 0;
  auto need = [&](size_t n) { return at + n <= b.size(); };
  auto corrupt = [] { return Status(Code::kCorrupt, "the projection model artifact is damaged"); };
  auto get = [&](auto& v) {
    std::memcpy(&v, b.data() + at, sizeof(v));
    at += sizeof(v);
  };
  if (!need(8) || std::memcmp(b.data(), "KSMAPDR1", 8) != 0) return corrupt();
  at = 8;
  DrArtifact a;
  if (!need(2 + 8 * 4 + 4)) return corrupt();
  uint8_t alg = 0, dims = 0;
  get(alg);
  get(dims);
  a.algorithm = alg;
  a.dims = dims;
  get(a.scale);
  for (double& o : a.offset) get(o);
  uint32_t n = 0;
  get(n);
  if (!need(static_cast<size_t>(n) * 8)) return corrupt();
  a.labels.resize(n);
  for (int64_t& l : a.labels) get(l);
  if (alg == 0) {
    KS_ASSIGN_OR_RETURN(a.umap, layout::DeserializeUmapModel(b.subspan(at)));
  } else {
    uint32_t d = 0, c = 0;
    if (!need(8)) return corrupt();
    get(d);
    get(c);
    if (d == 0 || c == 0 || d > 65536 || c > 8 || !need((static_cast<size_t>(d) + static_cast<size_t>(c) * d) * 4)) {
      return corrupt();
    }
    a.pca.input_dim = static_cast<int>(d);
    a.pca.components = static_cast<int>(c);
    a.pca.mean.resize(d);
    a.pca.axes.resize(static_cast<size_t>(c) * d);
    for (float& f : a.pca.mean) get(f);
    for (float& f : a.pca.axes) get(f);
  }
  return a;
}

// Placement epochs when the model leaves them on auto: umap-learn's transform runs a third of the
// fit's epochs (about 33 for small data); the layout code's auto of 100 tripled the cost of
// placing new chunks for no visible gain (new rows start at the weighted mean of their
// neighbours, and an exact duplicate is pinned onto its original anyway).
constexpr int kPlaceEpochs = 30;

double DisplayScaleFor(int n) {
  return std::max(kDisplayScale, 6.0 * kChunkRadius * std::sqrt(static_cast<double>(std::max(n, 1))) / 10.0);
}

json Finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// Rows' ancestor cluster at `depth` (condensed-tree index), or -1.
std::vector<int32_t> AncestorsAtDepth(const layout::HdbscanResult& h, int depth) {
  std::vector<int32_t> out(h.point_cluster.size(), -1);
  for (size_t i = 0; i < out.size(); ++i) {
    int32_t c = h.point_cluster[i];
    while (c > 0 && h.clusters[static_cast<size_t>(c)].depth > depth) c = h.clusters[static_cast<size_t>(c)].parent;
    if (c > 0 && h.clusters[static_cast<size_t>(c)].depth == depth) out[i] = c;
  }
  return out;
}

}  // namespace

Result<json> RunLayout(api::Context& ctx, const std::string& space_id, const LayoutOptions& opts,
                       const layout::Progress& progress) {
  store::Database& db = ctx.db();
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, api::RequireSpace(ctx, space_id, api::Access::kWrite));
  const int64_t t_start = MonotonicMicros();
  const std::string now = NowTimestamp();
  KS_ASSIGN_OR_RETURN(SpaceData data, LoadVectors(ctx, space));
  const int n = static_cast<int>(data.labels.size());
  json out{{"spaceId", space_id}, {"chunks", n}};

  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KS_RETURN_IF_ERROR(EnsureChunkNodes(db, space_id, now));

  // Chunk nodes by row.
  std::vector<NodeRow> chunk_nodes(static_cast<size_t>(n));
  std::unordered_map<int64_t, int> row_of;
  for (int i = 0; i < n; ++i) row_of[data.labels[static_cast<size_t>(i)]] = i;
  {
    NodeQuery q;
    q.space_id = space_id;
    q.kinds = {"chunk"};
    q.include_hidden = true;
    q.limit = int64_t{1} << 40;
    KS_ASSIGN_OR_RETURN(auto rows, ListNodes(db, q));
    for (NodeRow& r : rows) {
      if (!r.chunk_label) continue;
      auto it = row_of.find(*r.chunk_label);
      if (it != row_of.end()) chunk_nodes[static_cast<size_t>(it->second)] = std::move(r);
    }
  }
  for (int i = 0; i < n; ++i) {
    if (chunk_nodes[static_cast<size_t>(i)].id.empty()) return Internal("chunk " + std::to_string(data.labels[static_cast<size_t>(i)]) + " has no node");
  }
  if (!layout::ReportProgress(progress, 0.02)) return layout::Cancelled("layout");

  // ---- concepts and communities ----
  ConceptTerms concept_terms;
  if (opts.concepts && n > 0) {
    const int64_t t0 = MonotonicMicros();
    KS_ASSIGN_OR_RETURN(std::vector<store::ChunkRow> chunks, store::ChunksByLabels(db, data.labels));
    std::vector<std::string> bodies(static_cast<size_t>(n));
    for (const store::ChunkRow& c : chunks) {
      auto it = row_of.find(c.label);
      if (it != row_of.end()) bodies[static_cast<size_t>(it->second)] = std::string(c.body());
    }
    KS_ASSIGN_OR_RETURN(concept_terms, RefreshConcepts(db, space_id, data.labels, bodies, now));
    KS_ASSIGN_OR_RETURN(CommunityRun cr, RefreshCommunities(db, space_id, opts.seed, now));
    KS_ASSIGN_OR_RETURN(ModelRow m, EnsureModel(db, space_id, ctx.profile_id(), "community_detection", "LEIDEN",
                                                json{{"resolution", 1.0}}.dump(), now));
    json meta{{"concepts", cr.concepts}, {"edges", cr.edges}, {"durationMs", MsSince(t0)}};
    json metrics{{"modularity", cr.modularity}, {"communities", cr.communities.size()}};
    KS_ASSIGN_OR_RETURN(VersionRow v, AddVersion(db, m, meta.dump(), metrics.dump(), {}, now));
    KS_RETURN_IF_ERROR(SetCommunitiesVersion(db, space_id, v.id));
    // Concept nodes for the concepts mentioned more than once (the others are noise on a map).
    out["concepts"] = {{"terms", concept_terms.names.size()}, {"communities", cr.communities.size()},
                       {"modularity", cr.modularity}, {"versionId", v.id}, {"ms", MsSince(t0)}};
  }
  if (!layout::ReportProgress(progress, 0.15)) return layout::Cancelled("layout");

  // ---- clusters ----
  // Old system clusters leave (soft-deleted; user nodes under them move to the root).
  {
    KS_ASSIGN_OR_RETURN(store::Statement kids, db.PrepareUncached(
        "SELECT id FROM nodes WHERE kind <> 'chunk' AND parent_node_id IN (SELECT id FROM nodes WHERE space_id = ?1 "
        "AND kind = 'cluster' AND origin = 'system' AND deleted_at IS NULL)"));
    kids.Bind(1, space_id);
    std::vector<std::string> lifted;
    for (;;) {
      KS_ASSIGN_OR_RETURN(bool row, kids.Step());
      if (!row) break;
      lifted.push_back(kids.Text(0));
    }
    KS_ASSIGN_OR_RETURN(store::Statement up, db.PrepareUncached(
        "UPDATE nodes SET parent_node_id = NULL, depth_level = 1 WHERE parent_node_id IN (SELECT id FROM nodes WHERE "
        "space_id = ?1 AND kind = 'cluster' AND origin = 'system' AND deleted_at IS NULL)"));
    up.Bind(1, space_id);
    KS_RETURN_IF_ERROR(up.Run());
    for (const std::string& id : lifted) KS_RETURN_IF_ERROR(RefreshSubtreeDepth(db, id, 1));
    KS_ASSIGN_OR_RETURN(store::Statement ed, db.PrepareUncached(
        "UPDATE edges SET deleted_at = ?2, updated_at = ?2 WHERE deleted_at IS NULL AND (start_node_id IN (SELECT id "
        "FROM nodes WHERE space_id = ?1 AND kind = 'cluster' AND origin = 'system' AND deleted_at IS NULL) OR "
        "end_node_id IN (SELECT id FROM nodes WHERE space_id = ?1 AND kind = 'cluster' AND origin = 'system' AND "
        "deleted_at IS NULL))"));
    ed.BindAll(space_id, now);
    KS_RETURN_IF_ERROR(ed.Run());
    KS_ASSIGN_OR_RETURN(store::Statement del, db.PrepareUncached(
        "UPDATE nodes SET deleted_at = ?2, updated_at = ?2 WHERE space_id = ?1 AND kind = 'cluster' AND origin = "
        "'system' AND deleted_at IS NULL"));
    del.BindAll(space_id, now);
    KS_RETURN_IF_ERROR(del.Run());
  }
  // Source nodes by source id (chunks without a cluster go back under them).
  std::map<std::string, NodeRow> source_nodes;
  {
    NodeQuery q;
    q.space_id = space_id;
    q.kinds = {"source"};
    q.include_hidden = true;
    q.limit = int64_t{1} << 40;
    KS_ASSIGN_OR_RETURN(auto rows, ListNodes(db, q));
    for (NodeRow& r : rows) {
      if (r.content_source_id) source_nodes[*r.content_source_id] = std::move(r);
    }
  }
  std::vector<int32_t> flat(static_cast<size_t>(n), -1);  // flat cluster label per row, for silhouette
  std::vector<int32_t> row_cluster(static_cast<size_t>(n), -1);  // index into cluster_nodes
  std::vector<NodeRow> cluster_nodes;
  std::vector<std::vector<int32_t>> cluster_rows;
  std::optional<VersionRow> cluster_version;
  const bool want_clusters = opts.clusters != "none" && n >= 8;
  if (want_clusters) {
    const int64_t t0 = MonotonicMicros();
    json params;
    std::string algorithm;
    std::vector<std::string> labels_text;
    layout::ClassTfidfParams tp;
    tp.top_n = 5;
    auto label_of = [&](const std::vector<layout::ClusterTerms>& terms, int32_t label) {
      for (const auto& ct : terms) {
        if (ct.label != label) continue;
        std::vector<std::string> words;
        for (const auto& t : ct.terms) words.push_back(concept_terms.names[static_cast<size_t>(t.term)]);
        return words;
      }
      return std::vector<std::string>{};
    };
    auto make_cluster = [&](int depth, const std::optional<std::string>& parent, std::vector<int32_t> rows,
                            std::vector<std::string> words, json extra) {
      NodeRow c;
      c.id = NewId();
      c.space_id = space_id;
      c.kind = "cluster";
      c.origin = "system";
      c.content_entity_type = "chunk_cluster";
      c.parent_node_id = parent;
      c.depth_level = depth;
      c.size = static_cast<int64_t>(rows.size());
      std::string title;
      for (size_t i = 0; i < words.size() && i < 3; ++i) title += (i ? ", " : "") + words[i];
      c.title = title.empty() ? "Cluster " + std::to_string(cluster_nodes.size() + 1) : title;
      extra["keyphrases"] = words;
      c.action_data = extra.dump();
      c.created_at = c.updated_at = now;
      cluster_nodes.push_back(std::move(c));
      cluster_rows.push_back(std::move(rows));
      return static_cast<int32_t>(cluster_nodes.size() - 1);
    };
    double silhouette = NAN;
    if (opts.clusters == "kmeans") {
      algorithm = "KMEANS";
      layout::KMeansParams kp;
      kp.k = opts.k > 0 ? opts.k : std::clamp(static_cast<int>(std::lround(std::sqrt(n / 2.0))), 2, 50);
      kp.k = std::min(kp.k, n);
      kp.metric = layout::Metric::kCosine;
      kp.seed = opts.seed;
      params = {{"k", kp.k}, {"metric", "cosine"}, {"seed", opts.seed}};
      KS_ASSIGN_OR_RETURN(layout::KMeansResult km,
                          layout::KMeans(data.vectors.view(), kp, layout::SubProgress(progress, 0.15, 0.35)));
      flat = km.labels;
      std::vector<layout::ClusterTerms> terms;
      if (concept_terms.names.size() > 0) {
        auto t = layout::ClassTfidf(concept_terms.terms, flat, tp);
        if (t.ok()) terms = std::move(*t);
      }
      std::vector<std::vector<int32_t>> members(static_cast<size_t>(kp.k));
      for (int i = 0; i < n; ++i) members[static_cast<size_t>(flat[static_cast<size_t>(i)])].push_back(i);
      for (int c = 0; c < kp.k; ++c) {
        if (members[static_cast<size_t>(c)].empty()) continue;
        int32_t idx = make_cluster(1, std::nullopt, members[static_cast<size_t>(c)], label_of(terms, c), json{{"label", c}});
        for (int32_t r : cluster_rows[static_cast<size_t>(idx)]) row_cluster[static_cast<size_t>(r)] = idx;
      }
    } else {
      algorithm = "HDBSCAN";
      layout::HdbscanParams hp;
      hp.min_cluster_size = opts.min_cluster_size > 0 ? opts.min_cluster_size : std::clamp(n / 300, 5, 25);
      hp.min_cluster_size = std::min(hp.min_cluster_size, n);
      hp.metric = layout::Metric::kCosine;
      hp.seed = opts.seed;
      params = {{"minClusterSize", hp.min_cluster_size}, {"metric", "cosine"}, {"seed", opts.seed}};
      KS_ASSIGN_OR_RETURN(layout::HdbscanResult h,
                          layout::Hdbscan(data.vectors.view(), hp, layout::SubProgress(progress, 0.15, 0.35)));
      flat = h.labels;
      std::vector<int32_t> node_of(h.clusters.size(), -1);
      int max_depth = 0;
      for (const auto& c : h.clusters) max_depth = std::max(max_depth, static_cast<int>(c.depth));
      // Labels per depth: a cluster's words contrast it with the other clusters of its depth.
      std::vector<std::vector<layout::ClusterTerms>> terms_at(static_cast<size_t>(max_depth) + 1);
      for (int d = 1; d <= max_depth && !concept_terms.names.empty(); ++d) {
        auto t = layout::ClassTfidf(concept_terms.terms, AncestorsAtDepth(h, d), tp);
        if (t.ok()) terms_at[static_cast<size_t>(d)] = std::move(*t);
      }
      for (size_t c = 1; c < h.clusters.size(); ++c) {  // parents come before children
        const layout::CondensedCluster& cc = h.clusters[c];
        std::vector<int32_t> rows(h.member_order.begin() + cc.member_begin, h.member_order.begin() + cc.member_end);
        std::optional<std::string> parent;
        if (cc.parent > 0 && node_of[static_cast<size_t>(cc.parent)] >= 0) {
          parent = cluster_nodes[static_cast<size_t>(node_of[static_cast<size_t>(cc.parent)])].id;
        }
        node_of[c] = make_cluster(cc.depth, parent, std::move(rows), label_of(terms_at[static_cast<size_t>(cc.depth)], static_cast<int32_t>(c)),
                                  json{{"stability", Finite(cc.stability)}, {"selected", cc.selected},
                                       {"flatLabel", cc.label}, {"lambdaBirth", Finite(cc.lambda_birth)}});
      }
      for (int i = 0; i < n; ++i) {
        int32_t pc = h.point_cluster[static_cast<size_t>(i)];
        if (pc > 0) row_cluster[static_cast<size_t>(i)] = node_of[static_cast<size_t>(pc)];
      }
    }
    std::set<int32_t> distinct;
    for (int32_t l : flat) {
      if (l >= 0) distinct.insert(l);
    }
    if (distinct.size() >= 2) {
      auto s = layout::Silhouette(data.vectors.view(), flat, layout::Metric::kCosine, 1000, opts.seed);
      if (s.ok()) silhouette = *s;
    }
    int64_t noise = std::count(flat.begin(), flat.end(), -1);
    KS_ASSIGN_OR_RETURN(ModelRow m, EnsureModel(db, space_id, ctx.profile_id(), "clustering", algorithm, params.dump(), now));
    json meta{{"rows", n}, {"dims", data.dim}, {"embeddingModel", data.model_id}, {"params", params},
              {"clusterNodes", cluster_nodes.size()}, {"durationMs", MsSince(t0)}};
    json metrics{{"silhouette", Finite(silhouette)}, {"flatClusters", distinct.size()}, {"noise", noise}};
    KS_ASSIGN_OR_RETURN(VersionRow v, AddVersion(db, m, meta.dump(), metrics.dump(), {}, now));
    cluster_version = v;
    for (NodeRow& c : cluster_nodes) {
      c.clustering_model_version_id = v.id;
      KS_RETURN_IF_ERROR(InsertNode(db, c));
    }
    out["clusters"] = {{"algorithm", algorithm}, {"nodes", cluster_nodes.size()}, {"flat", distinct.size()},
                       {"noise", noise}, {"silhouette", Finite(silhouette)}, {"versionId", v.id}, {"ms", MsSince(t0)}};
  }
  if (!layout::ReportProgress(progress, 0.4)) return layout::Cancelled("layout");

  // ---- projection ----
  const int dims = opts.dims;
  Matrix pos(n, dims);  // display units
  std::vector<uint8_t> locked(static_cast<size_t>(n), 0);
  auto locked_pos = [&](const NodeRow& r, double* p) {
    if (!r.is_position_locked) return false;
    if (dims == 2 && r.position_2d) {
      p[0] = r.position_2d->x;
      p[1] = r.position_2d->y;
      return true;
    }
    if (dims == 3 && r.position_3d) {
      p[0] = r.position_3d->x;
      p[1] = r.position_3d->y;
      p[2] = r.position_3d->z;
      return true;
    }
    return false;
  };
  std::optional<VersionRow> dr_version;
  if (n > 0) {
    const int64_t t0 = MonotonicMicros();
    DrArtifact art;
    art.dims = dims;
    art.labels = data.labels;
    // Display units per embedding unit: grows with sqrt(n) so that the chunks' discs cover a
    // small share of the map (a UMAP layout spans ~10-20 units) and overlap removal moves little.
    art.scale = DisplayScaleFor(n);
    const double scale = art.scale;
    json params;
    json meta{{"rows", n}, {"inputDims", data.dim}, {"embeddingModel", data.model_id}};
    std::string algorithm;
    std::string knn_source = "none";
    layout::UmapPins pins;
    for (int i = 0; i < n; ++i) {
      double p[3];
      if (locked_pos(chunk_nodes[static_cast<size_t>(i)], p)) {
        locked[static_cast<size_t>(i)] = 1;
        pins.rows.push_back(i);
        for (int d = 0; d < dims; ++d) pins.coords.push_back(static_cast<float>(p[d] / scale));
      }
    }
    const bool umap = opts.projection == "umap" && n >= 8;
    if (umap) {
      algorithm = "UMAP";
      layout::UmapParams up;
      up.n_components = dims;
      up.n_neighbors = std::min(opts.n_neighbors, n - 1);
      up.min_dist = static_cast<float>(opts.min_dist);
      up.metric = layout::Metric::kCosine;
      up.seed = opts.seed;
      params = {{"nNeighbors", up.n_neighbors}, {"minDist", opts.min_dist}, {"dims", dims}, {"metric", "cosine"},
                {"seed", opts.seed}};
      layout::UmapModel model;
      if (n > 2000) {
        KS_ASSIGN_OR_RETURN(api::SpaceVectors * sv, ctx.state.vectors.Get(db, space_id, data.model_id, data.dim));
        IndexKnn knn(*sv->index, data.labels);
        knn_source = "hnsw";
        KS_ASSIGN_OR_RETURN(model, layout::FitUmap(knn, data.vectors.view(), up, pins,
                                                   layout::SubProgress(progress, 0.4, 0.85)));
      } else {
        knn_source = "exact";
        KS_ASSIGN_OR_RETURN(model, layout::FitUmap(data.vectors.view(), up, pins, layout::SubProgress(progress, 0.4, 0.85)));
      }
      for (int i = 0; i < n; ++i) {
        for (int d = 0; d < dims; ++d) pos.row(i)[d] = static_cast<float>(model.embedding.row(i)[d] * scale);
      }
      meta["initUsed"] = static_cast<int>(model.init_used);
      meta["epochs"] = model.params.n_epochs;
      art.algorithm = 0;
      art.umap = std::move(model);
    } else {
      algorithm = "PCA";
      layout::PcaParams pp;
      pp.components = std::min(dims, data.dim);
      pp.seed = opts.seed;
      params = {{"dims", dims}, {"seed", opts.seed}};
      Matrix proj(n, dims);
      if (n >= 2) {
        KS_ASSIGN_OR_RETURN(proj, layout::PcaFitTransform(data.vectors.view(), pp, {}, &art.pca));
      } else {
        art.pca.input_dim = data.dim;
        art.pca.components = pp.components;
        art.pca.mean.assign(data.vectors.data.begin(), data.vectors.data.end());
        art.pca.axes.assign(static_cast<size_t>(pp.components) * data.dim, 0.0f);
      }
      // Scale so that the spread is comparable with a UMAP map of the same size.
      double var = 0;
      for (float f : proj.data) var += static_cast<double>(f) * f;
      double sd = proj.data.empty() ? 0 : std::sqrt(var / proj.data.size());
      art.scale = sd > 1e-9 ? 3.0 * scale / sd : scale;
      for (int i = 0; i < n; ++i) {
        for (int d = 0; d < dims; ++d) pos.row(i)[d] = d < proj.cols ? static_cast<float>(proj.row(i)[d] * art.scale) : 0.0f;
      }
      art.algorithm = 1;
    }
    // Locked rows stay exactly where the user put them (PCA has no pins: overwrite).
    for (int i = 0; i < n; ++i) {
      double p[3];
      if (locked[static_cast<size_t>(i)] && locked_pos(chunk_nodes[static_cast<size_t>(i)], p)) {
        for (int d = 0; d < dims; ++d) pos.row(i)[d] = static_cast<float>(p[d]);
      }
    }
    if (dims == 2 && n >= 2) {
      std::vector<float> radii(static_cast<size_t>(n), static_cast<float>(kChunkRadius));
      layout::OverlapParams op;
      op.dim = 2;
      op.seed = opts.seed;
      KS_ASSIGN_OR_RETURN(layout::OverlapResult ov, layout::RemoveOverlaps(pos.data, radii, locked, op));
      meta["overlapIterations"] = ov.iterations;
      meta["overlapsLeft"] = ov.remaining;
    }
    json metrics = json::object();
    if (n >= 8) {
      int k = std::min(15, n / 2 - 1);
      auto q = layout::ProjectionQualityAtK(data.vectors.view(), pos.view(), k, layout::Metric::kCosine, 1000, opts.seed);
      if (q.ok()) metrics = {{"trustworthiness", q->trustworthiness}, {"continuity", q->continuity}, {"k", k},
                             {"rowsScored", q->rows_scored}};
    }
    meta["knn"] = knn_source;
    meta["pins"] = pins.rows.size();
    meta["durationMs"] = MsSince(t0);
    meta["params"] = params;
    KS_ASSIGN_OR_RETURN(ModelRow m, EnsureModel(db, space_id, ctx.profile_id(), "dimensionality_reduction", algorithm,
                                                params.dump(), now));
    std::vector<uint8_t> bytes = SerializeDr(art);
    KS_ASSIGN_OR_RETURN(VersionRow v, AddVersion(db, m, meta.dump(), metrics.dump(), bytes, now));
    dr_version = v;
    // The next map.place uses this model: keep it deserialised (a rollback leaves an entry for a
    // version id that no row has, which is never looked up).
    if (art.algorithm == 0 && art.umap.params.transform_epochs == 0) art.umap.params.transform_epochs = kPlaceEpochs;
    ctx.state.placement_version = v.id;
    ctx.state.placement_model = std::make_shared<const DrArtifact>(std::move(art));
    out["projection"] = {{"algorithm", algorithm}, {"dims", dims}, {"knn", knn_source}, {"metrics", metrics},
                         {"versionId", v.id}, {"ms", MsSince(t0)}};
  }
  if (!layout::ReportProgress(progress, 0.9)) return layout::Cancelled("layout");

  // ---- write chunk nodes, then centroids of clusters and sources ----
  auto set_pos = [&](NodeRow& r, const double* p) {
    if (dims == 2) r.position_2d = Vec2{p[0], p[1]};
    else r.position_3d = Vec3{p[0], p[1], p[2]};
  };
  std::map<std::string, std::pair<std::vector<double>, int>> source_sum;
  for (int i = 0; i < n; ++i) {
    NodeRow& r = chunk_nodes[static_cast<size_t>(i)];
    double p[3] = {0, 0, 0};
    for (int d = 0; d < dims; ++d) p[d] = pos.row(i)[d];
    if (!locked[static_cast<size_t>(i)]) set_pos(r, p);
    if (dr_version) {
      if (dims == 2) r.dr_model_version_id = dr_version->id;
      else r.dr3_model_version_id = dr_version->id;
    }
    // Parent: its deepest cluster, else its source node.
    int32_t c = row_cluster[static_cast<size_t>(i)];
    if (c >= 0) {
      r.parent_node_id = cluster_nodes[static_cast<size_t>(c)].id;
      r.depth_level = cluster_nodes[static_cast<size_t>(c)].depth_level + 1;
      r.clustering_model_version_id = cluster_version ? std::optional<std::string>(cluster_version->id) : std::nullopt;
    } else if (r.content_source_id && source_nodes.count(*r.content_source_id)) {
      const NodeRow& s = source_nodes[*r.content_source_id];
      r.parent_node_id = s.id;
      r.depth_level = s.depth_level + 1;
      r.clustering_model_version_id = std::nullopt;
    }
    r.updated_at = now;
    KS_RETURN_IF_ERROR(UpdateNode(db, r));
    if (r.content_source_id) {
      auto& acc = source_sum[*r.content_source_id];
      acc.first.resize(3, 0.0);
      for (int d = 0; d < dims; ++d) acc.first[static_cast<size_t>(d)] += pos.row(i)[d];
      acc.second++;
    }
  }
  for (size_t c = 0; c < cluster_nodes.size(); ++c) {
    NodeRow& r = cluster_nodes[c];
    double p[3] = {0, 0, 0};
    for (int32_t row : cluster_rows[c]) {
      for (int d = 0; d < dims; ++d) p[d] += pos.row(row)[d];
    }
    for (int d = 0; d < dims; ++d) p[d] /= std::max<size_t>(1, cluster_rows[c].size());
    set_pos(r, p);
    r.dr_model_version_id = dims == 2 && dr_version ? std::optional<std::string>(dr_version->id) : r.dr_model_version_id;
    r.dr3_model_version_id = dims == 3 && dr_version ? std::optional<std::string>(dr_version->id) : r.dr3_model_version_id;
    KS_RETURN_IF_ERROR(UpdateNode(db, r));
  }
  for (auto& [source, acc] : source_sum) {
    auto it = source_nodes.find(source);
    if (it == source_nodes.end() || it->second.is_position_locked) continue;
    NodeRow& r = it->second;
    double p[3] = {0, 0, 0};
    for (int d = 0; d < dims; ++d) p[d] = acc.first[static_cast<size_t>(d)] / acc.second;
    set_pos(r, p);
    r.size = acc.second;
    r.updated_at = now;
    if (dr_version) {
      if (dims == 2) r.dr_model_version_id = dr_version->id;
      else r.dr3_model_version_id = dr_version->id;
    }
    KS_RETURN_IF_ERROR(UpdateNode(db, r));
  }
  KS_RETURN_IF_ERROR(tx.Commit());
  out["durationMs"] = MsSince(t_start);
  layout::ReportProgress(progress, 1.0);
  return out;
}

namespace {


// The deserialised model of a projection version. The engine keeps the last one used (versions are
// immutable): placement runs after every ingest, and deserialising the model each time cost more
// than the transform itself.
Result<std::shared_ptr<const DrArtifact>> LoadArtifact(api::Context& ctx, const std::string& version_id) {
  store::Database& db = ctx.db();
  if (ctx.state.placement_model && ctx.state.placement_version == version_id) return ctx.state.placement_model;
  KS_ASSIGN_OR_RETURN(auto bytes, VersionArtifact(db, version_id));
  if (!bytes) return Status(Code::kCorrupt, "the active projection version has no model bytes");
  KS_ASSIGN_OR_RETURN(DrArtifact art, DeserializeDr(*bytes));
  if (art.dims != 2 && art.dims != 3) return Status(Code::kCorrupt, "the projection model artifact is damaged");
  if (art.algorithm == 0 && (art.umap.embedding.rows != static_cast<int>(art.labels.size()) ||
                             art.umap.embedding.cols != art.dims)) {
    return Status(Code::kCorrupt, "the projection model artifact is damaged");
  }
  if (art.algorithm == 0 && art.umap.params.transform_epochs == 0) art.umap.params.transform_epochs = kPlaceEpochs;
  ctx.state.placement_version = version_id;
  ctx.state.placement_model = std::make_shared<const DrArtifact>(std::move(art));
  return ctx.state.placement_model;
}

// Rings of half a radius that overlap removal searches around a new node: it moves at most 4
// diameters (graph/placement.h).
constexpr int kPlaceRings = 16;

}  // namespace

Result<json> PlaceNew(api::Context& ctx, const std::string& space_id) {
  store::Database& db = ctx.db();
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, api::RequireSpace(ctx, space_id, api::Access::kWrite));
  const int64_t t0 = MonotonicMicros();
  const std::string now = NowTimestamp();
  json out_timing = json::object();
  KS_ASSIGN_OR_RETURN(auto version, ActiveVersion(db, space_id, "dimensionality_reduction"));
  if (!version) return FailedPrecondition("the space has no map yet: run map.layout first", "spaceId");
  KS_ASSIGN_OR_RETURN(std::shared_ptr<const DrArtifact> art_ptr, LoadArtifact(ctx, version->id));
  out_timing["artifactMs"] = MsSince(t0);
  const DrArtifact& art = *art_ptr;
  const int dims = art.dims;
  json out{{"spaceId", space_id}, {"versionId", version->id}, {"placed", 0}};
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  const int64_t t_ensure = MonotonicMicros();
  KS_RETURN_IF_ERROR(EnsureChunkNodes(db, space_id, now));
  out_timing["ensureMs"] = MsSince(t_ensure);
  KS_ASSIGN_OR_RETURN(auto model, store::FindEmbeddingModel(db, space.embedding_model));
  if (!model) return FailedPrecondition("the space's embedding model is not registered", "spaceId");
  const int d = model->dimensions;

  // The chunk nodes without a position in the model's dimensions, with their vectors, in one
  // statement (the partial indexes nodes_unplaced_2d/3d find them without a scan of the space).
  struct Fresh {
    std::string id;
    std::optional<std::string> parent, clustering;
    int64_t depth = 0;
  };
  std::vector<Fresh> placeable;
  Matrix q(0, d);
  {
    std::vector<float> vec;
    KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(dims == 2
        ? "SELECT n.id, n.parent_node_id, n.depth_level, n.clustering_model_version_id, e.vector FROM nodes n "
          "JOIN embeddings e ON e.chunk_label = n.chunk_label AND e.model_id = ?2 WHERE n.space_id = ?1 AND "
          "n.kind = 'chunk' AND n.deleted_at IS NULL AND n.pos2_x IS NULL ORDER BY n.chunk_label"
        : "SELECT n.id, n.parent_node_id, n.depth_level, n.clustering_model_version_id, e.vector FROM nodes n "
          "JOIN embeddings e ON e.chunk_label = n.chunk_label AND e.model_id = ?2 WHERE n.space_id = ?1 AND "
          "n.kind = 'chunk' AND n.deleted_at IS NULL AND n.pos3_x IS NULL ORDER BY n.chunk_label"));
    st->BindAll(space_id, space.embedding_model);
    for (;;) {
      KS_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      if (!store::DecodeStoredVector(st->BlobSpan(4), d, vec)) continue;  // another model's size: not placeable
      q.data.insert(q.data.end(), vec.begin(), vec.end());
      placeable.push_back(Fresh{st->Text(0), OptText(*st, 1), OptText(*st, 3), st->Int(2)});
    }
    q.rows = static_cast<int>(placeable.size());
  }
  const int m = q.rows;
  if (m == 0) {
    KS_RETURN_IF_ERROR(tx.Commit());
    out["ms"] = MsSince(t0);
    return out;
  }
  for (float f : q.data) {
    if (!std::isfinite(f)) return Status(Code::kCorrupt, "a stored embedding is not finite");
  }
  const double load_ms = MsSince(t0);
  Matrix pos(m, dims);
  std::vector<int32_t> nearest(static_cast<size_t>(m), -1);  // training row of the nearest neighbour
  if (art.algorithm == 0) {
    const int64_t t_knn = MonotonicMicros();
    KS_ASSIGN_OR_RETURN(api::SpaceVectors * sv, ctx.state.vectors.Get(db, space_id, space.embedding_model, d));
    out_timing["indexMs"] = MsSince(t_knn);
    TrainingRows train(art.labels);
    if (sv->index->live_size() > 0) {
      train.set_selectivity(std::min(1.0, static_cast<double>(art.labels.size()) / static_cast<double>(sv->index->size())));
    }
    const int k = std::max(1, std::min<int>(art.umap.params.n_neighbors, static_cast<int>(art.labels.size())));
    // A small beam: UMAP's transform weighs neighbours by a smooth kernel, so a slightly
    // approximate 15th neighbour changes nothing visible, and the beam is most of the cost.
    index::SearchOptions so;
    so.ef = static_cast<uint32_t>(std::max(k + 8, 24));
    layout::KnnGraph g;
    g.n = m;
    g.k = k;
    g.idx.assign(static_cast<size_t>(m) * k, -1);
    g.dist.assign(static_cast<size_t>(m) * k, std::numeric_limits<float>::infinity());
    index::SearchStats stats;
    so.stats = &stats;
    size_t distances = 0, exact = 0;
    for (int i = 0; i < m; ++i) {
      std::span<const float> v(q.row(i), static_cast<size_t>(d));
      stats = index::SearchStats();  // a failed search leaves it as it was
      Result<std::vector<index::Hit>> hits = sv->index->Search(v, static_cast<size_t>(k), &train, so);
      distances += stats.distances;
      exact += stats.exact ? 1 : 0;
      if (!hits.ok()) {
        if (hits.status().code() == Code::kInvalidArgument) continue;  // e.g. an all-zero vector: no neighbours
        return hits.status();
      }
      int c = 0;
      for (const index::Hit& h : *hits) {
        if (c >= k) break;
        const int32_t row = train.RowOf(h.label);
        if (row < 0) continue;
        float dist = std::max(0.0f, 1.0f - h.score);
        if (dist < 1e-6f) dist = 0.0f;
        g.idx[static_cast<size_t>(i) * k + c] = row;
        g.dist[static_cast<size_t>(i) * k + c] = dist;
        ++c;
      }
      nearest[static_cast<size_t>(i)] = g.idx[static_cast<size_t>(i) * k];
    }
    out["knnMs"] = MsSince(t_knn);
    out["knnDistances"] = distances;  // distance evaluations of the searches (a diagnostic)
    out["knnExact"] = exact;          // searches the index answered by an exact scan
    // Rows without any neighbour cannot be transformed: they go to the model's origin.
    std::vector<int> with_nb;
    for (int i = 0; i < m; ++i) {
      if (nearest[static_cast<size_t>(i)] >= 0) with_nb.push_back(i);
    }
    const int64_t t_tr = MonotonicMicros();
    if (!with_nb.empty()) {
      layout::KnnGraph sub = g;
      if (static_cast<int>(with_nb.size()) != m) {
        sub.n = static_cast<int>(with_nb.size());
        sub.idx.clear();
        sub.dist.clear();
        for (int i : with_nb) {
          sub.idx.insert(sub.idx.end(), g.neighbors(i), g.neighbors(i) + k);
          sub.dist.insert(sub.dist.end(), g.distances(i), g.distances(i) + k);
        }
      }
      KS_ASSIGN_OR_RETURN(Matrix emb, layout::TransformUmap(art.umap, sub));
      for (size_t t = 0; t < with_nb.size(); ++t) {
        for (int c = 0; c < dims; ++c) {
          pos.row(with_nb[t])[c] = static_cast<float>(emb.row(static_cast<int>(t))[c] * art.scale);
        }
      }
    }
    out["transformMs"] = MsSince(t_tr);
  } else {
    KS_ASSIGN_OR_RETURN(Matrix proj, layout::PcaTransform(art.pca, q.view()));
    for (int i = 0; i < m; ++i) {
      for (int c = 0; c < dims; ++c) pos.row(i)[c] = c < proj.cols ? static_cast<float>(proj.row(i)[c] * art.scale) : 0.0f;
    }
  }
  for (float f : pos.data) {
    if (!std::isfinite(f)) return Internal("the projection placed a chunk at a non-finite position");
  }
  // Overlap removal in 2D, only around the new nodes: the placed chunks near them are obstacles
  // that never move (locked or not: placing new content must not shuffle the map).
  if (dims == 2) {
    const int64_t t_ov = MonotonicMicros();
    const float radius = static_cast<float>(kChunkRadius);
    const double reach = 2.0 * kChunkRadius;  // further away a placed node cannot touch a new one...
    const double pad = 2.0 * reach + 0.5 * kChunkRadius * kPlaceRings;  // ...but new nodes may move kPlaceRings out
    float lo[2] = {pos.row(0)[0], pos.row(0)[1]}, hi[2] = {lo[0], lo[1]};
    for (int i = 0; i < m; ++i) {
      for (int c = 0; c < 2; ++c) {
        lo[c] = std::min(lo[c], pos.row(i)[c]);
        hi[c] = std::max(hi[c], pos.row(i)[c]);
      }
    }
    // Coarse grid of the new nodes (cell = pad): a placed chunk matters only within pad of one.
    CellSet near(pad, static_cast<size_t>(m));
    for (int i = 0; i < m; ++i) near.Add(pos.row(i)[0], pos.row(i)[1]);
    std::vector<float> fixed_xy;
    {
      // Covered by the partial index nodes_chunk_pos2: no table reads.
      KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
          "SELECT pos2_x, pos2_y FROM nodes WHERE space_id = ?1 AND kind = 'chunk' AND deleted_at IS NULL AND "
          "pos2_x BETWEEN ?2 AND ?3 AND pos2_y BETWEEN ?4 AND ?5"));
      st->Bind(1, space_id);
      st->Bind(2, lo[0] - pad).Bind(3, hi[0] + pad).Bind(4, lo[1] - pad).Bind(5, hi[1] + pad);
      for (;;) {
        KS_ASSIGN_OR_RETURN(bool row, st->Step());
        if (!row) break;
        const double x = st->Double(0), y = st->Double(1);
        if (!near.Near(x, y)) continue;
        fixed_xy.push_back(static_cast<float>(x));
        fixed_xy.push_back(static_cast<float>(y));
      }
    }
    out["overlapMoved"] = PlaceWithoutOverlap(pos.data, fixed_xy, radius, kPlaceRings);
    out["overlapNeighbours"] = fixed_xy.size() / 2;
    out["overlapMs"] = MsSince(t_ov);
  }
  out["loadMs"] = load_ms;
  out["loadDetail"] = out_timing;
  const int64_t t_write = MonotonicMicros();
  // Cluster of the nearest training chunk, when it has one (looked up once per neighbour).
  std::unordered_map<int32_t, std::optional<std::tuple<std::string, int64_t, std::string>>> cluster_of;
  KS_ASSIGN_OR_RETURN(store::CachedStatement cl, db.Prepare(
      "SELECT p.id, p.depth_level, n.clustering_model_version_id FROM nodes n JOIN nodes p ON p.id = n.parent_node_id "
      "WHERE n.chunk_label = ?1 AND n.clustering_model_version_id IS NOT NULL AND p.kind = 'cluster' AND "
      "p.deleted_at IS NULL"));
  KS_ASSIGN_OR_RETURN(store::CachedStatement kids, db.Prepare("SELECT 1 FROM nodes WHERE parent_node_id = ?1 LIMIT 1"));
  // One UPDATE for all new nodes (their values as a JSON array of rows): an UPDATE of nodes
  // writes a statement journal (its foreign keys make it a "multi-write"), and one per node copied
  // every touched page again for each node, which was most of the writing.
  json rows = json::array();
  for (int i = 0; i < m; ++i) {
    Fresh& r = placeable[static_cast<size_t>(i)];
    const int32_t nb = nearest[static_cast<size_t>(i)];
    if (nb >= 0) {
      auto it = cluster_of.find(nb);
      if (it == cluster_of.end()) {
        cl->Bind(1, art.labels[static_cast<size_t>(nb)]);
        KS_ASSIGN_OR_RETURN(bool row, cl->Step());
        std::optional<std::tuple<std::string, int64_t, std::string>> c;
        if (row) c.emplace(cl->Text(0), cl->Int(1), cl->Text(2));
        cl->Reset();
        it = cluster_of.emplace(nb, std::move(c)).first;
      }
      if (it->second) {
        r.parent = std::get<0>(*it->second);
        r.clustering = std::get<2>(*it->second);
        const int64_t depth = std::get<1>(*it->second) + 1;
        if (depth != r.depth) {
          // A chunk node rarely has children (a user's note hung under it): keep their depths
          // right, after a cheap check (RefreshSubtreeDepth costs two statements per node). It
          // does not read the node's own row, so it may run before the UPDATE below.
          r.depth = depth;
          kids->Bind(1, r.id);
          KS_ASSIGN_OR_RETURN(bool has_kids, kids->Step());
          kids->Reset();
          if (has_kids) KS_RETURN_IF_ERROR(RefreshSubtreeDepth(db, r.id, depth));
        }
      }
    }
    json row = json::array({r.id, static_cast<double>(pos.row(i)[0]), static_cast<double>(pos.row(i)[1]),
                            dims == 3 ? json(static_cast<double>(pos.row(i)[2])) : json(nullptr),
                            r.parent ? json(*r.parent) : json(nullptr), r.depth,
                            r.clustering ? json(*r.clustering) : json(nullptr)});
    rows.push_back(std::move(row));
  }
  out["writeLookupMs"] = MsSince(t_write);
  KS_ASSIGN_OR_RETURN(store::CachedStatement up, db.Prepare(dims == 2
      ? "UPDATE nodes SET pos2_x = v.value ->> 1, pos2_y = v.value ->> 2, dr_model_version_id = ?2, "
        "parent_node_id = v.value ->> 4, depth_level = v.value ->> 5, clustering_model_version_id = v.value ->> 6, "
        "updated_at = ?3 FROM json_each(?1) AS v WHERE nodes.id = v.value ->> 0"
      : "UPDATE nodes SET pos3_x = v.value ->> 1, pos3_y = v.value ->> 2, pos3_z = v.value ->> 3, "
        "dr3_model_version_id = ?2, parent_node_id = v.value ->> 4, depth_level = v.value ->> 5, "
        "clustering_model_version_id = v.value ->> 6, updated_at = ?3 FROM json_each(?1) AS v "
        "WHERE nodes.id = v.value ->> 0"));
  up->Bind(1, rows.dump());
  up->Bind(2, version->id);
  up->Bind(3, now);
  KS_RETURN_IF_ERROR(up->Run());
  const int64_t changed = db.changes();
  up->Reset();
  if (changed != m) return Internal("placed " + std::to_string(m) + " nodes but updated " + std::to_string(changed));
  out["writeMs"] = MsSince(t_write);
  KS_RETURN_IF_ERROR(tx.Commit());
  out["placed"] = m;
  out["ms"] = MsSince(t0);
  return out;
}

}  // namespace kspace::graph
