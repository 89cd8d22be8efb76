#include "store/fts_replay.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

#include "util/thread_local.h"

namespace kspace::store {

Result<fts5_api*> GetFts5Api(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) != SQLITE_OK) {
    return Internal(std::string("FTS5 is not available: ") + sqlite3_errmsg(db));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
  sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
  sqlite3_step(stmt);
  if (api == nullptr || api->iVersion < 3) return Internal("FTS5 API version 3 or later is required");
  return api;
}

namespace {

// The arguments FTS5 passes the "porter" of chunk_fts (the words after "porter" in its tokenize).
const char* const kPorterArgs[] = {"unicode61", "remove_diacritics", "2"};

// ---- the encoding: per token, a length byte (< 255) or 255 and a 4-byte little-endian length

// Appends one token to out[0, *used), growing `out` geometrically: out->size() is capacity here,
// *used the length. One library call per growth instead of two per token (append and push_back
// are out-of-line libc++ calls in wasm: ~19 ms of appends in the second worker's RFC ingest).
void PutToken(std::string* out, size_t* used, const char* p, int n) {
  const auto len = static_cast<uint32_t>(n);
  const size_t need = *used + 5 + len;
  if (need > out->size()) out->resize(std::max(need, 2 * out->size()));
  char* w = out->data() + *used;
  if (len < 255) {
    *w++ = static_cast<char>(len);
  } else {
    *w++ = static_cast<char>(255);
    for (int i = 0; i < 4; ++i) *w++ = static_cast<char>((len >> (8 * i)) & 0xff);
  }
  if (len) std::memcpy(w, p, len);
  *used = static_cast<size_t>(w - out->data()) + len;
}

// Whether `enc` is a whole encoding (checked before any token of it is handed to FTS5).
bool ValidTokens(std::string_view enc) {
  size_t at = 0;
  while (at < enc.size()) {
    uint32_t len = static_cast<uint8_t>(enc[at++]);
    if (len == 255) {
      if (enc.size() - at < 4) return false;
      len = 0;
      for (size_t i = 0; i < 4; ++i) len |= static_cast<uint32_t>(static_cast<uint8_t>(enc[at + i])) << (8 * i);
      at += 4;
    }
    if (len > enc.size() - at) return false;
    at += len;
  }
  return true;
}

// Hands each token of a valid encoding to FTS5's callback; its first error ends the replay.
int EmitTokens(std::string_view enc, void* ctx, int (*token)(void*, int, const char*, int, int, int)) {
  size_t at = 0;
  while (at < enc.size()) {
    uint32_t len = static_cast<uint8_t>(enc[at++]);
    if (len == 255) {
      len = 0;
      for (size_t i = 0; i < 4; ++i) len |= static_cast<uint32_t>(static_cast<uint8_t>(enc[at + i])) << (8 * i);
      at += 4;
    }
    // Offsets are not used when FTS5 indexes a document: positions come from the order.
    if (int rc = token(ctx, 0, enc.data() + at, static_cast<int>(len), 0, 0); rc != SQLITE_OK) return rc;
    at += len;
  }
  return SQLITE_OK;
}

// ---- the store side: "porter" that replays armed tokens

KS_THREAD_LOCAL FtsReplay* t_armed = nullptr;
KS_THREAD_LOCAL FtsReplayCounts t_counts;

// The built-in tokenizer the wrapper stands in front of (owned by SQLite via xDestroy).
struct Module {
  fts5_tokenizer_v2 inner;
  void* inner_data;
};
struct Instance {
  const Module* module;
  Fts5Tokenizer* inner;
};

int WrapCreate(void* data, const char** args, int n, Fts5Tokenizer** out) {
  const auto* m = static_cast<const Module*>(data);
  Fts5Tokenizer* inner = nullptr;
  if (int rc = m->inner.xCreate(m->inner_data, args, n, &inner); rc != SQLITE_OK) return rc;
  try {
    // Owned by FTS5 until WrapDelete.
    *out = reinterpret_cast<Fts5Tokenizer*>(std::make_unique<Instance>(Instance{m, inner}).release());
    return SQLITE_OK;
  } catch (const std::bad_alloc&) {
    m->inner.xDelete(inner);
    return SQLITE_NOMEM;
  }
}

void WrapDelete(Fts5Tokenizer* t) {
  std::unique_ptr<Instance> inst(reinterpret_cast<Instance*>(t));
  inst->module->inner.xDelete(inst->inner);
}

using TokenFn = int (*)(void*, int, const char*, int, int, int);

int WrapTokenize(Fts5Tokenizer* t, void* ctx, int flags, const char* text, int n, const char* locale,
                 int nlocale, TokenFn token) {
  auto* inst = reinterpret_cast<Instance*>(t);
  if (flags == FTS5_TOKENIZE_DOCUMENT) {
    if (FtsReplay* armed = t_armed; armed != nullptr && nlocale == 0) {
      const std::string_view s(text != nullptr && n > 0 ? text : "", n > 0 ? static_cast<size_t>(n) : 0);
      const std::string_view* tokens = armed->Take(s);
      if (tokens != nullptr && ValidTokens(*tokens)) {  // else tokenise it after all
        ++t_counts.replayed;
        return EmitTokens(*tokens, ctx, token);
      }
    }
    ++t_counts.tokenized;
  }
  return inst->module->inner.xTokenize(inst->inner, ctx, flags, text, n, locale, nlocale, token);
}

void DestroyModule(void* data) { std::unique_ptr<Module> m(static_cast<Module*>(data)); }

}  // namespace

