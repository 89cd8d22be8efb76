#include "search/fts_rank.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "search/fts_tokenizer.h"
#include "store/fts_replay.h"

namespace kspace::search {
namespace {

// Per-query statistics, computed on the first row of a query and cached as FTS5 auxdata.
struct QueryStats {
  int phrases = 0;
  int columns = 0;
  std::vector<double> idf;       // per phrase; 0 for a phrase that repeats an earlier one
  std::vector<double> avg_len;   // per column: average tokens per row
  std::vector<int> tf;           // scratch: phrases x columns term frequencies of the current row
};

int CountRows(const Fts5ExtensionApi*, Fts5Context*, void* user) {
  ++*static_cast<sqlite3_int64*>(user);
  return SQLITE_OK;
}

// The phrase's tokens as the tokenizer produced them, joined by '\0': the dedup key.
std::string PhraseKey(const Fts5ExtensionApi* api, Fts5Context* ctx, int phrase) {
  std::string key;
  int n = api->xPhraseSize(ctx, phrase);
  for (int t = 0; t < n; ++t) {
    const char* tok = nullptr;
    int len = 0;
    if (api->xQueryToken(ctx, phrase, t, &tok, &len) != SQLITE_OK || tok == nullptr) return {};
    key.append(tok, static_cast<size_t>(len));
    key.push_back('\0');
  }
  return key;
}

int ComputeStats(const Fts5ExtensionApi* api, Fts5Context* ctx, QueryStats* s) {
  s->phrases = api->xPhraseCount(ctx);
  s->columns = api->xColumnCount(ctx);
  sqlite3_int64 rows = 0;
  int rc = api->xRowCount(ctx, &rows);
  if (rc != SQLITE_OK) return rc;
  const double n = static_cast<double>(rows);
  s->avg_len.assign(static_cast<size_t>(s->columns), 0.0);
  for (int c = 0; c < s->columns; ++c) {
    sqlite3_int64 total = 0;
    rc = api->xColumnTotalSize(ctx, c, &total);
    if (rc != SQLITE_OK) return rc;
    s->avg_len[static_cast<size_t>(c)] = rows > 0 ? static_cast<double>(total) / n : 0.0;
  }
  s->idf.assign(static_cast<size_t>(s->phrases), 0.0);
  std::vector<std::string> keys;
  keys.reserve(static_cast<size_t>(s->phrases));
  for (int p = 0; p < s->phrases; ++p) {
    std::string key = PhraseKey(api, ctx, p);
    bool repeat = false;
    for (const std::string& k : keys) repeat |= !key.empty() && k == key;
    keys.push_back(key);
    if (repeat) continue;
    sqlite3_int64 df = 0;
    rc = api->xQueryPhrase(ctx, p, &df, CountRows);
    if (rc != SQLITE_OK) return rc;
    const double d = static_cast<double>(df);
    s->idf[static_cast<size_t>(p)] = Bm25Idf(n, d);
  }
  s->tf.assign(static_cast<size_t>(s->phrases) * static_cast<size_t>(s->columns), 0);
  return SQLITE_OK;
}

void DeleteStats(void* p) { delete static_cast<QueryStats*>(p); }

bool ArgNumber(sqlite3_value* v, double* out) {
  int t = sqlite3_value_numeric_type(v);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) return false;
  *out = sqlite3_value_double(v);
  return std::isfinite(*out);
}

void Bm25F(const Fts5ExtensionApi* api, Fts5Context* ctx, sqlite3_context* result, int argc,
           sqlite3_value** argv) {
  auto* stats = static_cast<QueryStats*>(api->xGetAuxdata(ctx, 0));
  if (stats == nullptr) {
    auto fresh = std::make_unique<QueryStats>();
    int rc = ComputeStats(api, ctx, fresh.get());
    if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
    stats = fresh.get();
    rc = api->xSetAuxdata(ctx, fresh.release(), DeleteStats);  // frees it on failure too
    if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
  }

  // Parameters: defaults, overridden by the optional arguments.
  double k1 = kDefaultBm25.k1, b = kDefaultBm25.b;
  if (argc > 0 && !ArgNumber(argv[0], &k1)) return sqlite3_result_error(result, "ks_bm25: k1 must be a number", -1);
  if (argc > 1 && !ArgNumber(argv[1], &b)) return sqlite3_result_error(result, "ks_bm25: b must be a number", -1);
  if (k1 < 0 || b < 0 || b > 1) return sqlite3_result_error(result, "ks_bm25: need k1 >= 0 and 0 <= b <= 1", -1);
  const int cols = stats->columns;
  // Per-column factor: weight / (1 - b + b * len / avg_len).
  double col_factor[64];
  if (cols > 64) return sqlite3_result_error(result, "ks_bm25: more than 64 columns", -1);
  for (int c = 0; c < cols; ++c) {
    double w = c < static_cast<int>(kDefaultBm25.weights.size()) ? kDefaultBm25.weights[static_cast<size_t>(c)] : 1.0;
    if (argc > 2 + c && !ArgNumber(argv[2 + c], &w)) return sqlite3_result_error(result, "ks_bm25: weights must be numbers", -1);
    if (w < 0) return sqlite3_result_error(result, "ks_bm25: weights must be >= 0", -1);
    int len = 0;
    int rc = api->xColumnSize(ctx, c, &len);
    if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
    const double avg = stats->avg_len[static_cast<size_t>(c)];
    const double norm = avg > 0 ? (1.0 - b + b * static_cast<double>(len) / avg) : 1.0;
    col_factor[c] = norm > 0 ? w / norm : 0.0;
  }

  // Term frequencies of this row, per phrase and column.
  std::vector<int>& tf = stats->tf;
  std::fill(tf.begin(), tf.end(), 0);
  int inst = 0;
  int rc = api->xInstCount(ctx, &inst);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
  for (int i = 0; i < inst; ++i) {
    int phrase = 0, col = 0, off = 0;
    rc = api->xInst(ctx, i, &phrase, &col, &off);
    if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
    if (phrase >= 0 && phrase < stats->phrases && col >= 0 && col < cols)
      ++tf[static_cast<size_t>(phrase) * static_cast<size_t>(cols) + static_cast<size_t>(col)];
  }

  double score = 0;
  for (int p = 0; p < stats->phrases; ++p) {
    const double idf = stats->idf[static_cast<size_t>(p)];
    if (idf == 0) continue;
    double w = 0;
    for (int c = 0; c < cols; ++c)
      w += col_factor[c] * tf[static_cast<size_t>(p) * static_cast<size_t>(cols) + static_cast<size_t>(c)];
    if (w > 0) score += idf * w * (k1 + 1.0) / (k1 + w);
  }
  sqlite3_result_double(result, -score);
}

// ks_df(tbl): "N df_0 df_1 ... df_{p-1}" for the MATCH query's phrases (N = rows in the table).
// Used by FetchIdfWeights (hybrid.h) to weight query words for the vector side.
void KsDfFunction(const Fts5ExtensionApi* api, Fts5Context* ctx, sqlite3_context* result, int,
                    sqlite3_value**) {
  sqlite3_int64 rows = 0;
  int rc = api->xRowCount(ctx, &rows);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
  std::string out = std::to_string(rows);
  const int phrases = api->xPhraseCount(ctx);
  for (int p = 0; p < phrases; ++p) {
    sqlite3_int64 df = 0;
    rc = api->xQueryPhrase(ctx, p, &df, CountRows);
    if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
    out += ' ';
    out += std::to_string(df);
  }
  sqlite3_result_text(result, out.c_str(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

}  // namespace

Status RegisterFtsFunctions(sqlite3* db) {
  if (db == nullptr) return InvalidArgument("no database", "db");
  KS_ASSIGN_OR_RETURN(fts5_api* api, store::GetFts5Api(db));
  // The Bm25F wrapper adapts the (argc, argv) after the table argument.
  int rc = api->xCreateFunction(api, kRankFunctionName, nullptr, &Bm25F, nullptr);
  if (rc != SQLITE_OK) return Internal("could not register ks_bm25");
  rc = api->xCreateFunction(api, "ks_df", nullptr, &KsDfFunction, nullptr);
  if (rc != SQLITE_OK) return Internal("could not register ks_df");
  return RegisterFtsTokenizer(db);
}

Result<DocFrequencies> ParseDocFrequencies(std::string_view value, size_t phrases) {
  const std::string text(value);  // strtod needs a terminated string
  DocFrequencies out;
  const char* p = text.c_str();
  char* end = nullptr;
  out.rows = std::strtod(p, &end);
  if (end == p) return Internal("document frequencies: no row count");
  out.df.reserve(phrases);
  for (size_t i = 0; i < phrases; ++i) {
    p = end;
    out.df.push_back(std::strtod(p, &end));
    if (end == p) return Internal("document frequencies: short value");
  }
  return out;
}

}  // namespace kspace::search
