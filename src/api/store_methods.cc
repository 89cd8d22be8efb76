// Store-wide methods: stats, digest, check.
#include <cstdint>

#include "api/common.h"
#include "api/ingest.h"
#include "store/chunks.h"
#include "store/blobs.h"
#include "store/schema.h"
#include "store/sources.h"
#include "store/spaces.h"
#include "util/clock.h"

namespace kspace::api {
namespace {

Result<json> Stats(Context& ctx, Args& a) {
  KS_RETURN_IF_ERROR(a.Finish());
  store::Database& db = ctx.db();
  KS_ASSIGN_OR_RETURN(int64_t spaces, store::CountSpaces(db, false));
  KS_ASSIGN_OR_RETURN(int64_t spaces_all, store::CountSpaces(db, true));
  KS_ASSIGN_OR_RETURN(int64_t sources, store::CountSources(db, false));
  KS_ASSIGN_OR_RETURN(int64_t sources_all, store::CountSources(db, true));
  KS_ASSIGN_OR_RETURN(store::BlobStats blobs, store::GetBlobStats(db));
  KS_ASSIGN_OR_RETURN(int64_t page_size, db.QueryInt("PRAGMA page_size"));
  KS_ASSIGN_OR_RETURN(int64_t pages, db.QueryInt("PRAGMA page_count"));
  KS_ASSIGN_OR_RETURN(int64_t free_pages, db.QueryInt("PRAGMA freelist_count"));
  KS_ASSIGN_OR_RETURN(int version, store::SchemaVersion(db));
  KS_ASSIGN_OR_RETURN(int64_t chunks, store::CountChunks(db, std::nullopt));
  // The vector indexes in memory (loaded by a search, an ingest or warmIndex; kept until close).
  json loaded = json::array();
  for (const SpaceVectors* sv : ctx.state.vectors.AllLoaded()) {
    loaded.push_back(json{{"spaceId", sv->space_id},
                          {"embeddingModel", sv->model_id},
                          {"storedVectors", static_cast<int64_t>(sv->index->size())},
                          {"memoryBytes", static_cast<int64_t>(sv->index->MemoryBytes())}});
  }
  return json{
      {"chunks", chunks},
      {"loadedIndexes", std::move(loaded)},
      {"storeId", ctx.state.store->id()},
      {"profileId", ctx.state.store->profile_id()},
      {"schemaVersion", version},
      {"spaces", spaces},
      {"deletedSpaces", spaces_all - spaces},
      {"sources", sources},
      {"deletedSources", sources_all - sources},
      {"blobs", blobs.count},
      {"blobBytes", blobs.bytes},
      {"fileBytes", page_size * pages},
      {"freeBytes", page_size * free_pages},
      {"pageSize", page_size},
  };
}

Result<json> Digest(Context& ctx, Args& a) {
  KS_RETURN_IF_ERROR(a.Finish());
  // The idle work first (vectors linked into their graphs, and the snapshot saved when a graph is
  // complete): the worker does it between calls whenever it gets a timer turn, so without this two
  // digests of an unchanged store could differ by whether that turn came between them. Then what
  // closing would save (every index's unsaved changes, the term statistics), so that a digest
  // taken before a close equals one taken after reopening.
  for (size_t before = SIZE_MAX;;) {
    KS_ASSIGN_OR_RETURN(size_t left, ctx.state.vectors.Link(ctx.db(), 1000.0));
    if (left == 0 || left >= before) break;  // done (or, defensively, no progress)
    before = left;
  }
  KS_RETURN_IF_ERROR(ctx.state.SaveInMemoryState());
  KS_ASSIGN_OR_RETURN(std::string d, ctx.state.store->Digest());
  return json{{"digest", d}};
}

Result<json> Check(Context& ctx, Args& a) {
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(std::vector<std::string> problems, ctx.state.store->IntegrityCheck());
  bool ok = problems.size() == 1 && problems[0] == "ok";
  if (ok) problems.clear();
  return json{{"ok", ok}, {"problems", problems}};
}

// spaceStats: what a space holds and the state of its vector index (diagnostics).
Result<json> SpaceStats(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, space_id, Access::kRead));
  KS_ASSIGN_OR_RETURN(int64_t chunks, store::CountChunks(ctx.db(), space_id));
  KS_ASSIGN_OR_RETURN(auto deleted, store::DeletedChunkLabels(ctx.db(), space_id));
  KS_ASSIGN_OR_RETURN(auto processing, store::SourcesWithStatus(ctx.db(), space_id, "processing"));
  KS_ASSIGN_OR_RETURN(auto failed, store::SourcesWithStatus(ctx.db(), space_id, "failed"));
  KS_ASSIGN_OR_RETURN(SpaceModel model, ModelOfSpace(ctx, space));
  json index = nullptr;
  if (model.dim > 0) {
    KS_ASSIGN_OR_RETURN(SpaceVectors * sv, ctx.state.vectors.Get(ctx.db(), space_id, model.id, model.dim));
    KS_ASSIGN_OR_RETURN(int64_t log, store::IndexLogSize(ctx.db(), space_id, model.id));
    index = json{{"liveVectors", static_cast<int64_t>(sv->index->live_size())},
                 {"storedVectors", static_cast<int64_t>(sv->index->size())},
                 {"unlinkedVectors", static_cast<int64_t>(sv->index->unlinked())},
                 {"generation", sv->generation},
                 {"snapshotGeneration", sv->saved_generation},
                 {"logEntries", log},
                 {"memoryBytes", static_cast<int64_t>(sv->index->MemoryBytes())}};
  }
  return json{{"spaceId", space_id},
              {"documentCount", space.document_count},
              {"totalSizeBytes", space.total_size_bytes},
              {"chunks", chunks},
              {"liveChunks", chunks - static_cast<int64_t>(deleted.size())},
              {"processingSources", static_cast<int64_t>(processing.size())},
              {"failedSources", static_cast<int64_t>(failed.size())},
              {"embeddingModel", model.id},
              {"dimensions", model.dim},
              {"modelAvailable", model.available},
              {"index", index}};
}

