#include "index/vector_index.h"

// hnswlib's manual vectorisation is x86-only and this file never uses its distance kernels (the
// index has its own, for every target); its only other effect is _mm_prefetch calls, one of which
// reads an id past the end of a full upper-layer list (an out-of-bounds read AddressSanitizer
// reports). Turning it off gives the same hnswlib code natively and in wasm. The hot loops that
// prefetching helped are this file's own (SearchLayer's touch-ahead). Only this file includes
// hnswlib: every translation unit that does must agree on this macro.
#define NO_MANUAL_VECTORIZATION
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "index/checksum.h"
#include "index/distance.h"
#include "index/label_map.h"
#include "util/top_k.h"

namespace kspace::index {

static_assert(std::endian::native == std::endian::little,
              "the serialised format and hnswlib's link words are read as little-endian");
static_assert(sizeof(hnswlib::tableint) == 4 && sizeof(hnswlib::linklistsizeint) == 4);

namespace {

using Graph = hnswlib::HierarchicalNSW<float>;
// The candidate queue type hnswlib's linking functions take.
using CandidateQueue = std::priority_queue<std::pair<float, hnswlib::tableint>,
                                           std::vector<std::pair<float, hnswlib::tableint>>,
                                           Graph::CompareByFirst>;

constexpr uint32_t kNoSlot = 0xFFFFFFFFu;
constexpr int kMaxLevel = 63;
constexpr size_t kMinCapacity = 64;
constexpr uint32_t kDeletedBit = 0x10000u;  // hnswlib's DELETE_MARK in byte 2 of the layer-0 word
constexpr uint32_t kCountMask = 0xFFFFu;

// ---------------------------------------------------------------------------------------------
// Vector encodings.

size_t PaddedDim(Encoding e, uint32_t dim) {
  // Padding to whole SIMD blocks (zeros add nothing to a dot product) removes the scalar tail
  // from the distance kernels.
  return e == Encoding::kInt8 ? (size_t{dim} + 15) / 16 * 16 : (size_t{dim} + 3) / 4 * 4;
}

size_t StoredBytes(Encoding e, uint32_t dim) {
  return e == Encoding::kInt8 ? sizeof(float) + PaddedDim(e, dim)
                              : sizeof(float) * PaddedDim(e, dim);
}

struct DistParam {
  size_t n;  // padded dimension
};

// Distance = 1 - inner product: hnswlib searches for the smallest distance.
float DistF32(const void* a, const void* b, const void* param) {
  return 1.0f - DotF32(static_cast<const float*>(a), static_cast<const float*>(b),
                       static_cast<const DistParam*>(param)->n);
}

float DistI8(const void* a, const void* b, const void* param) {
  float sa, sb;
  std::memcpy(&sa, a, sizeof(float));
  std::memcpy(&sb, b, sizeof(float));
  const int32_t dot = DotI8(static_cast<const int8_t*>(a) + sizeof(float),
                            static_cast<const int8_t*>(b) + sizeof(float),
                            static_cast<const DistParam*>(param)->n);
  return 1.0f - sa * sb * static_cast<float>(dot);
}

// The index's metric as hnswlib sees it: our kernels instead of hnswlib's x86-only ones.
class IpSpace final : public hnswlib::SpaceInterface<float> {
 public:
  IpSpace(Encoding e, uint32_t dim)
      : encoding_(e), param_{PaddedDim(e, dim)}, data_size_(StoredBytes(e, dim)) {}
  size_t get_data_size() override { return data_size_; }
  hnswlib::DISTFUNC<float> get_dist_func() override {
    return encoding_ == Encoding::kInt8 ? &DistI8 : &DistF32;
  }
  void* get_dist_func_param() override { return &param_; }

 private:
  Encoding encoding_;
  DistParam param_;
  size_t data_size_;
};

// Search-loop distance functors (inlined; the kernels are inline in wasm builds).
struct F32Dist {
  size_t n;
  float operator()(const void* a, const void* b) const {
    return 1.0f - DotF32(static_cast<const float*>(a), static_cast<const float*>(b), n);
  }
};
struct I8Dist {
  size_t n;
  float operator()(const void* a, const void* b) const { return DistI8(a, b, &n); }
};

// Validates one input vector and writes its unit vector into out[0..dim).
Status Normalise(std::span<const float> v, uint32_t dim, const char* field, size_t row,
                 float* out) {
  auto where = [&]() {
    return row == SIZE_MAX ? std::string(field) : std::string(field) + " row " + std::to_string(row);
  };
  if (v.size() != dim) {
    return InvalidArgument(where() + " has " + std::to_string(v.size()) +
                               " values; the index dimension is " + std::to_string(dim),
                           field);
  }
  double ss = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    if (!std::isfinite(v[i])) {
      return InvalidArgument(where() + " value " + std::to_string(i) + " is NaN or infinite", field);
    }
    ss += double{v[i]} * double{v[i]};
  }
  if (!(ss > 0.0)) {
    return InvalidArgument(where() + " is all zeros: a zero vector has no direction", field);
  }
  const double inv = 1.0 / std::sqrt(ss);
  for (size_t i = 0; i < dim; ++i) out[i] = static_cast<float>(double{v[i]} * inv);
  return Status::Ok();
}

// Encodes unit[0..dim) into `out` (StoredBytes bytes, padding zeroed).
void Encode(Encoding e, uint32_t dim, const float* unit, unsigned char* out) {
  const size_t padded = PaddedDim(e, dim);
  if (e == Encoding::kFloat32) {
    std::memcpy(out, unit, sizeof(float) * dim);
    std::memset(out + sizeof(float) * dim, 0, sizeof(float) * (padded - dim));
    return;
  }
  // Symmetric per-vector quantisation: the largest |component| maps to 127.
  float maxabs = 0.0f;
  for (size_t i = 0; i < dim; ++i) maxabs = std::max(maxabs, std::fabs(unit[i]));
  const float scale = maxabs / 127.0f;  // > 0: a unit vector has a non-zero component
  const float inv = 127.0f / maxabs;
  std::memcpy(out, &scale, sizeof(float));
  int8_t* q = reinterpret_cast<int8_t*>(out + sizeof(float));
  // nearbyint rounds as lrint did (to nearest even) but is one wasm instruction (f32.nearest);
  // lrint was a libc call per component (16 ms of an RFC-corpus ingest's store worker).
  for (size_t i = 0; i < dim; ++i) {
    q[i] = static_cast<int8_t>(std::clamp(std::nearbyint(unit[i] * inv), -127.0f, 127.0f));
  }
  std::memset(q + dim, 0, padded - dim);
}

void Decode(Encoding e, uint32_t dim, const unsigned char* in, float* out) {
  if (e == Encoding::kFloat32) {
    std::memcpy(out, in, sizeof(float) * dim);
    return;
  }
  float scale;
  std::memcpy(&scale, in, sizeof(float));
  const int8_t* q = reinterpret_cast<const int8_t*>(in + sizeof(float));
  for (size_t i = 0; i < dim; ++i) out[i] = scale * static_cast<float>(q[i]);
}

// Runs `f` (returning Status) and turns any exception into a Status: nothing escapes.
template <typename F>
Status Guarded(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Status(Code::kTooLarge, "out of memory: the vector index could not grow");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    if (what.find("Not enough memory") != std::string::npos) {
      return Status(Code::kTooLarge, "out of memory: " + what);
    }
    return Internal("hnswlib: " + what);
  } catch (...) {
    return Internal("unexpected exception in the vector index");
  }
}

Status ValidateParams(const IndexParams& p) {
  if (p.dim < 1 || p.dim > kMaxDim) {
    return InvalidArgument("dim must be in [1, " + std::to_string(kMaxDim) + "], got " +
                               std::to_string(p.dim),
                           "dim");
  }
  if (p.M < kMinM || p.M > kMaxM) {
    return InvalidArgument("M must be in [" + std::to_string(kMinM) + ", " +
                               std::to_string(kMaxM) + "], got " + std::to_string(p.M),
                           "M");
  }
  if (p.ef_construction < 1 || p.ef_construction > kMaxEf) {
    return InvalidArgument("efConstruction must be in [1, " + std::to_string(kMaxEf) + "]",
                           "efConstruction");
  }
  if (p.ef_search < 1 || p.ef_search > kMaxEf) {
    return InvalidArgument("efSearch must be in [1, " + std::to_string(kMaxEf) + "]", "efSearch");
  }
  if (p.encoding != Encoding::kFloat32 && p.encoding != Encoding::kInt8) {
    return InvalidArgument("encoding must be float32 or int8", "encoding");
  }
  return Status::Ok();
}

