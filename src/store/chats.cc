#include "store/chats.h"

#include <algorithm>

#include "store/blobs.h"
#include "util/sha256.h"

namespace kspace::store {
namespace {



// Stores `text` as a content-addressed blob and returns its hash.
Result<std::string> PutText(Database& db, const std::string& text, const std::string& now) {
  std::string hash = Sha256Hex(text);
  KS_RETURN_IF_ERROR(PutBlob(db, hash, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()), now).status());
  return hash;
}

constexpr const char* kSessionCols =
    "id, space_id, user_id, title, session_type, day, status, agent_id, keywords, content_summary, summarized_at, "
    "context_metadata, next_sequence, created_at, updated_at, ended_at, deleted_at";

SessionRow ReadSession(const Statement& st) {
  SessionRow s;
  s.id = st.Text(0);
  s.space_id = st.Text(1);
  s.user_id = st.Text(2);
  s.title = st.Text(3);
  s.session_type = st.Text(4);
  s.day = OptText(st, 5);
  s.status = st.Text(6);
  s.agent_id = OptText(st, 7);
  s.keywords = OptText(st, 8);
  s.content_summary = OptText(st, 9);
  s.summarized_at = OptText(st, 10);
  s.context_metadata = st.Text(11);
  s.next_sequence = st.Int(12);
  s.created_at = st.Text(13);
  s.updated_at = st.Text(14);
  s.ended_at = OptText(st, 15);
  s.deleted_at = OptText(st, 16);
  return s;
}

constexpr const char* kBranchCols =
    "id, session_id, tip_message_id, fork_message_id, parent_branch_id, title, status, created_by, created_at, "
    "updated_at, deleted_at";

BranchRow ReadBranch(const Statement& st) {
  BranchRow b;
  b.id = st.Text(0);
  b.session_id = st.Text(1);
  b.tip_message_id = OptText(st, 2);
  b.fork_message_id = OptText(st, 3);
  b.parent_branch_id = OptText(st, 4);
  b.title = st.Text(5);
  b.status = st.Text(6);
  b.created_by = st.Text(7);
  b.created_at = st.Text(8);
  b.updated_at = st.Text(9);
  b.deleted_at = OptText(st, 10);
  return b;
}

// Message columns (prefixed "m.") then the blob's data.
constexpr const char* kMessageCols =
    "m.id, m.session_id, m.parent_message_id, m.sequence_number, m.role, m.content_blob_hash, m.status, "
    "m.response_metadata, m.model_version, m.user_feedback, m.is_branch_root, m.agent_id, m.created_at, b.data";

MessageRow ReadMessage(const Statement& st) {
  MessageRow m;
  m.id = st.Text(0);
  m.session_id = st.Text(1);
  m.parent_message_id = OptText(st, 2);
  m.sequence_number = st.Int(3);
  m.role = st.Text(4);
  m.content_blob_hash = st.Text(5);
  m.status = st.Text(6);
  m.response_metadata = st.Text(7);
  m.model_version = OptText(st, 8);
  m.user_feedback = OptText(st, 9);
  m.is_branch_root = st.Int(10) != 0;
  m.agent_id = OptText(st, 11);
  m.created_at = st.Text(12);
  auto data = st.BlobSpan(13);
  m.text.assign(reinterpret_cast<const char*>(data.data()), data.size());
  return m;
}

template <typename Row, typename Reader>
Result<std::optional<Row>> One(CachedStatement& st, Reader read) {
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<Row>();
  return std::optional<Row>(read(*st));
}

template <typename Row, typename Reader>
Result<std::vector<Row>> All(Statement& st, Reader read) {
  std::vector<Row> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(read(st));
  }
  return out;
}

}  // namespace

// ---- sessions ------------------------------------------------------------------------------

