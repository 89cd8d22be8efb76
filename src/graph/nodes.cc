#include "graph/nodes.h"

#include <cmath>
#include <deque>
#include <functional>

#include "graph/sql_util.h"

namespace kspace::graph {
namespace {

constexpr const char* kColumns =
    "id, space_id, kind, origin, content_source_id, chunk_label, concept_id, memory_id, parent_node_id, "
    "content_entity_type, media_type, depth_level, title, body, pos2_x, pos2_y, pos3_x, pos3_y, pos3_z, "
    "is_position_locked, visibility, display_props, action_data, engagement_score, size, "
    "clustering_model_version_id, dr_model_version_id, dr3_model_version_id, created_at, updated_at, deleted_at";

NodeRow ReadNode(const store::Statement& st) {
  NodeRow r;
  r.id = st.Text(0);
  r.space_id = st.Text(1);
  r.kind = st.Text(2);
  r.origin = st.Text(3);
  r.content_source_id = OptText(st, 4);
  if (!st.IsNull(5)) r.chunk_label = st.Int(5);
  r.concept_id = OptText(st, 6);
  r.memory_id = OptText(st, 7);
  r.parent_node_id = OptText(st, 8);
  r.content_entity_type = OptText(st, 9);
  r.media_type = OptText(st, 10);
  r.depth_level = st.Int(11);
  r.title = st.Text(12);
  r.body = OptText(st, 13);
  if (!st.IsNull(14)) r.position_2d = Vec2{st.Double(14), st.Double(15)};
  if (!st.IsNull(16)) r.position_3d = Vec3{st.Double(16), st.Double(17), st.Double(18)};
  r.is_position_locked = st.Int(19) != 0;
  r.visibility = st.Int(20) != 0;
  r.display_props = st.Text(21);
  r.action_data = st.Text(22);
  r.engagement_score = st.Text(23);
  r.size = st.Int(24);
  r.clustering_model_version_id = OptText(st, 25);
  r.dr_model_version_id = OptText(st, 26);
  r.dr3_model_version_id = OptText(st, 27);
  r.created_at = st.Text(28);
  r.updated_at = st.Text(29);
  r.deleted_at = OptText(st, 30);
  return r;
}

Status CheckFinite(const NodeRow& r) {
  if (r.position_2d && !(std::isfinite(r.position_2d->x) && std::isfinite(r.position_2d->y))) {
    return InvalidArgument("position2d must be finite", "position2d");
  }
  if (r.position_3d &&
      !(std::isfinite(r.position_3d->x) && std::isfinite(r.position_3d->y) && std::isfinite(r.position_3d->z))) {
    return InvalidArgument("position3d must be finite", "position3d");
  }
  return Status::Ok();
}

// Binds columns 2.. (everything after id) in kColumns order starting at parameter `first`.
void BindBody(store::Statement& st, const NodeRow& r) {
  int i = 1;
  st.Bind(i++, r.id);
  st.Bind(i++, r.space_id);
  st.Bind(i++, r.kind);
  st.Bind(i++, r.origin);
  BindOpt(st, i++, r.content_source_id);
  if (r.chunk_label) st.Bind(i++, *r.chunk_label); else st.Bind(i++, store::Null{});
  BindOpt(st, i++, r.concept_id);
  BindOpt(st, i++, r.memory_id);
  BindOpt(st, i++, r.parent_node_id);
  BindOpt(st, i++, r.content_entity_type);
  BindOpt(st, i++, r.media_type);
  st.Bind(i++, r.depth_level);
  st.Bind(i++, r.title);
  BindOpt(st, i++, r.body);
  if (r.position_2d) {
    st.Bind(i++, r.position_2d->x);
    st.Bind(i++, r.position_2d->y);
  } else {
    st.Bind(i++, store::Null{});
    st.Bind(i++, store::Null{});
  }
  if (r.position_3d) {
    st.Bind(i++, r.position_3d->x);
    st.Bind(i++, r.position_3d->y);
    st.Bind(i++, r.position_3d->z);
  } else {
    st.Bind(i++, store::Null{});
    st.Bind(i++, store::Null{});
    st.Bind(i++, store::Null{});
  }
  st.Bind(i++, r.is_position_locked);
  st.Bind(i++, r.visibility);
  st.Bind(i++, r.display_props);
  st.Bind(i++, r.action_data);
  st.Bind(i++, r.engagement_score);
  st.Bind(i++, r.size);
  BindOpt(st, i++, r.clustering_model_version_id);
  BindOpt(st, i++, r.dr_model_version_id);
  BindOpt(st, i++, r.dr3_model_version_id);
  st.Bind(i++, r.created_at);
  st.Bind(i++, r.updated_at);
  BindOpt(st, i++, r.deleted_at);
}

Result<std::vector<NodeRow>> Query(store::Database& db, const std::string& where,
                                   const std::function<void(store::Statement&)>& bind) {
  // Cached: the WHERE texts are a small fixed set, and ingest looks nodes up once per chunk.
  KS_ASSIGN_OR_RETURN(store::CachedStatement st,
                      db.Prepare(std::string("SELECT ") + kColumns + " FROM nodes WHERE " + where));
  bind(*st);
  std::vector<NodeRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadNode(*st));
  }
  return out;
}

}  // namespace

