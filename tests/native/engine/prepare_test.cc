// Ingest with a Preparer (api/prepare.h): batches handed off, prepared outside the store's engine
// one batch ahead of the commits, and committed, must leave the store as a serial ingest does.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "api/prepare.h"
#include "engine.h"
#include "store/fts_replay.h"
#include "store/memory_backend.h"

namespace kspace {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

struct Input {
  json sources = json::array();
  std::vector<uint8_t> bytes;
  void Add(const std::string& title, const std::string& text, const std::string& mime = "text/markdown",
           const std::string& media = "document") {
    bytes.insert(bytes.end(), text.begin(), text.end());
    sources.push_back({{"title", title}, {"mediaType", media}, {"origin", "vault"}, {"mimeType", mime},
                       {"path", title + ".md"}, {"content", "text"}, {"size", text.size()}});
  }
};

// 80 Rust RFCs (real Markdown) and a few odd sources: a wikilink between notes, an image, a PDF
// (fails), an empty note.
Input Corpus() {
  Input in;
  const fs::path dir = fs::path(KSPACE_SOURCE_DIR) / ".." / "shared" / "data" / "rust-rfcs" / "text";
  std::vector<fs::path> files;
  if (fs::exists(dir)) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.size() > 80) files.resize(80);
  for (const fs::path& p : files) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    in.Add(p.stem().string(), ss.str());
  }
  in.Add("Links", "# Links\n\nSee [[Target note]] and #gardening for more about the borrow checker.\n");
  in.Add("Target note", "---\ntags: [a, b]\n---\n# Target\n\nThe note others link to, about tomatoes.\n");
  in.Add("pic", "\x01\x02\x03", "image/png", "image");
  in.Add("paper", "%PDF-1.4 binary", "application/pdf");
  in.Add("empty", "   \n\n  ");
  return in;
}

class PrepareTest : public ::testing::Test {
 protected:
  static std::unique_ptr<Engine> Open() {
    Engine::Options o;
    o.store.filename = "kspace.db";
    auto e = Engine::Open(std::make_unique<store::MemoryBackend>(), o);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(*e) : nullptr;
  }
  static Reply Call(Engine& e, const std::string& method, const json& args, std::span<const uint8_t> in = {}) {
    Reply r = e.Call(method, args.dump(), in);
    EXPECT_TRUE(r.status.ok()) << method << ": " << r.status.ToString();
    return r;
  }
  static json Ok(Engine& e, const std::string& method, const json& args, std::span<const uint8_t> in = {}) {
    Reply r = Call(e, method, args, in);
    return r.status.ok() ? json::parse(r.json) : json();
  }
  // Stages the corpus; returns the space id and the staged ids in batches of `per_batch`.
  static std::pair<std::string, std::vector<json>> Stage(Engine& e, const Input& in, size_t per_batch) {
    std::string space = Ok(e, "createSpace", {{"title", "S"}})["id"];
    json staged = Ok(e, "ingestStage", {{"spaceId", space}, {"sources", in.sources}}, in.bytes);
    std::vector<json> batches;
    for (size_t i = 0; i < staged.size(); ++i) {
      if (i % per_batch == 0) batches.push_back(json::array());
      batches.back().push_back(staged[i]["id"]);
    }
    return {space, batches};
  }
  // What a reader sees of the space: per source title, its row and its chunks (ids and times
  // aside, which are new in every ingest).
  static std::map<std::string, json> Snapshot(Engine& e, const std::string& space) {
    std::map<std::string, json> out;
    json sources = Ok(e, "listSources", {{"spaceId", space}, {"limit", 1000}});
    for (const json& s : sources) {
      json chunks = Ok(e, "listChunks", {{"sourceId", s["id"]}});
      for (json& c : chunks) {
        for (const char* k : {"id", "sourceId", "contentSourceId", "spaceId", "createdAt"}) c.erase(k);
      }
      json row = s;
      for (const char* k : {"id", "createdAt", "updatedAt", "spaceId", "ownerId"}) row.erase(k);
      out[s["title"].get<std::string>()] = json{{"row", row}, {"chunks", chunks}};
    }
    return out;
  }
};

