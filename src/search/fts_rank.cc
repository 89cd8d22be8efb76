#include "search/fts_rank.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "search/fts_tokenizer.h"
#include "store/fts_cut.h"
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

// The query's statistics, computed on the first row the function sees and kept as auxdata.
int GetStats(const Fts5ExtensionApi* api, Fts5Context* ctx, QueryStats** out) {
  auto* stats = static_cast<QueryStats*>(api->xGetAuxdata(ctx, 0));
  if (stats == nullptr) {
    auto fresh = std::make_unique<QueryStats>();
    int rc = ComputeStats(api, ctx, fresh.get());
    if (rc != SQLITE_OK) return rc;
    stats = fresh.get();
    rc = api->xSetAuxdata(ctx, fresh.release(), DeleteStats);  // frees it on failure too
    if (rc != SQLITE_OK) return rc;
  }
  *out = stats;
  return SQLITE_OK;
}

// stats->tf := this row's term frequencies, per phrase and column (from the position lists that
// FTS5 already holds for the row; no read of the row's text or sizes).
int RowTermFrequencies(const Fts5ExtensionApi* api, Fts5Context* ctx, QueryStats* stats) {
  std::vector<int>& tf = stats->tf;
  std::fill(tf.begin(), tf.end(), 0);
  int inst = 0;
  int rc = api->xInstCount(ctx, &inst);
  if (rc != SQLITE_OK) return rc;
  for (int i = 0; i < inst; ++i) {
    int phrase = 0, col = 0, off = 0;
    rc = api->xInst(ctx, i, &phrase, &col, &off);
    if (rc != SQLITE_OK) return rc;
    if (phrase >= 0 && phrase < stats->phrases && col >= 0 && col < stats->columns)
      ++tf[static_cast<size_t>(phrase) * static_cast<size_t>(stats->columns) + static_cast<size_t>(col)];
  }
  return SQLITE_OK;
}

// Column c's factor weight / (1 - b + b * len / avg_len).
double ColumnFactor(double w, double b, double len, double avg) {
  const double norm = avg > 0 ? (1.0 - b + b * len / avg) : 1.0;
  return norm > 0 ? w / norm : 0.0;
}

// BM25F of the row whose frequencies are in stats->tf, given each column's factor.
double ScoreRow(const QueryStats& stats, const double* col_factor, double k1) {
  const int cols = stats.columns;
  double score = 0;
  for (int p = 0; p < stats.phrases; ++p) {
    const double idf = stats.idf[static_cast<size_t>(p)];
    if (idf == 0) continue;
    double w = 0;
    for (int c = 0; c < cols; ++c)
      w += col_factor[c] * stats.tf[static_cast<size_t>(p) * static_cast<size_t>(cols) + static_cast<size_t>(c)];
    if (w > 0) score += idf * w * (k1 + 1.0) / (k1 + w);
  }
  return score;
}

constexpr int kMaxColumns = 64;
constexpr int kMaxCutColumns = 8;  // ks_bm25_cut serves chunk_fts (3 columns); small to zero per row

double DefaultWeight(int c) {
  return c < static_cast<int>(kDefaultBm25.weights.size()) ? kDefaultBm25.weights[static_cast<size_t>(c)] : 1.0;
}

