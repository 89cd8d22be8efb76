// Native tests of src/store: the VFS over each backend, durability settings, schema, digests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "../query_plans.h"
#include "store/memory_backend.h"
#include "store/posix_backend.h"
#include "store/sources.h"
#include "store/store.h"
#include "util/sha256.h"
#include "util/uuid.h"

namespace kspace::store {
namespace {

std::string TempPath(const std::string& leaf) {
  auto dir = std::filesystem::temp_directory_path() / ("ks-store-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return (dir / leaf).string();
}

TEST(Sha256, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  EXPECT_EQ(Sha256Hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Streaming in odd pieces gives the same digest.
  Sha256 h;
  for (size_t i = 0; i < million.size(); i += 777) h.Update(million.substr(i, 777));
  EXPECT_EQ(h.HexDigest(), Sha256Hex(million));
}

TEST(Uuid, V7IsCanonicalAndOrdered) {
  std::string a = NewUuid();
  EXPECT_TRUE(IsUuid(a));
  EXPECT_EQ(a[14], '7');
  std::string b = NewUuid();
  EXPECT_NE(a, b);
  EXPECT_LE(a.substr(0, 13), b.substr(0, 13));  // millisecond prefix never goes backwards
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("0190c2d1-7a3b-7c4d-8e5f-0123456789ag"));
  auto parsed = ParseUuid("0190C2D1-7A3B-7C4D-8E5F-0123456789AB", "id");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, "0190c2d1-7a3b-7c4d-8e5f-0123456789ab");
  EXPECT_EQ(ParseUuid("x", "spaceId").status().field(), "spaceId");
}

TEST(Store, CreatesSchemaInMemory) {
  auto store = Store::Open(std::make_unique<MemoryBackend>(), {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(IsUuid((*store)->id()));
  EXPECT_TRUE(IsUuid((*store)->profile_id()));
  auto v = SchemaVersion((*store)->db());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, kSchemaVersion);
  auto check = (*store)->IntegrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, std::vector<std::string>{"ok"});
}

// Every open lists the unfinished sources to resume them: from schema v5 that is a lookup in a
// partial index, not a scan of every source row (which cost 37 ms of a cold reopen at 20k sources).
TEST(Store, UnfinishedSourcesAreAnIndexLookup) {
  auto store = Store::Open(std::make_unique<MemoryBackend>(), {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Database& db = (*store)->db();
  for (bool in_space : {false, true}) {
    auto listed = SourcesWithStatus(db, in_space ? std::optional<std::string>("x") : std::nullopt, "processing");
    ASSERT_TRUE(listed.ok());
    EXPECT_TRUE(listed->empty());
  }
  // The plans of the statements SourcesWithStatus prepared (they stay cached in the connection).
  auto plans = plans::PreparedPlans(db, {"FROM content_sources WHERE status = ?1"});
  for (const auto& [sql, plan] : plans) {
    EXPECT_NE(plan.find("USING INDEX content_sources_unfinished"), std::string::npos) << sql << "\n" << plan;
  }
  EXPECT_EQ(plans.size(), 2u);
  auto bad = SourcesWithStatus(db, std::nullopt, "processed");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "status");
}

TEST(Store, PersistsAcrossReopenOnPosixFiles) {
  std::string path = TempPath("persist.kspace");
  std::filesystem::remove(path);
  std::string id, digest;
  {
    StoreOptions o;
    o.filename = path;
    auto store = Store::Open(std::make_unique<PosixBackend>(), o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    id = (*store)->id();
    ASSERT_TRUE((*store)->db().Exec("INSERT INTO store_meta VALUES ('probe', 'value')").ok());
    auto d = (*store)->Digest();
    ASSERT_TRUE(d.ok());
    digest = *d;
  }
  EXPECT_FALSE(std::filesystem::exists(path + "-wal")) << "closing should checkpoint and drop the WAL";
  StoreOptions o;
  o.filename = path;
  auto store = Store::Open(std::make_unique<PosixBackend>(), o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->id(), id);
  auto d = (*store)->Digest();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, digest);
}

// New files get 8 KiB pages (store.cc says why); a file made with another size keeps it (the
// fixture of schema v5 has 4 KiB pages), and still opens and migrates.
TEST(Store, NewFilesUse8KiBPagesAndOldFilesKeepTheirs) {
  auto page_size = [](Store& s) { return s.db().QueryInt("PRAGMA page_size"); };
  std::string path = TempPath("pages.kspace");
  std::filesystem::remove(path);
  StoreOptions o;
  o.filename = path;
  {
    auto store = Store::Open(std::make_unique<PosixBackend>(), o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(*page_size(**store), 8192);
  }
  std::filesystem::copy_file(std::filesystem::path(KSPACE_SOURCE_DIR) / "tests" / "fixtures" / "store-v5.kspace", path,
                             std::filesystem::copy_options::overwrite_existing);
  auto old = Store::Open(std::make_unique<PosixBackend>(), o);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(*page_size(**old), 4096);
}

TEST(Store, RejectsFilesThatAreNotStores) {
  std::string junk = TempPath("junk.kspace");
  {
    std::ofstream f(junk, std::ios::binary);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(i * 37));
  }
  StoreOptions o;
  o.filename = junk;
  auto store = Store::Open(std::make_unique<PosixBackend>(), o);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kCorrupt) << store.status().ToString();
}

TEST(Store, RejectsForeignSqliteDatabases) {
  auto backend = std::make_unique<MemoryBackend>();
  MemoryBackend* raw = backend.get();
  {
    auto vfs = Vfs::Register(std::move(backend));
    ASSERT_TRUE(vfs.ok());
    auto db = Database::Open("other.db", (*vfs)->name());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)").ok());
    // Move the backend's files into a new backend by copying bytes through the interface.
    db->reset();
    auto h = raw->Open("other.db", false);
    ASSERT_TRUE(h.ok());
    auto size = raw->Size(*h);
    std::vector<uint8_t> bytes(*size);
    ASSERT_TRUE(raw->Read(*h, bytes.data(), bytes.size(), 0).ok());
    auto copy = std::make_unique<MemoryBackend>();
    auto h2 = copy->Open("other.db", true);
    ASSERT_TRUE(copy->Write(*h2, bytes.data(), bytes.size(), 0).ok());
    ASSERT_TRUE(copy->Close(*h2).ok());
    StoreOptions o;
    o.filename = "other.db";
    auto store = Store::Open(std::move(copy), o);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), Code::kCorrupt) << store.status().ToString();
  }
}

