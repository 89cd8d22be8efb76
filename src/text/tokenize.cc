#include "text/tokenize.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "text/utf8.h"

namespace kspace::text {
namespace {

enum Cls : uint8_t { kWs, kNl, kLower, kUpper, kDigit, kPunct, kHigh, kCtl };

constexpr std::array<uint8_t, 256> MakeClassTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t k = kCtl;
    if (c == ' ' || c == '\t') k = kWs;
    else if (c == '\n' || c == '\r') k = kNl;
    else if (c >= 'a' && c <= 'z') k = kLower;
    else if (c >= 'A' && c <= 'Z') k = kUpper;
    else if (c >= '0' && c <= '9') k = kDigit;
    else if (c > 0x20 && c < 0x7F) k = kPunct;
    else if (c >= 0x80) k = kHigh;
    t[c] = k;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kClass = MakeClassTable();

inline bool IsAsciiLetter(unsigned char c) { return kClass[c] == kLower || kClass[c] == kUpper; }
inline bool IsAsciiAlnum(unsigned char c) { return IsAsciiLetter(c) || kClass[c] == kDigit; }
inline bool IsSpaceByte(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }


}  // namespace

bool IsCjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF) || (cp >= 0x31F0 && cp <= 0x31FF);
}

bool IsWordChar(char32_t cp) {
  if (cp < 0x80) return IsAsciiAlnum(static_cast<unsigned char>(cp));
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp < 0x2000) {
    switch (cp) {  // punctuation inside letter blocks
      case 0x37E: case 0x387: case 0x589: case 0x5BE: case 0x5C3: case 0x60C: case 0x61B:
      case 0x61F: case 0x6D4: case 0x964: case 0x965: case 0x1680:
        return false;
      default:
        return true;
    }
  }
  if (cp <= 0x2BFF) return false;  // general punctuation, symbols, arrows, math, box drawing
  if (cp >= 0x2E00 && cp <= 0x2E7F) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  if (cp >= 0xD800 && cp <= 0xF8FF) return false;  // surrogates, private use
  if (cp >= 0xFE00 && cp <= 0xFE6F) return false;  // variation selectors, CJK compat forms
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;  // fullwidth punctuation
  if (cp >= 0xFF1A && cp <= 0xFF20) return false;
  if (cp >= 0xFF3B && cp <= 0xFF40) return false;
  if (cp >= 0xFF5B && cp <= 0xFF65) return false;
  if (cp >= 0xFFF0 && cp <= 0xFFFF) return false;  // specials, U+FFFD
  if (cp >= 0x1F000 && cp <= 0x1FBFF) return false;  // emoji and pictographs
  if (cp >= 0xE0000) return false;
  return true;
}

namespace {

// Scans a run of non-ASCII letters from `i` and adds its cost: in quarter tokens, 2 per 2-byte
// letter (Latin accents, Greek, Cyrillic: cl100k spends about one token per two such letters)
// and 4 per longer letter (Hangul, Indic, ...). Returns the run's end.
size_t NonAsciiRunEnd(std::string_view s, size_t i, int64_t* tokens) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  int64_t quarters = 0;
  while (i < n && p[i] >= 0x80) {
    const Decoded x = DecodeUtf8(s, i);
    if (!x.valid || !IsWordChar(x.cp) || IsCjk(x.cp)) break;
    quarters += x.len == 2 ? 2 : 4;
    i += x.len;
  }
  *tokens += (quarters + 3) / 4;
  return i;
}

// Run classes for counting; controls and non-ASCII are handled apart.
enum RunClass : uint8_t { kRunWs, kRunLetter, kRunDigit, kRunPunct, kRunOther };

constexpr std::array<uint8_t, 256> MakeRunTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t k = kRunOther;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') k = kRunWs;
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) k = kRunLetter;
    else if (c >= '0' && c <= '9') k = kRunDigit;
    else if (c > 0x20 && c < 0x7F) k = kRunPunct;
    t[c] = k;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kRun = MakeRunTable();

