#include "store/blobs.h"

namespace kspace::store {

Result<bool> PutBlob(Database& db, const std::string& hash, std::span<const uint8_t> bytes,
                     const std::string& now) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO blobs(hash, size_bytes, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING"));
  st->BindAll(hash, static_cast<int64_t>(bytes.size()), Blob{bytes.data(), bytes.size()}, now);
  KS_RETURN_IF_ERROR(st->Run());
  return db.changes() > 0;
}

Result<std::vector<uint8_t>> GetBlob(Database& db, const std::string& hash) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT data FROM blobs WHERE hash = ?"));
  st->Bind(1, hash);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return NotFound("blob " + hash + " is missing");
  auto b = st->BlobSpan(0);
  return std::vector<uint8_t>(b.begin(), b.end());
}

Result<std::string> GetBlobString(Database& db, const std::string& hash) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT data FROM blobs WHERE hash = ?"));
  st->Bind(1, hash);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return NotFound("blob " + hash + " is missing");
  auto b = st->BlobSpan(0);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

Result<int64_t> DeleteBlobsIfUnreferenced(Database& db, const std::vector<std::string>& hashes) {
  // Every column that can hold a blob hash (each has an index). Later schema versions add theirs
  // here: v4 chat message contents and generation steps share the registry with sources, so
  // a source whose bytes equal a message's text shares its blob.
  KS_ASSIGN_OR_RETURN(CachedStatement refs, db.Prepare(
      "SELECT EXISTS(SELECT 1 FROM content_sources WHERE original_blob_hash = ?1) "
      "    OR EXISTS(SELECT 1 FROM content_sources WHERE processed_blob_hash = ?1) "
      "    OR EXISTS(SELECT 1 FROM chat_messages WHERE content_blob_hash = ?1) "
      "    OR EXISTS(SELECT 1 FROM agent_generations WHERE content_blob_hash = ?1)"));
  KS_ASSIGN_OR_RETURN(CachedStatement del, db.Prepare("DELETE FROM blobs WHERE hash = ? RETURNING size_bytes"));
  int64_t freed = 0;
  for (const std::string& h : hashes) {
    refs->Bind(1, h);
    KS_ASSIGN_OR_RETURN(bool row, refs->Step());
    bool referenced = row && refs->Int(0) != 0;
    refs->Reset();
    if (referenced) continue;
    del->Bind(1, h);
    KS_ASSIGN_OR_RETURN(bool deleted, del->Step());
    if (deleted) freed += del->Int(0);
    KS_RETURN_IF_ERROR(del->Run());
    del->Reset();
  }
  return freed;
}

Result<BlobStats> GetBlobStats(Database& db) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT count(*), coalesce(sum(size_bytes), 0) FROM blobs"));
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  BlobStats s;
  if (row) {
    s.count = st->Int(0);
    s.bytes = st->Int(1);
  }
  return s;
}

}  // namespace kspace::store
