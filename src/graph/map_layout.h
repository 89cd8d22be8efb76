// The map pipeline of one space: concepts, clusters, projection, placement.
//
// RunLayout (a full run, a "refit"):
//   1. makes sure every live chunk has a node (spaces ingested before the map existed);
//   2. concepts: keyphrases of every chunk -> concepts unique per (space, name, type) and their
//      mentions; the co-occurrence graph -> communities (Leiden), named by their top concepts;
//   3. clusters: HDBSCAN (condensed tree: clusters inside clusters) or k-means over the chunk
//      embeddings; cluster nodes labelled by c-TF-IDF over the chunks' concepts; chunk nodes
//      re-parented under their deepest cluster (noise stays under its source node);
//   4. projection: UMAP (kNN from the space's HNSW index, or exact for small spaces) or PCA, to 2D
//      or 3D; locked nodes are pins; display scaling and overlap removal (2D);
//   5. sources, clusters and concepts are placed at the centroid of their chunks;
//   6. every step is a new model version (parameters, counts, duration, silhouette,
//      trustworthiness/continuity, the model bytes) and nodes point at the versions that placed
//      and clustered them.
// PlaceNew: positions the chunk nodes that have none with the active projection version
// (UMAP transform / PCA transform), without refitting, and gives them the cluster of their
// nearest placed neighbour.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "api/context.h"
#include "layout/common.h"

namespace kspace::graph {

struct LayoutOptions {
  std::string projection = "umap";  // umap | pca
  int dims = 2;                     // 2 | 3
  std::string clusters = "hdbscan";  // hdbscan | kmeans | none
  int k = 0;                        // k-means clusters (0 = sqrt(n / 2), at most 50)
  int min_cluster_size = 0;         // HDBSCAN (0 = clamp(n / 300, 5, 25))
  int n_neighbors = 15;
  double min_dist = 0.1;
  bool concepts = true;             // extract concepts and communities
  uint64_t seed = 42;
};

// Display units per UMAP unit: neighbours end up about a chunk node apart.
inline constexpr double kDisplayScale = 100.0;
inline constexpr double kChunkRadius = 12.0;

Result<nlohmann::json> RunLayout(api::Context& ctx, const std::string& space_id, const LayoutOptions& opts,
                                 const layout::Progress& progress);

Result<nlohmann::json> PlaceNew(api::Context& ctx, const std::string& space_id);

}  // namespace kspace::graph
