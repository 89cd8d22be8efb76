// VectorSpaces: the engine's in-memory vector indexes, one per (space, embedding model), loaded
// on first use and kept in step with SQLite.
//
// SQLite is the truth: embeddings live in `embeddings`, and every change to what a space's index
// should contain is appended to `vector_index_log` (add / remove / restore a label) in the same
// transaction as the change itself. An index is brought up to date by replaying the log entries
// after the generation it reflects — right after a commit, and when it is loaded from its last
// snapshot. A missing or corrupt snapshot means a rebuild from the embeddings. Snapshots are
// saved when the log has grown (after a job) and when the store closes, so reopening a big space
// loads its graph instead of rebuilding it, and a crash costs at most a replay.
//
// Vectors enter an index unlinked (VectorIndex's deferred linking): a commit, a replay or a
// rebuild only stores them, which makes them searchable at once by exact scan, and Link() adds
// them to the graph in bounded steps when the engine is otherwise idle (the worker calls
// `indexStep` between messages). Graph construction is most of an ingest's cost; deferring it
// makes new sources searchable several times sooner, at the price of slower vector queries until
// the graph has caught up (an exact scan of the unlinked vectors). A snapshot is saved when an
// index has linked everything and its log has grown enough to be worth rewriting it (WorthSaving).
//
// Indexes hold int8 vectors (VectorIndex's Encoding::kInt8): a quarter of float32's memory and
// snapshot bytes (at 100k chunks of 512 dimensions, ~70 MB instead of 233 MB: what reopening a
// big space must read before its first search), and faster distances. The graph search ranks by
// the quantised scores (about +-0.01); Search() then re-scores a few more candidates than asked
// with the exact float32 vectors from SQLite, so callers get exact cosine scores and order. A
// snapshot saved as float32 by an earlier version is converted as it loads (graph kept).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "index/vector_index.h"
#include "store/db.h"

namespace kspace::api {

struct SpaceVectors {
  std::string space_id;
  std::string model_id;
  int dim = 0;
  std::unique_ptr<index::VectorIndex> index;
  int64_t generation = 0;        // the last log seq the in-memory index includes
  int64_t saved_generation = -1; // the generation of the stored snapshot (-1: none)
  bool rebuilt = false;          // built from the embeddings (no usable snapshot) at load
  bool relinked = false;         // vectors were linked since the snapshot was saved
  bool converted = false;        // the snapshot was loaded in another encoding (save it again)
};

class VectorSpaces {
 public:
  // The index of (space_id, model_id), loaded and brought up to date.
  Result<SpaceVectors*> Get(store::Database& db, const std::string& space_id, const std::string& model_id, int dim);
  // The k best live labels for `query` (any length-dim vector; normalised here) among those
  // `filter` allows, best first, scored by the exact cosine of the stored float32 embeddings: the
  // index's quantised search picks max(32, 1.25 k) candidates, which are re-scored from SQLite.
  // Scores and order are exact; which hits come back is approximate, as with any HNSW search.
  Result<std::vector<index::Hit>> Search(store::Database& db, SpaceVectors& sv, std::span<const float> query,
                                         size_t k, const index::Filter* filter = nullptr);
  // Applies committed log entries to the index if it is loaded (else they wait for its load).
  // `fresh` optionally gives vectors just committed (labels[i] has fresh.subspan(i * dim, dim)):
  // the entries that add them take them from there instead of reading them back from SQLite.
  Status Sync(store::Database& db, const std::string& space_id, const std::string& model_id,
              std::span<const int64_t> fresh_labels = {}, std::span<const float> fresh = {});
  // Saves a snapshot of every loaded index whose log holds more than `min_log_entries` entries
  // beyond its snapshot (0 saves every index with any unsaved change).
  Status Save(store::Database& db, int64_t min_log_entries);
  // Links unlinked vectors of the loaded indexes for about `budget_ms` milliseconds (at least one
  // small step); an index that has linked everything saves its snapshot. Returns how many vectors
  // stay unlinked.
  Result<size_t> Link(store::Database& db, double budget_ms);
  // Unlinked vectors over all loaded indexes.
  size_t unlinked() const;
  // Forgets a space's loaded indexes (after a purge or a change of model).
  void Drop(const std::string& space_id);
  // The k best live labels for `query` in (space_id, model_id) while its index is NOT in memory,
  // as Search would return them, without loading it: the saved snapshot's vectors are scanned
  // (index::VectorIndex::ScanSerialized: no graph built, no memory to fault in), the labels the
  // log changed since are taken from SQLite instead, and the candidates are re-scored from SQLite
  // like Search's. Exact over every vector (Search's graph is approximate), so the hits may only be
  // better. nullopt when there is no usable snapshot (none, damaged, another dimension): the caller
  // then loads the index with Get, which rebuilds what it cannot load; also after kMaxScans scans
  // of one index that nothing loaded meanwhile (each scan reads the whole snapshot, a load is
  // once). The pair is remembered for TakeScanned. For the first search after a reopen: at 106k
  // chunks the scan reads the snapshot's 55 MB of vectors and scores them in well under the time a
  // load takes (no graph to build, no new memory to fault in).
  Result<std::optional<std::vector<index::Hit>>> ScanSearch(store::Database& db, const std::string& space_id,
                                                           const std::string& model_id, int dim,
                                                           std::span<const float> query, size_t k,
                                                           const index::Filter* filter);
  // The (space, model) pairs ScanSearch answered since the last call whose index is still not
  // loaded (what warming should load next); forgets them.
  std::vector<std::pair<std::string, std::string>> TakeScanned();
  // The index of (space_id, model_id) if it is in memory, else null; never loads.
  const SpaceVectors* Loaded(const std::string& space_id, const std::string& model_id) const;
  // Every index in memory, in (space, model) order.
  std::vector<const SpaceVectors*> AllLoaded() const;

  // Index parameters for new indexes.
  static index::IndexParams ParamsFor(int dim);

 private:
  Status Replay(store::Database& db, SpaceVectors& sv, std::span<const int64_t> fresh_labels = {},
                std::span<const float> fresh = {});
  Status Rebuild(store::Database& db, SpaceVectors& sv);
  Status SaveOne(store::Database& db, SpaceVectors& sv);
  // Whether an index that has just linked everything should save its snapshot now: always when
  // there is none or it was rebuilt or converted, else when the log has grown by kSaveMinLogEntries
  // or by 1/kSaveFraction of the index since the last one. Closing the store saves regardless.
  static bool WorthSaving(const SpaceVectors& sv);
  static constexpr int64_t kSaveMinLogEntries = 5000;
  static constexpr int64_t kSaveFraction = 16;

  std::map<std::pair<std::string, std::string>, std::unique_ptr<SpaceVectors>> loaded_;
  std::map<std::pair<std::string, std::string>, int> scanned_;  // scans per index since TakeScanned
  static constexpr int kMaxScans = 3;
};

}  // namespace kspace::api
