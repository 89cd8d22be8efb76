// Ingest and search through the engine: chunks, full text, vectors, hybrid fusion, filters,
// deletes and restores, and the vector index's snapshot and log across reopen.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string_view>
#include <tuple>
#include <nlohmann/json.hpp>

#include <sqlite3.h>

#include "engine.h"
#include "index/vector_index.h"
#include "search/fts_query.h"
#include "search/fts_rank.h"
#include "store/chunks.h"
#include "store/memory_backend.h"
#include "store/posix_backend.h"
#include "store/store.h"
#include "store/vfs.h"
#include "util/half.h"

namespace kspace {
namespace {

using json = nlohmann::json;

const char* kBorrow = R"(# Borrow checking

The borrow checker enforces that references never outlive the data they point to. Lifetimes
describe how long a reference is valid, and non-lexical lifetimes shorten them to their last use.

## Mutable borrows

Only one mutable borrow of a value may exist at a time, which rules out data races at compile time.
)";
const char* kGarden = R"(# Growing tomatoes

Tomatoes need full sun, warm soil and steady watering. Stake or cage the plants early, pinch out
side shoots on cordon varieties, and feed with potash once the first trusses set fruit.
)";
const char* kBread = R"(---
title: Sourdough
tags: [baking, fermentation]
---
# Sourdough

A starter of flour and water ferments with wild yeast. Mix, fold, shape and bake in a hot covered pot.

```bash
echo "no search words in code"
```
)";