Status InsertSession(Database& db, const SessionRow& s) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO chat_sessions(id, space_id, user_id, title, session_type, day, status, agent_id, keywords, "
      "content_summary, summarized_at, context_metadata, next_sequence, created_at, updated_at, ended_at, deleted_at) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  st->BindAll(s.id, s.space_id, s.user_id, s.title, s.session_type);
  BindOpt(*st, 6, s.day);
  st->Bind(7, s.status);
  BindOpt(*st, 8, s.agent_id);
  BindOpt(*st, 9, s.keywords);
  BindOpt(*st, 10, s.content_summary);
  BindOpt(*st, 11, s.summarized_at);
  st->Bind(12, s.context_metadata);
  st->Bind(13, s.next_sequence);
  st->Bind(14, s.created_at);
  st->Bind(15, s.updated_at);
  BindOpt(*st, 16, s.ended_at);
  BindOpt(*st, 17, s.deleted_at);
  return st->Run();
}

Status UpdateSession(Database& db, const SessionRow& s) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "UPDATE chat_sessions SET title = ?, status = ?, agent_id = ?, keywords = ?, content_summary = ?, "
      "summarized_at = ?, context_metadata = ?, updated_at = ?, ended_at = ?, deleted_at = ? WHERE id = ?"));
  st->BindAll(s.title, s.status);
  BindOpt(*st, 3, s.agent_id);
  BindOpt(*st, 4, s.keywords);
  BindOpt(*st, 5, s.content_summary);
  BindOpt(*st, 6, s.summarized_at);
  st->Bind(7, s.context_metadata);
  st->Bind(8, s.updated_at);
  BindOpt(*st, 9, s.ended_at);
  BindOpt(*st, 10, s.deleted_at);
  st->Bind(11, s.id);
  return st->Run();
}

Result<std::optional<SessionRow>> FindSession(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kSessionCols +
                                                     " FROM chat_sessions WHERE id = ?"));
  st->Bind(1, id);
  return One<SessionRow>(st, ReadSession);
}

Result<std::optional<SessionRow>> FindDailySession(Database& db, const std::string& space_id, const std::string& user_id,
                                                   const std::string& type, const std::string& day) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kSessionCols +
                                                     " FROM chat_sessions WHERE space_id = ? AND user_id = ? AND "
                                                     "session_type = ? AND day = ? AND deleted_at IS NULL"));
  st->BindAll(space_id, user_id, type, day);
  return One<SessionRow>(st, ReadSession);
}

Result<std::vector<SessionRow>> ListSessions(Database& db, const std::string& space_id, int64_t limit) {
  std::string sql = std::string("SELECT ") + kSessionCols + " FROM chat_sessions WHERE deleted_at IS NULL" +
                    (space_id.empty() ? "" : " AND space_id = ?1") + " ORDER BY updated_at DESC, id DESC LIMIT ?2";
  KS_ASSIGN_OR_RETURN(Statement st, db.PrepareUncached(sql));
  if (!space_id.empty()) st.Bind(1, space_id);
  st.Bind(2, limit);
  return All<SessionRow>(st, ReadSession);
}

Result<int64_t> TakeSequence(Database& db, const std::string& session_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "UPDATE chat_sessions SET next_sequence = next_sequence + 1 WHERE id = ? RETURNING next_sequence - 1"));
  st->Bind(1, session_id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return NotFound("no session with id " + session_id, "sessionId");
  int64_t seq = st->Int(0);
  KS_RETURN_IF_ERROR(st->Run());
  return seq;
}

Status DeleteSession(Database& db, const std::string& id, const std::string& now) {
  KS_ASSIGN_OR_RETURN(CachedStatement s, db.Prepare(
      "UPDATE chat_sessions SET deleted_at = ?1, updated_at = ?1 WHERE id = ?2"));
  s->BindAll(now, id);
  KS_RETURN_IF_ERROR(s->Run());
  KS_ASSIGN_OR_RETURN(CachedStatement b, db.Prepare(
      "UPDATE chat_branches SET deleted_at = ?1, updated_at = ?1 WHERE session_id = ?2 AND deleted_at IS NULL"));
  b->BindAll(now, id);
  return b->Run();
}

// ---- branches ------------------------------------------------------------------------------

Status InsertBranch(Database& db, const BranchRow& b) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO chat_branches(id, session_id, tip_message_id, fork_message_id, parent_branch_id, title, status, "
      "created_by, created_at, updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
  st->BindAll(b.id, b.session_id);
  BindOpt(*st, 3, b.tip_message_id);
  BindOpt(*st, 4, b.fork_message_id);
  BindOpt(*st, 5, b.parent_branch_id);
  st->Bind(6, b.title);
  st->Bind(7, b.status);
  st->Bind(8, b.created_by);
  st->Bind(9, b.created_at);
  st->Bind(10, b.updated_at);
  BindOpt(*st, 11, b.deleted_at);
  return st->Run();
}