// Sets up an empty hnswlib graph with room for `capacity` elements. This replaces hnswlib's
// sizing constructor, which also allocates 65,536 per-label mutexes (2.6 MB native, 1.5 MB wasm
// for every index) that only its label-keyed API uses; the index calls the slot-level API
// (markDeletedInternal, mutuallyConnectNewElement, updatePoint, ...) that does not touch them.
// Throws on failure.
std::unique_ptr<Graph> NewGraph(IpSpace* space, size_t capacity, const IndexParams& p) {
  auto g = std::make_unique<Graph>(space);  // hnswlib's do-nothing constructor
  g->max_elements_ = capacity;
  g->num_deleted_ = 0;
  g->data_size_ = space->get_data_size();
  g->fstdistfunc_ = space->get_dist_func();
  g->dist_func_param_ = space->get_dist_func_param();
  g->M_ = p.M;
  g->maxM_ = p.M;
  g->maxM0_ = size_t{p.M} * 2;
  g->ef_construction_ = std::max<size_t>(p.ef_construction, p.M);
  g->ef_ = p.ef_search;
  g->level_generator_.seed(static_cast<unsigned>(p.seed));
  g->update_probability_generator_.seed(static_cast<unsigned>(p.seed + 1));
  g->size_links_level0_ = g->maxM0_ * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  g->size_data_per_element_ = g->size_links_level0_ + g->data_size_ + sizeof(hnswlib::labeltype);
  g->offsetData_ = g->size_links_level0_;
  g->label_offset_ = g->size_links_level0_ + g->data_size_;
  g->offsetLevel0_ = 0;
  g->size_links_per_element_ = g->maxM_ * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  g->mult_ = 1.0 / std::log(1.0 * g->M_);
  g->revSize_ = 1.0 / g->mult_;
  g->cur_element_count = 0;
  g->enterpoint_node_ = static_cast<hnswlib::tableint>(-1);
  g->maxlevel_ = -1;
  // The destructor frees these with free(); allocate them the same way.
  g->data_level0_memory_ = static_cast<char*>(std::malloc(capacity * g->size_data_per_element_));
  if (g->data_level0_memory_ == nullptr) throw std::bad_alloc();
  g->linkLists_ = static_cast<char**>(std::malloc(sizeof(void*) * capacity));
  if (g->linkLists_ == nullptr) throw std::bad_alloc();
  g->element_levels_.assign(capacity, 0);
  std::vector<std::mutex>(capacity).swap(g->link_list_locks_);
  g->visited_list_pool_ = std::make_unique<hnswlib::VisitedListPool>(1, static_cast<int>(capacity));
  return g;
}

struct Cand {
  float dist;
  uint32_t slot;
};
struct CandLess {  // max-heap on distance
  bool operator()(const Cand& a, const Cand& b) const { return a.dist < b.dist; }
};
struct CandGreater {  // min-heap on distance
  bool operator()(const Cand& a, const Cand& b) const { return a.dist > b.dist; }
};

// ---------------------------------------------------------------------------------------------
// Little-endian byte writer/reader for the serialised form.

void Put32(unsigned char* p, uint32_t v) { std::memcpy(p, &v, 4); }
void Put64(unsigned char* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint32_t Get32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t Get64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

constexpr unsigned char kMagic[8] = {'K', 'S', 'V', 'I', 'D', 'X', '\r', '\n'};
constexpr uint32_t kFormatVersion = 2;  // 2: unlinked vectors (offset 84)
constexpr size_t kHeaderSize = 128;

// Byte offsets of the serialised sections, computed in 64 bits with overflow checks.
struct Layout {
  uint64_t labels, levels, marks, vectors, layer0, upper, checksum, total;
};

// Everything but the upper-layer bytes, which depend on the levels.
bool ComputeLayout(uint64_t count, uint64_t stored, uint64_t l0_bytes, Layout* out) {
  if (count > kMaxVectors) return false;
  Layout L;
  L.labels = kHeaderSize;
  L.levels = L.labels + 8 * count;
  L.marks = L.levels + count;
  L.vectors = (L.marks + (count + 7) / 8 + 7) / 8 * 8;
  L.layer0 = L.vectors + count * stored;  // < 2^31 * 2^17: no overflow
  L.upper = L.layer0 + count * l0_bytes;
  L.checksum = L.total = 0;
  *out = L;
  return true;
}

}  // namespace

const char* EncodingName(Encoding encoding) {
  return encoding == Encoding::kInt8 ? "int8" : "float32";
}

// =============================================================================================

struct VectorIndex::Impl {
  IndexParams params;
  size_t padded = 0;        // values per stored vector (floats or int8)
  size_t stored_bytes = 0;  // bytes per stored vector
  uint64_t generation = 0;
  // The space must outlive the graph, which keeps a pointer to its distance parameter.
  std::unique_ptr<IpSpace> space;
  std::unique_ptr<Graph> graph;
  std::vector<Label> labels;  // slot -> label
  LabelMap slots;             // label -> slot
  size_t linked = 0;          // slots [0, linked) are in the graph; the rest wait for Link()
  size_t upper_link_bytes = 0;

  // Scratch reused by every call (see "Threading" in the header).
  mutable std::vector<float> unit;            // normalised input, `padded` floats
  mutable std::vector<unsigned char> encoded;  // encoded input, stored_bytes
  mutable std::vector<uint16_t> visited;      // per-slot visit tags
  mutable uint16_t visit_tag = 0;
  mutable std::vector<Cand> top, frontier;
  mutable uint32_t touch_sink = 0;

  explicit Impl(const IndexParams& p)
      : params(p), padded(PaddedDim(p.encoding, p.dim)), stored_bytes(StoredBytes(p.encoding, p.dim)) {}

  size_t count() const { return graph->cur_element_count; }
  size_t removed() const { return graph->num_deleted_; }
  const char* Element(uint32_t slot) const {
    return graph->data_level0_memory_ + size_t{slot} * graph->size_data_per_element_;
  }
  const void* Data(uint32_t slot) const { return Element(slot) + graph->offsetData_; }
  uint32_t Word0(uint32_t slot) const {
    uint32_t w;
    std::memcpy(&w, Element(slot), 4);
    return w;
  }
  bool IsRemoved(uint32_t slot) const { return (Word0(slot) & kDeletedBit) != 0; }

  void AllocScratch() {
    unit.assign(padded, 0.0f);
    encoded.assign(stored_bytes, 0);
  }

  // Starts a new visit: returns the tag marking slots visited by this search.
  uint16_t NextVisit() const {
    if (visited.size() < count()) visited.resize(graph->max_elements_, 0);
    if (++visit_tag == 0) {
      std::fill(visited.begin(), visited.end(), 0);
      visit_tag = 1;
    }
    return visit_tag;
  }

  // Grows the graph to hold `needed` elements. Throws on allocation failure (hnswlib's state stays
  // consistent: its resize reallocates in place or keeps the old block).
  Status EnsureCapacity(size_t needed) {
    if (needed <= graph->max_elements_) return Status::Ok();
    if (needed > kMaxVectors) {
      return Status(Code::kTooLarge, "the vector index holds at most " +
                                         std::to_string(kMaxVectors) + " vectors");
    }
    const size_t cap = graph->max_elements_;
    size_t target = std::max({needed, cap + cap / 2, kMinCapacity});
    target = std::min(target, kMaxVectors);
    graph->resizeIndex(target);
    visited.assign(target, 0);
    visit_tag = 0;
    return Status::Ok();
  }

  // Inserts or replaces the vector in `encoded` under `label`; a new one is linked into the graph
  // now or left for Link(). Capacity for a new slot must be ensured by the caller.
  void Put(Label label, Linking linking) {
    const uint32_t slot = slots.Find(label);
    if (slot != LabelMap::kAbsent) {
      if (IsRemoved(slot)) graph->unmarkDeletedInternal(slot);
      if (slot >= linked) {
        std::memcpy(graph->data_level0_memory_ + size_t{slot} * graph->size_data_per_element_ + graph->offsetData_,
                    encoded.data(), graph->data_size_);
      } else {
        graph->updatePoint(encoded.data(), slot, 1.0f);
      }
      return;
    }
    // Unlinked vectors are the newest slots: an immediate link first links those before it.
    if (linking == Linking::kNow) LinkUpTo(count());
    const size_t next = count();
    // Both tables get room first, so nothing can fail after the slot is taken.
    if (labels.capacity() <= next) labels.reserve(std::max(next + 1, 2 * labels.capacity()));
    slots.Reserve(next + 1);
    Store(label);
    if (linking == Linking::kNow) LinkUpTo(count());
  }