class SearchTest : public ::testing::Test {
 protected:
  void Open(std::unique_ptr<store::FileBackend> backend, const std::string& filename = "kspace.db",
            std::function<Status(sqlite3*)> on_connect = nullptr) {
    Engine::Options o;
    o.store.filename = filename;
    o.store.on_connect = std::move(on_connect);
    auto e = Engine::Open(std::move(backend), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }
  json Ok(const std::string& method, const json& args) {
    Reply r = engine_->Call(method, args.dump(), {});
    EXPECT_TRUE(r.status.ok()) << method << ": " << r.status.ToString();
    return r.status.ok() ? json::parse(r.json) : json();
  }
  Status Fail(const std::string& method, const json& args) {
    Reply r = engine_->Call(method, args.dump(), {});
    EXPECT_FALSE(r.status.ok()) << method << " succeeded";
    return r.status;
  }
  json Add(const std::string& space, const std::string& title, const std::string& text) {
    return Ok("addSource", {{"spaceId", space}, {"title", title}, {"text", text}, {"mediaType", "document"},
                            {"origin", "upload"}, {"path", title + ".md"}});
  }
  // A new space "S" holding the notes Borrow, Tomatoes and Sourdough; returns its id.
  std::string ThreeNotes() {
    std::string space = Ok("createSpace", {{"title", "S"}})["id"];
    Add(space, "Borrow", kBorrow);
    Add(space, "Tomatoes", kGarden);
    Add(space, "Sourdough", kBread);
    return space;
  }
  std::vector<std::string> Titles(const json& hits) {
    std::vector<std::string> out;
    for (const auto& h : hits) out.push_back(h["sourceTitle"]);
    return out;
  }
  // A fresh store file in a directory of its own (removed by the caller with remove_all(dir)).
  std::string TempStoreFile(const std::string& tag, std::filesystem::path* dir) {
    *dir = std::filesystem::temp_directory_path() / (tag + std::to_string(getpid()));
    std::filesystem::create_directories(*dir);
    std::string file = (*dir / "s.kspace").string();
    std::filesystem::remove(file);
    return file;
  }
  // Vectors of the space's index not yet in the graph: all of them right after a rebuild from the
  // embeddings, none after a snapshot of a linked index was loaded.
  int64_t Unlinked(const std::string& space) { return Ok("spaceStats", {{"spaceId", space}})["index"]["unlinkedVectors"]; }
  std::unique_ptr<Engine> engine_;
};

TEST_F(SearchTest, IngestsChunksKeywordsAndLinks) {
  Open(std::make_unique<store::MemoryBackend>());
  std::string space = Ok("createSpace", {{"title", "S"}})["id"];
  json src = Add(space, "Borrow", kBorrow);
  EXPECT_EQ(src["status"], "processed");
  EXPECT_GE(src["numChunks"].get<int>(), 1);
  EXPECT_FALSE(src["contentSummary"].is_null());
  EXPECT_FALSE(src["keywords"].empty());
  json chunks = Ok("listChunks", {{"sourceId", src["id"]}});
  ASSERT_EQ(chunks.size(), src["numChunks"].get<size_t>());
  EXPECT_EQ(chunks[0]["chunkIndex"], 0);
  // The two short sections merge into one "section" chunk under their common heading.
  EXPECT_EQ(chunks[0]["headingPath"][0], "Borrow checking");
  EXPECT_EQ(chunks[0]["chunkType"], "section");
  EXPECT_NE(chunks[0]["text"].get<std::string>().find("Mutable borrows"), std::string::npos);
  json bread = Add(space, "Sourdough", kBread);
  EXPECT_EQ(bread["metadata"]["frontMatter"]["title"], "Sourdough");
  json img = Ok("addSource", {{"spaceId", space}, {"title", "pic"}, {"text", "\x01\x02"}, {"mediaType", "image"},
                              {"origin", "upload"}, {"mimeType", "image/png"}});
  EXPECT_EQ(img["status"], "processed");
  EXPECT_EQ(img["numChunks"], 0);
  json pdf = Ok("addSource", {{"spaceId", space}, {"title", "paper"}, {"text", "%PDF-1.4 binary"},
                              {"mediaType", "document"}, {"origin", "upload"}, {"mimeType", "application/pdf"}});
  EXPECT_EQ(pdf["status"], "failed");
  EXPECT_FALSE(pdf["errorMessage"].is_null());
}

TEST_F(SearchTest, TextVectorAndHybridFindTheRightSource) {
  Open(std::make_unique<store::MemoryBackend>());
  const std::string space = ThreeNotes();
  for (const char* mode : {"text", "vector", "hybrid"}) {
    json hits = Ok("search", {{"spaceId", space}, {"query", "borrow checker lifetimes"}, {"mode", mode}, {"k", 3}});
    ASSERT_FALSE(hits.empty()) << mode;
    EXPECT_EQ(hits[0]["sourceTitle"], "Borrow") << mode;
    EXPECT_EQ(hits[0]["rank"], 1);
  }
  json hyb = Ok("search", {{"spaceId", space}, {"query", "tomato plants in sun"}, {"k", 5}});
  EXPECT_EQ(hyb[0]["sourceTitle"], "Tomatoes");
  EXPECT_FALSE(hyb[0]["scores"]["text"].is_null());
  EXPECT_FALSE(hyb[0]["scores"]["vector"].is_null());
  EXPECT_NE(hyb[0]["snippet"].get<std::string>().find("<mark>"), std::string::npos);
  // A query with no word in common still gets vector results (no threshold drops them).
  json vec = Ok("search", {{"spaceId", space}, {"query", "tomatoe"}, {"mode", "hybrid"}});
  EXPECT_FALSE(vec.empty());
  // Filters restrict both sides.
  json f = Ok("search", {{"spaceId", space}, {"query", "borrow"}, {"filter", {{"tags", {"baking"}}}}});
  for (const auto& h : f) EXPECT_EQ(h["sourceTitle"], "Sourdough");
  json none = Ok("search", {{"spaceId", space}, {"query", "borrow"}, {"filter", {{"chunkTypes", {"table"}}}}});
  EXPECT_TRUE(none.empty());
  // Similar to a chunk excludes the chunk itself.
  std::string cid = Ok("search", {{"spaceId", space}, {"query", "sourdough starter"}, {"k", 1}})[0]["chunkId"];
  json sim = Ok("similar", {{"chunkId", cid}, {"k", 2}});
  for (const auto& h : sim) EXPECT_NE(h["chunkId"], cid);
  // Bad input.
  EXPECT_EQ(Fail("search", {{"spaceId", space}, {"query", "x"}, {"k", 0}}).field(), "k");
  EXPECT_EQ(Fail("search", {{"spaceId", space}, {"query", "x"}, {"k", 1e9}}).field(), "k");
  EXPECT_EQ(Fail("search", {{"spaceId", space}, {"query", "   "}}).field(), "query");
  EXPECT_EQ(Fail("search", {{"spaceId", space}, {"query", "x"}, {"filter", {{"colour", "red"}}}}).field(), "filter.colour");
  EXPECT_EQ(Fail("search", {{"spaceId", space}, {"query", "x"}, {"filter", {{"chunkTypes", {"poem"}}}}}).field(),
            "filter.chunkTypes[0]");
  // Any string is a safe query.
  Ok("search", {{"spaceId", space}, {"query", "\"unbalanced ( NEAR* ^col: -x +y AND OR NOT"}});
}

TEST_F(SearchTest, DeletedSourcesLeaveSearchAtOnceAndComeBackOnRestore) {
  Open(std::make_unique<store::MemoryBackend>());
  std::string space = Ok("createSpace", {{"title", "S"}})["id"];
  std::string borrow = Add(space, "Borrow", kBorrow)["id"];
  Add(space, "Tomatoes", kGarden);
  Ok("deleteSource", {{"sourceId", borrow}});
  for (const char* mode : {"text", "vector", "hybrid"}) {
    json hits = Ok("search", {{"spaceId", space}, {"query", "borrow checker lifetimes"}, {"mode", mode}});
    for (const auto& h : hits) EXPECT_NE(h["sourceId"], borrow) << mode;
  }
  Ok("restoreSource", {{"sourceId", borrow}});
  json hits = Ok("search", {{"spaceId", space}, {"query", "borrow checker lifetimes"}, {"mode", "vector"}});
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0]["sourceId"], borrow);
  Ok("deleteSource", {{"sourceId", borrow}});
  Ok("purgeSource", {{"sourceId", borrow}});
  EXPECT_TRUE(Ok("search", {{"spaceId", space}, {"query", "borrow"}, {"mode", "text"}}).empty());
  EXPECT_EQ(Ok("check", json::object())["ok"], true);
}

