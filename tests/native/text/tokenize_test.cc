#include <gtest/gtest.h>

#include "text/tokenize.h"

namespace kspace::text {
namespace {

std::vector<std::string> Sentences(std::string_view text) {
  std::vector<std::string> out;
  for (const Span& s : SplitSentences(text)) {
    std::string t(text.substr(s.begin, s.size()));
    while (!t.empty() && (t.back() == ' ' || t.back() == '\n')) t.pop_back();
    out.push_back(t);
  }
  return out;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  WordIterator it(text);
  while (it.Next()) out.emplace_back(it.word());
  return out;
}

TEST(CountTokens, FollowsTheDocumentedRule) {
  EXPECT_EQ(CountTokens(""), 0);
  EXPECT_EQ(CountTokens("The quick brown fox jumps over the lazy dog."), 10);
  EXPECT_EQ(CountTokens("hello"), 1);
  EXPECT_EQ(CountTokens("borrowChecker"), 2);           // camelCase humps
  EXPECT_EQ(CountTokens("HTTPServer"), 2);              // HTTP + Server
  EXPECT_EQ(CountTokens("1234567"), 3);                 // digits in threes
  EXPECT_EQ(CountTokens("```"), 1);
  EXPECT_EQ(CountTokens("a\n\n\nb"), 3);                // one whitespace token
  EXPECT_EQ(CountTokens("\xE4\xB8\xAD\xE6\x96\x87"), 2);  // 中文: one per ideograph
  EXPECT_EQ(CountTokens("internationalization"), 4);    // long words cost more
  // Additivity at whitespace cuts (the chunker relies on it): parts never undercount.
  const std::string a = "Some words here.", b = "And more words.";
  EXPECT_LE(CountTokens(a + " " + b), CountTokens(a + " ") + CountTokens(b));
}

TEST(Sentences, SplitsOnTerminatorsButNotAbbreviationsOrDecimals) {
  EXPECT_EQ(Sentences("Hello world. This is a test! Is it? Yes."),
            (std::vector<std::string>{"Hello world.", "This is a test!", "Is it?", "Yes."}));
  EXPECT_EQ(Sentences("Use e.g. Rust or i.e. the compiler. Dr. Smith agreed."),
            (std::vector<std::string>{"Use e.g. Rust or i.e. the compiler.", "Dr. Smith agreed."}));
  EXPECT_EQ(Sentences("The U.S. Army uses it. Pi is 3.14 roughly. Version 1.2.3 shipped."),
            (std::vector<std::string>{"The U.S. Army uses it.", "Pi is 3.14 roughly.",
                                      "Version 1.2.3 shipped."}));
  EXPECT_EQ(Sentences("He said \"Stop.\" Then he left. (It was late.) Next one."),
            (std::vector<std::string>{"He said \"Stop.\"", "Then he left.", "(It was late.)",
                                      "Next one."}));
  EXPECT_EQ(Sentences("Wait... What happened? J. R. R. Tolkien wrote it. See Fig. 3 below."),
            (std::vector<std::string>{"Wait...", "What happened?",
                                      "J. R. R. Tolkien wrote it.", "See Fig. 3 below."}));
  EXPECT_EQ(Sentences("lower case after period. continues here"),
            (std::vector<std::string>{"lower case after period. continues here"}));
  EXPECT_EQ(Sentences("First paragraph without stop\n\nSecond paragraph"),
            (std::vector<std::string>{"First paragraph without stop", "Second paragraph"}));
  EXPECT_EQ(Sentences("\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82\xE4\xB8\x96\xE7\x95\x8C"),  // 你好。世界
            (std::vector<std::string>{"\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82",
                                      "\xE4\xB8\x96\xE7\x95\x8C"}));
}

TEST(Sentences, SpansPartitionTheText) {
  const std::string text = "  A. B! C? d. E...  F\n\nG";
  uint32_t pos = 0;
  for (const Span& s : SplitSentences(text)) {
    EXPECT_EQ(s.begin, pos);
    EXPECT_GT(s.end, s.begin);
    pos = s.end;
  }
  EXPECT_EQ(pos, text.size());
}

TEST(Words, LowerCasesFoldsAndSplits) {
  EXPECT_EQ(Words("Hello, World! don't stop-me now_please"),
            (std::vector<std::string>{"hello", "world", "don't", "stop", "me", "now", "please"}));
  EXPECT_EQ(Words("Caf\xC3\xA9 Stra\xC3\x9F" "e \xC5\x81\xC3\xB3" "d\xC5\xBA \xC3\x86sir"),
            (std::vector<std::string>{"cafe", "strasse", "lodz", "aesir"}));
  EXPECT_EQ(Words("Vi\xE1\xBB\x87t Nam"), (std::vector<std::string>{"viet", "nam"}));  // ệ
  EXPECT_EQ(Words("e\xCC\x81t\xC3\xA9"), (std::vector<std::string>{"ete"}));  // decomposed é
  EXPECT_EQ(Words("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"),      // Привет
            (std::vector<std::string>{"\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"}));
  EXPECT_EQ(Words("\xE4\xB8\xAD\xE6\x96\x87" "abc"),  // 中文abc
            (std::vector<std::string>{"\xE4\xB8\xAD", "\xE6\x96\x87", "abc"}));
  EXPECT_EQ(Words("users' rock\xE2\x80\x99n roll 3.14"),
            (std::vector<std::string>{"users", "rock'n", "roll", "3", "14"}));
  EXPECT_EQ(FoldWord("\xC3\x9C" "BER"), "uber");
  WordIterator it("  ab cd");
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.begin(), 2u);
  EXPECT_EQ(it.end(), 4u);
}

}  // namespace
}  // namespace kspace::text
