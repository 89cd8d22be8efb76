// Embind surface of the vector index (src/index): a `VectorIndex` class for benchmarks and for
// apps that want vector search without the rest of the engine.
//
//   const index = new Module.VectorIndex(384, { M: 16, efConstruction: 200, efSearch: 64,
//                                               exactThreshold: 1024, encoding: 'float32', seed: 100 });
//   index.addBatch(rows /* Float32Array, n*dim */, labels /* Float64Array | Uint32Array | number[] */);
//   index.add(label, vector);
//   const { labels, scores } = index.search(query /* Float32Array */, 10, 64);  // ef 0 = efSearch
//   // or index.search(query, 10, { ef, allowedLabels, filter: (label) => bool, selectivity,
//   //                               strategy: 'auto' | 'graph' | 'exact' })
//   const batch = index.searchBatch(queries /* nq*dim */, 10, 64);  // labels/scores of nq*k, padded
//   index.remove(label); index.restore(label); index.contains(label);
//   index.size(); index.liveSize(); index.memoryBytes(); index.capacity();
//   index.generation (get/set), index.params()
//   const bytes = index.serialize();                 // Uint8Array (a copy)
//   const again = Module.VectorIndex.deserialize(bytes);
//   index.delete();                                  // frees the wasm memory (Embind objects are not GC'd)
//
// Errors: every failure throws a JS `Error` with name "KspaceError", `code` (the stable code name,
// e.g. "INVALID_ARGUMENT", "NOT_FOUND", "CORRUPT") and, for bad input, `field` (e.g. "vector",
// "query", "k", "labels"). No C++ exception ever reaches JS: failures are kspace::Status values
// turned into these errors at this boundary, after every C++ object of the call is destroyed.
//
// Data crossing the boundary is copied in bulk: inputs with TypedArray.prototype.set into wasm
// memory through a typed_memory_view, outputs into fresh JS typed arrays before anything else can
// allocate (wasm memory growth detaches views of the heap). Labels cross as doubles: integers in
// [0, 2^53).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "index/distance.h"
#include "index/filter.h"
#include "index/vector_index.h"
#include "util/status.h"

namespace {

using emscripten::val;
using kspace::Status;
using kspace::index::Encoding;
using kspace::index::Label;
using kspace::index::VectorIndex;

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

val MakeError(const Status& s) {
  val err = val::global("Error").new_(val(s.message()));
  err.set("name", val("KspaceError"));
  err.set("code", val(kspace::CodeName(s.code())));
  if (!s.field().empty()) err.set("field", val(s.field()));
  return err;
}

// Throws `error` if it is set. Called at the end of a binding, when only `val`s are alive.
void ThrowIf(const val& error) {
  if (!error.isUndefined()) error.throw_();
}

// The length of a JS array-like of numbers (any TypedArray or Array), or an error naming `field`.
Status ArrayLength(const val& js, const char* field, size_t* len) {
  if (js.isUndefined() || js.isNull() || js.isString() || js.isNumber()) {
    return kspace::InvalidArgument(std::string(field) + " must be a typed array or an array", field);
  }
  val length = js["length"];
  if (!length.isNumber()) {
    return kspace::InvalidArgument(std::string(field) + " must be a typed array or an array", field);
  }
  const double d = length.as<double>();
  if (!(d >= 0 && d <= 2147483647.0)) return kspace::InvalidArgument(std::string(field) + " is too long", field);
  *len = static_cast<size_t>(d);
  return Status::Ok();
}

// Copies a JS array-like of numbers into `dst` (n values) in one TypedArray.prototype.set: a
// bulk copy (with conversion, e.g. Uint32Array -> Float64Array) done by the JS engine.
template <typename T>
void BulkSet(const val& js, T* dst, size_t n) {
  if (n > 0) val(emscripten::typed_memory_view(n, dst)).call<void>("set", js);
}

template <typename T>
Status CopyIn(const val& js, const char* field, std::vector<T>* out) {
  size_t n;
  KS_RETURN_IF_ERROR(ArrayLength(js, field, &n));
  out->resize(n);  // allocate first: growing wasm memory would detach the view
  BulkSet(js, out->data(), n);
  return Status::Ok();
}

Status ToLabels(const std::vector<double>& in, const char* field, std::vector<Label>* out) {
  out->resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const double d = in[i];
    if (!(d >= 0 && d <= kMaxSafeInteger && std::floor(d) == d)) {
      return kspace::InvalidArgument(std::string(field) + "[" + std::to_string(i) +
                                         "] is not an integer in [0, 2^53)",
                                     field);
    }
    (*out)[i] = static_cast<Label>(d);
  }
  return Status::Ok();
}

