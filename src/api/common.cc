#include "api/common.h"

namespace kspace::api {

Result<store::SpaceRow> RequireSpace(Context& ctx, const std::string& id, Access access, const char* field) {
  KS_ASSIGN_OR_RETURN(std::optional<store::SpaceRow> space, store::FindSpace(ctx.db(), id));
  if (!space) return NotFound("no space with id " + id, field);
  if (access == Access::kWrite && space->deleted_at) {
    return FailedPrecondition("space " + id + " is deleted; restore it first", field);
  }
  return std::move(*space);
}

Result<store::SourceRow> RequireSource(Context& ctx, const std::string& id, Access access, const char* field) {
  KS_ASSIGN_OR_RETURN(std::optional<store::SourceRow> source, store::FindSource(ctx.db(), id));
  if (!source) return NotFound("no source with id " + id, field);
  if (access == Access::kWrite) {
    KS_RETURN_IF_ERROR(RequireSpace(ctx, source->space_id, Access::kWrite, field).status());
  }
  return std::move(*source);
}

Status CheckQuota(const store::SpaceRow& space, int64_t extra_bytes, const char* field) {
  if (space.total_size_bytes + extra_bytes > space.storage_quota_bytes) {
    return Status(Code::kQuotaExceeded,
                  "space \"" + space.title + "\" would exceed its storage quota (" +
                      std::to_string(space.total_size_bytes) + " + " + std::to_string(extra_bytes) +
                      " > " + std::to_string(space.storage_quota_bytes) + " bytes)",
                  field);
  }
  return Status::Ok();
}

}  // namespace kspace::api
