// UTF-8 primitives shared by the text subsystem: decoding with the Unicode "maximal subpart"
// replacement rule, validation, encoding, and UTF-8 -> UTF-16 offset conversion.
//
// Why UTF-16 offsets: chunk offsets are handed to JavaScript, whose strings index UTF-16 code
// units. Every text the engine stores is valid UTF-8 (Normalize guarantees it), so the
// conversion is a count: each lead byte is one code unit, and a 4-byte sequence is two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kspace::text {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// One decoded code point: `cp` and the number of bytes it used (1..4). For an ill-formed sequence
// `valid` is false, `cp` is U+FFFD and `len` is the length of the maximal subpart (the longest
// prefix of a well-formed sequence, at least 1), so that a decoder loop emits one U+FFFD per
// maximal subpart as Unicode (chapter 3, "U+FFFD substitution of maximal subparts") and the WHATWG
// Encoding standard recommend. Overlong forms, surrogates (U+D800..U+DFFF) and values above
// U+10FFFF are ill-formed. `pos` must be < s.size().
struct Decoded {
  char32_t cp;
  uint8_t len;
  bool valid;
};
Decoded DecodeUtf8(std::string_view s, size_t pos);

// True when `s` is entirely well-formed UTF-8 (no overlongs, surrogates or values > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Appends the UTF-8 encoding of `cp` (U+FFFD for surrogates and values above U+10FFFF).
void AppendUtf8(std::string* out, char32_t cp);

// Number of UTF-16 code units of valid UTF-8 `s` (for ill-formed input: of its lead bytes).
size_t Utf16Length(std::string_view s);

// The UTF-16 code-unit offset of byte offset `byte_offset` (clamped to s.size()) in valid UTF-8
// `s`. O(byte_offset); use Utf16Offsets for many offsets.
uint32_t Utf8ToUtf16Offset(std::string_view s, size_t byte_offset);

// Converts many byte offsets at once in one pass over `s`: `byte_offsets` may be in any order and
// may repeat; the result is parallel to it. Offsets past the end are clamped. O(|s| + n log n).
std::vector<uint32_t> Utf16Offsets(std::string_view s, const std::vector<uint32_t>& byte_offsets);

// True when byte `c` starts a code point (is not a 10xxxxxx continuation byte).
inline bool IsUtf8Lead(unsigned char c) { return (c & 0xC0) != 0x80; }

// The largest offset <= `pos` that is on a code-point boundary of `s` (pos clamped to size).
size_t FloorCharBoundary(std::string_view s, size_t pos);

}  // namespace kspace::text
