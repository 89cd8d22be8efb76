// MemoryIndex: the in-memory vectors of a store's memories, scanned exactly.
//
// Why an exact scan and not HNSW: memories are few compared with chunks (100k is a large personal
// store), change one at a time, and their relevance mixes similarity with importance, so every
// candidate's exact cosine is wanted anyway. Vectors are int8 (per-vector symmetric quantisation
// of the unit vector, 512 B + a 4 B scale each), so 100k memories take ~52 MB and one scan is 51M
// int8 multiply-adds (SIMD in WebAssembly via index::DotI8): a few milliseconds natively, about
// ten in wasm. Loaded lazily from `memory_vectors` on first use, then kept in step by the API after each
// commit (never before: a rolled-back write must not show up here).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "util/status.h"

namespace kspace::chat {

// The stored form of a vector: float32 scale (little-endian) then dim int8 values.
std::vector<uint8_t> QuantizeVector(std::span<const float> v);

class MemoryIndex {
 public:
  explicit MemoryIndex(int dim = 512) : dim_(dim) {}

  bool loaded() const { return loaded_; }
  void set_loaded() { loaded_ = true; }
  int dim() const { return dim_; }
  size_t size() const { return labels_.size(); }

  // Adds or replaces the vector of `label` from its stored form, with what search filters and
  // ranks on without reading rows: its importance and its space (see SpaceKey). INVALID_ARGUMENT
  // on a bad size.
  Status Put(int64_t label, std::span<const uint8_t> stored, float importance, int32_t space_key);
  // Updates the importance of a label already present.
  void SetImportance(int64_t label, float importance);
  // The importance and the space key of a label present in the index (Contains).
  float Importance(int64_t label) const { return importance_[slot_.at(label)]; }
  int32_t SpaceKeyOf(int64_t label) const { return space_[slot_.at(label)]; }
  // A small integer for a space id (0 for user scope), stable while the index lives.
  int32_t SpaceKey(const std::string* space_id);
  void Remove(int64_t label);
  bool Contains(int64_t label) const { return slot_.count(label) > 0; }

  // The `n` best stored vectors for `query` (a float vector of dim()) by
  //   score = w_similarity * max(0, cosine) + w_importance * importance
  // among those whose space key k has keep_space[k] != 0 (keys past its end are dropped) and
  // whose importance is >= min_importance; as (score, label), best first, ties by label. This is
  // the scan of every memory search, so it lives in an -O3 file and keeps only a bounded heap.
  // A query quantised once for every comparison of one search.
  struct Query {
    std::vector<int8_t> q;
    float scale = 0;
  };
  Query PrepareQuery(std::span<const float> query) const;

  std::vector<std::pair<double, int64_t>> Best(const Query& query, std::span<const char> keep_space,
                                               double min_importance, double w_similarity, double w_importance,
                                               size_t n) const;
  // One past the largest key SpaceKey has handed out (keys are 0 for user scope, then 1, 2, ...).
  size_t space_key_count() const { return space_keys_.size() + 1; }

  // Cosine of `query` with one label's vector (0 if absent).
  float Similarity(const Query& query, int64_t label) const;

 private:
  float QuantizeQuery(std::span<const float> query, std::vector<int8_t>& out) const;
  float Dot(const int8_t* q, size_t slot) const;

  int dim_;
  bool loaded_ = false;
  std::vector<int64_t> labels_;
  std::vector<float> scales_;
  std::vector<float> importance_;
  std::vector<int32_t> space_;
  std::unordered_map<std::string, int32_t> space_keys_;
  std::vector<int8_t> data_;  // labels_.size() x dim_
  std::unordered_map<int64_t, size_t> slot_;
};

}  // namespace kspace::chat
