// What an API handler works with: the engine's state, the call's binary input and output.
//
// Each public method is a Handler registered by name in a MethodTable (see engine.cc). Handlers
// validate every argument through Args before writing anything, run their writes in one
// Transaction, and return the result as JSON (camelCase names; see README "Names").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/args.h"
#include "api/term_cache.h"
#include "api/vector_spaces.h"
#include "chat/memory_index.h"  // chat: memories
#include "embed/builtin_embedder.h"
#include "store/fts_replay.h"
#include "store/store.h"

namespace kspace::graph {
struct DrArtifact;  // graph/map_layout.cc
}  // namespace kspace::graph

namespace kspace::api {

struct EngineConfig {
  // Largest accepted source, in bytes (TOO_LARGE above it). Spaces also have quotas.
  int64_t max_source_bytes = int64_t{64} << 20;
  // Chunk token budget and overlap (text/document.h ChunkOptions).
  int chunk_tokens = 300;
  int chunk_overlap = 30;
};

// A page-side embedder the store was opened with: vectors come from JS (see ingest.h).
struct ExternalModel {
  std::string id;
  int dimensions = 0;
};

struct IngestBatch;  // api/ingest.h

// Chunks of a space being re-embedded with a page-side model, waiting for their vectors.
struct ReembedBatch {
  std::string space_id;
  std::string model_id;
  int dim = 0;
  std::vector<int64_t> labels;
};

// Everything the engine keeps for one open store.
struct EngineState {
  std::unique_ptr<store::Store> store;
  EngineConfig config;
  embed::BuiltinEmbedder builtin;
  std::optional<ExternalModel> external;
  VectorSpaces vectors;
  TermStatsCache terms;
  // Batches parsed and waiting for vectors from the page-side embedder, by batch id.
  std::map<int64_t, std::shared_ptr<IngestBatch>> pending;
  std::map<int64_t, ReembedBatch> pending_reembed;
  int64_t next_batch = 1;
  // chat: the memories' vectors (loaded on first use; see chat/memory_index.h).
  chat::MemoryIndex memories;
  // map: the projection model of the last layout or placement, by its model version id.
  std::string placement_version;
  std::shared_ptr<const graph::DrArtifact> placement_model;
  // search: the full-text tokenizer for snippets (opened on first use; search/snippet.h).
  std::unique_ptr<store::FtsTokenizer> snippet_tokenizer;

  // Writes what this state keeps only in memory and a close must not lose: the vector indexes'
  // unsaved changes (so the next open loads them instead of replaying the log) and the term
  // statistics. Both run; the first failure is returned.
  Status SaveInMemoryState() {
    Status s = vectors.Save(store->db(), 0);
    Status t = terms.Flush(store->db());
    return s.ok() ? t : s;
  }
};

struct Context {
  EngineState& state;
  std::span<const uint8_t> input;  // binary input of this call (source bytes, vectors); may be empty
  std::vector<uint8_t>& output;    // binary output of this call (source content)

  store::Database& db() { return state.store->db(); }
  const std::string& profile_id() const { return state.store->profile_id(); }
};

using Handler = Result<json> (*)(Context&, Args&);
using MethodTable = std::map<std::string, Handler, std::less<>>;

void RegisterSpaceMethods(MethodTable& table);
void RegisterSearchMethods(MethodTable& table);
void RegisterSourceMethods(MethodTable& table);
void RegisterStoreMethods(MethodTable& table);
void RegisterChatMethods(MethodTable& table);      // chat: api/chat.cc, api/chat_config.cc
void RegisterMapMethods(MethodTable& table);       // map: api/map.cc
void RegisterMemoryMethods(MethodTable& table);    // chat: api/memories.cc

}  // namespace kspace::api
