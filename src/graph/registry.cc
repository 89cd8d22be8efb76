#include "graph/registry.h"

#include "graph/sql_util.h"
#include "util/sha256.h"

namespace kspace::graph {
namespace {

constexpr const char* kModelSelect =
    "SELECT id, model_name, space_id, model_type, algorithm, active_version_id, creation_params, is_active, "
    "owner_id, created_at, updated_at FROM ml_models ";
constexpr const char* kVersionSelect =
    "SELECT id, model_id, space_id, version_number, status, training_metadata, performance_metrics, "
    "artifact_hash, length(artifact), created_at FROM ml_model_versions ";

ModelRow ReadModel(const store::Statement& st) {
  ModelRow m;
  m.id = st.Text(0);
  m.model_name = st.Text(1);
  m.space_id = st.Text(2);
  m.model_type = st.Text(3);
  m.algorithm = st.Text(4);
  m.active_version_id = OptText(st, 5);
  m.creation_params = st.Text(6);
  m.is_active = st.Int(7) != 0;
  m.owner_id = st.IsNull(8) ? "" : st.Text(8);
  m.created_at = st.Text(9);
  m.updated_at = st.Text(10);
  return m;
}

VersionRow ReadVersion(const store::Statement& st) {
  VersionRow v;
  v.id = st.Text(0);
  v.model_id = st.Text(1);
  v.space_id = st.IsNull(2) ? "" : st.Text(2);
  v.version_number = st.Int(3);
  v.status = st.Text(4);
  v.training_metadata = st.Text(5);
  v.performance_metrics = st.Text(6);
  v.artifact_hash = OptText(st, 7);
  v.artifact_bytes = st.IsNull(8) ? 0 : st.Int(8);
  v.created_at = st.Text(9);
  return v;
}

}  // namespace

Result<ModelRow> EnsureModel(store::Database& db, const std::string& space_id, const std::string& owner_id,
                             const std::string& model_type, const std::string& algorithm,
                             const std::string& params_json, const std::string& now) {
  {
    KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
        std::string(kModelSelect) + "WHERE space_id = ?1 AND model_type = ?2 AND algorithm = ?3"));
    st->BindAll(space_id, model_type, algorithm);
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row) return ReadModel(*st);
  }
  ModelRow m;
  m.id = NewId();
  m.model_name = algorithm + " " + model_type;
  m.space_id = space_id;
  m.model_type = model_type;
  m.algorithm = algorithm;
  m.creation_params = params_json;
  m.owner_id = owner_id;
  m.created_at = m.updated_at = now;
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "INSERT INTO ml_models(id, model_name, model_scope, owner_id, space_id, model_type, algorithm, creation_params, "
      "is_active, created_at, updated_at) VALUES (?1, ?2, 'SPACE', ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8)"));
  st->BindAll(m.id, m.model_name, m.owner_id, m.space_id, m.model_type, m.algorithm, m.creation_params, now);
  KS_RETURN_IF_ERROR(st->Run());
  return m;
}

Result<VersionRow> AddVersion(store::Database& db, const ModelRow& model, const std::string& training_metadata,
                              const std::string& metrics, std::span<const uint8_t> artifact, const std::string& now) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement num, db.Prepare(
      "SELECT coalesce(max(version_number), 0) + 1 FROM ml_model_versions WHERE model_id = ?1"));
  num->Bind(1, model.id);
  KS_RETURN_IF_ERROR(num->Step().status());
  VersionRow v;
  v.id = NewId();
  v.model_id = model.id;
  v.space_id = model.space_id;
  v.version_number = num->Int(0);
  v.status = "available";
  v.training_metadata = training_metadata;
  v.performance_metrics = metrics;
  v.created_at = now;
  if (!artifact.empty()) {
    v.artifact_hash = Sha256Hex(std::string_view(reinterpret_cast<const char*>(artifact.data()), artifact.size()));
    v.artifact_bytes = static_cast<int64_t>(artifact.size());
  }
  KS_ASSIGN_OR_RETURN(store::CachedStatement arch, db.Prepare(
      "UPDATE ml_model_versions SET status = 'archived' WHERE model_id = ?1 AND status = 'available'"));
  arch->Bind(1, model.id);
  KS_RETURN_IF_ERROR(arch->Run());
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "INSERT INTO ml_model_versions(id, model_id, space_id, version_number, status, model_storage_path, artifact, "
      "artifact_hash, training_metadata, performance_metrics, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
  st->BindAll(v.id, v.model_id, v.space_id, v.version_number, v.status);
  if (!artifact.empty()) {
    st->Bind(6, "sqlite:ml_model_versions/" + v.id);
    st->Bind(7, store::Blob{artifact.data(), artifact.size()});
    st->Bind(8, *v.artifact_hash);
  } else {
    st->Bind(6, store::Null{});
    st->Bind(7, store::Null{});
    st->Bind(8, store::Null{});
  }
  st->Bind(9, v.training_metadata).Bind(10, v.performance_metrics).Bind(11, now);
  KS_RETURN_IF_ERROR(st->Run());
  KS_ASSIGN_OR_RETURN(store::CachedStatement act, db.Prepare(
      "UPDATE ml_models SET active_version_id = CASE WHEN id = ?1 THEN ?2 ELSE active_version_id END, "
      "is_active = (id = ?1), updated_at = ?3 WHERE space_id = ?4 AND model_type = ?5"));
  act->BindAll(model.id, v.id, now, model.space_id, model.model_type);
  KS_RETURN_IF_ERROR(act->Run());
  return v;
}

Result<std::optional<VersionRow>> ActiveVersion(store::Database& db, const std::string& space_id,
                                                const std::string& model_type) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      std::string(kVersionSelect) + "WHERE id = (SELECT active_version_id FROM ml_models WHERE space_id = ?1 AND "
      "model_type = ?2 AND is_active = 1 ORDER BY updated_at DESC LIMIT 1)"));
  st->BindAll(space_id, model_type);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<VersionRow>();
  return std::optional<VersionRow>(ReadVersion(*st));
}

Result<std::optional<std::vector<uint8_t>>> VersionArtifact(store::Database& db, const std::string& version_id) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare("SELECT artifact FROM ml_model_versions WHERE id = ?1"));
  st->Bind(1, version_id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row || st->IsNull(0)) return std::optional<std::vector<uint8_t>>();
  auto b = st->BlobSpan(0);
  return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>(b.begin(), b.end()));
}

Result<std::vector<ModelRow>> ListModels(store::Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(std::string(kModelSelect) + "WHERE space_id = ?1 ORDER BY rowid"));
  st->Bind(1, space_id);
  std::vector<ModelRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadModel(*st));
  }
  return out;
}

Result<std::vector<VersionRow>> ListVersions(store::Database& db, const std::string& model_id) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      std::string(kVersionSelect) + "WHERE model_id = ?1 ORDER BY version_number"));
  st->Bind(1, model_id);
  std::vector<VersionRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadVersion(*st));
  }
  return out;
}

}  // namespace kspace::graph
