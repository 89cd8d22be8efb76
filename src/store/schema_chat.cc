// Version 4: chats and memories (seed 000 Chat service, seed 001 memories and sessions, seed 003
// encrypted API keys, seed 004 conversations and memory units). See src/chat/README.md.
#include "store/schema_migrations.h"

namespace kspace::store {

namespace {
const char kSchemaV4[] = R"sql(
-- seed 000 AI_AGENTS.
CREATE TABLE ai_agents (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL CHECK (length(name) > 0),
  agent_type       TEXT NOT NULL DEFAULT 'assistant',
  role_description TEXT NOT NULL DEFAULT '',
  system_prompt    TEXT NOT NULL DEFAULT '',
  model_config     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(model_config)),
  capabilities     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(capabilities)),
  is_active        INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_by       TEXT NOT NULL REFERENCES users(id),
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  deleted_at       TEXT
) STRICT;
CREATE UNIQUE INDEX ai_agents_by_name ON ai_agents(name) WHERE deleted_at IS NULL;

-- seed 000 CHAT_SESSIONS + seed 001 chat_sessions (daily reuse: `day`, status, ended_at).
CREATE TABLE chat_sessions (
  id               TEXT PRIMARY KEY,
  space_id         TEXT NOT NULL REFERENCES spaces(id),
  user_id          TEXT NOT NULL REFERENCES users(id),
  title            TEXT NOT NULL,
  session_type     TEXT NOT NULL DEFAULT 'chat',
  day              TEXT,                      -- YYYY-MM-DD (UTC) of a daily session, else NULL
  status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
  agent_id         TEXT REFERENCES ai_agents(id),
  keywords         TEXT CHECK (keywords IS NULL OR json_valid(keywords)),
  content_summary  TEXT,
  summarized_at    TEXT,
  context_metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(context_metadata)),
  next_sequence    INTEGER NOT NULL DEFAULT 1 CHECK (next_sequence >= 1),
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  ended_at         TEXT,
  deleted_at       TEXT
) STRICT;
CREATE INDEX chat_sessions_by_space ON chat_sessions(space_id);
CREATE UNIQUE INDEX chat_sessions_daily ON chat_sessions(space_id, user_id, session_type, day)
  WHERE day IS NOT NULL AND deleted_at IS NULL;

-- seed 000 CHAT_MESSAGES: immutable DAG nodes that know only their parent. Content is a blob.
-- status 'failed' is a generation that did not complete (content: what the error said).
-- `label` (the rowid) and `parent_label` mirror id / parent_message_id as integers so a branch's
-- history walks its ancestors by rowid (one integer B-tree seek per message) instead of through
-- the text index on id; parent_message_id is kept because the API and foreign keys speak ids.
CREATE TABLE chat_messages (
  label             INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  session_id        TEXT NOT NULL REFERENCES chat_sessions(id),
  parent_label      INTEGER REFERENCES chat_messages(label),
  parent_message_id TEXT REFERENCES chat_messages(id),
  sequence_number   INTEGER NOT NULL CHECK (sequence_number >= 1),
  role              TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
  content_blob_hash TEXT NOT NULL REFERENCES blobs(hash),
  status            TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'failed')),
  response_metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(response_metadata)),
  model_version     TEXT,
  user_feedback     TEXT CHECK (user_feedback IS NULL OR user_feedback IN ('good', 'bad')),
  is_branch_root    INTEGER NOT NULL DEFAULT 0 CHECK (is_branch_root IN (0, 1)),
  agent_id          TEXT REFERENCES ai_agents(id),
  created_at        TEXT NOT NULL,
  UNIQUE (session_id, sequence_number),
  CHECK ((parent_label IS NULL) = (parent_message_id IS NULL))
) STRICT;
CREATE INDEX chat_messages_by_parent ON chat_messages(parent_message_id);
CREATE INDEX chat_messages_by_blob ON chat_messages(content_blob_hash);

-- seed 000 CHAT_BRANCHES: named tip pointers.
CREATE TABLE chat_branches (
  id               TEXT PRIMARY KEY,
  session_id       TEXT NOT NULL REFERENCES chat_sessions(id),
  tip_message_id   TEXT REFERENCES chat_messages(id),    -- NULL: an empty main branch
  fork_message_id  TEXT REFERENCES chat_messages(id),    -- NULL for main
  parent_branch_id TEXT REFERENCES chat_branches(id),    -- NULL for main
  title            TEXT NOT NULL CHECK (length(title) > 0),
  status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged', 'archived')),
  created_by       TEXT NOT NULL REFERENCES users(id),
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  deleted_at       TEXT
) STRICT;
CREATE INDEX chat_branches_by_session ON chat_branches(session_id);

