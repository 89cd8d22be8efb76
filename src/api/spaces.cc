// Spaces: createSpace, getSpace, listSpaces, updateSpace, deleteSpace, restoreSpace, purgeSpace.
#include "api/common.h"
#include "api/convert.h"
#include "store/chats.h"
#include "store/blobs.h"
#include "store/chunks.h"
#include "store/terms.h"
#include "store/sources.h"
#include "store/spaces.h"
#include "util/clock.h"
#include "util/uuid.h"

namespace kspace::api {
namespace {

constexpr int64_t kMaxQuota = int64_t{1} << 50;  // 1 PiB: beyond any browser's storage

// Reads the editable fields of a space from `a` into `row`. Used by create and update, so both
// validate identically.
Status ApplySpaceFields(Args& a, store::SpaceRow& row, bool creating) {
  if (creating) {
    KS_ASSIGN_OR_RETURN(row.title, a.RequiredString("title", kTitleRule));
  } else {
    KS_ASSIGN_OR_RETURN(auto title, a.String("title", kTitleRule));
    if (title) row.title = *title;
  }
  KS_ASSIGN_OR_RETURN(auto description, a.String("description", kTextRule));
  if (description) row.description = *description;
  KS_ASSIGN_OR_RETURN(auto icon, a.NullableString("icon", kUrlRule));
  if (icon.present) row.icon = icon.null ? std::nullopt : std::optional<std::string>(icon.value);
  KS_ASSIGN_OR_RETURN(auto cover, a.NullableString("coverImage", kUrlRule));
  if (cover.present) row.cover_image = cover.null ? std::nullopt : std::optional<std::string>(cover.value);
  KS_ASSIGN_OR_RETURN(auto keywords, a.StringList("keywords", 256, kShortRule));
  if (keywords) row.keywords = json(*keywords).dump();
  KS_ASSIGN_OR_RETURN(auto quota, a.Int("storageQuotaBytes", 0, kMaxQuota));
  if (quota) {
    if (*quota < row.total_size_bytes) {
      return Status(Code::kQuotaExceeded,
                    "storageQuotaBytes " + std::to_string(*quota) + " is below the space's current usage of " +
                        std::to_string(row.total_size_bytes) + " bytes",
                    "storageQuotaBytes");
    }
    row.storage_quota_bytes = *quota;
  }
  KS_ASSIGN_OR_RETURN(auto access, a.Enum("accessLevel", {"private", "shared", "public"}));
  if (access) row.access_level = *access;
  KS_ASSIGN_OR_RETURN(auto guest, a.Bool("guestAccessEnabled"));
  if (guest) row.guest_access_enabled = *guest;
  KS_ASSIGN_OR_RETURN(auto expiry, a.NullableTimestamp("guestAccessExpiry"));
  if (expiry.present) row.guest_access_expiry = expiry.null ? std::nullopt : std::optional<std::string>(expiry.value);
  KS_ASSIGN_OR_RETURN(auto status, a.Enum("status", {"active", "archived"}));
  if (status) row.status = *status;
  return Status::Ok();
}

Result<json> CreateSpace(Context& ctx, Args& a) {
  const std::string now = NowTimestamp();
  store::SpaceRow row;
  KS_RETURN_IF_ERROR(ApplySpaceFields(a, row, /*creating=*/true));
  KS_RETURN_IF_ERROR(a.Finish());
  row.id = NewUuid();
  // A new space embeds with the store's embedder: the page-side one if the store was opened with
  // one, else the built-in model.
  if (ctx.state.external) row.embedding_model = ctx.state.external->id;
  row.owner_id = row.created_by = row.last_updated_by = ctx.profile_id();
  row.created_at = row.last_updated_at = now;
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(store::InsertSpace(ctx.db(), row));
  KS_RETURN_IF_ERROR(tx.Commit());
  return SpaceToJson(row);
}

Result<json> GetSpace(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SpaceRow row, RequireSpace(ctx, id, Access::kRead));
  return SpaceToJson(row);
}

Result<json> ListSpaces(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto include_deleted, a.Bool("includeDeleted"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(auto rows, store::ListSpaces(ctx.db(), include_deleted.value_or(false)));
  json out = json::array();
  for (const auto& r : rows) out.push_back(SpaceToJson(r));
  return out;
}

Result<json> UpdateSpace(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(store::SpaceRow row, RequireSpace(ctx, id, Access::kWrite));
  KS_RETURN_IF_ERROR(ApplySpaceFields(a, row, /*creating=*/false));
  KS_RETURN_IF_ERROR(a.Finish());
  row.last_updated_at = NowTimestamp();
  row.last_updated_by = ctx.profile_id();
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(store::UpdateSpace(ctx.db(), row));
  KS_RETURN_IF_ERROR(tx.Commit());
  return SpaceToJson(row);
}

Result<json> SetSpaceDeleted(Context& ctx, Args& a, bool deleted) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SpaceRow row, RequireSpace(ctx, id, Access::kRead));
  if (row.deleted_at.has_value() == deleted) return SpaceToJson(row);  // already so: idempotent
  const std::string now = NowTimestamp();
  row.deleted_at = deleted ? std::optional<std::string>(now) : std::nullopt;
  row.last_updated_at = now;
  row.last_updated_by = ctx.profile_id();
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(store::UpdateSpace(ctx.db(), row));
  KS_RETURN_IF_ERROR(tx.Commit());
  return SpaceToJson(row);
}

