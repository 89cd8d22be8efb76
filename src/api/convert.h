// Rows to the JSON objects the API returns (camelCase; ISO 8601 times; null for unset values).
#pragma once

#include "api/args.h"
#include "store/chunks.h"
#include "store/sources.h"
#include "store/spaces.h"

namespace kspace::api {

json SpaceToJson(const store::SpaceRow& row);
json SourceToJson(const store::SourceRow& row);
json ChunkToJson(const store::ChunkRow& row);
// Parses JSON text written by kspace itself (falls back to `fallback` if it is somehow invalid).
json ParseStoredJson(const std::string& text, json fallback);

}  // namespace kspace::api