TEST_F(SearchTest, IndexSurvivesReopenWithSnapshotAndReplaysTheLog) {
  std::filesystem::path dir;
  const std::string file = TempStoreFile("ks-search-", &dir);
  Open(std::make_unique<store::PosixBackend>(), file);
  std::string space = Ok("createSpace", {{"title", "S"}})["id"];
  Add(space, "Borrow", kBorrow);
  Add(space, "Tomatoes", kGarden);
  ASSERT_TRUE(engine_->Close().ok());  // saves the snapshot
  Open(std::make_unique<store::PosixBackend>(), file);
  json hits = Ok("search", {{"spaceId", space}, {"query", "staking tomato plants"}, {"mode", "vector"}});
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0]["sourceTitle"], "Tomatoes");
  // Changes after the snapshot, then an abrupt end (no Close: no snapshot saved).
  std::string bread = Add(space, "Sourdough", kBread)["id"];
  Ok("deleteSource", {{"sourceId", Ok("search", {{"spaceId", space}, {"query", "borrow"}, {"k", 1}})[0]["sourceId"]}});
  engine_.reset();
  Open(std::make_unique<store::PosixBackend>(), file);
  hits = Ok("search", {{"spaceId", space}, {"query", "wild yeast starter"}, {"mode", "vector"}});
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0]["sourceId"], bread) << "replayed add";
  hits = Ok("search", {{"spaceId", space}, {"query", "borrow checker lifetimes"}, {"mode", "vector"}});
  for (const auto& h : hits) EXPECT_NE(h["sourceTitle"], "Borrow") << "replayed remove";
  engine_.reset();
  std::filesystem::remove_all(dir);
}

// The first searches after a reopen are answered from the snapshot without loading the index
// (VectorSpaces::ScanSearch), with the log written after the snapshot applied, and give what the
// loaded index gives (this index is small enough to be searched exactly either way).
TEST_F(SearchTest, SearchesBeforeTheIndexLoadsAnswerAsTheLoadedIndex) {
  std::filesystem::path dir;
  const std::string file = TempStoreFile("ks-scan-", &dir);
  Open(std::make_unique<store::PosixBackend>(), file);
  std::string space = ThreeNotes();
  ASSERT_TRUE(engine_->Close().ok());  // saves the snapshot
  Open(std::make_unique<store::PosixBackend>(), file);
  // Changes after the snapshot, then an abrupt end: the log holds an add and a remove.
  std::string extra = Add(space, "Compost", "# Compost\n\nGarden waste and kitchen scraps rot into soil food for tomatoes.\n")["id"];
  std::string borrow = Ok("search", {{"spaceId", space}, {"query", "borrow checker"}, {"k", 1}, {"mode", "text"}})[0]["sourceId"];
  Ok("deleteSource", {{"sourceId", borrow}});
  engine_.reset();
  Open(std::make_unique<store::PosixBackend>(), file);
  const std::vector<json> queries = {
      {{"spaceId", space}, {"query", "staking tomato plants"}, {"mode", "vector"}},
      {{"spaceId", space}, {"query", "wild yeast starter"}, {"mode", "hybrid"}, {"k", 2}},
      {{"spaceId", space}, {"query", "soil for the garden"}, {"mode", "vector"}, {"filter", {{"chunkTypes", {"paragraph"}}}}},
      {{"spaceId", space}, {"query", "lifetimes of references"}, {"mode", "hybrid"}},
  };
  std::vector<json> before;
  for (size_t i = 0; i < 3; ++i) before.push_back(Ok("search", queries[i]));
  EXPECT_TRUE(Ok("stats", json::object())["loadedIndexes"].empty()) << "searches did not load the index";
  for (const auto& h : before[0]) EXPECT_NE(h["sourceId"], borrow) << "the logged remove applies";
  bool found_extra = false;
  for (const auto& h : before[2]) found_extra |= h["sourceId"] == extra;
  EXPECT_TRUE(found_extra) << "the logged add applies";
  // Three scans and nothing loaded the index meanwhile: the next search loads it.
  before.push_back(Ok("search", queries[3]));
  ASSERT_EQ(Ok("stats", json::object())["loadedIndexes"].size(), 1u);
  EXPECT_EQ(Ok("warmIndex", {{"spaceId", space}})["alreadyLoaded"], true);
  for (size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(Ok("search", queries[i]).dump(), before[i].dump()) << queries[i].dump();
  }
  // Without an id, warmIndex loads what searches scanned; here nothing is left to load.
  EXPECT_TRUE(Ok("warmIndex", json::object())["spaceId"].is_null());
  // After a reopen, one scan, then warmIndex without an id loads the scanned index.
  ASSERT_TRUE(engine_->Close().ok());
  Open(std::make_unique<store::PosixBackend>(), file);
  EXPECT_EQ(Ok("search", queries[1]).dump(), before[1].dump());
  EXPECT_TRUE(Ok("stats", json::object())["loadedIndexes"].empty());
  json warm = Ok("warmIndex", json::object());
  EXPECT_EQ(warm["spaceId"], space);
  EXPECT_EQ(warm["alreadyLoaded"], false);
  ASSERT_EQ(Ok("stats", json::object())["loadedIndexes"].size(), 1u);
  engine_.reset();
  std::filesystem::remove_all(dir);
}

