// Normalize: turns arbitrary bytes into the clean UTF-8 text every other part of kspace assumes.
//
// Contract of the output:
//   * well-formed UTF-8: each ill-formed sequence (bad lead byte, truncated sequence, overlong
//     form, UTF-16 surrogate, value above U+10FFFF) becomes one U+FFFD per maximal subpart;
//   * no byte-order mark at the start (U+FEFF elsewhere is kept: it is a legitimate ZWNBSP);
//   * line ends are "\n" only: CRLF and lone CR become LF, and so do U+2028 / U+2029;
//   * no control characters except "\n" and "\t": NUL, the other C0 controls, DEL and the C1
//     controls (U+0080..U+009F, which in practice only appear from mis-decoded legacy text)
//     are dropped;
//   * NFC "where cheap": a Latin base letter followed by combining marks (U+0300..U+036F) is
//     composed when Unicode has a precomposed letter for the pair, repeatedly (so e + U+0302 +
//     U+0301 -> ế), using a 636-entry table generated from Unicode 14 data covering every
//     composition whose base and result are in Latin-1, Latin Extended-A/B or Latin Extended
//     Additional. Conjoining Hangul jamo are composed algorithmically.
//     NOT covered: canonical reordering of several marks with different combining classes
//     (a + U+0301 + U+0323 stays as is, NFC would give ạ + U+0301), compositions outside Latin
//     and Hangul (Greek tonos, Cyrillic, Indic nukta, ...), and singleton/compatibility mappings.
//     Text that is already NFC (nearly all real text) passes unchanged.
// Runs in one pass, O(n), with an ASCII fast path. Never fails.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "text/utf8.h"

namespace kspace::text {

struct NormalizeStats {
  uint64_t replaced = 0;     // U+FFFD substitutions for ill-formed sequences
  uint64_t dropped = 0;      // control characters removed (NUL, C0 except \t \n, DEL, C1)
  uint64_t composed = 0;     // base+mark pairs composed
  uint64_t line_breaks = 0;  // CRLF / CR / U+2028 / U+2029 rewritten to LF
  bool had_bom = false;
};

std::string Normalize(std::string_view bytes, NormalizeStats* stats = nullptr);

// The precomposed letter for `base` + combining `mark`, or 0 when there is none in the table.
char32_t ComposePair(char32_t base, char32_t mark);

}  // namespace kspace::text
