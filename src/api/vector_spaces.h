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
  // Forgets a space's loaded indexes (after a purge or a change of model).
  void Drop(const std::string& space_id);

  // Index parameters for new indexes.
  static index::IndexParams ParamsFor(int dim);

 private:
  Status Replay(store::Database& db, SpaceVectors& sv);
  Status Rebuild(store::Database& db, SpaceVectors& sv);

  std::map<std::pair<std::string, std::string>, std::unique_ptr<SpaceVectors>> loaded_;
};

}  // namespace kspace::api
