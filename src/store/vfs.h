// The SQLite VFS: how every byte of a kspace store reaches the platform.
//
// SQLite is built with SQLITE_OS_OTHER, so it has no file access of its own. Each open store
// registers one VFS instance bound to one FileBackend; the database and its journal / WAL are
// opened through it. Temporary files (SQLite's anonymous ones) stay in memory.
//
// Locking is deliberately a no-op here: a store has exactly one connection (kspace takes a
// store-level lock before opening, and SQLite runs with locking_mode=EXCLUSIVE), so byte-range
// locks would only add failure modes on platforms (OPFS) that have none.
#pragma once

#include <memory>
#include <string>

#include "store/file_backend.h"
#include "util/status.h"

struct sqlite3_vfs;

namespace kspace::store {

// A registered VFS. Unregisters itself on destruction; the database using it must be closed first.
class Vfs {
 public:
  // Registers a VFS named "kspace-<n>" over `backend` (not as SQLite's default).
  static Result<std::unique_ptr<Vfs>> Register(std::unique_ptr<FileBackend> backend);
  ~Vfs();
  Vfs(const Vfs&) = delete;
  Vfs& operator=(const Vfs&) = delete;

  const std::string& name() const { return name_; }
  FileBackend* backend() { return backend_.get(); }

  struct Impl;
  Vfs() = default;  // use Register()

 private:
  std::string name_;
  std::unique_ptr<FileBackend> backend_;
  std::unique_ptr<Impl> impl_;
};

// Installs the process-wide default VFS (randomness, time, in-memory temp files). Called by
// SQLite's sqlite3_os_init(); exposed for tests.
int RegisterDefaultVfs();

}  // namespace kspace::store