bool CanHaveChildren(const std::string& kind) { return kind == "cluster" || kind == "source" || kind == "note"; }

Status InsertNode(store::Database& db, const NodeRow& row) {
  KS_RETURN_IF_ERROR(CheckFinite(row));
  KS_ASSIGN_OR_RETURN(store::CachedStatement st,
                      db.Prepare(std::string("INSERT INTO nodes(") + kColumns +
                                 ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  BindBody(*st, row);
  return st->Run();
}

Status UpdateNode(store::Database& db, const NodeRow& row) {
  KS_RETURN_IF_ERROR(CheckFinite(row));
  // Same binding as insert; REPLACE would cascade-delete edges, so update column by column.
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "UPDATE nodes SET origin = ?4, content_source_id = ?5, chunk_label = ?6, concept_id = ?7, memory_id = ?8, "
      "parent_node_id = ?9, content_entity_type = ?10, media_type = ?11, depth_level = ?12, title = ?13, body = ?14, "
      "pos2_x = ?15, pos2_y = ?16, pos3_x = ?17, pos3_y = ?18, pos3_z = ?19, is_position_locked = ?20, "
      "visibility = ?21, display_props = ?22, action_data = ?23, engagement_score = ?24, size = ?25, "
      "clustering_model_version_id = ?26, dr_model_version_id = ?27, dr3_model_version_id = ?28, "
      "updated_at = ?30, deleted_at = ?31 WHERE id = ?1 AND space_id = ?2 AND kind = ?3 AND created_at = ?29"));
  BindBody(*st, row);
  KS_RETURN_IF_ERROR(st->Run());
  if (db.changes() != 1) return Internal("node " + row.id + " was not updated");
  return Status::Ok();
}

Result<std::optional<NodeRow>> FindNode(store::Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(auto rows, Query(db, "id = ?", [&](store::Statement& s) { s.Bind(1, id); }));
  if (rows.empty()) return std::optional<NodeRow>();
  return std::optional<NodeRow>(std::move(rows[0]));
}

Result<std::optional<NodeRow>> FindSourceNode(store::Database& db, const std::string& source_id) {
  KS_ASSIGN_OR_RETURN(auto rows, Query(db, "content_source_id = ? AND kind = 'source'",
                                       [&](store::Statement& s) { s.Bind(1, source_id); }));
  if (rows.empty()) return std::optional<NodeRow>();
  return std::optional<NodeRow>(std::move(rows[0]));
}

Result<std::vector<NodeRow>> ListNodes(store::Database& db, const NodeQuery& q) {
  std::string where = "space_id = ?1";
  if (q.depth) where += " AND depth_level = ?2";
  if (q.max_depth) where += " AND depth_level <= ?3";
  if (q.parent_id) where += " AND parent_node_id = ?4";
  if (q.min_x) where += " AND pos2_x >= ?5";
  if (q.max_x) where += " AND pos2_x <= ?6";
  if (q.min_y) where += " AND pos2_y >= ?7";
  if (q.max_y) where += " AND pos2_y <= ?8";
  if (!q.include_hidden) where += " AND visibility = 1";
  if (!q.include_deleted) where += " AND deleted_at IS NULL";
  if (!q.kinds.empty()) {
    where += " AND kind IN (";
    for (size_t i = 0; i < q.kinds.size(); ++i) where += (i ? ",?" : "?") + std::to_string(20 + i);
    where += ")";
  }
  where += " ORDER BY depth_level, rowid LIMIT ?9";
  return Query(db, where, [&](store::Statement& s) {
    s.Bind(1, q.space_id);
    if (q.depth) s.Bind(2, *q.depth);
    if (q.max_depth) s.Bind(3, *q.max_depth);
    if (q.parent_id) s.Bind(4, *q.parent_id);
    if (q.min_x) s.Bind(5, *q.min_x);
    if (q.max_x) s.Bind(6, *q.max_x);
    if (q.min_y) s.Bind(7, *q.min_y);
    if (q.max_y) s.Bind(8, *q.max_y);
    s.Bind(9, q.limit);
    for (size_t i = 0; i < q.kinds.size(); ++i) s.Bind(static_cast<int>(20 + i), q.kinds[i]);
  });
}

