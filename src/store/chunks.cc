#include "store/chunks.h"

#include "store/fts_cut.h"
#include "store/fts_replay.h"
#include "util/top_k.h"
#include "util/half.h"
#include "util/thread_local.h"

#include <sqlite3.h>

#include <algorithm>
#include <climits>

#include <cstring>

#include <nlohmann/json.hpp>

namespace kspace::store {
namespace {

constexpr const char* kColumns =
    "label, id, space_id, content_source_id, chunk_index, chunk_type, text, context_bytes, heading_path, "
    "token_count, char_start, char_end, created_at";

ChunkRow ReadRow(const Statement& st) {
  ChunkRow r;
  r.label = st.Int(0);
  r.id = st.Text(1);
  r.space_id = st.Text(2);
  r.content_source_id = st.Text(3);
  r.chunk_index = st.Int(4);
  r.chunk_type = st.Text(5);
  r.text = st.Text(6);
  r.context_bytes = st.Int(7);
  r.heading_path = st.Text(8);
  r.token_count = st.Int(9);
  r.char_start = st.Int(10);
  r.char_end = st.Int(11);
  r.created_at = st.Text(12);
  return r;
}


}  // namespace

std::string JoinHeadings(const std::string& json_array) {
  // Fast path (ingest indexes every chunk; a JSON parse each was 10 us in the size-optimised wasm
  // build): without a backslash, every '"' delimits a string, so ["A","B"] splits by hand. Anything
  // else takes the parser below.
  if (json_array.find('\\') == std::string::npos && json_array.size() >= 2 && json_array.front() == '[' &&
      json_array.back() == ']') {
    std::string out;
    size_t i = 1;
    const size_t end = json_array.size() - 1;
    bool ok = true;
    while (i < end) {
      if (json_array[i] != '"') { ok = false; break; }
      const size_t close = json_array.find('"', i + 1);
      if (close == std::string::npos || close >= end) { ok = false; break; }
      if (!out.empty()) out += " > ";
      out.append(json_array, i + 1, close - i - 1);
      i = close + 1;
      if (i < end) {
        if (json_array[i] != ',') { ok = false; break; }
        ++i;
        if (i >= end) { ok = false; break; }  // trailing comma
      }
    }
    if (ok) return out;
  }
  nlohmann::json j = nlohmann::json::parse(json_array, nullptr, /*allow_exceptions=*/false);
  std::string out;
  if (!j.is_array()) return out;
  for (const auto& h : j) {
    if (!h.is_string()) continue;
    if (!out.empty()) out += " > ";
    out += h.get<std::string>();
  }
  return out;
}

Status InsertChunk(Database& db, ChunkRow& row) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO chunks(id, space_id, content_source_id, chunk_index, chunk_type, text, context_bytes, "
      "heading_path, token_count, char_start, char_end, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
  st->BindAll(row.id, row.space_id, row.content_source_id, row.chunk_index, row.chunk_type, row.text,
              row.context_bytes, row.heading_path, row.token_count, row.char_start, row.char_end, row.created_at);
  KS_RETURN_IF_ERROR(st->Run());
  row.label = db.last_insert_rowid();
  return Status::Ok();
}

Result<std::vector<ChunkRow>> ChunksOfSource(Database& db, const std::string& source_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kColumns +
      " FROM chunks WHERE content_source_id = ? ORDER BY chunk_index"));
  st->Bind(1, source_id);
  std::vector<ChunkRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadRow(*st));
  }
  return out;
}

Result<std::optional<ChunkRow>> FindChunkById(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kColumns + " FROM chunks WHERE id = ?"));
  st->Bind(1, id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<ChunkRow>();
  return std::optional<ChunkRow>(ReadRow(*st));
}

