// VectorIndex: approximate nearest-neighbour search by cosine similarity over one embedding model's
// vectors, built on hnswlib 0.8's HierarchicalNSW graph.
//
// The engine keeps one VectorIndex per (space, embedding model); labels are chunk row ids. The
// index owns a normalised copy of every vector (float32, or int8 when asked), the HNSW graph over
// them, the deleted marks and a label -> slot table. It persists itself to a byte buffer that the
// engine stores in SQLite, so reopening a space loads the graph instead of rebuilding it.
//
// Similarity: every vector is normalised to unit length when added and every query when searched;
// the score of a hit is their inner product, i.e. the cosine similarity of the original vectors,
// in [-1, 1], higher is closer. With Encoding::kInt8 scores are computed on quantised vectors and
// are accurate to about +-0.01.
//
// Search strategy (Search() picks one per query; SearchOptions can force either):
//   - Exact: a SIMD scan of every live vector (or of a filter's allowed list).
//   - Graph: hnswlib's layered greedy descent, then a best-first search of layer 0 with a beam of
//     `ef` candidates (ef = max(ef, k)). Removed labels and labels the filter rejects are traversed
//     (so the graph stays connected) but never returned.
//   Policy (constants below, fitted to measurements of the wasm build by
//   `node tests/bench/vector.mjs --policy`, 384-d, M=16):
//   - Unfiltered, nothing removed: exact when live_size() <= exact_threshold (default 1024: the
//     measured size where a scan costs as much as an ef=64 graph search), or when ef*8 >= live
//     (huge k: the graph would visit most of the index anyway).
//   - With a filter or removed labels: estimate A, the live labels the filter allows - from the
//     filter's AllowedLabels() list, else its Selectivity() hint, else by evaluating Allows() on
//     up to kFilterSampleSize slots spread over the index. A graph search that admits a fraction
//     s = A / size() of what it traverses costs about kGraphCostPerEf * ef / s distance
//     evaluations (it must wade through 1/s nodes per useful one, and gets slower and then
//     degenerates into a walk of the whole graph as s falls); an exact scan costs
//     kExactCostPerAllowed per allowed label (random access: about 3 sequential distances) plus
//     kExactCostPerCheck per slot when Allows() must be asked of every slot. The cheaper wins. At
//     20k x 384, ef 64, the crossover is s ~ 0.15 (3,000 allowed); at 100k, s ~ 0.07.
//   - Safety net: a graph search that returns fewer than k hits (the estimate was too high, e.g.
//     the filter's labels lie where the graph search does not reach) is redone exactly.
//   So selective filters are answered exactly (recall 1) and fast; broad ones by the graph, with
//   the filter applied inside the search.
//
// Deferred linking: Add/AddBatch with Linking::kDeferred store a vector (searchable at once) but
// leave it out of the graph; Link() connects such vectors later, in insertion order. Unlinked
// vectors are the newest slots, and every search scans them exactly in addition to what the graph
// or the exact scan finds, so a query never misses one. This lets an ingest commit and answer
// queries without paying for graph construction (the dominant cost of an insert), and the engine
// link in idle time. An Add with kNow first links everything still unlinked (slots stay in order).
//
// Threading: a VectorIndex is not thread-safe, not even for concurrent const calls (searches reuse
// scratch buffers held by the index, so a query allocates nothing but its result). The engine uses
// each index from one worker thread.
//
// Errors: every function returns a Status; no exception escapes (allocation failure is reported as
// TOO_LARGE, a bug in hnswlib as INTERNAL).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "index/filter.h"
#include "util/status.h"

