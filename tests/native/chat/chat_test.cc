// Native tests of src/chat: prompt assembly, the extractive answer, citation parsing, the memory
// index, and the chat/memory API through Engine::Call (the JS suites cover the worker side).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <ctime>

#include "chat/answer.h"
#include "chat/memory_index.h"
#include "engine.h"
#include "store/memory_backend.h"

namespace kspace {
namespace {

using json = nlohmann::json;

TEST(Citations, ParsesSinglesListsAndRanges) {
  EXPECT_EQ(chat::CitedNumbers("a [1] b [2][3] c [1]", 5), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(chat::CitedNumbers("see [2, 4] and [5-6]", 10), (std::vector<int>{2, 4, 5, 6}));
  EXPECT_EQ(chat::CitedNumbers("[0] [7] [x] [ ] [3", 6), (std::vector<int>{}));
  EXPECT_EQ(chat::CitedNumbers("[1-1000]", 3), (std::vector<int>{1}));  // too wide: only the start
}

TEST(Prompt, NumbersSourcesAndRespectsTheBudget) {
  chat::PromptInput in;
  in.question = "What is NLL?";
  for (int i = 0; i < 20; ++i) {
    chat::Passage p;
    p.chunk_id = "c" + std::to_string(i);
    p.source_title = "Doc " + std::to_string(i);
    p.text = std::string(800, 'a' + (i % 26));
    in.passages.push_back(p);
  }
  for (int i = 0; i < 30; ++i) in.history.push_back({i % 2 ? "assistant" : "user", "turn " + std::to_string(i)});
  in.token_budget = 1000;
  chat::Prompt p = chat::AssemblePrompt(in);
  ASSERT_FALSE(p.passages.empty());
  EXPECT_LT(p.passages.size(), 20u);
  for (size_t i = 0; i < p.passages.size(); ++i) EXPECT_EQ(p.passages[i].n, static_cast<int>(i) + 1);
  EXPECT_LE(p.prompt_tokens, 1000 + 200);
  EXPECT_EQ(p.messages.front()["role"], "system");
  EXPECT_EQ(p.messages.back()["content"], "What is NLL?");
  EXPECT_NE(p.messages.front()["content"].get<std::string>().find("[1] Doc 0"), std::string::npos);
}

TEST(Extractive, CitesTheMatchingPassageDeterministically) {
  std::vector<chat::Passage> ps(2);
  ps[0].n = 1;
  ps[0].text = "Traits define shared behaviour. Generic code uses static dispatch.";
  ps[1].n = 2;
  ps[1].text = "Non-lexical lifetimes end a borrow at its last use. This helps the borrow checker.";
  std::string a = chat::ExtractiveAnswer("When does a borrow end with non-lexical lifetimes?", ps);
  EXPECT_NE(a.find("last use. [2]"), std::string::npos) << a;
  EXPECT_EQ(a, chat::ExtractiveAnswer("When does a borrow end with non-lexical lifetimes?", ps));
  EXPECT_NE(chat::ExtractiveAnswer("anything", {}).find("could not find"), std::string::npos);
}

TEST(MemoryIndex, RanksByCosineAndImportanceAndRemovesBySwap) {
  chat::MemoryIndex idx(4);
  std::vector<float> a{1, 0, 0, 0}, b{0, 1, 0, 0}, c{0.7f, 0.7f, 0, 0};
  ASSERT_TRUE(idx.Put(1, chat::QuantizeVector(a), 0.1f, 0).ok());
  ASSERT_TRUE(idx.Put(2, chat::QuantizeVector(b), 0.2f, 1).ok());
  ASSERT_TRUE(idx.Put(3, chat::QuantizeVector(c), 0.3f, 0).ok());
  EXPECT_FALSE(idx.Put(4, std::vector<uint8_t>(3), 0, 0).ok());
  const std::vector<char> all{1, 1};
  const auto q = idx.PrepareQuery(a);
  // Similarity only: the cosines, best first.
  auto best = idx.Best(q, all, 0, 1, 0, 10);
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0].second, 1);
  EXPECT_NEAR(best[0].first, 1.0, 0.02);
  EXPECT_EQ(best[1].second, 3);
  EXPECT_NEAR(best[1].first, std::sqrt(0.5), 0.02);
  EXPECT_EQ(best[2].second, 2);
  EXPECT_NEAR(best[2].first, 0.0, 0.02);
  // Importance only, the top 2, and a minimum importance.
  best = idx.Best(q, all, 0, 0, 1, 2);
  ASSERT_EQ(best.size(), 2u);
  EXPECT_EQ(best[0].second, 3);
  EXPECT_EQ(best[1].second, 2);
  EXPECT_EQ(idx.Best(q, all, 0.25, 1, 0, 10).size(), 1u);
  // Space keys: only key 0; a key past the mask is dropped.
  best = idx.Best(q, std::vector<char>{1}, 0, 1, 0, 10);
  EXPECT_EQ(best.size(), 2u);
  idx.Remove(1);
  EXPECT_EQ(idx.size(), 2u);
  best = idx.Best(q, std::vector<char>{1, 0}, 0, 1, 0.5, 10);
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0].second, 3);
  EXPECT_NEAR(best[0].first, std::sqrt(0.5) + 0.15, 0.02);
  EXPECT_FLOAT_EQ(idx.Importance(3), 0.3f);
  EXPECT_EQ(idx.SpaceKeyOf(2), 1);
}

class ChatApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(std::make_unique<store::MemoryBackend>(), Engine::Options{});
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }
  json Ok(const std::string& method, const json& args) {
    Reply r = engine_->Call(method, args.dump(), {});
    EXPECT_TRUE(r.status.ok()) << method << ": " << r.status.ToString();
    return r.status.ok() ? json::parse(r.json) : json();
  }
  Status Fail(const std::string& method, const json& args) {
    std::string before = Ok("digest", json::object())["digest"];
    Reply r = engine_->Call(method, args.dump(), {});
    EXPECT_FALSE(r.status.ok()) << method << " unexpectedly succeeded";
    EXPECT_EQ(before, Ok("digest", json::object())["digest"].get<std::string>()) << method << " changed the store";
    return r.status;
  }
  std::unique_ptr<Engine> engine_;
};

TEST_F(ChatApiTest, PrepareCommitForkHistory) {
  json space = Ok("createSpace", {{"title", "Rust"}});
  Ok("addSource", {{"spaceId", space["id"]}, {"title", "NLL"}, {"mediaType", "text"}, {"origin", "paste"},
                   {"text", "Non-lexical lifetimes end a borrow at its last use. The borrow checker accepts more."}});
  json s = Ok("chatCreateSession", {{"spaceId", space["id"]}});
  json prep = Ok("chatPrepare", {{"sessionId", s["id"]}, {"text", "When does a borrow end?"}});
  ASSERT_FALSE(prep["sources"].empty());
  EXPECT_EQ(prep["parentId"], nullptr);
  json src = json::array();
  for (const auto& x : prep["sources"]) src.push_back({{"n", x["n"]}, {"chunkId", x["chunkId"]}, {"score", x["score"]}});
  json out = Ok("chatCommit", {{"sessionId", s["id"]}, {"parentId", nullptr}, {"text", prep["question"]},
                               {"answer", prep["extractive"]}, {"sources", src}});
  EXPECT_EQ(out["message"]["citations"].size(), 1u);
  // A second commit against the old tip is refused: the branch moved.
  EXPECT_EQ(Fail("chatCommit", {{"sessionId", s["id"]}, {"parentId", nullptr}, {"text", "again"}, {"answer", "x"}}).field(),
            "branchId");
  json br = Ok("chatFork", {{"messageId", out["query"]["id"]}, {"title", "alt"}});
  EXPECT_EQ(br["parentBranchId"], s["mainBranchId"]);
  Ok("chatAppend", {{"sessionId", s["id"]}, {"branchId", br["id"]}, {"text", "other question"}});
  json h = Ok("chatHistory", {{"branchId", br["id"]}});
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["id"], out["query"]["id"]);
  EXPECT_EQ(h[0]["isBranchRoot"], true);
  EXPECT_EQ(Ok("chatHistory", {{"branchId", s["mainBranchId"]}}).size(), 2u);
  EXPECT_EQ(Fail("chatPrepare", {{"sessionId", s["id"]}, {"text", ""}}).field(), "text");
  EXPECT_EQ(Fail("chatFork", {{"messageId", "0190c2d1-7a3b-7c4d-8e5f-0123456789ab"}}).code(), Code::kNotFound);
}

