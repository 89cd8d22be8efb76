#include "text/utf8.h"

#include <algorithm>
#include <numeric>

namespace kspace::text {

Decoded DecodeUtf8(std::string_view s, size_t pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  const unsigned char b0 = p[pos];
  if (b0 < 0x80) return {b0, 1, true};
  // Table 3-7 of the Unicode standard: the allowed range of the second byte depends on the first.
  int need;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;       // no overlongs
    else if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;       // no overlongs
    else if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {kReplacementChar, 1, false};  // stray continuation, C0/C1 overlong lead, F5..FF
  }
  size_t i = pos + 1;
  for (int k = 0; k < need; ++k, ++i) {
    if (i >= n) return {kReplacementChar, static_cast<uint8_t>(i - pos), false};
    const unsigned char b = p[i];
    if (b < lo || b > hi) return {kReplacementChar, static_cast<uint8_t>(i - pos), false};
    lo = 0x80;
    hi = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, static_cast<uint8_t>(need + 1), true};
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      __builtin_memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const Decoded d = DecodeUtf8(s, i);
    if (!d.valid) return false;
    i += d.len;
  }
  return true;
}

void AppendUtf8(std::string* out, char32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = kReplacementChar;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {
// UTF-16 units contributed by one byte of valid UTF-8: lead bytes count 1, 4-byte leads 2.
inline uint32_t Units(unsigned char c) {
  return static_cast<uint32_t>((c & 0xC0) != 0x80) + static_cast<uint32_t>(c >= 0xF0);
}
}  // namespace

size_t Utf16Length(std::string_view s) {
  size_t units = 0;
  for (unsigned char c : s) units += Units(c);
  return units;
}

uint32_t Utf8ToUtf16Offset(std::string_view s, size_t byte_offset) {
  return static_cast<uint32_t>(Utf16Length(s.substr(0, std::min(byte_offset, s.size()))));
}

std::vector<uint32_t> Utf16Offsets(std::string_view s, const std::vector<uint32_t>& byte_offsets) {
  std::vector<uint32_t> order(byte_offsets.size());
  std::iota(order.begin(), order.end(), 0u);
  const bool sorted = std::is_sorted(byte_offsets.begin(), byte_offsets.end());
  if (!sorted) {
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return byte_offsets[a] < byte_offsets[b]; });
  }
  std::vector<uint32_t> out(byte_offsets.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t pos = 0;
  uint32_t units = 0;
  for (uint32_t idx : order) {
    const size_t target = std::min<size_t>(byte_offsets[idx], s.size());
    for (; pos < target; ++pos) units += Units(p[pos]);
    out[idx] = units;
  }
  return out;
}

size_t FloorCharBoundary(std::string_view s, size_t pos) {
  if (pos >= s.size()) return s.size();
  // At most 3 continuation bytes precede a boundary in valid UTF-8; cap the walk for junk.
  size_t limit = pos >= 3 ? pos - 3 : 0;
  while (pos > limit && !IsUtf8Lead(static_cast<unsigned char>(s[pos]))) --pos;
  return pos;
}

}  // namespace kspace::text