namespace kspace::index {

// How vectors are stored in memory and in the serialised form.
enum class Encoding : uint8_t {
  kFloat32 = 0,  // 4 bytes per dimension; scores exact to float rounding.
  kInt8 = 1,     // 1 byte per dimension plus a 4-byte scale (per-vector symmetric quantisation of
                 // the unit vector to [-127, 127]); about 3.5x less memory at 384-d.
};

// "float32" / "int8".
const char* EncodingName(Encoding encoding);

// Hard limits, checked by Create, Add and Deserialize.
inline constexpr uint32_t kMaxDim = 16384;
inline constexpr uint32_t kMinM = 2;
inline constexpr uint32_t kMaxM = 128;       // layer-0 lists hold 2*M ids; hnswlib counts in 16 bits
inline constexpr uint32_t kMaxEf = 100000;   // ef_construction, ef_search and SearchOptions::ef
inline constexpr size_t kMaxVectors = (size_t{1} << 31) - 1;  // hnswlib slot ids are 32-bit

// Search policy constants (see the header comment).
inline constexpr size_t kFilterSampleSize = 256;
inline constexpr double kGraphCostPerEf = 25.0;      // distances per unit of ef, unfiltered
inline constexpr double kExactCostPerAllowed = 3.0;  // per allowed label scanned
inline constexpr double kExactCostPerCheck = 0.1;    // per slot whose label Allows() checks

struct IndexParams {
  uint32_t dim = 0;                  // vector dimension, 1..kMaxDim; required
  uint32_t M = 16;                   // graph out-degree (layer 0 keeps 2*M), kMinM..kMaxM
  uint32_t ef_construction = 200;    // beam width while inserting, 1..kMaxEf
  uint32_t ef_search = 64;           // default beam width of Search, 1..kMaxEf
  uint32_t exact_threshold = 1024;   // at most this many live vectors: Search scans exactly
  Encoding encoding = Encoding::kFloat32;
  uint64_t seed = 100;               // seeds hnswlib's level generator: same adds, same graph
};

struct Hit {
  Label label;
  float score;  // cosine similarity, higher is closer
};

struct SearchStats {
  bool exact = false;             // the query was answered by an exact scan
  size_t distances = 0;           // distance evaluations (graph: layer 0 and upper layers)
  double estimated_allowed = -1;  // the policy's estimate of admissible live labels, or -1 when
                                  // it did not need one
};

struct SearchOptions {
  // Beam width for the graph search; 0 = IndexParams::ef_search. Raised to k when smaller;
  // capped at kMaxEf.
  uint32_t ef = 0;
  enum class Strategy : uint8_t { kAuto, kGraph, kExact };
  Strategy strategy = Strategy::kAuto;  // kGraph/kExact force a path (tests, benchmarks)
  SearchStats* stats = nullptr;         // if set, filled in with what the search did
};

// Whether an added vector joins the graph now or waits for Link() (see "Deferred linking").
enum class Linking : uint8_t { kNow, kDeferred };

// A serialisation read front to back in pieces: how the engine loads a snapshot straight out of
// a SQLite blob instead of first copying all of it (70 MB at 100k int8 vectors) into memory.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Total bytes of the serialisation.
  virtual uint64_t size() const = 0;
  // Copies the next n bytes into dst; an error status (e.g. IO_ERROR) if it cannot. Never asked
  // for more than size() in total.
  virtual Status Read(void* dst, size_t n) = 0;
};

class VectorIndex {
 public:
  // An empty index. INVALID_ARGUMENT (field named after the parameter: "dim", "M",
  // "efConstruction", "efSearch", "encoding") when a parameter is out of range.
  static Result<std::unique_ptr<VectorIndex>> Create(const IndexParams& params);

  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  // Adds `vector` under `label`, or replaces the vector of a label already present (live or
  // removed: a removed label becomes live again with the new vector). The index stores a
  // normalised (and for kInt8, quantised) copy. INVALID_ARGUMENT (field "vector") when the vector
  // has the wrong dimension, a NaN or infinite value, or is all zeros; TOO_LARGE when the index
  // would exceed kMaxVectors or memory. Capacity grows on demand (by half of the current
  // capacity, at least to what a batch needs).
  // Cost: an insert is one graph search with ef_construction; a replace re-links the two-hop
  // neighbourhood of the label (hnswlib's updatePoint) and costs tens of inserts. With kDeferred
  // a new vector is only stored (a copy; no graph search) and a replaced unlinked one overwritten.
  Status Add(Label label, std::span<const float> vector, Linking linking = Linking::kNow);

