#include "store/schema.h"

#include <optional>
#include <string>

#include "store/schema_migrations.h"
#include "store/terms.h"

#include "util/clock.h"
#include "util/uuid.h"

namespace kspace::store {
namespace {

// Version 1: the store's identity, the local profile, spaces, content sources and blobs
// (seed 000: SPACES, CONTENT_SOURCES, KNOWLEDGE_CONTENT_BLOBS, USERS).
//
// Conventions: STRICT tables; ids are UUID text; times are ISO 8601 UTC text; JSON columns are
// text checked with json_valid; soft delete through `deleted_at`.
const char kSchemaV1[] = R"sql(
CREATE TABLE store_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
  id                  TEXT PRIMARY KEY,
  full_name           TEXT NOT NULL DEFAULT '',
  email               TEXT,
  username            TEXT,
  profile_picture_url TEXT,
  preferences         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(preferences)),
  status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deleted')),
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  deleted_at          TEXT
) STRICT;

CREATE TABLE spaces (
  id                   TEXT PRIMARY KEY,
  title                TEXT NOT NULL CHECK (length(title) > 0),
  description          TEXT NOT NULL DEFAULT '',
  icon                 TEXT,
  cover_image          TEXT,
  keywords             TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)),
  owner_id             TEXT NOT NULL REFERENCES users(id),
  created_at           TEXT NOT NULL,
  created_by           TEXT NOT NULL REFERENCES users(id),
  last_updated_at      TEXT NOT NULL,
  last_updated_by      TEXT NOT NULL REFERENCES users(id),
  document_count       INTEGER NOT NULL DEFAULT 0 CHECK (document_count >= 0),
  total_size_bytes     INTEGER NOT NULL DEFAULT 0 CHECK (total_size_bytes >= 0),
  storage_quota_bytes  INTEGER NOT NULL DEFAULT 1073741824 CHECK (storage_quota_bytes >= 0),
  access_level         TEXT NOT NULL DEFAULT 'private' CHECK (access_level IN ('private', 'shared', 'public')),
  guest_access_enabled INTEGER NOT NULL DEFAULT 0 CHECK (guest_access_enabled IN (0, 1)),
  guest_access_expiry  TEXT,
  status               TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  processing_status    TEXT NOT NULL DEFAULT 'idle' CHECK (processing_status IN ('idle', 'processing', 'failed')),
  deleted_at           TEXT
) STRICT;

CREATE TABLE blobs (
  hash       TEXT PRIMARY KEY CHECK (length(hash) = 64),
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  data       BLOB NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE content_sources (
  id                  TEXT PRIMARY KEY,
  space_id            TEXT NOT NULL REFERENCES spaces(id),
  owner_id            TEXT NOT NULL REFERENCES users(id),
  title               TEXT NOT NULL CHECK (length(title) > 0),
  media_type          TEXT NOT NULL CHECK (media_type IN ('document', 'text', 'web', 'image', 'audio', 'video')),
  origin              TEXT NOT NULL CHECK (origin IN ('upload', 'paste', 'web', 'vault', 'import', 'gdrive', 'onedrive', 'notion')),
  mime_type           TEXT,
  path                TEXT,
  original_blob_hash  TEXT NOT NULL REFERENCES blobs(hash),
  processed_blob_hash TEXT REFERENCES blobs(hash),
  content_summary     TEXT,
  keywords            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)),
  metadata            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  status              TEXT NOT NULL CHECK (status IN ('processing', 'processed', 'failed')),
  error_message       TEXT,
  num_chunks          INTEGER NOT NULL DEFAULT 0 CHECK (num_chunks >= 0),
  total_size_bytes    INTEGER NOT NULL CHECK (total_size_bytes >= 0),
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  deleted_at          TEXT
) STRICT;

-- Within one space the index is ordered by rowid, so listing in insertion order needs no sort.
CREATE INDEX content_sources_by_space ON content_sources(space_id);
CREATE INDEX content_sources_by_original ON content_sources(original_blob_hash);
CREATE INDEX content_sources_by_processed ON content_sources(processed_blob_hash);
)sql";

