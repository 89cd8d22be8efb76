// ks_bm25, the kspace1 tokenizer and BuildMatchQuery against a real in-memory FTS5 table.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "search/fts_query.h"
#include "search/fts_rank.h"
#include "search/fts_tokenizer.h"

namespace kspace::search {
namespace {

class Fts : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    db_.reset(db);
    Status s = RegisterFtsFunctions(db_.get());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
    ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }

  void Create(const std::string& tokenize) {
    Exec("CREATE VIRTUAL TABLE t USING fts5(title, heading_path, text, tokenize = '" + tokenize + "')");
  }

  void Insert(int64_t rowid, const std::string& title, const std::string& text) {
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_.get(), "INSERT INTO t(rowid, title, heading_path, text) VALUES (?, ?, '', ?)", -1, &st, nullptr), SQLITE_OK);
    sqlite3_bind_int64(st, 1, rowid);
    sqlite3_bind_text(st, 2, title.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, text.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
  }

  // Runs `select_expr` ranked by ks_bm25 for MATCH `match`; returns (rowid, value) best first.
  // Returns the SQLite error code through *rc_out.
  std::vector<std::pair<int64_t, double>> Query(const std::string& match, const std::string& args = "",
                                                int* rc_out = nullptr) {
    std::vector<std::pair<int64_t, double>> out;
    std::string sql = "SELECT rowid, ks_bm25(t" + args + ") AS s FROM t WHERE t MATCH ?1 ORDER BY s, rowid";
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &st, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) out.push_back({sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1)});
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc_out) *rc_out = rc;
    else EXPECT_EQ(rc, SQLITE_OK) << match << ": " << sqlite3_errmsg(db_.get());
    return out;
  }

  std::vector<int64_t> Rows(const std::string& free_text, const std::string& args = "") {
    std::vector<int64_t> ids;
    std::string match = BuildMatchQuery(free_text);
    if (match.empty()) return ids;
    for (auto& [id, s] : Query(match, args)) ids.push_back(id);
    return ids;
  }

  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_{nullptr, sqlite3_close};
};

// Porter stemming through either tokenizer; ranking by rarity, length, title.
class FtsBothTokenizers : public Fts, public ::testing::WithParamInterface<const char*> {};

TEST_P(FtsBothTokenizers, RanksASmallCorpusAsExpected) {
  Create(GetParam());
  Insert(1, "Gardening", "Tomatoes need sun and water. Water them daily in summer.");
  Insert(2, "Cooking", "A tomato sauce with garlic, olive oil and basil.");
  Insert(3, "Zebrafish regeneration", "Zebrafish regenerate heart tissue after injury.");
  Insert(4, "Notes", "Water water water everywhere, and the heart of the matter is water.");
  Insert(5, "Heart", "Cardiology basics.");
  // Stemming: "tomatoes" finds "tomato".
  auto r = Rows("tomatoes");
  ASSERT_EQ(r.size(), 2u);
  // The rare word dominates the common one: "zebrafish" is in one row, "heart" in three.
  r = Rows("zebrafish heart");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0], 3);
  // A title match outranks a body match when titles are weighted up (BM25F).
  r = Rows("heart", ", 1.2, 0.75, 5, 1, 1");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0], 5);
  // Saturation: row 4 repeats "water" 4 times but does not get 4x the score of row 1.
  auto scored = Query("\"water\"");
  ASSERT_EQ(scored.size(), 2u);
  EXPECT_LT(-scored[0].second, 2.0 * -scored[1].second);
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, FtsBothTokenizers,
                         ::testing::Values("porter unicode61 remove_diacritics 2", "kspace1"));

