// Sources: addSource, getSource, listSources, getSourceContent, deleteSource, restoreSource,
// purgeSource.
#include "api/common.h"
#include "api/convert.h"
#include "api/ingest.h"
#include "api/source_input.h"
#include "graph/hooks.h"  // map
#include "store/chunks.h"
#include "store/terms.h"
#include "store/blobs.h"
#include "store/sources.h"
#include "store/spaces.h"
#include "util/clock.h"
#include "util/sha256.h"
#include "util/uuid.h"

namespace kspace::api {
namespace {

// Processes freshly staged sources when this engine can embed for the space (the built-in model);
// with a page-side model they stay "processing" and the worker finishes them (ingestProcess).
Result<std::vector<store::SourceRow>> FinishIfPossible(Context& ctx, const store::SpaceRow& space,
                                                       const std::vector<Staged>& staged) {
  std::vector<store::SourceRow> rows;
  std::vector<std::string> ids;
  for (const Staged& s : staged) {
    rows.push_back(s.row);
    if (!s.duplicate && s.row.status == "processing") ids.push_back(s.row.id);
  }
  KS_ASSIGN_OR_RETURN(SpaceModel model, ModelOfSpace(ctx, space));
  if (ids.empty() || !model.builtin) return rows;
  KS_RETURN_IF_ERROR(ProcessSources(ctx, ids).status());
  for (store::SourceRow& r : rows) {
    KS_ASSIGN_OR_RETURN(auto fresh, store::FindSource(ctx.db(), r.id));
    if (fresh) r = std::move(*fresh);
  }
  return rows;
}

Result<json> AddSource(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  std::vector<NewSource> batch(1);
  NewSource& s = batch[0];
  KS_RETURN_IF_ERROR(ReadSourceFields(a, s));
  // Content: `text` in the arguments, or the call's binary input (`content` says whether those
  // bytes are text the caller encoded as UTF-8, or a file's raw bytes).
  KS_ASSIGN_OR_RETURN(auto text, a.String("text", StringRule{SIZE_MAX, true, false, false}));
  KS_ASSIGN_OR_RETURN(auto content, a.Enum("content", {"text", "bytes"}));
  KS_ASSIGN_OR_RETURN(auto duplicates, a.Enum("duplicates", {"skip", "keep"}));
  KS_RETURN_IF_ERROR(a.Finish());
  const bool has_input = !ctx.input.empty() || content.has_value();
  if (text && has_input) return InvalidArgument("give either text or bytes, not both", "text");
  if (!text && !has_input) return InvalidArgument("a source needs text or bytes", "text");
  s.given_as_text = text.has_value() || content == "text";
  s.content_field = s.given_as_text ? "text" : "bytes";
  s.bytes = text ? std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text->data()), text->size()) : ctx.input;
  KS_RETURN_IF_ERROR(CheckContent(ctx, s, ""));
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, space_id, Access::kWrite));
  std::vector<Staged> staged;
  {
    KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
    KS_ASSIGN_OR_RETURN(staged, StageSources(ctx, space, batch, duplicates.value_or("keep") == "skip", s.content_field));
    KS_RETURN_IF_ERROR(tx.Commit());
  }
  KS_ASSIGN_OR_RETURN(auto rows, FinishIfPossible(ctx, space, staged));
  json out = SourceToJson(rows[0]);
  if (staged[0].duplicate) out["duplicate"] = true;
  return out;
}

// addSources: many sources staged in one transaction (all or none), then processed. The binary
// input is every source's content back to back; each item gives its `size` and `content` kind.
Result<json> AddSources(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(auto duplicates, a.Enum("duplicates", {"skip", "keep"}));
  KS_ASSIGN_OR_RETURN(std::vector<NewSource> batch, ReadSourceBatch(ctx, a));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, space_id, Access::kWrite));
  std::vector<Staged> staged;
  {
    KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
    KS_ASSIGN_OR_RETURN(staged, StageSources(ctx, space, batch, duplicates.value_or("keep") == "skip", "sources"));
    KS_RETURN_IF_ERROR(tx.Commit());
  }
  KS_ASSIGN_OR_RETURN(auto rows, FinishIfPossible(ctx, space, staged));
  json out = json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    json j = SourceToJson(rows[i]);
    if (staged[i].duplicate) j["duplicate"] = true;
    out.push_back(std::move(j));
  }
  return out;
}