TEST_F(ChatApiTest, MemoriesRelevance) {
  json a = Ok("memoryAdd", {{"content", "I prefer examples in Rust"}, {"importance", 0.2}});
  json b = Ok("memoryAdd", {{"content", "I prefer examples in Rust please"}, {"importance", 0.9}});
  json hits = Ok("memorySearch", {{"query", "examples in Rust"}});
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0]["id"], b["id"]);
  for (const auto& h : hits) {
    EXPECT_NEAR(h["relevance"].get<double>(), 0.7 * h["similarity"].get<double>() + 0.3 * h["importance"].get<double>(), 1e-9);
  }
  Ok("memoryDelete", {{"memoryId", b["id"]}});
  EXPECT_EQ(Ok("memorySearch", {{"query", "examples in Rust"}}).size(), 1u);
  EXPECT_EQ(Fail("memoryAdd", {{"content", "x"}, {"importance", 2}}).field(), "importance");
}

// The memory index follows every write: update re-embeds, delete hides, restore brings back, and
// a space's search sees user memories and its own, never another space's.
TEST_F(ChatApiTest, MemoryIndexFollowsUpdatesDeletesAndScopes) {
  json s1 = Ok("createSpace", {{"title", "one"}});
  json s2 = Ok("createSpace", {{"title", "two"}});
  json u = Ok("memoryAdd", {{"content", "borrow checker lifetimes explained"}, {"importance", 0.5}});
  json a = Ok("memoryAdd", {{"spaceId", s1["id"]}, {"content", "async executors poll futures"}, {"importance", 0.5}});
  json b = Ok("memoryAdd", {{"spaceId", s2["id"]}, {"content", "async executors poll futures too"}, {"importance", 0.5}});
  auto ids = [&](const json& hits) {
    std::set<std::string> out;
    for (const auto& h : hits) out.insert(h["id"]);
    return out;
  };
  for (const char* mode : {"vector", "text", "hybrid"}) {
    std::set<std::string> got = ids(Ok("memorySearch", {{"query", "async executors poll futures"}, {"spaceId", s1["id"]}, {"mode", mode}}));
    EXPECT_TRUE(got.count(a["id"])) << mode;
    EXPECT_FALSE(got.count(b["id"])) << mode << ": another space's memory";
  }
  json top = Ok("memorySearch", {{"query", "async executors poll futures"}, {"spaceId", s1["id"]}, {"mode", "vector"}, {"k", 1}});
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0]["id"], a["id"]);
  // Update: the new content is what the vector and the text index know.
  Ok("memoryUpdate", {{"memoryId", u["id"]}, {"content", "pinning keeps self-referential values in place"}});
  json hits = Ok("memorySearch", {{"query", "pinning self-referential values"}, {"mode", "vector"}, {"k", 1}});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]["id"], u["id"]);
  EXPECT_FALSE(ids(Ok("memorySearch", {{"query", "borrow checker lifetimes"}, {"mode", "text"}})).count(u["id"]));
  Ok("memoryDelete", {{"memoryId", u["id"]}});
  EXPECT_FALSE(ids(Ok("memorySearch", {{"query", "pinning self-referential values"}, {"mode", "hybrid"}})).count(u["id"]));
  Ok("memoryRestore", {{"memoryId", u["id"]}});
  EXPECT_TRUE(ids(Ok("memorySearch", {{"query", "pinning self-referential values"}, {"mode", "hybrid"}})).count(u["id"]));
}