  // Claims slot count() for `label` with the vector in `encoded`, unlinked (no graph search).
  // Table room and graph capacity are reserved by the caller: nothing here can fail.
  void Store(Label label) noexcept {
    Graph& g = *graph;
    const uint32_t slot = static_cast<uint32_t>(g.cur_element_count);
    char* e = g.data_level0_memory_ + size_t{slot} * g.size_data_per_element_;
    std::memset(e, 0, g.size_data_per_element_);
    const hnswlib::labeltype hl = slot;
    std::memcpy(e + g.label_offset_, &hl, sizeof(hl));
    std::memcpy(e + g.offsetData_, encoded.data(), g.data_size_);
    g.element_levels_[slot] = 0;
    g.linkLists_[slot] = nullptr;
    g.cur_element_count = slot + 1;
    labels.push_back(label);
    slots.Insert(label, slot);
  }

  // Links unlinked slots into the graph, in order, until `end`.
  void LinkUpTo(size_t end) {
    while (linked < end) {
      const uint32_t slot = static_cast<uint32_t>(linked);
      if (params.encoding == Encoding::kInt8) {
        Link(slot, I8Dist{padded});
      } else {
        Link(slot, F32Dist{padded});
      }
    }
  }

  // Linking `slot` threw part-way (hnswlib's linking throws only on internal inconsistency): the
  // slot counts as linked (it may have links) and is hidden as removed; adding its label again
  // revives it.
  // Sets or clears the deleted mark in an element's layer-0 word (the removed count unchanged).
  static void SetMark(char* word0, bool removed) noexcept {
    uint32_t w;
    std::memcpy(&w, word0, 4);
    w = removed ? (w | kDeletedBit) : (w & ~kDeletedBit);
    std::memcpy(word0, &w, 4);
  }

  void Quarantine(size_t slot) noexcept {
    linked = slot + 1;
    if (!IsRemoved(static_cast<uint32_t>(slot))) {
      char* e = graph->data_level0_memory_ + slot * graph->size_data_per_element_;
      uint32_t w;
      std::memcpy(&w, e, 4);
      w |= kDeletedBit;
      std::memcpy(e, &w, 4);
      graph->num_deleted_ += 1;
    }
  }

  template <typename Dist>
  size_t Descend(const void* q, int from, int to, uint32_t* cur, float* cur_dist,
                 const Dist& dist) const;
  template <typename Dist, bool kCheck>
  size_t SearchLayer(uint32_t ep, float ep_dist, const void* q, int layer, size_t ef,
                     const Filter* filter, const Dist& dist) const;
  template <typename Dist, bool kCheck>
  size_t GraphSearch(const void* q, size_t ef, const Filter* filter, const Dist& dist) const;
  // Keeps `top` (a max-heap on distance) to the best `cap` candidates with (d, slot) offered.
  void Offer(float d, uint32_t slot, size_t cap) const {
    if (top.size() < cap) {
      top.push_back({d, slot});
      std::push_heap(top.begin(), top.end(), CandLess());
    } else if (d < top.front().dist) {
      std::pop_heap(top.begin(), top.end(), CandLess());
      top.back() = {d, slot};
      std::push_heap(top.begin(), top.end(), CandLess());
    }
  }
  template <typename Dist>
  void Link(uint32_t slot, const Dist& dist);
  template <typename Dist>
  void Connect(uint32_t slot, int level, const Dist& dist);
  template <typename Dist>
  size_t ScanUnlinked(const void* q, size_t cap, const Filter* filter, const Dist& dist) const;
  template <typename Dist>
  size_t ExactScan(const void* q, size_t k, const Filter* filter, const Dist& dist) const;
  template <typename Dist>
  Status SearchWith(const void* q, size_t k, const Filter* filter, const SearchOptions& opt,
                    const Dist& dist, std::vector<Hit>* out) const;
  double EstimateAllowed(const Filter* filter, size_t live) const;
  void CollectHits(size_t k, std::vector<Hit>* out) const;
};

// Greedy descent (hnswlib's upper-layer routing): from (cur, cur_dist) at layer `from` down to
// layer `to` + 1, moving to any closer neighbour until none is closer. Returns distance evaluations.
template <typename Dist>
size_t VectorIndex::Impl::Descend(const void* q, int from, int to, uint32_t* cur, float* cur_dist,
                                  const Dist& dist) const {
  const Graph& g = *graph;
  size_t evals = 0;
  for (int level = from; level > to; --level) {
    bool changed = true;
    while (changed) {
      changed = false;
      const uint32_t* ll = reinterpret_cast<const uint32_t*>(
          g.linkLists_[*cur] + size_t(level - 1) * g.size_links_per_element_);
      const uint32_t n = ll[0] & kCountMask;
      evals += n;
      for (uint32_t j = 1; j <= n; ++j) {
        const float d = dist(q, Data(ll[j]));
        if (d < *cur_dist) {
          *cur_dist = d;
          *cur = ll[j];
          changed = true;
        }
      }
    }
  }
  return evals;
}

// Best-first search of one layer from `ep` with a beam of `ef`, into `top` (a max-heap of at most
// ef admissible slots). The same algorithm as hnswlib's searchBaseLayer / searchBaseLayerST, with
// two changes for speed:
//   - no allocation: the heaps and the visit tags are reused scratch;
//   - "touch-ahead": the unvisited neighbours of an expanded node are collected first and the
//     first cache line of each of their vectors is loaded before any distance is computed, so the
//     cache misses overlap instead of each distance waiting for its own. wasm has no prefetch
//     instruction; plain loads do the job (measured +25-40% QPS at 100k x 384 in wasm).
// kCheck: skip removed slots and those `filter` rejects (both are still traversed, so the graph
// stays connected). Returns distance evaluations.
template <typename Dist, bool kCheck>
size_t VectorIndex::Impl::SearchLayer(uint32_t ep, float ep_dist, const void* q, int layer,
                                      size_t ef, const Filter* filter, const Dist& dist) const {
  const Graph& g = *graph;
  const uint16_t tag = NextVisit();
  uint16_t* vis = visited.data();
  top.clear();
  frontier.clear();
  auto admissible = [&](uint32_t slot) {
    if constexpr (!kCheck) {
      return true;
    } else {
      return !IsRemoved(slot) && (filter == nullptr || filter->Allows(labels[slot]));
    }
  };
  float bound = std::numeric_limits<float>::infinity();  // worst distance in a full `top`
  if (admissible(ep)) {
    top.push_back({ep_dist, ep});
    bound = ep_dist;
  }
  frontier.push_back({ep_dist, ep});
  vis[ep] = tag;
  const char* base = g.data_level0_memory_;
  const size_t stride = g.size_data_per_element_;
  const size_t off_data = g.offsetData_;
  size_t evals = 0;
  uint32_t todo[2 * kMaxM];
  while (!frontier.empty()) {
    const Cand c = frontier.front();
    if (c.dist > bound && top.size() >= ef) break;
    std::pop_heap(frontier.begin(), frontier.end(), CandGreater());
    frontier.pop_back();
    const uint32_t* ll =
        layer == 0 ? reinterpret_cast<const uint32_t*>(base + size_t{c.slot} * stride)
                   : reinterpret_cast<const uint32_t*>(g.linkLists_[c.slot] +
                                                       size_t(layer - 1) * g.size_links_per_element_);
    const uint32_t n = ll[0] & kCountMask;
    uint32_t m = 0;
    for (uint32_t j = 1; j <= n; ++j) {
      const uint32_t nb = ll[j];
      if (vis[nb] == tag) continue;
      vis[nb] = tag;
      todo[m++] = nb;
    }
    uint32_t sink = 0;
    for (uint32_t j = 0; j < m; ++j) {
      uint32_t w;
      std::memcpy(&w, base + size_t{todo[j]} * stride + off_data, 4);
      sink ^= w;
    }
    touch_sink ^= sink;  // keeps the loads alive
    evals += m;
    for (uint32_t j = 0; j < m; ++j) {
      const uint32_t nb = todo[j];
      const float d = dist(q, base + size_t{nb} * stride + off_data);
      if (top.size() < ef || d < bound) {
        frontier.push_back({d, nb});
        std::push_heap(frontier.begin(), frontier.end(), CandGreater());
        if (admissible(nb)) {
          top.push_back({d, nb});
          std::push_heap(top.begin(), top.end(), CandLess());
          if (top.size() > ef) {
            std::pop_heap(top.begin(), top.end(), CandLess());
            top.pop_back();
          }
          bound = top.front().dist;
        }
      }
    }
  }
  return evals;
}