Result<json> GetSource(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("sourceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SourceRow row, RequireSource(ctx, id, Access::kRead));
  return SourceToJson(row);
}

Result<json> ListSources(Context& ctx, Args& a) {
  store::SourceQuery q;
  KS_ASSIGN_OR_RETURN(q.space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(auto include_deleted, a.Bool("includeDeleted"));
  KS_ASSIGN_OR_RETURN(q.status, a.Enum("status", {"processing", "processed", "failed"}));
  KS_ASSIGN_OR_RETURN(auto limit, a.Int("limit", 1, 10000));
  KS_ASSIGN_OR_RETURN(auto after, a.Id("after"));
  KS_RETURN_IF_ERROR(a.Finish());
  q.include_deleted = include_deleted.value_or(false);
  q.limit = limit.value_or(1000);
  KS_RETURN_IF_ERROR(RequireSpace(ctx, q.space_id, Access::kRead).status());
  if (after) {
    Result<int64_t> rowid = store::SourceRowid(ctx.db(), *after);
    if (!rowid.ok()) return NotFound("no source with id " + *after + " to continue after", "after");
    q.after_rowid = *rowid;
  }
  KS_ASSIGN_OR_RETURN(auto rows, store::ListSources(ctx.db(), q));
  json out = json::array();
  for (const auto& [rowid, r] : rows) out.push_back(SourceToJson(r));
  return out;
}

Result<json> GetSourceContent(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("sourceId"));
  KS_ASSIGN_OR_RETURN(auto processed, a.Bool("processed"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SourceRow row, RequireSource(ctx, id, Access::kRead));
  const bool want_processed = processed.value_or(false);
  if (want_processed && !row.processed_blob_hash) {
    return FailedPrecondition("source " + id + " has no processed text (media type " + row.media_type + ")",
                              "processed");
  }
  const std::string& hash = want_processed ? *row.processed_blob_hash : row.original_blob_hash;
  KS_ASSIGN_OR_RETURN(ctx.output, store::GetBlob(ctx.db(), hash));
  return json{{"sourceId", row.id},
              {"processed", want_processed},
              {"mimeType", want_processed ? json("text/markdown") : (row.mime_type ? json(*row.mime_type) : json(nullptr))},
              {"hash", hash},
              {"sizeBytes", static_cast<int64_t>(ctx.output.size())}};
}

Result<json> SetSourceDeleted(Context& ctx, Args& a, bool deleted) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("sourceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SourceRow row, RequireSource(ctx, id, Access::kWrite));
  if (row.deleted_at.has_value() == deleted) return SourceToJson(row);  // idempotent
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, row.space_id, Access::kWrite, "sourceId"));
  if (!deleted) KS_RETURN_IF_ERROR(CheckQuota(space, row.total_size_bytes, "sourceId"));
  const std::string now = NowTimestamp();
  row.deleted_at = deleted ? std::optional<std::string>(now) : std::nullopt;
  row.updated_at = now;
  // Its chunks leave (or rejoin) search in the same transaction: full text, vectors, statistics.
  KS_ASSIGN_OR_RETURN(std::vector<store::ChunkRow> chunks, store::ChunksOfSource(ctx.db(), id));
  std::vector<int64_t> labels;
  for (const auto& c : chunks) labels.push_back(c.label);
  std::vector<std::string> terms;
  if (row.status == "processed") {
    KS_ASSIGN_OR_RETURN(terms, ProcessedSourceTerms(ctx, row));
  }
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(store::UpdateSource(ctx.db(), row));
  KS_RETURN_IF_ERROR(graph::OnSourceDeleted(ctx.db(), id, row.deleted_at));  // map
  if (!deleted && row.status == "processed") {
    // Links made while it was away: its own to sources ingested meanwhile, and theirs to it.
    const std::string ids[] = {id};
    KS_RETURN_IF_ERROR(graph::OnSourcesProcessed(ctx.db(), row.space_id, ctx.profile_id(), now, ids));  // map
  }
  KS_RETURN_IF_ERROR(store::AdjustSpaceUsage(ctx.db(), row.space_id, deleted ? -1 : 1,
                                             deleted ? -row.total_size_bytes : row.total_size_bytes, now,
                                             ctx.profile_id()));
  if (!labels.empty()) {
    if (deleted) KS_RETURN_IF_ERROR(store::FtsDelete(ctx.db(), labels));
    else KS_RETURN_IF_ERROR(store::FtsInsert(ctx.db(), chunks, row.title));
    KS_RETURN_IF_ERROR(store::AppendIndexLog(ctx.db(), row.space_id, space.embedding_model, labels,
                                             deleted ? store::IndexOp::kRemove : store::IndexOp::kRestore)
                           .status());
  }
  KS_RETURN_IF_ERROR(tx.Commit());
  if (row.status == "processed") {
    KS_ASSIGN_OR_RETURN(SpaceTerms * stats, ctx.state.terms.Get(ctx.db(), row.space_id));
    TermStatsCache::Adjust(*stats, terms, deleted ? -1 : +1);
  }
  KS_RETURN_IF_ERROR(ctx.state.vectors.Sync(ctx.db(), row.space_id, space.embedding_model));
  return SourceToJson(row);
}

Result<json> DeleteSource(Context& ctx, Args& a) { return SetSourceDeleted(ctx, a, true); }
Result<json> RestoreSource(Context& ctx, Args& a) { return SetSourceDeleted(ctx, a, false); }

Result<json> PurgeSource(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("sourceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SourceRow row, RequireSource(ctx, id, Access::kRead));
  if (!row.deleted_at) {
    return FailedPrecondition("source " + id + " is not deleted; delete it before purging", "sourceId");
  }
  int64_t freed = 0;
  {
    KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
    // Its chunks left search when it was deleted; now they go for good (embeddings cascade).
    KS_RETURN_IF_ERROR(graph::OnSourcePurge(ctx.db(), id, NowTimestamp()));  // map
    KS_RETURN_IF_ERROR(store::DeleteChunksOfSource(ctx.db(), id).status());
    KS_RETURN_IF_ERROR(store::ReplaceSourceLinks(ctx.db(), id, {}));
    KS_ASSIGN_OR_RETURN(std::vector<std::string> hashes, store::DeleteSourceRows(ctx.db(), row.space_id, id));
    KS_ASSIGN_OR_RETURN(freed, store::DeleteBlobsIfUnreferenced(ctx.db(), hashes));
    KS_RETURN_IF_ERROR(tx.Commit());
  }
  KS_RETURN_IF_ERROR(ctx.state.store->ReclaimSpace());
  return json{{"sourceId", id}, {"freedBytes", freed}, {"purged", true}};
}

}  // namespace

void RegisterSourceMethods(MethodTable& t) {
  t["addSource"] = AddSource;
  t["addSources"] = AddSources;
  t["getSource"] = GetSource;
  t["listSources"] = ListSources;
  t["getSourceContent"] = GetSourceContent;
  t["deleteSource"] = DeleteSource;
  t["restoreSource"] = RestoreSource;
  t["purgeSource"] = PurgeSource;
}

}  // namespace kspace::api