Status UpdateBranch(Database& db, const BranchRow& b) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "UPDATE chat_branches SET tip_message_id = ?, title = ?, status = ?, updated_at = ?, deleted_at = ? WHERE id = ?"));
  BindOpt(*st, 1, b.tip_message_id);
  st->Bind(2, b.title);
  st->Bind(3, b.status);
  st->Bind(4, b.updated_at);
  BindOpt(*st, 5, b.deleted_at);
  st->Bind(6, b.id);
  return st->Run();
}

Result<std::optional<BranchRow>> FindBranch(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kBranchCols +
                                                     " FROM chat_branches WHERE id = ?"));
  st->Bind(1, id);
  return One<BranchRow>(st, ReadBranch);
}

Result<std::vector<BranchRow>> BranchesOfSession(Database& db, const std::string& session_id) {
  KS_ASSIGN_OR_RETURN(Statement st, db.PrepareUncached(std::string("SELECT ") + kBranchCols +
                                                        " FROM chat_branches WHERE session_id = ? AND deleted_at IS NULL "
                                                        "ORDER BY rowid"));
  st.Bind(1, session_id);
  return All<BranchRow>(st, ReadBranch);
}

// ---- messages ------------------------------------------------------------------------------

Status InsertMessage(Database& db, MessageRow& m) {
  KS_ASSIGN_OR_RETURN(m.content_blob_hash, PutText(db, m.text, m.created_at));
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO chat_messages(id, session_id, parent_message_id, sequence_number, role, content_blob_hash, status, "
      "response_metadata, model_version, user_feedback, is_branch_root, agent_id, created_at, parent_label) "
      "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13, (SELECT label FROM chat_messages WHERE id = ?3))"));
  st->BindAll(m.id, m.session_id);
  BindOpt(*st, 3, m.parent_message_id);
  st->Bind(4, m.sequence_number);
  st->Bind(5, m.role);
  st->Bind(6, m.content_blob_hash);
  st->Bind(7, m.status);
  st->Bind(8, m.response_metadata);
  BindOpt(*st, 9, m.model_version);
  BindOpt(*st, 10, m.user_feedback);
  st->Bind(11, m.is_branch_root);
  BindOpt(*st, 12, m.agent_id);
  st->Bind(13, m.created_at);
  return st->Run();
}

Result<std::optional<MessageRow>> FindMessage(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kMessageCols +
                                                     " FROM chat_messages m JOIN blobs b ON b.hash = m.content_blob_hash "
                                                     "WHERE m.id = ?"));
  st->Bind(1, id);
  return One<MessageRow>(st, ReadMessage);
}

Status SetFeedback(Database& db, const std::string& id, const std::optional<std::string>& feedback) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("UPDATE chat_messages SET user_feedback = ? WHERE id = ?"));
  BindOpt(*st, 1, feedback);
  st->Bind(2, id);
  return st->Run();
}

Status MarkBranchRoot(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "UPDATE chat_messages SET is_branch_root = 1 WHERE id = ? AND is_branch_root = 0"));
  st->Bind(1, id);
  return st->Run();
}