// Runs fn(db) on the store file through a plain SQLite connection (the engine must be closed).
template <typename Fn>
void WithRawStore(const std::string& file, Fn&& fn) {
  auto vfs = store::Vfs::Register(std::make_unique<store::PosixBackend>());
  ASSERT_TRUE(vfs.ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, (*vfs)->name().c_str()), SQLITE_OK);
  fn(db);
  sqlite3_close(db);
}

std::vector<uint8_t> StoredSnapshot(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT data FROM vector_index_snapshots", -1, &st, nullptr);
  std::vector<uint8_t> out;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 0));
    out.assign(p, p + sqlite3_column_bytes(st, 0));
  }
  sqlite3_finalize(st);
  return out;
}

void PutSnapshot(sqlite3* db, const std::vector<uint8_t>& bytes) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "UPDATE vector_index_snapshots SET data = ?", -1, &st, nullptr);
  sqlite3_bind_blob(st, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
}

// Snapshots are int8 and read from the blob in pieces. One saved as float32 (an earlier version)
// loads as int8 and is saved again as int8; a damaged one is rebuilt from the embeddings. Search
// answers are the same every time.
TEST_F(SearchTest, SnapshotsAreInt8AndOldOrDamagedOnesStillServe) {
  std::filesystem::path dir;
  const std::string file = TempStoreFile("ks-snap-", &dir);
  Open(std::make_unique<store::PosixBackend>(), file);
  const std::string space = ThreeNotes();
  auto answers = [&]() {
    std::vector<json> out;
    for (const char* q : {"staking tomato plants", "wild yeast starter", "borrow checker lifetimes"}) {
      out.push_back(Ok("search", {{"spaceId", space}, {"query", q}, {"mode", "vector"}, {"k", 3}}));
    }
    return out;
  };
  const std::vector<json> expected = answers();
  while (Unlinked(space) > 0) Ok("indexStep", {{"budgetMs", 50}});  // link, so a load shows as 0
  ASSERT_TRUE(engine_->Close().ok());
  std::vector<uint8_t> saved;
  WithRawStore(file, [&](sqlite3* db) { saved = StoredSnapshot(db); });
  ASSERT_EQ(index::VectorIndex::StoredEncoding(saved), index::Encoding::kInt8);

  // As an earlier version saved it: float32 (same graph).
  auto f32 = index::VectorIndex::Deserialize(saved, index::Encoding::kFloat32);
  ASSERT_TRUE(f32.ok());
  auto f32_bytes = (*f32)->Serialize();
  ASSERT_TRUE(f32_bytes.ok());
  WithRawStore(file, [&](sqlite3* db) { PutSnapshot(db, *f32_bytes); });
  Open(std::make_unique<store::PosixBackend>(), file);
  EXPECT_EQ(answers(), expected);
  EXPECT_EQ(Unlinked(space), 0) << "the float32 snapshot was loaded, not rebuilt";
  ASSERT_TRUE(engine_->Close().ok());
  WithRawStore(file, [&](sqlite3* db) {
    EXPECT_EQ(index::VectorIndex::StoredEncoding(StoredSnapshot(db)), index::Encoding::kInt8) << "saved again as int8";
  });

  // Damaged in the middle (only the checksum can tell): rebuilt, same answers.
  std::vector<uint8_t> damaged = saved;
  damaged[damaged.size() / 2] ^= 0x01;
  WithRawStore(file, [&](sqlite3* db) { PutSnapshot(db, damaged); });
  Open(std::make_unique<store::PosixBackend>(), file);
  EXPECT_EQ(answers(), expected);
  EXPECT_GT(Unlinked(space), 0) << "the damaged snapshot was rebuilt, not loaded";
  engine_.reset();
  std::filesystem::remove_all(dir);
}

