// Embind surface of the layout library (src/layout/): enough to run kNN, UMAP, PCA, HDBSCAN,
// k-means, the quality metrics, community detection, c-TF-IDF and overlap removal from JS on typed
// arrays. The engine facade (wasm/bindings.cc, owned by the lead) will wrap these with store ids;
// these functions work on plain arrays and are what tests/bench/layout.mjs drives.
//
// Conventions, for every function below:
//   - Matrices are a Float32Array of rows*cols values, row-major, plus `rows` and `cols`. They are
//     copied into the wasm heap in one bulk `TypedArray.set` through a typed_memory_view, and
//     results are copied out at once into fresh JS typed arrays (a view of the heap would dangle
//     after the next memory growth).
//   - `opts` is a plain object (or undefined); option names are camelCase (nNeighbors, minDist...).
//     A wrongly typed option is an INVALID_ARGUMENT error naming it.
//   - Errors never throw: the function returns `{ error: { code, message, field } }` with `code`
//     one of the stable kspace codes ("INVALID_ARGUMENT", "CANCELLED", "CORRUPT", "INTERNAL", ...).
//     Every entry point catches all C++ exceptions (std::bad_alloc included) and reports them as
//     INTERNAL (or TOO_LARGE for allocation failure). JS exceptions thrown by an `onProgress`
//     callback propagate to the caller unchanged (do not throw from it; return false to cancel).
//   - `opts.onProgress(fraction)` (optional) is called now and then with a number in [0, 1];
//     returning false cancels the computation (-> { error: { code: "CANCELLED" } }).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "layout/community.h"
#include "layout/ctfidf.h"
#include "layout/hdbscan.h"
#include "layout/kmeans.h"
#include "layout/knn.h"
#include "layout/metrics.h"
#include "layout/nndescent.h"
#include "layout/overlap.h"
#include "layout/pca.h"
#include "layout/umap.h"

namespace {

using emscripten::val;
using kspace::Code;
using kspace::Status;
namespace L = kspace::layout;

// ---------------------------------------------------------------------------------------------
// Errors.

val ErrorVal(const Status& s) {
  val err = val::object();
  err.set("code", std::string(kspace::CodeName(s.code())));
  err.set("message", s.message());
  err.set("field", s.field());
  val out = val::object();
  out.set("error", err);
  return out;
}

Status Bad(const std::string& msg, const std::string& field) { return kspace::InvalidArgument(msg, field); }

// Runs `fn` (returning val), converting any escaping C++ exception into an error object.
template <typename Fn>
val Guard(Fn&& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return ErrorVal(Status(Code::kTooLarge, "out of memory"));
  } catch (const std::exception& e) {
    return ErrorVal(kspace::Internal(std::string("unexpected exception: ") + e.what()));
  } catch (...) {
    return ErrorVal(kspace::Internal("unexpected exception"));
  }
}

// ---------------------------------------------------------------------------------------------
// Typed arrays in and out.

bool IsA(const val& v, const char* ctor) { return v.instanceof(val::global(ctor)); }

template <typename T>
Status CopyIn(const val& arr, const char* ctor, const std::string& field, std::vector<T>* out) {
  if (arr.isUndefined() || arr.isNull() || !IsA(arr, ctor)) {
    return Bad(field + " must be a " + ctor, field);
  }
  const size_t len = arr["length"].as<size_t>();
  out->resize(len);
  if (len > 0) val(emscripten::typed_memory_view(len, out->data())).call<void>("set", arr);
  return Status::Ok();
}

template <typename T>
val CopyOut(const char* ctor, const T* p, size_t n) {
  return val::global(ctor).new_(emscripten::typed_memory_view(n, p));
}
val F32(const std::vector<float>& v) { return CopyOut("Float32Array", v.data(), v.size()); }
val F64(const std::vector<double>& v) { return CopyOut("Float64Array", v.data(), v.size()); }
val I32(const std::vector<int32_t>& v) { return CopyOut("Int32Array", v.data(), v.size()); }
val U8(const std::vector<uint8_t>& v) { return CopyOut("Uint8Array", v.data(), v.size()); }