// Saves vector-index snapshots whose change log holds more than `minLogEntries` entries, and the
// spaces' term statistics (derived state kept in memory; see vector_spaces.h, term_cache.h).
Result<json> SaveIndexes(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto min_log, a.Int("minLogEntries", 0, int64_t{1} << 40));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(ctx.state.vectors.Save(ctx.db(), min_log.value_or(0)));
  KS_RETURN_IF_ERROR(ctx.state.terms.Flush(ctx.db()));
  return json{{"saved", true}};
}

// indexStep: links vectors still waiting to join their index's graph, for about `budgetMs`
// (default 20) milliseconds; the worker calls it while idle. Returns how many stay unlinked.
Result<json> IndexStep(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto budget, a.Int("budgetMs", 1, 60000));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(size_t left, ctx.state.vectors.Link(ctx.db(), static_cast<double>(budget.value_or(20))));
  return json{{"unlinked", static_cast<int64_t>(left)}};
}

// Loads the index a search of `space` would use (with the space's current model); what warmIndex
// reports about it.
Result<json> WarmOne(Context& ctx, const store::SpaceRow& space) {
  KS_ASSIGN_OR_RETURN(SpaceModel model, ModelOfSpace(ctx, space));
  json out{{"spaceId", space.id}, {"embeddingModel", model.id}, {"alreadyLoaded", false}, {"vectors", 0}, {"loadMs", 0.0}};
  if (model.dim <= 0) return out;  // a page-side model whose dimensions this store does not know
  out["alreadyLoaded"] = ctx.state.vectors.Loaded(space.id, model.id) != nullptr;
  const int64_t t0 = MonotonicMicros();
  KS_ASSIGN_OR_RETURN(SpaceVectors * sv, ctx.state.vectors.Get(ctx.db(), space.id, model.id, model.dim));
  out["vectors"] = static_cast<int64_t>(sv->index->live_size());
  out["loadMs"] = static_cast<double>(MonotonicMicros() - t0) / 1000.0;
  return out;
}

// warmIndex: loads the vector index that a search of `spaceId` would load, ahead of that search
// (reading a 100k-chunk index takes 100-300 ms). Without spaceId: the indexes that searches
// answered from their snapshots without loading them (VectorSpaces::ScanSearch), else, while no
// index is in memory at all, that of the live space updated most recently among those with a
// saved, non-empty snapshot. The worker calls it so soon after the store opens and after
// searches, unless the store was opened with warmIndex: false. Returns the (first) space loaded
// (null when none qualifies), whether its index was in memory already, its vector count and the
// load time.
Result<json> WarmIndex(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::optional<std::string> given, a.Id("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  if (given) {
    KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, *given, Access::kRead));
    return WarmOne(ctx, space);
  }
  json first{{"spaceId", nullptr}};
  if (auto scanned = ctx.state.vectors.TakeScanned(); !scanned.empty()) {
    for (const auto& key : scanned) {
      Result<store::SpaceRow> space = RequireSpace(ctx, key.first, Access::kRead);
      if (!space.ok()) continue;  // purged since the search
      KS_ASSIGN_OR_RETURN(json one, WarmOne(ctx, *space));
      if (first["spaceId"].is_null()) first = std::move(one);
    }
    return first;
  }
  if (!ctx.state.vectors.AllLoaded().empty()) return first;
  KS_ASSIGN_OR_RETURN(std::optional<std::string> picked, store::MostRecentIndexedSpace(ctx.db()));
  if (!picked) return first;
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, *picked, Access::kRead));
  return WarmOne(ctx, space);
}

}  // namespace

void RegisterStoreMethods(MethodTable& t) {
  t["warmIndex"] = WarmIndex;
  t["indexStep"] = IndexStep;
  t["saveIndexes"] = SaveIndexes;
  t["spaceStats"] = SpaceStats;
  t["stats"] = Stats;
  t["digest"] = Digest;
  t["check"] = Check;
}

}  // namespace kspace::api
