// MemoryIndex: the in-memory vectors of a store's memories, scanned exactly.
//
// Why an exact scan and not HNSW: memories are few compared with chunks (100k is a large personal
// store), change one at a time, and their relevance mixes similarity with importance, so every
// candidate's exact cosine is wanted anyway. Vectors are int8 (per-vector symmetric quantisation
// of the unit vector, 512 B + a 4 B scale each), so 100k memories take ~52 MB and one scan is 51M
// int8 multiply-adds (SIMD in WebAssembly via index::DotI8): a few milliseconds natively, tens in
// wasm. Loaded lazily from `memory_vectors` on first use, then kept in step by the API after each
// commit (never before: a rolled-back write must not show up here).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
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
  // A small integer for a space id (0 for user scope), stable while the index lives.
  int32_t SpaceKey(const std::string* space_id);
  void Remove(int64_t label);
  bool Contains(int64_t label) const { return slot_.count(label) > 0; }

  // Cosine similarity of `query` (a float vector of dim()) with every stored vector whose space
  // passes `keep_space(space_key)`; calls visit(label, cosine, importance) for each.
  template <typename K, typename F>
  void Scan(std::span<const float> query, K&& keep_space, F&& visit) const {
    std::vector<int8_t> q;
    float qscale = QuantizeQuery(query, q);
    for (size_t i = 0; i < labels_.size(); ++i) {
      if (!keep_space(space_[i])) continue;
      visit(labels_[i], Dot(q.data(), i) * qscale * scales_[i], importance_[i]);
    }
  }

  // Cosine of `query` with one label's vector (0 if absent).
  float Similarity(std::span<const float> query, int64_t label) const;

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
