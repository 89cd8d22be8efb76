// Engine: the facade over one open kspace store.
//
// The engine owns an open Store (and, as subsystems land, its vector indexes and embedders) and
// answers API calls by name: Call("createSpace", R"({"title":"Research"})", {}). Arguments and
// results are JSON with the public API's camelCase names; binary data (source bytes, vectors)
// travels beside the JSON, never inside it. Every call validates its arguments and either commits
// all of its writes or none. Call never throws.
//
// The same Engine serves the WebAssembly module (wasm/bindings.cc) and native tests and tools.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "store/file_backend.h"
#include "util/status.h"

namespace kspace {

struct Reply {
  Status status;               // OK, or why the call failed (nothing was changed)
  std::string json;            // the result, when OK
  std::vector<uint8_t> bytes;  // binary result (getSourceContent), when any
};

class Engine {
 public:
  struct Options {
    store::StoreOptions store;  // its on_connect, if any, runs after the engine's own
    api::EngineConfig config;
    std::optional<api::ExternalModel> external;  // a page-side embedder the store is opened with
  };

  // Parses open options given as JSON: {"filename": "...", "maxSourceBytes": n}.
  static Result<Options> ParseOptions(std::string_view options_json);
  static Result<std::unique_ptr<Engine>> Open(std::unique_ptr<store::FileBackend> backend, const Options& options);

  Reply Call(std::string_view method, std::string_view args_json, std::span<const uint8_t> input);

  // Closes the store. Later calls fail with CLOSED. Closing twice is fine.
  Status Close();
  bool closed() const { return state_ == nullptr; }

  static const char* Version();

  Engine() = default;  // use Open()

 private:
  std::unique_ptr<api::EngineState> state_;
  api::MethodTable methods_;
};

// {"code": "...", "message": "...", "field": "..."} for a failed Status.
std::string ErrorJson(const Status& status);

}  // namespace kspace