Result<json> DeleteSpace(Context& ctx, Args& a) { return SetSpaceDeleted(ctx, a, true); }
Result<json> RestoreSpace(Context& ctx, Args& a) { return SetSpaceDeleted(ctx, a, false); }

Result<json> PurgeSpace(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("spaceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SpaceRow row, RequireSpace(ctx, id, Access::kRead));
  if (!row.deleted_at) {
    return FailedPrecondition("space " + id + " is not deleted; delete it before purging", "spaceId");
  }
  int64_t sources = 0, freed = 0;
  std::vector<int64_t> memory_labels;
  {
    KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
    std::vector<std::string> chat_blobs;
    KS_RETURN_IF_ERROR(store::PurgeSpaceChats(ctx.db(), id, chat_blobs, memory_labels));
    KS_RETURN_IF_ERROR(store::DeleteSpaceChunks(ctx.db(), id));
    KS_RETURN_IF_ERROR(store::DeleteSpaceLinks(ctx.db(), id));
    KS_RETURN_IF_ERROR(store::DeleteSpaceTermStats(ctx.db(), id));
    KS_ASSIGN_OR_RETURN(std::vector<std::string> hashes, store::DeleteSourceRows(ctx.db(), id, std::nullopt));
    sources = static_cast<int64_t>(hashes.size());
    hashes.insert(hashes.end(), chat_blobs.begin(), chat_blobs.end());
    KS_ASSIGN_OR_RETURN(freed, store::DeleteBlobsIfUnreferenced(ctx.db(), hashes));
    KS_RETURN_IF_ERROR(store::DeleteSpaceRow(ctx.db(), id));
    KS_RETURN_IF_ERROR(tx.Commit());
  }
  ctx.state.vectors.Drop(id);
  ctx.state.terms.Drop(id);
  for (int64_t label : memory_labels) ctx.state.memories.Remove(label);
  KS_RETURN_IF_ERROR(ctx.state.store->ReclaimSpace());
  return json{{"spaceId", id}, {"freedBytes", freed}, {"purged", true}, {"blobHashesChecked", sources}};
}

}  // namespace

void RegisterSpaceMethods(MethodTable& t) {
  t["createSpace"] = CreateSpace;
  t["getSpace"] = GetSpace;
  t["listSpaces"] = ListSpaces;
  t["updateSpace"] = UpdateSpace;
  t["deleteSpace"] = DeleteSpace;
  t["restoreSpace"] = RestoreSpace;
  t["purgeSpace"] = PurgeSpace;
}

}  // namespace kspace::api
