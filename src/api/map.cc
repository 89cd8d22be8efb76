// The knowledge map API (store.map): layout and placement, nodes, edges, comments, the model
// registry, concepts and communities, JSON Canvas import/export. Handlers validate every argument
// before writing and write in one transaction; see src/graph/README.md for the decisions.
#include <algorithm>
#include <cmath>
#include <array>
#include <functional>
#include <map>
#include <set>

#include "api/common.h"
#include "api/convert.h"
#include "graph/canvas.h"
#include "graph/concepts.h"
#include "graph/edges.h"
#include "graph/map_layout.h"
#include "graph/nodes.h"
#include "graph/registry.h"
#include "graph/sql_util.h"
#include "util/clock.h"

namespace kspace::api {
namespace {

using graph::NodeRow;
using graph::EdgeRow;

constexpr size_t kJsonPropsBytes = 64 * 1024;
constexpr double kMaxCoord = 1e12;

json Opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

json NodeToJson(const NodeRow& r) {
  json j{{"id", r.id},
         {"spaceId", r.space_id},
         {"kind", r.kind},
         {"origin", r.origin},
         {"contentSourceId", Opt(r.content_source_id)},
         {"chunkLabel", r.chunk_label ? json(*r.chunk_label) : json(nullptr)},
         {"conceptId", Opt(r.concept_id)},
         {"memoryId", Opt(r.memory_id)},
         {"parentNodeId", Opt(r.parent_node_id)},
         {"contentEntityType", Opt(r.content_entity_type)},
         {"mediaType", Opt(r.media_type)},
         {"depthLevel", r.depth_level},
         {"title", r.title},
         {"body", Opt(r.body)},
         {"position2d", r.position_2d ? json{{"x", r.position_2d->x}, {"y", r.position_2d->y}} : json(nullptr)},
         {"position3d", r.position_3d ? json{{"x", r.position_3d->x}, {"y", r.position_3d->y}, {"z", r.position_3d->z}}
                                      : json(nullptr)},
         {"isPositionLocked", r.is_position_locked},
         {"visibility", r.visibility},
         {"displayProps", ParseStoredJson(r.display_props, json::object())},
         {"actionData", ParseStoredJson(r.action_data, json::object())},
         {"engagementScore", ParseStoredJson(r.engagement_score, json::object())},
         {"size", r.size},
         {"clusteringModelVersionId", Opt(r.clustering_model_version_id)},
         {"drModelVersionId", Opt(r.dr_model_version_id)},
         {"dr3ModelVersionId", Opt(r.dr3_model_version_id)},
         {"createdAt", r.created_at},
         {"updatedAt", r.updated_at},
         {"deletedAt", Opt(r.deleted_at)}};
  return j;
}

json EdgeToJson(const EdgeRow& e) {
  return json{{"id", e.id},
              {"spaceId", e.space_id},
              {"from", e.start_node_id},
              {"to", e.end_node_id},
              {"kind", e.kind},
              {"label", Opt(e.description)},
              {"strength", e.strength},
              {"sourceHandle", Opt(e.source_handle)},
              {"targetHandle", Opt(e.target_handle)},
              {"style", ParseStoredJson(e.style_metadata, json::object())},
              {"createdBy", e.created_by},
              {"updatedBy", e.updated_by},
              {"createdAt", e.created_at},
              {"updatedAt", e.updated_at},
              {"deletedAt", Opt(e.deleted_at)}};
}

json CommentToJson(const graph::CommentRow& c) {
  return json{{"id", c.id},           {"nodeId", c.node_id},       {"text", c.content_comment},
              {"createdBy", c.created_by}, {"updatedBy", c.updated_by}, {"createdAt", c.created_at},
              {"updatedAt", c.updated_at}, {"deletedAt", Opt(c.deleted_at)}};
}

json VersionToJson(const graph::VersionRow& v) {
  return json{{"id", v.id},
              {"modelId", v.model_id},
              {"versionNumber", v.version_number},
              {"status", v.status},
              {"trainingMetadata", ParseStoredJson(v.training_metadata, json::object())},
              {"performanceMetrics", ParseStoredJson(v.performance_metrics, json::object())},
              {"artifactHash", Opt(v.artifact_hash)},
              {"artifactBytes", v.artifact_bytes},
              {"createdAt", v.created_at}};
}

json ConceptToJson(const graph::ConceptRow& c) {
  return json{{"id", c.id},           {"spaceId", c.space_id},
              {"name", c.name},       {"type", c.type},
              {"description", Opt(c.description)}, {"status", c.status},
              {"salience", c.salience}, {"mentionCount", c.mention_count},
              {"communityId", Opt(c.community_id)}, {"mergedIntoConceptId", Opt(c.merged_into_concept_id)},
              {"createdAt", c.created_at}, {"lastUpdatedTs", c.last_updated_ts}};
}

// The node `id` (NOT_FOUND naming `field` when absent or, for writes, deleted) and, for writes,
// a check that its space is writable.
Result<NodeRow> RequireNode(Context& ctx, const std::string& id, Access access, const char* field = "nodeId") {
  KS_ASSIGN_OR_RETURN(auto node, graph::FindNode(ctx.db(), id));
  if (!node) return NotFound("no node with id " + id, field);
  if (access == Access::kWrite) {
    if (node->deleted_at) return NotFound("node " + id + " is deleted", field);
    KS_RETURN_IF_ERROR(RequireSpace(ctx, node->space_id, Access::kWrite, field).status());
  }
  return *node;
}

// {x, y} or {x, y, z}: every coordinate required, finite and within +-1e12.
Result<std::optional<std::vector<double>>> Point(Args& a, const char* key, int dims) {
  KS_ASSIGN_OR_RETURN(auto nested, a.Nested(key));
  if (!nested) return std::optional<std::vector<double>>();
  std::vector<double> p;
  for (const char* c : {"x", "y", "z"}) {
    if (p.size() == static_cast<size_t>(dims)) break;
    KS_ASSIGN_OR_RETURN(auto v, nested->Number(c, -kMaxCoord, kMaxCoord));
    if (!v) return InvalidArgument(nested->FieldName(c) + " is required", nested->FieldName(c));
    p.push_back(*v);
  }
  KS_RETURN_IF_ERROR(nested->Finish());
  return std::optional<std::vector<double>>(std::move(p));
}

// ---- layout ---------------------------------------------------------------------------------

Result<json> MapLayoutRun(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  graph::LayoutOptions o;
  KS_ASSIGN_OR_RETURN(auto projection, a.Enum("projection", {"umap", "pca"}));
  KS_ASSIGN_OR_RETURN(auto dims, a.Int("dims", 2, 3));
  KS_ASSIGN_OR_RETURN(auto clusters, a.Enum("clusters", {"hdbscan", "kmeans", "none"}));
  KS_ASSIGN_OR_RETURN(auto k, a.Int("k", 1, 1000));
  KS_ASSIGN_OR_RETURN(auto mcs, a.Int("minClusterSize", 2, 100000));
  KS_ASSIGN_OR_RETURN(auto nn, a.Int("nNeighbors", 2, 200));
  KS_ASSIGN_OR_RETURN(auto md, a.Number("minDist", 0, 1));
  KS_ASSIGN_OR_RETURN(auto concepts, a.Bool("concepts"));
  KS_ASSIGN_OR_RETURN(auto seed, a.Int("seed", 0, int64_t{1} << 53));
  KS_RETURN_IF_ERROR(a.Finish());
  if (projection) o.projection = *projection;
  if (dims) o.dims = static_cast<int>(*dims);
  if (clusters) o.clusters = *clusters;
  if (k) o.k = static_cast<int>(*k);
  if (mcs) o.min_cluster_size = static_cast<int>(*mcs);
  if (nn) o.n_neighbors = static_cast<int>(*nn);
  if (md) o.min_dist = *md;
  if (concepts) o.concepts = *concepts;
  if (seed) o.seed = static_cast<uint64_t>(*seed);
  return graph::RunLayout(ctx, space_id, o, {});
}

Result<json> MapPlace(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  return graph::PlaceNew(ctx, space_id);
}

// ---- nodes ----------------------------------------------------------------------------------

Result<json> MapNodes(Context& ctx, Args& a) {
  graph::NodeQuery q;
  KS_ASSIGN_OR_RETURN(q.space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(auto depth, a.Int("depth", 1, 1000));
  KS_ASSIGN_OR_RETURN(auto max_depth, a.Int("maxDepth", 1, 1000));
  KS_ASSIGN_OR_RETURN(auto kinds, a.StringList("kinds", 6, kShortRule));
  KS_ASSIGN_OR_RETURN(auto kind, a.Enum("kind", {"source", "chunk", "cluster", "memory", "concept", "note"}));
  KS_ASSIGN_OR_RETURN(auto parent, a.Id("parentNodeId"));
  KS_ASSIGN_OR_RETURN(auto viewport, a.Nested("viewport"));
  KS_ASSIGN_OR_RETURN(auto hidden, a.Bool("includeHidden"));
  KS_ASSIGN_OR_RETURN(auto deleted, a.Bool("includeDeleted"));
  KS_ASSIGN_OR_RETURN(auto limit, a.Int("limit", 1, 1000000));
  if (viewport) {
    KS_ASSIGN_OR_RETURN(q.min_x, viewport->Number("minX", -kMaxCoord, kMaxCoord));
    KS_ASSIGN_OR_RETURN(q.min_y, viewport->Number("minY", -kMaxCoord, kMaxCoord));
    KS_ASSIGN_OR_RETURN(q.max_x, viewport->Number("maxX", -kMaxCoord, kMaxCoord));
    KS_ASSIGN_OR_RETURN(q.max_y, viewport->Number("maxY", -kMaxCoord, kMaxCoord));
    KS_RETURN_IF_ERROR(viewport->Finish());
    if (!q.min_x || !q.min_y || !q.max_x || !q.max_y) {
      return InvalidArgument("viewport needs minX, minY, maxX and maxY", "viewport");
    }
    if (*q.min_x > *q.max_x) return InvalidArgument("viewport.minX is greater than maxX", "viewport.minX");
    if (*q.min_y > *q.max_y) return InvalidArgument("viewport.minY is greater than maxY", "viewport.minY");
  }
  KS_RETURN_IF_ERROR(a.Finish());
  if (kinds) {
    for (const std::string& k : *kinds) {
      static const std::set<std::string> ok{"source", "chunk", "cluster", "memory", "concept", "note"};
      if (!ok.count(k)) return InvalidArgument("unknown node kind " + k, "kinds");
    }
    q.kinds = *kinds;
  }
  if (kind) q.kinds.push_back(*kind);
  q.depth = depth;
  q.max_depth = max_depth;
  q.parent_id = parent;
  q.include_hidden = hidden.value_or(false);
  q.include_deleted = deleted.value_or(false);
  q.limit = limit.value_or(100000);
  KS_RETURN_IF_ERROR(RequireSpace(ctx, q.space_id, Access::kRead).status());
  KS_ASSIGN_OR_RETURN(auto rows, graph::ListNodes(ctx.db(), q));
  json out = json::array();
  for (const NodeRow& r : rows) out.push_back(NodeToJson(r));
  return out;
}

Result<json> MapNode(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("nodeId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(NodeRow r, RequireNode(ctx, id, Access::kRead));
  return NodeToJson(r);
}

Result<json> MapAddNode(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(std::string kind, a.RequiredEnum("kind", {"note", "cluster", "memory"}));
  KS_ASSIGN_OR_RETURN(auto title, a.String("title", StringRule{1000, true, true, true}));
  KS_ASSIGN_OR_RETURN(auto body, a.String("body", kTextRule));
  KS_ASSIGN_OR_RETURN(auto parent, a.Id("parentNodeId"));
  KS_ASSIGN_OR_RETURN(auto p2, Point(a, "position2d", 2));
  KS_ASSIGN_OR_RETURN(auto p3, Point(a, "position3d", 3));
  KS_ASSIGN_OR_RETURN(auto lock, a.Bool("lock"));
  KS_ASSIGN_OR_RETURN(auto props, a.Object("displayProps", kJsonPropsBytes));
  KS_ASSIGN_OR_RETURN(auto action, a.Object("actionData", kJsonPropsBytes));
  KS_ASSIGN_OR_RETURN(auto memory, a.Id("memoryId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireSpace(ctx, space_id, Access::kWrite).status());
  const std::string now = NowTimestamp();
  NodeRow n;
  n.id = graph::NewId();
  n.space_id = space_id;
  n.kind = kind;
  n.title = title.value_or("");
  n.body = body;
  n.memory_id = memory;
  if (p2) n.position_2d = graph::Vec2{(*p2)[0], (*p2)[1]};
  if (p3) n.position_3d = graph::Vec3{(*p3)[0], (*p3)[1], (*p3)[2]};
  n.is_position_locked = lock.value_or(false);
  if (props) n.display_props = props->dump();
  if (action) n.action_data = action->dump();
  n.created_at = n.updated_at = now;
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(graph::InsertNode(ctx.db(), n));
  if (parent) KS_RETURN_IF_ERROR(graph::SetParent(ctx.db(), n, parent, now));
  KS_RETURN_IF_ERROR(tx.Commit());
  return NodeToJson(n);
}

Result<json> MapDeleteNode(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("nodeId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(NodeRow n, RequireNode(ctx, id, Access::kWrite));
  if (n.kind == "source" || n.kind == "chunk") {
    return FailedPrecondition("source and chunk nodes follow their source: delete the source instead", "nodeId");
  }
  const std::string now = NowTimestamp();
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(graph::SoftDeleteNode(ctx.db(), id, now));
  KS_RETURN_IF_ERROR(tx.Commit());
  KS_ASSIGN_OR_RETURN(NodeRow after, RequireNode(ctx, id, Access::kRead));
  return NodeToJson(after);
}

Result<json> MapMoveNode(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("nodeId"));
  KS_ASSIGN_OR_RETURN(auto p2, Point(a, "position2d", 2));
  KS_ASSIGN_OR_RETURN(auto p3, Point(a, "position3d", 3));
  KS_ASSIGN_OR_RETURN(auto lock, a.Bool("lock"));
  KS_RETURN_IF_ERROR(a.Finish());
  if (!p2 && !p3) return InvalidArgument("give position2d or position3d", "position2d");
  KS_ASSIGN_OR_RETURN(NodeRow n, RequireNode(ctx, id, Access::kWrite));
  if (p2) n.position_2d = graph::Vec2{(*p2)[0], (*p2)[1]};
  if (p3) n.position_3d = graph::Vec3{(*p3)[0], (*p3)[1], (*p3)[2]};
  if (lock) n.is_position_locked = *lock;
  n.updated_at = NowTimestamp();
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(graph::UpdateNode(ctx.db(), n));
  KS_RETURN_IF_ERROR(tx.Commit());
  return NodeToJson(n);
}

Result<json> MapLockNode(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("nodeId"));
  KS_ASSIGN_OR_RETURN(auto lock, a.Bool("locked"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(NodeRow n, RequireNode(ctx, id, Access::kWrite));
  n.is_position_locked = lock.value_or(true);
  n.updated_at = NowTimestamp();
  KS_RETURN_IF_ERROR(graph::UpdateNode(ctx.db(), n));
  return NodeToJson(n);
}

Result<json> MapSetVisibility(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("nodeId"));
  KS_ASSIGN_OR_RETURN(auto visible, a.Bool("visible"));
  KS_RETURN_IF_ERROR(a.Finish());
  if (!visible) return InvalidArgument("visible is required", "visible");
  KS_ASSIGN_OR_RETURN(NodeRow n, RequireNode(ctx, id, Access::kWrite));
  n.visibility = *visible;
  n.updated_at = NowTimestamp();
  KS_RETURN_IF_ERROR(graph::UpdateNode(ctx.db(), n));
  return NodeToJson(n);
}

Result<json> MapUpdateNode(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("nodeId"));
  KS_ASSIGN_OR_RETURN(auto title, a.String("title", StringRule{1000, true, true, true}));
  KS_ASSIGN_OR_RETURN(auto body, a.NullableString("body", kTextRule));
  KS_ASSIGN_OR_RETURN(auto props, a.Object("displayProps", kJsonPropsBytes));
  KS_ASSIGN_OR_RETURN(auto action, a.Object("actionData", kJsonPropsBytes));
  KS_ASSIGN_OR_RETURN(auto engagement, a.Object("engagementScore", kJsonPropsBytes));
  KS_ASSIGN_OR_RETURN(auto parent_field, a.NullableString("parentNodeId", kShortRule));
  const bool has_parent = parent_field.present;
  std::optional<std::string> parent;
  if (parent_field.present && !parent_field.null) {
    KS_ASSIGN_OR_RETURN(parent, ParseUuid(parent_field.value, "parentNodeId"));
  }
  KS_RETURN_IF_ERROR(a.Finish());
  if (engagement) {
    for (const auto& [k, v] : engagement->items()) {
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        return InvalidArgument("engagementScore." + k + " must be a finite number", "engagementScore." + k);
      }
    }
  }
  KS_ASSIGN_OR_RETURN(NodeRow n, RequireNode(ctx, id, Access::kWrite));
  const std::string now = NowTimestamp();
  if (title) n.title = *title;
  if (body.present) n.body = body.null ? std::nullopt : std::optional<std::string>(body.value);
  if (props) n.display_props = props->dump();
  if (action) n.action_data = action->dump();
  if (engagement) n.engagement_score = engagement->dump();
  n.updated_at = now;
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(graph::UpdateNode(ctx.db(), n));
  if (has_parent) KS_RETURN_IF_ERROR(graph::SetParent(ctx.db(), n, parent, now));
  KS_RETURN_IF_ERROR(tx.Commit());
  KS_ASSIGN_OR_RETURN(NodeRow after, RequireNode(ctx, id, Access::kRead));
  return NodeToJson(after);
}

// ---- edges ----------------------------------------------------------------------------------

Result<std::optional<std::string>> Side(Args& a, const char* key) {
  return a.Enum(key, {"top", "right", "bottom", "left"});
}

Result<json> MapAddEdge(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(std::string from, a.RequiredId("from"));
  KS_ASSIGN_OR_RETURN(std::string to, a.RequiredId("to"));
  KS_ASSIGN_OR_RETURN(auto label, a.String("label", StringRule{1000, true, true, true}));
  KS_ASSIGN_OR_RETURN(auto kind, a.Enum("kind", {"user", "similarity", "concept"}));
  KS_ASSIGN_OR_RETURN(auto strength, a.Number("strength", 0, 1));
  KS_ASSIGN_OR_RETURN(auto style, a.Object("style", kJsonPropsBytes));
  KS_ASSIGN_OR_RETURN(auto sh, Side(a, "sourceHandle"));
  KS_ASSIGN_OR_RETURN(auto th, Side(a, "targetHandle"));
  KS_RETURN_IF_ERROR(a.Finish());
  if (from == to) return InvalidArgument("an edge cannot join a node to itself", "to");
  KS_RETURN_IF_ERROR(RequireSpace(ctx, space_id, Access::kWrite).status());
  KS_ASSIGN_OR_RETURN(NodeRow a_node, RequireNode(ctx, from, Access::kWrite, "from"));
  KS_ASSIGN_OR_RETURN(NodeRow b_node, RequireNode(ctx, to, Access::kWrite, "to"));
  if (a_node.space_id != space_id) return InvalidArgument("node " + from + " is in another space", "from");
  if (b_node.space_id != space_id) return InvalidArgument("node " + to + " is in another space", "to");
  EdgeRow e;
  e.id = graph::NewId();
  e.space_id = space_id;
  e.start_node_id = from;
  e.end_node_id = to;
  e.kind = kind.value_or("user");
  e.description = label;
  e.strength = strength.value_or(1.0);
  e.source_handle = sh;
  e.target_handle = th;
  if (style) e.style_metadata = style->dump();
  e.created_by = e.updated_by = ctx.profile_id();
  e.created_at = e.updated_at = NowTimestamp();
  KS_RETURN_IF_ERROR(graph::InsertEdge(ctx.db(), e));
  return EdgeToJson(e);
}

Result<EdgeRow> RequireEdge(Context& ctx, const std::string& id) {
  KS_ASSIGN_OR_RETURN(auto e, graph::FindEdge(ctx.db(), id));
  if (!e || e->deleted_at) return NotFound("no edge with id " + id, "edgeId");
  KS_RETURN_IF_ERROR(RequireSpace(ctx, e->space_id, Access::kWrite, "edgeId").status());
  return *e;
}

Result<json> MapUpdateEdge(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("edgeId"));
  KS_ASSIGN_OR_RETURN(auto label, a.NullableString("label", StringRule{1000, true, true, true}));
  KS_ASSIGN_OR_RETURN(auto strength, a.Number("strength", 0, 1));
  KS_ASSIGN_OR_RETURN(auto style, a.Object("style", kJsonPropsBytes));
  KS_ASSIGN_OR_RETURN(auto sh, Side(a, "sourceHandle"));
  KS_ASSIGN_OR_RETURN(auto th, Side(a, "targetHandle"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(EdgeRow e, RequireEdge(ctx, id));
  if (label.present) e.description = label.null ? std::nullopt : std::optional<std::string>(label.value);
  if (strength) e.strength = *strength;
  if (style) e.style_metadata = style->dump();
  if (sh) e.source_handle = sh;
  if (th) e.target_handle = th;
  e.updated_by = ctx.profile_id();
  e.updated_at = NowTimestamp();
  KS_RETURN_IF_ERROR(graph::UpdateEdge(ctx.db(), e));
  return EdgeToJson(e);
}

Result<json> MapDeleteEdge(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("edgeId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(EdgeRow e, RequireEdge(ctx, id));
  e.deleted_at = e.updated_at = NowTimestamp();
  e.updated_by = ctx.profile_id();
  KS_RETURN_IF_ERROR(graph::UpdateEdge(ctx.db(), e));
  return EdgeToJson(e);
}

Result<json> MapEdges(Context& ctx, Args& a) {
  graph::EdgeQuery q;
  KS_ASSIGN_OR_RETURN(q.space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(auto node, a.Id("nodeId"));
  KS_ASSIGN_OR_RETURN(auto kinds, a.StringList("kinds", 4, kShortRule));
  KS_ASSIGN_OR_RETURN(auto deleted, a.Bool("includeDeleted"));
  KS_ASSIGN_OR_RETURN(auto limit, a.Int("limit", 1, 1000000));
  KS_RETURN_IF_ERROR(a.Finish());
  if (kinds) {
    for (const std::string& k : *kinds) {
      if (k != "user" && k != "wikilink" && k != "similarity" && k != "concept") {
        return InvalidArgument("unknown edge kind " + k, "kinds");
      }
    }
    q.kinds = *kinds;
  }
  KS_RETURN_IF_ERROR(RequireSpace(ctx, q.space_id, Access::kRead).status());
  if (node) KS_RETURN_IF_ERROR(RequireNode(ctx, *node, Access::kRead).status());
  q.node_id = node;
  q.include_deleted = deleted.value_or(false);
  q.limit = limit.value_or(100000);
  KS_ASSIGN_OR_RETURN(auto rows, graph::ListEdges(ctx.db(), q));
  json out = json::array();
  for (const EdgeRow& e : rows) out.push_back(EdgeToJson(e));
  return out;
}

// ---- comments -------------------------------------------------------------------------------

Result<json> MapAddComment(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string node_id, a.RequiredId("nodeId"));
  KS_ASSIGN_OR_RETURN(std::string text, a.RequiredString("text", StringRule{64 * 1024, false, false, true}));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireNode(ctx, node_id, Access::kWrite).status());
  graph::CommentRow c;
  c.id = graph::NewId();
  c.node_id = node_id;
  c.content_comment = text;
  c.created_by = c.updated_by = ctx.profile_id();
  c.created_at = c.updated_at = NowTimestamp();
  KS_RETURN_IF_ERROR(graph::InsertComment(ctx.db(), c));
  return CommentToJson(c);
}

Result<json> MapComments(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string node_id, a.RequiredId("nodeId"));
  KS_ASSIGN_OR_RETURN(auto deleted, a.Bool("includeDeleted"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireNode(ctx, node_id, Access::kRead).status());
  KS_ASSIGN_OR_RETURN(auto rows, graph::ListComments(ctx.db(), node_id, deleted.value_or(false)));
  json out = json::array();
  for (const auto& c : rows) out.push_back(CommentToJson(c));
  return out;
}

Result<json> MapDeleteComment(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("commentId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(auto c, graph::FindComment(ctx.db(), id));
  if (!c || c->deleted_at) return NotFound("no comment with id " + id, "commentId");
  KS_RETURN_IF_ERROR(RequireNode(ctx, c->node_id, Access::kWrite, "commentId").status());
  const std::string now = NowTimestamp();
  KS_RETURN_IF_ERROR(graph::SetCommentDeleted(ctx.db(), id, now));
  c->deleted_at = c->updated_at = now;
  return CommentToJson(*c);
}

// ---- registry, concepts, communities ---------------------------------------------------------

Result<json> MapModels(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireSpace(ctx, space_id, Access::kRead).status());
  KS_ASSIGN_OR_RETURN(auto models, graph::ListModels(ctx.db(), space_id));
  json out = json::array();
  for (const auto& m : models) {
    json versions = json::array();
    KS_ASSIGN_OR_RETURN(auto vs, graph::ListVersions(ctx.db(), m.id));
    for (const auto& v : vs) versions.push_back(VersionToJson(v));
    out.push_back(json{{"id", m.id},
                       {"modelName", m.model_name},
                       {"modelScope", "SPACE"},
                       {"spaceId", m.space_id},
                       {"ownerId", m.owner_id},
                       {"modelType", m.model_type},
                       {"algorithm", m.algorithm},
                       {"activeVersionId", Opt(m.active_version_id)},
                       {"creationParams", ParseStoredJson(m.creation_params, json::object())},
                       {"isActive", m.is_active},
                       {"createdAt", m.created_at},
                       {"updatedAt", m.updated_at},
                       {"versions", versions}});
  }
  return out;
}

Result<json> MapConcepts(Context& ctx, Args& a) {
  graph::ConceptQuery q;
  KS_ASSIGN_OR_RETURN(q.space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(q.community_id, a.Id("communityId"));
  KS_ASSIGN_OR_RETURN(q.type, a.Enum("type", {"keyphrase", "entity"}));
  KS_ASSIGN_OR_RETURN(auto min, a.Int("minMentions", 0, 1 << 30));
  KS_ASSIGN_OR_RETURN(auto merged, a.Bool("includeMerged"));
  KS_ASSIGN_OR_RETURN(auto limit, a.Int("limit", 1, 100000));
  KS_RETURN_IF_ERROR(a.Finish());
  q.min_mentions = min.value_or(1);
  q.include_merged = merged.value_or(false);
  q.limit = limit.value_or(1000);
  KS_RETURN_IF_ERROR(RequireSpace(ctx, q.space_id, Access::kRead).status());
  KS_ASSIGN_OR_RETURN(auto rows, graph::ListConcepts(ctx.db(), q));
  json out = json::array();
  for (const auto& c : rows) out.push_back(ConceptToJson(c));
  return out;
}

Result<json> MapCommunities(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireSpace(ctx, space_id, Access::kRead).status());
  KS_ASSIGN_OR_RETURN(auto rows, graph::ListCommunities(ctx.db(), space_id));
  json out = json::array();
  for (const auto& c : rows) {
    graph::ConceptQuery q;
    q.space_id = space_id;
    q.community_id = c.id;
    q.limit = 10;
    KS_ASSIGN_OR_RETURN(auto top, graph::ListConcepts(ctx.db(), q));
    json names = json::array();
    for (const auto& t : top) names.push_back(t.name);
    out.push_back(json{{"id", c.id}, {"spaceId", c.space_id}, {"name", c.name}, {"description", Opt(c.description)},
                       {"size", c.size}, {"modelVersionId", Opt(c.model_version_id)}, {"createdAt", c.created_at},
                       {"topConcepts", names}});
  }
  return out;
}

Result<json> MapMergeConcepts(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string from_id, a.RequiredId("from"));
  KS_ASSIGN_OR_RETURN(std::string into_id, a.RequiredId("into"));
  KS_RETURN_IF_ERROR(a.Finish());
  if (from_id == into_id) return InvalidArgument("a concept cannot be merged into itself", "into");
  KS_ASSIGN_OR_RETURN(auto from, graph::FindConcept(ctx.db(), from_id));
  if (!from) return NotFound("no concept with id " + from_id, "from");
  KS_ASSIGN_OR_RETURN(auto into, graph::FindConcept(ctx.db(), into_id));
  if (!into) return NotFound("no concept with id " + into_id, "into");
  if (from->space_id != into->space_id) return InvalidArgument("the concepts are in different spaces", "into");
  if (from->status == "merged") return FailedPrecondition("concept " + from_id + " is already merged", "from");
  if (into->status == "merged") return FailedPrecondition("concept " + into_id + " is merged into another", "into");
  KS_RETURN_IF_ERROR(RequireSpace(ctx, from->space_id, Access::kWrite, "from").status());
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(graph::MergeConcepts(ctx.db(), *from, *into, NowTimestamp()));
  KS_RETURN_IF_ERROR(tx.Commit());
  KS_ASSIGN_OR_RETURN(auto f, graph::FindConcept(ctx.db(), from_id));
  KS_ASSIGN_OR_RETURN(auto i, graph::FindConcept(ctx.db(), into_id));
  return json{{"from", ConceptToJson(*f)}, {"into", ConceptToJson(*i)}};
}

// ---- JSON Canvas ----------------------------------------------------------------------------

// Default canvas sizes per node kind (display units = canvas pixels).
std::pair<int64_t, int64_t> DefaultSize(const std::string& kind) {
  if (kind == "chunk") return {240, 120};
  if (kind == "source") return {280, 120};
  if (kind == "cluster") return {400, 300};
  return {260, 140};
}

Result<json> MapExportCanvas(Context& ctx, Args& a) {
  graph::NodeQuery q;
  KS_ASSIGN_OR_RETURN(q.space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(auto max_depth, a.Int("maxDepth", 1, 1000));
  KS_ASSIGN_OR_RETURN(auto kinds, a.StringList("kinds", 6, kShortRule));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireSpace(ctx, q.space_id, Access::kRead).status());
  q.max_depth = max_depth;
  if (kinds) q.kinds = *kinds;
  KS_ASSIGN_OR_RETURN(auto nodes, graph::ListNodes(ctx.db(), q));
  graph::Canvas c;
  std::map<std::string, std::string> canvas_id;  // node id -> canvas id
  std::map<std::string, size_t> index;
  // Sizes and centres first; groups without a stored size get the bounding box of their members.
  struct Box {
    double cx = 0, cy = 0;
    int64_t w = 0, h = 0;
    bool sized = false;
  };
  std::vector<Box> boxes(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeRow& n = nodes[i];
    json props = ParseStoredJson(n.display_props, json::object());
    auto [w, h] = DefaultSize(n.kind);
    Box& b = boxes[i];
    if (props.contains("width") && props["width"].is_number_integer() && props["width"].get<int64_t>() > 0 &&
        props.contains("height") && props["height"].is_number_integer() && props["height"].get<int64_t>() > 0) {
      w = props["width"].get<int64_t>();
      h = props["height"].get<int64_t>();
      b.sized = true;
    }
    b.w = w;
    b.h = h;
    if (n.position_2d) {
      b.cx = n.position_2d->x;
      b.cy = n.position_2d->y;
    }
    index[n.id] = i;
    std::string cid = props.contains("canvasId") && props["canvasId"].is_string() ? props["canvasId"].get<std::string>() : n.id;
    canvas_id[n.id] = cid;
  }
  // Unsized groups (system clusters): the box of their exported descendants' boxes, deepest first.
  std::vector<size_t> order(nodes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return nodes[x].depth_level > nodes[y].depth_level; });
  std::map<std::string, std::array<double, 4>> extent;  // parent id -> minx, miny, maxx, maxy of children
  for (size_t i : order) {
    const NodeRow& n = nodes[i];
    Box& b = boxes[i];
    if (n.kind == "cluster" && !b.sized) {
      auto it = extent.find(n.id);
      if (it != extent.end()) {
        const double pad = 40;
        auto& e = it->second;
        b.w = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(e[2] - e[0] + 2 * pad)));
        b.h = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(e[3] - e[1] + 2 * pad)));
        b.cx = (e[0] + e[2]) / 2;
        b.cy = (e[1] + e[3]) / 2;
      }
    }
    if (n.parent_node_id && index.count(*n.parent_node_id)) {
      auto [it, fresh] = extent.try_emplace(*n.parent_node_id, std::array<double, 4>{b.cx - b.w / 2.0, b.cy - b.h / 2.0,
                                                                                    b.cx + b.w / 2.0, b.cy + b.h / 2.0});
      if (!fresh) {
        auto& e = it->second;
        e[0] = std::min(e[0], b.cx - b.w / 2.0);
        e[1] = std::min(e[1], b.cy - b.h / 2.0);
        e[2] = std::max(e[2], b.cx + b.w / 2.0);
        e[3] = std::max(e[3], b.cy + b.h / 2.0);
      }
    }
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeRow& n = nodes[i];
    const Box& b = boxes[i];
    json props = ParseStoredJson(n.display_props, json::object());
    json action = ParseStoredJson(n.action_data, json::object());
    graph::CanvasNode cn;
    cn.id = canvas_id[n.id];
    cn.width = b.w;
    cn.height = b.h;
    cn.x = static_cast<int64_t>(std::llround(b.cx - b.w / 2.0));
    cn.y = static_cast<int64_t>(std::llround(b.cy - b.h / 2.0));
    if (props.contains("color") && props["color"].is_string() && graph::IsCanvasColor(props["color"].get<std::string>())) {
      cn.color = props["color"].get<std::string>();
    }
    std::string ctype = action.contains("canvasType") && action["canvasType"].is_string()
                            ? action["canvasType"].get<std::string>() : "";
    if (n.kind == "cluster" || ctype == "group") {
      cn.type = "group";
      cn.label = n.title;
      if (action.contains("background") && action["background"].is_string()) cn.background = action["background"].get<std::string>();
      if (action.contains("backgroundStyle") && action["backgroundStyle"].is_string()) {
        cn.background_style = action["backgroundStyle"].get<std::string>();
      }
    } else if (ctype == "file" && action.contains("file") && action["file"].is_string()) {
      cn.type = "file";
      cn.file = action["file"].get<std::string>();
      if (action.contains("subpath") && action["subpath"].is_string()) cn.subpath = action["subpath"].get<std::string>();
    } else if (ctype == "link" && action.contains("url") && action["url"].is_string()) {
      cn.type = "link";
      cn.url = action["url"].get<std::string>();
    } else if (n.kind == "source") {
      cn.type = "file";
      std::string file = n.title;
      if (n.content_source_id) {
        KS_ASSIGN_OR_RETURN(auto src, store::FindSource(ctx.db(), *n.content_source_id));
        if (src && src->path && !src->path->empty()) file = *src->path;
      }
      cn.file = file.empty() ? "untitled" : file;
    } else {
      cn.type = "text";
      cn.text = n.body ? *n.body : n.title;
    }
    c.nodes.push_back(std::move(cn));
  }
  graph::EdgeQuery eq;
  eq.space_id = q.space_id;
  KS_ASSIGN_OR_RETURN(auto edges, graph::ListEdges(ctx.db(), eq));
  for (const EdgeRow& e : edges) {
    if (!canvas_id.count(e.start_node_id) || !canvas_id.count(e.end_node_id)) continue;
    json style = ParseStoredJson(e.style_metadata, json::object());
    graph::CanvasEdge ce;
    ce.id = style.contains("canvasId") && style["canvasId"].is_string() ? style["canvasId"].get<std::string>() : e.id;
    ce.from_node = canvas_id[e.start_node_id];
    ce.to_node = canvas_id[e.end_node_id];
    static const std::set<std::string> sides{"top", "right", "bottom", "left"};
    if (e.source_handle && sides.count(*e.source_handle)) ce.from_side = e.source_handle;
    if (e.target_handle && sides.count(*e.target_handle)) ce.to_side = e.target_handle;
    for (auto [key, dst] : {std::pair<const char*, std::optional<std::string>*>{"fromEnd", &ce.from_end}, {"toEnd", &ce.to_end}}) {
      if (style.contains(key) && style[key].is_string() && (style[key] == "none" || style[key] == "arrow")) {
        *dst = style[key].get<std::string>();
      }
    }
    if (style.contains("color") && style["color"].is_string() && graph::IsCanvasColor(style["color"].get<std::string>())) {
      ce.color = style["color"].get<std::string>();
    }
    ce.label = e.description;
    c.edges.push_back(std::move(ce));
  }
  return graph::CanvasToJson(c);
}