TEST_F(Fts, Bm25fMatchesTheFormulaByHand) {
  Create("kspace1");
  Insert(1, "alpha", "alpha beta beta gamma");    // title 1 token, text 4
  Insert(2, "delta", "beta epsilon");             // title 1, text 2
  Insert(3, "zeta", "eta theta iota kappa lambda");  // title 1, text 5
  // N = 3; avg title 1, avg text 11/3. Query "alpha beta", k1 = 1.2, b = 0.75, weights 2, 1, 1.
  auto idf = [](double df) { return std::log(1.0 + (3.0 - df + 0.5) / (df + 0.5)); };
  const double k1 = 1.2, b = 0.75, avg_text = 11.0 / 3.0;
  auto sat = [&](double w) { return w * (k1 + 1) / (k1 + w); };
  const double text1 = 1.0 / (1 - b + b * 4 / avg_text), text2 = 1.0 / (1 - b + b * 2 / avg_text);
  // Row 1: alpha tf title 1 (weight 2, norm 1), text 1; beta text 2.
  const double want1 = idf(1) * sat(2 * 1 + 1 * text1) + idf(2) * sat(2 * text1);
  const double want2 = idf(2) * sat(1 * text2);
  auto got = Query("\"alpha\" OR \"beta\"", ", 1.2, 0.75, 2, 1, 1");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, 1);
  EXPECT_NEAR(-got[0].second, want1, 1e-9);
  EXPECT_NEAR(-got[1].second, want2, 1e-9);
  // A repeated query term counts once ("betas" stems to "beta").
  auto dup = Query("\"alpha\" OR \"beta\" OR \"betas\"", ", 1.2, 0.75, 2, 1, 1");
  ASSERT_EQ(dup.size(), 2u);
  EXPECT_NEAR(dup[0].second, got[0].second, 1e-12);
  // Defaults apply when no argument is given, and ORDER BY rank works with rank configured.
  EXPECT_EQ(Query("\"beta\"").size(), 2u);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_.get(), "SELECT rowid FROM t WHERE t MATCH '\"alpha\" OR \"beta\"' AND rank MATCH 'ks_bm25()' ORDER BY rank", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 1);
  sqlite3_finalize(st);
}

// The DDL and query of fts_schema.h, with a filter column after the weighted ones.
TEST_F(Fts, SchemaContractPersistentRankAndUnindexedColumns) {
  Exec("CREATE VIRTUAL TABLE chunk_fts USING fts5(title, heading_path, text, space_id UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')");
  Exec("INSERT INTO chunk_fts(chunk_fts, rank) VALUES ('rank', 'ks_bm25()')");
  Exec("INSERT INTO chunk_fts(rowid, title, heading_path, text, space_id) VALUES (1, 'Heart', '', 'Cardiology basics.', 7),"
       " (2, 'Notes', 'Body > Organs', 'The heart pumps blood; the heart has four chambers.', 7),"
       " (3, 'Other', '', 'Nothing relevant here about heart.', 8)");
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_.get(), "SELECT rowid, -rank, snippet(chunk_fts, 2, '<mark>', '</mark>', '…', 24) FROM chunk_fts"
                                          " WHERE chunk_fts MATCH ?1 AND space_id = 7 ORDER BY rank LIMIT 10", -1, &st, nullptr), SQLITE_OK);
  std::string match = BuildMatchQuery("hearts");
  sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<int64_t> rows;
  std::vector<double> scores;
  while (sqlite3_step(st) == SQLITE_ROW) {
    rows.push_back(sqlite3_column_int64(st, 0));
    scores.push_back(sqlite3_column_double(st, 1));
  }
  sqlite3_finalize(st);
  ASSERT_EQ(rows.size(), 2u);  // row 3 is in another space
  EXPECT_GT(scores[0], 0);
  EXPECT_GE(scores[0], scores[1]);
  // Row 1 has the word in its short title (weight 1.5); row 2 twice in a longer body.
  EXPECT_EQ(rows[0], 1);
}

TEST_F(Fts, InvalidArgumentsFailTheQuery) {
  Create("kspace1");
  Insert(1, "a", "word");
  for (const char* args : {", 'x'", ", -1", ", 1.2, 1.5", ", 1.2, 0.75, -2", ", NULL"}) {
    int rc = SQLITE_OK;
    Query("\"word\"", args, &rc);
    EXPECT_EQ(rc, SQLITE_ERROR) << args;
  }
}

TEST_F(Fts, Kspace1TokenizerHandlesCjkDiacriticsAndApostrophes) {
  Create("kspace1");
  Insert(1, "", "東京で寿司を食べた");
  Insert(2, "", "The café's crème brûlée");
  Insert(3, "", "Running runners ran");
  EXPECT_EQ(Rows("東京"), (std::vector<int64_t>{1}));  // a two-ideograph phrase inside a run
  EXPECT_EQ(Rows("寿司"), (std::vector<int64_t>{1}));
  EXPECT_EQ(Rows("京都"), (std::vector<int64_t>{}));  // not adjacent in that order
  EXPECT_EQ(Rows("cafe"), (std::vector<int64_t>{2}));
  EXPECT_EQ(Rows("CRÈME brulee"), (std::vector<int64_t>{2}));
  EXPECT_EQ(Rows("running"), (std::vector<int64_t>{3}));
  EXPECT_EQ(Rows("runs"), (std::vector<int64_t>{3}));
}

