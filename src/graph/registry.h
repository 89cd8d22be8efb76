// The model registry (seed 000 ML_MODELS, ML_MODEL_VERSIONS): every clustering, projection and
// community run of a space is a version of the space's model for that (task, algorithm), with its
// parameters, training metadata, metrics, status and artifact bytes. A model's active_version_id
// is the version used for inference (UMAP transform of new chunks); a refit adds a version and
// makes it active, the previous one becomes "archived".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/db.h"

namespace kspace::graph {

struct ModelRow {
  std::string id;
  std::string model_name;
  std::string space_id;
  std::string model_type;  // clustering | dimensionality_reduction | community_detection
  std::string algorithm;   // HDBSCAN | KMEANS | UMAP | PCA | LEIDEN
  std::optional<std::string> active_version_id;
  std::string creation_params = "{}";
  bool is_active = true;
  std::string owner_id;
  std::string created_at;
  std::string updated_at;
};

struct VersionRow {
  std::string id;
  std::string model_id;
  std::string space_id;
  int64_t version_number = 0;
  std::string status;  // training | available | archived | failed
  std::string training_metadata = "{}";
  std::string performance_metrics = "{}";
  std::optional<std::string> artifact_hash;
  int64_t artifact_bytes = 0;
  std::string created_at;
};

// The space's model for (model_type, algorithm) (created with `params` if missing).
Result<ModelRow> EnsureModel(store::Database& db, const std::string& space_id, const std::string& owner_id,
                             const std::string& model_type, const std::string& algorithm,
                             const std::string& params_json, const std::string& now);
// Adds version n+1 with status "available", makes it the model's active version (the previous
// active one is archived) and marks every other model of the same space and type inactive.
Result<VersionRow> AddVersion(store::Database& db, const ModelRow& model, const std::string& training_metadata,
                              const std::string& metrics, std::span<const uint8_t> artifact, const std::string& now);
// The space's active version for a task (the active model's active version), if any.
Result<std::optional<VersionRow>> ActiveVersion(store::Database& db, const std::string& space_id,
                                                const std::string& model_type);
Result<std::optional<std::vector<uint8_t>>> VersionArtifact(store::Database& db, const std::string& version_id);
Result<std::vector<ModelRow>> ListModels(store::Database& db, const std::string& space_id);
Result<std::vector<VersionRow>> ListVersions(store::Database& db, const std::string& model_id);

}  // namespace kspace::graph
