// Memories in SQLite (seed 001 memories, seed 004 memory units): rows, their vectors and their
// full-text entries (memory_fts, rowid = label). Soft delete removes the full-text row and the
// in-memory vector; restore puts them back.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/db.h"

namespace kspace::store {

struct MemoryRow {
  int64_t label = 0;  // assigned by InsertMemory
  std::string id, user_id, scope;
  std::optional<std::string> space_id;
  std::string content;
  double importance = 0.5;
  std::string tags = "[]", entities = "{}", source_type = "manual", source_ref = "{}";
  std::string created_at, updated_at;
  std::optional<std::string> deleted_at;
};

struct MemoryQuery {
  std::optional<std::string> space_id;  // memories of this space plus user-scoped ones
  std::optional<std::string> scope;     // only this scope
  bool include_deleted = false;
  int64_t limit = 100;
  int64_t after_label = 0;  // paging: labels greater than this
};


// Inserts the row (sets label), its vector and its full-text entry.
Status InsertMemory(Database& db, MemoryRow& m, std::span<const uint8_t> vector, const std::string& model_id);
// Updates the row; `vector` (non-empty) replaces the vector. Full text follows the row's state.
Status UpdateMemory(Database& db, const MemoryRow& m, std::span<const uint8_t> vector, bool was_live);
Result<std::optional<MemoryRow>> FindMemory(Database& db, const std::string& id);
// The stored (quantised) vector of memory `label`; NOT_FOUND when it has none.
Result<std::vector<uint8_t>> MemoryVector(Database& db, int64_t label);
Result<std::vector<MemoryRow>> MemoriesByLabels(Database& db, std::span<const int64_t> labels);
Result<std::vector<MemoryRow>> ListMemories(Database& db, const MemoryQuery& q);
// Every live memory's vector (for MemoryIndex).
// fn(label, vector, importance, space id or null).
Status ForEachMemoryVector(
    Database& db, const std::function<Status(int64_t, std::span<const uint8_t>, double, const std::string*)>& fn);
// Full-text matches: (label, bm25 score higher-better), best first.
Result<std::vector<std::pair<int64_t, double>>> MemoryFtsSearch(Database& db, const std::string& match, int64_t limit);

}  // namespace kspace::store