TEST(Transaction, RollsBackUnlessCommittedAndNests) {
  auto store = Store::Open(std::make_unique<MemoryBackend>(), {});
  ASSERT_TRUE(store.ok());
  Database& db = (*store)->db();
  {
    auto tx = Transaction::Begin(db);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db.Exec("INSERT INTO store_meta VALUES ('a', '1')").ok());
    {
      auto inner = Transaction::Begin(db);
      ASSERT_TRUE(inner.ok());
      ASSERT_TRUE(db.Exec("INSERT INTO store_meta VALUES ('b', '2')").ok());
      // inner goes out of scope uncommitted: only 'b' is rolled back
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(*db.QueryInt("SELECT count(*) FROM store_meta WHERE key = 'a'"), 1);
  EXPECT_EQ(*db.QueryInt("SELECT count(*) FROM store_meta WHERE key = 'b'"), 0);
  {
    auto tx = Transaction::Begin(db);
    ASSERT_TRUE(db.Exec("INSERT INTO store_meta VALUES ('c', '3')").ok());
  }
  EXPECT_EQ(*db.QueryInt("SELECT count(*) FROM store_meta WHERE key = 'c'"), 0);
}

TEST(Database, CachedStatementsAreReentrant) {
  auto store = Store::Open(std::make_unique<MemoryBackend>(), {});
  ASSERT_TRUE(store.ok());
  Database& db = (*store)->db();
  auto a = db.Prepare("SELECT key FROM store_meta ORDER BY key");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(*(*a)->Step());
  auto b = db.Prepare("SELECT key FROM store_meta ORDER BY key");  // same SQL while `a` is live
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(*(*b)->Step());
  EXPECT_EQ((*a)->Text(0), (*b)->Text(0));
}


// A backend over RAM that keeps, per file, the bytes as of its last Sync: what a power cut would
// leave. It counts Write calls and can be told to fail them (as a full disk would).
struct Durable {
  std::map<std::string, std::vector<uint8_t>> synced;
  size_t writes = 0;
  size_t wal_reads = 0;  // Read calls on a "-wal" file
  bool fail_writes = false;
};

class SyncedBackend final : public FileBackend {
 public:
  explicit SyncedBackend(std::shared_ptr<Durable> d) : d_(std::move(d)) {}
  Result<int> Open(std::string_view name, bool create) override {
    KS_ASSIGN_OR_RETURN(int h, mem_.Open(name, create));
    names_[h] = std::string(name);
    return h;
  }
  Result<size_t> Read(int h, void* buf, size_t n, uint64_t off) override {
    if (names_[h].ends_with("-wal")) ++d_->wal_reads;
    return mem_.Read(h, buf, n, off);
  }
  Status Write(int h, const void* buf, size_t n, uint64_t off) override {
    ++d_->writes;
    if (d_->fail_writes) return Status(Code::kQuotaExceeded, "test: disk full");
    return mem_.Write(h, buf, n, off);
  }
  Status Truncate(int h, uint64_t size) override { return mem_.Truncate(h, size); }
  Result<uint64_t> Size(int h) override { return mem_.Size(h); }
  Status Sync(int h) override {
    KS_ASSIGN_OR_RETURN(uint64_t size, mem_.Size(h));
    std::vector<uint8_t> bytes(size);
    KS_RETURN_IF_ERROR(mem_.Read(h, bytes.data(), bytes.size(), 0).status());
    d_->synced[names_[h]] = std::move(bytes);
    return Status::Ok();
  }
  Status Close(int h) override { return mem_.Close(h); }
  Status Delete(std::string_view name) override {
    d_->synced.erase(std::string(name));
    return mem_.Delete(name);
  }
  Result<bool> Exists(std::string_view name) override { return mem_.Exists(name); }

 private:
  std::shared_ptr<Durable> d_;
  MemoryBackend mem_;
  std::map<int, std::string> names_;
};

// The files as a power cut would leave them, in a fresh backend.
std::unique_ptr<MemoryBackend> AfterPowerCut(const Durable& d) {
  auto b = std::make_unique<MemoryBackend>();
  for (const auto& [name, bytes] : d.synced) {
    auto h = b->Open(name, true);
    EXPECT_TRUE(h.ok());
    EXPECT_TRUE(b->Write(*h, bytes.data(), bytes.size(), 0).ok());
    EXPECT_TRUE(b->Close(*h).ok());
  }
  return b;
}

// A store named `filename` over `backend`, with default options.
Result<std::unique_ptr<Store>> OpenNamed(std::unique_ptr<FileBackend> backend, const std::string& filename) {
  StoreOptions o;
  o.filename = filename;
  return Store::Open(std::move(backend), o);
}

// The VFS batches a WAL's appends (write-behind) but hands them over at every sync: each committed
// transaction is in the synced bytes, and far fewer writes reach the backend than pages written.
TEST(Vfs, WriteBehindBatchesWritesAndKeepsEveryCommitDurable) {
  auto d = std::make_shared<Durable>();
  auto store = OpenNamed(std::make_unique<SyncedBackend>(d), "w.kspace");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Database& db = (*store)->db();
  ASSERT_TRUE(db.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)").ok());
  for (int round = 1; round <= 3; ++round) {
    const size_t before = d->writes;
    {
      auto tx = Transaction::Begin(db);
      ASSERT_TRUE(tx.ok());
      // 400 rows of 3 KB: ~400 pages, each a WAL frame of two writes without the batching.
      ASSERT_TRUE(db.Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) "
                          "INSERT INTO t(v) SELECT randomblob(3000) FROM n").ok());
      ASSERT_TRUE(tx->Commit().ok());
    }
    EXPECT_LT(d->writes - before, 40u) << "round " << round;
    // Power cut right after the commit: the new rows are there.
    auto copy = OpenNamed(AfterPowerCut(*d), "w.kspace");
    ASSERT_TRUE(copy.ok()) << copy.status().ToString();
    EXPECT_EQ(*(*copy)->db().QueryInt("SELECT count(*) FROM t"), 400 * round);
  }
}

