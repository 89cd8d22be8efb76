// Chat: sessions, branches and messages over a parent-linked message DAG (seed 000 semantics), and
// the engine's half of `send`: chatPrepare (retrieval + prompt + the extractive answer, writes
// nothing), chatCommit (question, answer, links and steps in one transaction) and chatFail (the
// question and a visible failed answer). The worker's chatSend job (workers/chat-jobs.ts) runs the
// provider between prepare and commit. See src/chat/README.md.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "api/chat_internal.h"
#include "api/chat_text.h"
#include "api/common.h"
#include "api/convert.h"
#include "api/ingest.h"
#include "api/search.h"
#include "chat/answer.h"
#include "store/chunks.h"
#include "store/sources.h"
#include "text/document.h"
#include "text/keywords.h"
#include "util/clock.h"
#include "util/uuid.h"

namespace kspace::api {

Result<store::SessionRow> RequireSession(Context& ctx, const std::string& id, const char* field) {
  KS_ASSIGN_OR_RETURN(auto s, store::FindSession(ctx.db(), id));
  if (!s || s->deleted_at) return NotFound("no session with id " + id, field);
  return std::move(*s);
}

Result<store::BranchRow> RequireBranch(Context& ctx, const std::string& id, const char* field) {
  KS_ASSIGN_OR_RETURN(auto b, store::FindBranch(ctx.db(), id));
  if (!b || b->deleted_at) return NotFound("no branch with id " + id, field);
  return std::move(*b);
}

Result<store::MessageRow> RequireMessage(Context& ctx, const std::string& id, const char* field) {
  KS_ASSIGN_OR_RETURN(auto m, store::FindMessage(ctx.db(), id));
  if (!m) return NotFound("no message with id " + id, field);
  KS_ASSIGN_OR_RETURN(auto s, store::FindSession(ctx.db(), m->session_id));
  if (!s || s->deleted_at) return NotFound("no message with id " + id + " (its session was deleted)", field);
  return std::move(*m);
}

namespace {

json OptJson(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

json SessionJson(const store::SessionRow& s) {
  return json{{"id", s.id},
              {"spaceId", s.space_id},
              {"userId", s.user_id},
              {"title", s.title},
              {"sessionType", s.session_type},
              {"day", OptJson(s.day)},
              {"status", s.status},
              {"agentId", OptJson(s.agent_id)},
              {"keywords", s.keywords ? ParseStoredJson(*s.keywords, json::array()) : json(nullptr)},
              {"summary", OptJson(s.content_summary)},
              {"summarizedAt", OptJson(s.summarized_at)},
              {"contextMetadata", ParseStoredJson(s.context_metadata, json::object())},
              {"messageCount", s.next_sequence - 1},
              {"createdAt", s.created_at},
              {"updatedAt", s.updated_at},
              {"endedAt", OptJson(s.ended_at)},
              {"deletedAt", OptJson(s.deleted_at)}};
}

json BranchJson(const store::BranchRow& b) {
  return json{{"id", b.id},
              {"sessionId", b.session_id},
              {"title", b.title},
              {"status", b.status},
              {"tipMessageId", OptJson(b.tip_message_id)},
              {"forkMessageId", OptJson(b.fork_message_id)},
              {"parentBranchId", OptJson(b.parent_branch_id)},
              {"createdAt", b.created_at},
              {"updatedAt", b.updated_at}};
}

Result<json> SessionWithMain(Context& ctx, const store::SessionRow& s) {
  json j = SessionJson(s);
  KS_ASSIGN_OR_RETURN(auto branches, store::BranchesOfSession(ctx.db(), s.id));
  j["mainBranchId"] = branches.empty() ? json(nullptr) : json(branches[0].id);
  return j;
}

// The branch a send/append goes to: `branchId` (which must belong to the session), else main.
Result<store::BranchRow> TargetBranch(Context& ctx, const store::SessionRow& s, const std::optional<std::string>& branch_id) {
  if (branch_id) {
    KS_ASSIGN_OR_RETURN(store::BranchRow b, RequireBranch(ctx, *branch_id));
    if (b.session_id != s.id) return InvalidArgument("branch " + b.id + " belongs to another session", "branchId");
    return b;
  }
  KS_ASSIGN_OR_RETURN(auto branches, store::BranchesOfSession(ctx.db(), s.id));
  if (branches.empty()) return Internal("session " + s.id + " has no main branch");
  return branches[0];
}

Status RequireWritableBranch(const store::BranchRow& b) {
  if (b.status == "archived") {
    return FailedPrecondition("branch \"" + b.title + "\" is archived; fork it or use another branch", "branchId");
  }
  return Status::Ok();
}

Result<store::SessionRow> NewSession(Context& ctx, const std::string& space_id, const std::string& title,
                                    const std::string& type, const std::optional<std::string>& day,
                                    const std::optional<std::string>& agent_id) {
  const std::string now = NowTimestamp();
  store::SessionRow s;
  s.id = NewUuid();
  s.space_id = space_id;
  s.user_id = ctx.profile_id();
  s.title = title;
  s.session_type = type;
  s.day = day;
  s.agent_id = agent_id;
  s.created_at = s.updated_at = now;
  KS_RETURN_IF_ERROR(store::InsertSession(ctx.db(), s));
  store::BranchRow main;
  main.id = NewUuid();
  main.session_id = s.id;
  main.title = "main";
  main.created_by = ctx.profile_id();
  main.created_at = main.updated_at = now;
  KS_RETURN_IF_ERROR(store::InsertBranch(ctx.db(), main));
  return s;
}

// Ends a session: status, and an extractive summary and keywords of its messages.
Status EndSession(Context& ctx, store::SessionRow& s) {
  KS_ASSIGN_OR_RETURN(auto texts, store::SessionTexts(ctx.db(), s.id));
  text::Document doc;
  doc.title = s.title;
  for (const auto& t : texts) {
    if (!doc.text.empty()) doc.text += "\n\n";
    doc.text += t;
  }
  const std::string now = NowTimestamp();
  if (!doc.text.empty()) {
    text::TextAnalysis a(doc, text::TextAnalysis::kKeyphrases | text::TextAnalysis::kSummary);
    json kw = json::array();
    for (const auto& k : a.Keyphrases(nullptr, text::KeyphraseOptions{8, 3})) kw.push_back(k.text);
    s.keywords = kw.dump();
    s.content_summary = a.Summary(text::SummaryOptions{400, 3});
  } else {
    s.keywords = "[]";
    s.content_summary = "";
  }
  s.summarized_at = now;
  s.status = "ended";
  s.ended_at = now;
  s.updated_at = now;
  return store::UpdateSession(ctx.db(), s);
}

Result<json> CreateSession(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(auto title, a.String("title", kTitleRule));
  KS_ASSIGN_OR_RETURN(auto agent_id, a.Id("agentId"));
  KS_ASSIGN_OR_RETURN(auto type, a.String("sessionType", kShortRule));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireSpace(ctx, space_id, Access::kWrite).status());
  if (agent_id) KS_RETURN_IF_ERROR(RequireAgent(ctx, *agent_id).status());
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_ASSIGN_OR_RETURN(store::SessionRow s, NewSession(ctx, space_id, title.value_or("New chat"), type.value_or("chat"),
                                                     std::nullopt, agent_id));
  KS_RETURN_IF_ERROR(tx.Commit());
  return SessionWithMain(ctx, s);
}

// Seed 001's daily reuse: one live session per (space, user, type, UTC day). Older daily
// sessions of the same kind that are still active are ended (and summarised) on the way.
Result<json> GetOrCreateSession(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  KS_ASSIGN_OR_RETURN(auto type, a.String("sessionType", kShortRule));
  KS_ASSIGN_OR_RETURN(auto title, a.String("title", kTitleRule));
  KS_ASSIGN_OR_RETURN(auto at, a.Timestamp("now"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireSpace(ctx, space_id, Access::kWrite).status());
  const std::string day = (at ? *at : NowTimestamp()).substr(0, 10);
  const std::string kind = type.value_or("daily");
  KS_ASSIGN_OR_RETURN(auto found, store::FindDailySession(ctx.db(), space_id, ctx.profile_id(), kind, day));
  if (found) {
    KS_ASSIGN_OR_RETURN(json j, SessionWithMain(ctx, *found));
    j["created"] = false;
    return j;
  }
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_ASSIGN_OR_RETURN(auto older, store::ListSessions(ctx.db(), space_id, 1000));
  for (auto& o : older) {
    if (o.session_type == kind && o.day && *o.day < day && o.status == "active" && o.user_id == ctx.profile_id()) {
      KS_RETURN_IF_ERROR(EndSession(ctx, o));
    }
  }
  KS_ASSIGN_OR_RETURN(store::SessionRow s, NewSession(ctx, space_id, title.value_or("Chat " + day), kind, day, std::nullopt));
  KS_RETURN_IF_ERROR(tx.Commit());
  KS_ASSIGN_OR_RETURN(json j, SessionWithMain(ctx, s));
  j["created"] = true;
  return j;
}

Result<json> Sessions(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto space_id, a.Id("spaceId"));
  KS_ASSIGN_OR_RETURN(auto limit, a.Int("limit", 1, 10000));
  KS_RETURN_IF_ERROR(a.Finish());
  if (space_id) KS_RETURN_IF_ERROR(RequireSpace(ctx, *space_id, Access::kRead).status());
  KS_ASSIGN_OR_RETURN(auto rows, store::ListSessions(ctx.db(), space_id.value_or(""), limit.value_or(1000)));
  json out = json::array();
  for (const auto& s : rows) out.push_back(SessionJson(s));
  return out;
}

Result<json> GetSession(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("sessionId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SessionRow s, RequireSession(ctx, id));
  return SessionWithMain(ctx, s);
}

Result<json> EndSessionMethod(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("sessionId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SessionRow s, RequireSession(ctx, id));
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(EndSession(ctx, s));
  KS_RETURN_IF_ERROR(tx.Commit());
  return SessionWithMain(ctx, s);
}

Result<json> DeleteSessionMethod(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("sessionId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SessionRow s, RequireSession(ctx, id));
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(store::DeleteSession(ctx.db(), id, NowTimestamp()));
  KS_RETURN_IF_ERROR(tx.Commit());
  return json{{"sessionId", id}, {"deleted", true}};
}

Result<json> Branches(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("sessionId"));
  KS_ASSIGN_OR_RETURN(auto archived, a.Bool("includeArchived"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireSession(ctx, id).status());
  KS_ASSIGN_OR_RETURN(auto rows, store::BranchesOfSession(ctx.db(), id));
  json out = json::array();
  for (const auto& b : rows) {
    if (b.status == "archived" && !archived.value_or(true)) continue;
    out.push_back(BranchJson(b));
  }
  return out;
}

// True when `msg` is the tip of `branch` or one of its ancestors (parent map of the session).
bool OnBranch(const std::map<std::string, std::optional<std::string>>& parent, const store::BranchRow& b,
              const std::string& msg) {
  std::optional<std::string> cur = b.tip_message_id;
  size_t guard = parent.size() + 1;
  while (cur && guard-- > 0) {
    if (*cur == msg) return true;
    auto it = parent.find(*cur);
    if (it == parent.end()) return false;
    cur = it->second;
  }
  return false;
}

// fork(messageId, {title, branchId?, sessionId?}): a new branch whose tip and fork point are the
// message, and whose parent branch is the branch the message is on (`branchId` when given, else the
// earliest-created branch whose history holds it).
Result<json> Fork(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string msg_id, a.RequiredId("messageId"));
  KS_ASSIGN_OR_RETURN(auto title, a.String("title", kTitleRule));
  KS_ASSIGN_OR_RETURN(auto branch_id, a.Id("branchId"));
  KS_ASSIGN_OR_RETURN(auto session_id, a.Id("sessionId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::MessageRow m, RequireMessage(ctx, msg_id));
  if (session_id) {
    KS_RETURN_IF_ERROR(RequireSession(ctx, *session_id).status());
    if (*session_id != m.session_id) return InvalidArgument("message " + msg_id + " belongs to another session", "messageId");
  }
  KS_ASSIGN_OR_RETURN(auto graph, store::SessionGraph(ctx.db(), m.session_id));
  std::map<std::string, std::optional<std::string>> parent(graph.begin(), graph.end());
  std::optional<store::BranchRow> from;
  if (branch_id) {
    KS_ASSIGN_OR_RETURN(store::BranchRow b, RequireBranch(ctx, *branch_id));
    if (b.session_id != m.session_id) return InvalidArgument("branch " + b.id + " belongs to another session", "branchId");
    if (!OnBranch(parent, b, msg_id)) return InvalidArgument("message " + msg_id + " is not on branch " + b.id, "branchId");
    from = b;
  } else {
    KS_ASSIGN_OR_RETURN(auto branches, store::BranchesOfSession(ctx.db(), m.session_id));
    for (const auto& b : branches) {
      if (OnBranch(parent, b, msg_id)) {
        from = b;
        break;
      }
    }
  }
  const std::string now = NowTimestamp();
  store::BranchRow nb;
  nb.id = NewUuid();
  nb.session_id = m.session_id;
  nb.tip_message_id = msg_id;
  nb.fork_message_id = msg_id;
  if (from) nb.parent_branch_id = from->id;
  nb.title = title.value_or("branch");
  nb.created_by = ctx.profile_id();
  nb.created_at = nb.updated_at = now;
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_RETURN_IF_ERROR(store::InsertBranch(ctx.db(), nb));
  KS_RETURN_IF_ERROR(store::MarkBranchRoot(ctx.db(), msg_id));
  KS_RETURN_IF_ERROR(tx.Commit());
  return BranchJson(nb);
}

// chatHistory(branchId, {limit?, asText?}). With `asText: true` (what js/chat.ts sends) the
// history is written as JSON text straight from the rows (AppendMessageText: no per-message json
// objects, which cost more than the SQL) into the call's binary output, as UTF-8, and the JSON
// reply is only {"messages": n}. The text never passes through a json value: wrapping it in a json
// string made the engine's final dump escape (and check) every byte of it again, and Embind decode
// it into a JS string, which together took over half of the call in wasm (-Oz). As bytes it is one
// copy out of the heap, transferred (not cloned) from the worker to the page, where it is decoded
// and parsed once. Without asText, the array of MessageJson objects (native callers); the two are
// the same messages (tests/native/chat: HistoryTextEqualsMessageJson).
Result<json> History(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("branchId"));
  KS_ASSIGN_OR_RETURN(auto limit, a.Int("limit", 1, 1000000));
  KS_ASSIGN_OR_RETURN(auto as_text, a.Bool("asText"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::BranchRow b, RequireBranch(ctx, id));
  KS_RETURN_IF_ERROR(RequireSession(ctx, b.session_id, "branchId").status());
  if (!as_text.value_or(false)) {
    json out = json::array();
    if (!b.tip_message_id) return out;
    KS_ASSIGN_OR_RETURN(auto rows, store::History(ctx.db(), *b.tip_message_id, limit.value_or(1000000)));
    for (const auto& m : rows) {
      KS_ASSIGN_OR_RETURN(json j, MessageJson(ctx, m));
      out.push_back(std::move(j));
    }
    return out;
  }
  // The messages' texts back to back, tip first (the order the rows come in), with each one's end;
  // copied into the output root first.
  std::string text;
  std::vector<size_t> ends;
  if (b.tip_message_id) {
    text.reserve(64 * 1024);
    KS_RETURN_IF_ERROR(store::VisitHistory(ctx.db(), *b.tip_message_id, limit.value_or(1000000),
                                          [&](int64_t, const store::MessageView& m) {
                                            KS_RETURN_IF_ERROR(AppendMessageText(ctx, m, text));
                                            ends.push_back(text.size());
                                            return Status::Ok();
                                          }));
  }
  // memcpy, not vector::insert: at -Oz (this file's size setting in wasm) insert from char
  // iterators copies byte by byte through uninlined calls, a third of the call when measured.
  std::vector<uint8_t>& out = ctx.output;
  out.resize(text.size() + (ends.empty() ? 0 : ends.size() - 1) + 2);
  uint8_t* w = out.data();
  *w++ = '[';
  for (size_t i = ends.size(); i-- > 0;) {
    const size_t begin = i == 0 ? 0 : ends[i - 1];
    std::memcpy(w, text.data() + begin, ends[i] - begin);
    w += ends[i] - begin;
    if (i > 0) *w++ = ',';
  }
  *w++ = ']';
  return json{{"messages", ends.size()}};
}

Result<json> GetMessage(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("messageId"));
  KS_ASSIGN_OR_RETURN(auto steps, a.Bool("includeSteps"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::MessageRow m, RequireMessage(ctx, id));
  KS_ASSIGN_OR_RETURN(json j, MessageJson(ctx, m));
  if (steps.value_or(false)) {
    KS_ASSIGN_OR_RETURN(auto rows, store::StepsOfMessage(ctx.db(), id));
    json s = json::array();
    for (const auto& r : rows) {
      s.push_back(json{{"id", r.id},
                       {"type", r.generation_type},
                       {"index", r.step_index},
                       {"agentId", OptJson(r.agent_id)},
                       {"content", r.text},
                       {"metadata", ParseStoredJson(r.generation_metadata, json::object())},
                       {"createdAt", r.created_at}});
    }
    j["steps"] = std::move(s);
  }
  return j;
}

// Inserts a message as the branch's new tip (the caller holds the transaction).
Result<store::MessageRow> AddToBranch(Context& ctx, store::BranchRow& b, const std::string& role, const std::string& text,
                                     const std::string& status, const json& metadata,
                                     const std::optional<std::string>& model, const std::optional<std::string>& agent,
                                     const std::string& now) {
  store::MessageRow m;
  m.id = NewUuid();
  m.session_id = b.session_id;
  m.parent_message_id = b.tip_message_id;
  KS_ASSIGN_OR_RETURN(m.sequence_number, store::TakeSequence(ctx.db(), b.session_id));
  m.role = role;
  m.text = text;
  m.status = status;
  m.response_metadata = metadata.dump();
  m.model_version = model;
  m.agent_id = agent;
  m.created_at = now;
  KS_RETURN_IF_ERROR(store::InsertMessage(ctx.db(), m));
  b.tip_message_id = m.id;
  b.updated_at = now;
  KS_RETURN_IF_ERROR(store::UpdateBranch(ctx.db(), b));
  return m;
}

Status TouchSession(Context& ctx, const std::string& id, const std::string& now) {
  KS_ASSIGN_OR_RETURN(auto s, store::FindSession(ctx.db(), id));
  if (!s) return Status::Ok();
  s->updated_at = now;
  return store::UpdateSession(ctx.db(), *s);
}

// append(sessionId, {role, text, branchId?}): a message without generation (imports, tests).
Result<json> Append(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string session_id, a.RequiredId("sessionId"));
  KS_ASSIGN_OR_RETURN(auto branch_id, a.Id("branchId"));
  KS_ASSIGN_OR_RETURN(auto role, a.Enum("role", {"user", "assistant", "system"}));
  KS_ASSIGN_OR_RETURN(std::string text, a.RequiredString("text", StringRule{kMaxMessageBytes, false, false, false}));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SessionRow s, RequireSession(ctx, session_id));
  KS_ASSIGN_OR_RETURN(store::BranchRow b, TargetBranch(ctx, s, branch_id));
  KS_RETURN_IF_ERROR(RequireWritableBranch(b));
  const std::string now = NowTimestamp();
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_ASSIGN_OR_RETURN(store::MessageRow m, AddToBranch(ctx, b, role.value_or("user"), text, "complete", json::object(),
                                                      std::nullopt, std::nullopt, now));
  KS_RETURN_IF_ERROR(TouchSession(ctx, s.id, now));
  KS_RETURN_IF_ERROR(tx.Commit());
  return MessageJson(ctx, m);
}

Result<json> SetFeedbackMethod(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("messageId"));
  KS_ASSIGN_OR_RETURN(auto field, a.NullableString("feedback", kShortRule));
  std::optional<std::string> fb;
  if (!field.present) return InvalidArgument("feedback is required (\"good\", \"bad\" or null)", "feedback");
  if (!field.null) {
    if (field.value != "good" && field.value != "bad") {
      return InvalidArgument("feedback must be \"good\", \"bad\" or null", "feedback");
    }
    fb = field.value;
  }
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::MessageRow m, RequireMessage(ctx, id));
  if (m.role != "assistant") return FailedPrecondition("feedback is for assistant messages", "messageId");
  KS_RETURN_IF_ERROR(store::SetFeedback(ctx.db(), id, fb));
  m.user_feedback = fb;
  return MessageJson(ctx, m);
}

Result<json> UpdateBranchMethod(Context& ctx, Args& a, bool archive) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("branchId"));
  std::optional<std::string> title;
  if (!archive) {
    KS_ASSIGN_OR_RETURN(std::string t, a.RequiredString("title", kTitleRule));
    title = t;
  }
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::BranchRow b, RequireBranch(ctx, id));
  KS_RETURN_IF_ERROR(RequireSession(ctx, b.session_id, "branchId").status());
  if (title) b.title = *title;
  if (archive) b.status = "archived";
  b.updated_at = NowTimestamp();
  KS_RETURN_IF_ERROR(store::UpdateBranch(ctx.db(), b));
  return BranchJson(b);
}
Result<json> RenameBranch(Context& ctx, Args& a) { return UpdateBranchMethod(ctx, a, false); }
Result<json> ArchiveBranch(Context& ctx, Args& a) { return UpdateBranchMethod(ctx, a, true); }