// The vectors an ingest hands the index (from memory, not read back from SQLite) are the ones it
// stored: every label's vector in the saved snapshot is its stored embedding, quantised.
TEST_F(SearchTest, IngestedVectorsInTheIndexAreTheStoredEmbeddings) {
  std::filesystem::path dir;
  const std::string file = TempStoreFile("ks-fresh-", &dir);
  Open(std::make_unique<store::PosixBackend>(), file);
  std::string space = Ok("createSpace", {{"title", "S"}})["id"];
  Add(space, "Parsers", "Parsers turn a stream of tokens into a syntax tree.");  // loads the space's index: later batches are added to it
  json sources = json::array();
  std::string bytes;  // the sources' texts, one after another (the worker's binary input)
  for (const auto& [title, text] : {std::pair{"Borrow", kBorrow}, {"Tomatoes", kGarden}, {"Sourdough", kBread}}) {
    sources.push_back({{"title", title}, {"content", "text"}, {"size", std::string_view(text).size()},
                       {"mediaType", "document"}, {"origin", "upload"}});
    bytes += text;
  }
  Reply r = engine_->Call("ingestStage", json{{"spaceId", space}, {"sources", sources}}.dump(),
                          std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  json staged = json::parse(r.json);
  json ids = json::array();
  for (const auto& s : staged) ids.push_back(s["id"]);
  json done = Ok("ingestProcess", {{"sourceIds", ids}});  // one batch
  ASSERT_GE(done["chunks"].get<int>(), 3);
  ASSERT_TRUE(engine_->Close().ok());
  std::vector<uint8_t> saved;
  std::vector<std::pair<int64_t, std::vector<float>>> stored;
  WithRawStore(file, [&](sqlite3* db) {
    saved = StoredSnapshot(db);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT chunk_label, vector FROM embeddings", -1, &st, nullptr), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
      // Stored as halves: 2 bytes per dimension of the built-in model (store/chunks.h).
      std::span<const uint8_t> blob(static_cast<const uint8_t*>(sqlite3_column_blob(st, 1)),
                                    static_cast<size_t>(sqlite3_column_bytes(st, 1)));
      ASSERT_EQ(blob.size(), 2u * 512u);
      std::vector<float> v;
      ASSERT_TRUE(store::DecodeStoredVector(blob, 512, v));
      stored.emplace_back(sqlite3_column_int64(st, 0), std::move(v));
    }
    sqlite3_finalize(st);
  });
  auto idx = index::VectorIndex::Deserialize(saved);
  ASSERT_TRUE(idx.ok()) << idx.status().ToString();
  ASSERT_EQ(stored.size(), (*idx)->live_size());
  for (const auto& [label, v] : stored) {
    auto got = (*idx)->GetVector(static_cast<index::Label>(label));
    ASSERT_TRUE(got.ok()) << "label " << label;
    double dot = 0, nv = 0, ng = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      dot += static_cast<double>(v[i]) * (*got)[i];
      nv += static_cast<double>(v[i]) * v[i];
      ng += static_cast<double>((*got)[i]) * (*got)[i];
    }
    EXPECT_GT(dot / std::sqrt(nv * ng), 0.99) << "label " << label;
  }
  engine_.reset();
  std::filesystem::remove_all(dir);
}

