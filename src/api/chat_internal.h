// Shared by the chat handlers (api/chat.cc, api/chat_config.cc, api/memories.cc).
#pragma once

#include <map>
#include <string>

#include "api/context.h"
#include "store/chats.h"
#include "store/memories.h"

namespace kspace::api {

// Largest message a user can send or append, in bytes (INVALID_ARGUMENT above it).
inline constexpr size_t kMaxMessageBytes = 256 * 1024;
// Largest answer a provider may produce, in bytes.
inline constexpr size_t kMaxAnswerBytes = 1024 * 1024;

Result<store::SessionRow> RequireSession(Context& ctx, const std::string& id, const char* field = "sessionId");
Result<store::BranchRow> RequireBranch(Context& ctx, const std::string& id, const char* field = "branchId");
Result<store::MessageRow> RequireMessage(Context& ctx, const std::string& id, const char* field = "messageId");
Result<store::AgentRow> RequireAgent(Context& ctx, const std::string& id, const char* field = "agentId");
// The message as the API returns it, with citations (degraded when their chunk or source is gone).
Result<json> MessageJson(Context& ctx, const store::MessageRow& m);
// Appends the JSON text of exactly the object MessageJson returns (same keys, same order) without
// building json objects: the hot path of chatHistory.
Status AppendMessageText(Context& ctx, const store::MessageView& m, std::string& out);
// Makes sure the memory vectors are loaded.
Status EnsureMemoryIndex(Context& ctx);
// Memory search, for chat retrieval too: the best `k` memories for `query` visible from `space_id`.
struct MemoryHit {
  store::MemoryRow row;
  double relevance = 0, similarity = 0, vector = 0, text = 0;
};
struct MemorySearchOptions {
  std::optional<std::string> space_id;
  std::optional<std::string> scope;
  std::vector<std::string> tags;
  std::string mode = "hybrid";
  double w_similarity = 0.7, w_importance = 0.3;
  double min_importance = 0;
  int64_t k = 10;
};
Result<std::vector<MemoryHit>> SearchMemories(Context& ctx, const std::string& query, const MemorySearchOptions& o);
json MemoryToJson(const store::MemoryRow& m);

}  // namespace kspace::api
