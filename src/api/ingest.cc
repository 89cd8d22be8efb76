// Ingest: ingestStage, ingestProcess, ingestPending, ingestDiscard (see ingest.h).
#include "api/ingest.h"
#include "graph/hooks.h"  // map

#include <algorithm>
#include <memory>
#include <set>

#include "api/common.h"
#include "api/convert.h"
#include "api/prepare.h"
#include "api/source_input.h"
#include "store/blobs.h"
#include "text/document.h"
#include "text/format.h"
#include "text/keywords.h"
#include "text/utf8.h"
#include "util/clock.h"
#include "util/sha256.h"
#include "util/uuid.h"

namespace kspace::api {
namespace {

// Parses and chunks one staged source, against the space's term statistics.
Result<PreparedSource> Prepare(Context& ctx, store::SourceRow source) {
  KS_ASSIGN_OR_RETURN(std::string blob, store::GetBlobString(ctx.db(), source.original_blob_hash));
  KS_ASSIGN_OR_RETURN(SpaceTerms * terms, ctx.state.terms.Get(ctx.db(), source.space_id));
  SpaceDf space_df(*terms);
  return PrepareText(std::move(source), blob, ctx.state.config, &space_df);
}

size_t ChunkCount(const IngestBatch& b) {
  size_t n = 0;
  for (const auto& s : b.sources) n += s.chunks.size();
  return n;
}

// Commits a prepared batch with its vectors (one row per chunk, in batch order).
Status Commit(Context& ctx, IngestBatch& batch, std::span<const float> vectors) {
  const size_t dim = static_cast<size_t>(batch.dim);
  if (vectors.size() != ChunkCount(batch) * dim) {
    return InvalidArgument("expected " + std::to_string(ChunkCount(batch)) + " vectors of " + std::to_string(dim) +
                               " dimensions",
                           "vectors");
  }
  const std::string now = NowTimestamp();
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(store::EnsureEmbeddingModel(
      ctx.db(), store::EmbeddingModel{batch.model_id, batch.dim, batch.model_id == embed::BuiltinEmbedder::kId ? "builtin" : "js"},
      now));
  size_t v = 0;
  // The label of each vector in `vectors` (-1: not committed), for the index to take them from here.
  std::vector<int64_t> vector_labels(ChunkCount(batch), -1);
  // Full-text rows are written last, in one run: FTS5 flushes its pending terms to disk whenever a
  // statement opens a savepoint in the transaction (any write that may abort does), so
  // interleaving them with the other writes made one small segment per source, and merges.
  std::vector<const PreparedSource*> fts;
  std::vector<std::string> processed;  // ids of the sources this commit processes
  for (PreparedSource& p : batch.sources) {
    store::SourceRow& row = p.source;
    // Another batch may have finished (or discarded) this source while this one waited for its
    // vectors: never process a source twice.
    KS_ASSIGN_OR_RETURN(auto current, store::FindSource(ctx.db(), row.id));
    if (!current || current->status != "processing") {
      if (current) row = std::move(*current);
      v += p.chunks.size();  // its vectors are in the batch: skip them
      p.chunks.clear();
      continue;
    }
    row.deleted_at = current->deleted_at;
    row.updated_at = now;
    if (p.failed) {
      v += p.chunks.size();
      row.status = "failed";
      row.error_message = p.error;
      KS_RETURN_IF_ERROR(store::UpdateSource(ctx.db(), row));
      continue;
    }
    // A source processed again (after a crash mid-commit never happens: commits are atomic; but a
    // retry of a failed source may find old rows) starts from a clean slate.
    KS_ASSIGN_OR_RETURN(std::vector<store::ChunkRow> old, store::ChunksOfSource(ctx.db(), row.id));
    if (!old.empty()) {
      std::vector<int64_t> labels;
      for (const auto& c : old) labels.push_back(c.label);
      KS_RETURN_IF_ERROR(store::FtsDelete(ctx.db(), labels));
      KS_RETURN_IF_ERROR(store::AppendIndexLog(ctx.db(), row.space_id, batch.model_id, labels, store::IndexOp::kRemove).status());
      KS_RETURN_IF_ERROR(store::DeleteChunksOfSource(ctx.db(), row.id).status());
    }
    if (p.has_processed_text || !p.chunks.empty()) {
      // Text that needed no normalising is the original blob (no second hash of its bytes).
      std::string hash = p.processed_is_original ? row.original_blob_hash : Sha256Hex(p.processed_text);
      if (hash != row.original_blob_hash) {
        auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(p.processed_text.data()), p.processed_text.size());
        KS_RETURN_IF_ERROR(store::PutBlob(ctx.db(), hash, span, now).status());
      }
      row.processed_blob_hash = hash;
    }
    std::vector<int64_t> labels;
    for (store::ChunkRow& c : p.chunks) {
      KS_RETURN_IF_ERROR(store::InsertChunk(ctx.db(), c));
      KS_RETURN_IF_ERROR(store::PutEmbedding(ctx.db(), c.label, batch.model_id, vectors.subspan(v * dim, dim)));
      vector_labels[v] = c.label;
      ++v;
      labels.push_back(c.label);
    }
    if (!row.deleted_at) {
      fts.push_back(&p);
      KS_RETURN_IF_ERROR(store::AppendIndexLog(ctx.db(), row.space_id, batch.model_id, labels, store::IndexOp::kAdd).status());
    } else if (!labels.empty()) {
      // Deleted while it waited: keep its chunks (for a restore) but out of search.
      KS_RETURN_IF_ERROR(store::AppendIndexLog(ctx.db(), row.space_id, batch.model_id, labels, store::IndexOp::kAdd).status());
      KS_RETURN_IF_ERROR(store::AppendIndexLog(ctx.db(), row.space_id, batch.model_id, labels, store::IndexOp::kRemove).status());
    }
    KS_RETURN_IF_ERROR(store::ReplaceSourceLinks(ctx.db(), row.id, p.links));
    KS_RETURN_IF_ERROR(store::ReplaceWikilinkKeys(ctx.db(), row.space_id, row.id, row.title, row.path, p.links));
    KS_RETURN_IF_ERROR(graph::OnSourceProcessed(ctx.db(), row, p.chunks, now));  // map
    processed.push_back(row.id);
    row.status = "processed";
    row.error_message = std::nullopt;
    row.num_chunks = static_cast<int64_t>(p.chunks.size());
    KS_RETURN_IF_ERROR(store::UpdateSource(ctx.db(), row));
  }
  // Wikilinks between the batch's sources and the space become edges once the batch's nodes and
  // names are all written (a link to a source later in the same batch resolves too).
  KS_RETURN_IF_ERROR(graph::OnSourcesProcessed(ctx.db(), batch.space_id, ctx.profile_id(), now, processed));  // map
  for (const PreparedSource* p : fts) {
    store::FtsTokens tokens{p->fts_title, p->fts_headings, p->fts_bodies};
    KS_RETURN_IF_ERROR(store::FtsInsert(ctx.db(), p->chunks, p->source.title, p->has_fts_tokens ? &tokens : nullptr));
  }
  KS_RETURN_IF_ERROR(tx.Commit());
  // Count the committed sources in the space's term statistics (flushed when the job ends).
  KS_ASSIGN_OR_RETURN(SpaceTerms * terms, ctx.state.terms.Get(ctx.db(), batch.space_id));
  for (const PreparedSource& p : batch.sources) {
    if (!p.failed && !p.source.deleted_at && p.source.status == "processed" && !p.terms.empty()) {
      TermStatsCache::Adjust(*terms, p.terms, +1);
    }
  }
  int64_t t0 = MonotonicMicros();
  // Keep the space's index loaded and current while ingesting, so that the job's end can save a
  // snapshot (and the first search after it does not rebuild).
  KS_RETURN_IF_ERROR(ctx.state.vectors.Get(ctx.db(), batch.space_id, batch.model_id, batch.dim).status());
  KS_RETURN_IF_ERROR(ctx.state.vectors.Sync(ctx.db(), batch.space_id, batch.model_id, vector_labels, vectors));
  batch.index_ms = static_cast<double>(MonotonicMicros() - t0) / 1000.0;
  return Status::Ok();
}

json BatchResult(const IngestBatch& batch, double prepare_ms, double embed_ms, double commit_ms) {
  json sources = json::array();
  int64_t chunks = 0;
  int64_t failed = 0;
  for (const auto& p : batch.sources) {
    sources.push_back(SourceToJson(p.source));
    chunks += static_cast<int64_t>(p.chunks.size());
    failed += p.failed ? 1 : 0;
  }
  return json{{"sources", sources},
              {"chunks", chunks},
              {"failed", failed},
              {"bytes", batch.bytes},
              {"timings", {{"parseMs", prepare_ms}, {"embedMs", embed_ms}, {"indexMs", batch.index_ms},
                           {"commitMs", commit_ms - batch.index_ms}}}};
}

double MsSince(int64_t t0) { return static_cast<double>(MonotonicMicros() - t0) / 1000.0; }

Result<json> IngestStage(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(auto duplicates, a.Enum("duplicates", {"skip", "keep"}));
  KS_ASSIGN_OR_RETURN(std::vector<NewSource> batch, ReadSourceBatch(ctx, a));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, space_id, Access::kWrite));
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_ASSIGN_OR_RETURN(std::vector<Staged> staged,
                      StageSources(ctx, space, batch, duplicates.value_or("skip") == "skip", "sources"));
  KS_RETURN_IF_ERROR(tx.Commit());
  json out = json::array();
  for (const Staged& s : staged) {
    json j = SourceToJson(s.row);
    j["duplicate"] = s.duplicate;
    out.push_back(std::move(j));
  }
  return out;
}

