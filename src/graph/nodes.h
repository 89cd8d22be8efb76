// Map nodes (seed 000 NODES): the rows of the `nodes` table and the hierarchy they form.
//
// A node is one thing on a space's canvas: a source, a chunk, a cluster (at any depth), a memory,
// a concept or a user's note. Nodes form a forest through parent_node_id; depth_level is 1 for a
// root and parent's depth + 1 below it. The functions here keep that invariant on every write:
// SetParent rejects cycles and re-derives the depth of the whole moved subtree, and removing a
// node first moves its children up to its parent.
//
// Positions are in display units (the layout scales projections to them); NaN/Inf never reach
// the table (callers validate, and the writers here check again).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/db.h"

namespace kspace::graph {

struct Vec2 {
  double x = 0, y = 0;
};
struct Vec3 {
  double x = 0, y = 0, z = 0;
};

struct NodeRow {
  std::string id;
  std::string space_id;
  std::string kind;  // source | chunk | cluster | memory | concept | note
  std::string origin = "user";  // user | system (system clusters are replaced by a refit)
  std::optional<std::string> content_source_id;
  std::optional<int64_t> chunk_label;
  std::optional<std::string> concept_id;
  std::optional<std::string> memory_id;
  std::optional<std::string> parent_node_id;
  std::optional<std::string> content_entity_type;
  std::optional<std::string> media_type;
  int64_t depth_level = 1;
  std::string title;
  std::optional<std::string> body;
  std::optional<Vec2> position_2d;
  std::optional<Vec3> position_3d;
  bool is_position_locked = false;
  bool visibility = true;
  std::string display_props = "{}";
  std::string action_data = "{}";
  std::string engagement_score = "{}";
  int64_t size = 0;
  std::optional<std::string> clustering_model_version_id;
  std::optional<std::string> dr_model_version_id;
  std::optional<std::string> dr3_model_version_id;
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> deleted_at;
};

// Kinds a node may be a parent of other nodes: containers. Chunks, concepts and memories are
// leaves, so removing them never orphans anything.
bool CanHaveChildren(const std::string& kind);

Status InsertNode(store::Database& db, const NodeRow& row);
// Writes every column of `row` except id, space_id, kind, created_at.
Status UpdateNode(store::Database& db, const NodeRow& row);
Result<std::optional<NodeRow>> FindNode(store::Database& db, const std::string& id);
Result<std::optional<NodeRow>> FindSourceNode(store::Database& db, const std::string& source_id);

struct NodeQuery {
  std::string space_id;
  std::optional<int64_t> depth;      // exactly this depth
  std::optional<int64_t> max_depth;  // at most this depth
  std::vector<std::string> kinds;    // any of these (empty: all)
  std::optional<std::string> parent_id;
  // Viewport: nodes whose 2D position lies in [min_x, max_x] x [min_y, max_y].
  std::optional<double> min_x, min_y, max_x, max_y;
  bool include_hidden = false;   // visibility = 0
  bool include_deleted = false;  // deleted_at set
  int64_t limit = 100000;
};
Result<std::vector<NodeRow>> ListNodes(store::Database& db, const NodeQuery& q);
Result<int64_t> CountNodes(store::Database& db, const std::string& space_id);

// Makes `parent_id` (or nothing) the parent of `node`, in memory and in the table, and updates
// the depth of every descendant. Errors: NOT_FOUND (field) for a missing parent, INVALID_ARGUMENT
// (field) when the parent is in another space, is deleted, cannot have children, or is the node
// itself or one of its descendants (a cycle). `field` names the argument for errors.
Status SetParent(store::Database& db, NodeRow& node, const std::optional<std::string>& parent_id,
                 const std::string& now, const char* field = "parentNodeId");

// Re-derives depth_level of `root_id`'s descendants from its own depth (breadth first).
Status RefreshSubtreeDepth(store::Database& db, const std::string& root_id, int64_t root_depth);

// Moves the children of `node_id` to its parent (depths adjusted), so it can be removed.
Status DetachChildren(store::Database& db, const std::string& node_id, const std::string& now);

// Soft-deletes `node_id` (after detaching its children); its edges are soft-deleted too.
Status SoftDeleteNode(store::Database& db, const std::string& node_id, const std::string& now);

// The source node of `source_id` (created if missing, title/media type refreshed) and one chunk
// node per chunk label without one (children of the source node, no position yet). Called by
// ingest inside its transaction.
struct ChunkRef {
  int64_t label = 0;
  std::string title;  // short excerpt
};
Status SyncSourceNodes(store::Database& db, const std::string& space_id, const std::string& source_id,
                       const std::string& title, const std::string& media_type,
                       const std::vector<ChunkRef>& chunks, bool deleted, const std::string& now);

// Soft-deletes (or restores) the nodes of a source and their edges, with the source.
Status SetSourceNodesDeleted(store::Database& db, const std::string& source_id,
                             const std::optional<std::string>& deleted_at);
// Before a source is purged: its nodes' children that will survive (notes parented to the source
// node, chunk nodes of other sources do not occur) move to the root.
Status DetachSourceNodes(store::Database& db, const std::string& source_id, const std::string& now);

}  // namespace kspace::graph
