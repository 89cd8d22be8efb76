// Conversations in SQLite: sessions, branches, messages (a parent-linked DAG), generation steps,
// context links, agents and providers (schema v4, store/schema_chat.cc). The chat subsystem's
// repository: every chat SQL statement lives here; the API (api/chat*.cc) adds validation and
// transactions. Semantics (seed 000): a message is immutable and knows only its parent; a branch
// is a named tip pointer; a branch's history is its tip and the tip's ancestors.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/db.h"

namespace kspace::store {

struct SessionRow {
  std::string id, space_id, user_id, title, session_type;
  std::optional<std::string> day;
  std::string status = "active";
  std::optional<std::string> agent_id;
  std::optional<std::string> keywords;  // JSON array text
  std::optional<std::string> content_summary, summarized_at;
  std::string context_metadata = "{}";
  int64_t next_sequence = 1;
  std::string created_at, updated_at;
  std::optional<std::string> ended_at, deleted_at;
};

struct BranchRow {
  std::string id, session_id;
  std::optional<std::string> tip_message_id, fork_message_id, parent_branch_id;
  std::string title, status = "active", created_by, created_at, updated_at;
  std::optional<std::string> deleted_at;
};

struct MessageRow {
  std::string id, session_id;
  std::optional<std::string> parent_message_id;
  int64_t sequence_number = 0;
  std::string role, content_blob_hash, status = "complete", response_metadata = "{}";
  std::optional<std::string> model_version, user_feedback, agent_id;
  bool is_branch_root = false;
  std::string created_at;
  std::string text;  // the content blob, filled by reads
};

struct LinkRow {
  std::string id, query_message_id, response_message_id, chunk_id, source_id;
  int64_t citation_number = 0;
  double relevance_score = 0;
  std::string link_metadata = "{}", created_at;
};

struct StepRow {
  std::string id, final_message_id;
  std::optional<std::string> agent_id;
  int64_t step_index = 0;
  std::string generation_type, content_blob_hash, generation_metadata = "{}", created_at;
  std::string text;
};

struct AgentRow {
  std::string id, name, agent_type = "assistant", role_description, system_prompt;
  std::string model_config = "{}", capabilities = "[]";
  bool is_active = true;
  std::string created_by, created_at, updated_at;
  std::optional<std::string> deleted_at;
};

struct ProviderRow {
  std::string id, name, kind;
  std::optional<std::string> base_url, model;
  std::string options = "{}";
  std::optional<std::string> api_key_encrypted;
  bool is_default = false;
  std::string created_at, updated_at;
};


// Sessions.
Status InsertSession(Database& db, const SessionRow& s);
Status UpdateSession(Database& db, const SessionRow& s);  // every mutable column, by id
Result<std::optional<SessionRow>> FindSession(Database& db, const std::string& id);
// The live daily session of (space, user, type, day), if any.
Result<std::optional<SessionRow>> FindDailySession(Database& db, const std::string& space_id, const std::string& user_id,
                                                   const std::string& type, const std::string& day);
// Live sessions of a space (all spaces when empty), newest first.
Result<std::vector<SessionRow>> ListSessions(Database& db, const std::string& space_id, int64_t limit);
// Takes the session's next sequence number (the caller is in a transaction).
Result<int64_t> TakeSequence(Database& db, const std::string& session_id);

// Branches.
Status InsertBranch(Database& db, const BranchRow& b);
Status UpdateBranch(Database& db, const BranchRow& b);
Result<std::optional<BranchRow>> FindBranch(Database& db, const std::string& id);
// A session's branches (deleted ones excluded) in creation order; the first is main.
Result<std::vector<BranchRow>> BranchesOfSession(Database& db, const std::string& session_id);

// Messages. InsertMessage stores the text as a blob (content addressed) and sets content_blob_hash.
Status InsertMessage(Database& db, MessageRow& m);
Result<std::optional<MessageRow>> FindMessage(Database& db, const std::string& id);
Status SetFeedback(Database& db, const std::string& id, const std::optional<std::string>& feedback);
Status MarkBranchRoot(Database& db, const std::string& id);
// The tip and its ancestors, root first; at most `limit` messages (the newest ones).
Result<std::vector<MessageRow>> History(Database& db, const std::string& tip_id, int64_t limit);
// A message as read by VisitHistory: views into the current row, valid only during the callback.
struct MessageView {
  std::string_view id, session_id;
  std::optional<std::string_view> parent_message_id;
  int64_t sequence_number = 0;
  std::string_view role, content_blob_hash, status, response_metadata;
  std::optional<std::string_view> model_version, user_feedback, agent_id;
  bool is_branch_root = false;
  std::string_view created_at;
  std::string_view text;  // the content blob's bytes
};
// Calls `fn(depth, message)` for the tip (depth 0) and each ancestor up to `limit` messages, tip
// first, without copying rows (the fast path of chatHistory). Stops at the first error `fn`
// returns. INTERNAL if the path is broken (a missing message or blob).
Status VisitHistory(Database& db, const std::string& tip_id, int64_t limit,
                    const std::function<Status(int64_t depth, const MessageView& m)>& fn);
// Every message of a session as (id, parent id), in sequence order.
Result<std::vector<std::pair<std::string, std::optional<std::string>>>> SessionGraph(Database& db,
                                                                                   const std::string& session_id);
// Texts of a session's complete messages, in sequence order (for summaries).
Result<std::vector<std::string>> SessionTexts(Database& db, const std::string& session_id);

// Generation steps and context links.
Status InsertStep(Database& db, StepRow& s);
Result<std::vector<StepRow>> StepsOfMessage(Database& db, const std::string& message_id);
Status InsertLink(Database& db, const LinkRow& l);
// A citation of an answer as the API shows it: the link, what its metadata snapshot says, and
// whether the chunk and its source still exist (a chunk gone is "purged", a source deleted or
// gone makes the citation "deleted").
struct CitationView {
  int64_t n = 0;
  std::string_view chunk_id, source_id, source_title, excerpt;
  double score = 0;
  bool chunk_exists = false, source_live = false;
};
// Calls `fn` for each citation of answer `response_id`, by citation number, in one statement
// (the views live until `fn` returns).
Status VisitCitations(Database& db, const std::string& response_id,
                      const std::function<Status(const CitationView& c)>& fn);

// Soft-deletes a session and its branches.
Status DeleteSession(Database& db, const std::string& id, const std::string& now);

// Removes every chat row of a space for good (purgeSpace): sessions, branches, messages, steps,
// context links, and the space's memories with their vectors and full-text rows. Appends the
// content blob hashes the removed rows referenced to `blob_hashes` (for DeleteBlobsIfUnreferenced)
// and the removed memory labels to `memory_labels` (for the in-memory index).
Status PurgeSpaceChats(Database& db, const std::string& space_id, std::vector<std::string>& blob_hashes,
                       std::vector<int64_t>& memory_labels);

// Agents.
Status InsertAgent(Database& db, const AgentRow& a);
Status UpdateAgent(Database& db, const AgentRow& a);
Result<std::optional<AgentRow>> FindAgent(Database& db, const std::string& id);
Result<std::optional<AgentRow>> FindAgentByName(Database& db, const std::string& name);
Result<std::vector<AgentRow>> ListAgents(Database& db);

// Providers and the keyring.
Status UpsertProvider(Database& db, const ProviderRow& p);  // by name
Result<std::optional<ProviderRow>> FindProvider(Database& db, const std::string& name);
Result<std::optional<ProviderRow>> DefaultProvider(Database& db);
Result<std::vector<ProviderRow>> ListProviders(Database& db);
Status DeleteProvider(Database& db, const std::string& name);
Status ClearDefaultProvider(Database& db);
struct Keyring {
  std::string kdf, params, verifier, created_at;
};
Result<std::optional<Keyring>> GetKeyring(Database& db);
Status PutKeyring(Database& db, const Keyring& k);

}  // namespace kspace::store