// ---- send: prepare, commit, fail ---------------------------------------------------------------

struct SendTarget {
  store::SessionRow session;
  store::BranchRow branch;
  std::string text;
};

Result<SendTarget> ReadTarget(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string session_id, a.RequiredId("sessionId"));
  KS_ASSIGN_OR_RETURN(auto branch_id, a.Id("branchId"));
  KS_ASSIGN_OR_RETURN(std::string text, a.RequiredString("text", StringRule{kMaxMessageBytes, false, false, true}));
  SendTarget t;
  t.text = std::move(text);
  KS_ASSIGN_OR_RETURN(t.session, RequireSession(ctx, session_id));
  KS_ASSIGN_OR_RETURN(t.branch, TargetBranch(ctx, t.session, branch_id));
  KS_RETURN_IF_ERROR(RequireWritableBranch(t.branch));
  return t;
}

// chatPrepare: everything `send` needs before the provider runs. Writes nothing.
Result<json> Prepare(Context& ctx, Args& a) {
  const int64_t t0 = MonotonicMicros();
  KS_ASSIGN_OR_RETURN(SendTarget t, ReadTarget(ctx, a));
  KS_ASSIGN_OR_RETURN(auto k, a.Int("k", 1, 50));
  KS_ASSIGN_OR_RETURN(auto use_memories, a.Bool("memories"));
  KS_ASSIGN_OR_RETURN(auto budget, a.Int("tokenBudget", 256, 200000));
  KS_ASSIGN_OR_RETURN(auto mode, a.Enum("mode", {"hybrid", "text", "vector"}));
  KS_ASSIGN_OR_RETURN(auto history_limit, a.Int("historyLimit", 0, 1000));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, t.session.space_id, Access::kRead, "sessionId"));
  // Retrieval: the same hybrid search as `search` (text only when the space's model is not here).
  json sargs{{"spaceId", space.id}, {"query", t.text}, {"k", k.value_or(6)}, {"includeText", true},
             {"mode", mode.value_or("hybrid")}};
  KS_ASSIGN_OR_RETURN(SpaceModel model, ModelOfSpace(ctx, space));
  // A page-side model needs a query vector from the page: chat retrieval then ranks by text only.
  if (!model.builtin && ctx.input.empty()) sargs["mode"] = "text";
  KS_ASSIGN_OR_RETURN(json hits, SearchChunks(ctx, sargs));
  const int64_t t1 = MonotonicMicros();
  chat::PromptInput in;
  for (const auto& h : hits) {
    chat::Passage p;
    p.chunk_id = h["chunkId"].get<std::string>();
    p.source_id = h["sourceId"].get<std::string>();
    p.source_title = h["sourceTitle"].is_string() ? h["sourceTitle"].get<std::string>() : "";
    for (const auto& x : h["headingPath"]) {
      if (x.is_string()) p.heading_path.push_back(x.get<std::string>());
    }
    p.score = h["score"].get<double>();
    p.text = h.value("text", "");
    in.passages.push_back(std::move(p));
  }
  std::vector<MemoryHit> mems;
  if (use_memories.value_or(true)) {
    MemorySearchOptions mo;
    mo.space_id = space.id;
    mo.k = 5;
    KS_ASSIGN_OR_RETURN(mems, SearchMemories(ctx, t.text, mo));
    // Only memories that are about the question (or marked very important) go into the prompt.
    std::erase_if(mems, [](const MemoryHit& m) { return m.similarity < 0.2 && m.row.importance < 0.9; });
    for (const auto& m : mems) in.memories.push_back(m.row.content);
  }
  const int64_t t2 = MonotonicMicros();
  // The agent of the session, if any.
  json agent = nullptr;
  if (t.session.agent_id) {
    KS_ASSIGN_OR_RETURN(auto ag, store::FindAgent(ctx.db(), *t.session.agent_id));
    if (ag && !ag->deleted_at) {
      in.system = ag->system_prompt;
      agent = json{{"id", ag->id}, {"name", ag->name}, {"modelConfig", ParseStoredJson(ag->model_config, json::object())}};
    }
  }
  if (t.branch.tip_message_id) {
    KS_ASSIGN_OR_RETURN(auto hist, store::History(ctx.db(), *t.branch.tip_message_id, history_limit.value_or(20)));
    for (const auto& m : hist) {
      if (m.status != "complete") continue;  // failed answers are shown, not replayed to the model
      in.history.push_back(chat::Turn{m.role, m.text});
    }
  }
  in.question = t.text;
  in.token_budget = static_cast<int>(budget.value_or(3000));
  chat::Prompt prompt = chat::AssemblePrompt(in);
  std::string extractive = chat::ExtractiveAnswer(t.text, prompt.passages);
  const int64_t t3 = MonotonicMicros();
  json sources = json::array();
  for (const auto& p : prompt.passages) {
    sources.push_back(json{{"n", p.n},
                           {"chunkId", p.chunk_id},
                           {"sourceId", p.source_id},
                           {"sourceTitle", p.source_title},
                           {"headingPath", p.heading_path},
                           {"score", p.score},
                           {"text", p.text}});
  }
  json memories = json::array();
  for (size_t i = 0; i < mems.size() && static_cast<int>(i) < prompt.memories_used; ++i) {
    memories.push_back(json{{"id", mems[i].row.id}, {"content", mems[i].row.content}, {"relevance", mems[i].relevance}});
  }
  return json{{"sessionId", t.session.id},
              {"branchId", t.branch.id},
              {"parentId", OptJson(t.branch.tip_message_id)},
              {"spaceId", space.id},
              {"question", t.text},
              {"sources", sources},
              {"memories", memories},
              {"messages", prompt.messages},
              {"promptTokens", prompt.prompt_tokens},
              {"historyUsed", prompt.history_used},
              {"agent", agent},
              {"extractive", extractive},
              {"timings", {{"retrievalMs", (t1 - t0) / 1000.0}, {"memoriesMs", (t2 - t1) / 1000.0},
                           {"promptMs", (t3 - t2) / 1000.0}, {"totalMs", (t3 - t0) / 1000.0}}}};
}

