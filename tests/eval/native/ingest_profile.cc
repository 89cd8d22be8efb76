// Native profile of the ingest pipeline: stages the Rust RFC corpus into a fresh file store and
// processes it in the worker's batch sizes (64 sources / 2 MB), through Engine::Call exactly as
// the worker does, then prints MB/s and the engine's per-stage timings. Run it under `perf record`
// to see where ingest time goes without the wasm layer in the way.
//   ingest_profile [rust-rfcs/text dir] [store file]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine.h"
#include "index/vector_index.h"
#include <sqlite3.h>
#include "store/vfs.h"
#include "store/posix_backend.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
json Call(kspace::Engine& e, const char* method, const json& args, std::span<const uint8_t> in = {}) {
  kspace::Reply r = e.Call(method, args.dump(), in);
  if (!r.status.ok()) {
    std::fprintf(stderr, "%s failed: %s\n", method, r.status.message().c_str());
    std::exit(1);
  }
  return json::parse(r.json);
}
}  // namespace

// --reopen FILE [MODE N]: opens an existing store and times the first searches (snapshot load);
// with MODE (text|vector|hybrid) and N, then times N searches of three-word queries in that mode
// (the chat benchmark's query shape: two words of a topic and a random one) for `perf record`.
int Reopen(const std::string& file, const std::string& mode, int n) {
  for (int run = 0; run < (n > 0 ? 1 : 3); ++run) {
    auto t0 = std::chrono::steady_clock::now();
    auto options = kspace::Engine::ParseOptions(json{{"filename", file}}.dump());
    auto engine = kspace::Engine::Open(std::make_unique<kspace::store::PosixBackend>(), *options);
    if (!engine.ok()) return 1;
    kspace::Engine& e = **engine;
    auto t1 = std::chrono::steady_clock::now();
    json spaces = Call(e, "listSpaces", json::object());
    const json id = spaces[0]["id"];
    Call(e, "search", {{"spaceId", id}, {"query", "w1 w2 w3"}, {"k", 10}, {"mode", "text"}});
    auto t2 = std::chrono::steady_clock::now();
    Call(e, "search", {{"spaceId", id}, {"query", "w1 w2 w3"}, {"k", 10}, {"mode", "vector"}});
    auto t3 = std::chrono::steady_clock::now();
    Call(e, "search", {{"spaceId", id}, {"query", "w4 w5 w6"}, {"k", 10}});
    auto t4 = std::chrono::steady_clock::now();
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::printf("open %.0f, text %.1f, vector %.1f, hybrid %.1f ms\n", ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4));
    uint32_t seed = 11;
    auto word = [](uint32_t i) {
      std::string s;
      do { s.insert(s.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[i % 36]); i /= 36; } while (i);
      return "w" + s;
    };
    std::vector<double> times;
    for (int q = 0; q < n; ++q) {
      seed = seed * 1103515245u + 12345u;
      const char* fixed = std::getenv("KS_PROFILE_QUERY");  // one query, repeated
      const std::string query = fixed ? std::string(fixed) : word((q % 50) * 100 + 3) + " " + word((q % 50) * 100 + 40) + " " +
                                word(static_cast<uint32_t>(seed / 4294967296.0 * 5000)) + " how?";
      auto a = std::chrono::steady_clock::now();
      Call(e, "search", {{"spaceId", id}, {"query", query}, {"k", 8}, {"mode", mode}});
      times.push_back(ms(a, std::chrono::steady_clock::now()));
      if (std::getenv("KS_PROFILE_VERBOSE")) std::printf("%8.2f ms  %s\n", times.back(), query.c_str());
    }
    if (!times.empty()) {
      std::sort(times.begin(), times.end());
      std::printf("%d %s searches: median %.2f ms, p95 %.2f ms\n", n, mode.c_str(), times[times.size() / 2],
                  times[times.size() * 95 / 100]);
    }
    if (!e.Close().ok()) return 1;  // saves what changed (e.g. a snapshot converted to int8)
  }
  return 0;
}