-- seed 000 AGENT_GENERATIONS.
CREATE TABLE agent_generations (
  id                  TEXT PRIMARY KEY,
  final_message_id    TEXT NOT NULL REFERENCES chat_messages(id),
  agent_id            TEXT REFERENCES ai_agents(id),
  step_index          INTEGER NOT NULL CHECK (step_index >= 0),
  generation_type     TEXT NOT NULL CHECK (generation_type IN ('retrieval', 'thinking', 'tool_call', 'final_contribution')),
  content_blob_hash   TEXT NOT NULL REFERENCES blobs(hash),
  generation_metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(generation_metadata)),
  created_at          TEXT NOT NULL
) STRICT;
CREATE INDEX agent_generations_by_message ON agent_generations(final_message_id);
CREATE INDEX agent_generations_by_blob ON agent_generations(content_blob_hash);

-- seed 000 MESSAGE_CONTEXT_LINKS. The cited chunk is kept by id without a foreign key: purging
-- its source must degrade the citation, not break the history (link_metadata keeps a snapshot).
CREATE TABLE message_context_links (
  id                  TEXT PRIMARY KEY,
  query_message_id    TEXT NOT NULL REFERENCES chat_messages(id),
  response_message_id TEXT NOT NULL REFERENCES chat_messages(id),
  chunk_id            TEXT NOT NULL,
  source_id           TEXT NOT NULL,
  citation_number     INTEGER NOT NULL CHECK (citation_number >= 1),
  relevance_score     REAL NOT NULL,
  link_metadata       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(link_metadata)),
  created_at          TEXT NOT NULL
) STRICT;
CREATE INDEX message_context_links_by_response ON message_context_links(response_message_id);
CREATE INDEX message_context_links_by_chunk ON message_context_links(chunk_id);

-- seed 001 memories + seed 004 memory units. space_id NULL = user scope.
CREATE TABLE memories (
  label       INTEGER PRIMARY KEY AUTOINCREMENT,  -- memory_fts rowid and vector label
  id          TEXT NOT NULL UNIQUE,
  user_id     TEXT NOT NULL REFERENCES users(id),
  scope       TEXT NOT NULL CHECK (scope IN ('user', 'space')),
  space_id    TEXT REFERENCES spaces(id),
  content     TEXT NOT NULL CHECK (length(content) > 0),
  importance  REAL NOT NULL CHECK (importance >= 0 AND importance <= 1),
  tags        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  entities    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(entities)),
  source_type TEXT NOT NULL DEFAULT 'manual' CHECK (source_type IN ('chat', 'document', 'manual', 'import')),
  source_ref  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(source_ref)),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  deleted_at  TEXT,
  CHECK ((scope = 'user') = (space_id IS NULL))
) STRICT;
CREATE INDEX memories_by_space ON memories(space_id);

-- A memory's vector (built-in model), int8-quantised unit vector + float32 scale (see
-- chat/memory_index.h).
CREATE TABLE memory_vectors (
  label    INTEGER PRIMARY KEY REFERENCES memories(label),
  model_id TEXT NOT NULL,
  vector   BLOB NOT NULL
) STRICT;

CREATE VIRTUAL TABLE memory_fts USING fts5(
  content, tags,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

-- seed 003 api_keys_encrypted: chat providers; keys only ever sealed (AES-GCM, see
-- workers/providers-crypto.ts), never in plain text.
CREATE TABLE chat_providers (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
  kind              TEXT NOT NULL CHECK (kind IN ('openai', 'extractive')),
  base_url          TEXT,
  model             TEXT,
  options           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
  api_key_encrypted TEXT CHECK (api_key_encrypted IS NULL OR json_valid(api_key_encrypted)),
  is_default        INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
) STRICT;

-- How provider keys are sealed: the passphrase KDF's salt and a verifier (a sealed constant), so a
-- wrong passphrase is reported instead of producing garbage.
CREATE TABLE chat_keyring (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  kdf        TEXT NOT NULL,
  params     TEXT NOT NULL CHECK (json_valid(params)),
  verifier   TEXT NOT NULL CHECK (json_valid(verifier)),
  created_at TEXT NOT NULL
) STRICT;
)sql";
}  // namespace

Status ApplyV4(Database& db) { return db.Exec(kSchemaV4); }

}  // namespace kspace::store
