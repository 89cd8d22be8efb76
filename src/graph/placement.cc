#include "graph/placement.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace kspace::graph {
namespace {

uint64_t PackCell(int64_t cx, int64_t cy) {
  return (static_cast<uint64_t>(cx) << 32) ^ (static_cast<uint64_t>(cy) & 0xffffffffu);
}

// A well-mixed hash of a packed cell (the low bits of a packed cell alone are just cy).
uint64_t Mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return k;
}

size_t TableSize(size_t expected) {
  size_t n = 16;
  while (n < 2 * expected + 1) n <<= 1;
  return n;
}

}  // namespace

TrainingRows::TrainingRows(const std::vector<int64_t>& labels) {
  if (labels.empty()) return;
  const auto [lo, hi] = std::minmax_element(labels.begin(), labels.end());
  const uint64_t span = static_cast<uint64_t>(*hi) - static_cast<uint64_t>(*lo) + 1;
  // Dense when the table costs at most about 8 entries per label (32 bytes).
  if (*lo >= 0 && span <= 8 * static_cast<uint64_t>(labels.size()) + 4096) {
    base_ = static_cast<index::Label>(*lo);
    dense_.assign(static_cast<size_t>(span), -1);
    for (size_t i = 0; i < labels.size(); ++i) {
      dense_[static_cast<size_t>(static_cast<index::Label>(labels[i]) - base_)] = static_cast<int32_t>(i);
    }
    return;
  }
  sorted_.reserve(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    sorted_.push_back({static_cast<index::Label>(labels[i]), static_cast<int32_t>(i)});
  }
  std::sort(sorted_.begin(), sorted_.end());
}

int32_t TrainingRows::SparseRowOf(index::Label label) const {
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::pair<index::Label, int32_t>{label, INT32_MIN});
  return it != sorted_.end() && it->first == label ? it->second : -1;
}

CellSet::CellSet(double cell, size_t expected) : cell_(cell) {
  keys_.assign(TableSize(expected), 0);
  used_.assign(keys_.size(), 0);
  mask_ = keys_.size() - 1;
}

void CellSet::Add(double x, double y) {
  const uint64_t k = PackCell(static_cast<int64_t>(std::floor(x / cell_)), static_cast<int64_t>(std::floor(y / cell_)));
  for (uint64_t i = Mix(k) & mask_;; i = (i + 1) & mask_) {
    if (!used_[i]) {
      keys_[i] = k;
      used_[i] = 1;
      return;
    }
    if (keys_[i] == k) return;
  }
}

bool CellSet::Has(int64_t cx, int64_t cy) const {
  const uint64_t k = PackCell(cx, cy);
  for (uint64_t i = Mix(k) & mask_;; i = (i + 1) & mask_) {
    if (!used_[i]) return false;
    if (keys_[i] == k) return true;
  }
}

bool CellSet::Near(double x, double y) const {
  const int64_t cx = static_cast<int64_t>(std::floor(x / cell_)), cy = static_cast<int64_t>(std::floor(y / cell_));
  for (int64_t dx = -1; dx <= 1; ++dx) {
    for (int64_t dy = -1; dy <= 1; ++dy) {
      if (Has(cx + dx, cy + dy)) return true;
    }
  }
  return false;
}

int PlaceWithoutOverlap(std::vector<float>& pos, const std::vector<float>& fixed_xy, float radius, int max_rings) {
  const size_t m = pos.size() / 2;
  const float cell = 2.0f * radius;
  const float min_d2 = (2.0f * radius) * (2.0f * radius) * (1.0f - 1e-4f);
  // The points (fixed, then each new one once placed) chained per cell: head_ of a cell's slot in
  // the open-addressing table, next_ of each point. Nothing is allocated per point or per check.
  const size_t capacity = fixed_xy.size() / 2 + m;
  std::vector<float> px, py;
  std::vector<int32_t> next;
  px.reserve(capacity);
  py.reserve(capacity);
  next.reserve(capacity);
  // Every 64-bit value is some cell's key, so a cell slot is free while its head is -1 (a used
  // slot always holds at least one point).
  std::vector<uint64_t> keys(TableSize(capacity), 0);
  std::vector<int32_t> head(keys.size(), -1);
  const uint64_t mask = keys.size() - 1;
  auto slot_of = [&](int64_t cx, int64_t cy, bool insert) -> int64_t {
    const uint64_t k = PackCell(cx, cy);
    for (uint64_t i = Mix(k) & mask;; i = (i + 1) & mask) {
      if (head[i] < 0) {
        if (!insert) return -1;
        keys[i] = k;
        return static_cast<int64_t>(i);
      }
      if (keys[i] == k) return static_cast<int64_t>(i);
    }
  };
  auto add = [&](float x, float y) {
    const int64_t s = slot_of(static_cast<int64_t>(std::floor(x / cell)), static_cast<int64_t>(std::floor(y / cell)), true);
    px.push_back(x);
    py.push_back(y);
    next.push_back(head[static_cast<size_t>(s)]);
    head[static_cast<size_t>(s)] = static_cast<int32_t>(px.size() - 1);
  };
  auto free_at = [&](float x, float y) {
    const int64_t cx = static_cast<int64_t>(std::floor(x / cell)), cy = static_cast<int64_t>(std::floor(y / cell));
    for (int64_t dx = -1; dx <= 1; ++dx) {
      for (int64_t dy = -1; dy <= 1; ++dy) {
        const int64_t s = slot_of(cx + dx, cy + dy, false);
        if (s < 0) continue;
        for (int32_t p = head[static_cast<size_t>(s)]; p >= 0; p = next[static_cast<size_t>(p)]) {
          const float ex = px[static_cast<size_t>(p)] - x, ey = py[static_cast<size_t>(p)] - y;
          if (ex * ex + ey * ey < min_d2) return false;
        }
      }
    }
    return true;
  };
  for (size_t t = 0; t + 1 < fixed_xy.size(); t += 2) add(fixed_xy[t], fixed_xy[t + 1]);
  constexpr double kPi = 3.14159265358979323846;
  int moved = 0;
  for (size_t i = 0; i < m; ++i) {
    const float x0 = pos[2 * i], y0 = pos[2 * i + 1];
    float bx = x0, by = y0;
    bool found = free_at(x0, y0);
    for (int ring = 1; ring <= max_rings && !found; ++ring) {
      const double r = 0.5 * radius * ring;
      const int steps = std::max(6, static_cast<int>(std::ceil(2.0 * kPi * r / (0.5 * radius))));
      // Start each ring at a different angle so that neighbours pushed out of one jam spread out.
      const double phase = 0.618033988749895 * static_cast<double>(i % 97) * 2.0 * kPi;
      for (int s = 0; s < steps; ++s) {
        const double a = phase + 2.0 * kPi * s / steps;
        const float x = static_cast<float>(x0 + r * std::cos(a)), y = static_cast<float>(y0 + r * std::sin(a));
        if (free_at(x, y)) {
          bx = x;
          by = y;
          found = true;
          break;
        }
      }
    }
    if (bx != x0 || by != y0) ++moved;
    pos[2 * i] = bx;
    pos[2 * i + 1] = by;
    add(bx, by);
  }
  return moved;
}

}  // namespace kspace::graph