// Cost of a run of `len` letters (one camelCase hump) / digits / punctuation (see the header);
// the counter adds f(len) - f(len - 1) as a run grows.
inline int64_t LetterRun(uint32_t len) { return len <= 12 ? 1 : 1 + (len - 10) / 3; }
inline int64_t DigitRun(uint32_t len) { return (len + 2) / 3; }
inline int64_t PunctRun(uint32_t len) { return 1 + 2 * (len - 1) / 5; }

}  // namespace

int CountTokens(std::string_view s) {
  // One pass, byte by byte: a token is counted when a run starts, and long runs add their
  // marginal cost as they grow, so the common path has few unpredictable branches.
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  int64_t tokens = 0;
  uint8_t prev = 0xFF;        // class of the current run (0xFF: none / non-ASCII)
  uint32_t len = 0;           // length of the current run (letters: of the current hump)
  bool single_space = false;  // the current whitespace run is exactly one ' '
  bool prev_upper = false;
  uint32_t uppers = 0;
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    const uint8_t k = kRun[c];
    if (k == prev) {
      ++len;
      switch (k) {
        case kRunWs:
          single_space = false;
          break;
        case kRunLetter: {
          const bool up = c <= 'Z';
          if (up && !prev_upper) {
            tokens += 1;  // lowerUpper: a new camelCase hump
            len = 1;
          } else if (!up && prev_upper && uppers >= 2) {
            tokens += 1;  // "HTTPServer": the last capital starts a hump
            len = 2;
          } else if (!up) {
            // The common case, a lower-case letter inside a word: take the rest of the lower-case
            // run at once (same sum as one letter at a time: LetterRun telescopes).
            size_t j = i + 1;
            while (j < n && static_cast<unsigned char>(p[j] - 'a') < 26) ++j;
            const uint32_t more = static_cast<uint32_t>(j - i - 1);
            tokens += LetterRun(len + more) - LetterRun(len - 1);
            len += more;
            i = j - 1;
          } else {
            tokens += LetterRun(len) - LetterRun(len - 1);
          }
          uppers = up ? uppers + 1 : 0;
          prev_upper = up;
          break;
        }
        case kRunDigit:
          tokens += DigitRun(len) - DigitRun(len - 1);
          break;
        default:
          tokens += PunctRun(len) - PunctRun(len - 1);
          break;
      }
      ++i;
      continue;
    }
    // A run ends. A single space before a word or punctuation belongs to it (costs nothing).
    if (prev == kRunWs && single_space) tokens -= 1;
    prev = k;
    len = 1;
    if (k == kRunOther) {
      prev = 0xFF;
      if (c < 0x80) {
        tokens += 1;  // control character
        ++i;
        continue;
      }
      const Decoded d = DecodeUtf8(s, i);
      if (IsCjk(d.cp)) {
        tokens += 1;
        i += d.len;
      } else if (d.valid && IsWordChar(d.cp)) {
        i = NonAsciiRunEnd(s, i, &tokens);
      } else {
        tokens += d.len == 4 ? 2 : 1;
        i += d.len;
      }
      continue;
    }
    tokens += 1;
    if (k == kRunWs) single_space = c == ' ';
    if (k == kRunLetter) {
      prev_upper = c <= 'Z';
      uppers = prev_upper ? 1 : 0;
    }
    ++i;
  }
  return tokens > INT32_MAX ? INT32_MAX : static_cast<int>(tokens);
}

// ------------------------------------------------------------------------------------------------
// Sentences