// A model of seed 000's DAG: messages know their parent, branches are tip pointers.
struct DagModel {
  struct Branch {
    std::string id;
    std::optional<std::string> tip, fork, parent;
    bool archived = false;
  };
  std::map<std::string, std::optional<std::string>> parent;
  std::vector<std::string> messages;  // in creation order
  std::vector<Branch> branches;       // in creation order; [0] is main
  std::set<std::string> fork_points;

  std::vector<std::string> PathOf(std::optional<std::string> tip) const {
    std::vector<std::string> p;
    for (auto cur = tip; cur; cur = parent.at(*cur)) p.push_back(*cur);
    std::reverse(p.begin(), p.end());
    return p;
  }
  bool Holds(const Branch& b, const std::string& msg) const {
    for (auto cur = b.tip; cur; cur = parent.at(*cur)) {
      if (*cur == msg) return true;
    }
    return false;
  }
};

std::vector<std::string> Ids(const json& history) {
  std::vector<std::string> out;
  for (const auto& m : history) out.push_back(m["id"]);
  return out;
}

// Random append / fork / archive / history checked against the model after every step, then every
// invariant over the whole session.
TEST_F(ChatApiTest, PropertyRandomOpsAgreeWithTheDagModel) {
  json space = Ok("createSpace", {{"title", "dag"}});
  json s = Ok("chatCreateSession", {{"spaceId", space["id"]}});
  DagModel model;
  model.branches.push_back({s["mainBranchId"], std::nullopt, std::nullopt, std::nullopt, false});
  std::mt19937 rng(20260105);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  for (int op = 0; op < 400; ++op) {
    int r = static_cast<int>(rng() % 100);
    if (r < 55 || model.messages.empty()) {
      DagModel::Branch& b = model.branches[pick(model.branches.size())];
      json args{{"sessionId", s["id"]}, {"branchId", b.id}, {"text", "m" + std::to_string(op)},
                {"role", (op % 2) ? "assistant" : "user"}};
      if (b.archived) {
        // Checked against the digest only sometimes: it reads the whole store.
        if (op % 10 == 0) {
          EXPECT_EQ(Fail("chatAppend", args).code(), Code::kFailedPrecondition);
        } else {
          EXPECT_FALSE(engine_->Call("chatAppend", args.dump(), {}).status.ok());
        }
        continue;
      }
      json m = Ok("chatAppend", args);
      ASSERT_TRUE(m.contains("id"));
      EXPECT_EQ(m["parentId"], b.tip ? json(*b.tip) : json(nullptr));
      model.parent[m["id"]] = b.tip;
      model.messages.push_back(m["id"]);
      b.tip = m["id"].get<std::string>();
    } else if (r < 75) {
      std::string msg = model.messages[pick(model.messages.size())];
      json args{{"messageId", msg}, {"title", "f" + std::to_string(op)}};
      // Half the forks name the branch they fork from (any branch holding the message).
      std::optional<size_t> from;
      if (rng() % 2) {
        size_t bi = pick(model.branches.size());
        if (model.Holds(model.branches[bi], msg)) {
          args["branchId"] = model.branches[bi].id;
          from = bi;
        } else {
          args["branchId"] = model.branches[bi].id;
          EXPECT_EQ(Fail("chatFork", args).field(), "branchId");
          args.erase("branchId");
        }
      }
      if (!from) {
        for (size_t i = 0; i < model.branches.size(); ++i) {
          if (model.Holds(model.branches[i], msg)) {
            from = i;
            break;
          }
        }
      }
      json br = Ok("chatFork", args);
      ASSERT_TRUE(from.has_value()) << "every message is on some branch";
      EXPECT_EQ(br["tipMessageId"], msg);
      EXPECT_EQ(br["forkMessageId"], msg);
      EXPECT_EQ(br["parentBranchId"], model.branches[*from].id);
      model.branches.push_back({br["id"], msg, msg, model.branches[*from].id, false});
      model.fork_points.insert(msg);
    } else if (r < 82) {
      DagModel::Branch& b = model.branches[pick(model.branches.size())];
      json out = Ok("chatArchiveBranch", {{"branchId", b.id}});
      EXPECT_EQ(out["status"], "archived");
      b.archived = true;
    } else {
      const DagModel::Branch& b = model.branches[pick(model.branches.size())];
      std::vector<std::string> want = model.PathOf(b.tip);
      EXPECT_EQ(Ids(Ok("chatHistory", {{"branchId", b.id}})), want);
      int64_t limit = 1 + static_cast<int64_t>(pick(5));
      std::vector<std::string> tail(want.end() - std::min<int64_t>(limit, static_cast<int64_t>(want.size())), want.end());
      EXPECT_EQ(Ids(Ok("chatHistory", {{"branchId", b.id}, {"limit", limit}})), tail);
    }
  }
  ASSERT_GT(model.messages.size(), 100u);
  ASSERT_GT(model.branches.size(), 20u);

  // Every branch: its history is the root-to-tip path, each message's parent is the one before.
  std::set<std::string> seen;
  json listed = Ok("chatBranches", {{"sessionId", s["id"]}});
  ASSERT_EQ(listed.size(), model.branches.size());
  for (size_t i = 0; i < model.branches.size(); ++i) {
    const DagModel::Branch& b = model.branches[i];
    EXPECT_EQ(listed[i]["id"], b.id);
    EXPECT_EQ(listed[i]["tipMessageId"], b.tip ? json(*b.tip) : json(nullptr));
    EXPECT_EQ(listed[i]["forkMessageId"], b.fork ? json(*b.fork) : json(nullptr));
    EXPECT_EQ(listed[i]["parentBranchId"], b.parent ? json(*b.parent) : json(nullptr));
    EXPECT_EQ(listed[i]["status"], b.archived ? "archived" : "active");
    json h = Ok("chatHistory", {{"branchId", b.id}});
    EXPECT_EQ(Ids(h), model.PathOf(b.tip)) << "branch " << i;
    for (size_t k = 0; k < h.size(); ++k) {
      EXPECT_EQ(h[k]["parentId"], k == 0 ? json(nullptr) : h[k - 1]["id"]);
      if (k > 0) {
        EXPECT_LT(h[k - 1]["sequence"].get<int64_t>(), h[k]["sequence"].get<int64_t>());
      }
      EXPECT_EQ(h[k]["isBranchRoot"].get<bool>(), model.fork_points.count(h[k]["id"]) == 1);
      EXPECT_EQ(h[k]["text"].get<std::string>()[0], 'm');
      seen.insert(h[k]["id"]);
    }
  }
  // No message lost or duplicated: the union of the histories is every message, and the sequence
  // numbers are 1..N.
  EXPECT_EQ(seen.size(), model.messages.size());
  std::set<int64_t> seqs;
  for (const auto& id : model.messages) {
    json m = Ok("chatMessage", {{"messageId", id}});
    EXPECT_EQ(m["parentId"], model.parent[id] ? json(*model.parent[id]) : json(nullptr));
    seqs.insert(m["sequence"].get<int64_t>());
  }
  EXPECT_EQ(seqs.size(), model.messages.size());
  EXPECT_EQ(*seqs.begin(), 1);
  EXPECT_EQ(*seqs.rbegin(), static_cast<int64_t>(model.messages.size()));
  EXPECT_EQ(Ok("chatGetSession", {{"sessionId", s["id"]}})["messageCount"], model.messages.size());
}