  // Adds labels[i] -> rows[i*dim, (i+1)*dim) for every i, in order (a label repeated in the batch
  // ends with its last row). Every row is validated before anything changes, so an invalid row
  // rejects the whole batch: INVALID_ARGUMENT with field "rows" (or "labels" when the sizes do not
  // match) and the row index in the message. Reserves capacity for the batch once.
  Status AddBatch(std::span<const Label> labels, std::span<const float> rows,
                  Linking linking = Linking::kNow);

  // Links up to `max_count` unlinked vectors into the graph, oldest first; returns how many stay
  // unlinked. Each costs what an insert costs. Deterministic: the same adds and links give the
  // same graph however the links are split into calls.
  Result<size_t> Link(size_t max_count);
  // Vectors stored but not yet in the graph (live and removed).
  size_t unlinked() const;

  // Hides `label` from every later search (hnswlib markDelete: the vector stays in the graph as a
  // waypoint, so searches stay connected, and its memory is kept until the index is rebuilt).
  // NOT_FOUND (field "label") when the label was never added; OK and no change when it is
  // already removed.
  Status Remove(Label label);

  // Makes a removed label searchable again with its old vector (hnswlib unmarkDelete). NOT_FOUND
  // when the label was never added; OK and no change when it is live.
  Status Restore(Label label);

  // True when `label` is present and not removed.
  bool Contains(Label label) const;

  // Labels stored, live and removed.
  size_t size() const;
  // Labels stored and not removed: what searches can return.
  size_t live_size() const;

  // The stored unit vector of a live label (dequantised for kInt8). NOT_FOUND (field "label")
  // when the label is absent or removed.
  Result<std::vector<float>> GetVector(Label label) const;

  // The k nearest live labels to `query` by cosine similarity, best first (ties by ascending
  // label), restricted to `filter` when given. Fewer than k hits when fewer labels are live and
  // allowed. `k` larger than live_size() is clamped to it (so k = 1e9 returns every live,
  // allowed label, by an exact scan). INVALID_ARGUMENT: field "k" when k == 0; field "query" when
  // the query has the wrong dimension, a NaN or infinite value, or is all zeros; field "ef" when
  // options.ef > kMaxEf. An empty index returns no hits.
  Result<std::vector<Hit>> Search(std::span<const float> query, size_t k,
                                  const Filter* filter = nullptr,
                                  const SearchOptions& options = {}) const;

  // Ensures room for `capacity` vectors without further growth. TOO_LARGE beyond kMaxVectors or
  // memory.
  Status Reserve(size_t capacity);

  // The whole index as bytes (format below). Deterministic: the same index state gives the same
  // bytes. TOO_LARGE when the buffer cannot be allocated.
  Result<std::vector<uint8_t>> Serialize() const;

