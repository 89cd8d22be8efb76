#include "search/fts_tokenizer.h"

#include <limits>
#include <memory>
#include <string>

#include "store/fts_replay.h"
#include "text/stem.h"
#include "text/tokenize.h"

namespace kspace::search {
namespace {

struct Tokenizer {};  // stateless; FTS5 still wants an instance per table

int Create(void*, const char**, int nArg, Fts5Tokenizer** out) {
  if (nArg != 0) return SQLITE_ERROR;  // no options: the name pins the behaviour
  *out = reinterpret_cast<Fts5Tokenizer*>(new (std::nothrow) Tokenizer());
  return *out == nullptr ? SQLITE_NOMEM : SQLITE_OK;
}

void Delete(Fts5Tokenizer* t) { delete reinterpret_cast<Tokenizer*>(t); }

int Tokenize(Fts5Tokenizer*, void* ctx, int flags, const char* text, int n,
             int (*token)(void*, int, const char*, int, int, int)) {
  if (text == nullptr || n <= 0) return SQLITE_OK;
  try {
    text::WordIterator it(std::string_view(text, static_cast<size_t>(n)));
    const bool prefix = (flags & FTS5_TOKENIZE_PREFIX) != 0;
    while (it.Next()) {
      std::string_view w = it.word();
      std::string stem;
      if (!prefix && !it.cjk()) {
        stem = text::StemEnglish(w);
        w = stem;
      }
      if (w.empty() || w.size() > 1000) continue;  // FTS5 rejects huge tokens; nobody searches them
      int rc = token(ctx, 0, w.data(), static_cast<int>(w.size()), static_cast<int>(it.begin()),
                     static_cast<int>(it.end()));
      if (rc != SQLITE_OK) return rc;
    }
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (...) {
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

}  // namespace

Status RegisterFtsTokenizer(sqlite3* db) {
  if (db == nullptr) return InvalidArgument("no database", "db");
  KS_ASSIGN_OR_RETURN(fts5_api* api, store::GetFts5Api(db));
  fts5_tokenizer t = {Create, Delete, Tokenize};
  if (api->xCreateTokenizer(api, kTokenizerName, nullptr, &t, nullptr) != SQLITE_OK)
    return Internal("could not register the kspace1 tokenizer");
  return Status::Ok();
}

}  // namespace kspace::search
