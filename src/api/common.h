// Lookups and checks shared by the API handlers.
#pragma once

#include <string>

#include "api/context.h"
#include "store/sources.h"
#include "store/spaces.h"

namespace kspace::api {

enum class Access { kRead, kWrite };

// The space `id`. NOT_FOUND when it does not exist; FAILED_PRECONDITION for a write to a space
// that is soft-deleted (restore it first). `field` names the argument that carried the id.
Result<store::SpaceRow> RequireSpace(Context& ctx, const std::string& id, Access access,
                                     const char* field = "spaceId");
// The source `id` (NOT_FOUND when absent), and, for writes, checks its space is writable.
Result<store::SourceRow> RequireSource(Context& ctx, const std::string& id, Access access,
                                       const char* field = "sourceId");
// QUOTA_EXCEEDED (naming `field`) when adding `extra_bytes` would take `space` over its quota.
Status CheckQuota(const store::SpaceRow& space, int64_t extra_bytes, const char* field);

}  // namespace kspace::api