Status ApplyV1(Database& db) {
  KS_RETURN_IF_ERROR(db.Exec(kSchemaV1));
  const std::string now = NowTimestamp();
  const std::string store_id = NewUuid();
  const std::string profile_id = NewUuid();
  {
    KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("INSERT INTO store_meta(key, value) VALUES (?, ?)"));
    for (const auto& [k, v] : {std::pair<const char*, std::string>{"store_id", store_id},
                               {"created_at", now},
                               {"profile_id", profile_id}}) {
      st->BindAll(k, v);
      KS_RETURN_IF_ERROR(st->Run());
      st->Reset();
    }
  }
  KS_ASSIGN_OR_RETURN(CachedStatement user, db.Prepare(
      "INSERT INTO users(id, full_name, created_at, updated_at) VALUES (?, 'Local user', ?, ?)"));
  user->BindAll(profile_id, now, now);
  return user->Run();
}

// Version 2: what ingest produces and search reads (seed 000 content_chunk and vector payloads,
// seed 001 chunks): chunks with their type, heading path and offsets; embeddings per (chunk,
// model); the FTS5 index over chunks; persisted vector-index graphs; per-space term document
// frequencies (keywords by TF-IDF against the space); and the links and tags a source mentions.
const char kSchemaV2[] = R"sql(
ALTER TABLE spaces ADD COLUMN embedding_model TEXT NOT NULL DEFAULT 'kspace-builtin-v1';
-- The sequence number of the space's last vector-index change (see vector_index_log).
ALTER TABLE spaces ADD COLUMN index_generation INTEGER NOT NULL DEFAULT 0;

CREATE TABLE chunks (
  label             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: FTS rowid and vector-index label
  id                TEXT NOT NULL UNIQUE,
  space_id          TEXT NOT NULL REFERENCES spaces(id),
  content_source_id TEXT NOT NULL REFERENCES content_sources(id),
  chunk_index       INTEGER NOT NULL CHECK (chunk_index >= 0),
  chunk_type        TEXT NOT NULL CHECK (chunk_type IN ('paragraph', 'section', 'table', 'code_block', 'list')),
  text              TEXT NOT NULL,         -- context line ("Title > Heading") + body, as embedded
  context_bytes     INTEGER NOT NULL DEFAULT 0 CHECK (context_bytes >= 0),
  heading_path      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(heading_path)),
  token_count       INTEGER NOT NULL CHECK (token_count >= 0),
  char_start        INTEGER NOT NULL,      -- UTF-16 offsets of the body in the processed text
  char_end          INTEGER NOT NULL,
  created_at        TEXT NOT NULL,
  UNIQUE (content_source_id, chunk_index)
) STRICT;
CREATE INDEX chunks_by_space ON chunks(space_id);

