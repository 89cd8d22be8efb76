// Sources: addSource, getSource, listSources, getSourceContent, deleteSource, restoreSource,
// purgeSource.
#include "api/common.h"
#include "api/convert.h"
#include "store/blobs.h"
#include "store/sources.h"
#include "store/spaces.h"
#include "text/normalize.h"
#include "util/clock.h"
#include "util/sha256.h"
#include "util/uuid.h"

namespace kspace::api {
namespace {

bool IsTextual(const std::string& media_type, const std::optional<std::string>& mime, bool given_as_text) {
  if (given_as_text) return true;
  if (mime) return mime->rfind("text/", 0) == 0 || *mime == "application/json" ||
                   *mime == "application/xhtml+xml" || *mime == "application/xml";
  return media_type == "text" || media_type == "document" || media_type == "web";
}

// A MIME type is "type/subtype" in the token characters of RFC 6838 (parameters allowed).
bool LooksLikeMime(const std::string& m) {
  size_t slash = m.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= m.size()) return false;
  for (size_t i = 0; i < m.size(); ++i) {
    char c = m[i];
    if (c == ';') return i > slash + 1;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '-' || c == '+' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// One source to add, validated but not yet written.
struct NewSource {
  store::SourceRow row;
  std::span<const uint8_t> bytes;
  bool given_as_text = false;
  const char* content_field = "text";
};

// Reads a source's fields (everything but spaceId and the content itself) from `a`.
Status ReadSourceFields(Args& a, NewSource& s) {
  store::SourceRow& row = s.row;
  KS_ASSIGN_OR_RETURN(row.title, a.RequiredString("title", kTitleRule));
  KS_ASSIGN_OR_RETURN(row.media_type,
                      a.RequiredEnum("mediaType", {"document", "text", "web", "image", "audio", "video"}));
  KS_ASSIGN_OR_RETURN(row.origin, a.RequiredEnum("origin", {"upload", "paste", "web", "vault", "import",
                                                             "gdrive", "onedrive", "notion"}));
  KS_ASSIGN_OR_RETURN(row.mime_type, a.String("mimeType", kShortRule));
  if (row.mime_type && !LooksLikeMime(*row.mime_type)) {
    return InvalidArgument(a.FieldName("mimeType") + " must look like type/subtype", a.FieldName("mimeType"));
  }
  KS_ASSIGN_OR_RETURN(row.path, a.String("path", StringRule{4096, false, true, true}));
  KS_ASSIGN_OR_RETURN(auto keywords, a.StringList("keywords", 256, kShortRule));
  if (keywords) row.keywords = json(*keywords).dump();
  KS_ASSIGN_OR_RETURN(auto metadata, a.Object("metadata", 256 * 1024));
  if (metadata) row.metadata = metadata->dump();
  return Status::Ok();
}

// Checks a source's content size; fills in what follows from the bytes.
Status PrepareContent(Context& ctx, NewSource& s, const std::string& field_prefix) {
  std::string field = field_prefix + s.content_field;
  if (s.bytes.empty()) return InvalidArgument(field + ": the source's content is empty", field);
  const auto size = static_cast<int64_t>(s.bytes.size());
  if (size > ctx.state.config.max_source_bytes) {
    return Status(Code::kTooLarge,
                  "source is " + std::to_string(size) + " bytes; the limit is " +
                      std::to_string(ctx.state.config.max_source_bytes),
                  field);
  }
  if (!s.row.mime_type && s.given_as_text) s.row.mime_type = "text/markdown";
  s.row.total_size_bytes = size;
  return Status::Ok();
}

// Writes one prepared source into `space_id` (inside the caller's transaction).
Status WriteSource(Context& ctx, NewSource& s, const std::string& space_id, const std::string& now) {
  store::SourceRow& row = s.row;
  row.id = NewUuid();
  row.space_id = space_id;
  row.owner_id = ctx.profile_id();
  row.original_blob_hash = Sha256Hex(s.bytes);
  row.created_at = row.updated_at = now;
  row.status = "processed";
  KS_RETURN_IF_ERROR(store::PutBlob(ctx.db(), row.original_blob_hash, s.bytes, now).status());
  if (IsTextual(row.media_type, row.mime_type, s.given_as_text)) {
    std::string processed =
        text::Normalize(std::string_view(reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size()));
    row.processed_blob_hash = Sha256Hex(processed);
    if (*row.processed_blob_hash != row.original_blob_hash) {
      auto p = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(processed.data()), processed.size());
      KS_RETURN_IF_ERROR(store::PutBlob(ctx.db(), *row.processed_blob_hash, p, now).status());
    }
  }
  return store::InsertSource(ctx.db(), row);
}

Result<json> AddSource(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  NewSource s;
  KS_RETURN_IF_ERROR(ReadSourceFields(a, s));
  // Content: `text` in the arguments, or the call's binary input (`content` says whether those
  // bytes are text the caller encoded as UTF-8, or a file's raw bytes).
  KS_ASSIGN_OR_RETURN(auto text, a.String("text", StringRule{SIZE_MAX, true, false, false}));
  KS_ASSIGN_OR_RETURN(auto content, a.Enum("content", {"text", "bytes"}));
  KS_RETURN_IF_ERROR(a.Finish());
  const bool has_input = !ctx.input.empty() || content.has_value();
  if (text && has_input) return InvalidArgument("give either text or bytes, not both", "text");
  if (!text && !has_input) return InvalidArgument("a source needs text or bytes", "text");
  s.given_as_text = text.has_value() || content == "text";
  s.content_field = s.given_as_text ? "text" : "bytes";
  s.bytes = text ? std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text->data()), text->size()) : ctx.input;
  KS_RETURN_IF_ERROR(PrepareContent(ctx, s, ""));
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, space_id, Access::kWrite));
  KS_RETURN_IF_ERROR(CheckQuota(space, s.row.total_size_bytes, s.content_field));

  const std::string now = NowTimestamp();
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(WriteSource(ctx, s, space_id, now));
  KS_RETURN_IF_ERROR(store::AdjustSpaceUsage(ctx.db(), space_id, 1, s.row.total_size_bytes, now, ctx.profile_id()));
  KS_RETURN_IF_ERROR(tx.Commit());
  return SourceToJson(s.row);
}

