// Reading new sources from API arguments and staging them (blobs + rows, status "processing").
// Shared by addSource/addSources (sources.cc) and ingestStage (ingest.cc).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "api/context.h"
#include "store/sources.h"
#include "store/spaces.h"

namespace kspace::api {

// One source to add, validated but not yet written.
struct NewSource {
  store::SourceRow row;
  std::span<const uint8_t> bytes;
  bool given_as_text = false;
  const char* content_field = "text";
};

// Reads a source's fields (title, mediaType, origin, mimeType, path, keywords, metadata).
Status ReadSourceFields(Args& a, NewSource& s);
// Checks the content's size (empty: INVALID_ARGUMENT; over maxSourceBytes: TOO_LARGE, naming
// `field_prefix` + "text"/"bytes") and fills in what follows from it.
Status CheckContent(Context& ctx, NewSource& s, const std::string& field_prefix);
// The batch form: `sources` = [{ ...fields, content: "text"|"bytes", size }], with every source's
// bytes back to back in the call's binary input.
Result<std::vector<NewSource>> ReadSourceBatch(Context& ctx, Args& a);

struct Staged {
  store::SourceRow row;
  bool duplicate = false;  // an existing source with the same bytes was returned instead
};
// Writes the batch into `space` (inside the caller's transaction): blobs, rows with status
// "processing", and the space's counters. With `skip_duplicates`, a source whose bytes a live
// source of the space already has (or an earlier one of the batch) is not added; that source is
// returned instead. QUOTA_EXCEEDED (field `quota_field`) before anything is written when the new
// bytes do not fit.
Result<std::vector<Staged>> StageSources(Context& ctx, const store::SpaceRow& space, std::vector<NewSource>& batch,
                                         bool skip_duplicates, const char* quota_field);

}  // namespace kspace::api