// A query: greedy descent to layer 1, then the layer-0 beam search (hnswlib's searchKnn).
template <typename Dist, bool kCheck>
size_t VectorIndex::Impl::GraphSearch(const void* q, size_t ef, const Filter* filter,
                                      const Dist& dist) const {
  const Graph& g = *graph;
  uint32_t cur = g.enterpoint_node_;
  float cur_dist = dist(q, Data(cur));
  size_t evals = 1 + Descend(q, g.maxlevel_, 0, &cur, &cur_dist, dist);
  return evals + SearchLayer<Dist, kCheck>(cur, cur_dist, q, 0, ef, filter, dist);
}

// Links the stored, unlinked element `slot` (== linked) into the graph. The same steps as
// hnswlib's addPoint(data, label, -1) for a new label (random level, greedy descent, then at each
// layer a beam search with ef_construction and hnswlib's own mutuallyConnectNewElement, which
// selects neighbours by its heuristic and links both ways), with this file's SearchLayer in place
// of hnswlib's searchBaseLayer: no allocation per layer, touch-ahead instead of x86 prefetch, and
// no read past the end of a full upper-layer list (hnswlib's prefetch reads one id beyond it).
// Slots after it are unlinked too and unreachable, so the searches here never meet them.
// Allocation happens before the graph changes, so a failure leaves the index unchanged.
template <typename Dist>
void VectorIndex::Impl::Link(uint32_t slot, const Dist& dist) {
  Graph& g = *graph;
  const int level = g.getRandomLevel(g.mult_);
  char* links = nullptr;
  if (level > 0) {
    const size_t bytes = g.size_links_per_element_ * size_t(level);
    links = static_cast<char*>(std::malloc(bytes + 1));
    if (links == nullptr) throw std::bad_alloc();
    std::memset(links, 0, bytes + 1);
  }
  g.element_levels_[slot] = level;
  g.linkLists_[slot] = links;
  upper_link_bytes += size_t(level) * g.size_links_per_element_;

  if (g.maxlevel_ < 0) {  // the first element
    g.enterpoint_node_ = slot;
    g.maxlevel_ = level;
    linked = slot + 1;
    return;
  }
  // hnswlib wants a new element's layer-0 word blank, deleted mark included: a removed unlinked
  // vector is linked unmarked and marked again (it stays a waypoint, like any removed vector).
  char* word0 = g.data_level0_memory_ + size_t{slot} * g.size_data_per_element_;
  const bool was_removed = IsRemoved(slot);
  if (was_removed) SetMark(word0, false);
  try {
    Connect(slot, level, dist);
  } catch (...) {
    if (was_removed) SetMark(word0, true);
    Quarantine(slot);
    throw;
  }
  if (was_removed) SetMark(word0, true);
  linked = slot + 1;
}

// Link's graph part: searches each layer from the top and connects `slot` there.
template <typename Dist>
void VectorIndex::Impl::Connect(uint32_t slot, int level, const Dist& dist) {
  Graph& g = *graph;
  const void* q = Data(slot);
  const int max_level = g.maxlevel_;
  const uint32_t entry = g.enterpoint_node_;
  uint32_t cur = entry;
  float cur_dist = dist(q, Data(cur));
  Descend(q, max_level, level, &cur, &cur_dist, dist);
  const bool entry_removed = IsRemoved(entry);
  for (int layer = std::min(level, max_level); layer >= 0; --layer) {
    if (removed() == 0) {
      SearchLayer<Dist, false>(cur, cur_dist, q, layer, g.ef_construction_, nullptr, dist);
    } else {
      SearchLayer<Dist, true>(cur, cur_dist, q, layer, g.ef_construction_, nullptr, dist);
    }
    std::vector<std::pair<float, hnswlib::tableint>> picked;
    picked.reserve(top.size() + 1);
    for (const Cand& c : top) picked.emplace_back(c.dist, c.slot);
    if (entry_removed) {
      // As hnswlib does: a removed entry point is still offered as a neighbour.
      picked.emplace_back(dist(q, Data(entry)), entry);
    }
    CandidateQueue queue(Graph::CompareByFirst(), std::move(picked));
    while (queue.size() > g.ef_construction_) queue.pop();
    if (queue.empty()) continue;  // only when every reachable element is removed
    cur = g.mutuallyConnectNewElement(q, slot, queue, layer, false);
    cur_dist = dist(q, Data(cur));
  }
  if (level > max_level) {
    g.enterpoint_node_ = slot;
    g.maxlevel_ = level;
  }
}

// Offers every live, allowed unlinked slot to `top` (a max-heap kept to at most `cap` entries).
// Returns the number of distance evaluations.
template <typename Dist>
size_t VectorIndex::Impl::ScanUnlinked(const void* q, size_t cap, const Filter* filter,
                                       const Dist& dist) const {
  size_t evals = 0;
  const uint32_t n = static_cast<uint32_t>(count());
  for (uint32_t slot = static_cast<uint32_t>(linked); slot < n; ++slot) {
    if (IsRemoved(slot)) continue;
    if (filter != nullptr && !filter->Allows(labels[slot])) continue;
    Offer(dist(q, Data(slot)), slot, cap);
    ++evals;
  }
  return evals;
}

// Exact top-k into `top` over every live slot (filtered by Allows), or over the slots of the
// filter's AllowedLabels() when it has them. Returns the number of distance evaluations.
template <typename Dist>
size_t VectorIndex::Impl::ExactScan(const void* q, size_t k, const Filter* filter,
                                    const Dist& dist) const {
  top.clear();
  size_t evals = 0;
  auto offer = [&](uint32_t slot) {
    Offer(dist(q, Data(slot)), slot, k);
    ++evals;
  };
  const std::vector<Label>* list = filter != nullptr ? filter->AllowedLabels() : nullptr;
  if (list != nullptr) {
    const uint16_t tag = NextVisit();  // the list may repeat labels
    for (const Label label : *list) {
      const uint32_t slot = slots.Find(label);
      if (slot == LabelMap::kAbsent || visited[slot] == tag) continue;
      visited[slot] = tag;
      if (!IsRemoved(slot)) offer(slot);
    }
    return evals;
  }
  const uint32_t n = static_cast<uint32_t>(count());
  for (uint32_t slot = 0; slot < n; ++slot) {
    if (IsRemoved(slot)) continue;
    if (filter != nullptr && !filter->Allows(labels[slot])) continue;
    offer(slot);
  }
  return evals;
}

// Estimated number of live labels the filter allows.
double VectorIndex::Impl::EstimateAllowed(const Filter* filter, size_t live) const {
  if (const std::vector<Label>* list = filter->AllowedLabels()) {
    return static_cast<double>(std::min(list->size(), live));
  }
  const double hint = filter->Selectivity();
  if (hint >= 0.0 && hint <= 1.0) return hint * static_cast<double>(live);
  // Sample Allows() on pseudo-random live slots. Deterministic (one query always takes the same
  // path) but not a fixed stride, which could alias with a regular filter (every 3rd label...).
  const size_t n = count();
  size_t seen = 0, allowed = 0;
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (size_t i = 0; i < 2 * kFilterSampleSize && seen < kFilterSampleSize; ++i) {
    x ^= x >> 12;  // xorshift64
    x ^= x << 25;
    x ^= x >> 27;
    const uint32_t slot = static_cast<uint32_t>((x * 0x2545F4914F6CDD1DULL >> 32) % n);
    if (IsRemoved(slot)) continue;
    ++seen;
    if (filter->Allows(labels[slot])) ++allowed;
  }
  if (seen == 0) return 0.0;
  return static_cast<double>(allowed) / static_cast<double>(seen) * static_cast<double>(live);
}

// Moves the best k of `top` into `out`, best first, ties by ascending label.
void VectorIndex::Impl::CollectHits(size_t k, std::vector<Hit>* out) const {
  out->clear();
  out->reserve(std::min(k, top.size()));
  for (const Cand& c : top) {
    // A NaN score (impossible for vectors this index normalised, but a crafted serialisation can
    // hold finite vectors whose products overflow) would break the sort's ordering contract.
    const float score = 1.0f - c.dist;
    out->push_back(Hit{labels[c.slot], std::isnan(score) ? -std::numeric_limits<float>::infinity() : score});
  }
  auto better = [](const Hit& a, const Hit& b) {
    return a.score > b.score || (a.score == b.score && a.label < b.label);
  };
  if (out->size() > k) {
    std::partial_sort(out->begin(), out->begin() + static_cast<std::ptrdiff_t>(k), out->end(), better);
    out->resize(k);
  } else {
    std::sort(out->begin(), out->end(), better);
  }
}

