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
// index has linked everything.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

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
};

class VectorSpaces {
 public:
  // The index of (space_id, model_id), loaded and brought up to date.
  Result<SpaceVectors*> Get(store::Database& db, const std::string& space_id, const std::string& model_id, int dim);
  // Applies committed log entries to the index if it is loaded (else they wait for its load).
  Status Sync(store::Database& db, const std::string& space_id, const std::string& model_id);
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

  // Index parameters for new indexes.
  static index::IndexParams ParamsFor(int dim);

 private:
  Status Replay(store::Database& db, SpaceVectors& sv);
  Status Rebuild(store::Database& db, SpaceVectors& sv);
  Status SaveOne(store::Database& db, SpaceVectors& sv);

  std::map<std::pair<std::string, std::string>, std::unique_ptr<SpaceVectors>> loaded_;
};

}  // namespace kspace::api