// The sources of `ids` still waiting to be processed (others were finished meanwhile, e.g. by an
// earlier run); sets batch.space_id (one space per call) and counts their bytes into batch.bytes.
Result<std::vector<store::SourceRow>> StagedRows(Context& ctx, const std::vector<std::string>& ids, IngestBatch& batch) {
  std::vector<store::SourceRow> rows;
  for (const std::string& id : ids) {
    KS_ASSIGN_OR_RETURN(store::SourceRow row, RequireSource(ctx, id, Access::kRead, "sourceIds"));
    if (row.status != "processing") continue;
    if (batch.space_id.empty()) batch.space_id = row.space_id;
    if (row.space_id != batch.space_id) return InvalidArgument("all sources of one call must be in one space", "sourceIds");
    batch.bytes += row.total_size_bytes;
    rows.push_back(std::move(row));
  }
  return rows;
}

// Keeps `batch` until its second call, bounded in case a caller never comes back.
int64_t KeepPending(Context& ctx, std::shared_ptr<IngestBatch> batch) {
  const int64_t id = ctx.state.next_batch++;
  ctx.state.pending[id] = std::move(batch);
  while (ctx.state.pending.size() > 64) ctx.state.pending.erase(ctx.state.pending.begin());
  return id;
}

// ingestProcess { sourceIds, handOff: true }: the batch's rows and bytes for a Preparer
// (prepare.h), as binary output; the batch waits for ingestProcess { batchId, prepared: true }.
Result<json> HandOff(Context& ctx, const std::vector<std::string>& ids) {
  auto batch = std::make_shared<IngestBatch>();
  KS_ASSIGN_OR_RETURN(std::vector<store::SourceRow> staged, StagedRows(ctx, ids, *batch));
  std::vector<std::string> blobs;
  for (store::SourceRow& row : staged) {
    KS_ASSIGN_OR_RETURN(std::string blob, store::GetBlobString(ctx.db(), row.original_blob_hash));
    blobs.push_back(std::move(blob));
    PreparedSource p;
    p.source = std::move(row);
    batch->sources.push_back(std::move(p));
  }
  if (batch->sources.empty()) return BatchResult(*batch, 0, 0, 0);
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, batch->space_id, Access::kRead));
  KS_ASSIGN_OR_RETURN(SpaceModel model, ModelOfSpace(ctx, space));
  if (!model.builtin) {
    return FailedPrecondition("handOff needs a space that embeds with the built-in model", "handOff");
  }
  batch->model_id = model.id;
  batch->dim = model.dim;
  ctx.output = EncodePrepInput(*batch, blobs);
  return json{{"handOff", true}, {"batchId", KeepPending(ctx, std::move(batch))}};
}