// Chunk vectors are stored as halves; a vector with a value beyond the half range is stored as
// float32, and stores written before halves (float32 rows) keep serving: both forms are read by
// their size, in search, similar and a rebuild of the index from the table.
TEST_F(SearchTest, StoredVectorsAreHalvesAndFloat32RowsStillServe) {
  std::filesystem::path dir;
  const std::string file = TempStoreFile("ks-halves-", &dir);
  Open(std::make_unique<store::PosixBackend>(), file);
  const std::string space = ThreeNotes();
  json before = Ok("search", {{"spaceId", space}, {"query", "mutable borrow lifetimes"}, {"k", 3}, {"mode", "vector"}});
  ASSERT_EQ(before.size(), 3u);
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();

  int64_t label = 0;
  {
    store::StoreOptions so;
    so.filename = file;
    auto st = store::Store::Open(std::make_unique<store::PosixBackend>(), so);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    store::Database& db = (*st)->db();
    auto sizes = db.QueryInt("SELECT count(*) FROM embeddings WHERE length(vector) <> 1024");
    ASSERT_TRUE(sizes.ok());
    EXPECT_EQ(*sizes, 0);  // every built-in vector as 512 halves
    auto l = db.QueryInt("SELECT max(chunk_label) FROM embeddings");  // a Sourdough chunk
    ASSERT_TRUE(l.ok());
    label = *l;
    // Out of the half range: kept as float32, read back exactly.
    std::vector<float> big(512, 0.0f);
    big[0] = 1e6f;
    big[1] = -3.5f;
    ASSERT_TRUE(store::PutEmbedding(db, label, "kspace-builtin-v1", big).ok());
    auto got = store::GetEmbedding(db, label, "kspace-builtin-v1");
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ(**got, big);
    auto size = db.QueryInt("SELECT length(vector) FROM embeddings WHERE chunk_label = " + std::to_string(label));
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, 2048);
    // A wrong size is no vector: readers skip it.
    std::vector<float> out;
    EXPECT_FALSE(store::DecodeStoredVector(std::vector<uint8_t>(1000), 512, out));
    EXPECT_TRUE(out.empty());
  }
  // Every row as float32 (a store from before halves), and no snapshot: the index is rebuilt
  // from the table on the next search.
  WithRawStore(file, [&](sqlite3* db) {
    sqlite3_stmt* read = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT chunk_label, vector FROM embeddings WHERE length(vector) = 1024", -1, &read, nullptr), SQLITE_OK);
    std::vector<std::pair<int64_t, std::vector<float>>> rows;
    while (sqlite3_step(read) == SQLITE_ROW) {
      std::vector<float> v(512);
      DecodeHalves(std::span(static_cast<const uint8_t*>(sqlite3_column_blob(read, 1)), 1024), v);
      rows.emplace_back(sqlite3_column_int64(read, 0), std::move(v));
    }
    sqlite3_finalize(read);
    ASSERT_FALSE(rows.empty());
    sqlite3_stmt* write = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE embeddings SET vector = ?2 WHERE chunk_label = ?1", -1, &write, nullptr), SQLITE_OK);
    for (const auto& [l, v] : rows) {
      sqlite3_bind_int64(write, 1, l);
      sqlite3_bind_blob(write, 2, v.data(), static_cast<int>(v.size() * sizeof(float)), SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(write), SQLITE_DONE);
      sqlite3_reset(write);
    }
    sqlite3_finalize(write);
    ASSERT_EQ(sqlite3_exec(db, "DELETE FROM vector_index_snapshots", nullptr, nullptr, nullptr), SQLITE_OK);
  });
  Open(std::make_unique<store::PosixBackend>(), file);
  json after = Ok("search", {{"spaceId", space}, {"query", "mutable borrow lifetimes"}, {"k", 3}, {"mode", "vector"}});
  ASSERT_EQ(after.size(), 3u);
  // The outlier vector (a Sourdough chunk) points along one axis; the others rank as before.
  EXPECT_EQ(after[0]["sourceTitle"], before[0]["sourceTitle"]);
  EXPECT_EQ(after[0]["sourceTitle"], "Borrow");
  json similar = Ok("similar", {{"chunkId", after[0]["chunkId"]}, {"k", 2}});
  EXPECT_FALSE(similar.empty());
  engine_.reset();
  std::filesystem::remove_all(dir);
}

// A digest does not depend on whether the worker's idle step (linking, then saving the snapshot)
// ran before it: the unit suite compared two digests around calls that change nothing and failed
// now and then, when a timer turn came between them.
TEST_F(SearchTest, DigestIsTheSameBeforeAndAfterIdleWork) {
  Open(std::make_unique<store::MemoryBackend>());
  std::string space = Ok("createSpace", {{"title", "S"}})["id"];
  Add(space, "Borrow", kBorrow);
  Add(space, "Tomatoes", kGarden);
  ASSERT_GT(Unlinked(space), 0);
  const std::string first = Ok("digest", json::object())["digest"];
  EXPECT_EQ(Unlinked(space), 0);
  Ok("indexStep", {{"budgetMs", 50}});
  EXPECT_EQ(Ok("digest", json::object())["digest"], first);
}

