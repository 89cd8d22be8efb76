// Full-text ranking inside SQLite FTS5: the `ks_bm25` auxiliary function.
//
// FTS5's built-in bm25() fixes k1 = 1.2 and b = 0.75 and scores each column separately. ks_bm25 is
// BM25F (Robertson, Zaragoza & Taylor 2004; Zaragoza et al. 2004): per query term, the term
// frequencies of all columns are length-normalised per column, weighted, summed, and only then
// saturated, so a term found in both the title and the body is not counted as two independent
// matches. IDF is Lucene's ln(1 + (N - df + 0.5) / (df + 0.5)) (never negative). Repeated query
// terms (after tokenisation, e.g. "effect effects" under porter) count once.
//
// SQL usage (the storage layer owns the table; see fts_schema.h for the DDL):
//   SELECT rowid, ks_bm25(chunk_fts) AS score FROM chunk_fts
//    WHERE chunk_fts MATCH :query ORDER BY score LIMIT :k;
// or, equivalently, `... WHERE chunk_fts MATCH :query AND rank MATCH 'ks_bm25()' ORDER BY rank`.
// Like bm25(), the value is the NEGATED score (more negative = better match), so ascending ORDER
// BY returns the best first. Optional arguments after the table override the tuned defaults:
//   ks_bm25(tbl, k1, b, w_0, w_1, ..., w_{n-1})      (w_i: weight of column i)
// Invalid arguments (not numbers, NaN, k1 < 0, b outside [0,1], negative weights) fail the query
// with an SQL error instead of ranking nonsense.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cmath>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace kspace::search {

inline constexpr const char* kRankFunctionName = "ks_bm25";

// ks_bm25_cut(tbl, ?cut): the default ks_bm25 score, positive (higher is better), for a top-k
// search that reads every matching row itself (store::FtsSearch) instead of sorting them in SQL.
// `cut` is a store::Bm25Cut (store/fts_cut.h) bound with sqlite3_bind_pointer. While
// cut->threshold is above 0 (the caller raises it to the k-th best score it has kept), a row whose
// upper bound (from its term frequencies alone) is below it yields NULL instead of its score, and
// its column sizes are never read: that per-row lookup was most of a common-word query.
inline constexpr const char* kRankCutFunctionName = "ks_bm25_cut";

// The defaults, tuned on the SciFact *train* queries (tests/eval/native/scifact_eval.cc).
struct Bm25Params {
  double k1 = 0.9;
  double b = 0.75;
  // Column weights in the order of the table's columns (title, heading_path, text); columns past
  // the end of this array get weight 1.
  std::array<double, 3> weights = {1.5, 1.0, 1.0};
};
inline constexpr Bm25Params kDefaultBm25 = {};

// BM25's IDF as ks_bm25 computes it (Lucene's form, never negative), for `df` of `rows` rows.
inline double Bm25Idf(double rows, double df) { return std::log(1.0 + (rows - df + 0.5) / (df + 0.5)); }

// The value of ks_df ("N df_0 df_1 ..."): the table's row count and one document frequency per
// phrase of the MATCH expression, in its order.
struct DocFrequencies {
  double rows = 0;
  std::vector<double> df;
};
// Parses a ks_df value expected to hold `phrases` frequencies; INTERNAL when it holds fewer.
Result<DocFrequencies> ParseDocFrequencies(std::string_view value, size_t phrases);

// Registers ks_bm25 (and the kspace FTS5 tokenizer, see fts_tokenizer.h) on `db`. Must run on
// every connection before it queries (or, for the tokenizer, writes) an FTS5 table that uses them.
// Idempotent. Fails with INTERNAL if SQLite was built without FTS5.
Status RegisterFtsFunctions(sqlite3* db);

}  // namespace kspace::search
