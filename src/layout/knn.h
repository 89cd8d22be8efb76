// k-nearest-neighbour graphs: the input of UMAP and HDBSCAN.
//
// A KnnGraph lists, for each of n query rows, its k nearest rows of a base set, nearest first.
// Two shapes occur:
//   - a self graph: queries are the base rows themselves and a row is never its own neighbour
//     (UMAP fit, HDBSCAN core distances);
//   - a query graph: new vectors against a fixed base set (UMAP transform).
// Distances are in the metric's own units (Euclidean: L2 distance, not squared; cosine: 1 - cos).
//
// Where the neighbours come from is pluggable through KnnProvider: the engine adapts its HNSW
// index to it; this library ships ExactKnn (blocked brute force with SIMD; O(n^2 d), for small n,
// tests and ground truth) and NnDescentKnn (approximate; see nndescent.h).
#pragma once

#include <cstdint>
#include <vector>

#include "layout/common.h"

namespace kspace::layout {

struct KnnGraph {
  int n = 0;                  // query rows
  int k = 0;                  // neighbours per row
  std::vector<int32_t> idx;   // n*k base row ids, nearest first; -1 marks a missing neighbour
  std::vector<float> dist;    // n*k distances, non-decreasing within a row (+inf when missing)

  const int32_t* neighbors(int i) const { return idx.data() + static_cast<size_t>(i) * k; }
  const float* distances(int i) const { return dist.data() + static_cast<size_t>(i) * k; }
};

// Checks that `g` is well formed for `base_rows` base rows: sizes match, 1 <= k, every id is -1 or
// in [0, base_rows), every present distance is finite and >= 0. Rows are sorted by the consumer
// (SortKnnRows), so order is not required. With `self_graph`, g.n must equal base_rows; a row
// listing itself is tolerated (it is ignored by the algorithms).
Status ValidateKnnGraph(const KnnGraph& g, int base_rows, bool self_graph, const char* field);

// Sorts every row by (distance, id), moving missing entries (-1) and self references (self graphs)
// to the end as missing. Providers may return rows in any order; the algorithms call this first.
void SortKnnRows(KnnGraph* g, bool self_graph);

// The source of neighbours for UMAP/HDBSCAN. Implementations must be deterministic for a fixed
// input (and seed, if they have one) and must not throw.
class KnnProvider {
 public:
  virtual ~KnnProvider() = default;
  // Number of indexed (base) rows.
  virtual int size() const = 0;
  // The metric distances are reported in.
  virtual Metric metric() const = 0;
  // The k nearest other rows of every base row (a self graph). Requires 1 <= k < size().
  virtual Result<KnnGraph> SelfGraph(int k, const Progress& progress) = 0;
  // The k nearest base rows of each row of `queries` (a query graph). Requires 1 <= k <= size().
  virtual Result<KnnGraph> Query(MatrixView queries, int k, const Progress& progress) = 0;
};

// Exact k nearest neighbours of every row of `data` among the other rows (self graph).
// Blocked brute force: 2x4 register tiles of inner products, then the selected neighbours'
// distances recomputed directly (the |a|^2+|b|^2-2ab shortcut loses precision for near
// duplicates). Errors: invalid data; k < 1 or k >= data.rows -> INVALID_ARGUMENT("k").
Result<KnnGraph> ExactKnnGraph(MatrixView data, int k, Metric metric, const Progress& progress = {});

// Exact k nearest rows of `base` for every row of `queries`. Errors: invalid matrices, dimension
// mismatch ("queries"), k < 1 or k > base.rows ("k").
Result<KnnGraph> ExactKnnQuery(MatrixView base, MatrixView queries, int k, Metric metric,
                               const Progress& progress = {});

// Fraction of the neighbours in `truth` that `approx` also lists (per row, first min(k) columns),
// averaged over rows: the usual recall@k of an approximate kNN graph. 0 when shapes differ.
double KnnRecall(const KnnGraph& approx, const KnnGraph& truth);

// KnnProvider over an in-memory matrix with exact search. Keeps a view of `data` (the caller keeps
// it alive) and, for cosine, a normalised copy.
class ExactKnn final : public KnnProvider {
 public:
  ExactKnn(MatrixView data, Metric metric) : data_(data), metric_(metric) {}
  int size() const override { return data_.rows; }
  Metric metric() const override { return metric_; }
  Result<KnnGraph> SelfGraph(int k, const Progress& progress) override {
    return ExactKnnGraph(data_, k, metric_, progress);
  }
  Result<KnnGraph> Query(MatrixView queries, int k, const Progress& progress) override {
    return ExactKnnQuery(data_, queries, k, metric_, progress);
  }

 private:
  MatrixView data_;
  Metric metric_;
};

namespace knn_detail {
// A bounded max-heap of (distance, id) per row, k slots, used by every kNN builder.
// Slots are initialised to (+inf, -1).
struct TopK {
  int n = 0, k = 0;
  std::vector<float> d;
  std::vector<int32_t> id;
  TopK(int rows, int kk);
  float* dist_row(int i) { return d.data() + static_cast<size_t>(i) * k; }
  int32_t* id_row(int i) { return id.data() + static_cast<size_t>(i) * k; }
  float worst(int i) const { return d[static_cast<size_t>(i) * k]; }
  // Inserts unless `dist` is not better than the current worst. Does not check duplicates.
  void Push(int i, float dist, int32_t j);
  // Inserts unless worse than the worst or `j` is already listed. Returns 1 if inserted.
  int PushUnique(int i, float dist, int32_t j);
  // Converts to a KnnGraph sorted by (distance, id).
  KnnGraph ToGraph() &&;
};
}  // namespace knn_detail

}  // namespace kspace::layout