// ---------------------------------------------------------------------------------------------
// Options.

struct Opts {
  val o;
  explicit Opts(val v) : o(v.isUndefined() || v.isNull() ? val::object() : v) {}
  bool Has(const char* k) const {
    val x = o[k];
    return !x.isUndefined() && !x.isNull();
  }
  Status Int(const char* k, int* out) const {
    if (!Has(k)) return Status::Ok();
    val x = o[k];
    if (x.typeOf().as<std::string>() != "number") return Bad(std::string(k) + " must be a number", k);
    const double d = x.as<double>();
    if (!std::isfinite(d) || d != std::floor(d) || d < -2147483648.0 || d > 2147483647.0) {
      return Bad(std::string(k) + " must be an integer", k);
    }
    *out = static_cast<int>(d);
    return Status::Ok();
  }
  template <typename F>
  Status Num(const char* k, F* out) const {
    if (!Has(k)) return Status::Ok();
    val x = o[k];
    if (x.typeOf().as<std::string>() != "number") return Bad(std::string(k) + " must be a number", k);
    *out = static_cast<F>(x.as<double>());
    return Status::Ok();
  }
  Status Bool(const char* k, bool* out) const {
    if (!Has(k)) return Status::Ok();
    val x = o[k];
    if (x.typeOf().as<std::string>() != "boolean") return Bad(std::string(k) + " must be a boolean", k);
    *out = x.as<bool>();
    return Status::Ok();
  }
  Status Str(const char* k, std::string* out) const {
    if (!Has(k)) return Status::Ok();
    val x = o[k];
    if (x.typeOf().as<std::string>() != "string") return Bad(std::string(k) + " must be a string", k);
    *out = x.as<std::string>();
    return Status::Ok();
  }
  Status Seed(uint64_t* out) const {
    int s = 0;
    if (!Has("seed")) return Status::Ok();
    Status st = Int("seed", &s);
    if (!st.ok()) return st;
    *out = static_cast<uint64_t>(static_cast<uint32_t>(s));
    return Status::Ok();
  }
  Status Metric(L::Metric* out) const {
    std::string m = "euclidean";
    Status st = Str("metric", &m);
    if (!st.ok()) return st;
    if (m == "euclidean") {
      *out = L::Metric::kEuclidean;
    } else if (m == "cosine") {
      *out = L::Metric::kCosine;
    } else {
      return Bad("metric must be 'euclidean' or 'cosine'", "metric");
    }
    return Status::Ok();
  }
  L::Progress Progress() const {
    if (!Has("onProgress")) return {};
    val fn = o["onProgress"];
    if (fn.typeOf().as<std::string>() != "function") return {};
    return [fn](double f) {
      val r = fn(f);
      return !(r.typeOf().as<std::string>() == "boolean" && !r.as<bool>());
    };
  }
};

#define KSB_TRY(expr)                     \
  do {                                    \
    ::kspace::Status ksb_s_ = (expr);     \
    if (!ksb_s_.ok()) return ErrorVal(ksb_s_); \
  } while (0)

// A matrix argument: data + rows + cols, validated for shape (values are checked by the library).
Status ReadMatrix(const val& data, int rows, int cols, const std::string& field, std::vector<float>* buf,
                  L::MatrixView* view) {
  if (rows < 0 || cols < 0) return Bad("rows and cols must be >= 0", field);
  Status st = CopyIn(data, "Float32Array", field, buf);
  if (!st.ok()) return st;
  if (buf->size() != static_cast<size_t>(rows) * static_cast<size_t>(cols)) {
    return Bad(field + " has " + std::to_string(buf->size()) + " values, expected rows*cols = " +
                   std::to_string(static_cast<size_t>(rows) * cols),
               field);
  }
  *view = L::MatrixView(buf->data(), rows, cols);
  return Status::Ok();
}