// A long section is cut into chunks whose bodies after the first no longer hold the heading line;
// full text still finds every one by its heading path (a column of its own), whether the stored
// path needs JSON escapes or not.
TEST_F(SearchTest, EveryChunkOfASectionIsFoundByItsHeading) {
  Open(std::make_unique<store::MemoryBackend>());
  std::string space = Ok("createSpace", {{"title", "S"}})["id"];
  std::string body;
  for (int i = 0; i < 120; ++i) body += "Sentence " + std::to_string(i) + " is about small birds of prey over fields. ";
  for (const auto& [title, heading, word] : {std::tuple{"Birds", "Kestrel", "kestrel"},
                                             {"Craft", "The \"Zeppelin\" back\\slash", "zeppelin"}}) {
    json src = Add(space, title, std::string("# ") + heading + "\n\n" + body + "\n");
    const int chunks = src["numChunks"];
    ASSERT_GE(chunks, 2) << title;
    json hits = Ok("search", {{"spaceId", space}, {"query", word}, {"mode", "text"}, {"k", 50}});
    EXPECT_EQ(static_cast<int>(hits.size()), chunks) << word;
  }
}

// The undo of a failed staging (ingestDiscard with the space's stamp from before it) leaves the
// store exactly as it was; without a stamp (a cancel) the space gets a new one.
TEST_F(SearchTest, DiscardingAFailedStagingRestoresTheSpace) {
  Open(std::make_unique<store::MemoryBackend>());
  std::string space = Ok("createSpace", {{"title", "S"}})["id"];
  const json before_space = Ok("getSpace", {{"spaceId", space}});
  const std::string before = Ok("digest", json::object())["digest"];
  auto stage = [&] {
    const std::string text = "a staged note about tides";
    json sources = json::array({json{{"title", "t"}, {"content", "text"}, {"size", text.size()}, {"mediaType", "text"}, {"origin", "paste"}}});
    Reply r = engine_->Call("ingestStage", json{{"spaceId", space}, {"sources", sources}}.dump(),
                            std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    return json::array({json::parse(r.json)[0]["id"]});
  };
  json ids = stage();
  Status half = Fail("ingestDiscard", {{"sourceIds", ids}, {"lastUpdatedAt", before_space["lastUpdatedAt"]}});
  EXPECT_EQ(half.code(), Code::kInvalidArgument);
  EXPECT_EQ(half.field(), "lastUpdatedBy");
  EXPECT_EQ(Fail("ingestDiscard", {{"sourceIds", ids}, {"lastUpdatedAt", "yesterday"}, {"lastUpdatedBy", before_space["lastUpdatedBy"]}}).field(),
            "lastUpdatedAt");
  EXPECT_EQ(Ok("ingestDiscard", {{"sourceIds", ids}, {"lastUpdatedAt", before_space["lastUpdatedAt"]},
                                 {"lastUpdatedBy", before_space["lastUpdatedBy"]}})["discarded"], 1);
  EXPECT_EQ(Ok("digest", json::object())["digest"], before);
  EXPECT_EQ(Ok("getSpace", {{"spaceId", space}}), before_space);

  ids = stage();
  EXPECT_EQ(Ok("ingestDiscard", {{"sourceIds", ids}})["discarded"], 1);
  EXPECT_EQ(Ok("getSpace", {{"spaceId", space}})["documentCount"], before_space["documentCount"]);
}

// A search counts its words' document frequencies (ks_df: a walk of each word's posting list)
// once: a hybrid search reads the full-text side's words off the query vector's lookup, and
// neither looks up the embedder's stopwords. Counted by tracing the engine's connection.
TEST_F(SearchTest, ASearchCountsDocumentFrequenciesOnce) {
  std::vector<std::string> lookups;  // ks_df statements run, with their MATCH bound
  Open(std::make_unique<store::MemoryBackend>(), "kspace.db", [&lookups](sqlite3* db) {
    const auto trace = [](unsigned, void* ctx, void* p, void*) -> int {
      auto* stmt = static_cast<sqlite3_stmt*>(p);
      if (std::string_view(sqlite3_sql(stmt)).find("ks_df(") != std::string_view::npos) {
        char* sql = sqlite3_expanded_sql(stmt);
        static_cast<std::vector<std::string>*>(ctx)->push_back(sql ? sql : "");
        sqlite3_free(sql);
      }
      return 0;
    };
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace, &lookups);
    return Status::Ok();
  });
  const std::string space = ThreeNotes();
  for (const char* mode : {"hybrid", "text"}) {
    lookups.clear();
    json hits = Ok("search", {{"spaceId", space}, {"query", "the borrow checker of the lifetimes"}, {"mode", mode}});
    ASSERT_FALSE(hits.empty()) << mode;
    ASSERT_EQ(lookups.size(), 1u) << mode;
    EXPECT_NE(lookups[0].find("\"borrow\""), std::string::npos) << lookups[0];
    EXPECT_EQ(lookups[0].find("\"the\""), std::string::npos) << lookups[0];
  }
}

