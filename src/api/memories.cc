// Memories (seed 001 memories, seed 004 memory units): add, update, delete, restore, get, list,
// search, remember. Relevance = wSimilarity x similarity + wImportance x importance (0.7 / 0.3 by
// default, seed 001). Vectors from the built-in model, scanned exactly (chat/memory_index.h).
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

#include "api/chat_internal.h"
#include "api/common.h"
#include "api/convert.h"
#include "chat/memory_index.h"
#include "search/fts_query.h"
#include "util/clock.h"
#include "util/uuid.h"

namespace kspace::api {

json MemoryToJson(const store::MemoryRow& m) {
  return json{{"id", m.id},
              {"scope", m.scope},
              {"spaceId", m.space_id ? json(*m.space_id) : json(nullptr)},
              {"content", m.content},
              {"importance", m.importance},
              {"tags", ParseStoredJson(m.tags, json::array())},
              {"entities", ParseStoredJson(m.entities, json::object())},
              {"sourceType", m.source_type},
              {"sourceRef", ParseStoredJson(m.source_ref, json::object())},
              {"createdAt", m.created_at},
              {"updatedAt", m.updated_at},
              {"deletedAt", m.deleted_at ? json(*m.deleted_at) : json(nullptr)}};
}

Status EnsureMemoryIndex(Context& ctx) {
  chat::MemoryIndex& idx = ctx.state.memories;
  if (idx.loaded()) return Status::Ok();
  KS_RETURN_IF_ERROR(store::ForEachMemoryVector(
      ctx.db(), [&](int64_t label, std::span<const uint8_t> v, double importance, const std::string* space) {
        return idx.Put(label, v, static_cast<float>(importance), idx.SpaceKey(space));
      }));
  idx.set_loaded();
  return Status::Ok();
}

namespace {

constexpr size_t kMaxMemoryBytes = 16 * 1024;

Result<std::vector<float>> Embed(Context& ctx, const std::string& text) {
  std::vector<float> v(static_cast<size_t>(ctx.state.builtin.dimensions()));
  KS_RETURN_IF_ERROR(ctx.state.builtin.EmbedOne(text, v));
  return v;
}

// Brings the in-memory vectors in step with a committed row.
Status SyncIndex(Context& ctx, const store::MemoryRow& m, const std::vector<uint8_t>* vec) {
  chat::MemoryIndex& idx = ctx.state.memories;
  if (!idx.loaded()) return Status::Ok();  // loaded from SQLite on first use
  if (m.deleted_at) {
    idx.Remove(m.label);
    return Status::Ok();
  }
  const std::string* space = m.space_id ? &*m.space_id : nullptr;
  if (vec) return idx.Put(m.label, *vec, static_cast<float>(m.importance), idx.SpaceKey(space));
  if (idx.Contains(m.label)) {
    idx.SetImportance(m.label, static_cast<float>(m.importance));
    return Status::Ok();
  }
  // Restored: its stored vector comes back.
  Result<std::vector<uint8_t>> stored = store::MemoryVector(ctx.db(), m.label);
  if (!stored.ok()) return Internal("memory " + m.id + " has no vector: " + stored.status().message());
  return idx.Put(m.label, *stored, static_cast<float>(m.importance), idx.SpaceKey(space));
}

Result<store::MemoryRow> RequireMemory(Context& ctx, const std::string& id) {
  KS_ASSIGN_OR_RETURN(auto m, store::FindMemory(ctx.db(), id));
  if (!m) return NotFound("no memory with id " + id, "memoryId");
  return std::move(*m);
}

// Optional fields shared by add, update and remember.
Status ReadMemoryFields(Args& a, store::MemoryRow& m, bool content_required) {
  if (content_required) {
    KS_ASSIGN_OR_RETURN(m.content, a.RequiredString("content", StringRule{kMaxMemoryBytes, false, false, true}));
  } else {
    KS_ASSIGN_OR_RETURN(auto c, a.String("content", StringRule{kMaxMemoryBytes, false, false, true}));
    if (c) m.content = *c;
  }
  KS_ASSIGN_OR_RETURN(auto imp, a.Number("importance", 0, 1));
  if (imp) m.importance = *imp;
  KS_ASSIGN_OR_RETURN(auto tags, a.StringList("tags", 100, kShortRule));
  if (tags) m.tags = json(*tags).dump();
  KS_ASSIGN_OR_RETURN(auto entities, a.Object("entities", 16384));
  if (entities) m.entities = entities->dump();
  return Status::Ok();
}

Result<json> Insert(Context& ctx, store::MemoryRow& m) {
  m.id = NewUuid();
  m.user_id = ctx.profile_id();
  m.created_at = m.updated_at = NowTimestamp();
  KS_ASSIGN_OR_RETURN(std::vector<float> v, Embed(ctx, m.content));
  std::vector<uint8_t> q = chat::QuantizeVector(v);
  KS_RETURN_IF_ERROR(EnsureMemoryIndex(ctx));
  {
    KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
    KS_RETURN_IF_ERROR(store::InsertMemory(ctx.db(), m, q, std::string(ctx.state.builtin.id())));
    KS_RETURN_IF_ERROR(tx.Commit());
  }
  KS_RETURN_IF_ERROR(SyncIndex(ctx, m, &q));
  return MemoryToJson(m);
}

Status ReadScope(Context& ctx, Args& a, store::MemoryRow& m) {
  KS_ASSIGN_OR_RETURN(auto scope, a.Enum("scope", {"user", "space"}));
  KS_ASSIGN_OR_RETURN(auto space_id, a.Id("spaceId"));
  m.scope = scope.value_or(space_id ? "space" : "user");
  if (m.scope == "space") {
    if (!space_id) return InvalidArgument("a space-scoped memory needs a spaceId", "spaceId");
    KS_RETURN_IF_ERROR(RequireSpace(ctx, *space_id, Access::kWrite).status());
    m.space_id = *space_id;
  } else if (space_id) {
    return InvalidArgument("a user-scoped memory has no spaceId", "spaceId");
  }
  return Status::Ok();
}

Result<json> Add(Context& ctx, Args& a) {
  store::MemoryRow m;
  KS_RETURN_IF_ERROR(ReadMemoryFields(a, m, true));
  KS_ASSIGN_OR_RETURN(auto st, a.Enum("sourceType", {"chat", "document", "manual", "import"}));
  if (st) m.source_type = *st;
  KS_ASSIGN_OR_RETURN(auto ref, a.Object("sourceRef", 4096));
  if (ref) m.source_ref = ref->dump();
  KS_RETURN_IF_ERROR(ReadScope(ctx, a, m));
  KS_RETURN_IF_ERROR(a.Finish());
  return Insert(ctx, m);
}

// remember(messageId, {...}): a memory from a chat message (its text unless `content` is given),
// scoped to the message's space unless scope "user".
Result<json> Remember(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string msg_id, a.RequiredId("messageId"));
  store::MemoryRow m;
  KS_RETURN_IF_ERROR(ReadMemoryFields(a, m, false));
  KS_ASSIGN_OR_RETURN(auto scope, a.Enum("scope", {"user", "space"}));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::MessageRow msg, RequireMessage(ctx, msg_id));
  if (msg.status != "complete") return FailedPrecondition("a failed answer cannot be remembered", "messageId");
  KS_ASSIGN_OR_RETURN(store::SessionRow s, RequireSession(ctx, msg.session_id, "messageId"));
  if (m.content.empty()) {
    m.content = msg.text.size() > kMaxMemoryBytes ? msg.text.substr(0, kMaxMemoryBytes) : msg.text;
    while (!m.content.empty() && (static_cast<unsigned char>(m.content.back()) & 0xc0) == 0x80) m.content.pop_back();
  }
  if (m.content.empty()) return FailedPrecondition("the message is empty", "messageId");
  m.scope = scope.value_or("space");
  if (m.scope == "space") {
    KS_RETURN_IF_ERROR(RequireSpace(ctx, s.space_id, Access::kWrite, "messageId").status());
    m.space_id = s.space_id;
  }
  m.source_type = "chat";
  m.source_ref = json{{"messageId", msg.id}, {"sessionId", s.id}, {"spaceId", s.space_id}}.dump();
  return Insert(ctx, m);
}