struct SourceRef {
  int n = 0;
  std::string chunk_id;
  double score = 0;
};

// Reads the outcome of a generation (shared by commit and fail).
struct Outcome {
  SendTarget target;
  std::optional<std::string> parent_id;
  std::string answer;
  std::vector<SourceRef> sources;
  json memories = json::array();
  std::optional<std::string> model, provider;
  json generation_config = json::object(), performance = json::object();
  json steps = json::array();
  json retrieval_timings = json::object();
};

Result<Outcome> ReadOutcome(Context& ctx, Args& a) {
  Outcome o;
  KS_ASSIGN_OR_RETURN(o.target, ReadTarget(ctx, a));
  KS_ASSIGN_OR_RETURN(auto parent, a.NullableString("parentId", kShortRule));
  if (parent.present && !parent.null) o.parent_id = parent.value;
  KS_ASSIGN_OR_RETURN(auto answer, a.String("answer", StringRule{kMaxAnswerBytes, true, false, false}));
  o.answer = answer.value_or("");
  KS_ASSIGN_OR_RETURN(auto model, a.String("model", kShortRule));
  o.model = model;
  KS_ASSIGN_OR_RETURN(auto provider, a.String("provider", kShortRule));
  o.provider = provider;
  KS_ASSIGN_OR_RETURN(auto gc, a.Object("generationConfig", 16384));
  if (gc) o.generation_config = *gc;
  KS_ASSIGN_OR_RETURN(auto perf, a.Object("performance", 16384));
  if (perf) o.performance = *perf;
  KS_ASSIGN_OR_RETURN(auto rt, a.Object("retrievalTimings", 4096));
  if (rt) o.retrieval_timings = *rt;
  const json* src = a.Raw("sources");
  if (src && !src->is_null()) {
    if (!src->is_array() || src->size() > 200) return InvalidArgument("sources must be a list of at most 200", "sources");
    for (size_t i = 0; i < src->size(); ++i) {
      const json& s = (*src)[i];
      const std::string f = "sources[" + std::to_string(i) + "]";
      if (!s.is_object() || !s.contains("n") || !s["n"].is_number_integer() || !s.contains("chunkId") ||
          !s["chunkId"].is_string()) {
        return InvalidArgument(f + " must be {n, chunkId, score}", f);
      }
      SourceRef r;
      r.n = s["n"].get<int>();
      KS_ASSIGN_OR_RETURN(r.chunk_id, ParseUuid(s["chunkId"].get<std::string>(), f + ".chunkId"));
      r.score = s.contains("score") && s["score"].is_number() ? s["score"].get<double>() : 0;
      if (r.n < 1 || !std::isfinite(r.score)) return InvalidArgument(f + " has a bad number or score", f);
      o.sources.push_back(std::move(r));
    }
  }
  const json* mem = a.Raw("memories");
  if (mem && mem->is_array()) o.memories = *mem;
  const json* steps = a.Raw("steps");
  if (steps && !steps->is_null()) {
    if (!steps->is_array() || steps->size() > 100) return InvalidArgument("steps must be a list of at most 100", "steps");
    static const std::set<std::string> kTypes = {"retrieval", "thinking", "tool_call", "final_contribution"};
    for (size_t i = 0; i < steps->size(); ++i) {
      const json& s = (*steps)[i];
      const std::string f = "steps[" + std::to_string(i) + "]";
      if (!s.is_object() || !s.contains("type") || !s["type"].is_string() || !kTypes.count(s["type"].get<std::string>())) {
        return InvalidArgument(f + ".type must be retrieval, thinking, tool_call or final_contribution", f + ".type");
      }
      if (s.contains("content") && !s["content"].is_string()) return InvalidArgument(f + ".content must be text", f + ".content");
    }
    o.steps = *steps;
  }
  KS_RETURN_IF_ERROR(a.Finish());
  // The branch must not have moved since prepare: the answer was generated for that history.
  if (o.target.branch.tip_message_id != o.parent_id) {
    return FailedPrecondition("branch \"" + o.target.branch.title +
                                  "\" changed while the answer was generated; send again or fork",
                              "branchId");
  }
  return o;
}