Status ToLabel(double d, Label* out) {
  std::vector<Label> one;
  KS_RETURN_IF_ERROR(ToLabels(std::vector<double>{d}, "label", &one));
  *out = one[0];
  return Status::Ok();
}

// Reads an optional non-negative integer option.
Status UintOption(const val& options, const char* name, uint32_t* out) {
  if (options.isUndefined() || options.isNull()) return Status::Ok();
  val v = options[name];
  if (v.isUndefined()) return Status::Ok();
  if (!v.isNumber()) {
    return kspace::InvalidArgument(std::string(name) + " must be a number", name);
  }
  const double d = v.as<double>();
  if (!(d >= 0 && d <= 4294967295.0 && std::floor(d) == d)) {
    return kspace::InvalidArgument(std::string(name) + " must be a non-negative integer", name);
  }
  *out = static_cast<uint32_t>(d);
  return Status::Ok();
}

Status ParseParams(double dim, const val& options, kspace::index::IndexParams* p) {
  if (!(dim >= 1 && dim <= kspace::index::kMaxDim && std::floor(dim) == dim)) {
    return kspace::InvalidArgument("dim must be an integer in [1, " +
                                       std::to_string(kspace::index::kMaxDim) + "]",
                                   "dim");
  }
  p->dim = static_cast<uint32_t>(dim);
  if (!options.isUndefined() && !options.isNull() && options.typeOf().as<std::string>() != "object") {
    return kspace::InvalidArgument("options must be an object", "options");
  }
  KS_RETURN_IF_ERROR(UintOption(options, "M", &p->M));
  KS_RETURN_IF_ERROR(UintOption(options, "efConstruction", &p->ef_construction));
  KS_RETURN_IF_ERROR(UintOption(options, "efSearch", &p->ef_search));
  KS_RETURN_IF_ERROR(UintOption(options, "exactThreshold", &p->exact_threshold));
  uint32_t seed = static_cast<uint32_t>(p->seed);
  KS_RETURN_IF_ERROR(UintOption(options, "seed", &seed));
  p->seed = seed;
  if (!options.isUndefined() && !options.isNull() && !options["encoding"].isUndefined()) {
    val e = options["encoding"];
    const std::string name = e.typeOf().as<std::string>() == "string" ? e.as<std::string>() : "";
    if (name == "float32") {
      p->encoding = Encoding::kFloat32;
    } else if (name == "int8") {
      p->encoding = Encoding::kInt8;
    } else {
      return kspace::InvalidArgument("encoding must be 'float32' or 'int8'", "encoding");
    }
  }
  return Status::Ok();
}

// A filter whose predicate is a JS function (label) => boolean. Slow (one JS call per label
// examined): prefer allowedLabels when the set is known.
class JsPredicateFilter final : public kspace::index::Filter {
 public:
  JsPredicateFilter(val fn, double selectivity) : fn_(std::move(fn)), selectivity_(selectivity) {}
  bool Allows(Label label) const override {
    return fn_(static_cast<double>(label)).as<bool>();
  }
  double Selectivity() const override { return selectivity_; }

 private:
  val fn_;
  double selectivity_;
};

// A fresh JS typed array holding a copy of data[0..n).
template <typename T>
val CopyOut(const val& type, const T* data, size_t n) {
  val out = type.new_(n);
  if (n > 0) out.call<void>("set", val(emscripten::typed_memory_view(n, data)));
  return out;
}

// Constructors looked up once (a lookup by name is a string conversion per call).
const val& Float64ArrayType() {
  static const val type = val::global("Float64Array");
  return type;
}
const val& Float32ArrayType() {
  static const val type = val::global("Float32Array");
  return type;
}
const val& Uint8ArrayType() {
  static const val type = val::global("Uint8Array");
  return type;
}

val HitsObject(const std::vector<double>& labels, const std::vector<float>& scores) {
  val result = val::object();
  result.set("labels", CopyOut(Float64ArrayType(), labels.data(), labels.size()));
  result.set("scores", CopyOut(Float32ArrayType(), scores.data(), scores.size()));
  return result;
}

