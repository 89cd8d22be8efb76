// Hybrid fusion: combining a full-text ranking and a vector ranking into one list.
//
// Two methods, both over ranked lists of (id, score) with HIGHER score = better:
//   - Reciprocal rank fusion (Cormack, Clarke & Buettcher 2009): sum of w / (k + rank). Uses ranks
//     only, so it needs no score calibration; robust default when the two sides are unknown.
//   - Convex combination of normalised scores (Bruch, Gai & Ingber 2023, "An analysis of fusion
//     functions for hybrid retrieval"): alpha * norm(text) + (1 - alpha) * norm(vector). Uses how
//     far ahead the leaders are, which RRF throws away; needs alpha tuned per pair of scorers.
// An id missing from one list contributes nothing from that side (RRF) or that side's normalised
// minimum, 0 (convex). Neither method drops anything: every id of either input is in the output
// (no similarity threshold can silently remove the vector side). Output is sorted by fused score
// descending, ties by id ascending, so results are deterministic.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kspace::search {

struct ScoredId {
  int64_t id = 0;
  double score = 0;  // higher is better
  bool operator==(const ScoredId&) const = default;
};

struct RrfOptions {
  double k = 60;             // rank offset: larger flattens the head's advantage
  double text_weight = 1.0;  // weight of the first (full-text) list
  double vector_weight = 1.0;
};

enum class ScoreNorm {
  kMinMax,     // (s - min) / (max - min) over the list; a one-item list maps to 1
  kMaxOnly,    // s / max over the list (keeps 0 at 0; for non-negative scores such as BM25)
  kZScore,     // (s - mean) / stddev, then shifted so the list's minimum is 0
};

struct ConvexOptions {
  double alpha = 0.5;  // weight of the full-text side in [0, 1]
  ScoreNorm norm = ScoreNorm::kMinMax;
};

// Lists are ranked best first; an id should appear at most once per list (later repeats are
// ignored). Non-finite scores are treated as the list's worst score.
std::vector<ScoredId> ReciprocalRankFusion(std::span<const ScoredId> text,
                                           std::span<const ScoredId> vector,
                                           const RrfOptions& options = {});
std::vector<ScoredId> ConvexFusion(std::span<const ScoredId> text, std::span<const ScoredId> vector,
                                   const ConvexOptions& options = {});

// Normalises one list's scores in place as ConvexFusion does (exposed for tests and callers that
// want to show a 0..1 relevance).
void NormalizeScores(std::span<ScoredId> list, ScoreNorm norm);

// Document-level aggregation of chunk hits: `hits` are (chunk score, document id) pairs in any
// order; returns one entry per document with its best chunk's score, best first (ties by id).
// A document that matches in several chunks gets `multi_bonus` times the sum of its other chunks'
// scores added (0 = pure max, the default).
struct ChunkHit {
  int64_t document = 0;
  double score = 0;
};
std::vector<ScoredId> AggregateByDocument(std::span<const ChunkHit> hits, double multi_bonus = 0);

// Sorts by score descending, ties by id ascending.
void SortByScore(std::vector<ScoredId>& list);

}  // namespace kspace::search