TEST_F(PrepareTest, HandedOffBatchesPreparedAheadEqualASerialIngest) {
  const Input in = Corpus();
  ASSERT_GT(in.sources.size(), 50u) << "the RFC corpus is missing";

  auto serial = Open();
  auto [s_space, s_batches] = Stage(*serial, in, 7);
  for (const json& ids : s_batches) Ok(*serial, "ingestProcess", {{"sourceIds", ids}});

  auto piped = Open();
  auto [p_space, p_batches] = Stage(*piped, in, 7);
  api::EngineConfig config;
  api::Preparer preparer(config);
  Reply terms = Call(*piped, "ingestTermStats", {{"spaceId", p_space}});
  ASSERT_TRUE(preparer.LoadTerms(terms.bytes).ok());
  // Batch i+1 is handed off and prepared before batch i commits, as the worker pipelines them.
  std::vector<std::pair<int64_t, std::vector<uint8_t>>> ready;
  auto prepare = [&](const json& ids) {
    Reply h = Call(*piped, "ingestProcess", {{"sourceIds", ids}, {"handOff", true}});
    json j = json::parse(h.json);
    ASSERT_TRUE(j["handOff"].get<bool>());
    auto out = preparer.Prepare(h.bytes);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ready.emplace_back(j["batchId"].get<int64_t>(), std::move(*out));
  };
  prepare(p_batches[0]);
  const store::FtsReplayCounts before = store::GetFtsReplayCounts();
  for (size_t b = 0; b < p_batches.size(); ++b) {
    if (b + 1 < p_batches.size()) prepare(p_batches[b + 1]);
    auto [id, bytes] = std::move(ready[b]);
    json r = Ok(*piped, "ingestProcess", {{"batchId", id}, {"prepared", true}}, bytes);
    EXPECT_EQ(r["sources"].size(), p_batches[b].size());
  }

  // The commits took the Preparer's full-text tokens instead of tokenising (three columns per
  // chunk), and the index they built is the one tokenising builds: SQLite's integrity check
  // re-tokenises every stored row and compares it with the FTS5 index.
  const store::FtsReplayCounts after = store::GetFtsReplayCounts();
  int64_t chunks = 0;
  for (const auto& [title, v] : Snapshot(*piped, p_space)) chunks += static_cast<int64_t>(v["chunks"].size());
  EXPECT_EQ(after.replayed - before.replayed, 3 * chunks);
  EXPECT_EQ(after.tokenized - before.tokenized, 0);
  json check = Ok(*piped, "check", json::object());
  EXPECT_TRUE(check["ok"].get<bool>()) << check.dump();

  const auto want = Snapshot(*serial, s_space);
  const auto got = Snapshot(*piped, p_space);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [title, w] : want) {
    ASSERT_EQ(got.count(title), 1u) << title;
    EXPECT_EQ(got.at(title)["row"], w["row"]) << title;
    EXPECT_EQ(got.at(title)["chunks"], w["chunks"]) << title;
  }
  EXPECT_EQ(got.at("paper")["row"]["status"], "failed");
  EXPECT_EQ(got.at("Links")["row"]["status"], "processed");
  // Search, links and the map see the same space.
  for (const char* q : {"borrow checker lifetimes", "trait objects", "tomatoes"}) {
    for (const char* mode : {"text", "vector", "hybrid"}) {
      json a = Ok(*serial, "search", {{"spaceId", s_space}, {"query", q}, {"k", 10}, {"mode", mode}});
      json b = Ok(*piped, "search", {{"spaceId", p_space}, {"query", q}, {"k", 10}, {"mode", mode}});
      ASSERT_EQ(a.size(), b.size()) << q << " " << mode;
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i]["sourceTitle"], b[i]["sourceTitle"]) << q << " " << mode << " #" << i;
        EXPECT_EQ(a[i]["text"], b[i]["text"]);
      }
    }
  }
  json edges = Ok(*piped, "mapEdges", {{"spaceId", p_space}, {"kinds", {"wikilink"}}});
  EXPECT_EQ(edges.size(), Ok(*serial, "mapEdges", {{"spaceId", s_space}, {"kinds", {"wikilink"}}}).size());
  EXPECT_EQ(edges.size(), 1u);
}

TEST_F(PrepareTest, BadPreparedBytesAreRefusedAndChangeNothing) {
  Input in;
  in.Add("a", "# A\n\nSome text about borrowing and lifetimes in Rust programs.\n");
  in.Add("b", "# B\n\nAnother note, about tomatoes and sun.\n");
  auto e = Open();
  auto [space, batches] = Stage(*e, in, 10);
  api::Preparer preparer{api::EngineConfig{}};
  Reply h = Call(*e, "ingestProcess", {{"sourceIds", batches[0]}, {"handOff", true}});
  const int64_t id = json::parse(h.json)["batchId"];
  auto out = preparer.Prepare(h.bytes);
  ASSERT_TRUE(out.ok());
  std::vector<uint8_t> cut(out->begin(), out->begin() + static_cast<std::ptrdiff_t>(out->size() / 2));
  Reply bad = e->Call("ingestProcess", json{{"batchId", id}, {"prepared", true}}.dump(), cut);
  EXPECT_EQ(bad.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status.field(), "bytes");
  // Nothing was written: both sources are still staged, and can be processed normally.
  for (const json& s : Ok(*e, "listSources", {{"spaceId", space}})) EXPECT_EQ(s["status"], "processing");
  json r = Ok(*e, "ingestProcess", {{"sourceIds", batches[0]}});
  EXPECT_EQ(r["sources"][0]["status"], "processed");
  // The arguments go together or not at all.
  EXPECT_EQ(e->Call("ingestProcess", json{{"sourceIds", batches[0]}, {"prepared", true}}.dump(), {}).status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(e->Call("ingestProcess", json{{"batchId", 1}, {"handOff", true}}.dump(), {}).status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(e->Call("ingestProcess", json{{"batchId", 999}, {"prepared", true}}.dump(), *out).status.code(),
            Code::kNotFound);
  EXPECT_FALSE(preparer.Prepare(std::vector<uint8_t>{1, 2, 3}).ok());
  EXPECT_FALSE(preparer.LoadTerms(std::vector<uint8_t>{1, 2, 3}).ok());
  EXPECT_EQ(e->Call("ingestTermStats", json{{"spaceId", "nope"}}.dump(), {}).status.code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kspace