template <typename Dist>
Status VectorIndex::Impl::SearchWith(const void* q, size_t k, const Filter* filter,
                                     const SearchOptions& opt, const Dist& dist,
                                     std::vector<Hit>* out) const {
  SearchStats stats;
  const size_t live = count() - removed();
  k = std::min(k, live);
  size_t ef = std::max<size_t>(opt.ef == 0 ? params.ef_search : opt.ef, k);

  bool exact;
  switch (opt.strategy) {
    case SearchOptions::Strategy::kExact: exact = true; break;
    case SearchOptions::Strategy::kGraph: exact = linked == 0; break;
    default:
      exact = linked == 0 || live <= params.exact_threshold || ef * 8 >= live;
      if (!exact && (filter != nullptr || removed() > 0)) {
        // Cost model in distance evaluations (see the header): a graph search that admits a
        // fraction s of the slots it traverses costs about kGraphCostPerEf * ef / s; an exact
        // scan costs kExactCostPerAllowed per admissible label, plus kExactCostPerCheck per slot
        // when Allows() must be asked of every slot.
        const double allowed = filter == nullptr ? static_cast<double>(live) : EstimateAllowed(filter, live);
        stats.estimated_allowed = allowed;
        const double s = allowed / static_cast<double>(count());
        const bool listed = filter != nullptr && filter->AllowedLabels() != nullptr;
        const double exact_cost = kExactCostPerAllowed * allowed +
                                  (listed ? 0.0 : kExactCostPerCheck * static_cast<double>(count()));
        exact = s <= 0.0 || exact_cost <= kGraphCostPerEf * static_cast<double>(ef) / s;
      }
  }
  if (live == 0) {
    out->clear();
  } else if (exact) {
    stats.exact = true;
    stats.distances = ExactScan(q, k, filter, dist);
    CollectHits(k, out);
  } else {
    if (filter == nullptr && removed() == 0) {
      stats.distances = GraphSearch<Dist, false>(q, ef, nullptr, dist);
    } else {
      stats.distances = GraphSearch<Dist, true>(q, ef, filter, dist);
    }
    // The graph cannot reach unlinked vectors: they are scanned exactly.
    if (linked < count()) stats.distances += ScanUnlinked(q, ef, filter, dist);
    if (top.size() < k && opt.strategy == SearchOptions::Strategy::kAuto) {
      // The graph found fewer allowed labels than asked for: the filter (or the removals) leave
      // so few live labels that an exact scan is both cheaper and sure to find them all.
      stats.exact = true;
      stats.distances += ExactScan(q, k, filter, dist);
    }
    CollectHits(k, out);
  }
  if (opt.stats != nullptr) *opt.stats = stats;
  return Status::Ok();
}

// =============================================================================================

VectorIndex::VectorIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VectorIndex::~VectorIndex() = default;