// addSources: many sources in one transaction (all or none). The binary input is every source's
// content back to back; each item gives its `size` and whether it is `text` or `bytes`.
Result<json> AddSources(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  const json* items = a.Raw("sources");
  KS_RETURN_IF_ERROR(a.Finish());
  if (!items || !items->is_array()) return InvalidArgument("sources must be an array", "sources");
  if (items->empty()) return InvalidArgument("sources is empty", "sources");
  if (items->size() > 100000) return InvalidArgument("at most 100000 sources per call", "sources");
  std::vector<NewSource> batch(items->size());
  size_t offset = 0;
  int64_t total = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string prefix = "sources[" + std::to_string(i) + "].";
    KS_ASSIGN_OR_RETURN(Args item, Args::Of((*items)[i], prefix));
    NewSource& s = batch[i];
    KS_RETURN_IF_ERROR(ReadSourceFields(item, s));
    KS_ASSIGN_OR_RETURN(std::string content, item.RequiredEnum("content", {"text", "bytes"}));
    KS_ASSIGN_OR_RETURN(auto size, item.Int("size", 0, int64_t{1} << 40));
    KS_RETURN_IF_ERROR(item.Finish());
    if (!size) return InvalidArgument(prefix + "size is required", prefix + "size");
    if (offset + static_cast<size_t>(*size) > ctx.input.size()) {
      return InvalidArgument("the sizes add up to more than the bytes given", prefix + "size");
    }
    s.given_as_text = content == "text";
    s.content_field = s.given_as_text ? "text" : "bytes";
    s.bytes = ctx.input.subspan(offset, static_cast<size_t>(*size));
    offset += static_cast<size_t>(*size);
    KS_RETURN_IF_ERROR(PrepareContent(ctx, s, prefix));
    total += s.row.total_size_bytes;
  }
  if (offset != ctx.input.size()) return InvalidArgument("the sizes add up to less than the bytes given", "sources");
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, space_id, Access::kWrite));
  KS_RETURN_IF_ERROR(CheckQuota(space, total, "sources"));

  const std::string now = NowTimestamp();
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  json out = json::array();
  for (NewSource& s : batch) {
    KS_RETURN_IF_ERROR(WriteSource(ctx, s, space_id, now));
    out.push_back(SourceToJson(s.row));
  }
  KS_RETURN_IF_ERROR(store::AdjustSpaceUsage(ctx.db(), space_id, static_cast<int64_t>(batch.size()), total, now,
                                             ctx.profile_id()));
  KS_RETURN_IF_ERROR(tx.Commit());
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
  const std::string now = NowTimestamp();
  if (!deleted) {
    KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, row.space_id, Access::kWrite, "sourceId"));
    KS_RETURN_IF_ERROR(CheckQuota(space, row.total_size_bytes, "sourceId"));
  }
  row.deleted_at = deleted ? std::optional<std::string>(now) : std::nullopt;
  row.updated_at = now;
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(store::UpdateSource(ctx.db(), row));
  KS_RETURN_IF_ERROR(store::AdjustSpaceUsage(ctx.db(), row.space_id, deleted ? -1 : 1,
                                             deleted ? -row.total_size_bytes : row.total_size_bytes, now,
                                             ctx.profile_id()));
  KS_RETURN_IF_ERROR(tx.Commit());
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
