// Wall-clock time and its ISO 8601 form.
//
// kspace stores every timestamp as an ISO 8601 UTC string with millisecond precision
// ("2026-11-22T03:40:00.123Z"): it sorts lexicographically, reads well in SQL and JSON, and is what
// the JS API returns. Milliseconds since the Unix epoch are used for arithmetic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace kspace {

// Milliseconds since 1970-01-01T00:00:00Z (CLOCK_REALTIME; Date.now() under WebAssembly).
int64_t NowMillis();
// A monotonic clock in microseconds, for measuring durations only.
int64_t MonotonicMicros();

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for ms since the epoch (years 0000-9999).
std::string FormatTimestamp(int64_t ms);
// The current time, formatted.
inline std::string NowTimestamp() { return FormatTimestamp(NowMillis()); }

// Parses ISO 8601 / RFC 3339 date-times: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by
// "Z" or "+HH:MM"/"-HH:MM" (no zone means UTC). Returns ms since the epoch, or INVALID_ARGUMENT.
Result<int64_t> ParseTimestamp(std::string_view s);

}  // namespace kspace
