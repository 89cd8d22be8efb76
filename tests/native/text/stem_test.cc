#include <gtest/gtest.h>

#include "text/stem.h"

namespace kspace::text {
namespace {

// Pairs from the sample vocabulary and the step descriptions of the Porter2 (Snowball English)
// algorithm description.
TEST(Stem, Porter2KnownPairs) {
  const std::pair<const char*, const char*> kPairs[] = {
      {"consign", "consign"},         {"consigned", "consign"},     {"consigning", "consign"},
      {"consignment", "consign"},     {"consist", "consist"},       {"consisted", "consist"},
      {"consistency", "consist"},     {"consistent", "consist"},    {"consistently", "consist"},
      {"consisting", "consist"},      {"consists", "consist"},      {"consolation", "consol"},
      {"consolations", "consol"},     {"consolatory", "consolatori"}, {"console", "consol"},
      {"consoled", "consol"},         {"consoles", "consol"},       {"consolidate", "consolid"},
      {"consolidated", "consolid"},   {"consolidating", "consolid"}, {"consoling", "consol"},
      {"consolingly", "consol"},      {"consols", "consol"},        {"consonant", "conson"},
      {"consort", "consort"},         {"consorted", "consort"},     {"consorting", "consort"},
      {"conspicuous", "conspicu"},    {"conspicuously", "conspicu"}, {"conspiracy", "conspiraci"},
      {"conspirator", "conspir"},     {"conspirators", "conspir"},  {"conspire", "conspir"},
      {"conspired", "conspir"},       {"conspiring", "conspir"},    {"constable", "constabl"},
      {"constables", "constabl"},     {"constance", "constanc"},    {"constancy", "constanc"},
      {"constant", "constant"},       {"knack", "knack"},           {"knackeries", "knackeri"},
      {"knacks", "knack"},            {"knag", "knag"},             {"knave", "knave"},
      {"knaves", "knave"},            {"knavish", "knavish"},       {"kneaded", "knead"},
      {"kneading", "knead"},          {"knee", "knee"},             {"kneel", "kneel"},
      {"kneeled", "kneel"},           {"kneeling", "kneel"},        {"kneels", "kneel"},
      {"knees", "knee"},              {"knell", "knell"},           {"knelt", "knelt"},
      {"knew", "knew"},               {"knick", "knick"},           {"knif", "knif"},
      {"knife", "knife"},             {"knight", "knight"},         {"knightly", "knight"},
      {"knights", "knight"},          {"knit", "knit"},             {"knits", "knit"},
      {"knitted", "knit"},            {"knitting", "knit"},         {"knives", "knive"},
      {"knob", "knob"},               {"knobs", "knob"},            {"knock", "knock"},
      {"knocked", "knock"},           {"knocker", "knocker"},       {"knockers", "knocker"},
      {"knocking", "knock"},          {"knocks", "knock"},          {"knopp", "knopp"},
      {"knot", "knot"},               {"knots", "knot"},
      // Step 1a examples from the description.
      {"ties", "tie"},                {"cries", "cri"},             {"gas", "gas"},
      {"this", "this"},               {"gaps", "gap"},              {"kiwis", "kiwi"},
      {"caresses", "caress"},         {"ponies", "poni"},
      // Exceptional forms and invariants.
      {"skies", "sky"},               {"dying", "die"},             {"lying", "lie"},
      {"tying", "tie"},               {"idly", "idl"},              {"gently", "gentl"},
      {"ugly", "ugli"},               {"early", "earli"},           {"only", "onli"},
      {"singly", "singl"},            {"news", "news"},             {"atlas", "atlas"},
      {"cosmos", "cosmos"},           {"bias", "bias"},             {"andes", "andes"},
      {"inning", "inning"},           {"outing", "outing"},         {"canning", "canning"},
      {"proceed", "proceed"},         {"exceed", "exceed"},         {"succeed", "succeed"},
      // R1 exceptions: gener, commun, arsen.
      {"generate", "generat"},        {"generous", "generous"},     {"communism", "communism"},
      {"communication", "communic"},  {"arsenal", "arsenal"},
      // y handling, apostrophes, Step 1b/1c and short words.
      {"cry", "cri"},                 {"by", "by"},                 {"say", "say"},
      {"hoping", "hope"},             {"hopping", "hop"},           {"agreed", "agre"},
      {"feed", "feed"},               {"luxuriating", "luxuri"},    {"running", "run"},
      {"runs", "run"},                {"rust's", "rust"},           {"children's", "children"},
      {"lifetimes", "lifetim"},       {"borrowing", "borrow"},      {"checker", "checker"},
      {"relational", "relat"},        {"traditional", "tradit"},    {"happiness", "happi"},
      {"hopefulness", "hope"},        {"generalization", "general"}, {"effective", "effect"},
  };
  for (const auto& [word, stem] : kPairs) EXPECT_EQ(StemEnglish(word), stem) << word;
}

TEST(Stem, LeavesNonWordsAlone) {
  EXPECT_EQ(StemEnglish(""), "");
  EXPECT_EQ(StemEnglish("is"), "is");
  EXPECT_EQ(StemEnglish("utf8"), "utf8");
  EXPECT_EQ(StemEnglish("\xD0\xBF\xD1\x80\xD0\xB8"), "\xD0\xBF\xD1\x80\xD0\xB8");
}

TEST(Stopwords, SmallEnglishList) {
  for (const char* w : {"the", "and", "of", "don't", "themselves", "is", "a"}) {
    EXPECT_TRUE(IsStopword(w)) << w;
  }
  for (const char* w : {"borrow", "lifetime", "rust", "the2", ""}) EXPECT_FALSE(IsStopword(w)) << w;
}

}  // namespace
}  // namespace kspace::text