Status VisitHistory(Database& db, const std::string& tip_id, int64_t limit,
                    const std::function<Status(int64_t depth, const MessageView& m)>& fn) {
  if (limit <= 0) return Status::Ok();
  // Two steps in one statement: the recursion walks integer labels only (a rowid seek per
  // ancestor, nothing copied but two integers), then each path message is read once with its blob.
  // CROSS JOIN keeps the path as the outer loop, so rows come back tip first in depth order with no
  // SQL sort. The walk is bounded by `limit` and cannot cycle (a parent precedes its children).
  // The bound is a depth test, not `LIMIT ?2`: SQLite plans with the value of a bound LIMIT, so
  // binding it expires the cached statement and every call paid for a fresh prepare.
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "WITH RECURSIVE p(label, depth) AS ("
      "  SELECT label, 0 FROM chat_messages WHERE id = ?1"
      "  UNION ALL SELECT m.parent_label, p.depth + 1 FROM p CROSS JOIN chat_messages m ON m.label = p.label "
      "    WHERE m.parent_label IS NOT NULL AND p.depth + 1 < ?2) "
      "SELECT m.id, m.session_id, m.parent_message_id, m.sequence_number, m.role, m.content_blob_hash, m.status, "
      "m.response_metadata, m.model_version, m.user_feedback, m.is_branch_root, m.agent_id, m.created_at, b.data, "
      "p.depth FROM p CROSS JOIN chat_messages m ON m.label = p.label "
      "LEFT JOIN blobs b ON b.hash = m.content_blob_hash"));
  st->BindAll(tip_id, limit);
  auto opt = [&](int col) {
    return st->IsNull(col) ? std::optional<std::string_view>() : std::optional<std::string_view>(st->TextView(col));
  };
  for (int64_t expect = 0;; ++expect) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    if (st->Int(14) != expect) {
      return Internal("chat history of " + tip_id + " is not a path (depth " + std::to_string(st->Int(14)) + ")");
    }
    if (st->IsNull(13)) return Internal("chat message " + st->Text(0) + " has lost its content blob");
    MessageView m;
    m.id = st->TextView(0);
    m.session_id = st->TextView(1);
    m.parent_message_id = opt(2);
    m.sequence_number = st->Int(3);
    m.role = st->TextView(4);
    m.content_blob_hash = st->TextView(5);
    m.status = st->TextView(6);
    m.response_metadata = st->TextView(7);
    m.model_version = opt(8);
    m.user_feedback = opt(9);
    m.is_branch_root = st->Int(10) != 0;
    m.agent_id = opt(11);
    m.created_at = st->TextView(12);
    auto data = st->BlobSpan(13);
    m.text = std::string_view(reinterpret_cast<const char*>(data.data()), data.size());
    KS_RETURN_IF_ERROR(fn(expect, m));
  }
  return Status::Ok();
}

Result<std::vector<MessageRow>> History(Database& db, const std::string& tip_id, int64_t limit) {
  std::vector<MessageRow> out;
  auto opt = [](const std::optional<std::string_view>& v) {
    return v ? std::optional<std::string>(std::string(*v)) : std::optional<std::string>();
  };
  KS_RETURN_IF_ERROR(VisitHistory(db, tip_id, limit, [&](int64_t, const MessageView& v) {
    MessageRow& m = out.emplace_back();
    m.id = v.id;
    m.session_id = v.session_id;
    m.parent_message_id = opt(v.parent_message_id);
    m.sequence_number = v.sequence_number;
    m.role = v.role;
    m.content_blob_hash = v.content_blob_hash;
    m.status = v.status;
    m.response_metadata = v.response_metadata;
    m.model_version = opt(v.model_version);
    m.user_feedback = opt(v.user_feedback);
    m.is_branch_root = v.is_branch_root;
    m.agent_id = opt(v.agent_id);
    m.created_at = v.created_at;
    m.text = v.text;
    return Status::Ok();
  }));
  std::reverse(out.begin(), out.end());  // root first
  return out;
}

Result<std::vector<std::pair<std::string, std::optional<std::string>>>> SessionGraph(Database& db,
                                                                                   const std::string& session_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT id, parent_message_id FROM chat_messages WHERE session_id = ? ORDER BY sequence_number"));
  st->Bind(1, session_id);
  std::vector<std::pair<std::string, std::optional<std::string>>> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.emplace_back(st->Text(0), OptText(*st, 1));
  }
  return out;
}

Result<std::vector<std::string>> SessionTexts(Database& db, const std::string& session_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT b.data FROM chat_messages m JOIN blobs b ON b.hash = m.content_blob_hash "
      "WHERE m.session_id = ? AND m.status = 'complete' ORDER BY m.sequence_number"));
  st->Bind(1, session_id);
  std::vector<std::string> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    auto d = st->BlobSpan(0);
    out.emplace_back(reinterpret_cast<const char*>(d.data()), d.size());
  }
  return out;
}