// Writes the question and the answer (complete or failed) with their steps and links.
Result<json> WriteOutcome(Context& ctx, Outcome& o, const std::optional<json>& error) {
  const std::string now = NowTimestamp();
  store::BranchRow& b = o.target.branch;
  const bool failed = error.has_value();
  // Citations: numbers the answer uses that name a source; the chunk must exist now and its source
  // be live, or the citation is dropped (it never points at something that was not there).
  std::map<int, const SourceRef*> by_n;
  for (const auto& s : o.sources) by_n.emplace(s.n, &s);
  std::set<int> cited;
  if (!failed) {
    for (int n : chat::CitedNumbers(o.answer, 200)) {
      if (by_n.count(n)) cited.insert(n);
    }
  }
  struct Link {
    const SourceRef* ref;
    store::ChunkRow chunk;
    std::string title;
  };
  std::vector<Link> links;
  json retrieved = json::array();
  for (const auto& s : o.sources) {
    KS_ASSIGN_OR_RETURN(auto c, store::FindChunkById(ctx.db(), s.chunk_id));
    bool live = false;
    std::string title;
    if (c) {
      KS_ASSIGN_OR_RETURN(auto src, store::FindSource(ctx.db(), c->content_source_id));
      live = src && !src->deleted_at && c->space_id == o.target.session.space_id;
      if (src) title = src->title;
    }
    const bool is_cited = live && cited.count(s.n) > 0;
    retrieved.push_back(json{{"chunkId", s.chunk_id}, {"citationNumber", s.n}, {"relevanceScore", s.score},
                             {"cited", is_cited}, {"available", live}});
    if (is_cited) links.push_back(Link{&s, *c, title});
  }
  json meta{{"generationConfig", o.generation_config},
            {"performance", o.performance},
            {"retrievedChunks", retrieved},
            {"memories", o.memories}};
  if (o.provider) meta["provider"] = *o.provider;
  if (failed) {
    meta["error"] = *error;
    meta["partialChars"] = static_cast<int64_t>(o.answer.size());
  }
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  KS_ASSIGN_OR_RETURN(store::MessageRow q, AddToBranch(ctx, b, "user", o.target.text, "complete", json::object(),
                                                      std::nullopt, std::nullopt, now));
  // A failed answer keeps no partial text: its content is empty and its metadata says why.
  KS_ASSIGN_OR_RETURN(store::MessageRow r, AddToBranch(ctx, b, "assistant", failed ? std::string() : o.answer,
                                                      failed ? "failed" : "complete", meta, o.model,
                                                      o.target.session.agent_id, now));
  int idx = 0;
  auto step = [&](const std::string& type, const std::string& content, const json& md) -> Status {
    store::StepRow s;
    s.id = NewUuid();
    s.final_message_id = r.id;
    s.agent_id = o.target.session.agent_id;
    s.step_index = idx++;
    s.generation_type = type;
    s.text = content;
    s.generation_metadata = md.dump();
    s.created_at = now;
    return store::InsertStep(ctx.db(), s);
  };
  KS_RETURN_IF_ERROR(step("retrieval", retrieved.dump(), json{{"performance_metrics", o.retrieval_timings},
                                                             {"step_specific_data", {{"sources", o.sources.size()},
                                                                                     {"memories", o.memories.size()}}}}));
  for (const auto& s : o.steps) {
    if (s["type"] == "retrieval") continue;
    KS_RETURN_IF_ERROR(step(s["type"].get<std::string>(), s.value("content", ""),
                            s.contains("metadata") && s["metadata"].is_object() ? s["metadata"] : json::object()));
  }
  if (!failed) {
    KS_RETURN_IF_ERROR(step("final_contribution", o.answer,
                            json{{"generation_config", o.generation_config}, {"performance_metrics", o.performance}}));
  }
  for (const Link& l : links) {
    store::LinkRow row;
    row.id = NewUuid();
    row.query_message_id = q.id;
    row.response_message_id = r.id;
    row.chunk_id = l.chunk.id;
    row.source_id = l.chunk.content_source_id;
    row.citation_number = l.ref->n;
    row.relevance_score = l.ref->score;
    // A snapshot, so a purged source still shows what was cited.
    std::string body(l.chunk.body());
    if (body.size() > 300) {
      size_t cut = 300;
      while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xc0) == 0x80) --cut;
      body = body.substr(0, cut) + "…";
    }
    row.link_metadata = json{{"citation_number", l.ref->n}, {"relevance_score", l.ref->score},
                             {"source_title", l.title}, {"excerpt", body}}.dump();
    row.created_at = now;
    KS_RETURN_IF_ERROR(store::InsertLink(ctx.db(), row));
  }
  KS_RETURN_IF_ERROR(TouchSession(ctx, o.target.session.id, now));
  KS_RETURN_IF_ERROR(tx.Commit());
  KS_ASSIGN_OR_RETURN(json qj, MessageJson(ctx, q));
  KS_ASSIGN_OR_RETURN(json rj, MessageJson(ctx, r));
  return json{{"query", qj}, {"message", rj}, {"branch", BranchJson(b)}};
}