TEST_F(Fts, SnippetMarksMatchedTerms) {
  Create("kspace1");
  Insert(1, "Title", "Cells divide. Dividing cells need energy from mitochondria every day.");
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_.get(), "SELECT snippet(t, 2, '[', ']', '…', 8) FROM t WHERE t MATCH ?", -1, &st, nullptr), SQLITE_OK);
  std::string match = BuildMatchQuery("energies of dividing");
  sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  std::string snip = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  EXPECT_NE(snip.find("[energy]"), std::string::npos) << snip;
  EXPECT_NE(snip.find("[Dividing]"), std::string::npos) << snip;
}

TEST(MatchQuery, QuotesWordsDropsStopwordsAndRepeats) {
  EXPECT_EQ(BuildMatchQuery("The effect of Aspirin on the heart"), "\"effect\" OR \"aspirin\" OR \"heart\"");
  EXPECT_EQ(BuildMatchQuery("heart HEART Heart"), "\"heart\"");
  EXPECT_EQ(BuildMatchQuery("the of and"), "\"the\" OR \"of\" OR \"and\"");  // only stopwords: kept
  EXPECT_EQ(BuildMatchQuery(""), "");
  EXPECT_EQ(BuildMatchQuery("  --- ()*^: \" "), "");
  EXPECT_EQ(BuildMatchQuery("NEAR(a b) OR x AND NOT y"), "\"near\" OR \"b\" OR \"x\" OR \"y\"");
  EXPECT_EQ(BuildMatchQuery("title:cats* ^dogs"), "\"title\" OR \"cats\" OR \"dogs\"");
  MatchQueryOptions few;
  few.max_terms = 2;
  EXPECT_EQ(BuildMatchQuery("one two three", few), "\"one\" OR \"two\"");
}

TEST(MatchQuery, QuotedWordsAreAlsoAPhrase) {
  EXPECT_EQ(BuildMatchQuery("\"Borrow checker\" rules"), "\"borrow\" OR \"checker\" OR \"rules\" OR \"borrow checker\"");
  EXPECT_EQ(QuotedPhrases("a \"b-c d\" e \"f g\" \"b c d\"", MatchQueryOptions{}),
            (std::vector<std::string>{"b c d", "f g"}));  // repeats once; punctuation separates words
  // Curly quotes (U+201C, U+201D) pair too.
  EXPECT_EQ(QuotedPhrases("\xE2\x80\x9Cnon lexical\xE2\x80\x9D lifetimes", MatchQueryOptions{}),
            (std::vector<std::string>{"non lexical"}));
  // Curly quotes, single or double, separate words (they are not letters): the stopword inside
  // is dropped from the words and kept in the phrase.
  EXPECT_EQ(BuildMatchQuery("\xE2\x80\x9CThe heart\xE2\x80\x9D"), "\"heart\" OR \"the heart\"");
  EXPECT_EQ(QueryWords("don\xE2\x80\x99t \xE2\x80\x98stop\xE2\x80\x99"), (std::vector<std::string>{"don", "t", "stop"}));
  MatchQueryOptions typing_curly;
  typing_curly.prefix_last = true;
  EXPECT_EQ(PrefixWord("\xE2\x80\x9C" "borr", typing_curly), "borr");
  EXPECT_EQ(PrefixWord("borrow\xE2\x80\x9D", typing_curly), "");  // a closing quote finishes it
  // One word, an open quote (still typing), or the option off: no phrase.
  EXPECT_TRUE(QuotedPhrases("\"borrow\" checker", MatchQueryOptions{}).empty());
  EXPECT_TRUE(QuotedPhrases("\"borrow checker", MatchQueryOptions{}).empty());
  MatchQueryOptions off;
  off.quoted_phrases = false;
  EXPECT_EQ(BuildMatchQuery("\"borrow checker\"", off), "\"borrow\" OR \"checker\"");
  // With a prefix: words, then phrases, then the prefix.
  MatchQueryOptions typing;
  typing.prefix_last = true;
  EXPECT_EQ(BuildMatchQuery("\"borrow checker\" lifeti", typing),
            "\"borrow\" OR \"checker\" OR \"lifeti\" OR \"borrow checker\" OR \"lifeti\" *");
  // Bounded.
  std::string many;
  for (int i = 0; i < 20; ++i) many += "\"w" + std::to_string(i) + " x\" ";
  EXPECT_EQ(QuotedPhrases(many, MatchQueryOptions{}).size(), kMaxQuotedPhrases);
}