Result<json> MapImportCanvas(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  const json* raw = a.Raw("canvas");
  KS_RETURN_IF_ERROR(a.Finish());
  if (!raw || raw->is_null()) return InvalidArgument("canvas is required", "canvas");
  graph::Canvas canvas;
  if (raw->is_string()) {
    KS_ASSIGN_OR_RETURN(canvas, graph::ParseCanvas(raw->get_ref<const std::string&>(), "canvas"));
  } else {
    KS_ASSIGN_OR_RETURN(canvas, graph::ParseCanvasJson(*raw, "canvas"));
  }
  for (size_t i = 0; i < canvas.edges.size(); ++i) {
    if (canvas.edges[i].from_node == canvas.edges[i].to_node) {
      return InvalidArgument("canvas.edges[" + std::to_string(i) + "] joins a node to itself",
                             "canvas.edges[" + std::to_string(i) + "].toNode");
    }
  }
  KS_RETURN_IF_ERROR(RequireSpace(ctx, space_id, Access::kWrite).status());
  const std::string now = NowTimestamp();
  // Parent of every node: the smallest group that contains its box (ties: the earlier group).
  const size_t n = canvas.nodes.size();
  auto area = [&](size_t i) { return static_cast<double>(canvas.nodes[i].width) * static_cast<double>(canvas.nodes[i].height); };
  auto contains = [&](size_t g, size_t i) {
    const auto& G = canvas.nodes[g];
    const auto& N = canvas.nodes[i];
    return N.x >= G.x && N.y >= G.y && N.x + N.width <= G.x + G.width && N.y + N.height <= G.y + G.height;
  };
  std::vector<size_t> groups;
  for (size_t i = 0; i < n; ++i) {
    if (canvas.nodes[i].type == "group") groups.push_back(i);
  }
  std::vector<long> parent(n, -1);
  for (size_t i = 0; i < n; ++i) {
    double best = 0;
    for (size_t g : groups) {
      if (g == i || !contains(g, i)) continue;
      // A group can only be inside a bigger group (or an equal one listed before it): no cycles.
      if (canvas.nodes[i].type == "group" && !(area(g) > area(i) || (area(g) == area(i) && g < i))) continue;
      if (parent[i] < 0 || area(g) < best) {
        parent[i] = static_cast<long>(g);
        best = area(g);
      }
    }
  }
  // Insert parents before children: order by depth in the containment forest.
  std::vector<int> depth(n, -1);
  std::function<int(size_t)> depth_of = [&](size_t i) -> int {
    if (depth[i] >= 0) return depth[i];
    depth[i] = parent[i] < 0 ? 1 : depth_of(static_cast<size_t>(parent[i])) + 1;
    return depth[i];
  };
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) {
    order[i] = i;
    depth_of(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return depth[x] < depth[y]; });
  std::vector<std::string> node_id(n);
  std::map<std::string, std::string> by_canvas_id;
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  for (size_t i : order) {
    const graph::CanvasNode& cn = canvas.nodes[i];
    NodeRow r;
    r.id = graph::NewId();
    r.space_id = space_id;
    r.kind = cn.type == "group" ? "cluster" : "note";
    r.origin = "user";
    r.content_entity_type = "canvas_" + cn.type;
    json props{{"canvasId", cn.id}, {"width", cn.width}, {"height", cn.height}};
    if (cn.color) props["color"] = *cn.color;
    json action{{"canvasType", cn.type}};
    if (cn.type == "text") {
      r.body = *cn.text;
      std::string first = cn.text->substr(0, cn.text->find('\n'));
      r.title = first.substr(0, 200);
    } else if (cn.type == "file") {
      action["file"] = *cn.file;
      if (cn.subpath) action["subpath"] = *cn.subpath;
      r.title = *cn.file;
    } else if (cn.type == "link") {
      action["url"] = *cn.url;
      r.title = *cn.url;
    } else {
      r.title = cn.label.value_or("");
      if (cn.background) action["background"] = *cn.background;
      if (cn.background_style) action["backgroundStyle"] = *cn.background_style;
    }
    // Title must be valid for the column; keep UTF-8 boundaries.
    while (!r.title.empty() && (static_cast<unsigned char>(r.title.back()) & 0xC0) == 0x80 && r.title.size() == 200) r.title.pop_back();
    r.display_props = props.dump();
    r.action_data = action.dump();
    r.position_2d = graph::Vec2{static_cast<double>(cn.x) + static_cast<double>(cn.width) / 2.0,
                                static_cast<double>(cn.y) + static_cast<double>(cn.height) / 2.0};
    r.is_position_locked = true;  // placed by hand on the canvas: no refit may move it
    if (parent[i] >= 0) {
      r.parent_node_id = node_id[static_cast<size_t>(parent[i])];
      r.depth_level = depth[i];
    }
    r.created_at = r.updated_at = now;
    KS_RETURN_IF_ERROR(graph::InsertNode(ctx.db(), r));
    node_id[i] = r.id;
    by_canvas_id[cn.id] = r.id;
  }
  for (const graph::CanvasEdge& ce : canvas.edges) {
    EdgeRow e;
    e.id = graph::NewId();
    e.space_id = space_id;
    e.start_node_id = by_canvas_id[ce.from_node];
    e.end_node_id = by_canvas_id[ce.to_node];
    e.kind = "user";
    e.description = ce.label;
    e.source_handle = ce.from_side;
    e.target_handle = ce.to_side;
    json style{{"canvasId", ce.id}};
    if (ce.color) style["color"] = *ce.color;
    if (ce.from_end) style["fromEnd"] = *ce.from_end;
    if (ce.to_end) style["toEnd"] = *ce.to_end;
    e.style_metadata = style.dump();
    e.created_by = e.updated_by = ctx.profile_id();
    e.created_at = e.updated_at = now;
    KS_RETURN_IF_ERROR(graph::InsertEdge(ctx.db(), e));
  }
  KS_RETURN_IF_ERROR(tx.Commit());
  json ids = json::object();
  for (auto& [cid, nid] : by_canvas_id) ids[cid] = nid;
  return json{{"spaceId", space_id}, {"nodes", n}, {"edges", canvas.edges.size()}, {"groups", groups.size()},
              {"nodeIds", ids}};
}

}  // namespace