class JsVectorIndex {
 public:
  explicit JsVectorIndex(std::unique_ptr<VectorIndex> index) : index_(std::move(index)) {}

  static std::unique_ptr<JsVectorIndex> Create(double dim, val options) {
    val error = val::undefined();
    std::unique_ptr<JsVectorIndex> out;
    {
      kspace::index::IndexParams p;
      Status st = ParseParams(dim, options, &p);
      if (st.ok()) {
        auto r = VectorIndex::Create(p);
        if (r.ok()) {
          out = std::make_unique<JsVectorIndex>(std::move(r).value());
        } else {
          st = r.status();
        }
      }
      if (!st.ok()) error = MakeError(st);
    }
    ThrowIf(error);
    return out;
  }

  void AddBatch(val rows, val labels) {
    val error = val::undefined();
    {
      Status st = [&]() -> Status {
        std::vector<float> r;
        std::vector<double> l;
        std::vector<Label> ls;
        KS_RETURN_IF_ERROR(CopyIn(rows, "rows", &r));
        KS_RETURN_IF_ERROR(CopyIn(labels, "labels", &l));
        KS_RETURN_IF_ERROR(ToLabels(l, "labels", &ls));
        return index_->AddBatch(ls, r);
      }();
      if (!st.ok()) error = MakeError(st);
    }
    ThrowIf(error);
  }

  void Add(double label, val vector) {
    val error = val::undefined();
    {
      Status st = [&]() -> Status {
        Label l;
        std::vector<float> v;
        KS_RETURN_IF_ERROR(ToLabel(label, &l));
        KS_RETURN_IF_ERROR(CopyIn(vector, "vector", &v));
        return index_->Add(l, v);
      }();
      if (!st.ok()) error = MakeError(st);
    }
    ThrowIf(error);
  }

  // search(query, k, efOrOptions) -> { labels: Float64Array, scores: Float32Array }
  val Search(val query, double k, val ef_or_options) {
    val error = val::undefined();
    val result = val::undefined();
    {
      Status st = [&]() -> Status {
        KS_RETURN_IF_ERROR(CopyIn(query, "query", &query_));
        if (!(k >= 1 && std::floor(k) == k)) {
          return kspace::InvalidArgument("k must be a positive integer", "k");
        }
        kspace::index::SearchOptions opt;
        std::unique_ptr<kspace::index::Filter> filter;
        if (ef_or_options.isNumber()) {
          const double ef = ef_or_options.as<double>();
          if (!(ef >= 0 && ef <= kspace::index::kMaxEf && std::floor(ef) == ef)) {
            return kspace::InvalidArgument("ef must be an integer in [0, " +
                                               std::to_string(kspace::index::kMaxEf) + "]",
                                           "ef");
          }
          opt.ef = static_cast<uint32_t>(ef);
        } else if (!ef_or_options.isUndefined() && !ef_or_options.isNull()) {
          KS_RETURN_IF_ERROR(ParseSearchOptions(ef_or_options, &opt, &filter));
        }
        const size_t kk = k > 1e9 ? size_t{1000000000} : static_cast<size_t>(k);
        auto hits = index_->Search(query_, kk, filter.get(), opt);
        if (!hits.ok()) return hits.status();
        labels_out_.resize(hits->size());
        scores_out_.resize(hits->size());
        for (size_t i = 0; i < hits->size(); ++i) {
          labels_out_[i] = static_cast<double>((*hits)[i].label);
          scores_out_[i] = (*hits)[i].score;
        }
        return Status::Ok();
      }();
      if (st.ok()) {
        result = HitsObject(labels_out_, scores_out_);
      } else {
        error = MakeError(st);
      }
    }
    ThrowIf(error);
    return result;
  }