TEST_F(ChatApiTest, HistoryLimitAndEmptyBranches) {
  json space = Ok("createSpace", {{"title", "h"}});
  json s = Ok("chatCreateSession", {{"spaceId", space["id"]}});
  EXPECT_TRUE(Ok("chatHistory", {{"branchId", s["mainBranchId"]}}).empty());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Ok("chatAppend", {{"sessionId", s["id"]}, {"text", "t" + std::to_string(i)}})["id"]);
  EXPECT_EQ(Ids(Ok("chatHistory", {{"branchId", s["mainBranchId"]}, {"limit", 2}})),
            (std::vector<std::string>{ids[3], ids[4]}));
  json two = Ok("chatHistory", {{"branchId", s["mainBranchId"]}, {"limit", 2}});
  EXPECT_EQ(two[0]["parentId"], ids[2]) << "a cut history still names the first message's parent";
  EXPECT_EQ(Ids(Ok("chatHistory", {{"branchId", s["mainBranchId"]}, {"limit", 100}})), ids);
  EXPECT_EQ(Fail("chatHistory", {{"branchId", s["mainBranchId"]}, {"limit", 0}}).field(), "limit");
  EXPECT_EQ(Fail("chatHistory", {{"branchId", "0190c2d1-7a3b-7c4d-8e5f-0123456789ab"}}).code(), Code::kNotFound);
  Ok("chatDeleteSession", {{"sessionId", s["id"]}});
  EXPECT_EQ(Fail("chatHistory", {{"branchId", s["mainBranchId"]}}).code(), Code::kNotFound);
}

