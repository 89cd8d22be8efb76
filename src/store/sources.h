// Rows of the `content_sources` table (seed 000 CONTENT_SOURCES): one document, note, page or file
// in a space, pointing at its original and processed bytes in the blob registry.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/db.h"

namespace kspace::store {

struct SourceRow {
  std::string id;
  std::string space_id;
  std::string owner_id;
  std::string title;
  std::string media_type;  // document | text | web | image | audio | video
  std::string origin;      // upload | paste | web | vault | import | gdrive | onedrive | notion
  std::optional<std::string> mime_type;
  std::optional<std::string> path;
  std::string original_blob_hash;
  std::optional<std::string> processed_blob_hash;
  std::optional<std::string> content_summary;
  std::string keywords = "[]";  // JSON array
  std::string metadata = "{}";  // JSON object
  std::string status = "processing";  // processing | processed | failed
  std::optional<std::string> error_message;
  int64_t num_chunks = 0;
  int64_t total_size_bytes = 0;  // size of the original bytes
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> deleted_at;
};

struct SourceQuery {
  std::string space_id;
  bool include_deleted = false;
  std::optional<std::string> status;
  int64_t after_rowid = 0;  // keyset pagination: only rows after this one
  int64_t limit = 1000;
};

Status InsertSource(Database& db, const SourceRow& row);
Result<std::optional<SourceRow>> FindSource(Database& db, const std::string& id);
// Matching sources in insertion order, with their rowids (for pagination cursors).
Result<std::vector<std::pair<int64_t, SourceRow>>> ListSources(Database& db, const SourceQuery& q);
Result<int64_t> SourceRowid(Database& db, const std::string& id);
Status UpdateSource(Database& db, const SourceRow& row);
// A live source in `space_id` whose original bytes hash to `hash`, if any.
Result<std::optional<SourceRow>> FindLiveSourceByHash(Database& db, const std::string& space_id,
                                                      const std::string& hash);
// Hard-deletes sources; returns the blob hashes they referenced (to garbage-collect).
Result<std::vector<std::string>> DeleteSourceRows(Database& db, const std::string& space_id,
                                                  const std::optional<std::string>& source_id);
Result<int64_t> CountSources(Database& db, bool include_deleted);
// (id, space_id) of sources with an unfinished `status` ("processing" or "failed"; "processed" is
// INVALID_ARGUMENT), in one space or all, oldest first. An index lookup from schema v5 on.
Result<std::vector<std::pair<std::string, std::string>>> SourcesWithStatus(Database& db,
                                                                           const std::optional<std::string>& space_id,
                                                                           const std::string& status);

}  // namespace kspace::store
