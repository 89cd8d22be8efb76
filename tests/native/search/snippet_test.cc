// MakeSnippet: which words it marks (checked against FTS5's own highlight() on the same text and
// query), which window it shows, and its guards.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "search/fts_query.h"
#include "search/snippet.h"
#include "store/fts_replay.h"

namespace kspace::search {
namespace {

class Snippet : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = store::FtsTokenizer::Open();
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tok_ = std::move(*t);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    db_.reset(db);
    ASSERT_EQ(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2')",
                           nullptr, nullptr, nullptr), SQLITE_OK);
  }

  std::vector<SnippetToken> Tokens(std::string_view text) {
    std::vector<store::FtsTokenizer::Span> spans;
    EXPECT_TRUE(tok_->TokenizeSpans(text, false, &spans));
    std::vector<SnippetToken> out;
    for (auto& s : spans) out.push_back(SnippetToken{s.form, s.begin, s.end});
    return out;
  }

  // The terms the engine makes of a query (api/search.cc): its words, and its prefix word.
  std::vector<SnippetTerm> Terms(std::string_view query, bool prefix) {
    MatchQueryOptions o;
    o.prefix_last = prefix;
    std::vector<SnippetTerm> out;
    auto add = [&](const std::string& w, bool p) {
      std::vector<store::FtsTokenizer::Span> spans;
      EXPECT_TRUE(tok_->TokenizeSpans(w, true, &spans));
      SnippetTerm t;
      t.prefix = p;
      for (auto& s : spans) t.tokens.push_back(s.form);
      if (!t.tokens.empty()) out.push_back(t);
    };
    for (const std::string& w : QueryWords(query, o)) add(w, false);
    for (const std::string& phrase : QuotedPhrases(query, o)) add(phrase, false);
    if (std::string p = PrefixWord(query, o); !p.empty()) add(p, true);
    return out;
  }

  std::string Make(std::string_view text, std::string_view query, bool prefix = false, size_t max_tokens = 24) {
    SnippetOptions o;
    o.max_tokens = max_tokens;
    return MakeSnippet(text, Tokens(text), Terms(query, prefix), o);
  }

  // FTS5's highlight() of `text` for the MATCH the engine builds from `query`.
  std::string Highlight(const std::string& text, std::string_view query, bool prefix) {
    MatchQueryOptions o;
    o.prefix_last = prefix;
    const std::string match = BuildMatchQuery(query, o);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_exec(db_.get(), "DELETE FROM t", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_prepare_v2(db_.get(), "INSERT INTO t(rowid, text) VALUES (1, ?)", -1, &st, nullptr), SQLITE_OK);
    sqlite3_bind_text(st, 1, text.c_str(), -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    EXPECT_EQ(sqlite3_prepare_v2(db_.get(), "SELECT highlight(t, 0, '<mark>', '</mark>') FROM t WHERE t MATCH ?", -1, &st, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  }

  std::unique_ptr<store::FtsTokenizer> tok_;
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_{nullptr, sqlite3_close};
};

// With a window as large as the text, a snippet is the whole text marked: exactly FTS5's
// highlight() for the same query, so the words marked are the words FTS5 matched.
TEST_F(Snippet, MarksExactlyTheWordsFts5Matches) {
  const std::vector<std::string> texts = {
      "Cells divide. Dividing cells need energy from mitochondria every day.",
      "The borrow checker rejects this program: borrowing `x` twice; borrowed, borrows, BORROW.",
      "Crème brûlée and naïve café-au-lait; NAIVE cafe. Running runners ran (run-time).",
      "## Heading\n\n- item one\n- item two: heart, hearts, hearted.\n\n```rust\nfn main() {}\n```",
      "Numbers 42, 4.2 and 42nd; IL-6 and il6; x86_64 targets; émigré, Émigrés.",
  };
  const std::vector<std::pair<std::string, bool>> queries = {
      {"dividing cells energy", false}, {"borrow", false}, {"borr", true}, {"borrow che", true},
      {"naive cafe", false}, {"crème brulee", false}, {"run", false}, {"runn", true},
      {"heart item", false}, {"hear", true}, {"il 6 42", false}, {"emigre", false}, {"the of", false},
      {"main fn rust", false}, {"x86", true}, {"\"borrow checker\" rejects", false}, {"\"dividing cells\"", false},
      {"\"item two\" heart", false}, {"\"naive cafe\" run", true},
  };
  int compared = 0;
  for (const std::string& text : texts) {
    for (const auto& [q, prefix] : queries) {
      const std::string want = Highlight(text, q, prefix);
      if (want.empty()) {
        EXPECT_EQ(Make(text, q, prefix, 100000), "") << text << " / " << q;
        continue;
      }
      EXPECT_EQ(Make(text, q, prefix, 100000), want) << text << " / " << q;
      ++compared;
    }
  }
  EXPECT_GE(compared, 18);
}

TEST_F(Snippet, ShowsTheWindowWithTheMostDistinctTermsAndCutsWithEllipses) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "filler word number " + std::to_string(i) + " here. ";
  const std::string mid = "The heart pumps blood and the heart beats. ";
  const std::string best = "A heart attack blocks blood flow to the heart muscle. ";
  text = text + mid + text + best + text;
  const std::string s = Make(text, "heart attack");
  EXPECT_EQ(s.rfind("…", 0), 0u) << s;                               // cut before
  EXPECT_EQ(s.size() >= 3 && s.substr(s.size() - 3) == "…", true) << s;  // and after
  EXPECT_NE(s.find("<mark>attack</mark>"), std::string::npos) << s;     // both terms, not just "heart" twice
  EXPECT_NE(s.find("<mark>heart</mark>"), std::string::npos) << s;
  // At most 24 tokens shown.
  std::string shown = s;
  for (const char* tag : {"<mark>", "</mark>", "…"}) {
    for (size_t at; (at = shown.find(tag)) != std::string::npos;) shown.erase(at, std::string(tag).size());
  }
  EXPECT_LE(Tokens(shown).size(), 24u) << s;
  // It starts at the sentence that holds the match.
  EXPECT_EQ(s.find("…A <mark>heart</mark> <mark>attack</mark>"), 0u) << s;
}

TEST_F(Snippet, AMatchNearTheStartOrEndIsShownWithoutTheEllipsisOnThatSide) {
  std::string tail;
  for (int i = 0; i < 40; ++i) tail += " more words " + std::to_string(i);
  const std::string start = Make("# Telescopes\n\nMirrors gather light." + tail, "telescopes");
  EXPECT_EQ(start.rfind("# <mark>Telescopes</mark>", 0), 0u) << start;
  EXPECT_EQ(start.substr(start.size() - 3), "…") << start;
  const std::string end = Make(tail.substr(1) + ". Lenses bend light.", "lenses");
  EXPECT_EQ(end.rfind("…", 0), 0u) << end;
  const std::string tail_end = "<mark>Lenses</mark> bend light.";
  EXPECT_EQ(end.substr(end.size() - tail_end.size()), tail_end) << end;
}

TEST_F(Snippet, PhrasesOfSeveralTokensAndOverlapsAreMarkedAsOneRun) {
  const std::string text = "New York is big; york new.";
  std::vector<SnippetToken> tokens = Tokens(text);
  std::vector<SnippetTerm> terms = {SnippetTerm{{"new", "york"}, false}, SnippetTerm{{"york"}, false}};
  EXPECT_EQ(MakeSnippet(text, tokens, terms), "<mark>New York</mark> is big; <mark>york</mark> new.");
  terms = {SnippetTerm{{"big"}, false}, SnippetTerm{{"bi"}, true}};  // the same token twice
  EXPECT_EQ(MakeSnippet(text, tokens, terms), "New York is <mark>big</mark>; york new.");
}

TEST_F(Snippet, NothingToShowOrTokensThatAreNotTheTexts) {
  const std::string text = "Soil texture and structure.";
  EXPECT_EQ(Make(text, "telescope"), "");
  EXPECT_EQ(MakeSnippet(text, Tokens(text), {}), "");
  std::vector<SnippetToken> bad = Tokens(text);
  bad.back().end = static_cast<uint32_t>(text.size() + 5);
  EXPECT_EQ(MakeSnippet(text, bad, Terms("soil", false)), "");
  std::vector<SnippetToken> unordered = Tokens(text);
  std::swap(unordered[0], unordered[1]);
  EXPECT_EQ(MakeSnippet(text, unordered, Terms("soil", false)), "");
  EXPECT_EQ(MakeSnippet("", {}, Terms("soil", false)), "");
}

}  // namespace
}  // namespace kspace::search