TEST_F(ChatApiTest, MessageContentIsAContentAddressedBlob) {
  json space = Ok("createSpace", {{"title", "b"}});
  json s = Ok("chatCreateSession", {{"spaceId", space["id"]}});
  int64_t blobs0 = Ok("stats", json::object())["blobs"];
  const std::string text = "same words, \xC3\xA9t\xC3\xA9 \xF0\x9F\xA6\x80";
  json a = Ok("chatAppend", {{"sessionId", s["id"]}, {"text", text}});
  json b = Ok("chatAppend", {{"sessionId", s["id"]}, {"text", text}});
  EXPECT_NE(a["id"], b["id"]);
  EXPECT_EQ(Ok("stats", json::object())["blobs"].get<int64_t>(), blobs0 + 1) << "one blob for equal texts";
  EXPECT_EQ(Ok("chatMessage", {{"messageId", b["id"]}})["text"], text);
  std::string big(200 * 1024, 'x');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  json c = Ok("chatAppend", {{"sessionId", s["id"]}, {"text", big}});
  EXPECT_EQ(Ok("stats", json::object())["blobs"].get<int64_t>(), blobs0 + 2);
  json h = Ok("chatHistory", {{"branchId", s["mainBranchId"]}});
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[2]["text"], big);
  EXPECT_EQ(h[0]["text"], text);
  // Over the limit (and far over it): typed error, nothing written.
  EXPECT_EQ(Fail("chatAppend", {{"sessionId", s["id"]}, {"text", std::string(256 * 1024 + 1, 'y')}}).field(), "text");
  EXPECT_EQ(Fail("chatAppend", {{"sessionId", s["id"]}, {"text", std::string(10 * 1024 * 1024, 'y')}}).field(), "text");
  EXPECT_EQ(Fail("chatAppend", {{"sessionId", s["id"]}, {"text", ""}}).field(), "text");
}

// Chat messages and generation steps share the blob registry with sources: purging a source whose
// bytes equal a message's (or a step's) text must keep the blob, and the message must still read.
TEST_F(ChatApiTest, PurgingASourceKeepsBlobsThatMessagesUse) {
  json space = Ok("createSpace", {{"title", "p"}});
  const std::string text = "Non-lexical lifetimes end a borrow at its last use.";
  const std::string answer = "Traits define shared behaviour through a vtable.";
  json src1 = Ok("addSource", {{"spaceId", space["id"]}, {"title", "q"}, {"mediaType", "text"}, {"origin", "paste"}, {"text", text}});
  json src2 = Ok("addSource", {{"spaceId", space["id"]}, {"title", "a"}, {"mediaType", "text"}, {"origin", "paste"}, {"text", answer}});
  json s = Ok("chatCreateSession", {{"spaceId", space["id"]}});
  json m = Ok("chatAppend", {{"sessionId", s["id"]}, {"text", text}});
  json out = Ok("chatCommit", {{"sessionId", s["id"]}, {"parentId", m["id"]}, {"text", "why?"}, {"answer", answer}});
  const std::string answer_id = out["message"]["id"];
  int64_t blobs = Ok("stats", json::object())["blobs"];
  for (const json& src : {src1, src2}) {
    Ok("deleteSource", {{"sourceId", src["id"]}});
    Ok("purgeSource", {{"sourceId", src["id"]}});
  }
  EXPECT_EQ(Ok("chatMessage", {{"messageId", m["id"]}})["text"], text);
  json full = Ok("chatMessage", {{"messageId", answer_id}, {"includeSteps", true}});
  EXPECT_EQ(full["text"], answer);
  ASSERT_FALSE(full["steps"].empty());
  json h = Ok("chatHistory", {{"branchId", s["mainBranchId"]}});
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0]["text"], text);
  EXPECT_EQ(h[2]["text"], answer);
  // The shared blobs stayed; only bytes nothing else uses (processed text, if distinct) may go.
  EXPECT_LE(Ok("stats", json::object())["blobs"].get<int64_t>(), blobs);
  EXPECT_GE(Ok("stats", json::object())["blobs"].get<int64_t>(), 3);
  EXPECT_TRUE(Ok("check", json::object())["ok"].get<bool>()) << Ok("check", json::object()).dump();
}