namespace {

// Abbreviations that never end a sentence (lower-cased, without the final period).
constexpr std::string_view kAbbrev[] = {
    "al",   "approx", "ca",   "cf",   "co",   "corp", "dept", "dr",    "e.g", "eg",  "esp",
    "est",  "etc",    "gen",  "gov",  "i.e",  "ie",   "inc",  "incl",  "jr",  "lt",  "ltd",
    "messrs", "mr",   "mrs",  "ms",   "mt",   "prof", "resp", "rev",   "sr",  "st",  "viz",
    "vs",   "jan",    "feb",  "mar",  "apr",  "jun",  "jul",  "aug",   "sep", "sept", "oct",
    "nov",  "dec",    "ibid", "cit",  "op",   "ed",   "eds",  "misc",  "min", "max", "avg",
    "dec",  "hon",    "capt", "col",  "sgt",  "gen",  "pres", "vol",   "vols", "univ"};
// Abbreviations that precede a number: "Fig. 3", "No. 5", "p. 12", "Eq. 2", "Sec. 4".
constexpr std::string_view kNumAbbrev[] = {"ch", "eq", "eqs", "fig", "figs", "no", "nos", "p",
                                           "pp", "sec", "ref", "refs", "art", "para", "vol"};

bool InList(std::string_view w, const std::string_view* begin, const std::string_view* end) {
  return std::find(begin, end, w) != end;
}

// Length of a closing character (quote, bracket, emphasis) at p[i], 0 if none.
size_t ClosingAt(const unsigned char* p, size_t n, size_t i) {
  const unsigned char c = p[i];
  if (c == '"' || c == '\'' || c == ')' || c == ']' || c == '}' || c == '*' || c == '_') return 1;
  if (c == 0xE2 && i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0x9D || p[i + 2] == 0x99)) {
    return 3;  // ” ’
  }
  if (c == 0xC2 && i + 1 < n && p[i + 1] == 0xBB) return 2;  // »
  if (c == 0xE3 && i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0x8D || p[i + 2] == 0x8F)) {
    return 3;  // 」』
  }
  return 0;
}

// True if the period at p[dot] closes an abbreviation, initial or dotted acronym, given the
// first byte of the next word.
bool IsAbbreviationDot(const unsigned char* p, size_t dot, unsigned char next) {
  size_t b = dot;
  const size_t limit = dot >= 12 ? dot - 12 : 0;
  while (b > limit && (IsAsciiLetter(p[b - 1]) || p[b - 1] == '.')) --b;
  if (b == dot) return false;                 // "3." or ")." : no word
  if (b > 0 && IsAsciiAlnum(p[b - 1])) return false;  // word longer than we look at
  char w[16];
  size_t len = dot - b;
  for (size_t k = 0; k < len; ++k) {
    unsigned char ch = p[b + k];
    w[k] = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  }
  std::string_view word(w, len);
  if (len == 1) return true;                                 // initial: "J. Smith"
  if (word.find('.') != std::string_view::npos) return true;  // "U.S", "e.g", "a.m"
  if (word == "etc") return !(next >= 'A' && next <= 'Z');   // "..., etc. The next" ends
  if (InList(word, std::begin(kAbbrev), std::end(kAbbrev))) return true;
  if (next >= '0' && next <= '9' && InList(word, std::begin(kNumAbbrev), std::end(kNumAbbrev))) {
    return true;
  }
  return false;
}

}  // namespace

std::vector<Span> SplitSentences(std::string_view text) {
  std::vector<Span> out;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t start = 0;
  size_t i = 0;
  auto cut = [&](size_t at) {
    if (at > start && at < n) {
      out.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(at)});
      start = at;
    }
  };
  while (i < n) {
    const unsigned char c = p[i];
    if (c == '\n') {
      size_t j = i + 1;
      while (j < n && (p[j] == ' ' || p[j] == '\t')) ++j;
      if (j < n && p[j] == '\n') {
        while (j < n && IsSpaceByte(p[j])) ++j;
        cut(j);
        i = j;
        continue;
      }
      ++i;
      continue;
    }
    if (c == '.' || c == '!' || c == '?') {
      size_t j = i;
      while (j < n && (p[j] == '.' || p[j] == '!' || p[j] == '?')) ++j;
      size_t k = j;
      for (int guard = 0; k < n && guard < 8; ++guard) {
        const size_t len = ClosingAt(p, n, k);
        if (len == 0) break;
        k += len;
      }
      if (k >= n || !IsSpaceByte(p[k])) {
        i = k > i ? k : i + 1;
        continue;
      }
      size_t m = k;
      while (m < n && IsSpaceByte(p[m])) ++m;
      if (m >= n) break;
      const unsigned char next = p[m];
      if (next >= 'a' && next <= 'z') {
        i = m;
        continue;
      }
      if (c == '.' && j - i == 1 && IsAbbreviationDot(p, i, next)) {
        i = m;
        continue;
      }
      cut(m);
      i = m;
      continue;
    }
    if (c == 0xE3 && i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0x82) {  // 。
      size_t m = i + 3;
      while (m < n && ClosingAt(p, n, m) == 3) m += 3;
      while (m < n && IsSpaceByte(p[m])) ++m;
      cut(m);
      i = m;
      continue;
    }
    if (c == 0xEF && i + 2 < n && p[i + 1] == 0xBC && (p[i + 2] == 0x81 || p[i + 2] == 0x9F)) {
      size_t m = i + 3;  // ！？
      while (m < n && IsSpaceByte(p[m])) ++m;
      cut(m);
      i = m;
      continue;
    }
    ++i;
  }
  if (start < n) out.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(n)});
  return out;
}

