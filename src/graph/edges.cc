#include "graph/edges.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "graph/nodes.h"
#include "graph/sql_util.h"
#include "store/terms.h"

namespace kspace::graph {
namespace {

constexpr const char* kEdgeColumns =
    "id, space_id, start_node_id, end_node_id, kind, description, strength, source_handle, target_handle, "
    "style_metadata, created_by, updated_by, created_at, updated_at, deleted_at";

EdgeRow ReadEdge(const store::Statement& st) {
  EdgeRow r;
  r.id = st.Text(0);
  r.space_id = st.Text(1);
  r.start_node_id = st.Text(2);
  r.end_node_id = st.Text(3);
  r.kind = st.Text(4);
  r.description = OptText(st, 5);
  r.strength = st.Double(6);
  r.source_handle = OptText(st, 7);
  r.target_handle = OptText(st, 8);
  r.style_metadata = st.Text(9);
  r.created_by = st.Text(10);
  r.updated_by = st.Text(11);
  r.created_at = st.Text(12);
  r.updated_at = st.Text(13);
  r.deleted_at = OptText(st, 14);
  return r;
}

void BindEdge(store::Statement& st, const EdgeRow& r) {
  st.Bind(1, r.id).Bind(2, r.space_id).Bind(3, r.start_node_id).Bind(4, r.end_node_id).Bind(5, r.kind);
  BindOpt(st, 6, r.description);
  st.Bind(7, r.strength);
  BindOpt(st, 8, r.source_handle);
  BindOpt(st, 9, r.target_handle);
  st.Bind(10, r.style_metadata).Bind(11, r.created_by).Bind(12, r.updated_by).Bind(13, r.created_at);
  st.Bind(14, r.updated_at);
  BindOpt(st, 15, r.deleted_at);
}

}  // namespace

Status InsertEdge(store::Database& db, const EdgeRow& row) {
  if (!std::isfinite(row.strength) || row.strength < 0 || row.strength > 1) {
    return InvalidArgument("strength must be in [0, 1]", "strength");
  }
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      std::string("INSERT INTO edges(") + kEdgeColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  BindEdge(*st, row);
  return st->Run();
}

Status UpdateEdge(store::Database& db, const EdgeRow& row) {
  if (!std::isfinite(row.strength) || row.strength < 0 || row.strength > 1) {
    return InvalidArgument("strength must be in [0, 1]", "strength");
  }
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "UPDATE edges SET kind = ?5, description = ?6, strength = ?7, source_handle = ?8, target_handle = ?9, "
      "style_metadata = ?10, updated_by = ?12, updated_at = ?14, deleted_at = ?15 "
      "WHERE id = ?1 AND space_id = ?2 AND start_node_id = ?3 AND end_node_id = ?4 AND created_by = ?11 "
      "AND created_at = ?13"));
  BindEdge(*st, row);
  KS_RETURN_IF_ERROR(st->Run());
  if (db.changes() != 1) return Internal("edge " + row.id + " was not updated");
  return Status::Ok();
}

Result<std::optional<EdgeRow>> FindEdge(store::Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st,
                      db.Prepare(std::string("SELECT ") + kEdgeColumns + " FROM edges WHERE id = ?"));
  st->Bind(1, id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<EdgeRow>();
  return std::optional<EdgeRow>(ReadEdge(*st));
}

Result<std::vector<EdgeRow>> ListEdges(store::Database& db, const EdgeQuery& q) {
  std::string sql = std::string("SELECT ") + kEdgeColumns + " FROM edges e WHERE space_id = ?1";
  if (q.node_id) sql += " AND (start_node_id = ?2 OR end_node_id = ?2)";
  if (!q.include_deleted) {
    sql += " AND deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id IN (e.start_node_id, "
           "e.end_node_id) AND n.deleted_at IS NOT NULL)";
  }
  if (!q.kinds.empty()) {
    sql += " AND kind IN (";
    for (size_t i = 0; i < q.kinds.size(); ++i) sql += (i ? ",?" : "?") + std::to_string(10 + i);
    sql += ")";
  }
  sql += " ORDER BY rowid LIMIT ?3";
  KS_ASSIGN_OR_RETURN(store::Statement st, db.PrepareUncached(sql));
  st.Bind(1, q.space_id);
  if (q.node_id) st.Bind(2, *q.node_id);
  st.Bind(3, q.limit);
  for (size_t i = 0; i < q.kinds.size(); ++i) st.Bind(static_cast<int>(10 + i), q.kinds[i]);
  std::vector<EdgeRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadEdge(st));
  }
  return out;
}