Result<json> Update(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("memoryId"));
  KS_ASSIGN_OR_RETURN(store::MemoryRow m, RequireMemory(ctx, id));
  const std::string old_content = m.content;
  KS_RETURN_IF_ERROR(ReadMemoryFields(a, m, false));
  KS_RETURN_IF_ERROR(a.Finish());
  if (m.deleted_at) return FailedPrecondition("memory " + id + " is deleted; restore it first", "memoryId");
  m.updated_at = NowTimestamp();
  std::vector<uint8_t> q;
  if (m.content != old_content) {
    KS_ASSIGN_OR_RETURN(std::vector<float> v, Embed(ctx, m.content));
    q = chat::QuantizeVector(v);
  }
  {
    KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
    KS_RETURN_IF_ERROR(store::UpdateMemory(ctx.db(), m, q, true));
    KS_RETURN_IF_ERROR(tx.Commit());
  }
  KS_RETURN_IF_ERROR(SyncIndex(ctx, m, q.empty() ? nullptr : &q));
  return MemoryToJson(m);
}

Result<json> SetDeleted(Context& ctx, Args& a, bool deleted) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("memoryId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::MemoryRow m, RequireMemory(ctx, id));
  if (m.deleted_at.has_value() == deleted) return MemoryToJson(m);  // idempotent
  const bool was_live = !m.deleted_at;
  m.updated_at = NowTimestamp();
  m.deleted_at = deleted ? std::optional<std::string>(m.updated_at) : std::nullopt;
  {
    KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
    KS_RETURN_IF_ERROR(store::UpdateMemory(ctx.db(), m, {}, was_live));
    KS_RETURN_IF_ERROR(tx.Commit());
  }
  KS_RETURN_IF_ERROR(SyncIndex(ctx, m, nullptr));
  return MemoryToJson(m);
}
Result<json> Delete(Context& ctx, Args& a) { return SetDeleted(ctx, a, true); }
Result<json> Restore(Context& ctx, Args& a) { return SetDeleted(ctx, a, false); }