// --snapshot FILE: times the parts of loading a vector index snapshot natively: SQLite handing
// over the blob (stock VFS), then VectorIndex::Deserialize.
int Snapshot(const std::string& file) {
  auto vfs = kspace::store::Vfs::Register(std::make_unique<kspace::store::PosixBackend>());
  if (!vfs.ok()) return 1;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, (*vfs)->name().c_str()) != SQLITE_OK) return 1;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT data FROM vector_index_snapshots", -1, &st, nullptr);
  for (int run = 0; run < 3; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    if (sqlite3_step(st) != SQLITE_ROW) break;
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 0));
    const size_t n = static_cast<size_t>(sqlite3_column_bytes(st, 0));
    auto t1 = std::chrono::steady_clock::now();
    auto idx = kspace::index::VectorIndex::Deserialize(std::span<const uint8_t>(p, n));
    auto t2 = std::chrono::steady_clock::now();
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::printf("%zu bytes: sqlite %.0f ms, deserialize %.0f ms (%s)\n", n, ms(t0, t1), ms(t1, t2),
                idx.ok() ? "ok" : idx.status().message().c_str());
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--snapshot") return Snapshot(argv[2]);
  if (argc > 2 && std::string(argv[1]) == "--reopen") {
    return Reopen(argv[2], argc > 3 ? argv[3] : "hybrid", argc > 4 ? std::stoi(argv[4]) : 0);
  }
  const fs::path dir = argc > 1 ? argv[1] : "/work/shared/data/rust-rfcs/text";
  const std::string file = argc > 2 ? argv[2] : "/tmp/ingest_profile.kspace";
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<uint8_t> bytes;
  json sources = json::array();
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    bytes.insert(bytes.end(), s.begin(), s.end());
    sources.push_back({{"title", p.stem().string()}, {"mediaType", "document"}, {"origin", "vault"},
                       {"mimeType", "text/markdown"}, {"path", fs::relative(p, dir).string()}, {"content", "text"},
                       {"size", s.size()}});
  }
  for (const char* suffix : {"", "-wal", "-journal"}) fs::remove(file + suffix);
  auto options = kspace::Engine::ParseOptions(json{{"filename", file}}.dump());
  if (!options.ok()) return 1;
  auto engine = kspace::Engine::Open(std::make_unique<kspace::store::PosixBackend>(), *options);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().message().c_str());
    return 1;
  }
  kspace::Engine& e = **engine;
  json space = Call(e, "createSpace", {{"title", "RFCs"}});
  auto t0 = std::chrono::steady_clock::now();
  json staged = Call(e, "ingestStage", {{"spaceId", space["id"]}, {"sources", sources}}, bytes);
  auto t1 = std::chrono::steady_clock::now();
  double parse = 0, embed = 0, index = 0, commit = 0;
  size_t chunks = 0;
  for (size_t i = 0; i < staged.size();) {
    json ids = json::array();
    size_t batch_bytes = 0;
    while (i < staged.size() && ids.size() < 64 &&
           (ids.empty() || batch_bytes + staged[i]["totalSizeBytes"].get<size_t>() <= 2u << 20)) {
      batch_bytes += staged[i]["totalSizeBytes"].get<size_t>();
      ids.push_back(staged[i]["id"]);
      ++i;
    }
    json r = Call(e, "ingestProcess", {{"sourceIds", ids}});
    chunks += r["chunks"].get<size_t>();
    parse += r["timings"]["parseMs"].get<double>();
    embed += r["timings"]["embedMs"].get<double>();
    index += r["timings"]["indexMs"].get<double>();
    commit += r["timings"]["commitMs"].get<double>();
  }
  auto t2 = std::chrono::steady_clock::now();
  const double stage_s = std::chrono::duration<double>(t1 - t0).count();
  const double total_s = std::chrono::duration<double>(t2 - t0).count();
  std::printf("%zu files, %.1f MB -> %zu chunks in %.2f s (%.2f MB/s); stage %.0f ms\n", files.size(),
              bytes.size() / 1e6, chunks, total_s, bytes.size() / 1e6 / total_s, stage_s * 1000);
  std::printf("parse %.0f, embed %.0f, index %.0f, commit %.0f ms\n", parse, embed, index, commit);
  return 0;
}