Result<int64_t> CountNodes(store::Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st,
                      db.Prepare("SELECT count(*) FROM nodes WHERE space_id = ? AND deleted_at IS NULL"));
  st->Bind(1, space_id);
  KS_RETURN_IF_ERROR(st->Step().status());
  return st->Int(0);
}

Status RefreshSubtreeDepth(store::Database& db, const std::string& root_id, int64_t root_depth) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement upd, db.Prepare(
      "UPDATE nodes SET depth_level = ?2 WHERE parent_node_id = ?1 AND depth_level <> ?2"));
  KS_ASSIGN_OR_RETURN(store::CachedStatement kids, db.Prepare(
      "SELECT id FROM nodes WHERE parent_node_id = ?1"));
  std::deque<std::pair<std::string, int64_t>> queue{{root_id, root_depth}};
  size_t visited = 0;
  while (!queue.empty()) {
    auto [id, depth] = queue.front();
    queue.pop_front();
    if (++visited > 10'000'000) return Internal("node hierarchy under " + root_id + " does not end (a cycle)");
    upd->BindAll(id, depth + 1);
    KS_RETURN_IF_ERROR(upd->Run());
    upd->Reset();
    kids->Bind(1, id);
    for (;;) {
      KS_ASSIGN_OR_RETURN(bool row, kids->Step());
      if (!row) break;
      queue.emplace_back(kids->Text(0), depth + 1);
    }
    kids->Reset();
  }
  return Status::Ok();
}

Status SetParent(store::Database& db, NodeRow& node, const std::optional<std::string>& parent_id,
                 const std::string& now, const char* field) {
  int64_t depth = 1;
  if (parent_id) {
    if (*parent_id == node.id) return InvalidArgument("a node cannot be its own parent", field);
    KS_ASSIGN_OR_RETURN(auto parent, FindNode(db, *parent_id));
    if (!parent) return NotFound("no node with id " + *parent_id, field);
    if (parent->space_id != node.space_id) return InvalidArgument("the parent is in another space", field);
    if (parent->deleted_at) return InvalidArgument("the parent node " + *parent_id + " is deleted", field);
    if (!CanHaveChildren(parent->kind)) {
      return InvalidArgument("a " + parent->kind + " node cannot have children (only cluster, source and note nodes)",
                             field);
    }
    // Walk up from the new parent: meeting the node means the move would close a cycle.
    std::optional<std::string> up = parent->parent_node_id;
    int steps = 0;
    while (up) {
      if (*up == node.id) return InvalidArgument("that parent is a descendant of the node (a cycle)", field);
      if (++steps > 1'000'000) return Internal("node hierarchy does not end (a cycle)");
      KS_ASSIGN_OR_RETURN(auto next, FindNode(db, *up));
      if (!next) break;
      up = next->parent_node_id;
    }
    depth = parent->depth_level + 1;
  }
  node.parent_node_id = parent_id;
  node.depth_level = depth;
  node.updated_at = now;
  KS_RETURN_IF_ERROR(UpdateNode(db, node));
  return RefreshSubtreeDepth(db, node.id, depth);
}

Status DetachChildren(store::Database& db, const std::string& node_id, const std::string& now) {
  KS_ASSIGN_OR_RETURN(auto node, FindNode(db, node_id));
  if (!node) return Status::Ok();
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "UPDATE nodes SET parent_node_id = ?2, depth_level = ?3, updated_at = ?4 WHERE parent_node_id = ?1"));
  KS_ASSIGN_OR_RETURN(store::CachedStatement kids, db.Prepare("SELECT id FROM nodes WHERE parent_node_id = ?1"));
  kids->Bind(1, node_id);
  std::vector<std::string> ids;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, kids->Step());
    if (!row) break;
    ids.push_back(kids->Text(0));
  }
  kids->Reset();
  st->Bind(1, node_id);
  BindOpt(*st, 2, node->parent_node_id);
  st->Bind(3, node->depth_level);
  st->Bind(4, now);
  KS_RETURN_IF_ERROR(st->Run());
  for (const std::string& id : ids) KS_RETURN_IF_ERROR(RefreshSubtreeDepth(db, id, node->depth_level));
  return Status::Ok();
}

Status SoftDeleteNode(store::Database& db, const std::string& node_id, const std::string& now) {
  KS_RETURN_IF_ERROR(DetachChildren(db, node_id, now));
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "UPDATE nodes SET deleted_at = ?2, updated_at = ?2, parent_node_id = NULL, depth_level = 1 WHERE id = ?1"));
  st->BindAll(node_id, now);
  KS_RETURN_IF_ERROR(st->Run());
  KS_ASSIGN_OR_RETURN(store::CachedStatement e, db.Prepare(
      "UPDATE edges SET deleted_at = ?2, updated_at = ?2 WHERE (start_node_id = ?1 OR end_node_id = ?1) "
      "AND deleted_at IS NULL"));
  e->BindAll(node_id, now);
  return e->Run();
}

