#include "store/memories.h"

#include <nlohmann/json.hpp>

namespace kspace::store {
namespace {


constexpr const char* kCols =
    "label, id, user_id, scope, space_id, content, importance, tags, entities, source_type, source_ref, created_at, "
    "updated_at, deleted_at";

MemoryRow Read(const Statement& st) {
  MemoryRow m;
  m.label = st.Int(0);
  m.id = st.Text(1);
  m.user_id = st.Text(2);
  m.scope = st.Text(3);
  if (!st.IsNull(4)) m.space_id = st.Text(4);
  m.content = st.Text(5);
  m.importance = st.Double(6);
  m.tags = st.Text(7);
  m.entities = st.Text(8);
  m.source_type = st.Text(9);
  m.source_ref = st.Text(10);
  m.created_at = st.Text(11);
  m.updated_at = st.Text(12);
  if (!st.IsNull(13)) m.deleted_at = st.Text(13);
  return m;
}

// The tags as one space-separated string for the full-text index.
std::string TagText(const std::string& tags_json) {
  nlohmann::json j = nlohmann::json::parse(tags_json, nullptr, false);
  std::string out;
  if (j.is_array()) {
    for (const auto& t : j) {
      if (t.is_string()) out += t.get<std::string>() + " ";
    }
  }
  return out;
}

Status FtsPut(Database& db, const MemoryRow& m) {
  // Bound without copying: the tag text must outlive the statement's run.
  const std::string tags = TagText(m.tags);
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("INSERT INTO memory_fts(rowid, content, tags) VALUES (?, ?, ?)"));
  st->BindAll(m.label, m.content, tags);
  return st->Run();
}

Status FtsDelete(Database& db, int64_t label) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("DELETE FROM memory_fts WHERE rowid = ?"));
  st->Bind(1, label);
  return st->Run();
}

}  // namespace

Status InsertMemory(Database& db, MemoryRow& m, std::span<const uint8_t> vector, const std::string& model_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO memories(id, user_id, scope, space_id, content, importance, tags, entities, source_type, source_ref, "
      "created_at, updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULL) RETURNING label"));
  st->BindAll(m.id, m.user_id, m.scope);
  BindOpt(*st, 4, m.space_id);
  st->Bind(5, m.content);
  st->Bind(6, m.importance);
  st->Bind(7, m.tags);
  st->Bind(8, m.entities);
  st->Bind(9, m.source_type);
  st->Bind(10, m.source_ref);
  st->Bind(11, m.created_at);
  st->Bind(12, m.updated_at);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return Internal("memory insert returned no label");
  m.label = st->Int(0);
  KS_RETURN_IF_ERROR(st->Run());
  KS_ASSIGN_OR_RETURN(CachedStatement v, db.Prepare("INSERT INTO memory_vectors(label, model_id, vector) VALUES (?, ?, ?)"));
  v->BindAll(m.label, model_id, Blob{vector.data(), vector.size()});
  KS_RETURN_IF_ERROR(v->Run());
  return FtsPut(db, m);
}

Status UpdateMemory(Database& db, const MemoryRow& m, std::span<const uint8_t> vector, bool was_live) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "UPDATE memories SET content = ?, importance = ?, tags = ?, entities = ?, source_ref = ?, updated_at = ?, "
      "deleted_at = ? WHERE label = ?"));
  st->BindAll(m.content, m.importance, m.tags, m.entities, m.source_ref, m.updated_at);
  BindOpt(*st, 7, m.deleted_at);
  st->Bind(8, m.label);
  KS_RETURN_IF_ERROR(st->Run());
  if (!vector.empty()) {
    KS_ASSIGN_OR_RETURN(CachedStatement v, db.Prepare("UPDATE memory_vectors SET vector = ? WHERE label = ?"));
    v->BindAll(Blob{vector.data(), vector.size()}, m.label);
    KS_RETURN_IF_ERROR(v->Run());
  }
  if (was_live) KS_RETURN_IF_ERROR(FtsDelete(db, m.label));
  if (!m.deleted_at) KS_RETURN_IF_ERROR(FtsPut(db, m));
  return Status::Ok();
}

Result<std::vector<uint8_t>> MemoryVector(Database& db, int64_t label) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT vector FROM memory_vectors WHERE label = ?"));
  st->Bind(1, label);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return NotFound("memory " + std::to_string(label) + " has no vector");
  std::span<const uint8_t> v = st->BlobSpan(0);
  return std::vector<uint8_t>(v.begin(), v.end());
}

Result<std::optional<MemoryRow>> FindMemory(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kCols + " FROM memories WHERE id = ?"));
  st->Bind(1, id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<MemoryRow>();
  return std::optional<MemoryRow>(Read(*st));
}

Result<std::vector<MemoryRow>> MemoriesByLabels(Database& db, std::span<const int64_t> labels) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kCols + " FROM memories WHERE label = ?"));
  std::vector<MemoryRow> out;
  for (int64_t l : labels) {
    st->Bind(1, l);
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row) out.push_back(Read(*st));
    st->Reset();
  }
  return out;
}

Result<std::vector<MemoryRow>> ListMemories(Database& db, const MemoryQuery& q) {
  std::string sql = std::string("SELECT ") + kCols + " FROM memories WHERE label > ?1";
  if (!q.include_deleted) sql += " AND deleted_at IS NULL";
  if (q.space_id) sql += " AND (space_id = ?2 OR space_id IS NULL)";
  if (q.scope) sql += " AND scope = ?3";
  sql += " ORDER BY label LIMIT ?4";
  KS_ASSIGN_OR_RETURN(Statement st, db.PrepareUncached(sql));
  st.Bind(1, q.after_label);
  if (q.space_id) st.Bind(2, *q.space_id);
  if (q.scope) st.Bind(3, *q.scope);
  st.Bind(4, q.limit);
  std::vector<MemoryRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(Read(st));
  }
  return out;
}

Status ForEachMemoryVector(
    Database& db, const std::function<Status(int64_t, std::span<const uint8_t>, double, const std::string*)>& fn) {
  KS_ASSIGN_OR_RETURN(Statement st, db.PrepareUncached(
      "SELECT v.label, v.vector, m.importance, m.space_id FROM memory_vectors v JOIN memories m ON m.label = v.label "
      "WHERE m.deleted_at IS NULL"));
  std::string space;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const bool has_space = !st.IsNull(3);
    if (has_space) space = st.Text(3);
    KS_RETURN_IF_ERROR(fn(st.Int(0), st.BlobSpan(1), st.Double(2), has_space ? &space : nullptr));
  }
  return Status::Ok();
}

Result<std::vector<std::pair<int64_t, double>>> MemoryFtsSearch(Database& db, const std::string& match, int64_t limit) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT rowid, -bm25(memory_fts) FROM memory_fts WHERE memory_fts MATCH ? ORDER BY bm25(memory_fts) LIMIT ?"));
  st->BindAll(match, limit);
  std::vector<std::pair<int64_t, double>> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.emplace_back(st->Int(0), st->Double(1));
  }
  return out;
}

}  // namespace kspace::store
