// Search as a function for other handlers (chat retrieval): the same code path as the public
// `search` method, so chat answers rank passages exactly as search does.
#pragma once

#include "api/context.h"

namespace kspace::api {

// Runs `search` with these arguments (the public method's JSON shape: spaceId, query, k, mode,
// includeText, filter, ...). Returns the hits array. The call's binary input (a query vector) is
// not used: ctx.input must be empty or hold the query vector for the space's model.
Result<json> SearchChunks(Context& ctx, const json& args);

}  // namespace kspace::api
