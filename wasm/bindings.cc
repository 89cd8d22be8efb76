// The Embind surface of the engine: the only C++ that knows about JavaScript.
//
//   const engine = new Module.Engine();
//   const opened = engine.open(optionsJson, backendId);   // backendId 0 = memory, else Module.ksBackends[id]
//   // opened: { ok: true } | { error: { code, message, field? } }
//   const reply = engine.call(method, argsJson, bytesOrUndefined);
//   // reply: { json: string } | { error: {...} }, plus reply.bytes (a Uint8Array copy) when binary
//   engine.close(); engine.delete();
//
// Bytes enter as one bulk copy from a typed array into the heap and leave as one copy out of it
// (memory growth would invalidate any view kept across calls). No C++ exception reaches JS.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "api/prepare.h"
#include "engine.h"
#include "js_backend.h"
#include "store/memory_backend.h"

namespace kspace::wasm {
namespace {

using emscripten::val;

val ErrorVal(const Status& s) {
  val e = val::object();
  e.set("code", std::string(CodeName(s.code())));
  e.set("message", s.message());
  if (!s.field().empty()) e.set("field", s.field());
  val out = val::object();
  out.set("error", e);
  return out;
}

std::vector<uint8_t> CopyIn(const val& bytes) {
  std::vector<uint8_t> buf;
  if (bytes.isUndefined() || bytes.isNull()) return buf;
  const size_t n = bytes["length"].as<size_t>();
  buf.resize(n);
  if (n > 0) {
    val view(emscripten::typed_memory_view(n, buf.data()));
    view.call<void>("set", bytes);
  }
  return buf;
}

class WasmEngine {
 public:
  val Open(const std::string& options_json, int backend_id) {
    try {
      if (engine_) return ErrorVal(Status(Code::kFailedPrecondition, "engine already open"));
      Result<Engine::Options> options = Engine::ParseOptions(options_json);
      if (!options.ok()) return ErrorVal(options.status());
      std::unique_ptr<store::FileBackend> backend;
      if (backend_id == 0) {
        backend = std::make_unique<store::MemoryBackend>();
      } else {
        backend = std::make_unique<JsBackend>(backend_id);
      }
      Result<std::unique_ptr<Engine>> engine = Engine::Open(std::move(backend), *options);
      if (!engine.ok()) return ErrorVal(engine.status());
      engine_ = std::move(*engine);
      val out = val::object();
      out.set("ok", true);
      return out;
    } catch (const std::exception& e) {
      return ErrorVal(Internal(std::string("open failed: ") + e.what()));
    }
  }

  val Call(const std::string& method, const std::string& args_json, const val& bytes) {
    try {
      if (!engine_) return ErrorVal(Status(Code::kClosed, "the store is closed"));
      std::vector<uint8_t> input = CopyIn(bytes);
      Reply r = engine_->Call(method, args_json, input);
      if (!r.status.ok()) return ErrorVal(r.status);
      val out = val::object();
      out.set("json", r.json);
      if (!r.bytes.empty()) {
        out.set("bytes", val(emscripten::typed_memory_view(r.bytes.size(), r.bytes.data())).call<val>("slice"));
      }
      return out;
    } catch (const std::exception& e) {
      return ErrorVal(Internal(std::string("call failed: ") + e.what()));
    }
  }

  // Saves what the engine keeps in memory only (vector indexes with unsaved changes, term
  // statistics; Engine::Close), then closes the store. Before, this only destroyed the engine, so
  // an index not yet saved by the idle linking was rebuilt on the next open. A failure to save is
  // not reported: the next open replays the log (or rebuilds) instead.
  void Close() {
    if (engine_) {
      try {
        (void)engine_->Close();
      } catch (const std::exception&) {
      }
    }
    engine_.reset();
  }

 private:
  std::unique_ptr<Engine> engine_;
};

// The second worker's half of a pipelined ingest (src/api/prepare.h): no store, only the text
// pipeline and the built-in embedder.
//   const p = new Module.Preparer(openOptionsJson);   // the store's open options (chunk sizes)
//   p.call('loadTerms', bytes) / p.call('prepare', bytes) -> { json, bytes? } | { error }
class WasmPreparer {
 public:
  explicit WasmPreparer(const std::string& options_json) {
    Result<Engine::Options> options = Engine::ParseOptions(options_json);
    if (!options.ok()) {
      status_ = options.status();
      return;
    }
    preparer_ = std::make_unique<api::Preparer>(options->config);
  }

  val Call(const std::string& method, const val& bytes) {
    try {
      if (!preparer_) return ErrorVal(status_);
      std::vector<uint8_t> input = CopyIn(bytes);
      val out = val::object();
      if (method == "loadTerms") {
        if (Status s = preparer_->LoadTerms(input); !s.ok()) return ErrorVal(s);
        out.set("json", std::string("{}"));
        return out;
      }
      if (method == "prepare") {
        Result<std::vector<uint8_t>> r = preparer_->Prepare(input);
        if (!r.ok()) return ErrorVal(r.status());
        out.set("json", "{\"parseMs\":" + std::to_string(preparer_->parse_ms()) +
                            ",\"embedMs\":" + std::to_string(preparer_->embed_ms()) + "}");
        out.set("bytes", val(emscripten::typed_memory_view(r->size(), r->data())).call<val>("slice"));
        return out;
      }
      return ErrorVal(InvalidArgument("unknown method " + method, "method"));
    } catch (const std::exception& e) {
      return ErrorVal(Internal(std::string("prepare failed: ") + e.what()));
    }
  }

 private:
  Status status_;
  std::unique_ptr<api::Preparer> preparer_;
};

std::string Version() { return Engine::Version(); }

}  // namespace
}  // namespace kspace::wasm

EMSCRIPTEN_BINDINGS(kspace_engine) {
  using kspace::wasm::WasmEngine;
  using kspace::wasm::WasmPreparer;
  emscripten::function("version", &kspace::wasm::Version);
  emscripten::class_<WasmEngine>("Engine")
      .constructor<>()
      .function("open", &WasmEngine::Open)
      .function("call", &WasmEngine::Call)
      .function("close", &WasmEngine::Close);
  emscripten::class_<WasmPreparer>("Preparer")
      .constructor<std::string>()
      .function("call", &WasmPreparer::Call);
}