  // searchBatch(queries (nq*dim), k, ef) -> { labels: Float64Array(nq*k), scores: Float32Array(nq*k) }
  // Rows with fewer than k hits are padded with label -1 and score NaN.
  val SearchBatch(val queries, double k, double ef) {
    val error = val::undefined();
    val result = val::undefined();
    {
      Status st = [&]() -> Status {
        std::vector<float> q;
        KS_RETURN_IF_ERROR(CopyIn(queries, "queries", &q));
        const size_t dim = index_->params().dim;
        if (q.size() % dim != 0) {
          return kspace::InvalidArgument("queries length must be a multiple of dim", "queries");
        }
        if (!(k >= 1 && k <= 100000 && std::floor(k) == k)) {
          return kspace::InvalidArgument("k must be an integer in [1, 100000]", "k");
        }
        if (!(ef >= 0 && ef <= kspace::index::kMaxEf && std::floor(ef) == ef)) {
          return kspace::InvalidArgument("ef out of range", "ef");
        }
        const size_t nq = q.size() / dim, kk = static_cast<size_t>(k);
        kspace::index::SearchOptions opt;
        opt.ef = static_cast<uint32_t>(ef);
        labels_out_.assign(nq * kk, -1.0);
        scores_out_.assign(nq * kk, std::nanf(""));
        for (size_t i = 0; i < nq; ++i) {
          auto hits = index_->Search(std::span<const float>(q).subspan(i * dim, dim), kk, nullptr, opt);
          if (!hits.ok()) return hits.status();
          for (size_t j = 0; j < hits->size(); ++j) {
            labels_out_[i * kk + j] = static_cast<double>((*hits)[j].label);
            scores_out_[i * kk + j] = (*hits)[j].score;
          }
        }
        return Status::Ok();
      }();
      if (st.ok()) {
        result = HitsObject(labels_out_, scores_out_);
      } else {
        error = MakeError(st);
      }
    }
    ThrowIf(error);
    return result;
  }

  void Remove(double label) { LabelOp(label, &VectorIndex::Remove); }
  void Restore(double label) { LabelOp(label, &VectorIndex::Restore); }

  bool Contains(double label) const {
    Label l;
    return ToLabel(label, &l).ok() && index_->Contains(l);
  }

  double Size() const { return static_cast<double>(index_->size()); }
  double LiveSize() const { return static_cast<double>(index_->live_size()); }
  double MemoryBytes() const { return static_cast<double>(index_->MemoryBytes()); }
  double Capacity() const { return static_cast<double>(index_->capacity()); }
  double Generation() const { return static_cast<double>(index_->generation()); }
  void SetGeneration(double g) {
    val error = val::undefined();
    if (g >= 0 && g <= kMaxSafeInteger && std::floor(g) == g) {
      index_->set_generation(static_cast<uint64_t>(g));
    } else {
      error = MakeError(kspace::InvalidArgument("generation must be an integer in [0, 2^53)", "generation"));
    }
    ThrowIf(error);
  }

  val Params() const {
    const auto& p = index_->params();
    val o = val::object();
    o.set("dim", val(p.dim));
    o.set("M", val(p.M));
    o.set("efConstruction", val(p.ef_construction));
    o.set("efSearch", val(p.ef_search));
    o.set("exactThreshold", val(p.exact_threshold));
    o.set("encoding", val(std::string(kspace::index::EncodingName(p.encoding))));
    o.set("seed", val(static_cast<double>(p.seed)));
    return o;
  }

  val Serialize() const {
    val error = val::undefined();
    val result = val::undefined();
    {
      auto bytes = index_->Serialize();
      if (bytes.ok()) {
        result = CopyOut(Uint8ArrayType(), bytes->data(), bytes->size());
      } else {
        error = MakeError(bytes.status());
      }
    }
    ThrowIf(error);
    return result;
  }

  static std::unique_ptr<JsVectorIndex> Deserialize(val bytes) {
    val error = val::undefined();
    std::unique_ptr<JsVectorIndex> out;
    {
      Status st = [&]() -> Status {
        // Not a std::vector: zero-filling a buffer that is overwritten at once costs ~1 ms per 10 MB.
        size_t n;
        KS_RETURN_IF_ERROR(ArrayLength(bytes, "bytes", &n));
        std::unique_ptr<uint8_t, void (*)(void*)> b(static_cast<uint8_t*>(std::malloc(n > 0 ? n : 1)), &std::free);
        if (b == nullptr) return Status(kspace::Code::kTooLarge, "out of memory for the index bytes");
        BulkSet(bytes, b.get(), n);
        auto r = VectorIndex::Deserialize(std::span<const uint8_t>(b.get(), n));
        if (!r.ok()) return r.status();
        out = std::make_unique<JsVectorIndex>(std::move(r).value());
        return Status::Ok();
      }();
      if (!st.ok()) error = MakeError(st);
    }
    ThrowIf(error);
    return out;
  }

