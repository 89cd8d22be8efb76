// The JSON text of chat messages, written straight from rows (the hot path of chatHistory).
//
// In its own file so that the wasm build can compile it for speed while the rest of the API layer
// is compiled for size (CMakeLists.txt): at -Oz every character written went through uninlined
// std::string calls. It knows nothing of nlohmann/json (whose templates would cost module size
// at -O3): the JSON values it needs from elsewhere come in as text.
#pragma once

#include <string>
#include <string_view>

#include "store/chats.h"

namespace kspace::api {

// Appends `v` as a JSON string literal. Valid UTF-8 passes through (runs of plain bytes are copied
// at once); quotes, backslashes and control characters are escaped as json::dump escapes them.
// Other bytes pass as they are: stored text came in through JSON arguments, which the engine only
// accepts as valid UTF-8.
void AppendJsonString(std::string& out, std::string_view v);

// Appends one citation object as CitationsJson builds it (same keys, same sorted order): `score` is
// the JSON text of its score (formatted by the caller, as json::dump formats numbers).
void AppendCitationObject(const store::CitationView& c, std::string_view score, std::string& out);

// Appends the object MessageJson builds for `m` (same keys, same sorted order, same escapes).
// `citations` and `error` are JSON texts of those members, empty when the message has none. The
// stored metadata is valid JSON (a CHECK on the column), so it is copied as it is. Grows `out`
// geometrically: chatHistory appends a whole path to one string.
void AppendMessageObject(const store::MessageView& m, std::string_view citations, std::string_view error,
                         std::string& out);

}  // namespace kspace::api