// chatHistory writes its JSON text straight from the rows; every message must be exactly the
// object chatMessage returns (citations, a failed answer's error, escapes), with or without asText.
TEST_F(ChatApiTest, HistoryTextEqualsMessageJson) {
  json space = Ok("createSpace", {{"title", "eq"}});
  Ok("addSource", {{"spaceId", space["id"]}, {"title", "NLL \"quoted\""}, {"mediaType", "text"}, {"origin", "paste"},
                   {"text", "Non-lexical lifetimes end a borrow at its last use. The borrow checker accepts more."}});
  json s = Ok("chatCreateSession", {{"spaceId", space["id"]}});
  const std::string odd = "quote \" backslash \\ tab \t newline \n cr \r ctl \x01\x1f slash / \xC3\xA9 \xE2\x80\xA8 \xF0\x9F\xA6\x80";
  Ok("chatAppend", {{"sessionId", s["id"]}, {"text", odd}, {"role", "system"}});
  json prep = Ok("chatPrepare", {{"sessionId", s["id"]}, {"text", "When does a borrow end?"}});
  json src = json::array();
  for (const auto& x : prep["sources"]) src.push_back({{"n", x["n"]}, {"chunkId", x["chunkId"]}, {"score", x["score"]}});
  json out = Ok("chatCommit", {{"sessionId", s["id"]}, {"parentId", prep["parentId"]}, {"text", prep["question"]},
                               {"answer", prep["extractive"]}, {"sources", src}});
  ASSERT_FALSE(out["message"]["citations"].empty());
  Ok("chatSetFeedback", {{"messageId", out["message"]["id"]}, {"feedback", "good"}});
  json failed = Ok("chatFail", {{"sessionId", s["id"]}, {"parentId", out["message"]["id"]}, {"text", "and then?"},
                                {"error", {{"code", "IO_ERROR"}, {"message", "stream \"cut\""}}}});
  json h = Ok("chatHistory", {{"branchId", s["mainBranchId"]}});
  // asText: the same array as UTF-8 JSON text in the binary output, the reply only counts it.
  Reply text = engine_->Call("chatHistory", json{{"branchId", s["mainBranchId"]}, {"asText", true}}.dump(), {});
  ASSERT_TRUE(text.status.ok()) << text.status.ToString();
  EXPECT_EQ(json::parse(text.json), json({{"messages", 5}}));
  EXPECT_EQ(json::parse(text.bytes), h);
  // A limit keeps the newest messages, still root first.
  Reply last2 = engine_->Call("chatHistory", json{{"branchId", s["mainBranchId"]}, {"asText", true}, {"limit", 2}}.dump(), {});
  ASSERT_TRUE(last2.status.ok()) << last2.status.ToString();
  EXPECT_EQ(json::parse(last2.bytes), json({h[3], h[4]}));
  // A branch without messages is an empty array.
  json empty = Ok("chatCreateSession", {{"spaceId", space["id"]}});
  Reply none = engine_->Call("chatHistory", json{{"branchId", empty["mainBranchId"]}, {"asText", true}}.dump(), {});
  ASSERT_TRUE(none.status.ok()) << none.status.ToString();
  EXPECT_EQ(std::string(none.bytes.begin(), none.bytes.end()), "[]");
  ASSERT_EQ(h.size(), 5u);
  for (const auto& m : h) EXPECT_EQ(m, Ok("chatMessage", {{"messageId", m["id"]}})) << m.dump();
  EXPECT_EQ(h[0]["text"], odd);
  EXPECT_EQ(h[2]["feedback"], "good");
  EXPECT_FALSE(h[2]["citations"].empty());
  EXPECT_EQ(h[4]["status"], "failed");
  EXPECT_EQ(h[4]["error"]["message"], "stream \"cut\"");
  EXPECT_EQ(Fail("chatHistory", {{"branchId", s["mainBranchId"]}, {"asText", "yes"}}).field(), "asText");
}

