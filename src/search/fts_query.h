// Turning any user string into a safe FTS5 MATCH expression.
//
// Users type free text, not FTS5 syntax: quotes, parentheses, `*`, `^`, `:`, `-`, `+`, AND/OR/NOT/
// NEAR, and column filters must neither error nor change the meaning. BuildMatchQuery splits the
// text into words (runs of ASCII letters/digits and of bytes >= 0x80; everything else separates),
// drops English stopwords (unless nothing else is left), removes repeats (case-insensitively), and
// emits each word as an FTS5 string ("word", with '"' doubled, though words never contain one)
// joined by OR. Every word is quoted, so FTS5 keywords are matched as plain words. The table's
// tokenizer then stems/folds each quoted word exactly as it did the documents; a word it splits
// further (e.g. "naïve" under some tokenizers) becomes a phrase, which is what the user meant.
// Ranking (ks_bm25) decides the order, so OR semantics only decides the candidate set.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kspace::search {

struct MatchQueryOptions {
  // At most this many distinct words are used (the first ones); bounds query cost for pasted text.
  size_t max_terms = 64;
  bool drop_stopwords = true;
};

// The MATCH expression, or "" when the text has no word at all (the caller must then return no
// full-text results instead of running MATCH with an empty string, which is an FTS5 error).
std::string BuildMatchQuery(std::string_view text, const MatchQueryOptions& options = {});

// The words BuildMatchQuery would use (lowercased ASCII), in order; exposed for tests and for
// highlighting.
std::vector<std::string> QueryWords(std::string_view text, const MatchQueryOptions& options = {});

// True for the English stopwords the query side drops.
bool IsQueryStopword(std::string_view lowercase_word);

}  // namespace kspace::search