Result<std::vector<ChunkRow>> ChunksByLabels(Database& db, std::span<const int64_t> labels) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(std::string("SELECT ") + kColumns + " FROM chunks WHERE label = ?"));
  std::vector<ChunkRow> out;
  out.reserve(labels.size());
  for (int64_t label : labels) {
    st->Bind(1, label);
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row) out.push_back(ReadRow(*st));
    st->Reset();
  }
  return out;
}

Result<std::vector<int64_t>> DeleteChunksOfSource(Database& db, const std::string& source_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("DELETE FROM chunks WHERE content_source_id = ? RETURNING label"));
  st->Bind(1, source_id);
  return st->ReadInts();
}

Result<int64_t> CountChunks(Database& db, const std::optional<std::string>& space_id) {
  // Two statements: "?1 IS NULL OR space_id = ?1" would scan the whole index for every space.
  KS_ASSIGN_OR_RETURN(CachedStatement st, space_id ? db.Prepare("SELECT count(*) FROM chunks WHERE space_id = ?1")
                                                   : db.Prepare("SELECT count(*) FROM chunks"));
  if (space_id) st->Bind(1, *space_id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->Int(0) : 0;
}

Status DeleteSpaceChunks(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement fts, db.Prepare("DELETE FROM chunk_fts WHERE space_id = ?"));
  fts->Bind(1, space_id);
  KS_RETURN_IF_ERROR(fts->Run());
  KS_ASSIGN_OR_RETURN(CachedStatement chunks, db.Prepare("DELETE FROM chunks WHERE space_id = ?"));
  chunks->Bind(1, space_id);
  KS_RETURN_IF_ERROR(chunks->Run());
  return DeleteIndexSnapshots(db, space_id);
}

Status FtsInsert(Database& db, std::span<const ChunkRow> chunks, const std::string& title, const FtsTokens* tokens) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO chunk_fts(rowid, title, heading_path, text, space_id) VALUES (?, ?, ?, ?, ?)"));
  if (tokens != nullptr && (tokens->headings.size() != chunks.size() || tokens->bodies.size() != chunks.size())) {
    tokens = nullptr;  // not this source's: tokenise
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ChunkRow& c = chunks[i];
    std::string headings = JoinHeadings(c.heading_path);
    FtsReplay::Column columns[3];
    std::optional<FtsReplay> replay;  // without tokens, FTS5 tokenises every column
    if (tokens) {
      columns[0] = {title, tokens->title};
      columns[1] = {headings, tokens->headings[i]};
      columns[2] = {c.body(), tokens->bodies[i]};
      replay.emplace(columns);
    }
    st->BindAll(c.label, title, headings, c.body(), c.space_id);
    KS_RETURN_IF_ERROR(st->Run());
    st->Reset();
  }
  return Status::Ok();
}

Status FtsDelete(Database& db, std::span<const int64_t> labels) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("DELETE FROM chunk_fts WHERE rowid = ?"));
  for (int64_t label : labels) {
    st->Bind(1, label);
    KS_RETURN_IF_ERROR(st->Run());
    st->Reset();
  }
  return Status::Ok();
}

namespace {

std::string JsonList(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

std::string JsonLabels(const std::vector<int64_t>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(v[i]);
  }
  return out + "]";
}

}  // namespace

