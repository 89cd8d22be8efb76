#include "store/store.h"

#include "store/fts_replay.h"

#include <sqlite3.h>

#include "util/sha256.h"

namespace kspace::store {

Result<std::unique_ptr<Store>> Store::Open(std::unique_ptr<FileBackend> backend, const StoreOptions& options) {
  if (options.filename.empty() || options.filename.size() > 512) {
    return InvalidArgument("store file name must be 1-512 characters", "filename");
  }
  auto store = std::make_unique<Store>();
  store->filename_ = options.filename;
  KS_ASSIGN_OR_RETURN(store->vfs_, Vfs::Register(std::move(backend)));
  KS_ASSIGN_OR_RETURN(store->db_, Database::Open(options.filename, store->vfs_->name()));
  Database& db = *store->db_;
  // New stores use 8 KiB pages; an existing file keeps the size it was made with (changing it
  // needs a VACUUM). Why 8 KiB: a chunk's vector of the built-in embedder (512 float32, 2 KiB)
  // plus its key does not fit twice in a 4 KiB page, so there every vector row took a page of its
  // own and half of the embeddings table was empty space; at 8 KiB three fit. Measured on the
  // RFC corpus: the file 17% smaller, the native ingest commit ~12% faster.
  KS_RETURN_IF_ERROR(db.Exec("PRAGMA page_size = 8192"));
  // locking_mode must precede journal_mode=WAL: without shared memory, SQLite only accepts WAL in
  // exclusive mode. The first statement that reads the file also tells us whether it is a database.
  KS_RETURN_IF_ERROR(db.Exec("PRAGMA locking_mode = EXCLUSIVE"));
  {
    KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("PRAGMA journal_mode = WAL"));
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row || st->TextView(0) != "wal") {
      return Status(Code::kIoError, "the store's file system does not support a WAL journal");
    }
  }
  KS_RETURN_IF_ERROR(db.Exec(
      "PRAGMA synchronous = FULL;"
      "PRAGMA foreign_keys = ON;"
      "PRAGMA cell_size_check = ON;"
      "PRAGMA temp_store = MEMORY;"
      "PRAGMA cache_size = -" + std::to_string(options.cache_kib < 256 ? 256 : options.cache_kib)));
  // Before the first use of chunk_fts: its "porter" replays tokens a Preparer computed (fts_replay.h).
  KS_RETURN_IF_ERROR(RegisterFtsReplay(db.handle()));
  if (options.on_connect) KS_RETURN_IF_ERROR(options.on_connect(db.handle()));
  KS_RETURN_IF_ERROR(Migrate(db, options.schema_version));
  {
    KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT key, value FROM store_meta WHERE key IN ('store_id', 'profile_id')"));
    for (;;) {
      KS_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      if (st->TextView(0) == "store_id") store->id_ = st->Text(1);
      else store->profile_id_ = st->Text(1);
    }
  }
  if (store->id_.empty() || store->profile_id_.empty()) {
    return Status(Code::kCorrupt, "store metadata is missing");
  }
  return store;
}

Store::~Store() {
  // Closing in exclusive WAL mode checkpoints and removes the WAL; nothing else to do.
  db_.reset();
  vfs_.reset();
}

Result<std::string> Store::Digest(const std::vector<std::string>& skip_tables) {
  Sha256 h;
  std::vector<std::pair<std::string, bool>> tables;  // name, has rowid
  {
    KS_ASSIGN_OR_RETURN(CachedStatement st, db_->Prepare(
        "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema "
        "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"));
    for (;;) {
      KS_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      std::string name = st->Text(0);
      bool skip = false;
      for (const auto& s : skip_tables) skip = skip || s == name;
      if (!skip) tables.emplace_back(name, st->Int(1) == 0);
    }
  }
  for (const auto& [name, has_rowid] : tables) {
    h.Update("table:");
    h.Update(name);
    KS_ASSIGN_OR_RETURN(Statement st, db_->PrepareUncached(
        "SELECT * FROM \"" + name + "\" ORDER BY " + (has_rowid ? "rowid" : "1")));
    const int n = st.ColumnCount();
    for (;;) {
      KS_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      h.Update("\nrow");
      for (int c = 0; c < n; ++c) {
        int type = sqlite3_column_type(st.handle(), c);
        char tag = static_cast<char>('0' + type);
        h.Update(&tag, 1);
        if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
          std::string v = st.Text(c);
          h.Update(v);
        } else if (type != SQLITE_NULL) {
          auto b = st.BlobSpan(c);
          uint64_t len = b.size();
          h.Update(&len, sizeof len);
          h.Update(b.data(), b.size());
        }
      }
    }
  }
  return h.HexDigest();
}

Result<std::vector<std::string>> Store::IntegrityCheck() {
  KS_ASSIGN_OR_RETURN(Statement st, db_->PrepareUncached("PRAGMA integrity_check"));
  std::vector<std::string> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.Text(0));
  }
  KS_ASSIGN_OR_RETURN(Statement fk, db_->PrepareUncached("PRAGMA foreign_key_check"));
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, fk.Step());
    if (!row) break;
    if (out.size() == 1 && out[0] == "ok") out.clear();
    out.push_back("foreign key violation in " + fk.Text(0) + " row " + fk.Text(1));
  }
  return out;
}

Status Store::Checkpoint() { return db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

Status Store::ReclaimSpace() { return db_->Exec("PRAGMA incremental_vacuum"); }

}  // namespace kspace::store
