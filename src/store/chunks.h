// Chunks, their embeddings and their full-text rows (schema v2).
//
// A chunk's `label` (its INTEGER PRIMARY KEY) is stable for the chunk's life: it is the rowid of
// its chunk_fts row and its label in the space's vector index. Chunks belong to a source and are
// replaced as a whole when the source is processed again.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/db.h"

struct sqlite3_blob;

namespace kspace::store {

struct ChunkRow {
  int64_t label = 0;  // assigned by InsertChunk
  std::string id;
  std::string space_id;
  std::string content_source_id;
  int64_t chunk_index = 0;
  std::string chunk_type;  // paragraph | section | table | code_block | list
  std::string text;        // context line + body (what is embedded)
  int64_t context_bytes = 0;
  std::string heading_path = "[]";  // JSON array of strings
  int64_t token_count = 0;
  int64_t char_start = 0;
  int64_t char_end = 0;
  std::string created_at;

  // The body without the context line.
  std::string_view body() const {
    return std::string_view(text).substr(static_cast<size_t>(context_bytes) <= text.size() ? context_bytes : 0);
  }
};

// Inserts `row` and sets row.label.
Status InsertChunk(Database& db, ChunkRow& row);
Result<std::vector<ChunkRow>> ChunksOfSource(Database& db, const std::string& source_id);
Result<std::optional<ChunkRow>> FindChunkById(Database& db, const std::string& id);
// Chunks with these labels, in the order given (missing labels are skipped).
Result<std::vector<ChunkRow>> ChunksByLabels(Database& db, std::span<const int64_t> labels);
// Deletes a source's chunks (their embeddings go with them; their FTS rows must already be
// gone). Returns the deleted labels.
Result<std::vector<int64_t>> DeleteChunksOfSource(Database& db, const std::string& source_id);
Result<int64_t> CountChunks(Database& db, const std::optional<std::string>& space_id);
// Deletes everything derived from a space's sources: full-text rows, chunks (and embeddings),
// index snapshots and log. For purging a space.
Status DeleteSpaceChunks(Database& db, const std::string& space_id);

// ---- full text ------------------------------------------------------------------------------

// The heading_path column of a chunk's chunk_fts row ("A > B") from its stored JSON array.
std::string JoinHeadings(const std::string& json_array);
// Tokens of a source's chunk_fts columns computed ahead (store/fts_replay.h): of the title, and of
// each chunk's JoinHeadings and body(), in the order of the chunks.
struct FtsTokens {
  std::string_view title;
  std::span<const std::string> headings, bodies;
};
// Adds chunk_fts rows for `chunks` of a source titled `title`; with `tokens`, FTS5 takes those
// instead of tokenising (any column whose text differs from what was tokenised is tokenised).
Status FtsInsert(Database& db, std::span<const ChunkRow> chunks, const std::string& title,
                 const FtsTokens* tokens = nullptr);
// Removes the chunk_fts rows of these labels (absent rows are ignored).
Status FtsDelete(Database& db, std::span<const int64_t> labels);

// Conditions on a space's chunks for filtered search. Empty lists and unset bounds do not filter.
struct ChunkFilter {
  std::vector<std::string> source_ids;
  std::vector<std::string> chunk_types;
  std::vector<std::string> tags;         // the source has any of these tags
  std::vector<std::string> media_types;  // of the source
  std::optional<std::string> created_after;   // source created_at >= this (ISO 8601)
  std::optional<std::string> created_before;  // source created_at < this
};
// Labels of the space's live chunks that pass `filter`, ascending.
Result<std::vector<int64_t>> FilterChunkLabels(Database& db, const std::string& space_id, const ChunkFilter& filter);

struct FtsHit {
  int64_t label;
  double score;  // BM25F score, higher is better
};
// The best `limit` chunks of `space_id` for the FTS5 MATCH expression `match` (which must be
// non-empty), ranked by ks_bm25. No snippets: the caller makes them for the hits it shows
// (search/snippet.h). `allowed` (when given) restricts the hits to those labels.
// What FtsSearch looked at: the rows `match` yielded (with `allowed`, those of them allowed), and
// how many of them it scored in full (the others were ruled out by their bound without reading
// their column sizes).
struct FtsSearchCounts {
  int64_t matched = 0;
  int64_t scored = 0;
};
Result<std::vector<FtsHit>> FtsSearch(Database& db, const std::string& space_id, const std::string& match,
                                      int64_t limit, const std::vector<int64_t>* allowed = nullptr,
                                      FtsSearchCounts* counts = nullptr);
// The value of ks_df over chunk_fts for `match` ("N df_0 df_1 ...", search/fts_rank.h), or
// nullopt when no row matches (search::FetchIdfWeights' lookup).
Result<std::optional<std::string>> FtsDocFrequencies(Database& db, const std::string& match);

// ---- embeddings -----------------------------------------------------------------------------

struct EmbeddingModel {
  std::string id;
  int dimensions = 0;
  std::string kind;  // builtin | js
};
// Registers a model, or checks that a registered one has the same dimensions (FAILED_PRECONDITION
// if not: vectors of one id must all have one length).
Status EnsureEmbeddingModel(Database& db, const EmbeddingModel& model, const std::string& now);
Result<std::optional<EmbeddingModel>> FindEmbeddingModel(Database& db, const std::string& id);

// Stores a chunk's vector: as little-endian halves (util/half.h) when every value fits one, else
// as float32 (a page-side model's unnormalised outliers). Readers tell the two apart by the size,
// given the model's dimensions (DecodeStoredVector); stores written before halves hold float32.
Status PutEmbedding(Database& db, int64_t label, const std::string& model_id, std::span<const float> vector);
// A stored vector of a model with `dimensions` into `out`; false (and `out` empty) when its size
// is neither form.
bool DecodeStoredVector(std::span<const uint8_t> stored, int dimensions, std::vector<float>& out);
Result<std::optional<std::vector<float>>> GetEmbedding(Database& db, int64_t label, const std::string& model_id);
// Calls use(label, vector) for each of `labels` that has an embedding of `model_id`, in the order
// given; the span is valid only during the call, and empty for a vector of the wrong size. (How a
// search re-scores its candidates with the stored vectors.)
Status ReadEmbeddings(Database& db, std::span<const int64_t> labels, const std::string& model_id,
                      const std::function<void(int64_t label, std::span<const float> vector)>& use);

// Calls fn(label, vector) for every embedding of `model_id` on a live chunk of `space_id` (chunks
// of deleted sources are skipped when `live_only`), in label order.
template <typename Fn>
Status ForEachEmbedding(Database& db, const std::string& space_id, const std::string& model_id, bool live_only,
                        Fn&& fn);
// Labels of chunks in `space_id` that have no embedding for `model_id` (to embed on re-embed).
Result<std::vector<int64_t>> ChunksWithoutEmbedding(Database& db, const std::string& space_id,
                                                    const std::string& model_id, int64_t limit);
Result<int64_t> CountChunksWithoutEmbedding(Database& db, const std::string& space_id, const std::string& model_id);
// Deletes the space's embeddings of every model but `keep_model`.
Status DeleteOtherEmbeddings(Database& db, const std::string& space_id, const std::string& keep_model);
Status SetSpaceEmbeddingModel(Database& db, const std::string& space_id, const std::string& model_id);
// Labels of the space's chunks whose source is deleted.
Result<std::vector<int64_t>> DeletedChunkLabels(Database& db, const std::string& space_id);

// ---- the persisted vector index -------------------------------------------------------------

Result<int64_t> IndexGeneration(Database& db, const std::string& space_id);

enum class IndexOp : int { kAdd = 1, kRemove = 2, kRestore = 3 };
struct IndexLogEntry {
  int64_t seq;
  int64_t label;
  IndexOp op;
};
// Records `op` on each of `labels` for the space's index of `model_id`, advancing the space's
// generation by labels.size(). Returns the new generation. Call inside the write's transaction.
Result<int64_t> AppendIndexLog(Database& db, const std::string& space_id, const std::string& model_id,
                               std::span<const int64_t> labels, IndexOp op);
// Entries after `after_seq`, in order.
Result<std::vector<IndexLogEntry>> ReadIndexLog(Database& db, const std::string& space_id,
                                                const std::string& model_id, int64_t after_seq);
Result<int64_t> IndexLogSize(Database& db, const std::string& space_id, const std::string& model_id);

// A stored blob read front to back in pieces (SQLite's incremental blob I/O), so that a snapshot
// of tens of MB goes from the file straight to where its reader wants it, instead of into one
// buffer of SQLite's first. Valid only while the row is not changed.
class BlobReader {
 public:
  BlobReader(sqlite3_blob* blob, uint64_t size) : blob_(blob), size_(size) {}
  ~BlobReader();
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;
  uint64_t size() const { return size_; }
  // The next n bytes into dst. IO_ERROR past the end or when SQLite cannot read.
  Status Read(void* dst, size_t n);

