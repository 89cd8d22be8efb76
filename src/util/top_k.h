// TopK: the n best of a stream of items, kept in a heap whose top is the worst one kept.
//
// `better(a, b)` is true when a ranks before b; it must be a strict weak order, and ties should be
// broken (e.g. by id) so that the result does not depend on the order items are offered in.
// Offer is O(log n); memory is at most n + 1 items.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace kspace {

template <typename T, typename Better>
class TopK {
 public:
  // Reserves room for n items up to a cap: n may be a caller's "no limit".
  TopK(size_t n, Better better) : n_(n), better_(std::move(better)) { items_.reserve(std::min<size_t>(n, 4096) + 1); }

  void Offer(const T& item) {
    if (n_ == 0) return;
    if (items_.size() < n_) {
      items_.push_back(item);
      std::push_heap(items_.begin(), items_.end(), better_);
    } else if (better_(item, items_.front())) {
      std::pop_heap(items_.begin(), items_.end(), better_);
      items_.back() = item;
      std::push_heap(items_.begin(), items_.end(), better_);
    }
  }

  bool full() const { return n_ > 0 && items_.size() == n_; }
  // The worst item kept; only when !empty().
  const T& worst() const { return items_.front(); }
  bool empty() const { return items_.empty(); }

  // The kept items, best first. Leaves this TopK empty.
  std::vector<T> Take() {
    std::sort_heap(items_.begin(), items_.end(), better_);
    return std::move(items_);
  }

 private:
  size_t n_;
  Better better_;
  std::vector<T> items_;  // a heap under better_: the worst kept item on top
};

}  // namespace kspace