Result<std::vector<int64_t>> FilterChunkLabels(Database& db, const std::string& space_id, const ChunkFilter& f) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT c.label FROM chunks c JOIN content_sources s ON s.id = c.content_source_id "
      "WHERE c.space_id = ?1 AND s.deleted_at IS NULL "
      "AND (?2 IS NULL OR c.content_source_id IN (SELECT value FROM json_each(?2))) "
      "AND (?3 IS NULL OR c.chunk_type IN (SELECT value FROM json_each(?3))) "
      "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM source_links l WHERE l.content_source_id = s.id "
      "     AND l.kind = 'tag' AND l.target IN (SELECT value FROM json_each(?4)))) "
      "AND (?5 IS NULL OR s.media_type IN (SELECT value FROM json_each(?5))) "
      "AND (?6 IS NULL OR s.created_at >= ?6) AND (?7 IS NULL OR s.created_at < ?7) "
      "ORDER BY c.label"));
  st->Bind(1, space_id);
  // Bound text must outlive the statement's use: keep the JSON strings alive here.
  std::string sources = JsonList(f.source_ids), types = JsonList(f.chunk_types), tags = JsonList(f.tags),
              media = JsonList(f.media_types);
  if (f.source_ids.empty()) st->Bind(2, Null{}); else st->Bind(2, sources);
  if (f.chunk_types.empty()) st->Bind(3, Null{}); else st->Bind(3, types);
  if (f.tags.empty()) st->Bind(4, Null{}); else st->Bind(4, tags);
  if (f.media_types.empty()) st->Bind(5, Null{}); else st->Bind(5, media);
  if (f.created_after) st->Bind(6, *f.created_after); else st->Bind(6, Null{});
  if (f.created_before) st->Bind(7, *f.created_before); else st->Bind(7, Null{});
  return st->ReadInts();
}

Result<std::vector<FtsHit>> FtsSearch(Database& db, const std::string& space_id, const std::string& match,
                                      int64_t limit, const std::vector<int64_t>* allowed, FtsSearchCounts* counts) {
  if (counts) *counts = FtsSearchCounts{};
  // Only the rowid and the score are computed per match: a column of chunk_fts (space_id, or the
  // snippet) makes FTS5 read that row's stored text, and with 100k chunks a common word matches
  // thousands of rows (106k chunks, median text query 15.4 -> 5.7 ms natively once that was gone).
  //
  // The best `limit` are kept here rather than sorted by SQL: every matching row must be looked
  // at, but most cannot reach the top, and ks_bm25_cut rules those out from their term
  // frequencies alone once the kept set is full (search/fts_rank.h), skipping the read of their
  // column sizes. A row is checked against the space only when it would enter the kept set, so the
  // threshold is the space's own k-th best and the result equals a full sort's: score descending,
  // then label ascending.
  if (limit <= 0) return std::vector<FtsHit>();
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT rowid, ks_bm25_cut(chunk_fts, ?3) FROM chunk_fts WHERE chunk_fts MATCH ?1 "
      "AND (?2 IS NULL OR rowid IN (SELECT value FROM json_each(?2)))"));
  KS_ASSIGN_OR_RETURN(CachedStatement in_space, db.Prepare("SELECT space_id = ?2 FROM chunks WHERE label = ?1"));
  std::string allowed_json = allowed ? JsonLabels(*allowed) : std::string();
  Bm25Cut cut;
  st->Bind(1, match);
  if (allowed) st->Bind(2, allowed_json);
  else st->Bind(2, Null{});
  if (sqlite3_bind_pointer(st->handle(), 3, &cut, kBm25CutPointerType, nullptr) != SQLITE_OK)
    return Internal("could not bind the full-text cut");
  const auto better = [](const FtsHit& a, const FtsHit& b) {
    return a.score != b.score ? a.score > b.score : a.label < b.label;
  };
  TopK<FtsHit, decltype(better)> top(static_cast<size_t>(limit), better);
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    if (st->IsNull(1)) continue;  // below the threshold
    const FtsHit hit{st->Int(0), st->Double(1)};
    if (top.full() && !better(hit, top.worst())) continue;
    in_space->Reset();
    in_space->BindAll(hit.label, space_id);
    KS_ASSIGN_OR_RETURN(bool found, in_space->Step());
    if (!found || in_space->Int(0) == 0) continue;
    top.Offer(hit);
    if (top.full()) cut.threshold = top.worst().score;
  }
  if (counts) *counts = FtsSearchCounts{cut.scored + cut.skipped, cut.scored};
  return top.Take();
}