Result<json> IngestProcess(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto ids, a.IdList("sourceIds", 10000));
  KS_ASSIGN_OR_RETURN(auto batch_id, a.Int("batchId", 1, int64_t{1} << 53));
  KS_ASSIGN_OR_RETURN(auto hand_off, a.Bool("handOff"));
  KS_ASSIGN_OR_RETURN(auto prepared, a.Bool("prepared"));
  KS_RETURN_IF_ERROR(a.Finish());
  if (batch_id) {
    if (ids) return InvalidArgument("give sourceIds or batchId, not both", "batchId");
    if (hand_off.value_or(false)) return InvalidArgument("handOff goes with sourceIds", "handOff");
    auto it = ctx.state.pending.find(*batch_id);
    if (it == ctx.state.pending.end()) return NotFound("no batch " + std::to_string(*batch_id) + " is waiting", "batchId");
    std::shared_ptr<IngestBatch> batch = it->second;
    ctx.state.pending.erase(it);
    int64_t t0 = MonotonicMicros();
    if (prepared.value_or(false)) {
      // A Preparer's answer: chunks, keywords and the built-in vectors (prepare.h).
      std::vector<float> vectors;
      KS_RETURN_IF_ERROR(DecodePrepared(ctx.input, *batch, vectors));
      KS_RETURN_IF_ERROR(Commit(ctx, *batch, vectors));
      return BatchResult(*batch, 0, 0, MsSince(t0));
    }
    if (ctx.input.size() % sizeof(float) != 0) return InvalidArgument("vectors must be float32", "vectors");
    std::span<const float> vectors(reinterpret_cast<const float*>(ctx.input.data()), ctx.input.size() / sizeof(float));
    KS_RETURN_IF_ERROR(Commit(ctx, *batch, vectors));
    return BatchResult(*batch, 0, 0, MsSince(t0));
  }
  if (prepared.value_or(false)) return InvalidArgument("prepared goes with batchId", "prepared");
  if (!ids || ids->empty()) return InvalidArgument("sourceIds is required", "sourceIds");
  if (hand_off.value_or(false)) return HandOff(ctx, *ids);
  return ProcessSources(ctx, *ids);
}

