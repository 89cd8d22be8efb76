// Cluster labels by class-based TF-IDF (c-TF-IDF, Grootendorst 2022, as BERTopic's
// ClassTfidfTransformer): all rows of a cluster are one "document"; a term scores high when it is
// frequent in the cluster and rare across clusters.
//
//   tf(t, c)  = count of t in c / total count of all terms in c        (L1 per cluster)
//   idf(t)    = log(1 + A / f(t))     A = mean total term count per cluster, f(t) = count of t
//                                      over all clusters
//   (bm25_weighting: idf = log(1 + (A - f(t) + 0.5) / (f(t) + 0.5)), floored at 0)
//   (reduce_frequent_words: tf -> sqrt(tf))
//   score(t, c) = tf(t, c) * idf(t)
//
// The input is already tokenised: per row, a list of (term id, count). The caller (the text
// subsystem) decides what a term is (keyphrases, lemmas, entities) and owns the vocabulary; this
// module never sees text. A string convenience overload maps strings to ids for callers that have
// strings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "layout/common.h"

namespace kspace::layout {

// Rows' terms in compressed sparse row form: row i owns entries [row_offsets[i], row_offsets[i+1])
// of term_ids/counts. row_offsets has rows + 1 entries, starting at 0, non-decreasing.
struct TermMatrix {
  int num_terms = 0;                  // term ids are in [0, num_terms)
  std::vector<int64_t> row_offsets;   // rows + 1
  std::vector<int32_t> term_ids;
  std::vector<float> counts;          // > 0
};

struct ClassTfidfParams {
  int top_n = 10;                      // terms returned per cluster (1..1000)
  bool reduce_frequent_words = false;  // sqrt of tf
  bool bm25_weighting = false;         // BM25-style idf
  bool include_noise = false;          // treat label -1 as a cluster of its own (else ignored)
  int min_cluster_count = 1;           // a term must occur >= this many times in a cluster to be
                                       // listed for it (filters one-off terms in large clusters)
};

struct ScoredTerm {
  int32_t term = 0;
  float score = 0.0f;
};

struct ClusterTerms {
  int32_t label = 0;               // the cluster label as given
  int64_t rows = 0;                // rows in the cluster
  std::vector<ScoredTerm> terms;   // best first; ties broken by term id
};

// Top terms of every cluster (labels ascending). Errors: malformed TermMatrix ("terms"), labels
// size != rows ("labels"), bad top_n, no cluster with terms ("labels").
Result<std::vector<ClusterTerms>> ClassTfidf(const TermMatrix& terms, std::span<const int32_t> labels,
                                             const ClassTfidfParams& params = {});

struct ClusterKeywords {
  int32_t label = 0;
  std::vector<std::pair<std::string, float>> terms;
};

// Convenience: per row a list of terms (a term listed twice counts twice).
Result<std::vector<ClusterKeywords>> ClassTfidfStrings(const std::vector<std::vector<std::string>>& row_terms,
                                                       std::span<const int32_t> labels,
                                                       const ClassTfidfParams& params = {});

}  // namespace kspace::layout