  static std::string Kernel() { return kspace::index::KernelName(); }

 private:
  Status ParseSearchOptions(const val& o, kspace::index::SearchOptions* opt,
                            std::unique_ptr<kspace::index::Filter>* filter) {
    if (o.typeOf().as<std::string>() != "object") {
      return kspace::InvalidArgument("the third argument must be ef or an options object", "options");
    }
    KS_RETURN_IF_ERROR(UintOption(o, "ef", &opt->ef));
    val strategy = o["strategy"];
    if (!strategy.isUndefined()) {
      const std::string s = strategy.typeOf().as<std::string>() == "string" ? strategy.as<std::string>() : "";
      if (s == "auto") {
        opt->strategy = kspace::index::SearchOptions::Strategy::kAuto;
      } else if (s == "graph") {
        opt->strategy = kspace::index::SearchOptions::Strategy::kGraph;
      } else if (s == "exact") {
        opt->strategy = kspace::index::SearchOptions::Strategy::kExact;
      } else {
        return kspace::InvalidArgument("strategy must be 'auto', 'graph' or 'exact'", "strategy");
      }
    }
    double selectivity = -1;
    val sel = o["selectivity"];
    if (!sel.isUndefined()) {
      if (sel.typeOf().as<std::string>() != "number") {
        return kspace::InvalidArgument("selectivity must be a number in [0, 1]", "selectivity");
      }
      selectivity = sel.as<double>();
      if (!(selectivity >= 0 && selectivity <= 1)) {
        return kspace::InvalidArgument("selectivity must be a number in [0, 1]", "selectivity");
      }
    }
    val allowed = o["allowedLabels"];
    val fn = o["filter"];
    if (!allowed.isUndefined() && !allowed.isNull()) {
      std::vector<double> d;
      std::vector<Label> l;
      KS_RETURN_IF_ERROR(CopyIn(allowed, "allowedLabels", &d));
      KS_RETURN_IF_ERROR(ToLabels(d, "allowedLabels", &l));
      *filter = std::make_unique<kspace::index::LabelListFilter>(std::move(l));
    } else if (!fn.isUndefined() && !fn.isNull()) {
      if (fn.typeOf().as<std::string>() != "function") {
        return kspace::InvalidArgument("filter must be a function (label) => boolean", "filter");
      }
      *filter = std::make_unique<JsPredicateFilter>(fn, selectivity);
    }
    return Status::Ok();
  }

  void LabelOp(double label, Status (VectorIndex::*op)(Label)) {
    val error = val::undefined();
    {
      Label l;
      Status st = ToLabel(label, &l);
      if (st.ok()) st = ((*index_).*op)(l);
      if (!st.ok()) error = MakeError(st);
    }
    ThrowIf(error);
  }

  std::unique_ptr<VectorIndex> index_;
  // Reused buffers: a search allocates nothing in wasm after the first.
  std::vector<float> query_;
  std::vector<double> labels_out_;
  std::vector<float> scores_out_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(kspace_vector_index) {
  emscripten::class_<JsVectorIndex>("VectorIndex")
      .constructor(&JsVectorIndex::Create)
      .class_function("deserialize", &JsVectorIndex::Deserialize)
      .class_function("kernel", &JsVectorIndex::Kernel)
      .function("addBatch", &JsVectorIndex::AddBatch)
      .function("add", &JsVectorIndex::Add)
      .function("search", &JsVectorIndex::Search)
      .function("searchBatch", &JsVectorIndex::SearchBatch)
      .function("remove", &JsVectorIndex::Remove)
      .function("restore", &JsVectorIndex::Restore)
      .function("contains", &JsVectorIndex::Contains)
      .function("size", &JsVectorIndex::Size)
      .function("liveSize", &JsVectorIndex::LiveSize)
      .function("memoryBytes", &JsVectorIndex::MemoryBytes)
      .function("capacity", &JsVectorIndex::Capacity)
      .function("params", &JsVectorIndex::Params)
      .function("serialize", &JsVectorIndex::Serialize)
      .property("generation", &JsVectorIndex::Generation, &JsVectorIndex::SetGeneration);
}
