#include "search/fts_query.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "search/fts_rank.h"

namespace kspace::search {
namespace {

// Lucene's English stop set plus common function words of queries. Kept short on purpose: BM25's
// IDF already discounts frequent words; removing them only saves work and noise.
constexpr std::array<std::string_view, 54> kStop = {
    "a",     "an",   "and",  "are",   "as",    "at",   "be",   "been", "but",  "by",   "can",
    "could", "did",  "do",   "does",  "for",   "from", "had",  "has",  "have", "if",   "in",
    "into",  "is",   "it",   "its",   "may",   "no",   "not",  "of",   "on",   "or",   "such",
    "that",  "the",  "their", "then", "there", "these", "they", "this", "those", "to",   "was",
    "were",  "what", "when", "which", "while", "who",  "will", "with", "would", "than"};

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// The curly quotes U+2018, U+2019, U+201C, U+201D (E2 80 98/99/9C/9D): separators, not word bytes
// (bytes >= 0x80 are otherwise word bytes, the letters of any script). Their length at i, or 0.
size_t CurlyQuoteAt(std::string_view text, size_t i) {
  if (i + 2 >= text.size() || static_cast<unsigned char>(text[i]) != 0xE2 || static_cast<unsigned char>(text[i + 1]) != 0x80) {
    return 0;
  }
  const unsigned char c = static_cast<unsigned char>(text[i + 2]);
  return c == 0x98 || c == 0x99 || c == 0x9C || c == 0x9D ? 3 : 0;
}

// A word of a query: its text (ASCII lowercased) and where it ends in the query.
struct Word {
  std::string text;
  size_t end = 0;
};

std::vector<Word> SplitWords(std::string_view text) {
  std::vector<Word> out;
  std::string cur;
  for (size_t i = 0; i < text.size();) {
    const size_t quote = CurlyQuoteAt(text, i);
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (quote == 0 && IsWordByte(c)) {
      cur.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c));
      ++i;
      continue;
    }
    if (!cur.empty()) out.push_back(Word{std::move(cur), i});
    cur.clear();
    i += quote ? quote : 1;
  }
  if (!cur.empty()) out.push_back(Word{std::move(cur), text.size()});
  return out;
}

}  // namespace

bool IsQueryStopword(std::string_view w) {
  return std::find(kStop.begin(), kStop.end(), w) != kStop.end();
}

std::vector<std::string> QueryWords(std::string_view text, const MatchQueryOptions& options) {
  std::vector<std::string> all;
  for (const Word& w : SplitWords(text)) all.push_back(w.text);

  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  bool any_content = false;
  if (options.drop_stopwords)
    for (const std::string& w : all) any_content |= !IsQueryStopword(w);
  for (std::string& w : all) {
    if (out.size() >= options.max_terms) break;
    if (options.drop_stopwords && any_content && IsQueryStopword(w)) continue;
    if (!seen.insert(w).second) continue;
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<std::string> QuotedPhrases(std::string_view text, const MatchQueryOptions& options) {
  std::vector<std::string> out;
  if (!options.quoted_phrases) return out;
  // Quote marks: '"', and the curly U+201C / U+201D that editors put in.
  auto quote_at = [&](size_t i) -> size_t {  // the mark's length at i, or 0
    if (text[i] == '"') return 1;
    const size_t q = CurlyQuoteAt(text, i);
    return q && (static_cast<unsigned char>(text[i + 2]) == 0x9C || static_cast<unsigned char>(text[i + 2]) == 0x9D) ? q : 0;
  };
  size_t open = std::string_view::npos;  // just after the opening mark
  for (size_t i = 0; i < text.size();) {
    const size_t q = quote_at(i);
    if (q == 0) {
      ++i;
      continue;
    }
    if (open == std::string_view::npos) {
      open = i + q;
    } else {
      std::vector<Word> words = SplitWords(text.substr(open, i - open));
      if (words.size() > kMaxPhraseWords) words.resize(kMaxPhraseWords);
      std::string joined;
      for (const Word& w : words) joined += (joined.empty() ? "" : " ") + w.text;
      if (words.size() >= 2 && out.size() < kMaxQuotedPhrases && std::find(out.begin(), out.end(), joined) == out.end()) {
        out.push_back(std::move(joined));
      }
      open = std::string_view::npos;
    }
    i += q;
  }
  return out;
}

std::string PrefixWord(std::string_view text, const MatchQueryOptions& options) {
  if (!options.prefix_last) return "";
  std::vector<Word> words = SplitWords(text);
  // Only a word the text ends in may be unfinished.
  if (words.empty() || words.back().end != text.size()) return "";
  std::string w = std::move(words.back().text);
  if (w.size() < kMinPrefixBytes || IsQueryStopword(w)) return "";
  return w;
}

std::string BuildMatchQuery(std::string_view text, const MatchQueryOptions& options) {
  std::string q;
  auto quoted = [&](const std::string& w) {
    q += '"';
    for (char c : w) {
      if (c == '"') q += '"';  // FTS5 string escape; unreachable for words, kept for safety
      q += c;
    }
    q += '"';
  };
  for (const std::string& w : QueryWords(text, options)) {
    if (!q.empty()) q += " OR ";
    quoted(w);
  }
  // After the words, so that those keep their phrase numbers (ks_df's order).
  for (const std::string& phrase : QuotedPhrases(text, options)) {
    if (!q.empty()) q += " OR ";
    quoted(phrase);
  }
  if (const std::string p = PrefixWord(text, options); !p.empty()) {
    if (!q.empty()) q += " OR ";
    quoted(p);
    q += " *";
  }
  return q;
}

std::optional<PrunedMatch> PruneCommonWords(const std::vector<std::string>& words, std::span<const double> df,
                                            double rows, double k1) {
  if (words.size() < 2 || df.size() != words.size() || !(rows > 0) || !(k1 >= 0)) return std::nullopt;
  std::vector<size_t> order(words.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return df[a] < df[b]; });
  // Rarest first. A word is common when it alone would cost several times the work of all rarer
  // words together and sits in more than 1/64 of the rows; below that, scoring it is cheap.
  std::vector<size_t> rare, common;
  double rare_df = 0;
  for (size_t i : order) {
    if (!rare.empty() && df[i] >= 4 * rare_df && df[i] * 64 >= rows) {
      common.push_back(i);
    } else {
      rare.push_back(i);
      rare_df += df[i];
    }
  }
  if (common.empty()) return std::nullopt;
  auto quoted = [&](const std::vector<size_t>& set) {
    std::string out;
    for (size_t i : set) {
      if (!out.empty()) out += " OR ";
      out += '"' + words[i] + '"';  // QueryWords never yields '"'
    }
    return out;
  };
  // Rare words in their query order, so that their first (scored) occurrence is the plain one.
  std::sort(rare.begin(), rare.end());
  PrunedMatch p;
  const std::string r = quoted(rare);
  p.match = r + " OR ((" + quoted(common) + ") AND (" + r + "))";
  for (size_t i : common) p.bound += Bm25Idf(rows, df[i]) * (k1 + 1);
  return p;
}

}  // namespace kspace::search
