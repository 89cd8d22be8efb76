// Turning any user string into a safe FTS5 MATCH expression.
//
// Users type free text, not FTS5 syntax: quotes, parentheses, `*`, `^`, `:`, `-`, `+`, AND/OR/NOT/
// NEAR, and column filters must neither error nor change the meaning. Quotes keep the one meaning
// a person gives them: words in a pair of quotes (straight or curly) are also matched as a phrase,
// so passages holding them in that order rank higher; the words alone still match, so a quoted
// query never finds less. BuildMatchQuery splits the
// text into words (runs of ASCII letters/digits and of bytes >= 0x80; everything else separates),
// drops English stopwords (unless nothing else is left), removes repeats (case-insensitively), and
// emits each word as an FTS5 string ("word", with '"' doubled, though words never contain one)
// joined by OR. Every word is quoted, so FTS5 keywords are matched as plain words. The table's
// tokenizer then stems/folds each quoted word exactly as it did the documents; a word it splits
// further (e.g. "naïve" under some tokenizers) becomes a phrase, which is what the user meant.
// Ranking (ks_bm25) decides the order, so OR semantics only decides the candidate set.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kspace::search {

struct MatchQueryOptions {
  // At most this many distinct words are used (the first ones); bounds query cost for pasted text.
  size_t max_terms = 64;
  bool drop_stopwords = true;
  // Search as you type: when the text ends inside a word (its last byte is a word byte), that word
  // may be unfinished, so BuildMatchQuery also matches it as a prefix ("borr" finds "borrow"): a
  // last phrase `"word" *` after the plain words. Not for words under kMinPrefixBytes (a prefix of
  // one or two letters matches most of the index) nor for stopwords.
  bool prefix_last = false;
  // Quoted runs of two or more words also as phrases (at most kMaxQuotedPhrases, each cut at
  // kMaxPhraseWords words), after the plain words and before the prefix phrase.
  bool quoted_phrases = true;
};

inline constexpr size_t kMaxQuotedPhrases = 8;
inline constexpr size_t kMaxPhraseWords = 16;

// The quoted phrases BuildMatchQuery adds under `options`: each its words (lowercased ASCII)
// joined by single spaces, in order, without repeats; a quote left open (still being typed) makes
// none.
std::vector<std::string> QuotedPhrases(std::string_view text, const MatchQueryOptions& options);

inline constexpr size_t kMinPrefixBytes = 3;

// The word BuildMatchQuery matches as a prefix under `options` (lowercased ASCII), or "".
std::string PrefixWord(std::string_view text, const MatchQueryOptions& options);

// The MATCH expression, or "" when the text has no word at all (the caller must then return no
// full-text results instead of running MATCH with an empty string, which is an FTS5 error).
std::string BuildMatchQuery(std::string_view text, const MatchQueryOptions& options = {});

// The words BuildMatchQuery would use (lowercased ASCII), in order; exposed for tests and for
// highlighting.
std::vector<std::string> QueryWords(std::string_view text, const MatchQueryOptions& options = {});

// Top-k pruning of an OR query by its common words (MaxScore; Turtle & Flood 1995). A word in a
// fifth of the rows makes FTS5 score a fifth of the table, yet a row that holds only such words
// cannot outrank the rows that hold a rare word: its BM25F score is below the sum over those words
// of idf * (k1 + 1) (saturation bounds each word's term-frequency part by k1 + 1). The pruned
// expression matches the rows holding a rare word, and still scores the common words wherever
// they occur with one:   "r1" OR "r2" OR (("c1" OR "c2") AND ("r1" OR "r2"))
// ks_bm25 counts a repeated phrase once, so each of those rows scores exactly as under the full
// query. The caller runs it for its top `depth` and keeps the result only if it filled `depth`
// hits and the last one scores above `bound`; otherwise it runs the full query.
struct PrunedMatch {
  std::string match;
  double bound = 0;  // the best score a row holding only the dropped-to-conjunct words can reach
};
// `words` as QueryWords gives them, `df` their document frequencies in the same order and `rows`
// the table's row count (ks_df's "N df_0 ..."), `k1` the ranking's. nullopt when no word is
// common enough for the pruned query to save work.
std::optional<PrunedMatch> PruneCommonWords(const std::vector<std::string>& words, std::span<const double> df,
                                            double rows, double k1);

// True for the English stopwords the query side drops.
bool IsQueryStopword(std::string_view lowercase_word);

}  // namespace kspace::search
