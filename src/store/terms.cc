#include "store/terms.h"

namespace kspace::store {

Status AdjustTermStats(Database& db, const std::string& space_id, std::span<const std::string> terms, int delta) {
  KS_ASSIGN_OR_RETURN(CachedStatement up, db.Prepare(
      "INSERT INTO term_stats(space_id, term, df) VALUES (?1, ?2, max(?3, 0)) "
      "ON CONFLICT(space_id, term) DO UPDATE SET df = max(df + ?3, 0)"));
  for (const std::string& t : terms) {
    up->BindAll(space_id, t, delta);
    KS_RETURN_IF_ERROR(up->Run());
    up->Reset();
  }
  if (delta < 0) {
    KS_ASSIGN_OR_RETURN(CachedStatement del, db.Prepare("DELETE FROM term_stats WHERE space_id = ? AND df = 0"));
    del->Bind(1, space_id);
    KS_RETURN_IF_ERROR(del->Run());
  }
  return Status::Ok();
}

Result<std::map<std::string, int64_t>> TermStats(Database& db, const std::string& space_id,
                                                 std::span<const std::string> terms) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT df FROM term_stats WHERE space_id = ? AND term = ?"));
  std::map<std::string, int64_t> out;
  for (const std::string& t : terms) {
    st->BindAll(space_id, t);
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    out[t] = row ? st->Int(0) : 0;
    st->Reset();
  }
  return out;
}

Result<int64_t> ProcessedSourceCount(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT count(*) FROM content_sources WHERE space_id = ? AND status = 'processed' AND deleted_at IS NULL"));
  st->Bind(1, space_id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->Int(0) : 0;
}

Status DeleteSpaceTermStats(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("DELETE FROM term_stats WHERE space_id = ?"));
  st->Bind(1, space_id);
  return st->Run();
}

Status DeleteSpaceLinks(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "DELETE FROM source_links WHERE content_source_id IN (SELECT id FROM content_sources WHERE space_id = ?)"));
  st->Bind(1, space_id);
  return st->Run();
}

Status ReplaceSourceLinks(Database& db, const std::string& source_id, std::span<const SourceLink> links) {
  KS_ASSIGN_OR_RETURN(CachedStatement del, db.Prepare("DELETE FROM source_links WHERE content_source_id = ?"));
  del->Bind(1, source_id);
  KS_RETURN_IF_ERROR(del->Run());
  KS_ASSIGN_OR_RETURN(CachedStatement ins, db.Prepare(
      "INSERT INTO source_links(content_source_id, kind, target, heading, alias, is_embed) VALUES (?, ?, ?, ?, ?, ?)"));
  for (const SourceLink& l : links) {
    ins->BindAll(source_id, l.kind, l.target, l.heading, l.alias, l.embed);
    KS_RETURN_IF_ERROR(ins->Run());
    ins->Reset();
  }
  return Status::Ok();
}

Result<std::vector<SourceLink>> SourceLinks(Database& db, const std::string& source_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT kind, target, heading, alias, is_embed FROM source_links WHERE content_source_id = ? ORDER BY rowid"));
  st->Bind(1, source_id);
  std::vector<SourceLink> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(SourceLink{st->Text(0), st->Text(1), st->Text(2), st->Text(3), st->Int(4) != 0});
  }
  return out;
}

Result<std::vector<std::string>> SourceTags(Database& db, const std::string& source_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT DISTINCT target FROM source_links WHERE content_source_id = ? AND kind = 'tag' ORDER BY target"));
  st->Bind(1, source_id);
  std::vector<std::string> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(st->Text(0));
  }
  return out;
}

}  // namespace kspace::store