// ---- steps and links -----------------------------------------------------------------------

Status InsertStep(Database& db, StepRow& s) {
  KS_ASSIGN_OR_RETURN(s.content_blob_hash, PutText(db, s.text, s.created_at));
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO agent_generations(id, final_message_id, agent_id, step_index, generation_type, content_blob_hash, "
      "generation_metadata, created_at) VALUES (?,?,?,?,?,?,?,?)"));
  st->BindAll(s.id, s.final_message_id);
  BindOpt(*st, 3, s.agent_id);
  st->Bind(4, s.step_index);
  st->Bind(5, s.generation_type);
  st->Bind(6, s.content_blob_hash);
  st->Bind(7, s.generation_metadata);
  st->Bind(8, s.created_at);
  return st->Run();
}

Result<std::vector<StepRow>> StepsOfMessage(Database& db, const std::string& message_id) {
  KS_ASSIGN_OR_RETURN(Statement st, db.PrepareUncached(
      "SELECT g.id, g.final_message_id, g.agent_id, g.step_index, g.generation_type, g.content_blob_hash, "
      "g.generation_metadata, g.created_at, b.data FROM agent_generations g JOIN blobs b ON b.hash = g.content_blob_hash "
      "WHERE g.final_message_id = ? ORDER BY g.step_index"));
  st.Bind(1, message_id);
  return All<StepRow>(st, [](const Statement& s) {
    StepRow r;
    r.id = s.Text(0);
    r.final_message_id = s.Text(1);
    r.agent_id = OptText(s, 2);
    r.step_index = s.Int(3);
    r.generation_type = s.Text(4);
    r.content_blob_hash = s.Text(5);
    r.generation_metadata = s.Text(6);
    r.created_at = s.Text(7);
    auto d = s.BlobSpan(8);
    r.text.assign(reinterpret_cast<const char*>(d.data()), d.size());
    return r;
  });
}

Status InsertLink(Database& db, const LinkRow& l) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO message_context_links(id, query_message_id, response_message_id, chunk_id, source_id, "
      "citation_number, relevance_score, link_metadata, created_at) VALUES (?,?,?,?,?,?,?,?,?)"));
  st->BindAll(l.id, l.query_message_id, l.response_message_id, l.chunk_id, l.source_id, l.citation_number,
              l.relevance_score, l.link_metadata, l.created_at);
  return st->Run();
}

Status VisitCitations(Database& db, const std::string& response_id,
                      const std::function<Status(const CitationView& c)>& fn) {
  // The snapshot's title and excerpt are read by SQLite's JSON functions, and the chunk and source
  // checks are index probes in the same statement: per citation, parsing the metadata with
  // nlohmann (at -Oz in wasm) and loading the whole chunk row cost far more than the history
  // around it (~0.5 ms a citation).
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT l.citation_number, l.chunk_id, l.source_id, IFNULL(l.link_metadata ->> '$.source_title', ''), "
      "IFNULL(l.link_metadata ->> '$.excerpt', ''), l.relevance_score, "
      "EXISTS (SELECT 1 FROM chunks c WHERE c.id = l.chunk_id), "
      "EXISTS (SELECT 1 FROM content_sources s WHERE s.id = l.source_id AND s.deleted_at IS NULL) "
      "FROM message_context_links l WHERE l.response_message_id = ?1 ORDER BY l.citation_number"));
  st->Bind(1, response_id);
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    CitationView c;
    c.n = st->Int(0);
    c.chunk_id = st->TextView(1);
    c.source_id = st->TextView(2);
    c.source_title = st->TextView(3);
    c.excerpt = st->TextView(4);
    c.score = st->Double(5);
    c.chunk_exists = st->Int(6) != 0;
    c.source_live = st->Int(7) != 0;
    KS_RETURN_IF_ERROR(fn(c));
  }
  return Status::Ok();
}

// ---- agents --------------------------------------------------------------------------------