Result<std::unique_ptr<VectorIndex>> VectorIndex::Create(const IndexParams& params) {
  KS_RETURN_IF_ERROR(ValidateParams(params));
  std::unique_ptr<VectorIndex> index;
  Status st = Guarded([&]() -> Status {
    auto impl = std::make_unique<Impl>(params);
    impl->space = std::make_unique<IpSpace>(params.encoding, params.dim);
    impl->graph = NewGraph(impl->space.get(), kMinCapacity, params);
    impl->visited.assign(kMinCapacity, 0);
    impl->AllocScratch();
    index.reset(new VectorIndex(std::move(impl)));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return index;
}

Status VectorIndex::Add(Label label, std::span<const float> vector, Linking linking) {
  Impl& m = *impl_;
  KS_RETURN_IF_ERROR(Normalise(vector, m.params.dim, "vector", SIZE_MAX, m.unit.data()));
  Encode(m.params.encoding, m.params.dim, m.unit.data(), m.encoded.data());
  return Guarded([&]() -> Status {
    if (m.slots.Find(label) == LabelMap::kAbsent) KS_RETURN_IF_ERROR(m.EnsureCapacity(m.count() + 1));
    m.Put(label, linking);
    return Status::Ok();
  });
}

Result<size_t> VectorIndex::Link(size_t max_count) {
  Impl& m = *impl_;
  Status st = Guarded([&]() -> Status {
    m.LinkUpTo(m.linked + std::min(max_count, m.count() - m.linked));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return m.count() - m.linked;
}

size_t VectorIndex::unlinked() const { return impl_->count() - impl_->linked; }

Status VectorIndex::AddBatch(std::span<const Label> labels, std::span<const float> rows, Linking linking) {
  Impl& m = *impl_;
  const size_t dim = m.params.dim;
  if (rows.size() / dim != labels.size() || rows.size() % dim != 0) {
    return InvalidArgument("rows has " + std::to_string(rows.size()) + " values, expected " +
                               std::to_string(labels.size()) + " labels x dimension " +
                               std::to_string(dim),
                           "labels");
  }
  // Validate every row before changing anything.
  for (size_t i = 0; i < labels.size(); ++i) {
    KS_RETURN_IF_ERROR(Normalise(rows.subspan(i * dim, dim), m.params.dim, "rows", i, m.unit.data()));
  }
  return Guarded([&]() -> Status {
    size_t fresh = 0;
    for (const Label label : labels) fresh += m.slots.Find(label) == LabelMap::kAbsent;
    // Repeated new labels are counted twice: at worst a little spare capacity.
    KS_RETURN_IF_ERROR(m.EnsureCapacity(m.count() + fresh));
    m.slots.Reserve(m.count() + fresh);
    m.labels.reserve(m.count() + fresh);
    for (size_t i = 0; i < labels.size(); ++i) {
      KS_RETURN_IF_ERROR(
          Normalise(rows.subspan(i * dim, dim), m.params.dim, "rows", i, m.unit.data()));
      Encode(m.params.encoding, m.params.dim, m.unit.data(), m.encoded.data());
      m.Put(labels[i], linking);
    }
    return Status::Ok();
  });
}

Status VectorIndex::Remove(Label label) {
  Impl& m = *impl_;
  const uint32_t slot = m.slots.Find(label);
  if (slot == LabelMap::kAbsent) {
    return NotFound("label " + std::to_string(label) + " is not in the vector index", "label");
  }
  if (m.IsRemoved(slot)) return Status::Ok();
  return Guarded([&]() -> Status {
    m.graph->markDeletedInternal(slot);
    return Status::Ok();
  });
}

Status VectorIndex::Restore(Label label) {
  Impl& m = *impl_;
  const uint32_t slot = m.slots.Find(label);
  if (slot == LabelMap::kAbsent) {
    return NotFound("label " + std::to_string(label) + " is not in the vector index", "label");
  }
  if (!m.IsRemoved(slot)) return Status::Ok();
  return Guarded([&]() -> Status {
    m.graph->unmarkDeletedInternal(slot);
    return Status::Ok();
  });
}

bool VectorIndex::Contains(Label label) const {
  const uint32_t slot = impl_->slots.Find(label);
  return slot != LabelMap::kAbsent && !impl_->IsRemoved(slot);
}

size_t VectorIndex::size() const { return impl_->count(); }
size_t VectorIndex::live_size() const { return impl_->count() - impl_->removed(); }
size_t VectorIndex::capacity() const { return impl_->graph->max_elements_; }
uint64_t VectorIndex::generation() const { return impl_->generation; }
void VectorIndex::set_generation(uint64_t generation) { impl_->generation = generation; }
const IndexParams& VectorIndex::params() const { return impl_->params; }

Result<std::vector<float>> VectorIndex::GetVector(Label label) const {
  const Impl& m = *impl_;
  const uint32_t slot = m.slots.Find(label);
  if (slot == LabelMap::kAbsent || m.IsRemoved(slot)) {
    return NotFound("label " + std::to_string(label) + " is not in the vector index", "label");
  }
  std::vector<float> out;
  Status st = Guarded([&]() -> Status {
    out.resize(m.params.dim);
    Decode(m.params.encoding, m.params.dim, static_cast<const unsigned char*>(m.Data(slot)), out.data());
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<Hit>> VectorIndex::Search(std::span<const float> query, size_t k,
                                             const Filter* filter,
                                             const SearchOptions& options) const {
  const Impl& m = *impl_;
  if (k == 0) return InvalidArgument("k must be at least 1", "k");
  if (options.ef > kMaxEf) {
    return InvalidArgument("ef must be at most " + std::to_string(kMaxEf), "ef");
  }
  KS_RETURN_IF_ERROR(Normalise(query, m.params.dim, "query", SIZE_MAX, m.unit.data()));
  // int8 queries are quantised like the stored vectors (symmetric distance): a float-by-int8
  // kernel was measured 2.5x slower in wasm (int8 -> float conversions) for no recall gain.
  Encode(m.params.encoding, m.params.dim, m.unit.data(), m.encoded.data());
  std::vector<Hit> hits;
  Status st = Guarded([&]() -> Status {
    if (m.params.encoding == Encoding::kInt8) {
      return m.SearchWith(m.encoded.data(), k, filter, options, I8Dist{m.padded}, &hits);
    }
    return m.SearchWith(m.encoded.data(), k, filter, options, F32Dist{m.padded}, &hits);
  });
  if (!st.ok()) return st;
  return hits;
}

Status VectorIndex::Reserve(size_t capacity) {
  Impl& m = *impl_;
  return Guarded([&]() -> Status {
    KS_RETURN_IF_ERROR(m.EnsureCapacity(capacity));
    m.slots.Reserve(capacity);
    m.labels.reserve(capacity);
    return Status::Ok();
  });
}

size_t VectorIndex::MemoryBytes() const {
  const Impl& m = *impl_;
  const Graph& g = *m.graph;
  const size_t cap = g.max_elements_;
  size_t bytes = sizeof(Impl) + sizeof(Graph);
  bytes += cap * g.size_data_per_element_;                        // layer 0: links, vector, label
  bytes += cap * sizeof(void*);                                   // upper-layer pointers
  bytes += m.upper_link_bytes;                                    // upper-layer lists
  bytes += g.element_levels_.capacity() * sizeof(int);
  bytes += g.link_list_locks_.capacity() * sizeof(std::mutex);
  bytes += cap * sizeof(hnswlib::vl_type);                        // hnswlib's visited list
  bytes += m.labels.capacity() * sizeof(Label) + m.slots.MemoryBytes();
  bytes += m.visited.capacity() * sizeof(uint16_t);
  bytes += (m.top.capacity() + m.frontier.capacity()) * sizeof(Cand);
  bytes += m.unit.capacity() * sizeof(float) + m.encoded.capacity();
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Serialisation.

Result<std::vector<uint8_t>> VectorIndex::Serialize() const {
  const Impl& m = *impl_;
  const Graph& g = *m.graph;
  const size_t n = m.count();
  const size_t l0_bytes = g.size_links_level0_;
  const size_t up_bytes = g.size_links_per_element_;
  Layout L;
  if (!ComputeLayout(n, m.stored_bytes, l0_bytes, &L)) return Internal("index too large");
  uint64_t upper_total = 0;
  for (size_t i = 0; i < n; ++i) upper_total += uint64_t(g.element_levels_[i]) * up_bytes;
  L.checksum = L.upper + upper_total;
  L.total = L.checksum + 8;
  if (L.total > std::numeric_limits<size_t>::max()) {
    return Status(Code::kTooLarge, "the serialised index does not fit in memory");
  }
  std::vector<uint8_t> out;
  Status st = Guarded([&]() -> Status {
    out.assign(static_cast<size_t>(L.total), 0);
    unsigned char* p = out.data();
    std::memcpy(p, kMagic, 8);
    Put32(p + 8, kFormatVersion);
    Put32(p + 12, kHeaderSize);
    Put32(p + 16, m.params.dim);
    Put32(p + 20, static_cast<uint32_t>(m.params.encoding));
    Put32(p + 24, m.params.M);
    Put32(p + 28, m.params.ef_construction);
    Put32(p + 32, m.params.ef_search);
    Put32(p + 36, m.params.exact_threshold);
    Put64(p + 40, m.params.seed);
    Put64(p + 48, m.generation);
    Put64(p + 56, n);
    Put64(p + 64, m.removed());
    Put32(p + 72, static_cast<uint32_t>(g.maxlevel_));
    Put32(p + 76, m.linked == 0 ? kNoSlot : g.enterpoint_node_);
    Put32(p + 80, static_cast<uint32_t>(m.stored_bytes));
    Put32(p + 84, static_cast<uint32_t>(n - m.linked));
    Put64(p + 88, L.total);
    if (n > 0) std::memcpy(p + L.labels, m.labels.data(), n * sizeof(Label));
    unsigned char* up = p + L.upper;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t slot = static_cast<uint32_t>(i);
      const int level = g.element_levels_[i];
      p[L.levels + i] = static_cast<unsigned char>(level);
      const uint32_t w0 = m.Word0(slot);
      if (w0 & kDeletedBit) p[L.marks + i / 8] |= static_cast<unsigned char>(1u << (i % 8));
      std::memcpy(p + L.vectors + i * m.stored_bytes, m.Data(slot), m.stored_bytes);
      // Only the live part of each list: hnswlib leaves stale ids behind a shrunk list, and the
      // format wants unused entries zero (deterministic bytes, stricter validation).
      unsigned char* l0 = p + L.layer0 + i * l0_bytes;
      const uint32_t c0 = w0 & kCountMask;
      Put32(l0, c0);
      std::memcpy(l0 + 4, m.Element(slot) + 4, size_t{c0} * 4);
      for (int level_i = 1; level_i <= level; ++level_i) {
        const char* ll = g.linkLists_[i] + size_t(level_i - 1) * up_bytes;
        uint32_t c;
        std::memcpy(&c, ll, 4);
        c &= kCountMask;
        Put32(up, c);
        std::memcpy(up + 4, ll + 4, size_t{c} * 4);
        up += up_bytes;
      }
    }
    Put64(p + L.checksum, Checksum64(p, static_cast<size_t>(L.checksum)));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

namespace {
Status Corrupt(const std::string& what) {
  return Status(Code::kCorrupt, "vector index data is corrupt: " + what);
}

// Runs ok = f(i) for i in [begin, end) and stops at the first false. A function of its own per
// loop body, called once per batch (RangeCall, Batched): WebAssembly engines switch a function
// from baseline to optimised code only for its next call (V8 has no on-stack replacement for
// wasm), so a loop over a whole 100k-vector snapshot in one call would run entirely in the
// baseline tier.
template <typename F>
[[gnu::noinline]] bool ForRange(size_t begin, size_t end, F& f) {
  for (size_t i = begin; i < end; ++i) {
    if (!f(i)) return false;
  }
  return true;
}
// ForRange through a pointer no optimiser can see through. [[gnu::noinline]] alone is not enough:
// it binds LLVM, but binaryen (wasm-opt, at link time) inlines every function that has a single
// caller, which put each loop back into the one call of the loader (see Deserialize).
template <typename F>
bool RangeCall(size_t begin, size_t end, F& f) {
  bool (*volatile fn)(size_t, size_t, F&) = &ForRange<F>;
  return fn(begin, end, f);
}
template <typename F>
bool Batched(size_t n, F&& f) {
  constexpr size_t kBatch = 4096;
  for (size_t b = 0; b < n; b += kBatch) {
    if (!RangeCall(b, std::min(n, b + kBatch), f)) return false;
  }
  return true;
}

// True when every float of v[0..n) is finite. NaN and Inf are the floats whose exponent bits are
// all ones; adding one to the exponent field carries into the sign bit exactly for those. Only
// and/add/or, so compilers vectorise it (it runs over every stored value on load).
bool AllFinite(const unsigned char* v, size_t n) {
  uint32_t acc = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, v + 4 * i, 4);
    acc |= (u & 0x7F800000u) + 0x00800000u;
  }
  return (acc & 0x80000000u) == 0;
}
}  // namespace

std::optional<Encoding> VectorIndex::StoredEncoding(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderSize || std::memcmp(bytes.data(), kMagic, 8) != 0) return std::nullopt;
  const uint32_t enc = Get32(bytes.data() + 20);
  if (enc > 1) return std::nullopt;
  return static_cast<Encoding>(enc);
}

namespace {

class SpanSource final : public ByteSource {
 public:
  explicit SpanSource(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  Status Read(void* dst, size_t n) override {
    if (n > bytes_.size() - pos_) return Corrupt("truncated");  // not reached: sizes are checked first
    if (n > 0) std::memcpy(dst, bytes_.data() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

// A source's bytes with the running checksum of everything read.
struct ChecksummedReader {
  ByteSource& source;
  Checksum64Stream sum;
  Status Read(void* dst, size_t n) {
    KS_RETURN_IF_ERROR(source.Read(dst, n));
    sum.Update(dst, n);
    return Status::Ok();
  }
};

// Vectors and layer-0 lists are read this many at a time (int8, 512-d: ~0.5 MB of vectors).
constexpr size_t kLoadBatch = 1024;

}  // namespace

Result<std::unique_ptr<VectorIndex>> VectorIndex::Deserialize(std::span<const uint8_t> bytes,
                                                               std::optional<Encoding> encoding) {
  SpanSource source(bytes);
  return Deserialize(source, encoding);
}

namespace {

// The header and the small sections before the vectors (labels, levels, removed marks), read from
// `in` and checked: everything Deserialize and ScanSerialized need before the vectors.
struct Prologue {
  IndexParams params;
  uint64_t generation = 0, removed = 0;
  int32_t max_level = -1;
  uint32_t entry = 0;
  size_t n = 0, linked = 0, stored = 0, maxM0 = 0, maxM = 0, l0_bytes = 0, up_bytes = 0;
  Layout L{};
  std::vector<Label> labels;
  std::vector<unsigned char> levels, marks;
};

Status ReadPrologue(ChecksummedReader& in, uint64_t size, Prologue* P) {
  if (size < kHeaderSize + 8) return Corrupt("shorter than a header");
  unsigned char hdr[kHeaderSize];
  KS_RETURN_IF_ERROR(in.Read(hdr, kHeaderSize));
  const unsigned char* p = hdr;
  if (std::memcmp(p, kMagic, 8) != 0) return Corrupt("not a kspace vector index (bad magic)");
  const uint32_t version = Get32(p + 8);
  if (version > kFormatVersion) {
    return Status(Code::kUnsupported, "vector index format version " + std::to_string(version) +
                                          " is newer than this build reads (" +
                                          std::to_string(kFormatVersion) + ")");
  }
  if (version == 0) return Corrupt("format version 0");
  if (Get32(p + 12) != kHeaderSize) return Corrupt("bad header size");
  if (Get64(p + 88) != size) return Corrupt("size mismatch (truncated or trailing bytes)");

  IndexParams& params = P->params;
  params.dim = Get32(p + 16);
  const uint32_t enc = Get32(p + 20);
  if (enc > 1) return Corrupt("unknown encoding");
  params.encoding = static_cast<Encoding>(enc);
  params.M = Get32(p + 24);
  params.ef_construction = Get32(p + 28);
  params.ef_search = Get32(p + 32);
  params.exact_threshold = Get32(p + 36);
  params.seed = Get64(p + 40);
  if (!ValidateParams(params).ok()) return Corrupt("parameters out of range");
  P->generation = Get64(p + 48);
  const uint64_t n64 = Get64(p + 56);
  const uint64_t removed = P->removed = Get64(p + 64);
  const int32_t max_level = P->max_level = static_cast<int32_t>(Get32(p + 72));
  const uint32_t entry = P->entry = Get32(p + 76);
  const uint32_t stored = Get32(p + 80);
  P->stored = stored;
  const uint32_t unlinked = Get32(p + 84);
  if (version == 1 && unlinked != 0) return Corrupt("reserved header field set");
  for (size_t i = 96; i < kHeaderSize; ++i) {
    if (p[i] != 0) return Corrupt("reserved header bytes set");
  }
  if (stored != StoredBytes(params.encoding, params.dim)) return Corrupt("bad vector size");
  if (n64 > kMaxVectors) return Corrupt("too many vectors");
  if (removed > n64) return Corrupt("more removed than stored vectors");
  if (unlinked > n64) return Corrupt("more unlinked than stored vectors");
  const size_t n = P->n = static_cast<size_t>(n64);
  const size_t linked = P->linked = n - unlinked;
  const size_t maxM0 = P->maxM0 = size_t{params.M} * 2;
  P->maxM = params.M;
  const size_t l0_bytes = P->l0_bytes = 4 * (1 + maxM0);
  const size_t up_bytes = P->up_bytes = 4 * (1 + size_t{params.M});
  Layout& L = P->L;
  if (!ComputeLayout(n64, stored, l0_bytes, &L) || L.upper > size) return Corrupt("truncated");

  // Labels, levels, removed marks (and the padding after them): ~10 bytes per vector.
  std::vector<Label>& labels = P->labels;
  std::vector<unsigned char>& levels = P->levels;
  std::vector<unsigned char>& marks = P->marks;
  Status st = Guarded([&]() -> Status {
    labels.resize(n);
    levels.resize(n);
    marks.resize(static_cast<size_t>(L.vectors - L.marks));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  KS_RETURN_IF_ERROR(in.Read(labels.data(), n * sizeof(Label)));
  KS_RETURN_IF_ERROR(in.Read(levels.data(), n));
  KS_RETURN_IF_ERROR(in.Read(marks.data(), marks.size()));
  uint64_t upper_total = 0;
  int top_level = -1;
  for (size_t i = 0; i < n; ++i) {
    const int level = levels[i];
    if (level > kMaxLevel) return Corrupt("level out of range");
    if (i >= linked && level != 0) return Corrupt("unlinked vector with a level");
    top_level = std::max(top_level, level);
    upper_total += uint64_t(level) * up_bytes;
  }
  if (L.upper + upper_total + 8 != size) return Corrupt("section sizes do not add up");
  if (linked == 0) {
    if (max_level != -1 || entry != kNoSlot) return Corrupt("bad entry point");
  } else if (max_level != top_level || entry >= linked || levels[entry] != max_level) {
    return Corrupt("bad entry point");
  }
  uint64_t marked = 0;
  for (size_t i = 0; i < (n + 7) / 8; ++i) marked += std::popcount(unsigned{marks[i]});
  if (n % 8 != 0 && (marks[n / 8] >> (n % 8)) != 0) return Corrupt("bad removed marks");
  if (marked != removed) return Corrupt("removed count mismatch");
  for (size_t i = (n + 7) / 8; i < marks.size(); ++i) {
    if (marks[i] != 0) return Corrupt("bad padding");
  }

  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<VectorIndex>> VectorIndex::Deserialize(ByteSource& source, std::optional<Encoding> encoding) {
  // The input is read once, front to back: the header, then labels, levels and removed marks
  // (small; checked before anything big is allocated), then vectors, layer-0 lists and upper
  // lists, each checked and written straight into the index. Every field is checked before it is
  // trusted, so a crafted input cannot make the loader or a later search misbehave; the checksum,
  // which covers everything, is compared at the end.
  const uint64_t size = source.size();
  ChecksummedReader in{source, Checksum64Stream()};
  Prologue P;
  KS_RETURN_IF_ERROR(ReadPrologue(in, size, &P));
  IndexParams params = P.params;
  const uint64_t generation = P.generation, removed = P.removed;
  const int32_t max_level = P.max_level;
  const uint32_t entry = P.entry;
  const size_t n = P.n, linked = P.linked, stored = P.stored;
  const size_t maxM0 = P.maxM0, maxM = P.maxM, l0_bytes = P.l0_bytes, up_bytes = P.up_bytes;
  std::vector<Label>& labels = P.labels;
  const std::vector<unsigned char>& levels = P.levels;
  const std::vector<unsigned char>& marks = P.marks;
  const Encoding from = params.encoding;
  if (encoding && *encoding != from) {
    if (*encoding != Encoding::kFloat32 && *encoding != Encoding::kInt8) {
      return InvalidArgument("unknown vector encoding", "encoding");
    }
    params.encoding = *encoding;
  }
  const size_t padded = PaddedDim(from, params.dim);
  // Links: counts within the list, ids within the index, upper-layer targets that have the layer
  // (the search reads their list at that layer), unused entries zero.
  auto check_list = [&](const unsigned char* ll, size_t cap, int level) -> bool {
    const uint32_t c = Get32(ll);
    if (c > cap) return false;
    for (size_t j = 0; j < cap; ++j) {
      const uint32_t id = Get32(ll + 4 + 4 * j);
      if (j >= c) {
        if (id != 0) return false;
      } else if (id >= linked || int{levels[id]} < level) {
        return false;
      }
    }
    return true;
  };

  std::unique_ptr<VectorIndex> index;
  Status st = Guarded([&]() -> Status {
    std::vector<float> unit(params.dim);
    std::vector<unsigned char> buf(kLoadBatch * std::max<size_t>(stored, l0_bytes));
    auto impl = std::make_unique<Impl>(params);
    impl->generation = generation;
    impl->space = std::make_unique<IpSpace>(params.encoding, params.dim);
    // Room for 1/8 more: a loaded index usually takes a few more vectors at once (the log written
    // after its snapshot, the next ingest), and growing by one slot reallocates and copies the
    // whole graph (30 ms of a 100k-vector reopen). Slots never used are never touched.
    const size_t cap = std::min(std::max(n + n / 8 + 64, kMinCapacity), kMaxVectors);  // n <= kMaxVectors
    impl->graph = NewGraph(impl->space.get(), cap, params);
    // A loaded index continues with a level generator seeded from (seed, count).
    impl->graph->level_generator_.seed(static_cast<unsigned>(params.seed + n));
    impl->visited.assign(cap, 0);
    impl->AllocScratch();
    impl->labels = std::move(labels);
    impl->slots.Reserve(n);
    size_t duplicate = SIZE_MAX;
    Batched(n, [&](size_t i) {
      if (impl->slots.Find(impl->labels[i]) != LabelMap::kAbsent) return (duplicate = i), false;
      impl->slots.Insert(impl->labels[i], static_cast<uint32_t>(i));
      return true;
    });
    if (duplicate != SIZE_MAX) return Corrupt("duplicate label " + std::to_string(impl->labels[duplicate]));
    Graph& g = *impl->graph;
    auto element = [&](size_t i) { return g.data_level0_memory_ + i * g.size_data_per_element_; };

    // Vectors: finite, padding zero (NaN would break the ordering every search relies on).
    const char* bad = nullptr;
    size_t b = 0;  // first slot of the batch in buf
    auto vector = [&](size_t i) {
      const unsigned char* v = buf.data() + (i - b) * stored;
      if (from == Encoding::kFloat32) {
        if (!AllFinite(v, params.dim)) return (bad = "vector value is NaN or infinite"), false;
        for (size_t k = 4 * size_t{params.dim}; k < 4 * padded; ++k) {
          if (v[k] != 0) return (bad = "bad vector padding"), false;
        }
      } else {
        float scale;
        std::memcpy(&scale, v, 4);
        if (!(std::isfinite(scale) && scale > 0.0f)) return (bad = "bad quantisation scale"), false;
        for (size_t k = 4 + params.dim; k < 4 + padded; ++k) {
          if (v[k] != 0) return (bad = "bad vector padding"), false;
        }
      }
      char* e = element(i);
      if (from == params.encoding) {
        std::memcpy(e + g.offsetData_, v, stored);
      } else {
        Decode(from, params.dim, v, unit.data());
        Encode(params.encoding, params.dim, unit.data(), reinterpret_cast<unsigned char*>(e + g.offsetData_));
      }
      const hnswlib::labeltype label = i;
      std::memcpy(e + g.label_offset_, &label, sizeof(label));
      return true;
    };
    for (b = 0; b < n; b += kLoadBatch) {
      const size_t m = std::min(kLoadBatch, n - b);
      KS_RETURN_IF_ERROR(in.Read(buf.data(), m * stored));
      if (!RangeCall(b, b + m, vector)) return Corrupt(bad);
    }
    // Layer-0 lists, with hnswlib's deleted mark set from the removed marks.
    auto layer0 = [&](size_t i) {
      const unsigned char* l0 = buf.data() + (i - b) * l0_bytes;
      if (!check_list(l0, maxM0, 0)) return (bad = "bad layer-0 links"), false;
      if (i >= linked && Get32(l0) != 0) return (bad = "unlinked vector with links"), false;
      char* e = element(i);
      std::memcpy(e, l0, l0_bytes);
      if (marks[i / 8] & (1u << (i % 8))) {
        uint32_t w = Get32(reinterpret_cast<const unsigned char*>(e)) | kDeletedBit;
        std::memcpy(e, &w, 4);
      }
      return true;
    };
    for (b = 0; b < n; b += kLoadBatch) {
      const size_t m = std::min(kLoadBatch, n - b);
      KS_RETURN_IF_ERROR(in.Read(buf.data(), m * l0_bytes));
      if (!RangeCall(b, b + m, layer0)) return Corrupt(bad);
    }
    // Upper layers: each slot's lists in one allocation, read straight into it.
    Status read_status;
    auto upper = [&](size_t i) {
      const int level = levels[i];
      g.element_levels_[i] = level;
      g.linkLists_[i] = nullptr;
      if (level > 0) {
        const size_t bytes = up_bytes * size_t(level);
        // hnswlib allocates these with malloc (and one spare byte) and frees them with free().
        g.linkLists_[i] = static_cast<char*>(std::malloc(bytes + 1));
        if (g.linkLists_[i] == nullptr) throw std::bad_alloc();
        impl->upper_link_bytes += bytes;
      }
      // Counted once its lists exist, so a failure from here on frees exactly what was made.
      g.cur_element_count = i + 1;
      if (level > 0) {
        const auto* up = reinterpret_cast<const unsigned char*>(g.linkLists_[i]);
        read_status = in.Read(g.linkLists_[i], up_bytes * size_t(level));
        if (!read_status.ok()) return false;
        for (int l = 1; l <= level; ++l) {
          if (!check_list(up + up_bytes * size_t(l - 1), maxM, l)) return (bad = "bad upper-layer links"), false;
        }
      }
      return true;
    };
    if (!Batched(n, upper)) return read_status.ok() ? Corrupt(bad) : read_status;
    unsigned char tail[8];
    const uint64_t digest = in.sum.Digest();
    KS_RETURN_IF_ERROR(source.Read(tail, 8));
    if (Get64(tail) != digest) return Corrupt("checksum mismatch");
    g.num_deleted_ = static_cast<size_t>(removed);
    g.maxlevel_ = max_level;
    g.enterpoint_node_ = linked == 0 ? static_cast<hnswlib::tableint>(-1) : entry;
    impl->linked = linked;
    index.reset(new VectorIndex(std::move(impl)));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return index;
}

Result<std::vector<Hit>> VectorIndex::ScanSerialized(ByteSource& source, std::span<const float> query, size_t k,
                                                     const Filter* filter) {
  if (k == 0) return InvalidArgument("k must be at least 1", "k");
  ChecksummedReader in{source, Checksum64Stream()};
  Prologue P;
  KS_RETURN_IF_ERROR(ReadPrologue(in, source.size(), &P));
  const IndexParams& params = P.params;
  const size_t padded = PaddedDim(params.encoding, params.dim);
  const DistParam dist{padded};
  // Better: higher score, then lower label (the order every search returns).
  auto better = [](const Hit& a, const Hit& b) { return a.score > b.score || (a.score == b.score && a.label < b.label); };
  std::vector<Hit> best;
  const char* bad = nullptr;
  Status st = Guarded([&]() -> Status {
    std::vector<float> unit(padded, 0.0f);
    KS_RETURN_IF_ERROR(Normalise(query, params.dim, "query", SIZE_MAX, unit.data()));
    std::vector<unsigned char> q(P.stored);
    Encode(params.encoding, params.dim, unit.data(), q.data());
    std::vector<unsigned char> buf(kLoadBatch * P.stored);
    TopK<Hit, decltype(better)> top(std::min(k, P.n), better);
    size_t b = 0;
    auto score = [&](size_t i) {
      if (P.marks[i / 8] & (1u << (i % 8))) return true;  // removed
      const Label label = P.labels[i];
      if (filter != nullptr && !filter->Allows(label)) return true;
      const unsigned char* v = buf.data() + (i - b) * P.stored;
      float s;
      if (params.encoding == Encoding::kInt8) {
        float scale;
        std::memcpy(&scale, v, 4);
        if (!(std::isfinite(scale) && scale > 0.0f)) return (bad = "bad quantisation scale"), false;
        s = 1.0f - DistI8(q.data(), v, &dist);
      } else {
        s = 1.0f - DistF32(q.data(), v, &dist);
      }
      if (!std::isfinite(s)) return (bad = "vector value is NaN or infinite"), false;
      top.Offer(Hit{label, s});
      return true;
    };
    for (b = 0; b < P.n; b += kLoadBatch) {
      const size_t m = std::min(kLoadBatch, P.n - b);
      // Straight from the source: the checksum is not verified (the graph after the vectors is
      // never read), so the running sum would be wasted work.
      KS_RETURN_IF_ERROR(source.Read(buf.data(), m * P.stored));
      if (!RangeCall(b, b + m, score)) return Corrupt(bad);
    }
    best = top.Take();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  {
    // Deserialize rejects duplicate labels; a scan checks the ones that reach its hits.
    std::vector<Label> seen;
    seen.reserve(best.size());
    for (const Hit& h : best) seen.push_back(h.label);
    std::sort(seen.begin(), seen.end());
    if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) return Corrupt("duplicate label");
  }
  return best;
}

}  // namespace kspace::index
