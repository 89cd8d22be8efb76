// UUIDs: every kspace id.
//
// New ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds then random bits, so ids created
// later sort later and B-tree inserts stay local. Stored and returned in the canonical lower-case
// 8-4-4-4-12 form.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace kspace {

std::string NewUuid();

// True for the canonical textual form (hex digits of either case, hyphens at 8, 13, 18, 23).
bool IsUuid(std::string_view s);

// Validates an id argument and returns it lower-cased. INVALID_ARGUMENT naming `field` otherwise.
Result<std::string> ParseUuid(std::string_view s, std::string_view field);

}  // namespace kspace
