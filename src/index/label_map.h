// LabelMap: label -> slot table of the vector index (an insert-only open-addressing hash map).
//
// Why not std::unordered_map: the index never forgets a label (Remove only marks it), so the map
// needs no erase, and a flat table of 16-byte slots is about half the memory of node-based maps,
// with one cache miss per lookup. Rebuilding it for 100k labels on load takes a few milliseconds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kspace::index {

class LabelMap {
 public:
  static constexpr uint32_t kAbsent = 0xFFFFFFFFu;

  // The slot of `label`, or kAbsent.
  uint32_t Find(uint64_t label) const {
    if (slots_.empty()) return kAbsent;
    size_t i = Hash(label) & mask_;
    while (true) {
      const Slot& s = slots_[i];
      if (s.value == kAbsent) return kAbsent;
      if (s.key == label) return s.value;
      i = (i + 1) & mask_;
    }
  }

  // Inserts label -> value; `label` must be absent and value != kAbsent. May throw
  // std::bad_alloc (the caller converts it to a Status).
  void Insert(uint64_t label, uint32_t value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Rehash(slots_.empty() ? 16 : slots_.size() * 2);
    Place(label, value);
    ++size_;
  }

  // Makes room for `n` labels without rehashing. May throw std::bad_alloc.
  void Reserve(size_t n) {
    size_t want = 16;
    while (want * 3 < n * 4) want *= 2;
    if (want > slots_.size()) Rehash(want);
  }

  size_t size() const { return size_; }
  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t key;
    uint32_t value;  // kAbsent marks an empty slot
  };

  // splitmix64's finaliser: labels are often dense row ids, which a plain mask would cluster.
  static uint64_t Hash(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
  }

  void Place(uint64_t label, uint32_t value) {
    size_t i = Hash(label) & mask_;
    while (slots_[i].value != kAbsent) i = (i + 1) & mask_;
    slots_[i] = Slot{label, value};
  }

  void Rehash(size_t n) {
    std::vector<Slot> old(n, Slot{0, kAbsent});
    old.swap(slots_);
    mask_ = n - 1;
    for (const Slot& s : old) {
      if (s.value != kAbsent) Place(s.key, s.value);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace kspace::index