Result<json> Commit(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(Outcome o, ReadOutcome(ctx, a));
  return WriteOutcome(ctx, o, std::nullopt);
}

Result<json> Fail(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto err, a.Nested("error"));
  json e = json::object();
  if (err) {
    KS_ASSIGN_OR_RETURN(auto code, err->String("code", kShortRule));
    KS_ASSIGN_OR_RETURN(auto message, err->String("message", StringRule{4096, true, false, true}));
    KS_RETURN_IF_ERROR(err->Finish());
    e["code"] = code.value_or("INTERNAL");
    e["message"] = message.value_or("");
  } else {
    e["code"] = "INTERNAL";
    e["message"] = "";
  }
  KS_ASSIGN_OR_RETURN(Outcome o, ReadOutcome(ctx, a));
  return WriteOutcome(ctx, o, e);
}

}  // namespace

namespace {

// The citations of an assistant message: its context links, each re-checked against the chunks
// and sources that exist now (`deleted` when the source is deleted, `purged` when the chunk is
// gone).
Result<json> CitationsJson(Context& ctx, const std::string& message_id) {
  json cites = json::array();
  KS_RETURN_IF_ERROR(store::VisitCitations(ctx.db(), message_id, [&](const store::CitationView& c) {
    cites.push_back(json{{"n", c.n},
                         {"chunkId", c.chunk_id},
                         {"sourceId", c.source_id},
                         {"sourceTitle", c.source_title},
                         {"excerpt", c.excerpt},
                         {"score", c.score},
                         {"deleted", !c.chunk_exists || !c.source_live},
                         {"purged", !c.chunk_exists}});
    return Status::Ok();
  }));
  return cites;
}

}  // namespace

