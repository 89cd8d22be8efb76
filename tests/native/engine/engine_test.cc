// Engine API tests: the JSON contract of spaces and sources, natively (the JS suites cover the same
// API through the worker and wasm).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine.h"
#include "store/memory_backend.h"

namespace kspace {
namespace {

using json = nlohmann::json;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(std::make_unique<store::MemoryBackend>(), Engine::Options{});
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  json Ok(const std::string& method, const json& args, std::span<const uint8_t> input = {}) {
    Reply r = engine_->Call(method, args.dump(), input);
    EXPECT_TRUE(r.status.ok()) << method << ": " << r.status.ToString();
    return r.status.ok() ? json::parse(r.json) : json();
  }

  Status Fail(const std::string& method, const std::string& args, std::span<const uint8_t> input = {}) {
    std::string before = Ok("digest", json::object())["digest"];
    Reply r = engine_->Call(method, args, input);
    EXPECT_FALSE(r.status.ok()) << method << " " << args << " unexpectedly succeeded";
    std::string after = Ok("digest", json::object())["digest"];
    EXPECT_EQ(before, after) << method << " " << args << " changed the store although it failed";
    return r.status;
  }

  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, SpacesLifecycle) {
  json s = Ok("createSpace", {{"title", "  Research  "}, {"keywords", {"a", "b", "a"}}});
  EXPECT_EQ(s["title"], "Research");
  EXPECT_EQ(s["keywords"], json({"a", "b"}));
  EXPECT_EQ(s["storageQuotaBytes"], int64_t{1} << 30);
  EXPECT_EQ(s["documentCount"], 0);
  std::string id = s["id"];
  EXPECT_EQ(Ok("getSpace", {{"spaceId", id}})["title"], "Research");
  json u = Ok("updateSpace", {{"spaceId", id}, {"description", "notes"}, {"icon", "🔬"}});
  EXPECT_EQ(u["description"], "notes");
  EXPECT_EQ(u["icon"], "🔬");
  u = Ok("updateSpace", {{"spaceId", id}, {"icon", nullptr}});
  EXPECT_TRUE(u["icon"].is_null());
  EXPECT_EQ(Ok("listSpaces", json::object()).size(), 1u);
  Ok("deleteSpace", {{"spaceId", id}});
  EXPECT_EQ(Ok("listSpaces", json::object()).size(), 0u);
  EXPECT_EQ(Ok("listSpaces", {{"includeDeleted", true}}).size(), 1u);
  EXPECT_EQ(Fail("createSpace", "{}").code(), Code::kInvalidArgument);
  Ok("restoreSpace", {{"spaceId", id}});
  EXPECT_EQ(Ok("listSpaces", json::object()).size(), 1u);
}

TEST_F(EngineTest, SourcesCountersQuotaAndPurge) {
  std::string space = Ok("createSpace", {{"title", "S"}, {"storageQuotaBytes", 100}})["id"];
  json src = Ok("addSource", {{"spaceId", space}, {"title", "idea"}, {"text", "# Hello"},
                              {"mediaType", "text"}, {"origin", "paste"}});
  EXPECT_EQ(src["totalSizeBytes"], 7);
  EXPECT_EQ(src["status"], "processed");
  EXPECT_EQ(src["mimeType"], "text/markdown");
  json sp = Ok("getSpace", {{"spaceId", space}});
  EXPECT_EQ(sp["documentCount"], 1);
  EXPECT_EQ(sp["totalSizeBytes"], 7);
  // Same bytes again: stored once.
  json dup = Ok("addSource", {{"spaceId", space}, {"title", "copy"}, {"text", "# Hello"},
                              {"mediaType", "text"}, {"origin", "paste"}});
  EXPECT_EQ(dup["originalBlobHash"], src["originalBlobHash"]);
  EXPECT_EQ(Ok("stats", json::object())["blobs"], 1);
  // Over quota: typed error, nothing written.
  std::string big(90, 'x');
  Status q = Fail("addSource", json{{"spaceId", space}, {"title", "big"}, {"text", big},
                                    {"mediaType", "text"}, {"origin", "paste"}}.dump());
  EXPECT_EQ(q.code(), Code::kQuotaExceeded);
  EXPECT_EQ(q.field(), "text");
  // Delete frees quota; restore re-checks it.
  Ok("deleteSource", {{"sourceId", src["id"]}});
  EXPECT_EQ(Ok("getSpace", {{"spaceId", space}})["totalSizeBytes"], 7);
  Ok("restoreSource", {{"sourceId", src["id"]}});
  EXPECT_EQ(Ok("getSpace", {{"spaceId", space}})["documentCount"], 2);
  // Content round trip.
  Reply content = engine_->Call("getSourceContent", json{{"sourceId", src["id"]}}.dump(), {});
  ASSERT_TRUE(content.status.ok());
  EXPECT_EQ(std::string(content.bytes.begin(), content.bytes.end()), "# Hello");
  // Purge: only after delete; blobs shared with a live source survive.
  EXPECT_EQ(Fail("purgeSource", json{{"sourceId", src["id"]}}.dump()).code(), Code::kFailedPrecondition);
  Ok("deleteSource", {{"sourceId", src["id"]}});
  Ok("purgeSource", {{"sourceId", src["id"]}});
  EXPECT_EQ(Ok("stats", json::object())["blobs"], 1);
  Ok("deleteSource", {{"sourceId", dup["id"]}});
  Ok("purgeSource", {{"sourceId", dup["id"]}});
  EXPECT_EQ(Ok("stats", json::object())["blobs"], 0);
  EXPECT_EQ(Ok("check", json::object())["ok"], true);
}

TEST_F(EngineTest, BadInputIsTypedAndChangesNothing) {
  std::string space = Ok("createSpace", {{"title", "S"}})["id"];
  auto add = [&](json extra) {
    json a{{"spaceId", space}, {"title", "t"}, {"text", "x"}, {"mediaType", "text"}, {"origin", "paste"}};
    for (auto& [k, v] : extra.items()) {
      if (v.is_null()) a.erase(k);
      else a[k] = v;
    }
    return a.dump();
  };
  struct Case {
    std::string method, args;
    Code code;
    std::string field;
  };
  std::vector<Case> cases = {
      {"createSpace", R"({"title":""})", Code::kInvalidArgument, "title"},
      {"createSpace", R"({"title":"   "})", Code::kInvalidArgument, "title"},
      {"createSpace", json{{"title", std::string(100000, 'a')}}.dump(), Code::kInvalidArgument, "title"},
      {"createSpace", R"({"title":5})", Code::kInvalidArgument, "title"},
      {"createSpace", R"({"title":"a","storageQuotaBytes":-1})", Code::kInvalidArgument, "storageQuotaBytes"},
      {"createSpace", R"({"title":"a","storageQuotaBytes":1.5})", Code::kInvalidArgument, "storageQuotaBytes"},
      {"createSpace", R"({"title":"a","colour":"red"})", Code::kInvalidArgument, "colour"},
      {"createSpace", "[1,2]", Code::kInvalidArgument, "arguments"},
      {"createSpace", "{\"title\":\"\xff\"}", Code::kInvalidArgument, "arguments"},
      {"getSpace", R"({"spaceId":"nope"})", Code::kInvalidArgument, "spaceId"},
      {"getSpace", R"({"spaceId":"0190c2d1-7a3b-7c4d-8e5f-0123456789ab"})", Code::kNotFound, "spaceId"},
      {"addSource", add({{"title", nullptr}}), Code::kInvalidArgument, "title"},
      {"addSource", add({{"mediaType", "pdf"}}), Code::kInvalidArgument, "mediaType"},
      {"addSource", add({{"text", ""}}), Code::kInvalidArgument, "text"},
      {"addSource", add({{"text", nullptr}}), Code::kInvalidArgument, "text"},
      {"addSource", add({{"mimeType", "not a mime"}}), Code::kInvalidArgument, "mimeType"},
      {"addSource", add({{"metadata", "{}"}}), Code::kInvalidArgument, "metadata"},
      {"addSource", add({{"keywords", {1, 2}}}), Code::kInvalidArgument, "keywords[0]"},
      {"noSuchMethod", "{}", Code::kInvalidArgument, "method"},
  };
  for (const Case& c : cases) {
    Status s = Fail(c.method, c.args);
    EXPECT_EQ(s.code(), c.code) << c.method << " " << c.args.substr(0, 80) << " -> " << s.ToString();
    EXPECT_EQ(s.field(), c.field) << c.method << " " << c.args.substr(0, 80) << " -> " << s.ToString();
  }
  Ok("deleteSpace", {{"spaceId", space}});
  Status s = Fail("addSource", add({}));
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  ASSERT_TRUE(engine_->Close().ok());
  EXPECT_EQ(engine_->Call("listSpaces", "{}", {}).status.code(), Code::kClosed);
}

}  // namespace
}  // namespace kspace