namespace {
constexpr const char* kAgentCols =
    "id, name, agent_type, role_description, system_prompt, model_config, capabilities, is_active, created_by, "
    "created_at, updated_at, deleted_at";
AgentRow ReadAgent(const Statement& st) {
  AgentRow a;
  a.id = st.Text(0);
  a.name = st.Text(1);
  a.agent_type = st.Text(2);
  a.role_description = st.Text(3);
  a.system_prompt = st.Text(4);
  a.model_config = st.Text(5);
  a.capabilities = st.Text(6);
  a.is_active = st.Int(7) != 0;
  a.created_by = st.Text(8);
  a.created_at = st.Text(9);
  a.updated_at = st.Text(10);
  a.deleted_at = OptText(st, 11);
  return a;
}
}  // namespace

Status InsertAgent(Database& db, const AgentRow& a) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO ai_agents(id, name, agent_type, role_description, system_prompt, model_config, capabilities, "
      "is_active, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
  st->BindAll(a.id, a.name, a.agent_type, a.role_description, a.system_prompt, a.model_config, a.capabilities,
              a.is_active, a.created_by, a.created_at, a.updated_at);
  return st->Run();
}

Status UpdateAgent(Database& db, const AgentRow& a) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "UPDATE ai_agents SET name = ?, agent_type = ?, role_description = ?, system_prompt = ?, model_config = ?, "
      "capabilities = ?, is_active = ?, updated_at = ?, deleted_at = ? WHERE id = ?"));
  st->BindAll(a.name, a.agent_type, a.role_description, a.system_prompt, a.model_config, a.capabilities, a.is_active,
              a.updated_at);
  BindOpt(*st, 9, a.deleted_at);
  st->Bind(10, a.id);
  return st->Run();
}

Result<std::optional<AgentRow>> FindAgent(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kAgentCols + " FROM ai_agents WHERE id = ?"));
  st->Bind(1, id);
  return One<AgentRow>(st, ReadAgent);
}

Result<std::optional<AgentRow>> FindAgentByName(Database& db, const std::string& name) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kAgentCols +
                                                     " FROM ai_agents WHERE name = ? AND deleted_at IS NULL"));
  st->Bind(1, name);
  return One<AgentRow>(st, ReadAgent);
}

Result<std::vector<AgentRow>> ListAgents(Database& db) {
  KS_ASSIGN_OR_RETURN(Statement st, db.PrepareUncached(std::string("SELECT ") + kAgentCols +
                                                        " FROM ai_agents WHERE deleted_at IS NULL ORDER BY name"));
  return All<AgentRow>(st, ReadAgent);
}

// ---- providers -----------------------------------------------------------------------------

namespace {
constexpr const char* kProviderCols =
    "id, name, kind, base_url, model, options, api_key_encrypted, is_default, created_at, updated_at";
ProviderRow ReadProvider(const Statement& st) {
  ProviderRow p;
  p.id = st.Text(0);
  p.name = st.Text(1);
  p.kind = st.Text(2);
  p.base_url = OptText(st, 3);
  p.model = OptText(st, 4);
  p.options = st.Text(5);
  p.api_key_encrypted = OptText(st, 6);
  p.is_default = st.Int(7) != 0;
  p.created_at = st.Text(8);
  p.updated_at = st.Text(9);
  return p;
}
}  // namespace

Status UpsertProvider(Database& db, const ProviderRow& p) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO chat_providers(id, name, kind, base_url, model, options, api_key_encrypted, is_default, created_at, "
      "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, "
      "base_url = excluded.base_url, model = excluded.model, options = excluded.options, "
      "api_key_encrypted = excluded.api_key_encrypted, is_default = excluded.is_default, updated_at = excluded.updated_at"));
  st->BindAll(p.id, p.name, p.kind);
  BindOpt(*st, 4, p.base_url);
  BindOpt(*st, 5, p.model);
  st->Bind(6, p.options);
  BindOpt(*st, 7, p.api_key_encrypted);
  st->Bind(8, p.is_default);
  st->Bind(9, p.created_at);
  st->Bind(10, p.updated_at);
  return st->Run();
}

Result<std::optional<ProviderRow>> FindProvider(Database& db, const std::string& name) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kProviderCols +
                                                     " FROM chat_providers WHERE name = ?"));
  st->Bind(1, name);
  return One<ProviderRow>(st, ReadProvider);
}

Result<std::optional<ProviderRow>> DefaultProvider(Database& db) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kProviderCols +
                                                     " FROM chat_providers WHERE is_default = 1 LIMIT 1"));
  return One<ProviderRow>(st, ReadProvider);
}

