// The kspace FTS5 tokenizer ("kspace1"): the text subsystem's words, Porter2-stemmed.
//
// Why not FTS5's "porter unicode61 remove_diacritics 2": (1) one definition of a word across
// kspace: the same WordIterator (text/tokenize.h) splits words for keyphrases, the query builder,
// snippets' highlighting and this index, so a query word always meets the token it was indexed
// as; (2) CJK: unicode61 makes a whole run of ideographs one token, so Chinese or Japanese text
// is unsearchable below sentence level; WordIterator yields one ideograph per token, and a
// quoted multi-character query word becomes a phrase; (3) Porter2 (text/stem.h) instead of the
// original Porter; (4) apostrophes ("don't", "cell's") stay inside words; diacritics are folded
// for Latin scripts, as with remove_diacritics 2.
// Token = StemEnglish(folded word); with FTS5_TOKENIZE_PREFIX (a `word*` query) the folded word
// unstemmed. Stopwords are indexed (phrase queries and positions need them; BM25's IDF
// discounts them). Offsets are byte offsets of the word in the original text (snippets).
//
// Versioning: the name is part of every FTS5 table's stored schema, so an index built with one
// tokenization can never be queried with another. If the output of this tokenizer changes for
// any input, register it under a new name ("kspace2") and rebuild the index (the storage layer's
// migration); tests pin its output.
#pragma once

#include <sqlite3.h>

#include "util/status.h"

namespace kspace::search {

inline constexpr const char* kTokenizerName = "kspace1";

// Registers the tokenizer with FTS5 on `db` (RegisterFtsFunctions does this too).
Status RegisterFtsTokenizer(sqlite3* db);

}  // namespace kspace::search