// A kNN graph argument: { k, indices: Int32Array, distances: Float32Array }.
Status ReadKnn(const val& v, L::KnnGraph* g) {
  if (v.isUndefined() || v.isNull()) return Bad("knn must be an object", "knn");
  Opts o(v);
  int k = 0;
  Status st = o.Int("k", &k);
  if (!st.ok()) return st;
  st = CopyIn(v["indices"], "Int32Array", "knn.indices", &g->idx);
  if (!st.ok()) return st;
  st = CopyIn(v["distances"], "Float32Array", "knn.distances", &g->dist);
  if (!st.ok()) return st;
  if (k < 1 || g->idx.size() % static_cast<size_t>(k) != 0) return Bad("knn.k must divide the arrays' length", "knn.k");
  g->k = k;
  g->n = static_cast<int>(g->idx.size() / static_cast<size_t>(k));
  return Status::Ok();
}

val KnnVal(const L::KnnGraph& g) {
  val out = val::object();
  out.set("k", g.k);
  out.set("rows", g.n);
  out.set("indices", I32(g.idx));
  out.set("distances", F32(g.dist));
  return out;
}

const char* InitName(L::UmapInit i) {
  switch (i) {
    case L::UmapInit::kSpectral: return "spectral";
    case L::UmapInit::kPca: return "pca";
    case L::UmapInit::kRandom: return "random";
    default: return "auto";
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points.

// layoutKnn(data, rows, cols, { k = 15, metric, method: 'auto'|'exact'|'nndescent', seed })
//   -> { k, rows, indices: Int32Array, distances: Float32Array }  (self excluded, nearest first)
val Knn(val data, int rows, int cols, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    std::vector<float> buf;
    L::MatrixView x;
    KSB_TRY(ReadMatrix(data, rows, cols, "data", &buf, &x));
    int k = 15;
    L::Metric metric = L::Metric::kEuclidean;
    std::string method = "auto";
    L::NnDescentParams np;
    KSB_TRY(o.Int("k", &k));
    KSB_TRY(o.Metric(&metric));
    KSB_TRY(o.Str("method", &method));
    KSB_TRY(o.Seed(&np.seed));
    KSB_TRY(o.Int("nTrees", &np.n_trees));
    KSB_TRY(o.Int("maxIterations", &np.max_iterations));
    KSB_TRY(o.Int("maxCandidates", &np.max_candidates));
    if (method != "auto" && method != "exact" && method != "nndescent") {
      return ErrorVal(Bad("method must be 'auto', 'exact' or 'nndescent'", "method"));
    }
    auto g = (method == "exact") ? L::ExactKnnGraph(x, k, metric, o.Progress())
                                 : L::NnDescentGraph(x, k, metric, np, o.Progress());
    if (!g.ok()) return ErrorVal(g.status());
    return KnnVal(*g);
  });
}

Status ReadUmapParams(const Opts& o, L::UmapParams* p) {
  KS_RETURN_IF_ERROR(o.Int("nComponents", &p->n_components));
  KS_RETURN_IF_ERROR(o.Int("nNeighbors", &p->n_neighbors));
  KS_RETURN_IF_ERROR(o.Num("minDist", &p->min_dist));
  KS_RETURN_IF_ERROR(o.Num("spread", &p->spread));
  KS_RETURN_IF_ERROR(o.Int("nEpochs", &p->n_epochs));
  KS_RETURN_IF_ERROR(o.Num("learningRate", &p->learning_rate));
  KS_RETURN_IF_ERROR(o.Num("repulsionStrength", &p->repulsion_strength));
  KS_RETURN_IF_ERROR(o.Int("negativeSampleRate", &p->negative_sample_rate));
  KS_RETURN_IF_ERROR(o.Num("localConnectivity", &p->local_connectivity));
  KS_RETURN_IF_ERROR(o.Num("setOpMixRatio", &p->set_op_mix_ratio));
  KS_RETURN_IF_ERROR(o.Int("exactKnnMaxRows", &p->exact_knn_max_rows));
  KS_RETURN_IF_ERROR(o.Int("transformEpochs", &p->transform_epochs));
  KS_RETURN_IF_ERROR(o.Metric(&p->metric));
  KS_RETURN_IF_ERROR(o.Seed(&p->seed));
  std::string init = "auto";
  KS_RETURN_IF_ERROR(o.Str("init", &init));
  if (init == "auto") {
    p->init = L::UmapInit::kAuto;
  } else if (init == "spectral") {
    p->init = L::UmapInit::kSpectral;
  } else if (init == "pca") {
    p->init = L::UmapInit::kPca;
  } else if (init == "random") {
    p->init = L::UmapInit::kRandom;
  } else {
    return Bad("init must be 'auto', 'spectral', 'pca' or 'random'", "init");
  }
  return Status::Ok();
}