Result<std::optional<std::string>> FtsDocFrequencies(Database& db, const std::string& match) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT ks_df(chunk_fts) FROM chunk_fts WHERE chunk_fts MATCH ?1 LIMIT 1"));
  st->Bind(1, match);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st->Text(0));
}

Status EnsureEmbeddingModel(Database& db, const EmbeddingModel& model, const std::string& now) {
  KS_ASSIGN_OR_RETURN(std::optional<EmbeddingModel> existing, FindEmbeddingModel(db, model.id));
  if (existing) {
    if (existing->dimensions != model.dimensions) {
      return FailedPrecondition("embedding model " + model.id + " was registered with " +
                                    std::to_string(existing->dimensions) + " dimensions, not " +
                                    std::to_string(model.dimensions),
                                "embedder.dimensions");
    }
    return Status::Ok();
  }
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO embedding_models(id, dimensions, kind, created_at) VALUES (?, ?, ?, ?)"));
  st->BindAll(model.id, model.dimensions, model.kind, now);
  return st->Run();
}

Result<std::optional<EmbeddingModel>> FindEmbeddingModel(Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT id, dimensions, kind FROM embedding_models WHERE id = ?"));
  st->Bind(1, id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<EmbeddingModel>();
  return std::optional<EmbeddingModel>(EmbeddingModel{st->Text(0), static_cast<int>(st->Int(1)), st->Text(2)});
}

Status PutEmbedding(Database& db, int64_t label, const std::string& model_id, std::span<const float> vector) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO embeddings(chunk_label, model_id, vector) VALUES (?, ?, ?) "
      "ON CONFLICT(chunk_label, model_id) DO UPDATE SET vector = excluded.vector"));
  if (FitsHalf(vector)) {
    KS_THREAD_LOCAL std::vector<uint8_t> halves;  // one allocation for a whole batch of puts
    halves.resize(vector.size() * 2);
    EncodeHalves(vector, halves);
    st->BindAll(label, model_id, Blob{halves.data(), halves.size()});
  } else {
    st->BindAll(label, model_id, Blob{vector.data(), vector.size() * sizeof(float)});
  }
  return st->Run();
}

bool DecodeStoredVector(std::span<const uint8_t> stored, int dimensions, std::vector<float>& out) {
  if (dimensions <= 0) return false;
  const auto d = static_cast<size_t>(dimensions);
  out.resize(d);
  if (stored.size() == 2 * d) {
    DecodeHalves(stored, out);
    return true;
  }
  if (stored.size() == 4 * d) {
    std::memcpy(out.data(), stored.data(), stored.size());  // SQLite's bytes need not be aligned
    return true;
  }
  out.clear();
  return false;
}

Result<std::optional<std::vector<float>>> GetEmbedding(Database& db, int64_t label, const std::string& model_id) {
  std::optional<std::vector<float>> out;
  KS_RETURN_IF_ERROR(ReadEmbeddings(db, std::span<const int64_t>(&label, 1), model_id,
                                    [&](int64_t, std::span<const float> v) { out.emplace(v.begin(), v.end()); }));
  return out;
}

Status ReadEmbeddings(Database& db, std::span<const int64_t> labels, const std::string& model_id,
                      const std::function<void(int64_t, std::span<const float>)>& use) {
  if (labels.empty()) return Status::Ok();
  KS_ASSIGN_OR_RETURN(std::optional<EmbeddingModel> model, FindEmbeddingModel(db, model_id));
  if (!model) return Status::Ok();  // no vector was ever stored under it
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT vector FROM embeddings WHERE chunk_label = ? AND model_id = ?"));
  std::vector<float> v;
  for (int64_t label : labels) {
    st->Reset();
    st->BindAll(label, model_id);
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) continue;
    DecodeStoredVector(st->BlobSpan(0), model->dimensions, v);  // empty when of the wrong size
    use(label, v);
  }
  return Status::Ok();
}