Result<json> Get(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("memoryId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::MemoryRow m, RequireMemory(ctx, id));
  return MemoryToJson(m);
}

Result<json> List(Context& ctx, Args& a) {
  store::MemoryQuery q;
  KS_ASSIGN_OR_RETURN(q.space_id, a.Id("spaceId"));
  KS_ASSIGN_OR_RETURN(q.scope, a.Enum("scope", {"user", "space"}));
  KS_ASSIGN_OR_RETURN(auto inc, a.Bool("includeDeleted"));
  KS_ASSIGN_OR_RETURN(auto limit, a.Int("limit", 1, 10000));
  KS_ASSIGN_OR_RETURN(auto after, a.Id("after"));
  KS_RETURN_IF_ERROR(a.Finish());
  if (q.space_id) KS_RETURN_IF_ERROR(RequireSpace(ctx, *q.space_id, Access::kRead).status());
  q.include_deleted = inc.value_or(false);
  q.limit = limit.value_or(1000);
  if (after) {
    KS_ASSIGN_OR_RETURN(auto m, store::FindMemory(ctx.db(), *after));
    if (!m) return NotFound("no memory with id " + *after + " to continue after", "after");
    q.after_label = m->label;
  }
  KS_ASSIGN_OR_RETURN(auto rows, store::ListMemories(ctx.db(), q));
  json out = json::array();
  for (const auto& m : rows) out.push_back(MemoryToJson(m));
  return out;
}

Result<json> Search(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string query, a.RequiredString("query", StringRule{16384, false, false, true}));
  MemorySearchOptions o;
  KS_ASSIGN_OR_RETURN(o.space_id, a.Id("spaceId"));
  KS_ASSIGN_OR_RETURN(o.scope, a.Enum("scope", {"user", "space"}));
  KS_ASSIGN_OR_RETURN(auto k, a.Int("k", 1, 1000));
  KS_ASSIGN_OR_RETURN(auto mode, a.Enum("mode", {"hybrid", "text", "vector"}));
  KS_ASSIGN_OR_RETURN(auto tags, a.StringList("tags", 100, kShortRule));
  KS_ASSIGN_OR_RETURN(auto min_imp, a.Number("minImportance", 0, 1));
  KS_ASSIGN_OR_RETURN(auto weights, a.Nested("weights"));
  if (weights) {
    KS_ASSIGN_OR_RETURN(auto ws, weights->Number("similarity", 0, 1));
    KS_ASSIGN_OR_RETURN(auto wi, weights->Number("importance", 0, 1));
    KS_RETURN_IF_ERROR(weights->Finish());
    if (ws) o.w_similarity = *ws;
    if (wi) o.w_importance = *wi;
    if (ws && !wi) o.w_importance = 1 - *ws;
    if (wi && !ws) o.w_similarity = 1 - *wi;
  }
  KS_RETURN_IF_ERROR(a.Finish());
  if (o.space_id) KS_RETURN_IF_ERROR(RequireSpace(ctx, *o.space_id, Access::kRead).status());
  o.k = k.value_or(10);
  o.mode = mode.value_or("hybrid");
  if (tags) o.tags = *tags;
  o.min_importance = min_imp.value_or(0);
  KS_ASSIGN_OR_RETURN(auto hits, SearchMemories(ctx, query, o));
  json out = json::array();
  for (const auto& h : hits) {
    json j = MemoryToJson(h.row);
    j["relevance"] = h.relevance;
    j["similarity"] = h.similarity;
    j["scores"] = json{{"vector", h.vector}, {"text", h.text}};
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

// Candidates: with mode vector or hybrid, every visible memory (exact cosine); with text or
// hybrid, the full-text matches (BM25 normalised by the best match). Hybrid similarity is the
// larger of the two, so a literal match lifts a memory the vector side ranks low.
Result<std::vector<MemoryHit>> SearchMemories(Context& ctx, const std::string& query, const MemorySearchOptions& o) {
  KS_RETURN_IF_ERROR(EnsureMemoryIndex(ctx));
  chat::MemoryIndex& idx = ctx.state.memories;
  const int32_t space_key = o.space_id ? idx.SpaceKey(&*o.space_id) : -1;
  auto keep = [&](int32_t key) {
    if (o.scope == std::optional<std::string>("user") && key != 0) return false;
    if (o.scope == std::optional<std::string>("space") && key == 0) return false;
    return space_key < 0 || key == 0 || key == space_key;
  };
  struct Cand {
    double vec = 0, text = 0, imp = 0;
  };
  std::map<int64_t, Cand> cands;
  chat::MemoryIndex::Query qv;  // quantised once for the scan and every candidate
  if (o.mode != "text") {
    KS_ASSIGN_OR_RETURN(std::vector<float> v, Embed(ctx, query));
    qv = idx.PrepareQuery(v);
  }
  // Full text first (its labels are checked against the scope through the index's space keys).
  if (o.mode != "vector") {
    std::string match = search::BuildMatchQuery(query);
    if (!match.empty()) {
      KS_ASSIGN_OR_RETURN(auto fts, store::MemoryFtsSearch(ctx.db(), match, 1000));
      double best = 0;
      for (const auto& [label, score] : fts) best = std::max(best, score);
      for (const auto& [label, score] : fts) {
        if (best > 0) cands[label].text = score / best;
      }
    }
  }
  // Scan: exact cosine for every visible memory; keep the `want` best by relevance. A full-text
  // candidate's relevance can only be higher than its vector-only one, so the best of
  // (scan's best `want`) + (text candidates, rescored) are the best overall.
  auto relevance = [&](const Cand& c) {
    double sim = o.mode == "text" ? c.text : o.mode == "vector" ? c.vec : std::max(c.vec, c.text);
    return o.w_similarity * sim + o.w_importance * c.imp;
  };
  const size_t want = static_cast<size_t>(o.k) * (o.tags.empty() ? 1 : 20) + (o.tags.empty() ? 0 : 100);
  std::vector<std::pair<double, int64_t>> top;  // (relevance, label)
  std::vector<int64_t> text_only;                // matched memories without a vector (none normally)
  if (o.mode != "text") {
    std::vector<char> keep_keys(idx.space_key_count());
    for (size_t key = 0; key < keep_keys.size(); ++key) keep_keys[key] = keep(static_cast<int32_t>(key)) ? 1 : 0;
    top = idx.Best(qv, keep_keys, o.min_importance, o.w_similarity, o.w_importance, want);
  }
  // Full-text candidates, ranked with their importance (and cosine) from the index, so that only
  // the best `want` rows are read. Rows are rescored below.
  for (auto& [label, c] : cands) {
    if (!idx.Contains(label)) {
      text_only.push_back(label);
      continue;
    }
    if (o.mode != "text") c.vec = std::max(0.0f, idx.Similarity(qv, label));
    c.imp = idx.Importance(label);
    if (keep(idx.SpaceKeyOf(label)) && c.imp >= o.min_importance) top.emplace_back(relevance(c), label);
  }
  std::sort(top.begin(), top.end(), [](const auto& x, const auto& y) {
    return x.first > y.first || (x.first == y.first && x.second < y.second);
  });
  std::unordered_set<int64_t> seen;  // a label both scanned and matched keeps its better entry
  std::erase_if(top, [&](const auto& t) { return !seen.insert(t.second).second; });
  // Rows for the best candidates (more than k when tags filter after the fact).
  if (top.size() > want) top.resize(want);
  std::vector<int64_t> labels;
  for (const auto& t : top) labels.push_back(t.second);
  for (int64_t l : text_only) labels.push_back(l);
  KS_ASSIGN_OR_RETURN(auto rows, store::MemoriesByLabels(ctx.db(), labels));
  std::vector<MemoryHit> out;
  for (auto& r : rows) {
    if (r.deleted_at) continue;
    const int32_t key = r.space_id ? idx.SpaceKey(&*r.space_id) : 0;
    if (!keep(key) || r.importance < o.min_importance) continue;
    if (!o.tags.empty()) {
      json tags = ParseStoredJson(r.tags, json::array());
      bool all = true;
      for (const auto& t : o.tags) all = all && std::find(tags.begin(), tags.end(), t) != tags.end();
      if (!all) continue;
    }
    auto it = cands.find(r.label);
    Cand c = it == cands.end() ? Cand{} : it->second;
    c.imp = r.importance;
    if (o.mode != "text" && !qv.q.empty()) c.vec = std::max(0.0f, idx.Similarity(qv, r.label));
    MemoryHit h;
    h.vector = c.vec;
    h.text = c.text;
    h.similarity = o.mode == "text" ? c.text : o.mode == "vector" ? c.vec : std::max(c.vec, c.text);
    h.relevance = relevance(c);
    h.row = std::move(r);
    out.push_back(std::move(h));
  }
  std::sort(out.begin(), out.end(), [](const MemoryHit& x, const MemoryHit& y) {
    if (x.relevance != y.relevance) return x.relevance > y.relevance;
    return x.row.label < y.row.label;
  });
  if (out.size() > static_cast<size_t>(o.k)) out.resize(static_cast<size_t>(o.k));
  return out;
}

void RegisterMemoryMethods(MethodTable& t) {
  t["memoryAdd"] = Add;
  t["memoryUpdate"] = Update;
  t["memoryDelete"] = Delete;
  t["memoryRestore"] = Restore;
  t["memoryGet"] = Get;
  t["memoryList"] = List;
  t["memorySearch"] = Search;
  t["memoryRemember"] = Remember;
}

}  // namespace kspace::api
