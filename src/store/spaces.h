// Rows of the `spaces` table (seed 000 SPACES): a knowledge space and its usage counters.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/db.h"

namespace kspace::store {

struct SpaceRow {
  std::string id;
  std::string title;
  std::string description;
  std::optional<std::string> icon;
  std::optional<std::string> cover_image;
  std::string keywords = "[]";  // JSON array of strings
  std::string owner_id;
  std::string created_at;
  std::string created_by;
  std::string last_updated_at;
  std::string last_updated_by;
  int64_t document_count = 0;    // live (not deleted) sources
  int64_t total_size_bytes = 0;  // sum of live sources' original sizes
  int64_t storage_quota_bytes = int64_t{1} << 30;
  std::string access_level = "private";
  bool guest_access_enabled = false;
  std::optional<std::string> guest_access_expiry;
  std::string status = "active";
  std::string processing_status = "idle";
  std::optional<std::string> deleted_at;
  // The embedding model whose vectors the space's vector search uses (schema v2).
  std::string embedding_model = "kspace-builtin-v1";
};

Status InsertSpace(Database& db, const SpaceRow& row);
// The space with `id`, deleted or not; nullopt when there is none.
Result<std::optional<SpaceRow>> FindSpace(Database& db, const std::string& id);
// Spaces in creation order; soft-deleted ones only when `include_deleted`.
Result<std::vector<SpaceRow>> ListSpaces(Database& db, bool include_deleted);
// Writes every column of `row` (matched by id).
Status UpdateSpace(Database& db, const SpaceRow& row);
// Adds to the usage counters in place (inside the caller's transaction).
Status AdjustSpaceUsage(Database& db, const std::string& id, int64_t delta_documents, int64_t delta_bytes,
                        const std::string& now, const std::string& by);
// Hard-deletes the space row (its dependants must be gone).
Status DeleteSpaceRow(Database& db, const std::string& id);
Result<int64_t> CountSpaces(Database& db, bool include_deleted);

}  // namespace kspace::store