// ------------------------------------------------------------------------------------------------
// Words

namespace {

// ASCII folding of U+00C0..U+024F.
constexpr const char* kFoldLatin[] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n", "o",
    "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a", "a", "a",
    "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "", "o",
    "u", "u", "u", "u", "y", "th", "y", "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c",
    "c", "c", "d", "d", "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g",
    "g", "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i", "i", "i",
    "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l", "l", "l", "l", "n", "n",
    "n", "n", "n", "n", "", "n", "n", "o", "o", "o", "o", "o", "o", "oe", "oe", "r", "r", "r", "r",
    "r", "r", "s", "s", "s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u",
    "u", "u", "u", "u", "u", "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z",
    "z", "s", "b", "b", "", "", "", "", "", "c", "c", "d", "d", "", "d", "", "", "", "", "f", "f",
    "g", "", "", "", "i", "k", "k", "l", "", "", "n", "n", "", "o", "o", "", "", "p", "p", "", "",
    "", "", "", "t", "t", "t", "t", "u", "u", "", "v", "y", "y", "z", "z", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "dz", "dz", "dz", "lj", "lj", "lj", "nj", "nj", "nj", "a", "a", "i",
    "i", "o", "o", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "", "a", "a", "a", "a", "", "",
    "g", "g", "g", "g", "k", "k", "o", "o", "o", "o", "", "", "j", "dz", "dz", "dz", "g", "g", "",
    "", "n", "n", "a", "a", "", "", "", "", "a", "a", "a", "a", "e", "e", "e", "e", "i", "i", "i",
    "i", "o", "o", "o", "o", "r", "r", "r", "r", "u", "u", "u", "u", "s", "s", "t", "t", "", "",
    "h", "h", "", "", "", "", "z", "z", "a", "a", "e", "e", "o", "o", "o", "o", "o", "o", "o", "o",
    "y", "y", "l", "n", "t", "j", "db", "qp", "a", "c", "c", "l", "t", "", "", "", "", "", "", "",
    "e", "e", "j", "j", "q", "q", "r", "r", "y", "y",
};
static_assert(sizeof(kFoldLatin) / sizeof(kFoldLatin[0]) == 0x250 - 0xC0);

// ASCII base letters of U+1E00..U+1EFF ('\0': none).
constexpr char kFoldLatinExtAdd[] =
    "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmm"
    "mmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvv"
    "wwwwwwwwwwxxxxyyzzzzzzhtwy\0\0\0\0\0\0aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee"
    "eeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy\0\0\0\0\0\0"
    ;
static_assert(sizeof(kFoldLatinExtAdd) == 257);

// Appends the folded form of one word code point.
void AppendFolded(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
    return;
  }
  if (cp >= 0x300 && cp <= 0x36F) return;  // combining marks: dropped
  if (cp == 0xAA || cp == 0xBA) {
    out->push_back(cp == 0xAA ? 'a' : 'o');
    return;
  }
  if (cp >= 0xC0 && cp < 0x250) {
    const char* f = kFoldLatin[cp - 0xC0];
    if (*f) {
      out->append(f);
      return;
    }
  } else if (cp >= 0x1E00 && cp <= 0x1EFF) {
    const char f = kFoldLatinExtAdd[cp - 0x1E00];
    if (f) {
      out->push_back(f);
      return;
    }
    if (cp == 0x1E9E) {  // capital sharp s
      out->append("ss");
      return;
    }
  } else if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) {
    cp += 0x20;  // Greek capitals
  } else if (cp >= 0x410 && cp <= 0x42F) {
    cp += 0x20;  // Cyrillic capitals
  } else if (cp >= 0x400 && cp <= 0x40F) {
    cp += 0x50;
  }
  AppendUtf8(out, cp);
}