CREATE TABLE embedding_models (
  id         TEXT PRIMARY KEY,
  dimensions INTEGER NOT NULL CHECK (dimensions BETWEEN 1 AND 16384),
  kind       TEXT NOT NULL CHECK (kind IN ('builtin', 'js')),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE embeddings (
  chunk_label INTEGER NOT NULL REFERENCES chunks(label) ON DELETE CASCADE,
  model_id    TEXT NOT NULL REFERENCES embedding_models(id),
  vector      BLOB NOT NULL,  -- float32, little-endian
  PRIMARY KEY (chunk_label, model_id)
) STRICT;

-- Full text over live chunks (rows of deleted sources are removed, and put back on restore).
-- title and heading_path are repeated per chunk so BM25F can weight them; text is the body.
CREATE VIRTUAL TABLE chunk_fts USING fts5(
  title, heading_path, text, space_id UNINDEXED,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TABLE vector_index_snapshots (
  space_id     TEXT NOT NULL REFERENCES spaces(id),
  model_id     TEXT NOT NULL,
  generation   INTEGER NOT NULL,
  vector_count INTEGER NOT NULL,
  data         BLOB NOT NULL,
  saved_at     TEXT NOT NULL,
  PRIMARY KEY (space_id, model_id)
) STRICT;

-- Every change to a space's vector index since its last snapshot, in order: replayed on load, so
-- a crash between a commit and the next snapshot costs a replay, not a rebuild. seq comes from
-- spaces.index_generation; a snapshot records the seq it includes and truncates the log.
CREATE TABLE vector_index_log (
  space_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  label    INTEGER NOT NULL,
  op       INTEGER NOT NULL CHECK (op IN (1, 2, 3)),  -- 1 add, 2 remove, 3 restore
  PRIMARY KEY (space_id, model_id, seq)
) STRICT, WITHOUT ROWID;

-- Document frequencies of (stemmed) terms over a space's processed, live sources: the statistics
-- keyword extraction weighs a new source against. Kept in memory while the store is open and
-- written here as one blob (see store/terms.h) when a job ends and when the store closes; a
-- crash can lose the latest updates, which only makes later keywords slightly less tuned.
CREATE TABLE term_stats (
  space_id TEXT PRIMARY KEY REFERENCES spaces(id),
  docs     INTEGER NOT NULL CHECK (docs >= 0),
  data     BLOB NOT NULL
) STRICT;

-- What a source's text points at: [[wikilinks]], #tags and URLs (edges and filters later).
CREATE TABLE source_links (
  content_source_id TEXT NOT NULL REFERENCES content_sources(id),
  kind              TEXT NOT NULL CHECK (kind IN ('wikilink', 'tag', 'url')),
  target            TEXT NOT NULL,
  heading           TEXT NOT NULL DEFAULT '',
  alias             TEXT NOT NULL DEFAULT '',
  is_embed          INTEGER NOT NULL DEFAULT 0 CHECK (is_embed IN (0, 1))
) STRICT;
CREATE INDEX source_links_by_source ON source_links(content_source_id);
CREATE INDEX source_links_by_target ON source_links(kind, target);
)sql";

Status ApplyV2(Database& db) {
  KS_RETURN_IF_ERROR(db.Exec(kSchemaV2));
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO embedding_models(id, dimensions, kind, created_at) VALUES ('kspace-builtin-v1', 512, 'builtin', ?)"));
  st->Bind(1, NowTimestamp());
  KS_RETURN_IF_ERROR(st->Run());
  // Sources added before v2 have no chunks yet: queue them for processing.
  return db.Exec("UPDATE content_sources SET status = 'processing' WHERE processed_blob_hash IS NOT NULL AND num_chunks = 0");
}

// v5: the sources an open must look at (staged or failed, never 'processed') in an index of their
// own. Every open asks for the unfinished sources of the store to resume them; without this index
// that was a scan of every source row (37 ms of a cold reopen at 20k sources).
const char kSchemaV5[] = R"sql(
CREATE INDEX content_sources_unfinished ON content_sources(status, space_id) WHERE status <> 'processed';
)sql";

Status ApplyV5(Database& db) { return db.Exec(kSchemaV5); }

