#include "store/db.h"

#include <sqlite3.h>

namespace kspace::store {

Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  std::string msg(context);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status(Code::kCorrupt, msg);
    case SQLITE_TOOBIG:
      return Status(Code::kTooLarge, msg);
    case SQLITE_FULL:
      return Status(Code::kQuotaExceeded, "storage is full: " + msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(Code::kStoreLocked, msg);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Status(Code::kIoError, msg);
    case SQLITE_CONSTRAINT:
      return Status(Code::kFailedPrecondition, msg);
    case SQLITE_INTERRUPT:
      return Status(Code::kCancelled, msg);
    default:
      return Status(Code::kInternal, msg);
  }
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = o.stmt_;
    db_ = o.db_;
    o.stmt_ = nullptr;
  }
  return *this;
}

// Bind errors (out-of-range index, out of memory) surface on the following Step, which fails with
// the connection's error; checking each bind separately would only add noise at every call site.
Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Statement& Statement::Bind(int i, std::string_view v) {
  sqlite3_bind_text64(stmt_, i, v.data() ? v.data() : "", v.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}
Statement& Statement::Bind(int i, std::string&& v) {
  sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::Bind(int i, Blob v) {
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, i, v.data ? v.data : &kEmpty, v.size, SQLITE_STATIC);
  return *this;
}
Statement& Statement::Bind(int i, Null) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, db_, "statement failed");
}

Status Statement::Run() {
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

Result<std::vector<int64_t>> Statement::ReadInts(int col) {
  std::vector<int64_t> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return out;
    out.push_back(Int(col));
  }
}

Result<std::vector<std::string>> Statement::ReadTexts(int col) {
  std::vector<std::string> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return out;
    out.push_back(Text(col));
  }
}

void Statement::Reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }
bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::Double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string_view Statement::TextView(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!p) return {};
  return std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::span<const uint8_t> Statement::BlobSpan(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  if (!p) return {};
  return std::span<const uint8_t>(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

CachedStatement::~CachedStatement() {
  if (!stmt_ || uncached_) return;  // moved-from, or a private copy finalized by its unique_ptr
  stmt_->Reset();
  *in_use_ = false;
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& filename, const std::string& vfs_name) {
  auto db = std::make_unique<Database>();
  int rc = sqlite3_open_v2(filename.c_str(), &db->db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE,
                           vfs_name.c_str());
  if (rc != SQLITE_OK) return SqliteStatus(rc, db->db_, "cannot open store");
  // Defensive settings: no schema tricks, no double-quoted string literals, no writable schema.
  sqlite3_db_config(db->db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db->db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db->db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  sqlite3_db_config(db->db_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db->db_, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, nullptr);
  sqlite3_db_config(db->db_, SQLITE_DBCONFIG_ENABLE_VIEW, 1, nullptr);
  sqlite3_extended_result_codes(db->db_, 1);
  return db;
}

Database::~Database() {
  cache_.clear();  // finalize cached statements before closing
  if (db_) sqlite3_close_v2(db_);
}

Status Database::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Status st = SqliteStatus(rc, db_, "exec");
    sqlite3_free(err);
    return st;
  }
  return Status::Ok();
}

Result<Statement> Database::PrepareUncached(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    if (stmt) sqlite3_finalize(stmt);
    return SqliteStatus(rc, db_, "prepare");
  }
  return Statement(stmt, db_);
}

Result<CachedStatement> Database::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    if (!it->second.in_use) {
      it->second.in_use = true;
      return CachedStatement(it->second.stmt.get(), &it->second.in_use, nullptr);
    }
    // Re-entrant use of the same SQL: hand out a private copy.
    KS_ASSIGN_OR_RETURN(Statement s, PrepareUncached(sql));
    auto owned = std::make_unique<Statement>(std::move(s));
    Statement* raw = owned.get();
    return CachedStatement(raw, nullptr, std::move(owned));
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) {
    if (stmt) sqlite3_finalize(stmt);
    return SqliteStatus(rc, db_, "prepare");
  }
  Entry e;
  e.stmt = std::make_unique<Statement>(stmt, db_);
  e.in_use = true;
  Statement* raw = e.stmt.get();
  auto inserted = cache_.emplace(std::string(sql), std::move(e)).first;
  return CachedStatement(raw, &inserted->second.in_use, nullptr);
}

int64_t Database::changes() const { return sqlite3_changes64(db_); }
int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Result<int64_t> Database::QueryInt(std::string_view sql, int64_t fallback) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, Prepare(sql));
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->Int(0) : fallback;
}

Result<Transaction> Transaction::Begin(Database& db) {
  if (db.in_transaction()) {
    static int counter = 0;
    std::string name = "ks_sp" + std::to_string(++counter);
    KS_RETURN_IF_ERROR(db.Exec("SAVEPOINT " + name));
    return Transaction(&db, std::move(name));
  }
  KS_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db, std::string());
}

Transaction::Transaction(Transaction&& o) noexcept
    : db_(o.db_), savepoint_(std::move(o.savepoint_)), done_(o.done_) {
  o.done_ = true;
}

Transaction::~Transaction() {
  if (done_) return;
  // Rolling back cannot meaningfully fail here; if it did, the connection is already unusable and
  // the next statement reports it.
  if (savepoint_.empty()) {
    (void)db_->Exec("ROLLBACK");
  } else {
    (void)db_->Exec("ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_);
  }
}

Status Transaction::Commit() {
  if (done_) return Internal("transaction already finished");
  Status s = db_->Exec(savepoint_.empty() ? std::string("COMMIT") : "RELEASE " + savepoint_);
  if (s.ok()) done_ = true;
  return s;
}

}  // namespace kspace::store