// Forwards to another backend, counting Size calls.
class CountingBackend final : public FileBackend {
 public:
  explicit CountingBackend(std::unique_ptr<FileBackend> b) : b_(std::move(b)) {}
  Result<int> Open(std::string_view name, bool create) override { return b_->Open(name, create); }
  Result<size_t> Read(int h, void* buf, size_t n, uint64_t off) override { return b_->Read(h, buf, n, off); }
  Status Write(int h, const void* buf, size_t n, uint64_t off) override { return b_->Write(h, buf, n, off); }
  Status Truncate(int h, uint64_t size) override { return b_->Truncate(h, size); }
  Result<uint64_t> Size(int h) override {
    ++size_calls;
    return b_->Size(h);
  }
  Status Sync(int h) override { return b_->Sync(h); }
  Status Close(int h) override { return b_->Close(h); }
  Status Delete(std::string_view name) override { return b_->Delete(name); }
  Result<bool> Exists(std::string_view name) override { return b_->Exists(name); }
  size_t size_calls = 0;

 private:
  std::unique_ptr<FileBackend> b_;
};

// The VFS keeps each file's size as its own writes and truncations leave it: SQLite asks for the
// database's size at the start of every read transaction while the WAL is empty (after an open),
// and a backend answers through JS (an fstat in Node). After appends, WAL resets and truncations,
// checkpoints and a VACUUM, the size it reports is the file's real one.
TEST(Vfs, KnowsItsFilesSizesWithoutAskingTheBackend) {
  auto d = std::make_shared<Durable>();
  {
    auto store = OpenNamed(std::make_unique<SyncedBackend>(d), "z.kspace");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->db().Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB);"
                                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
                                    "INSERT INTO t(v) SELECT randomblob(1500) FROM n").ok());
  }
  // Reopened after the clean close, the WAL is empty until the next commit.
  auto counted = std::make_unique<CountingBackend>(AfterPowerCut(*d));
  CountingBackend* c = counted.get();
  auto reopened = OpenNamed(std::move(counted), "z.kspace");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  const size_t before = c->size_calls;
  for (int i = 0; i < 200; ++i)
    ASSERT_GT(*(*reopened)->db().QueryInt("SELECT count(*) FROM t WHERE k % 7 = " + std::to_string(i % 7)), 0);
  EXPECT_LE(c->size_calls - before, 2u) << "200 queries asked the backend for a size";
  reopened->reset();

  auto store = OpenNamed(std::make_unique<SyncedBackend>(d), "y.kspace");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Database& db = (*store)->db();
  // The sizes SQLite sees, against the synced bytes (the backend's files after a sync).
  const auto check = [&](const char* when) {
    for (int op : {SQLITE_FCNTL_FILE_POINTER, SQLITE_FCNTL_JOURNAL_POINTER}) {
      sqlite3_file* f = nullptr;
      ASSERT_EQ(sqlite3_file_control(db.handle(), "main", op, &f), SQLITE_OK);
      if (f == nullptr || f->pMethods == nullptr) continue;  // no WAL open
      ASSERT_EQ(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
      sqlite3_int64 size = -1;
      ASSERT_EQ(f->pMethods->xFileSize(f, &size), SQLITE_OK);
      const std::string name = op == SQLITE_FCNTL_FILE_POINTER ? "y.kspace" : "y.kspace-wal";
      ASSERT_TRUE(d->synced.count(name)) << when << " " << name;
      EXPECT_EQ(static_cast<size_t>(size), d->synced[name].size()) << when << " " << name;
    }
  };
  ASSERT_TRUE(db.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)").ok());
  for (int round = 0; round < 4; ++round) {
    ASSERT_TRUE(db.Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
                        "INSERT INTO t(v) SELECT randomblob(1000 + 500 * " + std::to_string(round) + ") FROM n").ok());
  }
  check("after appends");
  ASSERT_TRUE(db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  check("after a truncating checkpoint");
  ASSERT_TRUE(db.Exec("DELETE FROM t WHERE k % 2 = 0").ok());
  ASSERT_TRUE(db.Exec("PRAGMA wal_checkpoint(RESTART)").ok());
  ASSERT_TRUE(db.Exec("INSERT INTO t(v) SELECT randomblob(700) FROM t LIMIT 50").ok());
  check("after a restarted WAL");
  ASSERT_TRUE(db.Exec("VACUUM").ok());
  ASSERT_TRUE(db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  check("after VACUUM");
  EXPECT_EQ(*db.QueryInt("SELECT count(*) FROM t"), 650);
  auto ok = db.Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(*(*ok)->Step());
  EXPECT_EQ((*ok)->Text(0), "ok");
}

// Reads of the WAL go through the read-ahead window (a checkpoint and a scan read frames mostly in
// file order), and the window never serves stale bytes: after a checkpoint, SQLite writes the next
// transactions over the same WAL offsets (RESTART) or into a truncated file (TRUNCATE), and every
// row read back must be the one last committed. The WAL (~100 frames, ~410 KB) fits in one window,
// so after a RESTART the new frames land where the window already holds the old ones. The page
// cache is kept tiny so reads reach the VFS.
TEST(Vfs, WalReadAheadSeesEveryRewrite) {
  auto d = std::make_shared<Durable>();
  auto store = OpenNamed(std::make_unique<SyncedBackend>(d), "r.kspace");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Database& db = (*store)->db();
  ASSERT_TRUE(db.Exec("PRAGMA cache_size = 8; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);"
                      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                      "INSERT INTO t(k, v) SELECT i, '' FROM n").ok());
  const std::string value = "k || ':' || replace(hex(zeroblob(1500)), '0', char(65 + ?1))";
  for (int round = 1; round <= 6; ++round) {
    {
      auto tx = Transaction::Begin(db);
      ASSERT_TRUE(tx.ok());
      auto up = db.PrepareUncached("UPDATE t SET v = " + value);
      ASSERT_TRUE(up.ok());
      up->Bind(1, round);
      ASSERT_TRUE(up->Run().ok());
      ASSERT_TRUE(tx->Commit().ok());
    }
    const size_t before = d->wal_reads;
    {  // (the statement ends its read transaction when it goes: a checkpoint needs that)
      auto check = db.PrepareUncached("SELECT count(*), sum(v = " + value + ") FROM t");
      ASSERT_TRUE(check.ok());
      check->Bind(1, round);
      auto row = check->Step();
      ASSERT_TRUE(row.ok() && *row);
      EXPECT_EQ(check->Int(0), 100);
      EXPECT_EQ(check->Int(1), 100) << "round " << round << ": rows read back differ from the last commit";
    }
    // ~100 pages of 4 KB came from the WAL; page by page that would be ~100 reads.
    EXPECT_LT(d->wal_reads - before, 25u) << "round " << round;
    ASSERT_TRUE(db.Exec(round % 2 ? "PRAGMA wal_checkpoint(RESTART)" : "PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
}

// A write that fails in the batch is reported by the statement that caused it, with its code, and
// the transaction leaves nothing behind.
TEST(Vfs, WriteBehindReportsAFailedWriteAndRollsBack) {
  auto d = std::make_shared<Durable>();
  auto store = OpenNamed(std::make_unique<SyncedBackend>(d), "f.kspace");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Database& db = (*store)->db();
  ASSERT_TRUE(db.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB); INSERT INTO t(v) VALUES (x'01')").ok());
  d->fail_writes = true;
  Status s = Status::Ok();
  {
    auto tx = Transaction::Begin(db);
    ASSERT_TRUE(tx.ok());
    s = db.Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) "
                "INSERT INTO t(v) SELECT randomblob(3000) FROM n");
    if (s.ok()) s = tx->Commit();
  }
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kQuotaExceeded) << s.ToString();
  d->fail_writes = false;
  EXPECT_EQ(*db.QueryInt("SELECT count(*) FROM t"), 1);
  ASSERT_TRUE(db.Exec("INSERT INTO t(v) VALUES (x'02')").ok());
  EXPECT_EQ(*db.QueryInt("SELECT count(*) FROM t"), 2);
  auto copy = OpenNamed(AfterPowerCut(*d), "f.kspace");
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(*(*copy)->db().QueryInt("SELECT count(*) FROM t"), 2);
}

}  // namespace
}  // namespace kspace::store