Result<std::vector<int64_t>> ChunksWithoutEmbedding(Database& db, const std::string& space_id,
                                                    const std::string& model_id, int64_t limit) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT c.label FROM chunks c WHERE c.space_id = ?1 AND NOT EXISTS "
      "(SELECT 1 FROM embeddings e WHERE e.chunk_label = c.label AND e.model_id = ?2) ORDER BY c.label LIMIT ?3"));
  st->BindAll(space_id, model_id, limit);
  return st->ReadInts();
}

Result<int64_t> CountChunksWithoutEmbedding(Database& db, const std::string& space_id, const std::string& model_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT count(*) FROM chunks c WHERE c.space_id = ?1 AND NOT EXISTS "
      "(SELECT 1 FROM embeddings e WHERE e.chunk_label = c.label AND e.model_id = ?2)"));
  st->BindAll(space_id, model_id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->Int(0) : 0;
}

Status DeleteOtherEmbeddings(Database& db, const std::string& space_id, const std::string& keep_model) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "DELETE FROM embeddings WHERE model_id <> ?2 AND chunk_label IN (SELECT label FROM chunks WHERE space_id = ?1)"));
  st->BindAll(space_id, keep_model);
  return st->Run();
}

Status SetSpaceEmbeddingModel(Database& db, const std::string& space_id, const std::string& model_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("UPDATE spaces SET embedding_model = ? WHERE id = ?"));
  st->BindAll(model_id, space_id);
  return st->Run();
}

Result<std::vector<int64_t>> DeletedChunkLabels(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      // From the (few) deleted sources to their chunks: led by chunks, this looked up the source
      // of every chunk in the space (130 ms at 100k chunks).
      "SELECT c.label FROM content_sources s CROSS JOIN chunks c ON c.content_source_id = s.id "
      "WHERE s.space_id = ? AND s.deleted_at IS NOT NULL ORDER BY c.label"));
  st->Bind(1, space_id);
  return st->ReadInts();
}

Result<int64_t> IndexGeneration(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT index_generation FROM spaces WHERE id = ?"));
  st->Bind(1, space_id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return NotFound("space " + space_id + " does not exist");
  return st->Int(0);
}

Result<int64_t> AppendIndexLog(Database& db, const std::string& space_id, const std::string& model_id,
                               std::span<const int64_t> labels, IndexOp op) {
  KS_ASSIGN_OR_RETURN(int64_t gen, IndexGeneration(db, space_id));
  if (labels.empty()) return gen;
  KS_ASSIGN_OR_RETURN(CachedStatement ins, db.Prepare(
      "INSERT INTO vector_index_log(space_id, model_id, seq, label, op) VALUES (?, ?, ?, ?, ?)"));
  for (int64_t label : labels) {
    ins->BindAll(space_id, model_id, ++gen, label, static_cast<int64_t>(op));
    KS_RETURN_IF_ERROR(ins->Run());
    ins->Reset();
  }
  KS_ASSIGN_OR_RETURN(CachedStatement up, db.Prepare("UPDATE spaces SET index_generation = ? WHERE id = ?"));
  up->BindAll(gen, space_id);
  KS_RETURN_IF_ERROR(up->Run());
  return gen;
}

Result<std::vector<IndexLogEntry>> ReadIndexLog(Database& db, const std::string& space_id,
                                                const std::string& model_id, int64_t after_seq) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT seq, label, op FROM vector_index_log WHERE space_id = ? AND model_id = ? AND seq > ? ORDER BY seq"));
  st->BindAll(space_id, model_id, after_seq);
  std::vector<IndexLogEntry> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(IndexLogEntry{st->Int(0), st->Int(1), static_cast<IndexOp>(st->Int(2))});
  }
  return out;
}

