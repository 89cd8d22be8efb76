// Hybrid search helpers: how the full-text and vector sides are combined (tuned on SciFact train).
//
// The recipe (what tests/eval/native/scifact_eval measures, and what the engine should do):
//   1. Full text: BuildMatchQuery(q) over the chunk FTS5 table ranked by ks_bm25 (fts_rank.h),
//      top kCandidates chunks, AggregateByDocument where results are per source (fusion.h).
//   2. Vector: the query vector from the space's embedder. For the built-in embedder, embed the
//      query with EmbedWeighted(q, IdfWeights from FetchIdfWeights) so rare query words count
//      more (BM25's IDF, taken from the same FTS5 index; never stored, so vectors stay pure
//      functions of their text). Then ExpandQueryVector with the stored vectors of the top
//      kFeedbackDocs full-text hits (Rocchio pseudo-relevance feedback: the vector side then also
//      finds neighbours of the best lexical match, evidence BM25 cannot produce). Search the
//      vector index with the expanded vector, top kCandidates.
//   3. ConvexFusion(text, vector, {kAlpha, ScoreNorm::kMinMax}). Not RRF by default: on SciFact
//      train RRF lost 5-6 points of nDCG@10 against the convex blend (rank-only fusion lets the
//      weaker side's ranks count as much as the stronger side's).
// Every step is optional and degrades gracefully: no FTS hit -> no feedback and uniform
// weights; an external embedder -> skip EmbedWeighted, keep the feedback.
#pragma once

#include <functional>
#include <optional>

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embed/builtin_embedder.h"
#include "search/fts_rank.h"
#include "util/status.h"

namespace kspace::search {

inline constexpr int kCandidates = 100;     // per side, before fusion (chunks or documents)
inline constexpr int kFeedbackDocs = 1;     // Rocchio feedback from the top full-text hit(s)
inline constexpr float kFeedbackBeta = 2.0f;  // weight of the feedback centroid vs the query
inline constexpr double kAlpha = 0.5;       // convex weight of the full-text side

// Per-word IDF weights for a query, looked up in an FTS5 table's statistics.
class IdfWeights final : public embed::WordWeights {
 public:
  IdfWeights() = default;
  // `word` as the embedder yields it (ASCII-lowercased). Words the lookup did not cover (e.g.
  // stopwords) get the largest IDF seen, as an unknown word would (the embedder drops stopwords
  // itself).
  float Weight(std::string_view word) const override;

  std::unordered_map<std::string, float> idf;  // word -> ln(1 + (N - df + 0.5) / (df + 0.5))
  float unknown = 1.0f;
};

// Runs `SELECT ks_df(<fts table>) FROM <fts table> WHERE <fts table> MATCH :match LIMIT 1` and
// returns its value ("N df_0 df_1 ...", see fts_rank.h), or nullopt when no row matches. The
// storage layer owns the SQL (store::FtsDocFrequencies); tests supply their own.
using DfLookup = std::function<Result<std::optional<std::string>>(const std::string& match)>;

// Looks up the document frequencies of the words of `query` through `lookup` (one MATCH query
// with LIMIT 1; its cost is that of computing BM25's IDFs). An empty query gives empty weights.
Result<IdfWeights> FetchIdfWeights(const DfLookup& lookup, std::string_view query);

// The words FetchIdfWeights looks up for `query` (all but the embedder's stopwords, which it
// never weighs), and the MATCH expression it passes to the lookup for them: a search that needs
// the frequencies of (some of) these words elsewhere can fetch them once, under this key.
std::vector<std::string> IdfWords(std::string_view query);
std::string IdfMatch(const std::vector<std::string>& words);

// The document frequencies of `words` read off those already fetched for `all` (ks_df's value for
// IdfMatch(all), parsed): a phrase's frequency does not depend on the other phrases of the MATCH.
// nullopt when some word of `words` is not in `all`.
std::optional<DocFrequencies> SubsetFrequencies(const std::vector<std::string>& words,
                                                const std::vector<std::string>& all, const DocFrequencies& all_df);

// Rocchio: query <- normalise(query + beta * mean(feedback rows, each at unit length)).
// `feedback` holds n rows of query.size() floats (n may be 0: then only normalisation happens);
// rows may have any length (stored vectors of a page-side model need not be unit vectors).
// Non-finite inputs are ignored, and an all-zero row adds nothing; a zero result leaves the query
// unchanged.
Status ExpandQueryVector(std::span<float> query, std::span<const float> feedback, float beta);

}  // namespace kspace::search
