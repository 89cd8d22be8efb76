#include "api/source_input.h"

#include <set>

#include "api/common.h"
#include "store/blobs.h"
#include "util/clock.h"
#include "util/sha256.h"
#include "util/uuid.h"

namespace kspace::api {
namespace {

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

}  // namespace

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

Status CheckContent(Context& ctx, NewSource& s, const std::string& field_prefix) {
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

Result<std::vector<NewSource>> ReadSourceBatch(Context& ctx, Args& a) {
  const json* items = a.Raw("sources");
  if (!items || !items->is_array()) return InvalidArgument("sources must be an array", "sources");
  if (items->empty()) return InvalidArgument("sources is empty", "sources");
  if (items->size() > 100000) return InvalidArgument("at most 100000 sources per call", "sources");
  std::vector<NewSource> batch(items->size());
  size_t offset = 0;
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
    KS_RETURN_IF_ERROR(CheckContent(ctx, s, prefix));
  }
  if (offset != ctx.input.size()) return InvalidArgument("the sizes add up to less than the bytes given", "sources");
  return batch;
}

Result<std::vector<Staged>> StageSources(Context& ctx, const store::SpaceRow& space, std::vector<NewSource>& batch,
                                         bool skip_duplicates, const char* quota_field) {
  std::vector<Staged> out(batch.size());
  std::vector<bool> fresh(batch.size(), true);
  std::map<std::string, size_t> first_of_hash;  // within this batch
  int64_t added_bytes = 0;
  int64_t added_count = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    NewSource& s = batch[i];
    s.row.original_blob_hash = Sha256Hex(s.bytes);
    if (skip_duplicates) {
      KS_ASSIGN_OR_RETURN(auto existing, store::FindLiveSourceByHash(ctx.db(), space.id, s.row.original_blob_hash));
      if (existing) {
        out[i] = Staged{std::move(*existing), true};
        fresh[i] = false;
        continue;
      }
      auto [it, inserted] = first_of_hash.emplace(s.row.original_blob_hash, i);
      if (!inserted) {
        fresh[i] = false;  // filled in after the first one is written
        continue;
      }
    }
    added_bytes += s.row.total_size_bytes;
    ++added_count;
  }
  KS_RETURN_IF_ERROR(CheckQuota(space, added_bytes, quota_field));
  const std::string now = NowTimestamp();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!fresh[i]) continue;
    NewSource& s = batch[i];
    store::SourceRow& row = s.row;
    row.id = NewUuid();
    row.space_id = space.id;
    row.owner_id = ctx.profile_id();
    row.created_at = row.updated_at = now;
    row.status = "processing";
    KS_RETURN_IF_ERROR(store::PutBlob(ctx.db(), row.original_blob_hash, s.bytes, now).status());
    KS_RETURN_IF_ERROR(store::InsertSource(ctx.db(), row));
    out[i] = Staged{row, false};
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (fresh[i] || !out[i].row.id.empty()) continue;
    out[i] = Staged{out[first_of_hash[batch[i].row.original_blob_hash]].row, true};
  }
  if (added_count > 0) {
    KS_RETURN_IF_ERROR(store::AdjustSpaceUsage(ctx.db(), space.id, added_count, added_bytes, now, ctx.profile_id()));
  }
  return out;
}

}  // namespace kspace::api