Status SyncSourceNodes(store::Database& db, const std::string& space_id, const std::string& source_id,
                       const std::string& title, const std::string& media_type,
                       const std::vector<ChunkRef>& chunks, bool deleted, const std::string& now) {
  KS_ASSIGN_OR_RETURN(auto existing, FindSourceNode(db, source_id));
  NodeRow src;
  if (existing) {
    src = std::move(*existing);
    src.title = title;
    src.media_type = media_type;
    src.updated_at = now;
    KS_RETURN_IF_ERROR(UpdateNode(db, src));
  } else {
    src.id = NewId();
    src.space_id = space_id;
    src.kind = "source";
    src.origin = "system";
    src.content_source_id = source_id;
    src.content_entity_type = "content_source";
    src.media_type = media_type;
    src.title = title;
    src.created_at = src.updated_at = now;
    if (deleted) src.deleted_at = now;
    KS_RETURN_IF_ERROR(InsertNode(db, src));
  }
  // Whether a chunk already has its node (a source processed again): a point query per chunk. When
  // no chunk node of this source exists at all (its first processing: nearly every call), one query
  // answers for all of its chunks.
  bool any_chunk_node = false;
  if (!chunks.empty()) {
    KS_ASSIGN_OR_RETURN(store::CachedStatement any, db.Prepare(
        "SELECT 1 FROM nodes WHERE content_source_id = ? AND kind = 'chunk' LIMIT 1"));
    any->Bind(1, source_id);
    KS_ASSIGN_OR_RETURN(any_chunk_node, any->Step());
  }
  KS_ASSIGN_OR_RETURN(store::CachedStatement has_node, db.Prepare("SELECT 1 FROM nodes WHERE chunk_label = ?"));
  for (const ChunkRef& c : chunks) {
    if (any_chunk_node) {
      has_node->Reset();
      has_node->Bind(1, c.label);
      KS_ASSIGN_OR_RETURN(bool have, has_node->Step());
      if (have) continue;
    }
    NodeRow n;
    n.id = NewId();
    n.space_id = space_id;
    n.kind = "chunk";
    n.origin = "system";
    n.content_source_id = source_id;
    n.chunk_label = c.label;
    n.content_entity_type = "content_chunk";
    n.media_type = media_type;
    n.parent_node_id = src.id;
    n.depth_level = src.depth_level + 1;
    n.title = c.title;
    n.created_at = n.updated_at = now;
    if (deleted) n.deleted_at = now;
    KS_RETURN_IF_ERROR(InsertNode(db, n));
  }
  return Status::Ok();
}

Status SetSourceNodesDeleted(store::Database& db, const std::string& source_id,
                             const std::optional<std::string>& deleted_at) {
  // Edges touching the source's nodes follow them; user edges deleted on their own stay deleted
  // on restore only if they were deleted before the source (deleted_at differs).
  KS_ASSIGN_OR_RETURN(store::CachedStatement prev, db.Prepare(
      "SELECT deleted_at FROM nodes WHERE content_source_id = ?1 AND kind = 'source'"));
  prev->Bind(1, source_id);
  KS_ASSIGN_OR_RETURN(bool has, prev->Step());
  std::optional<std::string> old = has ? OptText(*prev, 0) : std::nullopt;
  prev->Reset();
  KS_ASSIGN_OR_RETURN(store::CachedStatement e, db.Prepare(
      "UPDATE edges SET deleted_at = ?2 WHERE (deleted_at IS ?3) AND (start_node_id IN (SELECT id FROM nodes WHERE "
      "content_source_id = ?1) OR end_node_id IN (SELECT id FROM nodes WHERE content_source_id = ?1))"));
  e->Bind(1, source_id);
  BindOpt(*e, 2, deleted_at);
  BindOpt(*e, 3, old);
  KS_RETURN_IF_ERROR(e->Run());
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "UPDATE nodes SET deleted_at = ?2 WHERE content_source_id = ?1"));
  st->Bind(1, source_id);
  BindOpt(*st, 2, deleted_at);
  return st->Run();
}

Status DetachSourceNodes(store::Database& db, const std::string& source_id, const std::string& now) {
  // Children of the source's nodes that belong to other sources or to no source survive the
  // purge: lift them to the root (chunk nodes of this source cascade away with it).
  KS_ASSIGN_OR_RETURN(auto rows, Query(db,
      "parent_node_id IN (SELECT id FROM nodes WHERE content_source_id = ?1) AND "
      "(content_source_id IS NULL OR content_source_id <> ?1)",
      [&](store::Statement& s) { s.Bind(1, source_id); }));
  for (NodeRow& r : rows) KS_RETURN_IF_ERROR(SetParent(db, r, std::nullopt, now));
  return Status::Ok();
}

}  // namespace kspace::graph