 private:
  sqlite3_blob* blob_;
  uint64_t size_;
  uint64_t offset_ = 0;
};

// Calls use(generation, reader) with the stored snapshot of (space, model), if there is one, and
// returns whether there was.
Result<bool> ReadIndexSnapshot(Database& db, const std::string& space_id, const std::string& model_id,
                               const std::function<Status(int64_t generation, BlobReader& bytes)>& use);
Status SaveIndexSnapshot(Database& db, const std::string& space_id, const std::string& model_id,
                         int64_t generation, int64_t vector_count, std::span<const uint8_t> data,
                         const std::string& now);
// Saving a snapshot also drops the log entries it includes (seq <= generation).
Status DeleteIndexSnapshots(Database& db, const std::string& space_id);
// The live space updated most recently among those with a saved, non-empty snapshot for their own
// embedding model, if any: the index a search is most likely to need first after opening the store.
Result<std::optional<std::string>> MostRecentIndexedSpace(Database& db);

// ---- implementation of the template ----------------------------------------------------------

template <typename Fn>
Status ForEachEmbedding(Database& db, const std::string& space_id, const std::string& model_id, bool live_only,
                        Fn&& fn) {
  KS_ASSIGN_OR_RETURN(Statement st, db.PrepareUncached(
      "SELECT e.chunk_label, e.vector FROM embeddings e JOIN chunks c ON c.label = e.chunk_label "
      "JOIN content_sources s ON s.id = c.content_source_id "
      "WHERE c.space_id = ?1 AND e.model_id = ?2 AND (?3 = 0 OR s.deleted_at IS NULL) ORDER BY e.chunk_label"));
  st.BindAll(space_id, model_id, live_only);
  KS_ASSIGN_OR_RETURN(std::optional<EmbeddingModel> model, FindEmbeddingModel(db, model_id));
  if (!model) return Status::Ok();
  std::vector<float> v;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Ok();
    DecodeStoredVector(st.BlobSpan(1), model->dimensions, v);  // empty when of the wrong size
    KS_RETURN_IF_ERROR(fn(st.Int(0), std::span<const float>(v)));
  }
}

}  // namespace kspace::store