void RegisterMapMethods(MethodTable& t) {
  t["mapLayoutRun"] = MapLayoutRun;
  t["mapPlace"] = MapPlace;
  t["mapNodes"] = MapNodes;
  t["mapNode"] = MapNode;
  t["mapAddNode"] = MapAddNode;
  t["mapDeleteNode"] = MapDeleteNode;
  t["mapMoveNode"] = MapMoveNode;
  t["mapLockNode"] = MapLockNode;
  t["mapSetVisibility"] = MapSetVisibility;
  t["mapUpdateNode"] = MapUpdateNode;
  t["mapAddEdge"] = MapAddEdge;
  t["mapUpdateEdge"] = MapUpdateEdge;
  t["mapDeleteEdge"] = MapDeleteEdge;
  t["mapEdges"] = MapEdges;
  t["mapAddComment"] = MapAddComment;
  t["mapComments"] = MapComments;
  t["mapDeleteComment"] = MapDeleteComment;
  t["mapModels"] = MapModels;
  t["mapConcepts"] = MapConcepts;
  t["mapCommunities"] = MapCommunities;
  t["mapMergeConcepts"] = MapMergeConcepts;
  t["mapExportCanvas"] = MapExportCanvas;
  t["mapImportCanvas"] = MapImportCanvas;
}

}  // namespace kspace::api
