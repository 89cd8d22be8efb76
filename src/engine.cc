#include "engine.h"

#include <sqlite3.h>

#include <exception>
#include <new>

#include <nlohmann/json.hpp>

#include "api/ingest.h"
#include "graph/hooks.h"  // map
#include "search/fts_rank.h"
#include "store/chunks.h"
#include "util/clock.h"

namespace kspace {

using json = nlohmann::json;

const char* Engine::Version() { return "0.1.0"; }

std::string ErrorJson(const Status& status) {
  json e{{"code", CodeName(status.code())}, {"message", status.message()}};
  if (!status.field().empty()) e["field"] = status.field();
  return e.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Engine::Options> Engine::ParseOptions(std::string_view options_json) {
  json j = json::parse(options_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("open options are not valid JSON", "options");
  KS_ASSIGN_OR_RETURN(api::Args a, api::Args::Of(j));
  Options o;
  KS_ASSIGN_OR_RETURN(auto filename, a.String("filename", api::StringRule{512, false, false, false}));
  if (filename) o.store.filename = *filename;
  KS_ASSIGN_OR_RETURN(auto max_source, a.Int("maxSourceBytes", 1, int64_t{1} << 30));
  if (max_source) o.config.max_source_bytes = *max_source;
  KS_ASSIGN_OR_RETURN(auto schema, a.Int("schemaVersion", 1, store::kSchemaVersion));
  if (schema) o.store.schema_version = static_cast<int>(*schema);
  KS_ASSIGN_OR_RETURN(auto cache, a.Int("cacheKiB", 256, 1 << 20));
  if (cache) o.store.cache_kib = static_cast<int>(*cache);
  KS_ASSIGN_OR_RETURN(auto chunk_tokens, a.Int("chunkTokens", 32, 8192));
  if (chunk_tokens) o.config.chunk_tokens = static_cast<int>(*chunk_tokens);
  KS_ASSIGN_OR_RETURN(auto overlap, a.Int("chunkOverlap", 0, 4096));
  if (overlap) o.config.chunk_overlap = static_cast<int>(*overlap);
  if (o.config.chunk_overlap > o.config.chunk_tokens / 2) {
    return InvalidArgument("chunkOverlap must be at most half of chunkTokens", "chunkOverlap");
  }
  KS_ASSIGN_OR_RETURN(auto embedder, a.Nested("embedder"));
  if (embedder) {
    api::ExternalModel m;
    KS_ASSIGN_OR_RETURN(m.id, embedder->RequiredString("id", api::StringRule{200, false, true, true}));
    KS_ASSIGN_OR_RETURN(auto dims, embedder->Int("dimensions", 1, 16384));
    KS_RETURN_IF_ERROR(embedder->Finish());
    if (!dims) return InvalidArgument("embedder.dimensions is required", "embedder.dimensions");
    if (m.id == embed::BuiltinEmbedder::kId) return InvalidArgument("that id is the built-in model's", "embedder.id");
    m.dimensions = static_cast<int>(*dims);
    o.external = m;
  }
  KS_RETURN_IF_ERROR(a.Finish());
  return o;
}

Result<std::unique_ptr<Engine>> Engine::Open(std::unique_ptr<store::FileBackend> backend, const Options& options) {
  auto engine = std::make_unique<Engine>();
  engine->state_ = std::make_unique<api::EngineState>();
  engine->state_->config = options.config;
  engine->state_->external = options.external;
  store::StoreOptions so = options.store;
  // The full-text ranking function must exist on the connection before anything queries it; a
  // caller's own hook (tests trace the connection with it) runs after.
  so.on_connect = [caller = options.store.on_connect](sqlite3* db) -> Status {
    KS_RETURN_IF_ERROR(search::RegisterFtsFunctions(db));
    return caller ? caller(db) : Status::Ok();
  };
  KS_ASSIGN_OR_RETURN(engine->state_->store, store::Store::Open(std::move(backend), so));
  KS_RETURN_IF_ERROR(graph::OnStoreOpened(engine->state_->store->db(), engine->state_->store->profile_id(),
                                          NowTimestamp()));  // map
  if (options.external) {
    KS_RETURN_IF_ERROR(store::EnsureEmbeddingModel(engine->state_->store->db(),
                                                   store::EmbeddingModel{options.external->id,
                                                                         options.external->dimensions, "js"},
                                                   NowTimestamp()));
  }
  api::RegisterStoreMethods(engine->methods_);
  api::RegisterSpaceMethods(engine->methods_);
  api::RegisterSourceMethods(engine->methods_);
  api::RegisterIngestMethods(engine->methods_);
  api::RegisterSearchMethods(engine->methods_);
  api::RegisterChatMethods(engine->methods_);    // chat
  api::RegisterMemoryMethods(engine->methods_);  // chat
  api::RegisterMapMethods(engine->methods_);     // map
  return engine;
}

Status Engine::Close() {
  if (!state_) return Status::Ok();
  Status s = state_->SaveInMemoryState();
  state_.reset();
  return s;
}

Reply Engine::Call(std::string_view method, std::string_view args_json, std::span<const uint8_t> input) {
  Reply reply;
  try {
    if (!state_) {
      reply.status = Status(Code::kClosed, "the store is closed");
      return reply;
    }
    auto it = methods_.find(method);
    if (it == methods_.end()) {
      reply.status = InvalidArgument("unknown method " + std::string(method), "method");
      return reply;
    }
    json args = args_json.empty() ? json() : json::parse(args_json, nullptr, /*allow_exceptions=*/false);
    if (args.is_discarded()) {
      reply.status = InvalidArgument("arguments are not valid JSON (or not valid UTF-8)", "arguments");
      return reply;
    }
    Result<api::Args> a = api::Args::Of(args);
    if (!a.ok()) {
      reply.status = a.status();
      return reply;
    }
    api::Context ctx{*state_, input, reply.bytes};
    Result<json> r = it->second(ctx, *a);
    if (!r.ok()) {
      reply.status = r.status();
      reply.bytes.clear();
      return reply;
    }
    reply.json = r->dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const std::bad_alloc&) {
    reply = Reply();
    reply.status = Status(Code::kTooLarge, "out of memory while running " + std::string(method));
  } catch (const std::exception& e) {
    reply = Reply();
    reply.status = Internal(std::string("unexpected error in ") + std::string(method) + ": " + e.what());
  }
  return reply;
}

}  // namespace kspace
