// UMAP (McInnes, Healy, Melville 2018) to 2D or 3D, following umap-learn's reference algorithm:
//
//  1. kNN graph (from a KnnProvider, a precomputed KnnGraph, or computed here).
//  2. Fuzzy simplicial set: per row, rho = distance to the nearest neighbour (local_connectivity)
//     and sigma by binary search so that sum_j exp(-(d_ij - rho)/sigma) = log2(n_neighbors);
//     memberships symmetrised by the fuzzy union w + w' - w w' (set_op_mix_ratio interpolates to
//     the intersection w w').
//  3. Initialisation (UmapInit): spectral (Lanczos on the normalised graph Laplacian) when the graph
//     is connected; PCA of the input when it is disconnected (a spectral embedding of a
//     disconnected graph only separates components, and umap-learn's per-component meta-layout is
//     not worth its cost here), or random when no input matrix is available. Scaled to [0, 10] per
//     axis like umap-learn, plus 1e-4 noise.
//  4. The a/b curve 1 / (1 + a d^2b) least-squares fitted to the min_dist/spread target
//     (Levenberg-Marquardt, as scipy.optimize.curve_fit in umap-learn).
//  5. SGD: edges sampled in proportion to their weight (epochs_per_sample), negative_sample_rate
//     negative samples per positive one, gradient clipped to +-4, learning rate decaying linearly
//     to 0 over n_epochs. Single-threaded and serial, so deterministic for a seed. The two gradient
//     coefficients (with their pow and division) are read from per-run lookup tables indexed by the
//     float bits of d^2 (relative error ~1e-5, invisible in the layout; see umap.cc), which makes a
//     sample several times cheaper than computing them.
//
// Locked ("pinned") rows: the caller passes coordinates for some rows (the user dragged them).
// They are placed there before the optimisation and never move: gradient steps skip them, while
// their attraction and repulsion still act on the other rows. The initialisation of the other rows
// is aligned to the pins by a similarity (Procrustes) transform when there are two or more pins,
// by a translation for one pin. Pin coordinates are in embedding units (the engine converts from
// display units).
//
// Transform places new rows with a saved model without refitting: their k nearest training rows
// give membership weights, each new row starts at the weighted mean of its neighbours' embedding
// positions, then a short optimisation moves only the new rows against the fixed training
// embedding (umap-learn's transform schedule: 100 epochs, 30 for more than 10k new rows, learning
// rate / 4). A new row at distance 0 from a training row (an exact duplicate) is placed exactly on
// it and not optimised: identical content belongs at one spot (umap-learn lets it drift).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "layout/common.h"
#include "layout/knn.h"

