#include "api/convert.h"

namespace kspace::api {
namespace {

json Opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

json ParseStoredJson(const std::string& text, json fallback) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? fallback : j;
}

json SpaceToJson(const store::SpaceRow& r) {
  return json{
      {"id", r.id},
      {"title", r.title},
      {"description", r.description},
      {"icon", Opt(r.icon)},
      {"coverImage", Opt(r.cover_image)},
      {"keywords", ParseStoredJson(r.keywords, json::array())},
      {"ownerId", r.owner_id},
      {"createdAt", r.created_at},
      {"createdBy", r.created_by},
      {"lastUpdatedAt", r.last_updated_at},
      {"lastUpdatedBy", r.last_updated_by},
      {"documentCount", r.document_count},
      {"totalSizeBytes", r.total_size_bytes},
      {"storageQuotaBytes", r.storage_quota_bytes},
      {"accessLevel", r.access_level},
      {"guestAccessEnabled", r.guest_access_enabled},
      {"guestAccessExpiry", Opt(r.guest_access_expiry)},
      {"status", r.status},
      {"processingStatus", r.processing_status},
      {"deletedAt", Opt(r.deleted_at)},
      {"embeddingModel", r.embedding_model},
  };
}

json SourceToJson(const store::SourceRow& r) {
  return json{
      {"id", r.id},
      {"spaceId", r.space_id},
      {"ownerId", r.owner_id},
      {"title", r.title},
      {"mediaType", r.media_type},
      {"origin", r.origin},
      {"mimeType", Opt(r.mime_type)},
      {"path", Opt(r.path)},
      {"originalBlobHash", r.original_blob_hash},
      {"processedBlobHash", Opt(r.processed_blob_hash)},
      {"contentSummary", Opt(r.content_summary)},
      {"keywords", ParseStoredJson(r.keywords, json::array())},
      {"metadata", ParseStoredJson(r.metadata, json::object())},
      {"status", r.status},
      {"errorMessage", Opt(r.error_message)},
      {"numChunks", r.num_chunks},
      {"totalSizeBytes", r.total_size_bytes},
      {"createdAt", r.created_at},
      {"updatedAt", r.updated_at},
      {"deletedAt", Opt(r.deleted_at)},
  };
}

json ChunkToJson(const store::ChunkRow& r) {
  return json{
      {"id", r.id},
      {"spaceId", r.space_id},
      {"contentSourceId", r.content_source_id},
      {"chunkIndex", r.chunk_index},
      {"chunkType", r.chunk_type},
      {"text", std::string(r.body())},
      {"headingPath", ParseStoredJson(r.heading_path, json::array())},
      {"tokenCount", r.token_count},
      {"charStart", r.char_start},
      {"charEnd", r.char_end},
      {"createdAt", r.created_at},
  };
}

}  // namespace kspace::api