Status ReadPins(const Opts& o, int dim, L::UmapPins* pins) {
  if (!o.Has("pinnedRows") && !o.Has("pinnedCoords")) return Status::Ok();
  KS_RETURN_IF_ERROR(CopyIn(o.o["pinnedRows"], "Int32Array", "pinnedRows", &pins->rows));
  KS_RETURN_IF_ERROR(CopyIn(o.o["pinnedCoords"], "Float32Array", "pinnedCoords", &pins->coords));
  if (pins->coords.size() != pins->rows.size() * static_cast<size_t>(dim)) {
    return Bad("pinnedCoords must hold pinnedRows.length * nComponents values", "pinnedCoords");
  }
  return Status::Ok();
}

// layoutUmap(data, rows, cols, { nComponents, nNeighbors, minDist, spread, nEpochs, init, metric,
//   seed, knn: {k, indices, distances}, pinnedRows: Int32Array, pinnedCoords: Float32Array,
//   onProgress, ... })
//   -> { embedding: Float32Array (rows x nComponents), rows, cols, model: Uint8Array, a, b, init,
//        nEpochs, edges }
// `data` may be null when `knn` is given (then no PCA initialisation fallback is available).
val Umap(val data, int rows, int cols, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    L::UmapParams p;
    KSB_TRY(ReadUmapParams(o, &p));
    L::UmapPins pins;
    KSB_TRY(ReadPins(o, p.n_components, &pins));
    std::vector<float> buf;
    L::MatrixView x;
    const bool have_data = !(data.isUndefined() || data.isNull());
    if (have_data) KSB_TRY(ReadMatrix(data, rows, cols, "data", &buf, &x));
    kspace::Result<L::UmapModel> model = Status(Code::kInternal, "unset");
    if (o.Has("knn")) {
      L::KnnGraph g;
      KSB_TRY(ReadKnn(o.o["knn"], &g));
      model = L::FitUmapFromGraph(g, x, p, pins, o.Progress());
    } else {
      if (!have_data) return ErrorVal(Bad("data or knn is required", "data"));
      model = L::FitUmap(x, p, pins, o.Progress());
    }
    if (!model.ok()) return ErrorVal(model.status());
    val out = val::object();
    out.set("embedding", F32(model->embedding.data));
    out.set("rows", model->embedding.rows);
    out.set("cols", model->embedding.cols);
    out.set("model", U8(L::SerializeUmapModel(*model)));
    out.set("a", model->a);
    out.set("b", model->b);
    out.set("init", std::string(InitName(model->init_used)));
    out.set("nEpochs", model->params.n_epochs);
    out.set("edges", static_cast<double>(model->edges));
    return out;
  });
}