TEST_F(Fts, AQuotedPhraseRanksPassagesHoldingItInOrderFirst) {
  Create("porter unicode61 remove_diacritics 2");
  Insert(1, "", "The checker found the borrow was fine, and the rules held.");
  Insert(2, "", "Borrowing: the borrow checker enforces these rules today.");
  Insert(3, "", "Rules of the checker: borrow nothing, return everything.");
  EXPECT_EQ(Rows("\"borrow checker\"").front(), 2);
  EXPECT_EQ(Rows("\"borrow checker\"").size(), 3u);  // the words alone still match
}

TEST(MatchQuery, PrefixLastMatchesAnUnfinishedWordAsAPrefix) {
  MatchQueryOptions typing;
  typing.prefix_last = true;
  EXPECT_EQ(BuildMatchQuery("borrow Chec", typing), "\"borrow\" OR \"chec\" OR \"chec\" *");
  EXPECT_EQ(PrefixWord("borrow Chec", typing), "chec");
  // A space (or any separator) after the word: it is finished.
  EXPECT_EQ(BuildMatchQuery("borrow chec ", typing), "\"borrow\" OR \"chec\"");
  EXPECT_EQ(BuildMatchQuery("chec?", typing), "\"chec\"");
  // Too short, or a stopword: no prefix (it would match most of the index).
  EXPECT_EQ(BuildMatchQuery("heart bo", typing), "\"heart\" OR \"bo\"");
  EXPECT_EQ(BuildMatchQuery("heart the", typing), "\"heart\"");
  EXPECT_EQ(PrefixWord("heart the", typing), "");
  // A word already in the query keeps its place; the prefix phrase comes last.
  EXPECT_EQ(BuildMatchQuery("cells cell", typing), "\"cells\" OR \"cell\" OR \"cell\" *");
  // Off by default.
  EXPECT_EQ(BuildMatchQuery("borrow chec"), "\"borrow\" OR \"chec\"");
  EXPECT_EQ(PrefixWord("borrow chec", MatchQueryOptions{}), "");
}

TEST_F(Fts, PrefixPhraseFindsWordsStartingWithTheStemAndMarksThem) {
  Create("porter unicode61 remove_diacritics 2");
  Insert(1, "Borrowing", "The borrow checker rejects this program.");
  Insert(2, "Other", "Nothing about that here.");
  MatchQueryOptions typing;
  typing.prefix_last = true;
  const std::string match = BuildMatchQuery("borr", typing);
  EXPECT_EQ(Rows("borr"), (std::vector<int64_t>{}));  // a whole-word query finds nothing
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_.get(), "SELECT rowid, snippet(t, 2, '[', ']', '…', 8) FROM t WHERE t MATCH ? ORDER BY rank",
                               -1, &st, nullptr), SQLITE_OK);
  sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 1);
  const std::string snip = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  EXPECT_NE(snip.find("[borrow]"), std::string::npos) << snip;
}

// Any user string: BuildMatchQuery either returns "" or a MATCH expression FTS5 accepts.
TEST_F(Fts, AnyUserStringIsSafe) {
  Create("kspace1");
  Insert(1, "Title", "some text with words and NEAR and OR and AND and NOT");
  Exec("CREATE VIRTUAL TABLE p USING fts5(title, heading_path, text, tokenize = 'porter unicode61 remove_diacritics 2')");
  Exec("INSERT INTO p SELECT title, heading_path, text FROM t");
  std::vector<std::string> cases = {
      "\"", "\"\"", "\"unterminated", "a\"b", "(", ")", "(a OR", "a)", "*", "a*", "*a", "^", "^a",
      "a:b", "title:x", "{title text}: x", "-x", "+x", "NEAR", "NEAR(a b, 3)", "NEAR/3", "AND",
      "OR", "NOT", "a AND", "OR b", "NOT NOT", "a NOT b", ":", "::", ",", ".", "'", "''", "\\",
      "\t\n\r", "\x01\x02\x7f", "\xff\xfe", "\xe2\x80\x94", "\xe2\x80\x94 word", "\xc3", "naïve",
      "東京", "🙂", "a\0b", "x OR OR y", "col:", "{a b}", "[a]", "%", "_", "$", "@#!&|~`=<>?/"};
  for (int b = 1; b < 256; ++b) {  // every byte value, alone and between words
    const std::string c(1, static_cast<char>(b));
    cases.push_back(c);
    cases.push_back("word" + c + "text" + c + c);
  }
  std::mt19937 rng(42);
  const std::string alphabet = "aZ0 \"'()*^:-+{}[],.\\/\t\n\xc3\xa9\xe6\x9d\xb1\xff NEAR OR AND NOT";
  for (int i = 0; i < 1500; ++i) {
    std::string s;
    int len = static_cast<int>(rng() % 24);
    for (int j = 0; j < len; ++j) s += alphabet[rng() % alphabet.size()];
    cases.push_back(s);
  }
  for (const std::string& c : cases) {
    std::string match = BuildMatchQuery(c);
    if (match.empty()) continue;
    for (const char* table : {"t", "p"}) {
      std::string sql = std::string("SELECT rowid, ks_bm25(") + table + ") FROM " + table + " WHERE " + table + " MATCH ?";
      sqlite3_stmt* st = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &st, nullptr), SQLITE_OK);
      sqlite3_bind_text(st, 1, match.c_str(), static_cast<int>(match.size()), SQLITE_TRANSIENT);
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      }
      EXPECT_EQ(rc, SQLITE_DONE) << "input [" << c << "] match [" << match << "]: " << sqlite3_errmsg(db_.get());
      sqlite3_finalize(st);
    }
  }
}