Result<int64_t> IndexLogSize(Database& db, const std::string& space_id, const std::string& model_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT count(*) FROM vector_index_log WHERE space_id = ? AND model_id = ?"));
  st->BindAll(space_id, model_id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->Int(0) : 0;
}

BlobReader::~BlobReader() { sqlite3_blob_close(blob_); }

Status BlobReader::Read(void* dst, size_t n) {
  if (n > size_ - offset_) return Status(Code::kIoError, "read past the end of a stored blob");
  // sqlite3_blob_read takes int sizes and offsets: big reads go in pieces.
  constexpr size_t kPiece = size_t{1} << 30;
  for (size_t done = 0; done < n;) {
    const size_t m = std::min(kPiece, n - done);
    if (offset_ > static_cast<uint64_t>(INT32_MAX) - m) return Status(Code::kTooLarge, "stored blob over 2 GB");
    const int rc = sqlite3_blob_read(blob_, static_cast<char*>(dst) + done, static_cast<int>(m), static_cast<int>(offset_));
    if (rc != SQLITE_OK) return Status(Code::kIoError, std::string("reading a stored blob: ") + sqlite3_errstr(rc));
    done += m;
    offset_ += m;
  }
  return Status::Ok();
}

Result<bool> ReadIndexSnapshot(Database& db, const std::string& space_id, const std::string& model_id,
                               const std::function<Status(int64_t, BlobReader&)>& use) {
  int64_t rowid = 0, generation = 0;
  {
    KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
        "SELECT rowid, generation FROM vector_index_snapshots WHERE space_id = ? AND model_id = ?"));
    st->BindAll(space_id, model_id);
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return false;
    rowid = st->Int(0);
    generation = st->Int(1);
  }
  sqlite3_blob* blob = nullptr;
  const int rc = sqlite3_blob_open(db.handle(), "main", "vector_index_snapshots", "data", rowid, 0, &blob);
  if (rc != SQLITE_OK) {
    sqlite3_blob_close(blob);  // a handle may be returned with an error; closing null is a no-op
    return Status(Code::kIoError, std::string("opening an index snapshot: ") + sqlite3_errmsg(db.handle()));
  }
  BlobReader reader(blob, static_cast<uint64_t>(sqlite3_blob_bytes(blob)));
  KS_RETURN_IF_ERROR(use(generation, reader));
  return true;
}

Status SaveIndexSnapshot(Database& db, const std::string& space_id, const std::string& model_id,
                         int64_t generation, int64_t vector_count, std::span<const uint8_t> data,
                         const std::string& now) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO vector_index_snapshots(space_id, model_id, generation, vector_count, data, saved_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(space_id, model_id) DO UPDATE SET "
      "generation = ?3, vector_count = ?4, data = ?5, saved_at = ?6"));
  st->BindAll(space_id, model_id, generation, vector_count, Blob{data.data(), data.size()}, now);
  KS_RETURN_IF_ERROR(st->Run());
  KS_ASSIGN_OR_RETURN(CachedStatement trim, db.Prepare(
      "DELETE FROM vector_index_log WHERE space_id = ? AND model_id = ? AND seq <= ?"));
  trim->BindAll(space_id, model_id, generation);
  return trim->Run();
}

Result<std::optional<std::string>> MostRecentIndexedSpace(Database& db) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT s.id FROM spaces s WHERE s.deleted_at IS NULL AND EXISTS (SELECT 1 FROM vector_index_snapshots v "
      "WHERE v.space_id = s.id AND v.model_id = s.embedding_model AND v.vector_count > 0) ORDER BY s.last_updated_at DESC, s.id LIMIT 1"));
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st->Text(0));
}

Status DeleteIndexSnapshots(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("DELETE FROM vector_index_snapshots WHERE space_id = ?"));
  st->Bind(1, space_id);
  KS_RETURN_IF_ERROR(st->Run());
  KS_ASSIGN_OR_RETURN(CachedStatement log, db.Prepare("DELETE FROM vector_index_log WHERE space_id = ?"));
  log->Bind(1, space_id);
  return log->Run();
}

}  // namespace kspace::store