// layoutUmapTransform(model: Uint8Array, newData, newRows, cols,
//   { trainData: Float32Array (training rows x cols) | knn: {k, indices, distances},
//     pinnedRows, pinnedCoords, onProgress })  -> { embedding, rows, cols }
val UmapTransform(val model_bytes, val new_data, int new_rows, int cols, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    std::vector<uint8_t> bytes;
    KSB_TRY(CopyIn(model_bytes, "Uint8Array", "model", &bytes));
    auto model = L::DeserializeUmapModel(bytes);
    if (!model.ok()) return ErrorVal(model.status());
    L::UmapPins pins;
    KSB_TRY(ReadPins(o, model->params.n_components, &pins));
    kspace::Result<L::Matrix> placed = Status(Code::kInternal, "unset");
    if (o.Has("knn")) {
      L::KnnGraph g;
      KSB_TRY(ReadKnn(o.o["knn"], &g));
      placed = L::TransformUmap(*model, g, pins, o.Progress());
    } else {
      std::vector<float> nbuf, tbuf;
      L::MatrixView nx, tx;
      KSB_TRY(ReadMatrix(new_data, new_rows, cols, "newData", &nbuf, &nx));
      KSB_TRY(ReadMatrix(o.o["trainData"], model->embedding.rows, cols, "trainData", &tbuf, &tx));
      L::ExactKnn index(tx, model->params.metric);
      placed = L::TransformUmap(*model, index, nx, pins, o.Progress());
    }
    if (!placed.ok()) return ErrorVal(placed.status());
    val out = val::object();
    out.set("embedding", F32(placed->data));
    out.set("rows", placed->rows);
    out.set("cols", placed->cols);
    return out;
  });
}

// layoutPca(data, rows, cols, { components = 2, seed, oversample, powerIterations })
//   -> { projection: Float32Array, mean, axes (components x cols), explainedVariance: Float64Array,
//        totalVariance }
val Pca(val data, int rows, int cols, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    std::vector<float> buf;
    L::MatrixView x;
    KSB_TRY(ReadMatrix(data, rows, cols, "data", &buf, &x));
    L::PcaParams p;
    KSB_TRY(o.Int("components", &p.components));
    KSB_TRY(o.Int("oversample", &p.oversample));
    KSB_TRY(o.Int("powerIterations", &p.power_iterations));
    KSB_TRY(o.Seed(&p.seed));
    L::PcaModel m;
    auto y = L::PcaFitTransform(x, p, o.Progress(), &m);
    if (!y.ok()) return ErrorVal(y.status());
    val out = val::object();
    out.set("projection", F32(y->data));
    out.set("mean", F32(m.mean));
    out.set("axes", F32(m.axes));
    out.set("explainedVariance", F64(m.explained_variance));
    out.set("totalVariance", m.total_variance);
    return out;
  });
}

