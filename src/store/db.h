// A thin RAII layer over one SQLite connection: statements, a statement cache, transactions.
//
// Every SQLite handle is owned by an object whose destructor releases it, so an early return on a
// failed Status can never leak a statement or leave a transaction open. SQL text lives only in
// src/store; other subsystems call the typed functions built on these classes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kspace::store {

// Turns an SQLite result code into a Status (CORRUPT for damaged files, TOO_LARGE for SQLITE_TOOBIG,
// QUOTA_EXCEEDED for a full disk or storage quota, STORE_LOCKED for busy, IO_ERROR for I/O errors,
// FAILED_PRECONDITION for constraint violations, else INTERNAL), with the connection's message.
Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

// Bytes to bind as a BLOB (a distinct type so that text and blobs cannot be confused).
struct Blob {
  const void* data;
  size_t size;
};

// SQL NULL, for Bind.
struct Null {};

// A prepared statement. Bind parameters are 1-based, columns 0-based. Text and blob values are
// bound without copying (SQLITE_STATIC): the caller keeps them alive until the statement is reset;
// only a temporary std::string is copied.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  ~Statement();
  Statement(Statement&& o) noexcept : stmt_(o.stmt_), db_(o.db_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Statement& Bind(int i, bool v) { return Bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Statement& Bind(int i, double v);
  Statement& Bind(int i, std::string_view v);
  Statement& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  // A temporary string (e.g. `Bind(1, NowTimestamp())`) would be gone before the statement runs:
  // SQLite takes its own copy of this one.
  Statement& Bind(int i, std::string&& v);
  Statement& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Statement& Bind(int i, Blob v);
  Statement& Bind(int i, Null);

  // Binds every argument in order, starting at parameter 1 (temporaries are copied, as above).
  template <typename... Args>
  Statement& BindAll(Args&&... args) {
    int i = 0;
    (Bind(++i, std::forward<Args>(args)), ...);
    return *this;
  }

  // Advances: true when a row is available, false when done.
  Result<bool> Step();
  // Steps until done (for statements that return no rows, or whose rows are not needed).
  Status Run();
  // Steps until done, collecting column `col` of every row (a list of labels, ids or hashes).
  Result<std::vector<int64_t>> ReadInts(int col = 0);
  Result<std::vector<std::string>> ReadTexts(int col = 0);
  // Resets to the start and clears bindings.
  void Reset();

  int ColumnCount() const;
  bool IsNull(int col) const;
  int64_t Int(int col) const;
  double Double(int col) const;
  // Views stay valid until the next Step/Reset.
  std::string_view TextView(int col) const;
  std::string Text(int col) const { return std::string(TextView(col)); }
  std::span<const uint8_t> BlobSpan(int col) const;

  sqlite3_stmt* handle() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

// A statement borrowed from Database's cache; returned (reset, bindings cleared) on destruction.
class CachedStatement {
 public:
  // `in_use` is the cache entry's flag (null for a private, uncached copy).
  CachedStatement(Statement* stmt, bool* in_use, std::unique_ptr<Statement> uncached)
      : stmt_(stmt), in_use_(in_use), uncached_(std::move(uncached)) {}
  ~CachedStatement();
  CachedStatement(CachedStatement&& o) noexcept
      : stmt_(o.stmt_), in_use_(o.in_use_), uncached_(std::move(o.uncached_)) {
    o.stmt_ = nullptr;
  }
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  CachedStatement& operator=(CachedStatement&&) = delete;

  Statement* operator->() { return stmt_; }
  Statement& operator*() { return *stmt_; }

 private:
  Statement* stmt_;
  bool* in_use_;
  std::unique_ptr<Statement> uncached_;  // set when the cached copy was busy (re-entrant use)
};

// A nullable text column, and binding a nullable text (NULL when empty).
inline std::optional<std::string> OptText(const Statement& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return st.Text(col);
}
inline void BindOpt(Statement& st, int i, const std::optional<std::string>& v) {
  if (v) st.Bind(i, *v);
  else st.Bind(i, Null{});
}

// One SQLite connection.
class Database {
 public:
  // Opens (creating if needed) `filename` through the VFS named `vfs_name`.
  static Result<std::unique_ptr<Database>> Open(const std::string& filename, const std::string& vfs_name);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  // A statement from the cache (prepared once per distinct SQL text).
  Result<CachedStatement> Prepare(std::string_view sql);
  // A fresh statement owned by the caller (for one-off or dynamically built SQL).
  Result<Statement> PrepareUncached(std::string_view sql);

  int64_t changes() const;
  int64_t last_insert_rowid() const;
  bool in_transaction() const;
  sqlite3* handle() const { return db_; }

  // Convenience: the first column of the first row as an integer (or `fallback` when no row).
  Result<int64_t> QueryInt(std::string_view sql, int64_t fallback = 0);

  Database() = default;  // use Open()

 private:
  sqlite3* db_ = nullptr;
  struct Entry {
    std::unique_ptr<Statement> stmt;
    bool in_use = false;
  };
  std::map<std::string, Entry, std::less<>> cache_;
};

// A write transaction, or a savepoint when one is already open (so calls nest). Rolls back on
// destruction unless committed.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& o) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status Commit();

 private:
  Transaction(Database* db, std::string savepoint) : db_(db), savepoint_(std::move(savepoint)) {}
  Database* db_;
  std::string savepoint_;  // empty for a top-level BEGIN
  bool done_ = false;
};

}  // namespace kspace::store
