// Snippets: the excerpt of a passage a search hit shows, with the query's words marked.
//
// Made here from the passage's own text and tokens rather than by FTS5's snippet() in SQL. That
// took a query per hit (FTS5 sets every query term up again for each; or one pass over all the
// match's rows), about a fifth of a text search and two fifths of a vector search on the RFC
// corpus; tokenising the ten bodies shown costs a fraction of that. It also needs nothing of the
// full-text table but the tokenizer, so it works for passages the vector side found.
//
// The caller tokenises both sides with the full-text table's tokenizer (store::FtsTokenizer), so a
// term matches exactly the tokens FTS5 matched: "hearts" finds "heart", a word the tokenizer
// splits ("naïve" under some tokenizers) is a phrase of consecutive tokens, and a prefix term (the
// unfinished last word of a search as you type) matches tokens starting with its last token.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kspace::search {

// One token of a passage: its form as the index holds it (stemmed, folded) and where it is.
struct SnippetToken {
  std::string form;
  uint32_t begin = 0;  // byte offsets into the passage text
  uint32_t end = 0;
};

// One query term: the tokens of a query word, in order; with `prefix`, its last token matches any
// token it begins.
struct SnippetTerm {
  std::vector<std::string> tokens;
  bool prefix = false;
};

struct SnippetOptions {
  size_t max_tokens = 24;  // tokens shown at most
  std::string_view open = "<mark>";
  std::string_view close = "</mark>";
  std::string_view ellipsis = "…";
};

// The excerpt of `text` (whose tokens, in order, are `tokens`) of at most max_tokens tokens that
// holds the most distinct terms, then the most matches; a window that starts a sentence is
// preferred when it holds as much. Matches are wrapped in open/close (overlapping ones as one),
// and an ellipsis stands for text cut before or after. Empty when no term occurs in `tokens`.
// The text between marks is the passage's own bytes (not escaped: the caller's output is text).
std::string MakeSnippet(std::string_view text, std::span<const SnippetToken> tokens,
                        std::span<const SnippetTerm> terms, const SnippetOptions& options = {});

}  // namespace kspace::search