void Bm25F(const Fts5ExtensionApi* api, Fts5Context* ctx, sqlite3_context* result, int argc,
           sqlite3_value** argv) {
  QueryStats* stats = nullptr;
  int rc = GetStats(api, ctx, &stats);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);

  // Parameters: defaults, overridden by the optional arguments.
  double k1 = kDefaultBm25.k1, b = kDefaultBm25.b;
  if (argc > 0 && !ArgNumber(argv[0], &k1)) return sqlite3_result_error(result, "ks_bm25: k1 must be a number", -1);
  if (argc > 1 && !ArgNumber(argv[1], &b)) return sqlite3_result_error(result, "ks_bm25: b must be a number", -1);
  if (k1 < 0 || b < 0 || b > 1) return sqlite3_result_error(result, "ks_bm25: need k1 >= 0 and 0 <= b <= 1", -1);
  const int cols = stats->columns;
  double col_factor[kMaxColumns];
  if (cols > kMaxColumns) return sqlite3_result_error(result, "ks_bm25: more than 64 columns", -1);
  for (int c = 0; c < cols; ++c) {
    double w = DefaultWeight(c);
    if (argc > 2 + c && !ArgNumber(argv[2 + c], &w)) return sqlite3_result_error(result, "ks_bm25: weights must be numbers", -1);
    if (w < 0) return sqlite3_result_error(result, "ks_bm25: weights must be >= 0", -1);
    int len = 0;
    rc = api->xColumnSize(ctx, c, &len);
    if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
    col_factor[c] = ColumnFactor(w, b, static_cast<double>(len), stats->avg_len[static_cast<size_t>(c)]);
  }
  rc = RowTermFrequencies(api, ctx, stats);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
  sqlite3_result_double(result, -ScoreRow(*stats, col_factor, k1));
}

// ks_bm25_cut(tbl, cut): ks_bm25's score with the default parameters, positive (higher is better),
// or NULL for a row that provably scores below cut->threshold. The bound needs only the row's term
// frequencies: a column holding tf instances of a phrase is at least tf tokens long, and a
// shorter column only raises its factor, so scoring with those least lengths can only overstate.
// Rows it rules out skip FTS5's per-row read of their column sizes (a B-tree lookup each).
void Bm25FCut(const Fts5ExtensionApi* api, Fts5Context* ctx, sqlite3_context* result, int argc,
              sqlite3_value** argv) {
  auto* cut = argc == 1 ? static_cast<store::Bm25Cut*>(sqlite3_value_pointer(argv[0], store::kBm25CutPointerType)) : nullptr;
  if (cut == nullptr) return sqlite3_result_error(result, "ks_bm25_cut: needs one bound Bm25Cut pointer", -1);
  QueryStats* stats = nullptr;
  int rc = GetStats(api, ctx, &stats);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
  const int cols = stats->columns;
  if (cols > kMaxCutColumns) return sqlite3_result_error(result, "ks_bm25_cut: more than 8 columns", -1);
  const double k1 = kDefaultBm25.k1, b = kDefaultBm25.b;
  rc = RowTermFrequencies(api, ctx, stats);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
  // Zeroed, though only the first `cols` are read: GCC cannot see that at -O2 and warns.
  double col_factor[kMaxCutColumns] = {};
  if (cut->threshold > 0) {
    for (int c = 0; c < cols; ++c) {
      int least = 0;
      for (int p = 0; p < stats->phrases; ++p)
        least = std::max(least, stats->tf[static_cast<size_t>(p) * static_cast<size_t>(cols) + static_cast<size_t>(c)]);
      col_factor[c] = ColumnFactor(DefaultWeight(c), b, static_cast<double>(least), stats->avg_len[static_cast<size_t>(c)]);
    }
    // The margin covers rounding: the bound and the score are computed in different orders.
    if (ScoreRow(*stats, col_factor, k1) * (1.0 + 1e-9) < cut->threshold) {
      ++cut->skipped;
      return sqlite3_result_null(result);
    }
  }
  for (int c = 0; c < cols; ++c) {
    int len = 0;
    rc = api->xColumnSize(ctx, c, &len);
    if (rc != SQLITE_OK) return sqlite3_result_error_code(result, rc);
    col_factor[c] = ColumnFactor(DefaultWeight(c), b, static_cast<double>(len), stats->avg_len[static_cast<size_t>(c)]);
  }
  ++cut->scored;
  sqlite3_result_double(result, ScoreRow(*stats, col_factor, k1));
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
  rc = api->xCreateFunction(api, kRankCutFunctionName, nullptr, &Bm25FCut, nullptr);
  if (rc != SQLITE_OK) return Internal("could not register ks_bm25_cut");
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
