// Map edges (seed 000 EDGES plus kind, strength and handles) and node comments (seed 000
// COMMENTS). Both soft-delete through deleted_at.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/db.h"

namespace kspace::graph {

struct EdgeRow {
  std::string id;
  std::string space_id;
  std::string start_node_id;
  std::string end_node_id;
  std::string kind = "user";  // user | wikilink | similarity | concept
  std::optional<std::string> description;  // the label
  double strength = 1.0;                   // [0, 1]
  std::optional<std::string> source_handle;
  std::optional<std::string> target_handle;
  std::string style_metadata = "{}";
  std::string created_by;
  std::string updated_by;
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> deleted_at;
};

Status InsertEdge(store::Database& db, const EdgeRow& row);
Status UpdateEdge(store::Database& db, const EdgeRow& row);
Result<std::optional<EdgeRow>> FindEdge(store::Database& db, const std::string& id);

struct EdgeQuery {
  std::string space_id;
  std::optional<std::string> node_id;  // edges touching this node
  std::vector<std::string> kinds;
  bool include_deleted = false;
  int64_t limit = 100000;
};
// Edges of live nodes only (unless include_deleted).
Result<std::vector<EdgeRow>> ListEdges(store::Database& db, const EdgeQuery& q);

// Creates the wikilink edges that `source_ids` (sources an ingest just processed) make possible:
// for every [[target]] a live source writes, an edge from its source node to the earliest live
// source node named like the target (store/terms.h: title or path stem, ASCII case-insensitive),
// where the writer is one of source_ids or its link is by one of their names. Cost: index probes
// per new source, name and link, not a read of the space. Idempotent; called at the end of an
// ingest commit, after the sources' nodes and wikilink keys were written.
Status SyncWikilinkEdges(store::Database& db, const std::string& space_id, const std::string& user_id,
                         const std::string& now, std::span<const std::string> source_ids);

struct CommentRow {
  std::string id;
  std::string node_id;
  std::string content_comment;
  std::string created_by;
  std::string updated_by;
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> deleted_at;
};

Status InsertComment(store::Database& db, const CommentRow& row);
Result<std::optional<CommentRow>> FindComment(store::Database& db, const std::string& id);
Result<std::vector<CommentRow>> ListComments(store::Database& db, const std::string& node_id, bool include_deleted);
Status SetCommentDeleted(store::Database& db, const std::string& id, const std::string& now);

}  // namespace kspace::graph