// Timing of chatHistory over a session shaped like tests/bench/chat.mjs (forks from random earlier
// messages, 100 messages per branch). Prints numbers; asserts only correctness. The full bench
// shape is KS_CHAT_HISTORY_BRANCHES=100 (10k messages); the default keeps the test quick.
TEST_F(ChatApiTest, HistoryTimingDeepBranches) {
  const char* env = std::getenv("KS_CHAT_HISTORY_BRANCHES");
  const int nbranches = env ? std::max(2, std::atoi(env)) : 12;
  json space = Ok("createSpace", {{"title", "t"}});
  json s = Ok("chatCreateSession", {{"spaceId", space["id"]}});
  std::mt19937 rng(11);
  std::vector<std::string> all;
  std::vector<std::string> branches{s["mainBranchId"]};
  std::map<std::string, size_t> depth;  // message -> path length
  std::map<std::string, std::string> tips;
  auto append = [&](const std::string& branch, const std::optional<std::string>& parent, int i) {
    json m = Ok("chatAppend", {{"sessionId", s["id"]}, {"branchId", branch},
                               {"text", "message " + std::to_string(i) + " lorem ipsum dolor sit amet, consectetur "
                                        "adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore"}});
    depth[m["id"]] = parent ? depth[*parent] + 1 : 1;
    all.push_back(m["id"]);
    tips[branch] = m["id"];
    return std::string(m["id"]);
  };
  std::optional<std::string> prev;
  for (int i = 0; i < 100; ++i) prev = append(branches[0], prev, i);
  for (int b = 1; b < nbranches; ++b) {
    std::string from = all[rng() % all.size()];
    json br = Ok("chatFork", {{"messageId", from}, {"title", "b" + std::to_string(b)}});
    branches.push_back(br["id"]);
    prev = from;
    for (int i = 0; i < 100; ++i) prev = append(br["id"], prev, i);
  }
  // Thread CPU time as well as wall time: on a shared, loaded machine the wall clock mostly
  // measures the neighbours.
  auto cpu_us = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  std::vector<double> us, cpu;
  size_t total = 0;
  for (int round = 0; round < 3; ++round) {
    for (const auto& b : branches) {
      auto t0 = std::chrono::steady_clock::now();
      double c0 = cpu_us();
      // As js/chat.ts calls it: the history as one JSON text.
      Reply r = engine_->Call("chatHistory", json{{"branchId", b}, {"asText", true}}.dump(), {});
      cpu.push_back(cpu_us() - c0);
      us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      json h = json::parse(r.bytes);
      ASSERT_EQ(h.size(), depth[tips[b]]);
      EXPECT_EQ(h.back()["id"], tips[b]);
      total += h.size();
    }
  }
  std::sort(us.begin(), us.end());
  std::sort(cpu.begin(), cpu.end());
  const double mean_path = static_cast<double>(total) / static_cast<double>(us.size());
  std::printf("[ timing ] chatHistory: %zu messages, %zu branches, mean path %.0f: wall median %.0f us (p95 %.0f), "
              "cpu median %.0f us (p95 %.0f), %.2f cpu us/message\n",
              all.size(), branches.size(), mean_path, us[us.size() / 2], us[us.size() * 95 / 100], cpu[cpu.size() / 2],
              cpu[cpu.size() * 95 / 100], cpu[cpu.size() / 2] / mean_path);
}

}  // namespace
}  // namespace kspace
