// Migration 3: the knowledge map (src/graph owns the SQL that reads and writes these tables).
//
// Tables (seed field names kept): ml_models / ml_model_versions (seed 000 ML service), nodes
// (seed 000 NODES plus kind, title/body and the concept/chunk a node stands for), edges (seed 000
// EDGES plus kind, strength and handles from seeds 002/003), comments (seed 000 COMMENTS),
// communities and concepts (seed 004, unique per (space, name, type), merged_into) and
// concept_mentions (which chunks mention a concept).
//
// Deletion: everything hangs off its space with ON DELETE CASCADE, so purging a space needs no
// code here. Source and chunk nodes cascade from their source/chunk rows (a source purged, a
// source re-processed); edges and comments cascade from their nodes. parent_node_id is SET NULL
// as a last resort only: the graph code re-parents children itself so that depth_level stays
// consistent (src/graph/nodes.h).
#include "store/schema_migrations.h"

namespace kspace::store {

namespace {
const char kSchemaV3[] = R"sql(
CREATE TABLE ml_models (
  id                TEXT PRIMARY KEY,
  model_name        TEXT NOT NULL,
  model_scope       TEXT NOT NULL DEFAULT 'SPACE' CHECK (model_scope IN ('GLOBAL', 'USER', 'SPACE')),
  owner_id          TEXT REFERENCES users(id),
  space_id          TEXT REFERENCES spaces(id) ON DELETE CASCADE,
  model_type        TEXT NOT NULL CHECK (model_type IN ('clustering', 'dimensionality_reduction', 'community_detection')),
  algorithm         TEXT NOT NULL,
  active_version_id TEXT,
  creation_params   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(creation_params)),
  is_active         INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
) STRICT;
CREATE INDEX ml_models_by_space ON ml_models(space_id, model_type);

CREATE TABLE ml_model_versions (
  id                  TEXT PRIMARY KEY,
  model_id            TEXT NOT NULL REFERENCES ml_models(id) ON DELETE CASCADE,
  space_id            TEXT REFERENCES spaces(id) ON DELETE CASCADE,
  version_number      INTEGER NOT NULL CHECK (version_number >= 1),
  status              TEXT NOT NULL CHECK (status IN ('training', 'available', 'archived', 'failed')),
  model_storage_path  TEXT,
  artifact            BLOB,            -- the serialised model (e.g. KSUMAP bytes), if any
  artifact_hash       TEXT,            -- SHA-256 of artifact
  training_metadata   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(training_metadata)),
  performance_metrics TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(performance_metrics)),
  created_at          TEXT NOT NULL,
  UNIQUE (model_id, version_number)
) STRICT;

CREATE TABLE communities (
  id               TEXT PRIMARY KEY,
  space_id         TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  description      TEXT,
  size             INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
  model_version_id TEXT REFERENCES ml_model_versions(id) ON DELETE SET NULL,
  created_at       TEXT NOT NULL,
  last_analyzed_ts TEXT,
  deleted_at       TEXT
) STRICT;
CREATE INDEX communities_by_space ON communities(space_id);

CREATE TABLE concepts (
  id                     TEXT PRIMARY KEY,
  space_id               TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
  name                   TEXT NOT NULL CHECK (length(name) > 0),
  type                   TEXT NOT NULL CHECK (length(type) > 0),
  description            TEXT,
  status                 TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged', 'archived')),
  salience               REAL,
  mention_count          INTEGER NOT NULL DEFAULT 0 CHECK (mention_count >= 0),
  community_id           TEXT REFERENCES communities(id) ON DELETE SET NULL,
  merged_into_concept_id TEXT REFERENCES concepts(id) ON DELETE SET NULL,
  created_at             TEXT NOT NULL,
  last_updated_ts        TEXT NOT NULL,
  UNIQUE (space_id, name, type)
) STRICT;

CREATE TABLE concept_mentions (
  concept_id  TEXT NOT NULL REFERENCES concepts(id) ON DELETE CASCADE,
  chunk_label INTEGER NOT NULL REFERENCES chunks(label) ON DELETE CASCADE,
  count       INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
  PRIMARY KEY (concept_id, chunk_label)
) STRICT, WITHOUT ROWID;
CREATE INDEX concept_mentions_by_chunk ON concept_mentions(chunk_label);