Status AppendMessageText(Context& ctx, const store::MessageView& m, std::string& out) {
  // Only answers have citations and only failed messages an error: those are built here, the rest
  // of the object is written as text (api/chat_text.cc). Citations are written as text too; only
  // each score goes through json, so that numbers read exactly as MessageJson writes them.
  std::string citations, error;
  if (m.role == "assistant") {
    citations += '[';
    KS_RETURN_IF_ERROR(store::VisitCitations(ctx.db(), std::string(m.id), [&](const store::CitationView& c) {
      if (citations.size() > 1) citations += ',';
      AppendCitationObject(c, json(c.score).dump(), citations);
      return Status::Ok();
    }));
    citations += ']';
  }
  if (m.status == "failed") {
    json meta = ParseStoredJson(std::string(m.response_metadata), json::object());
    if (meta.is_object() && meta.contains("error")) error = meta["error"].dump(-1, ' ', false, json::error_handler_t::replace);
  }
  AppendMessageObject(m, citations, error, out);
  return Status::Ok();
}

Result<json> MessageJson(Context& ctx, const store::MessageRow& m) {
  json meta = ParseStoredJson(m.response_metadata, json::object());
  json j{{"id", m.id},
         {"sessionId", m.session_id},
         {"parentId", OptJson(m.parent_message_id)},
         {"sequence", m.sequence_number},
         {"role", m.role},
         {"text", m.text},
         {"status", m.status},
         {"metadata", meta},
         {"modelVersion", OptJson(m.model_version)},
         {"feedback", OptJson(m.user_feedback)},
         {"isBranchRoot", m.is_branch_root},
         {"agentId", OptJson(m.agent_id)},
         {"createdAt", m.created_at}};
  if (m.status == "failed" && meta.is_object() && meta.contains("error")) j["error"] = meta["error"];
  if (m.role != "assistant") return j;
  KS_ASSIGN_OR_RETURN(j["citations"], CitationsJson(ctx, m.id));
  return j;
}

void RegisterChatConfigMethods(MethodTable& t);  // api/chat_config.cc

void RegisterChatMethods(MethodTable& t) {
  t["chatCreateSession"] = CreateSession;
  t["chatGetOrCreateSession"] = GetOrCreateSession;
  t["chatSessions"] = Sessions;
  t["chatGetSession"] = GetSession;
  t["chatEndSession"] = EndSessionMethod;
  t["chatDeleteSession"] = DeleteSessionMethod;
  t["chatBranches"] = Branches;
  t["chatFork"] = Fork;
  t["chatHistory"] = History;
  t["chatMessage"] = GetMessage;
  t["chatAppend"] = Append;
  t["chatSetFeedback"] = SetFeedbackMethod;
  t["chatRenameBranch"] = RenameBranch;
  t["chatArchiveBranch"] = ArchiveBranch;
  t["chatPrepare"] = Prepare;
  t["chatCommit"] = Commit;
  t["chatFail"] = Fail;
  RegisterChatConfigMethods(t);
}

}  // namespace kspace::api