// ingestTermStats { spaceId }: the space's document frequencies, as binary output for a Preparer.
Result<json> IngestTermStats(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireSpace(ctx, space_id, Access::kRead).status());
  KS_ASSIGN_OR_RETURN(SpaceTerms * terms, ctx.state.terms.Get(ctx.db(), space_id));
  ctx.output = EncodeTermStats(terms->stats);
  return json{{"docs", terms->stats.docs}, {"terms", terms->stats.df.size()}};
}

Result<json> IngestPending(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto space_id, a.Id("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(auto pending, store::SourcesWithStatus(ctx.db(), space_id, "processing"));
  json out = json::array();
  for (const auto& [id, space] : pending) out.push_back(json{{"sourceId", id}, {"spaceId", space}});
  return out;
}

// Marks staged sources as failed with `message` (e.g. their space's embedder is not available).
Result<json> IngestFail(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto ids, a.IdList("sourceIds", 100000));
  KS_ASSIGN_OR_RETURN(std::string message, a.RequiredString("message", StringRule{4096, false, false, true}));
  KS_RETURN_IF_ERROR(a.Finish());
  if (!ids) return InvalidArgument("sourceIds is required", "sourceIds");
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  int64_t marked = 0;
  for (const std::string& id : *ids) {
    KS_ASSIGN_OR_RETURN(auto row, store::FindSource(ctx.db(), id));
    if (!row || row->status != "processing") continue;
    row->status = "failed";
    row->error_message = message;
    row->updated_at = NowTimestamp();
    KS_RETURN_IF_ERROR(store::UpdateSource(ctx.db(), *row));
    ++marked;
  }
  KS_RETURN_IF_ERROR(tx.Commit());
  return json{{"failed", marked}};
}