CREATE TABLE nodes (
  id                          TEXT PRIMARY KEY,
  space_id                    TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
  kind                        TEXT NOT NULL CHECK (kind IN ('source', 'chunk', 'cluster', 'memory', 'concept', 'note')),
  origin                      TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('user', 'system')),
  content_source_id           TEXT REFERENCES content_sources(id) ON DELETE CASCADE,
  chunk_label                 INTEGER REFERENCES chunks(label) ON DELETE CASCADE,
  concept_id                  TEXT REFERENCES concepts(id) ON DELETE CASCADE,
  memory_id                   TEXT,
  parent_node_id              TEXT REFERENCES nodes(id) ON DELETE SET NULL,
  content_entity_type         TEXT,
  media_type                  TEXT,
  depth_level                 INTEGER NOT NULL DEFAULT 1 CHECK (depth_level >= 1),
  title                       TEXT NOT NULL DEFAULT '',
  body                        TEXT,
  pos2_x                      REAL,
  pos2_y                      REAL,
  pos3_x                      REAL,
  pos3_y                      REAL,
  pos3_z                      REAL,
  is_position_locked          INTEGER NOT NULL DEFAULT 0 CHECK (is_position_locked IN (0, 1)),
  visibility                  INTEGER NOT NULL DEFAULT 1 CHECK (visibility IN (0, 1)),
  display_props               TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(display_props)),
  action_data                 TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(action_data)),
  engagement_score            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(engagement_score)),
  size                        INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
  clustering_model_version_id TEXT REFERENCES ml_model_versions(id) ON DELETE SET NULL,
  dr_model_version_id         TEXT REFERENCES ml_model_versions(id) ON DELETE SET NULL,
  dr3_model_version_id        TEXT REFERENCES ml_model_versions(id) ON DELETE SET NULL,
  created_at                  TEXT NOT NULL,
  updated_at                  TEXT NOT NULL,
  deleted_at                  TEXT,
  CHECK ((pos2_x IS NULL) = (pos2_y IS NULL)),
  CHECK ((pos3_x IS NULL) = (pos3_y IS NULL) AND (pos3_y IS NULL) = (pos3_z IS NULL)),
  CHECK (parent_node_id IS NULL OR parent_node_id <> id)
) STRICT;
CREATE INDEX nodes_by_space ON nodes(space_id, depth_level);
CREATE INDEX nodes_by_parent ON nodes(parent_node_id);
CREATE INDEX nodes_by_source ON nodes(content_source_id);
CREATE UNIQUE INDEX nodes_by_chunk ON nodes(chunk_label) WHERE chunk_label IS NOT NULL;
CREATE INDEX nodes_by_concept ON nodes(concept_id);
-- map.place: the placed chunks around new ones (covering: no table reads), and the chunks still to
-- place in 2D (pos2_x IS NULL sorts first) or 3D, without a scan of the space.
CREATE INDEX nodes_chunk_pos2 ON nodes(space_id, pos2_x, pos2_y, kind, deleted_at) WHERE kind = 'chunk' AND deleted_at IS NULL;
CREATE INDEX nodes_chunk_unplaced3 ON nodes(space_id) WHERE kind = 'chunk' AND deleted_at IS NULL AND pos3_x IS NULL;

CREATE TABLE edges (
  id             TEXT PRIMARY KEY,
  space_id       TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
  start_node_id  TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  end_node_id    TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  kind           TEXT NOT NULL CHECK (kind IN ('user', 'wikilink', 'similarity', 'concept')),
  description    TEXT,
  strength       REAL NOT NULL DEFAULT 1 CHECK (strength >= 0 AND strength <= 1),
  source_handle  TEXT,
  target_handle  TEXT,
  style_metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(style_metadata)),
  created_by     TEXT NOT NULL,
  updated_by     TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  deleted_at     TEXT
) STRICT;
CREATE INDEX edges_by_space ON edges(space_id, kind);
CREATE INDEX edges_by_start ON edges(start_node_id);
CREATE INDEX edges_by_end ON edges(end_node_id);

CREATE TABLE comments (
  id              TEXT PRIMARY KEY,
  node_id         TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  content_comment TEXT NOT NULL CHECK (length(content_comment) > 0),
  created_by      TEXT NOT NULL,
  updated_by      TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  deleted_at      TEXT
) STRICT;
CREATE INDEX comments_by_node ON comments(node_id);
)sql";
}  // namespace

Status ApplyV3(Database& db) { return db.Exec(kSchemaV3); }

}  // namespace kspace::store