Result<std::vector<ProviderRow>> ListProviders(Database& db) {
  KS_ASSIGN_OR_RETURN(Statement st, db.PrepareUncached(std::string("SELECT ") + kProviderCols +
                                                        " FROM chat_providers ORDER BY name"));
  return All<ProviderRow>(st, ReadProvider);
}

Status DeleteProvider(Database& db, const std::string& name) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("DELETE FROM chat_providers WHERE name = ?"));
  st->Bind(1, name);
  return st->Run();
}

Status ClearDefaultProvider(Database& db) { return db.Exec("UPDATE chat_providers SET is_default = 0 WHERE is_default = 1"); }

Result<std::optional<Keyring>> GetKeyring(Database& db) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT kdf, params, verifier, created_at FROM chat_keyring WHERE id = 1"));
  return One<Keyring>(st, [](const Statement& s) { return Keyring{s.Text(0), s.Text(1), s.Text(2), s.Text(3)}; });
}

Status PutKeyring(Database& db, const Keyring& k) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO chat_keyring(id, kdf, params, verifier, created_at) VALUES (1, ?, ?, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET kdf = excluded.kdf, params = excluded.params, verifier = excluded.verifier"));
  st->BindAll(k.kdf, k.params, k.verifier, k.created_at);
  return st->Run();
}

Status PurgeSpaceChats(Database& db, const std::string& space_id, std::vector<std::string>& blob_hashes,
                       std::vector<int64_t>& memory_labels) {
  // Children before parents; each DELETE is one statement, so references among the rows it
  // removes (message parents, branch parents) are checked only once they are all gone.
  static const char* const kCollect[] = {
      "SELECT DISTINCT g.content_blob_hash FROM agent_generations g JOIN chat_messages m ON m.id = g.final_message_id "
      "JOIN chat_sessions s ON s.id = m.session_id WHERE s.space_id = ?1",
      "SELECT DISTINCT m.content_blob_hash FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id WHERE s.space_id = ?1",
  };
  for (const char* sql : kCollect) {
    KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(sql));
    st->Bind(1, space_id);
    KS_ASSIGN_OR_RETURN(std::vector<std::string> hashes, st->ReadTexts());
    blob_hashes.insert(blob_hashes.end(), hashes.begin(), hashes.end());
  }
  {
    KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT label FROM memories WHERE space_id = ?1"));
    st->Bind(1, space_id);
    KS_ASSIGN_OR_RETURN(std::vector<int64_t> labels, st->ReadInts());
    memory_labels.insert(memory_labels.end(), labels.begin(), labels.end());
  }
  static const char* const kDelete[] = {
      "DELETE FROM message_context_links WHERE response_message_id IN (SELECT m.id FROM chat_messages m JOIN chat_sessions s "
      "ON s.id = m.session_id WHERE s.space_id = ?1) OR query_message_id IN (SELECT m.id FROM chat_messages m JOIN "
      "chat_sessions s ON s.id = m.session_id WHERE s.space_id = ?1)",
      "DELETE FROM agent_generations WHERE final_message_id IN (SELECT m.id FROM chat_messages m JOIN chat_sessions s "
      "ON s.id = m.session_id WHERE s.space_id = ?1)",
      "DELETE FROM chat_branches WHERE session_id IN (SELECT id FROM chat_sessions WHERE space_id = ?1)",
      "DELETE FROM chat_messages WHERE session_id IN (SELECT id FROM chat_sessions WHERE space_id = ?1)",
      "DELETE FROM chat_sessions WHERE space_id = ?1",
      "DELETE FROM memory_fts WHERE rowid IN (SELECT label FROM memories WHERE space_id = ?1)",
      "DELETE FROM memory_vectors WHERE label IN (SELECT label FROM memories WHERE space_id = ?1)",
      "DELETE FROM memories WHERE space_id = ?1",
  };
  for (const char* sql : kDelete) {
    KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(sql));
    st->Bind(1, space_id);
    KS_RETURN_IF_ERROR(st->Run());
  }
  return Status::Ok();
}

}  // namespace kspace::store