// Queues failed sources for processing again (status "processing"); the caller then runs
// ingestProcess on them.
Result<json> IngestRetry(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto ids, a.IdList("sourceIds", 100000));
  KS_RETURN_IF_ERROR(a.Finish());
  if (!ids) return InvalidArgument("sourceIds is required", "sourceIds");
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  json queued = json::array();
  for (const std::string& id : *ids) {
    KS_ASSIGN_OR_RETURN(store::SourceRow row, RequireSource(ctx, id, Access::kWrite, "sourceIds"));
    if (row.status != "failed") continue;
    row.status = "processing";
    row.error_message = std::nullopt;
    row.updated_at = NowTimestamp();
    KS_RETURN_IF_ERROR(store::UpdateSource(ctx.db(), row));
    queued.push_back(row.id);
  }
  KS_RETURN_IF_ERROR(tx.Commit());
  return queued;
}

// Removes staged sources that were never processed (a cancelled ingest): rows, counters, blobs.
Result<json> IngestDiscard(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto ids, a.IdList("sourceIds", 100000));
  // The undo of a failed staging gives the space's last-updated stamp from before it, so that
  // the failed ingest leaves the space as it was; a cancel (no stamp) is a change of its own.
  KS_ASSIGN_OR_RETURN(auto stamp_at, a.Timestamp("lastUpdatedAt"));
  KS_ASSIGN_OR_RETURN(auto stamp_by, a.Id("lastUpdatedBy"));
  KS_RETURN_IF_ERROR(a.Finish());
  if (!ids) return InvalidArgument("sourceIds is required", "sourceIds");
  if (stamp_at.has_value() != stamp_by.has_value()) {
    return InvalidArgument("lastUpdatedAt and lastUpdatedBy go together", stamp_at ? "lastUpdatedBy" : "lastUpdatedAt");
  }
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  int64_t discarded = 0;
  const std::string now = stamp_at.value_or(NowTimestamp());
  const std::string by = stamp_by.value_or(ctx.profile_id());
  for (const std::string& id : *ids) {
    KS_ASSIGN_OR_RETURN(auto row, store::FindSource(ctx.db(), id));
    if (!row || row->status != "processing") continue;  // processed meanwhile: keep it
    KS_ASSIGN_OR_RETURN(auto hashes, store::DeleteSourceRows(ctx.db(), row->space_id, row->id));
    KS_RETURN_IF_ERROR(store::DeleteBlobsIfUnreferenced(ctx.db(), hashes).status());
    if (!row->deleted_at) {
      KS_RETURN_IF_ERROR(store::AdjustSpaceUsage(ctx.db(), row->space_id, -1, -row->total_size_bytes, now, by));
    }
    ++discarded;
  }
  KS_RETURN_IF_ERROR(tx.Commit());
  return json{{"discarded", discarded}};
}

// Stores vectors for `labels` (one row each) under `model` in one transaction.
Status StoreVectors(Context& ctx, const std::string& model_id, int dim, const std::string& kind,
                    std::span<const int64_t> labels, std::span<const float> vectors) {
  if (vectors.size() != labels.size() * static_cast<size_t>(dim)) {
    return InvalidArgument("expected " + std::to_string(labels.size()) + " vectors of " + std::to_string(dim) +
                               " dimensions",
                           "vectors");
  }
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(store::EnsureEmbeddingModel(ctx.db(), store::EmbeddingModel{model_id, dim, kind}, NowTimestamp()));
  for (size_t i = 0; i < labels.size(); ++i) {
    KS_RETURN_IF_ERROR(store::PutEmbedding(ctx.db(), labels[i], model_id,
                                           vectors.subspan(i * static_cast<size_t>(dim), static_cast<size_t>(dim))));
  }
  return tx.Commit();
}

