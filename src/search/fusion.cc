#include "search/fusion.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace kspace::search {
namespace {

// Scores of the list with non-finite values replaced by the list's worst finite score (or 0),
// and repeated ids dropped (the first, best-ranked occurrence wins).
std::vector<ScoredId> Clean(std::span<const ScoredId> list) {
  std::vector<ScoredId> out;
  out.reserve(list.size());
  double worst = 0;
  bool any = false;
  for (const ScoredId& s : list) {
    if (std::isfinite(s.score)) {
      worst = any ? std::min(worst, s.score) : s.score;
      any = true;
    }
  }
  std::unordered_map<int64_t, bool> seen;
  seen.reserve(list.size() * 2);
  for (const ScoredId& s : list) {
    if (!seen.emplace(s.id, true).second) continue;
    out.push_back({s.id, std::isfinite(s.score) ? s.score : worst});
  }
  return out;
}

}  // namespace

void SortByScore(std::vector<ScoredId>& list) {
  std::sort(list.begin(), list.end(), [](const ScoredId& a, const ScoredId& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.id < b.id;
  });
}

std::vector<ScoredId> ReciprocalRankFusion(std::span<const ScoredId> text,
                                           std::span<const ScoredId> vector,
                                           const RrfOptions& options) {
  const double k = std::isfinite(options.k) && options.k >= 0 ? options.k : 60.0;
  std::unordered_map<int64_t, double> fused;
  fused.reserve((text.size() + vector.size()) * 2);
  auto add = [&](std::span<const ScoredId> list, double weight) {
    if (!std::isfinite(weight)) weight = 0;
    std::vector<ScoredId> clean = Clean(list);
    for (size_t r = 0; r < clean.size(); ++r)
      fused[clean[r].id] += weight / (k + static_cast<double>(r + 1));
  };
  add(text, options.text_weight);
  add(vector, options.vector_weight);
  std::vector<ScoredId> out;
  out.reserve(fused.size());
  for (const auto& [id, score] : fused) out.push_back({id, score});
  SortByScore(out);
  return out;
}

void NormalizeScores(std::span<ScoredId> list, ScoreNorm norm) {
  if (list.empty()) return;
  double lo = list[0].score, hi = list[0].score, sum = 0;
  for (const ScoredId& s : list) {
    lo = std::min(lo, s.score);
    hi = std::max(hi, s.score);
    sum += s.score;
  }
  switch (norm) {
    case ScoreNorm::kMinMax:
      for (ScoredId& s : list) s.score = hi > lo ? (s.score - lo) / (hi - lo) : 1.0;
      break;
    case ScoreNorm::kMaxOnly:
      for (ScoredId& s : list) s.score = hi > 0 ? std::max(0.0, s.score) / hi : (hi == lo ? 1.0 : 0.0);
      break;
    case ScoreNorm::kZScore: {
      const double mean = sum / static_cast<double>(list.size());
      double var = 0;
      for (const ScoredId& s : list) var += (s.score - mean) * (s.score - mean);
      const double sd = std::sqrt(var / static_cast<double>(list.size()));
      for (ScoredId& s : list) s.score = sd > 0 ? (s.score - lo) / sd : 1.0;
      break;
    }
  }
}

std::vector<ScoredId> ConvexFusion(std::span<const ScoredId> text, std::span<const ScoredId> vector,
                                   const ConvexOptions& options) {
  double alpha = options.alpha;
  if (!std::isfinite(alpha)) alpha = 0.5;
  alpha = std::clamp(alpha, 0.0, 1.0);
  std::unordered_map<int64_t, double> fused;
  fused.reserve((text.size() + vector.size()) * 2);
  auto add = [&](std::span<const ScoredId> list, double weight) {
    std::vector<ScoredId> clean = Clean(list);
    NormalizeScores(clean, options.norm);
    for (const ScoredId& s : clean) fused[s.id] += weight * s.score;
  };
  add(text, alpha);
  add(vector, 1.0 - alpha);
  std::vector<ScoredId> out;
  out.reserve(fused.size());
  for (const auto& [id, score] : fused) out.push_back({id, score});
  SortByScore(out);
  return out;
}

std::vector<ScoredId> AggregateByDocument(std::span<const ChunkHit> hits, double multi_bonus) {
  struct Acc {
    double best;
    double sum;
  };
  std::unordered_map<int64_t, Acc> docs;
  docs.reserve(hits.size() * 2);
  for (const ChunkHit& h : hits) {
    const double s = std::isfinite(h.score) ? h.score : 0.0;
    auto [it, inserted] = docs.emplace(h.document, Acc{s, s});
    if (!inserted) {
      it->second.best = std::max(it->second.best, s);
      it->second.sum += s;
    }
  }
  std::vector<ScoredId> out;
  out.reserve(docs.size());
  const double bonus = std::isfinite(multi_bonus) ? multi_bonus : 0.0;
  for (const auto& [id, a] : docs) out.push_back({id, a.best + bonus * (a.sum - a.best)});
  SortByScore(out);
  return out;
}

}  // namespace kspace::search
