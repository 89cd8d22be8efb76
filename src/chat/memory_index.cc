#include "chat/memory_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "index/distance.h"
#include "util/top_k.h"

namespace kspace::chat {
namespace {

// Symmetric quantisation of the unit vector to [-127, 127]; returns the scale (value = q * scale).
float Quantize(std::span<const float> v, int8_t* out) {
  double norm = 0;
  for (float x : v) norm += double(x) * x;
  norm = norm > 0 ? std::sqrt(norm) : 1;
  float maxabs = 0;
  for (float x : v) maxabs = std::max(maxabs, std::fabs(static_cast<float>(x / norm)));
  const float scale = maxabs > 0 ? maxabs / 127.0f : 1.0f;
  for (size_t i = 0; i < v.size(); ++i) {
    float u = static_cast<float>(v[i] / norm) / scale;
    out[i] = static_cast<int8_t>(std::clamp(std::lround(u), -127L, 127L));
  }
  return scale;
}

}  // namespace

std::vector<uint8_t> QuantizeVector(std::span<const float> v) {
  std::vector<uint8_t> out(4 + v.size());
  float scale = Quantize(v, reinterpret_cast<int8_t*>(out.data() + 4));
  std::memcpy(out.data(), &scale, 4);
  return out;
}

int32_t MemoryIndex::SpaceKey(const std::string* space_id) {
  if (!space_id) return 0;
  auto [it, fresh] = space_keys_.emplace(*space_id, static_cast<int32_t>(space_keys_.size()) + 1);
  return it->second;
}

void MemoryIndex::SetImportance(int64_t label, float importance) {
  auto it = slot_.find(label);
  if (it != slot_.end()) importance_[it->second] = importance;
}

Status MemoryIndex::Put(int64_t label, std::span<const uint8_t> stored, float importance, int32_t space_key) {
  if (stored.size() != static_cast<size_t>(dim_) + 4) {
    return InvalidArgument("a memory vector has " + std::to_string(stored.size()) + " bytes", "vector");
  }
  float scale;
  std::memcpy(&scale, stored.data(), 4);
  if (!std::isfinite(scale)) return InvalidArgument("a memory vector has a bad scale", "vector");
  auto it = slot_.find(label);
  size_t s;
  if (it == slot_.end()) {
    s = labels_.size();
    labels_.push_back(label);
    scales_.push_back(scale);
    importance_.push_back(importance);
    space_.push_back(space_key);
    data_.resize(data_.size() + static_cast<size_t>(dim_));
    slot_[label] = s;
  } else {
    s = it->second;
    scales_[s] = scale;
    importance_[s] = importance;
    space_[s] = space_key;
  }
  std::memcpy(data_.data() + s * static_cast<size_t>(dim_), stored.data() + 4, static_cast<size_t>(dim_));
  return Status::Ok();
}

void MemoryIndex::Remove(int64_t label) {
  auto it = slot_.find(label);
  if (it == slot_.end()) return;
  const size_t s = it->second;
  const size_t last = labels_.size() - 1;
  // Swap with the last slot so the arrays stay dense.
  if (s != last) {
    labels_[s] = labels_[last];
    scales_[s] = scales_[last];
    importance_[s] = importance_[last];
    space_[s] = space_[last];
    std::memcpy(data_.data() + s * dim_, data_.data() + last * dim_, static_cast<size_t>(dim_));
    slot_[labels_[s]] = s;
  }
  labels_.pop_back();
  scales_.pop_back();
  importance_.pop_back();
  space_.pop_back();
  data_.resize(last * static_cast<size_t>(dim_));
  slot_.erase(it);
}

float MemoryIndex::QuantizeQuery(std::span<const float> query, std::vector<int8_t>& out) const {
  out.assign(static_cast<size_t>(dim_), 0);
  if (query.size() != static_cast<size_t>(dim_)) return 0;
  return Quantize(query, out.data());
}

float MemoryIndex::Dot(const int8_t* q, size_t slot) const {
  return static_cast<float>(index::DotI8(q, data_.data() + slot * static_cast<size_t>(dim_), static_cast<size_t>(dim_)));
}

MemoryIndex::Query MemoryIndex::PrepareQuery(std::span<const float> query) const {
  Query out;
  out.scale = QuantizeQuery(query, out.q);
  return out;
}

std::vector<std::pair<double, int64_t>> MemoryIndex::Best(const Query& query, std::span<const char> keep_space,
                                                          double min_importance, double w_similarity,
                                                          double w_importance, size_t n) const {
  if (n == 0) return {};
  auto better = [](const std::pair<double, int64_t>& x, const std::pair<double, int64_t>& y) {
    return x.first > y.first || (x.first == y.first && x.second < y.second);
  };
  TopK<std::pair<double, int64_t>, decltype(better)> top(n, better);
  const size_t dim = static_cast<size_t>(dim_);
  for (size_t i = 0; i < labels_.size(); ++i) {
    const auto key = static_cast<size_t>(space_[i]);
    if (key >= keep_space.size() || !keep_space[key] || importance_[i] < min_importance) continue;
    const float cos = static_cast<float>(index::DotI8(query.q.data(), data_.data() + i * dim, dim)) * query.scale * scales_[i];
    top.Offer({w_similarity * std::max(0.0f, cos) + w_importance * importance_[i], labels_[i]});
  }
  return top.Take();
}

float MemoryIndex::Similarity(const Query& query, int64_t label) const {
  auto it = slot_.find(label);
  if (it == slot_.end() || query.q.size() != static_cast<size_t>(dim_)) return 0;
  return Dot(query.q.data(), it->second) * query.scale * scales_[it->second];
}

}  // namespace kspace::chat