  // Rebuilds an index from Serialize()'s bytes. CORRUPT for anything that is not an intact
  // serialisation (wrong magic, truncated, trailing bytes, checksum mismatch, or any field out of
  // range even under a valid checksum: every count, level, link id and vector value is checked
  // before it is used, so hostile input cannot make it read out of bounds). UNSUPPORTED for a
  // newer format version. The loaded index has capacity for exactly the stored vectors.
  // With `encoding` given and different from the stored one, every vector is re-encoded as it is
  // loaded and the graph kept as stored: how an index saved as float32 becomes int8 without
  // relinking (the links were chosen with the finer distances, which only helps).
  // The checksum covers every byte, so damage found only by it is reported after the whole
  // input was read (nothing of a rejected index is kept).
  static Result<std::unique_ptr<VectorIndex>> Deserialize(std::span<const uint8_t> bytes,
                                                          std::optional<Encoding> encoding = std::nullopt);
  // The same, reading `source` front to back in pieces of at most a few hundred KB, each written
  // where it belongs in the index (memory: the index plus one piece). A source error is returned
  // as it is.
  // The best `k` (label, score) pairs for `query` among the vectors of a serialisation, without
  // building the index: `source` is read front to back up to the end of its vectors (not the graph,
  // not the checksum) through one buffer of a few hundred KB. How a search is answered before its
  // index is loaded: reading and scoring the vectors costs a fraction of materialising the graph
  // (no new memory to fault in). Every vector not marked removed that `filter` allows is scored
  // (an exact scan), with the loaded index's own distance (int8 or float32 as stored); best first,
  // ties by label. The header and the sections before the vectors are checked as Deserialize
  // checks them, scales and scores must be finite and labels unique among the hits; the rest of
  // the input, and so the checksum, is not read, so a damaged vector can yield a wrong candidate
  // (the engine re-scores candidates from its own copy of the vectors). CORRUPT or UNSUPPORTED as
  // Deserialize; INVALID_ARGUMENT for k = 0 or a query that is not `dim` finite values, not all
  // zero.
  static Result<std::vector<Hit>> ScanSerialized(ByteSource& source, std::span<const float> query, size_t k,
                                                 const Filter* filter);
  static Result<std::unique_ptr<VectorIndex>> Deserialize(ByteSource& source,
                                                          std::optional<Encoding> encoding = std::nullopt);

  // The encoding a serialisation stores, read from its header without checking the rest (nullopt
  // when the bytes do not start like one; Deserialize tells why).
  static std::optional<Encoding> StoredEncoding(std::span<const uint8_t> bytes);

  // Opaque number for the engine's bookkeeping (e.g. the store change it reflects); persisted.
  uint64_t generation() const;
  void set_generation(uint64_t generation);

  const IndexParams& params() const;

  // Bytes of memory the index holds (graph, vectors, tables, scratch), an estimate within a few
  // percent (allocator overhead excluded).
  size_t MemoryBytes() const;

  // The capacity (vectors that fit before the next growth).
  size_t capacity() const;

 private:
  struct Impl;
  explicit VectorIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Serialised format, version 2 (all integers little-endian; version 1 is read too: the same,
// with offset 84 always 0):
//   header, 128 bytes:
//     0  char[8] magic "KSVIDX\r\n"     8  u32 format version (2)   12 u32 header size (128)
//     16 u32 dim     20 u32 encoding     24 u32 M     28 u32 ef_construction    32 u32 ef_search
//     36 u32 exact_threshold             40 u64 seed  48 u64 generation
//     56 u64 count (labels stored)       64 u64 removed count
//     72 i32 max level (-1 when empty)   76 u32 entry point slot (0xFFFFFFFF when empty)
//     80 u32 stored bytes per vector     84 u32 unlinked count (the last slots; level 0, no
//                                           links, never a link target or the entry point)
//     88 u64 total size of the serialisation in bytes       96..127 reserved (0)
//   labels:        count x u64
//   levels:        count x u8 (each <= 63)
//   removed marks: ceil(count / 8) bytes, bit i%8 of byte i/8; unused bits 0
//   padding to a multiple of 8 bytes (zeros)
//   vectors:       count x (stored bytes per vector): float32: dim' floats (dim rounded up to a
//                  multiple of 4, zero padded); int8: f32 scale then dim' int8 (dim rounded up to
//                  a multiple of 16, zero padded)
//   layer 0:       count x (1 + 2M) u32: neighbour count (<= 2M), then 2M slots (unused are 0)
//   upper layers:  for each slot with level L > 0, for each layer 1..L: (1 + M) u32 likewise
//   checksum:      u64 Checksum64 (XXH64, seed 0) of every preceding byte

}  // namespace kspace::index
