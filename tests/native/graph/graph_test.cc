// src/graph natively: JSON Canvas validation, the node hierarchy (depths, cycles, detaching),
// the model registry, concept extraction, and the map API end to end on an in-memory store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../query_plans.h"
#include "engine.h"
#include "graph/canvas.h"
#include "graph/concepts.h"
#include "graph/edges.h"
#include "store/memory_backend.h"
#include "store/posix_backend.h"
#include "store/store.h"

namespace kspace {
namespace {

using json = nlohmann::json;

TEST(Canvas, ParsesEveryNodeTypeAndWritesItBack) {
  const char* text = R"({"nodes":[
    {"id":"g","type":"group","x":-10,"y":-10,"width":500,"height":400,"label":"G","color":"3"},
    {"id":"t","type":"text","x":0,"y":0,"width":100,"height":50,"text":"# hi"},
    {"id":"f","type":"file","x":200,"y":0,"width":100,"height":50,"file":"a/b.md","subpath":"#h"},
    {"id":"l","type":"link","x":0,"y":100,"width":100,"height":50,"url":"https://example.org","color":"#aabbcc"}],
    "edges":[{"id":"e","fromNode":"t","fromSide":"right","toNode":"f","toSide":"left","toEnd":"arrow","label":"x"}]})";
  auto c = graph::ParseCanvas(text, "canvas");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->nodes.size(), 4u);
  EXPECT_EQ(*c->nodes[2].subpath, "#h");
  json back = graph::CanvasToJson(*c);
  auto again = graph::ParseCanvasJson(back, "canvas");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(graph::CanvasToJson(*again), back);
  EXPECT_EQ(back["edges"][0]["fromSide"], "right");
  EXPECT_EQ(back["nodes"][3]["color"], "#aabbcc");
}

TEST(Canvas, RejectsMalformedInputNamingThePath) {
  struct Case {
    const char* text;
    const char* field;
  } cases[] = {
      {"not json", "canvas"},
      {"3", "canvas"},
      {R"({"nodes":[1]})", "canvas.nodes[0]"},
      {R"({"nodes":[{"type":"text","text":"","x":0,"y":0,"width":1,"height":1}]})", "canvas.nodes[0].id"},
      {R"({"nodes":[{"id":"a","type":"text","text":"","x":"0","y":0,"width":1,"height":1}]})", "canvas.nodes[0].x"},
      {R"({"nodes":[{"id":"a","type":"text","text":"","x":0,"y":0,"width":-1,"height":1}]})", "canvas.nodes[0].width"},
      {R"({"nodes":[{"id":"a","type":"file","x":0,"y":0,"width":1,"height":1,"file":"x","subpath":"h"}]})",
       "canvas.nodes[0].subpath"},
      {R"({"nodes":[{"id":"a","type":"group","x":0,"y":0,"width":1,"height":1,"backgroundStyle":"tile"}]})",
       "canvas.nodes[0].backgroundStyle"},
      {R"({"nodes":[],"edges":[{"id":"e","fromNode":"a","toNode":"b"}]})", "canvas.edges[0].fromNode"},
      {R"({"nodes":[{"id":"a","type":"group","x":0,"y":0,"width":1,"height":1}],"edges":[{"id":"e","fromNode":"a","toNode":"a","toEnd":"both"}]})",
       "canvas.edges[0].toEnd"},
      {R"({"edges":{}})", "canvas.edges"},
  };
  for (const Case& c : cases) {
    auto r = graph::ParseCanvas(c.text, "canvas");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.text;
    EXPECT_EQ(r.status().field(), c.field) << c.text << ": " << r.status().ToString();
  }
  EXPECT_TRUE(graph::IsCanvasColor("6"));
  EXPECT_FALSE(graph::IsCanvasColor("7"));
  EXPECT_FALSE(graph::IsCanvasColor("#12345g"));
}

TEST(Concepts, KeyphrasesAndEntitiesOfAChunk) {
  auto cs = graph::ExtractChunkConcepts(
      "The borrow checker rejects the program. The borrow checker is part of the Rust Compiler Team work. "
      "Graham Hutton wrote about the borrow checker.");
  bool borrow = false, entity = false;
  for (const auto& c : cs) {
    borrow = borrow || (c.name.find("borrow") != std::string::npos && c.type == "keyphrase");
    entity = entity || (c.name == "graham hutton" && c.type == "entity");
  }
  EXPECT_TRUE(borrow);
  EXPECT_TRUE(entity);
  EXPECT_TRUE(graph::ExtractChunkConcepts("").empty());
}

class MapApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(std::make_unique<store::MemoryBackend>(), Engine::Options{});
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
    space_ = Ok("createSpace", {{"title", "S"}})["id"];
  }
  json Ok(const std::string& method, const json& args) {
    Reply r = engine_->Call(method, args.dump(), {});
    EXPECT_TRUE(r.status.ok()) << method << ": " << r.status.ToString();
    return r.status.ok() ? json::parse(r.json) : json();
  }
  Status Fail(const std::string& method, const json& args) {
    std::string before = Ok("digest", json::object())["digest"];
    Reply r = engine_->Call(method, args.dump(), {});
    EXPECT_FALSE(r.status.ok()) << method << " " << args.dump();
    EXPECT_EQ(before, Ok("digest", json::object())["digest"]) << method << " changed the store although it failed";
    return r.status;
  }
  std::unique_ptr<Engine> engine_;
  std::string space_;
};

TEST_F(MapApiTest, HierarchyDepthsCyclesAndDeletes) {
  json a = Ok("mapAddNode", {{"spaceId", space_}, {"kind", "note"}, {"title", "a"}});
  json b = Ok("mapAddNode", {{"spaceId", space_}, {"kind", "cluster"}, {"title", "b"}, {"parentNodeId", a["id"]}});
  json c = Ok("mapAddNode", {{"spaceId", space_}, {"kind", "note"}, {"title", "c"}, {"parentNodeId", b["id"]}});
  EXPECT_EQ(c["depthLevel"], 3);
  Status s = Fail("mapUpdateNode", {{"nodeId", a["id"]}, {"parentNodeId", c["id"]}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "parentNodeId");
  EXPECT_EQ(Fail("mapUpdateNode", {{"nodeId", a["id"]}, {"parentNodeId", a["id"]}}).field(), "parentNodeId");
  EXPECT_EQ(Fail("mapUpdateNode", {{"nodeId", a["id"]}, {"parentNodeId", "0190a5a0-0000-7000-8000-000000000000"}}).code(),
            Code::kNotFound);
  // Moving b (with c) to the root re-derives c's depth.
  Ok("mapUpdateNode", {{"nodeId", b["id"]}, {"parentNodeId", nullptr}});
  EXPECT_EQ(Ok("mapNode", {{"nodeId", c["id"]}})["depthLevel"], 2);
  Ok("mapUpdateNode", {{"nodeId", b["id"]}, {"parentNodeId", a["id"]}});
  EXPECT_EQ(Ok("mapNode", {{"nodeId", c["id"]}})["depthLevel"], 3);
  // Deleting b lifts c to a.
  Ok("mapDeleteNode", {{"nodeId", b["id"]}});
  json c2 = Ok("mapNode", {{"nodeId", c["id"]}});
  EXPECT_EQ(c2["parentNodeId"], a["id"]);
  EXPECT_EQ(c2["depthLevel"], 2);
  EXPECT_EQ(Fail("mapAddEdge", {{"spaceId", space_}, {"from", a["id"]}, {"to", b["id"]}}).code(), Code::kNotFound);
  EXPECT_EQ(Fail("mapAddEdge", {{"spaceId", space_}, {"from", a["id"]}, {"to", a["id"]}}).field(), "to");
  EXPECT_EQ(Fail("mapMoveNode", {{"nodeId", a["id"]}, {"position2d", {{"x", 1}}}}).field(), "position2d.y");
}

TEST_F(MapApiTest, LayoutRegistryPlacementAndLocks) {
  // Three topics, eight notes each.
  const char* topics[3][4] = {{"stars", "galaxy", "telescope", "orbit"},
                              {"bread", "yeast", "flour", "oven"},
                              {"garden", "compost", "seeds", "soil"}};
  for (int t = 0; t < 3; ++t) {
    for (int i = 0; i < 8; ++i) {
      std::string text = "# Note " + std::to_string(t) + "-" + std::to_string(i) + "\n\n";
      for (int r = 0; r < 6; ++r) {
        text += std::string("The ") + topics[t][r % 4] + " and the " + topics[t][(r + i) % 4] + " matter. ";
      }
      json src = Ok("addSource", {{"spaceId", space_}, {"title", "n" + std::to_string(t) + std::to_string(i)},
                                  {"text", text}, {"mediaType", "text"}, {"origin", "paste"}});
      ASSERT_EQ(src["status"], "processed") << src.dump();
    }
  }
  json run = Ok("mapLayoutRun", {{"spaceId", space_}, {"minClusterSize", 4}});
  ASSERT_EQ(run["chunks"], 24);
  json chunks = Ok("mapNodes", {{"spaceId", space_}, {"kind", "chunk"}});
  ASSERT_EQ(chunks.size(), 24u);
  std::string locked = chunks[5]["id"];
  Ok("mapMoveNode", {{"nodeId", locked}, {"position2d", {{"x", 1.5}, {"y", -2.25}}}, {"lock", true}});
  Ok("mapLayoutRun", {{"spaceId", space_}, {"clusters", "kmeans"}, {"k", 3}, {"seed", 9}});
  json n = Ok("mapNode", {{"nodeId", locked}});
  EXPECT_EQ(n["position2d"]["x"], 1.5);
  EXPECT_EQ(n["position2d"]["y"], -2.25);
  json models = Ok("mapModels", {{"spaceId", space_}});
  int dr_versions = 0;
  for (const auto& m : models) {
    if (m["modelType"] == "dimensionality_reduction") {
      dr_versions += static_cast<int>(m["versions"].size());
      EXPECT_EQ(m["activeVersionId"], m["versions"].back()["id"]);
    }
  }
  EXPECT_EQ(dr_versions, 2);
  // A new source is placed with the saved model.
  Ok("addSource", {{"spaceId", space_}, {"title", "new"}, {"text", "The bread and the yeast and the flour matter."},
                      {"mediaType", "text"}, {"origin", "paste"}});
  json placed = Ok("mapPlace", {{"spaceId", space_}});
  EXPECT_EQ(placed["placed"], 1);
  EXPECT_FALSE(Ok("mapConcepts", {{"spaceId", space_}}).empty());
}

// Wikilink edges are made incrementally (graph/edges.h): a new source's links resolve at once, and
// so do links written earlier to a name that only now exists, by title or path stem, in any case.
TEST_F(MapApiTest, WikilinksResolveWhicheverSideComesFirst) {
  auto add = [&](const std::string& title, const std::string& text, const std::string& path = "") {
    json args = {{"spaceId", space_}, {"title", title}, {"text", text}, {"mediaType", "document"}, {"origin", "upload"}};
    if (!path.empty()) args["path"] = path;
    json src = Ok("addSource", args);
    EXPECT_EQ(src["status"], "processed") << src.dump();
    return src["id"].get<std::string>();
  };
  auto node_of = [&](const std::string& source_id) {
    for (const json& n : Ok("mapNodes", {{"spaceId", space_}, {"kind", "source"}})) {
      if (n["contentSourceId"] == source_id) return n["id"].get<std::string>();
    }
    return std::string();
  };
  // "from -> to" for every live wikilink edge, sorted.
  auto edges = [&]() {
    std::vector<std::string> out;
    std::map<std::string, std::string> title_of;
    for (const json& n : Ok("mapNodes", {{"spaceId", space_}, {"kind", "source"}})) {
      title_of[n["id"]] = n["title"];
    }
    for (const json& e : Ok("mapEdges", {{"spaceId", space_}, {"kinds", {"wikilink"}}})) {
      out.push_back(title_of[e["from"]] + " -> " + title_of[e["to"]]);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  std::string a = add("Alpha", "# Alpha\n\nSee [[Beta]], [[notes/Gamma.md|the gamma note]] and [[Alpha]] itself.");
  EXPECT_EQ(edges(), V{}) << "nothing to link to yet; a self-link is no edge";
  std::string b = add("beta", "# beta\n\nNo links here.");
  EXPECT_EQ(edges(), (V{"Alpha -> beta"})) << "an earlier link reaches a later source, case-insensitively";
  add("Something else", "# Something\n\nText.", "notes/gamma.md");
  EXPECT_EQ(edges(), (V{"Alpha -> Something else", "Alpha -> beta"})) << "by path stem";
  add("Delta", "# Delta\n\nBack to [[BETA]] and [[alpha]].");
  EXPECT_EQ(edges(), (V{"Alpha -> Something else", "Alpha -> beta", "Delta -> Alpha", "Delta -> beta"}));
  // The same text again (a new source, duplicates kept) makes no second edge for the same pair.
  std::string d2 = add("Delta", "# Delta\n\nBack to [[BETA]] and [[alpha]] again.");
  EXPECT_EQ(edges().size(), 6u) << "the second Delta links too";
  // The target deleted: its edges leave the map; a new source with its name takes the links over.
  Ok("deleteSource", {{"sourceId", b}});
  EXPECT_EQ(edges(), (V{"Alpha -> Something else", "Delta -> Alpha", "Delta -> Alpha"}));
  std::string b2 = add("Beta", "# Beta\n\nThe second beta.");
  EXPECT_EQ(edges(), (V{"Alpha -> Beta", "Alpha -> Something else", "Delta -> Alpha", "Delta -> Alpha", "Delta -> Beta",
                        "Delta -> Beta"}));
  // Purging the old target keeps the links to the new one; purging a writer drops its edges.
  Ok("purgeSource", {{"sourceId", b}});
  Ok("deleteSource", {{"sourceId", d2}});
  Ok("purgeSource", {{"sourceId", d2}});
  EXPECT_EQ(edges(), (V{"Alpha -> Beta", "Alpha -> Something else", "Delta -> Alpha", "Delta -> Beta"}));
  // Links made while a source was deleted appear when it is restored, in both directions.
  std::string echo = add("Echo", "# Echo\n\nSee [[Foxtrot]].");
  Ok("deleteSource", {{"sourceId", echo}});
  add("Foxtrot", "# Foxtrot\n\nNo links.");
  add("Golf", "# Golf\n\nSee [[echo]].");
  EXPECT_EQ(edges().size(), 4u) << "nothing new while Echo is deleted";
  Ok("restoreSource", {{"sourceId", echo}});
  EXPECT_EQ(edges(), (V{"Alpha -> Beta", "Alpha -> Something else", "Delta -> Alpha", "Delta -> Beta", "Echo -> Foxtrot",
                        "Golf -> Echo"}));
  EXPECT_FALSE(node_of(a).empty());
  EXPECT_FALSE(node_of(b2).empty());
}

// The wikilink sync's statements are index probes: none walks a space's nodes, sources, links or
// edges (the sync runs on every ingest; reading the space made adding one note to a 20k-source
// space cost 180 ms in wasm).
TEST(Wikilinks, SyncStatementsAreIndexProbes) {
  auto dir = std::filesystem::temp_directory_path() / ("ks-graph-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "links.kspace").string();
  std::filesystem::remove(path);
  std::string space, source;
  {
    Engine::Options o;
    o.store.filename = path;
    auto e = Engine::Open(std::make_unique<store::PosixBackend>(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    Reply r = (*e)->Call("createSpace", R"({"title":"S"})", {});
    ASSERT_TRUE(r.status.ok());
    space = json::parse(r.json)["id"];
    for (int i = 0; i < 3; ++i) {
      json args = {{"spaceId", space}, {"title", "n" + std::to_string(i)}, {"mediaType", "document"},
                   {"origin", "upload"}, {"text", "# N\n\nSee [[n" + std::to_string((i + 1) % 3) + "]] and [[dir/n9.md]]."}};
      r = (*e)->Call("addSource", args.dump(), {});
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      source = json::parse(r.json)["id"];
    }
    ASSERT_TRUE((*e)->Close().ok());
  }
  store::StoreOptions so;
  so.filename = path;
  auto st = store::Store::Open(std::make_unique<store::PosixBackend>(), so);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  store::Database& db = (*st)->db();
  const std::string ids[] = {source};
  ASSERT_TRUE(graph::SyncWikilinkEdges(db, space, "u", "2026-01-01T00:00:00.000Z", ids).ok());
  auto plans = plans::PreparedPlans(db, {"wikilink", "FROM nodes"});
  for (const auto& [sql, plan] : plans) {
    EXPECT_EQ(plan.find("SCAN"), std::string::npos) << sql << "\n" << plan;
    EXPECT_EQ(plan.find("nodes_by_space"), std::string::npos) << sql << "\n" << plan;
  }
  EXPECT_GE(plans.size(), 5u) << "the sync's statements were not found";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kspace