bool IsApostrophe(const unsigned char* p, size_t n, size_t i, size_t* len) {
  if (p[i] == '\'') {
    *len = 1;
    return true;
  }
  if (p[i] == 0xE2 && i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0x99) {
    *len = 3;
    return true;
  }
  return false;
}

}  // namespace

char* WordIterator::Grow(size_t n) {
  if (len_ + n > word_.size()) word_.resize(std::max(word_.size() * 2, len_ + n + 32));
  char* out = word_.data() + len_;
  len_ += n;
  return out;
}

void WordIterator::Put(const char* s, size_t n) { std::memcpy(Grow(n), s, n); }

bool WordIterator::Next() {
  const auto* p = reinterpret_cast<const unsigned char*>(text_.data());
  const size_t n = text_.size();
  len_ = 0;
  cjk_ = false;
  // Find the start of the next word.
  while (pos_ < n) {
    const unsigned char c = p[pos_];
    if (c < 0x80) {
      if (IsAsciiAlnum(c)) break;
      ++pos_;
      continue;
    }
    const Decoded d = DecodeUtf8(text_, pos_);
    if (d.valid && IsCjk(d.cp)) {
      begin_ = static_cast<uint32_t>(pos_);
      pos_ += d.len;
      end_ = static_cast<uint32_t>(pos_);
      Put(text_.data() + begin_, d.len);
      cjk_ = true;
      return true;
    }
    if (d.valid && IsWordChar(d.cp) && !(d.cp >= 0x300 && d.cp <= 0x36F)) break;
    pos_ += d.len;
  }
  if (pos_ >= n) return false;
  begin_ = static_cast<uint32_t>(pos_);
  while (pos_ < n) {
    const unsigned char c = p[pos_];
    if (c < 0x80) {
      if (IsAsciiAlnum(c)) {
        // Fast path: a whole run of ASCII letters and digits, lower-cased in one go.
        size_t j = pos_ + 1;
        while (j < n && IsAsciiAlnum(p[j])) ++j;
        char* out = Grow(j - pos_);
        for (size_t k = pos_; k < j; ++k) {
          *out++ = static_cast<char>(p[k] >= 'A' && p[k] <= 'Z' ? p[k] + 32 : p[k]);
        }
        pos_ = j;
        continue;
      }
      size_t alen = 0;
      if (IsApostrophe(p, n, pos_, &alen) && pos_ + alen < n && IsAsciiLetter(p[pos_ + alen]) &&
          pos_ > begin_ && IsAsciiLetter(p[pos_ - 1])) {
        Put("'", 1);
        pos_ += alen;
        continue;
      }
      break;
    }
    size_t alen = 0;
    if (IsApostrophe(p, n, pos_, &alen)) {
      if (pos_ + alen < n && IsAsciiLetter(p[pos_ + alen]) && pos_ > begin_ &&
          IsAsciiLetter(p[pos_ - 1])) {
        Put("'", 1);
        pos_ += alen;
        continue;
      }
      break;
    }
    const Decoded d = DecodeUtf8(text_, pos_);
    if (!d.valid || !IsWordChar(d.cp) || IsCjk(d.cp)) break;
    word_.resize(len_);  // rare (non-ASCII): the general folding appends to the string
    AppendFolded(&word_, d.cp);
    len_ = word_.size();
    pos_ += d.len;
  }
  end_ = static_cast<uint32_t>(pos_);
  if (len_ == 0) return Next();  // only combining marks: skip
  return true;
}

std::string FoldWord(std::string_view word) {
  std::string out;
  out.reserve(word.size());
  size_t i = 0;
  while (i < word.size()) {
    const Decoded d = DecodeUtf8(word, i);
    if (d.valid) AppendFolded(&out, d.cp);
    i += d.len;
  }
  return out;
}

}  // namespace kspace::text
