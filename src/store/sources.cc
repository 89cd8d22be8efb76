#include "store/sources.h"

namespace kspace::store {
namespace {

constexpr const char* kColumns =
    "id, space_id, owner_id, title, media_type, origin, mime_type, path, original_blob_hash, "
    "processed_blob_hash, content_summary, keywords, metadata, status, error_message, num_chunks, "
    "total_size_bytes, created_at, updated_at, deleted_at";

SourceRow ReadRow(const Statement& st, int base = 0) {
  SourceRow r;
  r.id = st.Text(base + 0);
  r.space_id = st.Text(base + 1);
  r.owner_id = st.Text(base + 2);
  r.title = st.Text(base + 3);
  r.media_type = st.Text(base + 4);
  r.origin = st.Text(base + 5);
  r.mime_type = OptText(st, base + 6);
  r.path = OptText(st, base + 7);
  r.original_blob_hash = st.Text(base + 8);
  r.processed_blob_hash = OptText(st, base + 9);
  r.content_summary = OptText(st, base + 10);
  r.keywords = st.Text(base + 11);
  r.metadata = st.Text(base + 12);
  r.status = st.Text(base + 13);
  r.error_message = OptText(st, base + 14);
  r.num_chunks = st.Int(base + 15);
  r.total_size_bytes = st.Int(base + 16);
  r.created_at = st.Text(base + 17);
  r.updated_at = st.Text(base + 18);
  r.deleted_at = OptText(st, base + 19);
  return r;
}

void BindRow(Statement& st, const SourceRow& r) {
  st.Bind(1, r.id).Bind(2, r.space_id).Bind(3, r.owner_id).Bind(4, r.title).Bind(5, r.media_type);
  st.Bind(6, r.origin);
  BindOpt(st, 7, r.mime_type);
  BindOpt(st, 8, r.path);
  st.Bind(9, r.original_blob_hash);
  BindOpt(st, 10, r.processed_blob_hash);
  BindOpt(st, 11, r.content_summary);
  st.Bind(12, r.keywords).Bind(13, r.metadata).Bind(14, r.status);
  BindOpt(st, 15, r.error_message);
  st.Bind(16, r.num_chunks).Bind(17, r.total_size_bytes).Bind(18, r.created_at).Bind(19, r.updated_at);
  BindOpt(st, 20, r.deleted_at);
}

}  // namespace

Status InsertSource(Database& db, const SourceRow& row) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("INSERT INTO content_sources(") + kColumns +
      ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  BindRow(*st, row);
  return st->Run();
}

Result<std::optional<SourceRow>> FindSource(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kColumns +
      " FROM content_sources WHERE id = ?"));
  st->Bind(1, id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<SourceRow>();
  return std::optional<SourceRow>(ReadRow(*st));
}

Result<std::vector<std::pair<int64_t, SourceRow>>> ListSources(Database& db, const SourceQuery& q) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT rowid, ") + kColumns +
      " FROM content_sources WHERE space_id = ?1 AND (?2 OR deleted_at IS NULL) AND (?3 IS NULL OR status = ?3)"
      " AND rowid > ?4 ORDER BY rowid LIMIT ?5"));
  st->Bind(1, q.space_id).Bind(2, q.include_deleted);
  BindOpt(*st, 3, q.status);
  st->Bind(4, q.after_rowid).Bind(5, q.limit);
  std::vector<std::pair<int64_t, SourceRow>> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.emplace_back(st->Int(0), ReadRow(*st, 1));
  }
  return out;
}

Result<int64_t> SourceRowid(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT rowid FROM content_sources WHERE id = ?"));
  st->Bind(1, id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return NotFound("source " + id + " does not exist");
  return st->Int(0);
}

Status UpdateSource(Database& db, const SourceRow& row) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "UPDATE content_sources SET space_id = ?2, owner_id = ?3, title = ?4, media_type = ?5, origin = ?6, "
      "mime_type = ?7, path = ?8, original_blob_hash = ?9, processed_blob_hash = ?10, content_summary = ?11, "
      "keywords = ?12, metadata = ?13, status = ?14, error_message = ?15, num_chunks = ?16, "
      "total_size_bytes = ?17, created_at = ?18, updated_at = ?19, deleted_at = ?20 WHERE id = ?1"));
  BindRow(*st, row);
  KS_RETURN_IF_ERROR(st->Run());
  if (db.changes() != 1) return NotFound("source " + row.id + " does not exist");
  return Status::Ok();
}

Result<std::optional<SourceRow>> FindLiveSourceByHash(Database& db, const std::string& space_id,
                                                      const std::string& hash) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kColumns +
      " FROM content_sources WHERE original_blob_hash = ?1 AND space_id = ?2 AND deleted_at IS NULL"
      " ORDER BY rowid LIMIT 1"));
  st->BindAll(hash, space_id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<SourceRow>();
  return std::optional<SourceRow>(ReadRow(*st));
}

Result<std::vector<std::string>> DeleteSourceRows(Database& db, const std::string& space_id,
                                                  const std::optional<std::string>& source_id) {
  {
    // Two statements, so that each is an index range (one OR'd statement scanned the space).
    KS_ASSIGN_OR_RETURN(CachedStatement keys, db.Prepare(
        source_id ? "DELETE FROM wikilink_keys WHERE content_source_id = ?1"
                  : "DELETE FROM wikilink_keys WHERE space_id = ?1"));
    keys->Bind(1, source_id ? *source_id : space_id);
    KS_RETURN_IF_ERROR(keys->Run());
  }
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "DELETE FROM content_sources WHERE space_id = ?1 AND (?2 IS NULL OR id = ?2) "
      "RETURNING original_blob_hash, processed_blob_hash"));
  st->Bind(1, space_id);
  BindOpt(*st, 2, source_id);
  std::vector<std::string> hashes;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    hashes.push_back(st->Text(0));
    if (!st->IsNull(1)) hashes.push_back(st->Text(1));
  }
  return hashes;
}

Result<int64_t> CountSources(Database& db, bool include_deleted) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT count(*) FROM content_sources WHERE ?1 OR deleted_at IS NULL"));
  st->Bind(1, include_deleted);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->Int(0) : 0;
}

}  // namespace kspace::store

namespace kspace::store {

Result<std::vector<std::pair<std::string, std::string>>> SourcesWithStatus(Database& db,
                                                                           const std::optional<std::string>& space_id,
                                                                           const std::string& status) {
  if (status == "processed") return InvalidArgument("only unfinished statuses are listed", "status");
  // Through the partial index of unfinished sources (schema v5): the literal "status <> 'processed'"
  // is what lets SQLite use it, as a bound parameter could be anything. (No INDEXED BY: a store
  // opened at an older schema version has no such index and scans.)
  KS_ASSIGN_OR_RETURN(CachedStatement st,
                      space_id ? db.Prepare("SELECT id, space_id FROM content_sources "
                                            "WHERE status = ?1 AND status <> 'processed' AND space_id = ?2 ORDER BY rowid")
                               : db.Prepare("SELECT id, space_id FROM content_sources "
                                            "WHERE status = ?1 AND status <> 'processed' ORDER BY rowid"));
  st->Bind(1, status);
  if (space_id) st->Bind(2, *space_id);
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.emplace_back(st->Text(0), st->Text(1));
  }
  return out;
}

}  // namespace kspace::store