namespace kspace::layout {

enum class UmapInit : int {
  kAuto = 0,      // spectral if the kNN graph is connected, else PCA (else random without data)
  kSpectral = 1,  // as kAuto (a disconnected graph still falls back; see init_used)
  kPca = 2,       // PCA of the input data (random without data)
  kRandom = 3,    // uniform in [0, 10]^dim
};

struct UmapParams {
  int n_components = 2;             // 1..8; 2 and 3 are specialised
  int n_neighbors = 15;             // neighbourhood size, counting the row itself (as umap-learn)
  float min_dist = 0.1f;            // 0 <= min_dist <= spread
  float spread = 1.0f;              // > 0
  int n_epochs = 0;                 // 0 = auto: 500 for n <= 10,000 rows, else 200 (umap-learn)
  float learning_rate = 1.0f;       // initial SGD step
  float repulsion_strength = 1.0f;  // gamma: weight of negative samples
  int negative_sample_rate = 5;     // negative samples per positive sample
  float local_connectivity = 1.0f;  // neighbours assumed connected (rho interpolation)
  float set_op_mix_ratio = 1.0f;    // 1 = fuzzy union, 0 = fuzzy intersection
  UmapInit init = UmapInit::kAuto;
  Metric metric = Metric::kEuclidean;  // used when this library computes the kNN graph
  int exact_knn_max_rows = 4096;    // FitUmap(data): exact kNN up to this many rows, else NN-descent
  int transform_epochs = 0;         // 0 = auto (see Transform above)
  float a = 0.0f, b = 0.0f;         // curve parameters; 0 = fit from min_dist and spread
  uint64_t seed = 42;
};

// Coordinates for some rows that must stay where they are. coords holds rows.size() x
// n_components values (row r of the pin list at coords[r * n_components]).
struct UmapPins {
  std::vector<int32_t> rows;
  std::vector<float> coords;
  bool empty() const { return rows.empty(); }
};

// Everything needed to place new rows later (Transform) and to reproduce the run's settings.
struct UmapModel {
  UmapParams params;           // as given, with n_epochs resolved
  float a = 0.0f, b = 0.0f;    // the curve actually used
  UmapInit init_used = UmapInit::kAuto;  // the initialisation actually used (never kAuto)
  int64_t edges = 0;           // directed edges optimised (both directions of each graph edge)
  Matrix embedding;            // n x n_components
};

// Fits UMAP on `data` (n x d). Computes the kNN graph itself: exact for n <= exact_knn_max_rows,
// NN-descent above. Errors (typed, nothing thrown): invalid data (NaN/Inf rows, n < 2),
// bad parameters (field named), n_neighbors > n ("nNeighbors"), bad pins ("pins"), CANCELLED.
Result<UmapModel> FitUmap(MatrixView data, const UmapParams& params, const UmapPins& pins = {},
                          const Progress& progress = {});

// Same, with neighbours from `knn` (e.g. the engine's HNSW index). `data` is optional (empty view
// allowed): it is only used for the PCA initialisation fallback.
Result<UmapModel> FitUmap(KnnProvider& knn, MatrixView data, const UmapParams& params,
                          const UmapPins& pins = {}, const Progress& progress = {});

// Same, from a precomputed self kNN graph with at least n_neighbors - 1 columns (extra columns are
// ignored; -1 entries tolerated). `data` is optional as above.
Result<UmapModel> FitUmapFromGraph(const KnnGraph& graph, MatrixView data, const UmapParams& params,
                                   const UmapPins& pins = {}, const Progress& progress = {});

// Places new rows. `neighbors` is a query graph: for each new row, its nearest training rows
// (ids index the model's embedding), at least 1 column. `pins` refers to rows of the new set.
// Returns new_rows x n_components. The model is not modified.
Result<Matrix> TransformUmap(const UmapModel& model, const KnnGraph& neighbors,
                             const UmapPins& pins = {}, const Progress& progress = {});

// Same, computing the neighbours with `training_index` (which must index the training rows, in
// order) for the rows of `new_data`.
Result<Matrix> TransformUmap(const UmapModel& model, KnnProvider& training_index,
                             MatrixView new_data, const UmapPins& pins = {},
                             const Progress& progress = {});

// The model as self-describing bytes (little-endian, versioned, CRC-32 checked) and back.
// Deserialize returns CORRUPT for truncated or altered bytes and UNSUPPORTED for a newer version.
std::vector<uint8_t> SerializeUmapModel(const UmapModel& model);
Result<UmapModel> DeserializeUmapModel(std::span<const uint8_t> bytes);

// The a, b of 1 / (1 + a x^(2b)) that best fit the UMAP target membership curve:
// 1 for x < min_dist, exp(-(x - min_dist) / spread) beyond, sampled on [0, 3 spread]
// (umap-learn's find_ab_params; (1.0, 0.1) gives a ~ 1.577, b ~ 0.895).
Result<std::pair<float, float>> FindAbParams(float spread, float min_dist);

// The auto epoch count for n rows (umap-learn: 500 up to 10,000 rows, 200 above).
int DefaultUmapEpochs(int n);

namespace umap_detail {
// Per-row (sigma, rho) of the smooth kNN distance, exposed for tests. `dists` is a sorted kNN row
// without the row itself; `target` is log2(n_neighbors).
void SmoothKnnDist(const float* dists, int k, float target, float local_connectivity,
                   float mean_all_distances, float* sigma, float* rho);
}  // namespace umap_detail

}  // namespace kspace::layout
