// Full-text tokens computed ahead of a commit, and replayed into chunk_fts by the store.
//
// Why: tokenising (unicode61 + Porter) was about half of what FTS5 costs a commit (natively 7.9%
// of a whole RFC ingest; the index writes were the other half), and during a pipelined ingest the
// commit runs in the store's worker, which is the bottleneck, while the second worker (a
// Preparer, api/prepare.h) has time to spare. So the Preparer tokenises each chunk's columns with
// the very tokenizer chunk_fts is declared with (FtsTokenizer, on a private in-memory connection)
// and sends the tokens; the commit arms them (FtsReplay) around its INSERT, and the store's
// connection answers FTS5's tokenize call for that exact text with those tokens.
//
// How it stays correct: the store registers a wrapper under the name "porter" (FTS5 looks
// tokenizers up newest first, so the wrapper stands in front of the built-in one and delegates to
// it). The wrapper replays only for FTS5_TOKENIZE_DOCUMENT calls whose text is byte-for-byte a text
// that was armed; every other call (queries, snippets, deletes, rows nobody prepared, a text that
// differs) is tokenised by the built-in tokenizer as before. Both ends are the same build of the
// same SQLite, so a replayed token list is what tokenising would have produced; PRAGMA
// integrity_check (the engine's `check`) re-tokenises the stored rows and compares them with the
// index, and the pipeline test runs it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace kspace::store {

// FTS5's extension API on `db` (for registering tokenizers and functions); INTERNAL if FTS5 is
// missing or older than API version 3.
Result<fts5_api*> GetFts5Api(sqlite3* db);

// chunk_fts's tokenizer: `tokenize = 'porter unicode61 remove_diacritics 2'` (schema.cc).
inline constexpr const char* kFtsTokenizerName = "porter";

// Tokenises text as chunk_fts indexes it, outside any store (the Preparer's side).
class FtsTokenizer {
 public:
  static Result<std::unique_ptr<FtsTokenizer>> Open();
  class Key {  // only Open makes one
    Key() = default;
    friend class FtsTokenizer;
  };
  explicit FtsTokenizer(Key);
  ~FtsTokenizer();
  FtsTokenizer(const FtsTokenizer&) = delete;
  FtsTokenizer& operator=(const FtsTokenizer&) = delete;

  // Appends the encoded tokens of `text` to `out` (the format FtsReplay reads: per token a length
  // byte, or 255 and a 4-byte length, then its bytes). false if the tokenizer failed or produced
  // something a replay cannot carry (colocated tokens); `out` is then unspecified.
  bool Tokenize(std::string_view text, std::string* out);

  // The tokens of `text` with their byte offsets, appended to `out`, as FTS5 tokenises a document
  // (or, with `query`, a query string). Colocated tokens (synonyms; this tokenizer makes none) are
  // skipped. false if the tokenizer failed.
  struct Span {
    std::string form;
    uint32_t begin = 0;
    uint32_t end = 0;
  };
  bool TokenizeSpans(std::string_view text, bool query, std::vector<Span>* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Registers the replaying "porter" on a store's connection (Store::Open does this).
Status RegisterFtsReplay(sqlite3* db);

// Arms pre-computed tokens for the columns of the next chunk_fts INSERT(s) while in scope (on this
// thread; an inner scope hides an outer one until it ends). Each armed (text, tokens) pair is used
// at most once, for a document tokenize call on equal text. Allocates nothing: `columns` (at most
// 64; more are ignored) and the views in them must outlive the scope.
class FtsReplay {
 public:
  struct Column {
    std::string_view text;
    std::string_view tokens;  // FtsTokenizer::Tokenize's encoding of `text`
  };
  explicit FtsReplay(std::span<const Column> columns);
  ~FtsReplay();
  FtsReplay(const FtsReplay&) = delete;
  FtsReplay& operator=(const FtsReplay&) = delete;

  // The tokens armed for `text` and not yet taken (then taken), or null.
  const std::string_view* Take(std::string_view text);

 private:
  std::span<const Column> columns_;
  uint64_t used_ = 0;  // bit i: columns_[i] was taken
  FtsReplay* prev_;    // the scope this one hides
};

// Document tokenize calls on this thread's store connections since the process started: answered
// from armed tokens, and tokenised (tests and diagnostics).
struct FtsReplayCounts {
  int64_t replayed = 0;
  int64_t tokenized = 0;
};
FtsReplayCounts GetFtsReplayCounts();

}  // namespace kspace::store