// PruneCommonWords: whenever the pruned query's top `depth` is kept (full and above the bound), it
// is exactly the full query's top `depth`, scores included.
TEST_F(Fts, PrunedQueriesKeepTheFullQuerysTopHits) {
  Create("porter unicode61 remove_diacritics 2");
  std::mt19937 rng(7);
  auto word = [](int i) { return "w" + std::to_string(i); };
  Exec("BEGIN");
  for (int r = 1; r <= 3000; ++r) {
    std::string text;
    const int len = 20 + static_cast<int>(rng() % 60);
    for (int w = 0; w < len; ++w) {
      // Zipf-like: a few words are everywhere, most are rare.
      const double u = std::uniform_real_distribution<double>(0, 1)(rng);
      text += word(static_cast<int>(std::pow(400.0, u)) - 1) + " ";
    }
    if (rng() % 2 == 0) text += "common ";
    Insert(r, "note " + std::to_string(r), text);
  }
  Exec("COMMIT");
  const int64_t depth = 20;
  int kept = 0;
  for (int q = 0; q < 200; ++q) {
    std::vector<std::string> words = {word(40 + static_cast<int>(rng() % 300)), word(40 + static_cast<int>(rng() % 300)),
                                      q % 2 ? "common" : word(static_cast<int>(rng() % 3))};
    const std::string text = words[0] + " " + words[1] + " " + words[2];
    words = QueryWords(text);
    const std::string match = BuildMatchQuery(text);
    auto df_row = Query(match, "");  // any row; the df come from ks_df below
    if (df_row.empty()) continue;
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_.get(), "SELECT ks_df(t) FROM t WHERE t MATCH ?1 LIMIT 1", -1, &st, nullptr), SQLITE_OK);
    sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    std::string value = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    auto f = ParseDocFrequencies(value, words.size());
    ASSERT_TRUE(f.ok());
    auto pruned = PruneCommonWords(words, f->df, f->rows, kDefaultBm25.k1);
    if (!pruned) continue;
    auto part = Query(pruned->match);
    if (static_cast<int64_t>(part.size()) < depth || -part[depth - 1].second <= pruned->bound) continue;
    ++kept;
    auto full = Query(match);
    ASSERT_GE(full.size(), part.size());
    for (int64_t i = 0; i < depth; ++i) {
      EXPECT_EQ(part[i].first, full[i].first) << text << " rank " << i;
      EXPECT_DOUBLE_EQ(part[i].second, full[i].second) << text << " rank " << i;
    }
  }
  EXPECT_GT(kept, 20);  // the pruned query was used, not only the fallback
}

TEST(PruneCommonWords, OnlyWhenAWordDominatesTheWork) {
  EXPECT_FALSE(PruneCommonWords({"a"}, std::vector<double>{500}, 1000, 0.9));
  EXPECT_FALSE(PruneCommonWords({"a", "b"}, std::vector<double>{10, 30}, 100000, 0.9));  // both cheap
  auto p = PruneCommonWords({"often", "rare"}, std::vector<double>{30000, 100}, 100000, 0.9);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->match, "\"rare\" OR ((\"often\") AND (\"rare\"))");
  EXPECT_NEAR(p->bound, std::log(1.0 + (100000 - 30000 + 0.5) / 30000.5) * 1.9, 1e-12);
  EXPECT_DOUBLE_EQ(Bm25Idf(100000, 30000), std::log(1.0 + (100000 - 30000 + 0.5) / 30000.5));
  EXPECT_FALSE(ParseDocFrequencies("10 3", 2).ok());  // one frequency short
  EXPECT_FALSE(PruneCommonWords({"a", "b"}, std::vector<double>{1}, 10, 0.9));  // sizes differ
}

}  // namespace
}  // namespace kspace::search