// store::FtsSearch keeps its own top k and skips rows whose BM25F bound cannot reach it. Its hits
// must equal a full ranking by ks_bm25 in SQL, restricted to the space, for common and rare words,
// one word and several, small and large k, and a space whose words mostly match another space.
TEST_F(SearchTest, FullTextTopKEqualsAFullSortAndSkipsRows) {
  std::filesystem::path dir;
  const std::string file = TempStoreFile("ks-fts-topk-", &dir);
  Open(std::make_unique<store::PosixBackend>(), file);
  const std::string big = Ok("createSpace", {{"title", "big"}})["id"];
  const std::string small = Ok("createSpace", {{"title", "small"}})["id"];
  uint32_t seed = 12345;
  const auto rnd = [&seed](uint32_t n) { seed = seed * 1103515245u + 12345u; return (seed >> 8) % n; };
  // Zipf-like word choice over 300 words: a few common ones, many rare ones; lengths vary.
  const auto word = [&rnd]() { const uint32_t r = rnd(300); return "w" + std::to_string(r * r / 300); };
  for (int i = 0; i < 400; ++i) {
    std::string text = "# Note " + std::to_string(i) + "\n\n";
    const uint32_t words = 5 + rnd(120);
    for (uint32_t w = 0; w < words; ++w) text += word() + (w % 17 == 16 ? ".\n\n" : " ");
    const std::string& space = i % 8 == 0 ? small : big;
    Add(space, "n" + std::to_string(i), text);
  }
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();

  store::StoreOptions so;
  so.filename = file;
  so.on_connect = [](sqlite3* db) { return search::RegisterFtsFunctions(db); };
  auto st = store::Store::Open(std::make_unique<store::PosixBackend>(), so);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  store::Database& db = (*st)->db();
  int64_t skipped_queries = 0, answered = 0;
  for (const std::string query : {"w0", "w0 w1 w2", "w3 w150 w290", "w5 w7", "w298", "w20 w21 w22 w23 w24", "w1 w250"}) {
    const std::string match = search::BuildMatchQuery(query);
    for (const std::string& space : {big, small}) {
      // The reference: every matching row scored, sorted best first, then the space's first k.
      auto ref = db.Prepare(
          "SELECT f.rowid, -ks_bm25(chunk_fts) AS s FROM chunk_fts f JOIN chunks c ON c.label = f.rowid "
          "WHERE chunk_fts MATCH ?1 AND c.space_id = ?2 ORDER BY ks_bm25(chunk_fts), f.rowid");
      ASSERT_TRUE(ref.ok());
      (*ref)->BindAll(match, space);
      std::vector<store::FtsHit> all;
      for (;;) {
        auto row = (*ref)->Step();
        ASSERT_TRUE(row.ok());
        if (!*row) break;
        all.push_back(store::FtsHit{(*ref)->Int(0), (*ref)->Double(1)});
      }
      if (!all.empty()) ++answered;
      auto count = db.Prepare("SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH ?1");
      ASSERT_TRUE(count.ok());
      (*count)->BindAll(match);
      ASSERT_TRUE(*(*count)->Step());
      const int64_t matching = (*count)->Int(0);
      for (int64_t k : {1, 3, 10, 100, 100000}) {
        store::FtsSearchCounts counts;
        auto hits = store::FtsSearch(db, space, match, k, nullptr, &counts);
        ASSERT_TRUE(hits.ok()) << hits.status().ToString();
        EXPECT_EQ(counts.matched, matching) << query;
        EXPECT_LE(counts.scored, counts.matched) << query;
        // The bound at work: a short list of a common query scores only some of its rows.
        if (k <= 10 && matching >= 100 && counts.scored < counts.matched) ++skipped_queries;
        const size_t want = std::min<size_t>(all.size(), static_cast<size_t>(k));
        ASSERT_EQ(hits->size(), want) << query << " k=" << k;
        for (size_t i = 0; i < want; ++i) {
          EXPECT_EQ((*hits)[i].label, all[i].label) << query << " k=" << k << " #" << i;
          EXPECT_EQ((*hits)[i].score, all[i].score) << query << " k=" << k << " #" << i;
        }
      }
    }
  }
  EXPECT_GE(answered, 12);
  EXPECT_GE(skipped_queries, 8);
  // Without a bound pointer the function fails the query instead of guessing.
  sqlite3_stmt* bad = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.handle(), "SELECT ks_bm25_cut(chunk_fts, 1) FROM chunk_fts WHERE chunk_fts MATCH 'w0'",
                               -1, &bad, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(bad), SQLITE_ERROR);
  sqlite3_finalize(bad);
  st->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kspace
