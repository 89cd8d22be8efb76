#include "store/spaces.h"

namespace kspace::store {
namespace {

constexpr const char* kColumns =
    "id, title, description, icon, cover_image, keywords, owner_id, created_at, created_by, "
    "last_updated_at, last_updated_by, document_count, total_size_bytes, storage_quota_bytes, "
    "access_level, guest_access_enabled, guest_access_expiry, status, processing_status, deleted_at, "
    "embedding_model";

SpaceRow ReadRow(const Statement& st) {
  SpaceRow r;
  r.id = st.Text(0);
  r.title = st.Text(1);
  r.description = st.Text(2);
  r.icon = OptText(st, 3);
  r.cover_image = OptText(st, 4);
  r.keywords = st.Text(5);
  r.owner_id = st.Text(6);
  r.created_at = st.Text(7);
  r.created_by = st.Text(8);
  r.last_updated_at = st.Text(9);
  r.last_updated_by = st.Text(10);
  r.document_count = st.Int(11);
  r.total_size_bytes = st.Int(12);
  r.storage_quota_bytes = st.Int(13);
  r.access_level = st.Text(14);
  r.guest_access_enabled = st.Int(15) != 0;
  r.guest_access_expiry = OptText(st, 16);
  r.status = st.Text(17);
  r.processing_status = st.Text(18);
  r.deleted_at = OptText(st, 19);
  r.embedding_model = st.Text(20);
  return r;
}

// Binds the 20 columns in kColumns order starting at parameter 1.
void BindRow(Statement& st, const SpaceRow& r) {
  st.Bind(1, r.id).Bind(2, r.title).Bind(3, r.description);
  BindOpt(st, 4, r.icon);
  BindOpt(st, 5, r.cover_image);
  st.Bind(6, r.keywords).Bind(7, r.owner_id).Bind(8, r.created_at).Bind(9, r.created_by);
  st.Bind(10, r.last_updated_at).Bind(11, r.last_updated_by).Bind(12, r.document_count);
  st.Bind(13, r.total_size_bytes).Bind(14, r.storage_quota_bytes).Bind(15, r.access_level);
  st.Bind(16, r.guest_access_enabled);
  BindOpt(st, 17, r.guest_access_expiry);
  st.Bind(18, r.status).Bind(19, r.processing_status);
  BindOpt(st, 20, r.deleted_at);
  st.Bind(21, r.embedding_model);
}

}  // namespace

Status InsertSpace(Database& db, const SpaceRow& row) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("INSERT INTO spaces(") + kColumns +
      ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  BindRow(*st, row);
  return st->Run();
}

Result<std::optional<SpaceRow>> FindSpace(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kColumns + " FROM spaces WHERE id = ?"));
  st->Bind(1, id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<SpaceRow>();
  return std::optional<SpaceRow>(ReadRow(*st));
}

Result<std::vector<SpaceRow>> ListSpaces(Database& db, bool include_deleted) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kColumns +
      " FROM spaces WHERE ?1 OR deleted_at IS NULL ORDER BY rowid"));
  st->Bind(1, include_deleted);
  std::vector<SpaceRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadRow(*st));
  }
  return out;
}

Status UpdateSpace(Database& db, const SpaceRow& row) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "UPDATE spaces SET title = ?2, description = ?3, icon = ?4, cover_image = ?5, keywords = ?6, "
      "owner_id = ?7, created_at = ?8, created_by = ?9, last_updated_at = ?10, last_updated_by = ?11, "
      "document_count = ?12, total_size_bytes = ?13, storage_quota_bytes = ?14, access_level = ?15, "
      "guest_access_enabled = ?16, guest_access_expiry = ?17, status = ?18, processing_status = ?19, "
      "deleted_at = ?20, embedding_model = ?21 WHERE id = ?1"));
  BindRow(*st, row);
  KS_RETURN_IF_ERROR(st->Run());
  if (db.changes() != 1) return NotFound("space " + row.id + " does not exist");
  return Status::Ok();
}

Status AdjustSpaceUsage(Database& db, const std::string& id, int64_t delta_documents, int64_t delta_bytes,
                        const std::string& now, const std::string& by) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "UPDATE spaces SET document_count = document_count + ?2, total_size_bytes = total_size_bytes + ?3, "
      "last_updated_at = ?4, last_updated_by = ?5 WHERE id = ?1"));
  st->BindAll(id, delta_documents, delta_bytes, now, by);
  KS_RETURN_IF_ERROR(st->Run());
  if (db.changes() != 1) return NotFound("space " + id + " does not exist");
  return Status::Ok();
}

Status DeleteSpaceRow(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("DELETE FROM spaces WHERE id = ?"));
  st->Bind(1, id);
  return st->Run();
}

Result<int64_t> CountSpaces(Database& db, bool include_deleted) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT count(*) FROM spaces WHERE ?1 OR deleted_at IS NULL"));
  st->Bind(1, include_deleted);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->Int(0) : 0;
}

}  // namespace kspace::store