// layoutHdbscan(data, rows, cols, { minClusterSize = 10, minSamples, selection: 'eom'|'leaf',
//   allowSingleCluster, metric, reduceAboveDim = 32, reduceToDim = 16, reduceMinWork = 2e9, seed,
//   onProgress })
//   -> { labels: Int32Array, probabilities, outlierScores, numClusters, spaceDim, memberOrder,
//        pointCluster, pointLambda, clusters: { parent, depth, size, lambdaBirth, lambdaDeath,
//        stability (Float64Array), selected (Uint8Array), label, memberBegin, memberEnd } }
// (the condensed tree as parallel arrays, index = cluster id, 0 = root)
val Hdbscan(val data, int rows, int cols, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    std::vector<float> buf;
    L::MatrixView x;
    KSB_TRY(ReadMatrix(data, rows, cols, "data", &buf, &x));
    L::HdbscanParams p;
    KSB_TRY(o.Int("minClusterSize", &p.min_cluster_size));
    KSB_TRY(o.Int("minSamples", &p.min_samples));
    KSB_TRY(o.Bool("allowSingleCluster", &p.allow_single_cluster));
    KSB_TRY(o.Metric(&p.metric));
    KSB_TRY(o.Int("reduceAboveDim", &p.reduce_above_dim));
    KSB_TRY(o.Int("reduceToDim", &p.reduce_to_dim));
    KSB_TRY(o.Num("reduceMinWork", &p.reduce_min_work));
    KSB_TRY(o.Seed(&p.seed));
    std::string sel = "eom";
    KSB_TRY(o.Str("selection", &sel));
    if (sel == "eom") {
      p.selection = L::ClusterSelection::kExcessOfMass;
    } else if (sel == "leaf") {
      p.selection = L::ClusterSelection::kLeaf;
    } else {
      return ErrorVal(Bad("selection must be 'eom' or 'leaf'", "selection"));
    }
    auto r = L::Hdbscan(x, p, o.Progress());
    if (!r.ok()) return ErrorVal(r.status());
    const size_t nc = r->clusters.size();
    std::vector<int32_t> parent(nc), depth(nc), size(nc), label(nc), mb(nc), me(nc);
    std::vector<float> lb(nc), ld(nc);
    std::vector<double> stab(nc);
    std::vector<uint8_t> selected(nc);
    for (size_t c = 0; c < nc; ++c) {
      const L::CondensedCluster& cc = r->clusters[c];
      parent[c] = cc.parent;
      depth[c] = cc.depth;
      size[c] = cc.size;
      label[c] = cc.label;
      mb[c] = cc.member_begin;
      me[c] = cc.member_end;
      lb[c] = cc.lambda_birth;
      ld[c] = cc.lambda_death;
      stab[c] = cc.stability;
      selected[c] = cc.selected ? 1 : 0;
    }
    val clusters = val::object();
    clusters.set("parent", I32(parent));
    clusters.set("depth", I32(depth));
    clusters.set("size", I32(size));
    clusters.set("label", I32(label));
    clusters.set("memberBegin", I32(mb));
    clusters.set("memberEnd", I32(me));
    clusters.set("lambdaBirth", F32(lb));
    clusters.set("lambdaDeath", F32(ld));
    clusters.set("stability", F64(stab));
    clusters.set("selected", U8(selected));
    val out = val::object();
    out.set("labels", I32(r->labels));
    out.set("probabilities", F32(r->probabilities));
    out.set("outlierScores", F32(r->outlier_scores));
    out.set("numClusters", r->num_clusters);
    out.set("spaceDim", r->space_dim);
    out.set("memberOrder", I32(r->member_order));
    out.set("pointCluster", I32(r->point_cluster));
    out.set("pointLambda", F32(r->point_lambda));
    out.set("clusters", clusters);
    return out;
  });
}

// layoutKMeans(data, rows, cols, { k = 8, maxIterations, nInit, tolerance, metric, seed })
//   -> { labels: Int32Array, centroids: Float32Array (k x cols), inertia, iterations, converged }
val KMeans(val data, int rows, int cols, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    std::vector<float> buf;
    L::MatrixView x;
    KSB_TRY(ReadMatrix(data, rows, cols, "data", &buf, &x));
    L::KMeansParams p;
    KSB_TRY(o.Int("k", &p.k));
    KSB_TRY(o.Int("maxIterations", &p.max_iterations));
    KSB_TRY(o.Int("nInit", &p.n_init));
    KSB_TRY(o.Num("tolerance", &p.tolerance));
    KSB_TRY(o.Metric(&p.metric));
    KSB_TRY(o.Seed(&p.seed));
    auto r = L::KMeans(x, p, o.Progress());
    if (!r.ok()) return ErrorVal(r.status());
    val out = val::object();
    out.set("labels", I32(r->labels));
    out.set("centroids", F32(r->centroids.data));
    out.set("inertia", r->inertia);
    out.set("iterations", r->iterations);
    out.set("converged", r->converged);
    return out;
  });
}

// layoutSilhouette(data, rows, cols, labels: Int32Array, { metric, sampleSize = 0, seed })
//   -> { silhouette }
val Silhouette(val data, int rows, int cols, val labels, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    std::vector<float> buf;
    L::MatrixView x;
    KSB_TRY(ReadMatrix(data, rows, cols, "data", &buf, &x));
    std::vector<int32_t> lab;
    KSB_TRY(CopyIn(labels, "Int32Array", "labels", &lab));
    L::Metric metric = L::Metric::kEuclidean;
    int sample = 0;
    uint64_t seed = 42;
    KSB_TRY(o.Metric(&metric));
    KSB_TRY(o.Int("sampleSize", &sample));
    KSB_TRY(o.Seed(&seed));
    auto s = L::Silhouette(x, lab, metric, sample, seed);
    if (!s.ok()) return ErrorVal(s.status());
    val out = val::object();
    out.set("silhouette", *s);
    return out;
  });
}

