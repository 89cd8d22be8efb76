// Store: one open kspace database file and the connection to it.
//
// Opening a store registers a VFS over the given FileBackend, opens SQLite through it with the
// durable settings below, and migrates the schema. A Store is used from one thread.
//
// Durability: WAL journal with locking_mode=EXCLUSIVE (the WAL index lives in heap memory, so no
// shared memory is needed on OPFS) and synchronous=FULL (every commit syncs the WAL). A commit that
// returned OK survives a killed worker, a closed tab, a crash or power loss.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/db.h"
#include "store/file_backend.h"
#include "store/schema.h"
#include "store/vfs.h"

struct sqlite3;

namespace kspace::store {

struct StoreOptions {
  // The name the backend knows the database file by; the WAL is "<filename>-wal".
  std::string filename = "kspace.db";
  // Schema version to create or migrate to. Only tests set this (to build stores of old versions).
  int schema_version = kSchemaVersion;
  // Page cache size in KiB.
  int cache_kib = 16384;
  // Runs on the connection right after it opens, before migrations (registers SQL functions and
  // FTS5 extensions the schema and queries use).
  std::function<Status(sqlite3*)> on_connect;
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(std::unique_ptr<FileBackend> backend, const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Database& db() { return *db_; }
  // The store's own id (store_meta.store_id) and the local profile that owns what it creates.
  const std::string& id() const { return id_; }
  const std::string& profile_id() const { return profile_id_; }
  const std::string& filename() const { return filename_; }

  // A SHA-256 over every row of every table in a canonical order: equal digests mean equal
  // contents. Tables named in `skip_tables` (derived caches) are left out.
  Result<std::string> Digest(const std::vector<std::string>& skip_tables = {});
  // SQLite's integrity_check: {"ok"} or the problems found.
  Result<std::vector<std::string>> IntegrityCheck();
  // Folds the WAL into the database file, leaving a self-contained file.
  Status Checkpoint();
  // Returns freed pages to the file system (auto_vacuum=INCREMENTAL); after purges.
  Status ReclaimSpace();

  Store() = default;  // use Open()

 private:
  // Declaration order matters: the database must close before its VFS is unregistered.
  std::unique_ptr<Vfs> vfs_;
  std::unique_ptr<Database> db_;
  std::string id_;
  std::string profile_id_;
  std::string filename_;
};

}  // namespace kspace::store