// ---- FtsTokenizer

struct FtsTokenizer::State {
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db{nullptr, sqlite3_close};
  fts5_tokenizer_v2 api{};
  Fts5Tokenizer* tok = nullptr;
  ~State() {
    if (tok != nullptr) api.xDelete(tok);
  }
};

Result<std::unique_ptr<FtsTokenizer>> FtsTokenizer::Open() {
  auto state = std::make_unique<State>();
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  state->db.reset(raw);
  if (rc != SQLITE_OK) return Internal("could not open a connection for tokenising");
  KS_ASSIGN_OR_RETURN(fts5_api* api, GetFts5Api(raw));
  void* data = nullptr;
  fts5_tokenizer_v2* found = nullptr;
  if (api->xFindTokenizer_v2(api, kFtsTokenizerName, &data, &found) != SQLITE_OK || found == nullptr) {
    return Internal("FTS5 has no porter tokenizer");
  }
  state->api = *found;
  if (state->api.xCreate(data, const_cast<const char**>(kPorterArgs), 3, &state->tok) != SQLITE_OK) {
    state->tok = nullptr;
    return Internal("could not create the porter tokenizer");
  }
  auto out = std::make_unique<FtsTokenizer>(Key{});
  out->state_ = std::move(state);
  return out;
}

FtsTokenizer::FtsTokenizer(Key) {}
FtsTokenizer::~FtsTokenizer() = default;

bool FtsTokenizer::Tokenize(std::string_view text, std::string* out) {
  struct Sink {
    std::string* out;
    size_t used;
    bool ok = true;
  } sink{out, out->size()};
  auto cb = [](void* ctx, int tflags, const char* p, int n, int, int) -> int {
    auto* s = static_cast<Sink*>(ctx);
    if (tflags != 0 || n < 0) {
      s->ok = false;  // a replay carries plain tokens only
      return SQLITE_OK;
    }
    PutToken(s->out, &s->used, p, n);
    return SQLITE_OK;
  };
  const int rc = state_->api.xTokenize(state_->tok, &sink, FTS5_TOKENIZE_DOCUMENT, text.data(),
                                       static_cast<int>(text.size()), nullptr, 0, cb);
  out->resize(sink.used);
  return rc == SQLITE_OK && sink.ok;
}

bool FtsTokenizer::TokenizeSpans(std::string_view text, bool query, std::vector<Span>* out) {
  if (text.size() > static_cast<size_t>(INT32_MAX)) return false;
  auto cb = [](void* ctx, int tflags, const char* p, int n, int begin, int end) -> int {
    if ((tflags & FTS5_TOKEN_COLOCATED) != 0 || n < 0 || begin < 0 || end < begin) return SQLITE_OK;
    static_cast<std::vector<Span>*>(ctx)->push_back(
        Span{std::string(p, static_cast<size_t>(n)), static_cast<uint32_t>(begin), static_cast<uint32_t>(end)});
    return SQLITE_OK;
  };
  const int rc = state_->api.xTokenize(state_->tok, out, query ? FTS5_TOKENIZE_QUERY : FTS5_TOKENIZE_DOCUMENT,
                                       text.data(), static_cast<int>(text.size()), nullptr, 0, cb);
  return rc == SQLITE_OK;
}

// ---- registration, arming, counts

Status RegisterFtsReplay(sqlite3* db) {
  if (db == nullptr) return InvalidArgument("no database", "db");
  KS_ASSIGN_OR_RETURN(fts5_api* api, GetFts5Api(db));
  void* data = nullptr;
  fts5_tokenizer_v2* found = nullptr;
  if (api->xFindTokenizer_v2(api, kFtsTokenizerName, &data, &found) != SQLITE_OK || found == nullptr) {
    return Internal("FTS5 has no porter tokenizer");
  }
  auto module = std::make_unique<Module>(Module{*found, data});
  fts5_tokenizer_v2 wrapper{2, WrapCreate, WrapDelete, WrapTokenize};
  if (api->xCreateTokenizer_v2(api, kFtsTokenizerName, module.get(), &wrapper, DestroyModule) != SQLITE_OK) {
    return Internal("could not register the replaying porter tokenizer");
  }
  module.release();  // SQLite owns it now (DestroyModule)
  return Status::Ok();
}

FtsReplay::FtsReplay(std::span<const Column> columns)
    : columns_(columns.first(std::min<size_t>(columns.size(), 64))), prev_(t_armed) {
  t_armed = this;
}

FtsReplay::~FtsReplay() { t_armed = prev_; }

const std::string_view* FtsReplay::Take(std::string_view text) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& c = columns_[i];
    if ((used_ >> i) & 1u) continue;
    if (c.text.size() != text.size() || std::memcmp(c.text.data(), text.data(), text.size()) != 0) continue;
    used_ |= uint64_t{1} << i;
    return &c.tokens;
  }
  return nullptr;
}

FtsReplayCounts GetFtsReplayCounts() { return t_counts; }

}  // namespace kspace::store
