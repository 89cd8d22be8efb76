// Shared helpers for the vector index tests: deterministic clustered data, brute-force ground
// truth, recall, and the GloVe evaluation set.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "index/vector_index.h"

namespace kspace::index::testing {

// n points in `dim` dimensions around `clusters` random centres (Gaussian, centre spread 1,
// point spread `spread`), row-major. Deterministic for a seed on one platform.
inline std::vector<float> Clustered(size_t n, size_t dim, size_t clusters, float spread,
                                    uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centres(clusters * dim);
  for (float& c : centres) c = normal(rng);
  std::vector<float> out(n * dim);
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = pick(rng);
    for (size_t d = 0; d < dim; ++d) out[i * dim + d] = centres[c * dim + d] + spread * normal(rng);
  }
  return out;
}

inline std::vector<float> Unit(const float* v, size_t dim) {
  double ss = 0;
  for (size_t i = 0; i < dim; ++i) ss += double{v[i]} * v[i];
  std::vector<float> u(dim);
  for (size_t i = 0; i < dim; ++i) u[i] = static_cast<float>(v[i] / std::sqrt(ss));
  return u;
}

// Exact cosine top-k labels (label = row index) of `query` among rows for which allow(row).
template <typename Allow>
std::vector<Label> BruteForce(const std::vector<float>& rows, size_t dim, const float* query,
                              size_t k, Allow allow) {
  const size_t n = rows.size() / dim;
  const std::vector<float> q = Unit(query, dim);
  std::vector<std::pair<double, Label>> scored;
  for (size_t i = 0; i < n; ++i) {
    if (!allow(i)) continue;
    double dot = 0, ss = 0;
    for (size_t d = 0; d < dim; ++d) {
      dot += double{q[d]} * rows[i * dim + d];
      ss += double{rows[i * dim + d]} * rows[i * dim + d];
    }
    scored.push_back({-dot / std::sqrt(ss), i});
  }
  const size_t m = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(m), scored.end());
  std::vector<Label> out;
  for (size_t i = 0; i < m; ++i) out.push_back(scored[i].second);
  return out;
}

inline std::vector<Label> BruteForce(const std::vector<float>& rows, size_t dim, const float* query,
                                     size_t k) {
  return BruteForce(rows, dim, query, k, [](size_t) { return true; });
}

// |found ∩ truth| / |truth|.
inline double Recall(const std::vector<Hit>& found, const std::vector<Label>& truth) {
  if (truth.empty()) return 1.0;
  size_t hit = 0;
  for (const Label t : truth) {
    for (const Hit& h : found) {
      if (h.label == t) {
        ++hit;
        break;
      }
    }
  }
  return static_cast<double>(hit) / static_cast<double>(truth.size());
}

inline std::vector<Label> Iota(size_t n, Label first = 0) {
  std::vector<Label> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = first + i;
  return out;
}

struct Glove {
  size_t n = 0, dim = 50;
  std::vector<float> rows;                 // n x 50
  std::vector<std::vector<Label>> top10;   // exact cosine neighbours, self excluded
};

// Loads /work/shared/data/glove-50d-5k (read-only evaluation data; see its SOURCES.md). Returns
// false when the files are missing.
inline bool LoadGlove(Glove* g) {
  const std::string dir = std::string(KSPACE_SOURCE_DIR) + "/../shared/data/glove-50d-5k/";
  std::ifstream f(dir + "glove-50d-5k.f32", std::ios::binary);
  if (!f) return false;
  f.seekg(0, std::ios::end);
  const size_t bytes = static_cast<size_t>(f.tellg());
  f.seekg(0);
  g->rows.resize(bytes / sizeof(float));
  f.read(reinterpret_cast<char*>(g->rows.data()), static_cast<std::streamsize>(bytes));
  g->n = g->rows.size() / g->dim;
  std::ifstream t(dir + "knn_cosine_top10.tsv");
  if (!t) return false;
  std::string line;
  while (std::getline(t, line)) {
    std::istringstream ss(line);
    std::vector<Label> row;
    Label x;
    while (ss >> x) row.push_back(x);
    g->top10.push_back(row);
  }
  return g->top10.size() == g->n;
}

}  // namespace kspace::index::testing