// v6: the names [[wikilinks]] resolve by, so that an ingest links its sources to the space (and
// the space's dangling links to them) with index lookups instead of reading every source, node
// and link of the space (180 ms of adding one note to a 20k-source space). See store/terms.h.
const char kSchemaV6[] = R"sql(
CREATE TABLE wikilink_keys (
  space_id          TEXT NOT NULL,
  key               TEXT NOT NULL,  -- WikilinkKey / WikilinkPathStem of a name or a link target
  kind              INTEGER NOT NULL CHECK (kind IN (0, 1)),  -- 0 a name of the source, 1 a key of one of its links
  content_source_id TEXT NOT NULL,
  PRIMARY KEY (space_id, key, kind, content_source_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX wikilink_keys_by_source ON wikilink_keys(content_source_id);
)sql";

Status ApplyV6(Database& db) {
  KS_RETURN_IF_ERROR(db.Exec(kSchemaV6));
  // Every existing source's names and link keys, as ingest would have written them.
  KS_ASSIGN_OR_RETURN(Statement src, db.PrepareUncached("SELECT space_id, id, title, path FROM content_sources"));
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, src.Step());
    if (!row) break;
    std::optional<std::string> path;
    if (!src.IsNull(3)) path = src.Text(3);
    KS_RETURN_IF_ERROR(IndexSourceNames(db, src.Text(0), src.Text(1), src.Text(2), path));
  }
  KS_ASSIGN_OR_RETURN(Statement links, db.PrepareUncached(
      "SELECT s.space_id, l.content_source_id, l.target FROM source_links l JOIN content_sources s "
      "ON s.id = l.content_source_id WHERE l.kind = 'wikilink'"));
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, links.Step());
    if (!row) break;
    KS_RETURN_IF_ERROR(IndexLinkTarget(db, links.Text(0), links.Text(1), links.Text(2)));
  }
  // Sources processed before v3 (a store that came from v2) have no map nodes; making them needs
  // the graph layer, so the engine does it on its next open (graph::OnStoreOpened).
  return SetMarker(db, kSourceNodesPending);
}

struct Migration {
  int version;
  Status (*apply)(Database&);
};

const Migration kMigrations[] = {
    {1, ApplyV1},
    {2, ApplyV2},
    {3, ApplyV3},
    {4, ApplyV4},
    {5, ApplyV5},
    {6, ApplyV6},
};

}  // namespace

Status SetMarker(Database& db, std::string_view key) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("INSERT OR REPLACE INTO store_meta(key, value) VALUES (?, '1')"));
  st->Bind(1, std::string(key));
  return st->Run();
}

Result<bool> HasMarker(Database& db, std::string_view key) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT 1 FROM store_meta WHERE key = ?"));
  st->Bind(1, std::string(key));
  return st->Step();
}

Status ClearMarker(Database& db, std::string_view key) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("DELETE FROM store_meta WHERE key = ?"));
  st->Bind(1, std::string(key));
  return st->Run();
}

Result<int> SchemaVersion(Database& db) {
  KS_ASSIGN_OR_RETURN(int64_t v, db.QueryInt("PRAGMA user_version"));
  return static_cast<int>(v);
}

Status Migrate(Database& db, int target) {
  if (target < 1 || target > kSchemaVersion) return InvalidArgument("no such schema version", "target");
  KS_ASSIGN_OR_RETURN(int64_t app_id, db.QueryInt("PRAGMA application_id"));
  KS_ASSIGN_OR_RETURN(int version, SchemaVersion(db));
  if (version == 0) {
    // A database with tables but no version is not ours; do not write into it.
    KS_ASSIGN_OR_RETURN(int64_t tables, db.QueryInt("SELECT count(*) FROM sqlite_schema"));
    if (tables > 0 || (app_id != 0 && app_id != kApplicationId)) {
      return Status(Code::kCorrupt, "not a kspace store (an unrelated SQLite database)");
    }
  } else if (app_id != kApplicationId) {
    return Status(Code::kCorrupt, "not a kspace store (wrong application id)");
  }
  if (version > kSchemaVersion) {
    return Status(Code::kUnsupported, "this store was written by a newer kspace (schema " +
                                          std::to_string(version) + ", this build reads up to " +
                                          std::to_string(kSchemaVersion) + ")");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= version || m.version > target) continue;
    KS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    KS_RETURN_IF_ERROR(m.apply(db));
    KS_RETURN_IF_ERROR(db.Exec("PRAGMA application_id = " + std::to_string(kApplicationId) +
                               "; PRAGMA user_version = " + std::to_string(m.version)));
    KS_RETURN_IF_ERROR(tx.Commit());
  }
  return Status::Ok();
}

}  // namespace kspace::store