// reembedStep: one resumable step of moving a space to another embedding model. Embeds the next
// batch of chunks that have no vector for the target model (or hands their texts to the
// page-side embedder), and once every chunk has one, switches the space to the target model and
// drops the old vectors. The caller repeats it until `done`.
Result<json> ReembedStep(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(auto target, a.Enum("to", {"store", "builtin"}));
  KS_ASSIGN_OR_RETURN(auto batch_id, a.Int("batchId", 1, int64_t{1} << 53));
  KS_ASSIGN_OR_RETURN(auto limit, a.Int("batchSize", 1, 4096));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, space_id, Access::kWrite));
  const bool to_builtin = target.value_or("store") == "builtin" || !ctx.state.external;
  const std::string model_id = to_builtin ? std::string(embed::BuiltinEmbedder::kId) : ctx.state.external->id;
  const int dim = to_builtin ? ctx.state.builtin.dimensions() : ctx.state.external->dimensions;
  if (batch_id) {
    auto it = ctx.state.pending_reembed.find(*batch_id);
    if (it == ctx.state.pending_reembed.end()) return NotFound("no batch " + std::to_string(*batch_id) + " is waiting", "batchId");
    ReembedBatch b = std::move(it->second);
    ctx.state.pending_reembed.erase(it);
    if (b.space_id != space_id || b.model_id != model_id) return InvalidArgument("that batch is for another space or model", "batchId");
    if (ctx.input.size() % sizeof(float) != 0) return InvalidArgument("vectors must be float32", "vectors");
    std::span<const float> v(reinterpret_cast<const float*>(ctx.input.data()), ctx.input.size() / sizeof(float));
    KS_RETURN_IF_ERROR(StoreVectors(ctx, model_id, dim, "js", b.labels, v));
  }
  if (space.embedding_model == model_id) {
    return json{{"done", true}, {"model", model_id}, {"remaining", 0}, {"embedded", 0}};
  }
  KS_ASSIGN_OR_RETURN(std::vector<int64_t> labels,
                      store::ChunksWithoutEmbedding(ctx.db(), space_id, model_id, limit.value_or(256)));
  if (labels.empty()) {
    // Every chunk has a vector of the target model: switch, and forget the old model's vectors.
    KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
    KS_RETURN_IF_ERROR(store::EnsureEmbeddingModel(ctx.db(), store::EmbeddingModel{model_id, dim, to_builtin ? "builtin" : "js"},
                                                   NowTimestamp()));
    KS_RETURN_IF_ERROR(store::SetSpaceEmbeddingModel(ctx.db(), space_id, model_id));
    KS_RETURN_IF_ERROR(store::DeleteOtherEmbeddings(ctx.db(), space_id, model_id));
    KS_RETURN_IF_ERROR(store::DeleteIndexSnapshots(ctx.db(), space_id));
    KS_RETURN_IF_ERROR(tx.Commit());
    ctx.state.vectors.Drop(space_id);
    return json{{"done", true}, {"model", model_id}, {"remaining", 0}, {"embedded", 0}};
  }
  KS_ASSIGN_OR_RETURN(std::vector<store::ChunkRow> chunks, store::ChunksByLabels(ctx.db(), labels));
  KS_ASSIGN_OR_RETURN(int64_t remaining, store::CountChunksWithoutEmbedding(ctx.db(), space_id, model_id));
  if (!to_builtin) {
    int64_t id = ctx.state.next_batch++;
    json texts = json::array();
    for (const auto& c : chunks) texts.push_back(c.text);
    ctx.state.pending_reembed[id] = ReembedBatch{space_id, model_id, dim, labels};
    while (ctx.state.pending_reembed.size() > 64) ctx.state.pending_reembed.erase(ctx.state.pending_reembed.begin());
    return json{{"done", false}, {"needVectors", true}, {"batchId", id}, {"texts", texts}, {"model", model_id},
                {"remaining", remaining}, {"dimensions", dim}};
  }
  std::vector<std::string_view> texts;
  for (const auto& c : chunks) texts.push_back(c.text);
  std::vector<float> vectors(texts.size() * static_cast<size_t>(dim));
  KS_RETURN_IF_ERROR(ctx.state.builtin.Embed(texts, vectors));
  KS_RETURN_IF_ERROR(StoreVectors(ctx, model_id, dim, "builtin", labels, vectors));
  return json{{"done", false}, {"model", model_id}, {"embedded", static_cast<int64_t>(labels.size())},
              {"remaining", remaining - static_cast<int64_t>(labels.size())}};
}

}  // namespace