// layoutProjectionQuality(high, rows, highCols, low, lowCols, { k = 15, metric, sampleSize, seed })
//   -> { trustworthiness, continuity, rowsScored }
val ProjectionQuality(val high, int rows, int high_cols, val low, int low_cols, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    std::vector<float> hb, lb;
    L::MatrixView hx, lx;
    KSB_TRY(ReadMatrix(high, rows, high_cols, "high", &hb, &hx));
    KSB_TRY(ReadMatrix(low, rows, low_cols, "low", &lb, &lx));
    int k = 15, sample = 0;
    uint64_t seed = 42;
    L::Metric metric = L::Metric::kEuclidean;
    KSB_TRY(o.Int("k", &k));
    KSB_TRY(o.Int("sampleSize", &sample));
    KSB_TRY(o.Metric(&metric));
    KSB_TRY(o.Seed(&seed));
    auto q = L::ProjectionQualityAtK(hx, lx, k, metric, sample, seed);
    if (!q.ok()) return ErrorVal(q.status());
    val out = val::object();
    out.set("trustworthiness", q->trustworthiness);
    out.set("continuity", q->continuity);
    out.set("rowsScored", q->rows_scored);
    return out;
  });
}

// layoutAdjustedRand(a: Int32Array, b: Int32Array) -> { ari }
val AdjustedRand(val a, val b) {
  return Guard([&]() -> val {
    std::vector<int32_t> va, vb;
    KSB_TRY(CopyIn(a, "Int32Array", "a", &va));
    KSB_TRY(CopyIn(b, "Int32Array", "b", &vb));
    auto r = L::AdjustedRandIndex(va, vb);
    if (!r.ok()) return ErrorVal(r.status());
    val out = val::object();
    out.set("ari", *r);
    return out;
  });
}

// layoutCommunities(n, u: Int32Array, v: Int32Array, weight: Float32Array, { resolution, iterations,
//   seed }) -> { community: Int32Array, numCommunities, modularity }
val Communities(int n, val u, val v, val w, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    std::vector<int32_t> vu, vv;
    std::vector<float> vw;
    KSB_TRY(CopyIn(u, "Int32Array", "u", &vu));
    KSB_TRY(CopyIn(v, "Int32Array", "v", &vv));
    KSB_TRY(CopyIn(w, "Float32Array", "weight", &vw));
    if (vu.size() != vv.size() || vu.size() != vw.size()) {
      return ErrorVal(Bad("u, v and weight must have the same length", "edges"));
    }
    std::vector<L::GraphEdge> edges(vu.size());
    for (size_t t = 0; t < vu.size(); ++t) edges[t] = {vu[t], vv[t], vw[t]};
    L::CommunityParams p;
    KSB_TRY(o.Num("resolution", &p.resolution));
    KSB_TRY(o.Int("iterations", &p.iterations));
    KSB_TRY(o.Seed(&p.seed));
    auto r = L::DetectCommunities(n, edges, p, o.Progress());
    if (!r.ok()) return ErrorVal(r.status());
    val out = val::object();
    out.set("community", I32(r->community));
    out.set("numCommunities", r->num_communities);
    out.set("modularity", r->modularity);
    return out;
  });
}

