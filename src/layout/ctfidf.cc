#include "layout/ctfidf.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace kspace::layout {

Result<std::vector<ClusterTerms>> ClassTfidf(const TermMatrix& tm, std::span<const int32_t> labels,
                                             const ClassTfidfParams& params) {
  if (params.top_n < 1 || params.top_n > 1000) return InvalidArgument("topN must be in [1, 1000]", "topN");
  if (params.min_cluster_count < 1) return InvalidArgument("minClusterCount must be >= 1", "minClusterCount");
  if (tm.num_terms < 1 || tm.num_terms > kMaxRows) return InvalidArgument("numTerms must be in [1, 2^24]", "terms");
  if (tm.row_offsets.empty() || tm.row_offsets.front() != 0) {
    return InvalidArgument("rowOffsets must start at 0", "terms");
  }
  const size_t rows = tm.row_offsets.size() - 1;
  if (labels.size() != rows) return InvalidArgument("labels must have one entry per row", "labels");
  if (tm.term_ids.size() != tm.counts.size() || static_cast<size_t>(tm.row_offsets.back()) != tm.term_ids.size()) {
    return InvalidArgument("rowOffsets, termIds and counts disagree in size", "terms");
  }
  for (size_t i = 0; i < rows; ++i) {
    if (tm.row_offsets[i + 1] < tm.row_offsets[i]) return InvalidArgument("rowOffsets must be non-decreasing", "terms");
  }
  for (size_t t = 0; t < tm.term_ids.size(); ++t) {
    if (tm.term_ids[t] < 0 || tm.term_ids[t] >= tm.num_terms) return InvalidArgument("term id out of range", "terms");
    if (!(tm.counts[t] > 0.0f) || !std::isfinite(tm.counts[t])) return InvalidArgument("counts must be positive and finite", "terms");
  }
  // Cluster x term counts, sparse per cluster (clusters ordered by label).
  std::map<int32_t, int> cluster_index;
  for (int32_t l : labels)
    if (l >= 0 || params.include_noise) cluster_index.emplace(l, 0);
  int nc = 0;
  for (auto& [l, idx] : cluster_index) idx = nc++;
  std::vector<std::unordered_map<int32_t, double>> counts(static_cast<size_t>(nc));
  std::vector<int64_t> cluster_rows(static_cast<size_t>(nc), 0);
  std::vector<double> total(static_cast<size_t>(nc), 0.0), f(static_cast<size_t>(tm.num_terms), 0.0);
  for (size_t i = 0; i < rows; ++i) {
    auto it = cluster_index.find(labels[i]);
    if (it == cluster_index.end()) continue;
    const int c = it->second;
    ++cluster_rows[c];
    for (int64_t t = tm.row_offsets[i]; t < tm.row_offsets[i + 1]; ++t) {
      counts[c][tm.term_ids[t]] += tm.counts[t];
      total[c] += tm.counts[t];
      f[tm.term_ids[t]] += tm.counts[t];
    }
  }
  double grand = 0.0;
  for (double x : total) grand += x;
  if (nc == 0 || !(grand > 0.0)) return InvalidArgument("no cluster has any terms", "labels");
  const double avg = grand / nc;

  std::vector<ClusterTerms> out;
  out.reserve(static_cast<size_t>(nc));
  for (const auto& [label, c] : cluster_index) {
    ClusterTerms ct;
    ct.label = label;
    ct.rows = cluster_rows[c];
    std::vector<ScoredTerm> scored;
    scored.reserve(counts[c].size());
    for (const auto& [term, cnt] : counts[c]) {
      if (cnt < params.min_cluster_count) continue;
      double tf = cnt / total[c];
      if (params.reduce_frequent_words) tf = std::sqrt(tf);
      const double idf = params.bm25_weighting
                             ? std::max(0.0, std::log(1.0 + (avg - f[term] + 0.5) / (f[term] + 0.5)))
                             : std::log(1.0 + avg / f[term]);
      scored.push_back({term, static_cast<float>(tf * idf)});
    }
    const size_t keep = std::min(scored.size(), static_cast<size_t>(params.top_n));
    std::partial_sort(scored.begin(), scored.begin() + keep, scored.end(), [](const ScoredTerm& a, const ScoredTerm& b) {
      return a.score != b.score ? a.score > b.score : a.term < b.term;
    });
    scored.resize(keep);
    ct.terms = std::move(scored);
    out.push_back(std::move(ct));
  }
  return out;
}

Result<std::vector<ClusterKeywords>> ClassTfidfStrings(const std::vector<std::vector<std::string>>& row_terms,
                                                       std::span<const int32_t> labels,
                                                       const ClassTfidfParams& params) {
  TermMatrix tm;
  std::unordered_map<std::string, int32_t> ids;
  std::vector<const std::string*> names;
  tm.row_offsets.push_back(0);
  std::unordered_map<int32_t, float> row;
  for (const auto& terms : row_terms) {
    row.clear();
    for (const std::string& s : terms) {
      auto [it, inserted] = ids.try_emplace(s, static_cast<int32_t>(names.size()));
      if (inserted) names.push_back(&it->first);
      row[it->second] += 1.0f;
    }
    std::vector<std::pair<int32_t, float>> sorted(row.begin(), row.end());
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [id, c] : sorted) {
      tm.term_ids.push_back(id);
      tm.counts.push_back(c);
    }
    tm.row_offsets.push_back(static_cast<int64_t>(tm.term_ids.size()));
  }
  tm.num_terms = std::max<int>(1, static_cast<int>(names.size()));
  KS_ASSIGN_OR_RETURN(std::vector<ClusterTerms> scored, ClassTfidf(tm, labels, params));
  std::vector<ClusterKeywords> out;
  out.reserve(scored.size());
  for (const ClusterTerms& ct : scored) {
    ClusterKeywords ck;
    ck.label = ct.label;
    for (const ScoredTerm& st : ct.terms) ck.terms.emplace_back(*names[st.term], st.score);
    out.push_back(std::move(ck));
  }
  return out;
}

}  // namespace kspace::layout
