// Store-wide methods: stats, digest, check.
#include "api/common.h"
#include "store/blobs.h"
#include "store/schema.h"
#include "store/sources.h"
#include "store/spaces.h"

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
  return json{
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

// Saves vector-index snapshots whose change log holds more than `minLogEntries` entries.
Result<json> SaveIndexes(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto min_log, a.Int("minLogEntries", 0, int64_t{1} << 40));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(ctx.state.vectors.Save(ctx.db(), min_log.value_or(0)));
  return json{{"saved", true}};
}

}  // namespace

void RegisterStoreMethods(MethodTable& t) {
  t["saveIndexes"] = SaveIndexes;
  t["stats"] = Stats;
  t["digest"] = Digest;
  t["check"] = Check;
}

}  // namespace kspace::api