// layoutClassTfidf(rowOffsets: Int32Array (rows + 1), termIds: Int32Array, counts: Float32Array,
//   numTerms, labels: Int32Array, { topN, reduceFrequentWords, bm25Weighting, includeNoise,
//   minClusterCount }) -> { labels: Int32Array (one per cluster), offsets: Int32Array
//   (clusters + 1), terms: Int32Array, scores: Float32Array }
val ClassTfidf(val row_offsets, val term_ids, val counts, int num_terms, val labels, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    L::TermMatrix tm;
    std::vector<int32_t> offs, lab;
    KSB_TRY(CopyIn(row_offsets, "Int32Array", "rowOffsets", &offs));
    KSB_TRY(CopyIn(term_ids, "Int32Array", "termIds", &tm.term_ids));
    KSB_TRY(CopyIn(counts, "Float32Array", "counts", &tm.counts));
    KSB_TRY(CopyIn(labels, "Int32Array", "labels", &lab));
    tm.row_offsets.assign(offs.begin(), offs.end());
    tm.num_terms = num_terms;
    L::ClassTfidfParams p;
    KSB_TRY(o.Int("topN", &p.top_n));
    KSB_TRY(o.Bool("reduceFrequentWords", &p.reduce_frequent_words));
    KSB_TRY(o.Bool("bm25Weighting", &p.bm25_weighting));
    KSB_TRY(o.Bool("includeNoise", &p.include_noise));
    KSB_TRY(o.Int("minClusterCount", &p.min_cluster_count));
    auto r = L::ClassTfidf(tm, lab, p);
    if (!r.ok()) return ErrorVal(r.status());
    std::vector<int32_t> out_labels, out_offsets{0}, out_terms;
    std::vector<float> out_scores;
    for (const L::ClusterTerms& ct : *r) {
      out_labels.push_back(ct.label);
      for (const L::ScoredTerm& st : ct.terms) {
        out_terms.push_back(st.term);
        out_scores.push_back(st.score);
      }
      out_offsets.push_back(static_cast<int32_t>(out_terms.size()));
    }
    val out = val::object();
    out.set("labels", I32(out_labels));
    out.set("offsets", I32(out_offsets));
    out.set("terms", I32(out_terms));
    out.set("scores", F32(out_scores));
    return out;
  });
}

// layoutRemoveOverlaps(positions: Float32Array (n x dim), radii: Float32Array, locked: Uint8Array |
//   undefined, { dim = 2, padding, maxIterations, seed }) -> { positions: Float32Array, iterations,
//   remaining, lockedPairs, maxDisplacement }
val RemoveOverlaps(val positions, val radii, val locked, val options) {
  return Guard([&]() -> val {
    Opts o(options);
    std::vector<float> pos, rad;
    std::vector<uint8_t> lock;
    KSB_TRY(CopyIn(positions, "Float32Array", "positions", &pos));
    KSB_TRY(CopyIn(radii, "Float32Array", "radii", &rad));
    if (!(locked.isUndefined() || locked.isNull())) KSB_TRY(CopyIn(locked, "Uint8Array", "locked", &lock));
    L::OverlapParams p;
    KSB_TRY(o.Int("dim", &p.dim));
    KSB_TRY(o.Num("padding", &p.padding));
    KSB_TRY(o.Int("maxIterations", &p.max_iterations));
    KSB_TRY(o.Seed(&p.seed));
    auto r = L::RemoveOverlaps(pos, rad, lock, p, o.Progress());
    if (!r.ok()) return ErrorVal(r.status());
    val out = val::object();
    out.set("positions", F32(pos));
    out.set("iterations", r->iterations);
    out.set("remaining", static_cast<double>(r->remaining));
    out.set("lockedPairs", static_cast<double>(r->locked_pairs));
    out.set("maxDisplacement", r->max_displacement);
    return out;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kspace_layout) {
  emscripten::function("layoutKnn", &Knn);
  emscripten::function("layoutUmap", &Umap);
  emscripten::function("layoutUmapTransform", &UmapTransform);
  emscripten::function("layoutPca", &Pca);
  emscripten::function("layoutHdbscan", &Hdbscan);
  emscripten::function("layoutKMeans", &KMeans);
  emscripten::function("layoutSilhouette", &Silhouette);
  emscripten::function("layoutProjectionQuality", &ProjectionQuality);
  emscripten::function("layoutAdjustedRand", &AdjustedRand);
  emscripten::function("layoutCommunities", &Communities);
  emscripten::function("layoutClassTfidf", &ClassTfidf);
  emscripten::function("layoutRemoveOverlaps", &RemoveOverlaps);
}
