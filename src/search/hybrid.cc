#include "search/hybrid.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "search/fts_query.h"
#include "search/fts_rank.h"

namespace kspace::search {

float IdfWeights::Weight(std::string_view word) const {
  auto it = idf.find(std::string(word));
  return it == idf.end() ? unknown : it->second;
}

std::vector<std::string> IdfWords(std::string_view query) {
  MatchQueryOptions opts;
  opts.drop_stopwords = false;  // the embedder's own list decides
  std::vector<std::string> words = QueryWords(query, opts);
  // The embedder never asks for the weight of its stopwords, and their posting lists are the
  // longest there are ("the" is in nearly every chunk): counting them cost the most for nothing.
  std::erase_if(words, [](const std::string& w) { return embed::BuiltinEmbedder::IsStopword(w); });
  return words;
}

std::string IdfMatch(const std::vector<std::string>& words) {
  std::string match;
  for (const std::string& w : words) {
    if (!match.empty()) match += " OR ";
    match += '"' + w + '"';  // words never contain '"'
  }
  return match;
}

std::optional<DocFrequencies> SubsetFrequencies(const std::vector<std::string>& words,
                                                const std::vector<std::string>& all, const DocFrequencies& all_df) {
  if (all_df.df.size() != all.size()) return std::nullopt;
  DocFrequencies out;
  out.rows = all_df.rows;
  for (const std::string& w : words) {
    auto it = std::find(all.begin(), all.end(), w);
    if (it == all.end()) return std::nullopt;
    out.df.push_back(all_df.df[static_cast<size_t>(it - all.begin())]);
  }
  return out;
}

Result<IdfWeights> FetchIdfWeights(const DfLookup& lookup, std::string_view query) {
  if (!lookup) return InvalidArgument("no document-frequency lookup", "lookup");
  IdfWeights weights;
  std::vector<std::string> words = IdfWords(query);
  if (words.empty()) return weights;
  const std::string match = IdfMatch(words);
  KS_ASSIGN_OR_RETURN(std::optional<std::string> value, lookup(match));
  if (!value) {
    // No row contains any word: all equally rare.
    for (const std::string& w : words) weights.idf[w] = 1.0f;
    return weights;
  }
  // "N df_0 df_1 ..." in phrase order (= word order).
  KS_ASSIGN_OR_RETURN(DocFrequencies f, ParseDocFrequencies(*value, words.size()));
  float max_idf = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    const float idf = static_cast<float>(Bm25Idf(f.rows, f.df[i]));
    weights.idf[words[i]] = idf;
    max_idf = std::max(max_idf, idf);
  }
  weights.unknown = max_idf > 0 ? max_idf : 1.0f;
  return weights;
}

Status ExpandQueryVector(std::span<float> query, std::span<const float> feedback, float beta) {
  const size_t d = query.size();
  if (d == 0) return InvalidArgument("empty query vector", "query");
  if (feedback.size() % d != 0) return InvalidArgument("feedback must hold whole vectors", "feedback");
  if (!std::isfinite(beta) || beta < 0) return InvalidArgument("beta must be finite and >= 0", "beta");
  const size_t rows = feedback.size() / d;
  std::vector<double> acc(d);
  for (size_t i = 0; i < d; ++i) acc[i] = std::isfinite(query[i]) ? query[i] : 0.0;
  if (rows > 0 && beta > 0) {
    const double w = static_cast<double>(beta) / static_cast<double>(rows);
    for (size_t r = 0; r < rows; ++r) {
      const float* row = feedback.data() + r * d;
      double ss = 0;
      for (size_t i = 0; i < d; ++i) {
        if (std::isfinite(row[i])) ss += double{row[i]} * row[i];
      }
      if (!(ss > 0) || !std::isfinite(ss)) continue;  // nothing to add
      const double wr = w / std::sqrt(ss);
      for (size_t i = 0; i < d; ++i) {
        if (std::isfinite(row[i])) acc[i] += wr * row[i];
      }
    }
  }
  double norm = 0;
  for (double v : acc) norm += v * v;
  if (!(norm > 0) || !std::isfinite(norm)) return Status::Ok();
  const double inv = 1.0 / std::sqrt(norm);
  for (size_t i = 0; i < d; ++i) query[i] = static_cast<float>(acc[i] * inv);
  return Status::Ok();
}

}  // namespace kspace::search
