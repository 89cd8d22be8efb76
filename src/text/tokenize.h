// Tokens, sentences and words: the measuring and segmenting primitives of the text subsystem.
//
// CountTokens approximates the token count of OpenAI's cl100k_base BPE (GPT-3.5/GPT-4), so that a
// chunk budget of 300 means roughly 300 tokens to an embedding model or an LLM context. The rule,
// calibrated against cl100k_base on the Rust RFC corpus (see README.md for the numbers):
//   * text is cut into runs like GPT's pre-tokenizer: letters, digits, punctuation, whitespace;
//     a single space before a word or punctuation run belongs to it (costs nothing);
//   * an ASCII letter run costs 1 token up to 12 letters, +1 per further 4 letters; camelCase
//     humps count as separate runs ("borrowChecker" = 2);
//   * a digit run costs 1 per 3 digits (cl100k splits numbers in groups of three);
//   * an ASCII punctuation run of n characters costs 1 + 2(n-1)/5 (".", ").", "```" are one);
//   * a whitespace run other than one space costs 1 (cl100k merges indentation and blank lines);
//   * CJK ideographs and kana cost 1 each; other non-ASCII letters (accented Latin, Greek,
//     Cyrillic, ...) cost 1 per 3 bytes of their run; other non-ASCII symbols 1 each (2 for
//     astral-plane symbols such as emoji).
// It is deterministic, O(n), allocation-free, and additive up to one token at the cut when text is
// split at whitespace, which the chunker relies on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kspace::text {

int CountTokens(std::string_view text);

// A half-open byte range [begin, end) into some text.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t size() const { return end - begin; }
};

// Splits `text` into sentences. The spans partition [0, text.size()): each sentence starts at the
// end of the previous one (leading whitespace belongs to the previous sentence's tail), so no byte
// is lost. A sentence ends after [.!?] (or a run of them, or an ellipsis) plus any closing quotes,
// brackets or Markdown emphasis, when whitespace follows and the next word does not start with a
// lower-case letter; after CJK full stops (。！？) unconditionally; and at a blank line. It does not
// end after an abbreviation (e.g., i.e., Dr., Mr., vs., cf., Fig., No., et al., ...), a single
// initial ("J. R. R. Tolkien"), dotted acronyms (U.S., a.m.), or inside decimals and versions
// (3.14, v1.2.3), which never have whitespace after the dot. O(n).
std::vector<Span> SplitSentences(std::string_view text);

// Iterates the words of UTF-8 `text` as lower-cased, diacritic-folded strings, for keyword
// extraction, term statistics and stemming. A word is a run of letters and digits, with inner
// apostrophes (' or ’, kept as ') as in "don't"; hyphens, underscores and other punctuation
// separate words. Folding: ASCII is lower-cased (fast path); Latin-1, Latin Extended-A/B and Latin
// Extended Additional letters fold to their ASCII base ("é" -> "e", "ß" -> "ss", "Ł" -> "l",
// "ệ" -> "e"); combining marks are dropped; Greek and Cyrillic capitals are lower-cased; other
// scripts pass through. CJK ideographs and kana are yielded one character per word, since those
// scripts do not separate words with spaces.
class WordIterator {
 public:
  explicit WordIterator(std::string_view text) : text_(text) {}

  // Advances to the next word; false at the end.
  bool Next();
  // The folded word (valid until the next call to Next).
  std::string_view word() const { return std::string_view(word_.data(), len_); }
  // The word's byte range in the original text.
  uint32_t begin() const { return begin_; }
  uint32_t end() const { return end_; }
  // True when the word is a single CJK ideograph or kana.
  bool cjk() const { return cjk_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  // The word is word_[0, len_): word_ only grows, and the ASCII path writes into it directly. (In
  // wasm, std::string's members are compiled into libc++ for size; a clear() and resize() per word
  // were two calls with more inside.)
  char* Grow(size_t n);  // room for n more bytes at the word's end (counted in len_)
  void Put(const char* s, size_t n);
  std::string word_;
  size_t len_ = 0;
  uint32_t begin_ = 0, end_ = 0;
  bool cjk_ = false;
};

// The folded form of one word (as WordIterator would produce for it), e.g. "Café" -> "cafe".
std::string FoldWord(std::string_view word);

// Character classes used across the subsystem.
bool IsCjk(char32_t cp);          // CJK ideographs, kana, CJK compatibility ideographs
bool IsWordChar(char32_t cp);     // letters, digits, combining marks (any script)

}  // namespace kspace::text