Result<SpaceModel> ModelOfSpace(Context& ctx, const store::SpaceRow& space) {
  SpaceModel m;
  m.id = space.embedding_model;
  if (m.id == embed::BuiltinEmbedder::kId) {
    m.dim = ctx.state.builtin.dimensions();
    m.builtin = m.available = true;
    return m;
  }
  if (ctx.state.external && ctx.state.external->id == m.id) {
    m.dim = ctx.state.external->dimensions;
    m.available = true;
    return m;
  }
  KS_ASSIGN_OR_RETURN(auto known, store::FindEmbeddingModel(ctx.db(), m.id));
  m.dim = known ? known->dimensions : 0;
  return m;
}

Result<json> ProcessSources(Context& ctx, const std::vector<std::string>& ids) {
  int64_t t0 = MonotonicMicros();
  auto batch = std::make_shared<IngestBatch>();
  KS_ASSIGN_OR_RETURN(std::vector<store::SourceRow> staged, StagedRows(ctx, ids, *batch));
  for (store::SourceRow& row : staged) {
    KS_ASSIGN_OR_RETURN(PreparedSource p, Prepare(ctx, std::move(row)));
    batch->sources.push_back(std::move(p));
  }
  if (batch->sources.empty()) return BatchResult(*batch, 0, 0, 0);
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, batch->space_id, Access::kRead));
  KS_ASSIGN_OR_RETURN(SpaceModel model, ModelOfSpace(ctx, space));
  batch->model_id = model.id;
  batch->dim = model.dim;
  double prepare_ms = MsSince(t0);
  if (!model.available) {
    return FailedPrecondition("space \"" + space.title + "\" embeds with \"" + model.id +
                                  "\", which this store was not opened with; open it with that embedder or reembed the space",
                              "embedder");
  }
  if (!model.builtin) {
    // The page-side embedder computes the vectors: hand out the texts, keep the batch.
    json texts = json::array();
    for (const auto& p : batch->sources) {
      for (const auto& c : p.chunks) texts.push_back(c.text);
    }
    const int64_t id = KeepPending(ctx, batch);
    return json{{"needVectors", true}, {"batchId", id}, {"texts", texts}, {"dimensions", model.dim}};
  }
  int64_t t1 = MonotonicMicros();
  std::vector<std::string_view> texts;
  for (const auto& p : batch->sources) {
    for (const auto& c : p.chunks) texts.push_back(c.text);
  }
  // Not a std::vector: this file is compiled for size, where libc++ zeroes and frees a vector's
  // floats one by one (28 MB for a 2 MB batch); new float[n]() is one memset.
  const size_t n_floats = texts.size() * static_cast<size_t>(model.dim);
  auto buffer = std::make_unique<float[]>(n_floats);
  std::span<float> vectors(buffer.get(), n_floats);
  KS_RETURN_IF_ERROR(ctx.state.builtin.Embed(texts, vectors));
  double embed_ms = MsSince(t1);
  int64_t t2 = MonotonicMicros();
  KS_RETURN_IF_ERROR(Commit(ctx, *batch, vectors));
  return BatchResult(*batch, prepare_ms, embed_ms, MsSince(t2));
}

Result<std::vector<std::string>> ProcessedSourceTerms(Context& ctx, const store::SourceRow& source) {
  if (!source.processed_blob_hash || source.num_chunks == 0) return std::vector<std::string>();
  KS_ASSIGN_OR_RETURN(std::string t, store::GetBlobString(ctx.db(), *source.processed_blob_hash));
  text::ChunkOptions opts;
  opts.max_tokens = ctx.state.config.chunk_tokens;
  opts.overlap_tokens = ctx.state.config.chunk_overlap;
  opts.default_title = source.title;
  KS_ASSIGN_OR_RETURN(text::Document doc, text::ParseDocument(t, text::Format::kMarkdown, opts));
  return text::TextAnalysis(doc, text::TextAnalysis::kTerms).DistinctTerms();
}

void RegisterIngestMethods(MethodTable& t) {
  t["ingestStage"] = IngestStage;
  t["ingestProcess"] = IngestProcess;
  t["ingestTermStats"] = IngestTermStats;
  t["ingestPending"] = IngestPending;
  t["ingestDiscard"] = IngestDiscard;
  t["reembedStep"] = ReembedStep;
  t["ingestFail"] = IngestFail;
  t["ingestRetry"] = IngestRetry;
}

}  // namespace kspace::api