Status SyncWikilinkEdges(store::Database& db, const std::string& space_id, const std::string& user_id,
                         const std::string& now, std::span<const std::string> source_ids) {
  // The sources whose links may resolve differently now: the new ones, and every source with a
  // link by one of the new ones' names (a link written before its target existed).
  std::set<std::string> todo(source_ids.begin(), source_ids.end());
  for (const std::string& id : source_ids) {
    KS_ASSIGN_OR_RETURN(std::vector<std::string> names, store::SourceNameKeys(db, id));
    for (const std::string& name : names) {
      KS_ASSIGN_OR_RETURN(std::vector<std::string> linking, store::SourcesLinkingBy(db, space_id, name));
      todo.insert(linking.begin(), linking.end());
    }
  }
  // name key -> the source node it resolves to ("" for none), memoised for this call.
  std::map<std::string, std::string> named;
  auto node_named = [&](const std::string& key) -> Result<std::string> {
    auto it = named.find(key);
    if (it != named.end()) return it->second;
    // A source node is deleted exactly when its source is (SetSourceNodesDeleted; the map API
    // refuses to delete one on its own), so the nodes alone say which named sources are live.
    // CROSS JOIN fixes the order: from the name's few rows outwards. Left to itself, the planner
    // walked the space's nodes in rowid order to satisfy ORDER BY ... LIMIT 1.
    KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
        "SELECT n.id FROM wikilink_keys k CROSS JOIN nodes n ON n.content_source_id = k.content_source_id "
        "WHERE k.space_id = ?1 AND k.key = ?2 AND k.kind = 0 "
        "AND n.space_id = ?1 AND n.kind = 'source' AND n.deleted_at IS NULL ORDER BY n.rowid LIMIT 1"));
    st->BindAll(space_id, key);
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    std::string node = row ? st->Text(0) : std::string();
    named.emplace(key, node);
    return node;
  };
  for (const std::string& source : todo) {
    KS_ASSIGN_OR_RETURN(std::optional<NodeRow> node, FindSourceNode(db, source));
    if (!node || node->deleted_at || node->space_id != space_id) continue;  // deleted, or not processed
    const std::string& from = node->id;
    KS_ASSIGN_OR_RETURN(std::vector<store::SourceLink> links, store::SourceLinks(db, source));
    for (const store::SourceLink& link : links) {
      if (link.kind != "wikilink") continue;
      KS_ASSIGN_OR_RETURN(std::string to, node_named(store::WikilinkKey(link.target)));
      if (to.empty()) {
        KS_ASSIGN_OR_RETURN(to, node_named(store::WikilinkPathStem(link.target)));
      }
      if (to.empty() || to == from) continue;
      {
        KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
            "SELECT 1 FROM edges WHERE start_node_id = ?1 AND end_node_id = ?2 AND kind = 'wikilink' LIMIT 1"));
        st->BindAll(from, to);
        KS_ASSIGN_OR_RETURN(bool exists, st->Step());
        if (exists) continue;
      }
      EdgeRow e;
      e.id = NewId();
      e.space_id = space_id;
      e.start_node_id = from;
      e.end_node_id = to;
      e.kind = "wikilink";
      e.description = link.target;
      e.created_by = e.updated_by = user_id;
      e.created_at = e.updated_at = now;
      KS_RETURN_IF_ERROR(InsertEdge(db, e));
    }
  }
  return Status::Ok();
}

Status InsertComment(store::Database& db, const CommentRow& r) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "INSERT INTO comments(id, node_id, content_comment, created_by, updated_by, created_at, updated_at, deleted_at) "
      "VALUES (?,?,?,?,?,?,?,?)"));
  st->BindAll(r.id, r.node_id, r.content_comment, r.created_by, r.updated_by, r.created_at, r.updated_at);
  BindOpt(*st, 8, r.deleted_at);
  return st->Run();
}

namespace {
CommentRow ReadComment(const store::Statement& st) {
  CommentRow r;
  r.id = st.Text(0);
  r.node_id = st.Text(1);
  r.content_comment = st.Text(2);
  r.created_by = st.Text(3);
  r.updated_by = st.Text(4);
  r.created_at = st.Text(5);
  r.updated_at = st.Text(6);
  r.deleted_at = OptText(st, 7);
  return r;
}
constexpr const char* kCommentSelect =
    "SELECT id, node_id, content_comment, created_by, updated_by, created_at, updated_at, deleted_at FROM comments ";
}  // namespace

Result<std::optional<CommentRow>> FindComment(store::Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(std::string(kCommentSelect) + "WHERE id = ?"));
  st->Bind(1, id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<CommentRow>();
  return std::optional<CommentRow>(ReadComment(*st));
}

Result<std::vector<CommentRow>> ListComments(store::Database& db, const std::string& node_id, bool include_deleted) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      std::string(kCommentSelect) + "WHERE node_id = ?1 AND (?2 OR deleted_at IS NULL) ORDER BY rowid"));
  st->Bind(1, node_id);
  st->Bind(2, include_deleted);
  std::vector<CommentRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadComment(*st));
  }
  return out;
}

Status SetCommentDeleted(store::Database& db, const std::string& id, const std::string& now) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "UPDATE comments SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1 AND deleted_at IS NULL"));
  st->BindAll(id, now);
  return st->Run();
}

}  // namespace kspace::graph
