#include "search/hybrid.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <memory>
#include <vector>

#include "search/fts_query.h"
#include "search/fts_rank.h"

namespace kspace::search {
namespace {

// The lookup the storage layer implements, over a table of this test's choosing.
DfLookup LookupIn(sqlite3* db, std::string table) {
  return [db, table](const std::string& match) -> Result<std::optional<std::string>> {
    std::string quoted = "\"";
    for (char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += '"';
    std::string sql = "SELECT ks_df(" + quoted + ") FROM " + quoted + " WHERE " + quoted + " MATCH ?1 LIMIT 1";
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      return InvalidArgument(sqlite3_errmsg(db), "table");
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
    sqlite3_bind_text(raw, 1, match.c_str(), static_cast<int>(match.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return Internal(sqlite3_errmsg(db));
    return std::optional<std::string>(reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)));
  };
}

using Db = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;

// An in-memory database with the ranking functions, after running `sql` (which creates and fills
// an FTS5 table); null (and a test failure) if any step fails.
Db FtsDatabase(const char* sql) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
  Db db(raw, sqlite3_close);
  if (!RegisterFtsFunctions(raw).ok() || sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "setup: " << sqlite3_errmsg(raw);
    return Db(nullptr, sqlite3_close);
  }
  return db;
}

TEST(Hybrid, IdfWeightsComeFromTheFtsIndex) {
  Db db = FtsDatabase(
      "CREATE VIRTUAL TABLE \"my fts\" USING fts5(title, heading_path, text, tokenize = 'porter unicode61 remove_diacritics 2');"
      "INSERT INTO \"my fts\" VALUES ('', '', 'common rare'), ('', '', 'common'), ('', '', 'common'), ('', '', 'other');");
  ASSERT_NE(db, nullptr);
  sqlite3* raw = db.get();
  auto w = FetchIdfWeights(LookupIn(raw, "my fts"), "Common RARE commons missing");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  // N = 4: rare df 1, common df 3 ("commons" stems to it), missing df 0.
  EXPECT_NEAR(w->Weight("rare"), std::log(1 + 3.5 / 1.5), 1e-6);
  EXPECT_NEAR(w->Weight("common"), std::log(1 + 1.5 / 3.5), 1e-6);
  EXPECT_NEAR(w->Weight("commons"), w->Weight("common"), 1e-6);
  EXPECT_GT(w->Weight("missing"), w->Weight("rare"));
  EXPECT_EQ(w->Weight("never-asked"), w->unknown);
  // Nothing matches / nothing to look up / bad table: no crash, sensible results.
  auto none = FetchIdfWeights(LookupIn(raw, "my fts"), "zzz qqq");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->Weight("zzz"), none->Weight("qqq"));
  EXPECT_TRUE(FetchIdfWeights(LookupIn(raw, "my fts"), "  ").ok());
  EXPECT_EQ(FetchIdfWeights(LookupIn(raw, "no_such_table"), "x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(FetchIdfWeights(DfLookup(), "x").status().code(), Code::kInvalidArgument);
}

// A hybrid search fetches the frequencies of the query vector's words (stopwords kept) once and
// reads the full-text side's words (stopwords dropped, repeats removed) off them: the values must
// be those a separate ks_df lookup of the smaller MATCH gives.
TEST(Hybrid, SubsetFrequenciesEqualTheirOwnLookup) {
  Db db = FtsDatabase(
      "CREATE VIRTUAL TABLE t USING fts5(title, heading_path, text, tokenize = 'porter unicode61 remove_diacritics 2');"
      "INSERT INTO t VALUES ('The effects', '', 'the effect of aspirin on the heart'), "
      "('', 'Heart', 'hearts and minds of the people'), ('', '', 'a café in the city'), ('Aspirin', '', 'of mice and men');");
  ASSERT_NE(db, nullptr);
  const DfLookup lookup = LookupIn(db.get(), "t");
  for (const char* query : {"The effect of Aspirin on the heart", "effects effect EFFECT of of the", "cafe café hearts",
                            "minds of mice and men", "zzz heart"}) {
    const std::vector<std::string> all = IdfWords(query);
    for (const std::string& w : all) EXPECT_FALSE(embed::BuiltinEmbedder::IsStopword(w)) << w;
    auto all_value = lookup(IdfMatch(all));
    ASSERT_TRUE(all_value.ok() && all_value->has_value()) << query;
    auto all_df = ParseDocFrequencies(**all_value, all.size());
    ASSERT_TRUE(all_df.ok());
    const std::vector<std::string> words = QueryWords(query);
    auto sub = SubsetFrequencies(words, all, *all_df);
    ASSERT_TRUE(sub.has_value()) << query;
    auto own = lookup(BuildMatchQuery(query));
    ASSERT_TRUE(own.ok() && own->has_value()) << query;
    auto own_df = ParseDocFrequencies(**own, words.size());
    ASSERT_TRUE(own_df.ok());
    EXPECT_EQ(sub->rows, own_df->rows) << query;
    EXPECT_EQ(sub->df, own_df->df) << query;
  }
  // Only stopwords: the embedder weighs none of them, so none is looked up; the full-text side
  // (which keeps them when nothing else is left) is not covered and looks them up itself.
  EXPECT_TRUE(IdfWords("the of and").empty());
  EXPECT_FALSE(SubsetFrequencies(QueryWords("the of and"), IdfWords("the of and"), DocFrequencies{}).has_value());
  // A word outside `all`: not covered.
  DocFrequencies two{4, {1, 2}};
  EXPECT_FALSE(SubsetFrequencies({"a", "c"}, {"a", "b"}, two).has_value());
  EXPECT_EQ(SubsetFrequencies({"b"}, {"a", "b"}, two)->df, std::vector<double>{2});
  EXPECT_FALSE(SubsetFrequencies({"a"}, {"a", "b"}, DocFrequencies{4, {1}}).has_value());
}

TEST(Hybrid, ExpandQueryVectorIsRocchio) {
  std::vector<float> q = {1, 0, 0};
  std::vector<float> fb = {0, 1, 0, 0, 1, 0};  // two feedback rows, mean (0, 1, 0)
  ASSERT_TRUE(ExpandQueryVector(q, fb, 1.0f).ok());
  EXPECT_NEAR(q[0], std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(q[1], std::sqrt(0.5), 1e-6);
  // Rows count at unit length: a row 5 times longer, or a zero row beside it, changes nothing.
  std::vector<float> q3 = {1, 0, 0};
  std::vector<float> fb3 = {0, 5, 0, 0, 1, 0};
  ASSERT_TRUE(ExpandQueryVector(q3, fb3, 1.0f).ok());
  EXPECT_NEAR(q3[0], std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(q3[1], std::sqrt(0.5), 1e-6);
  std::vector<float> q4 = {1, 0, 0};
  std::vector<float> fb4 = {0, 0, 0};
  ASSERT_TRUE(ExpandQueryVector(q4, fb4, 1.0f).ok());
  EXPECT_NEAR(q4[0], 1.0, 1e-6);
  std::vector<float> q2 = {3, 4};
  ASSERT_TRUE(ExpandQueryVector(q2, {}, 2.0f).ok());  // no feedback: just normalised
  EXPECT_NEAR(q2[0], 0.6, 1e-6);
  std::vector<float> bad = {std::nanf(""), 1};
  ASSERT_TRUE(ExpandQueryVector(bad, {}, 1.0f).ok());
  EXPECT_TRUE(std::isfinite(bad[0]));
  EXPECT_EQ(ExpandQueryVector(q2, std::vector<float>{1, 2, 3}, 1.0f).code(), Code::kInvalidArgument);
  EXPECT_EQ(ExpandQueryVector(q2, {}, -1.0f).code(), Code::kInvalidArgument);
  EXPECT_EQ(ExpandQueryVector({}, {}, 1.0f).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kspace::search
