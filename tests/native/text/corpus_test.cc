// The Rust RFC corpus (648 real Markdown documents) through the whole pipeline: invariants for
// every chunk under several option sets, throughput (printed, not asserted), keyphrases and
// summaries that make sense; and bad input.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unordered_map>

#include "invariants.h"
#include "text/document.h"
#include "text/keywords.h"
#include "text/normalize.h"
#include "text/stem.h"
#include "text/tokenize.h"

namespace kspace::text {
namespace {

namespace fs = std::filesystem;

const fs::path kRfcDir = fs::path(KSPACE_SOURCE_DIR) / ".." / "shared" / "data" / "rust-rfcs" / "text";

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Corpus {
  std::vector<std::pair<std::string, std::string>> docs;  // name, bytes
  size_t bytes = 0;
};

const Corpus& Rfcs() {
  static const Corpus corpus = [] {
    Corpus c;
    if (!fs::exists(kRfcDir)) return c;
    for (const auto& e : fs::recursive_directory_iterator(kRfcDir)) {
      if (!e.is_regular_file() || e.path().extension() != ".md") continue;
      c.docs.emplace_back(e.path().filename().string(), ReadFile(e.path()));
      c.bytes += c.docs.back().second.size();
    }
    std::sort(c.docs.begin(), c.docs.end());
    return c;
  }();
  return corpus;
}

// Document frequencies over the corpus, for keyphrase tests.
class MapDf : public DfSource {
 public:
  void AddDocument(const std::vector<std::string>& terms) {
    for (const auto& t : terms) ++df_[t];
    ++n_;
  }
  int Df(std::string_view term) const override {
    auto it = df_.find(std::string(term));
    return it == df_.end() ? 0 : it->second;
  }
  int DocCount() const override { return n_; }

 private:
  std::unordered_map<std::string, int> df_;
  int n_ = 0;
};

TEST(RfcCorpus, EveryChunkRespectsTheInvariantsUnderSeveralBudgets) {
  const Corpus& c = Rfcs();
  if (c.docs.empty()) GTEST_SKIP() << "no corpus at " << kRfcDir;
  EXPECT_GE(c.docs.size(), 640u);
  std::vector<ChunkOptions> option_sets(4);
  option_sets[1].max_tokens = 128;
  option_sets[1].overlap_tokens = 16;
  option_sets[2].max_tokens = 512;
  option_sets[2].overlap_tokens = 0;
  option_sets[2].context = ChunkContext::kNone;
  option_sets[3].max_tokens = 32;
  option_sets[3].overlap_tokens = 8;
  option_sets[3].merge_below_tokens = 0;
  for (const ChunkOptions& opts : option_sets) {
    size_t chunks = 0, over_half = 0;
    for (const auto& [name, bytes] : c.docs) {
      Result<Document> r = ParseDocument(bytes, Format::kMarkdown, opts);
      ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
      const std::string err = testing::CheckDocument(*r, opts);
      ASSERT_EQ(err, "") << name << " max_tokens=" << opts.max_tokens;
      ASSERT_FALSE(r->chunks.empty()) << name;
      chunks += r->chunks.size();
      for (const Chunk& ch : r->chunks) over_half += ch.token_count * 2 > opts.max_tokens;
    }
    // Chunks should use the budget, not be fragments.
    std::printf("[ RFCs    ] max_tokens=%d: %zu chunks, %.0f%% above half the budget\n",
                opts.max_tokens, chunks, 100.0 * over_half / chunks);
    // With budgets up to a typical section's size, sections fill their chunks.
    if (opts.max_tokens <= 300) {
      EXPECT_GT(over_half * 2, chunks) << "most chunks should be more than half full";
    }
  }
}

TEST(RfcCorpus, ThroughputIsPrinted) {
  const Corpus& c = Rfcs();
  if (c.docs.empty()) GTEST_SKIP();
  const ChunkOptions opts;
  // Wall time and process CPU time (the machine is shared; CPU time is the steadier number).
  size_t chunks = 0;
  double best = 1e9, best_cpu = 1e9;
  for (int round = 0; round < 3; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    for (const auto& [name, bytes] : c.docs) {
      Result<Document> r = ParseDocument(bytes, Format::kMarkdown, opts);
      chunks += r.ok() ? r->chunks.size() : 0;
    }
    best_cpu = std::min(best_cpu, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::printf("[ RFCs    ] ParseDocument: %zu docs, %.2f MB in %.1f ms = %.1f MB/s wall, %.1f MB/s CPU "
              "(%zu chunks)\n",
              c.docs.size(), c.bytes / 1e6, best * 1e3, c.bytes / 1e6 / best, c.bytes / 1e6 / best_cpu,
              chunks / 3);
  auto t0 = std::chrono::steady_clock::now();
  size_t phrases = 0, summary_chars = 0;
  for (const auto& [name, bytes] : c.docs) {
    Result<Document> r = ParseDocument(bytes, Format::kMarkdown, opts);
    phrases += ExtractKeyphrases(*r, nullptr).size();
    summary_chars += Summarize(*r).size();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ RFCs    ] parse + keyphrases + summary: %.1f MB/s (%zu phrases, %zu summary chars)\n",
              c.bytes / 1e6 / secs, phrases, summary_chars);
}

TEST(RfcCorpus, KeyphrasesOfTheNllRfcAreAboutBorrowsAndLifetimes) {
  const Corpus& c = Rfcs();
  if (c.docs.empty()) GTEST_SKIP();
  MapDf df;
  std::unordered_map<std::string, Document> parsed;
  for (const auto& [name, bytes] : c.docs) {
    Result<Document> r = ParseDocument(bytes, Format::kMarkdown, {});
    ASSERT_TRUE(r.ok());
    df.AddDocument(DistinctTerms(*r));
    if (name == "2094-nll.md" || name == "0002-rfc-process.md" || name == "1066-safe-mem-forget.md") {
      parsed.emplace(name, std::move(r).value());
    }
  }
  ASSERT_EQ(parsed.count("2094-nll.md"), 1u);
  auto joined = [](const std::vector<Keyphrase>& ks) {
    std::string s;
    for (const auto& k : ks) s += k.text + "; ";
    return s;
  };
  for (const DfSource* source : {static_cast<const DfSource*>(&df), static_cast<const DfSource*>(nullptr)}) {
    const std::vector<Keyphrase> ks = ExtractKeyphrases(parsed["2094-nll.md"], source);
    ASSERT_EQ(ks.size(), 10u);
    std::printf("[ NLL     ] %s: %s\n", source ? "with corpus df" : "no df", joined(ks).c_str());
    int hits = 0;
    for (const auto& k : ks) {
      const std::string t = FoldWord(k.text);
      hits += t.find("borrow") != std::string::npos || t.find("lifetime") != std::string::npos ||
              t.find("region") != std::string::npos || t.find("liveness") != std::string::npos ||
              t.find("control flow") != std::string::npos || t.find("control-flow") != std::string::npos;
      EXPECT_EQ(t.find("http"), std::string::npos) << k.text;
      EXPECT_FALSE(IsStopword(t)) << k.text;
    }
    EXPECT_GE(hits, 3) << joined(ks);
  }
  // With corpus statistics, words every RFC uses do not dominate.
  for (const auto& k : ExtractKeyphrases(parsed["2094-nll.md"], &df)) {
    EXPECT_NE(k.key, "rfc");
    EXPECT_NE(k.key, "rust");
  }
  const std::vector<Keyphrase> forget = ExtractKeyphrases(parsed["1066-safe-mem-forget.md"], &df);
  std::printf("[ forget  ] %s\n", joined(forget).c_str());
  bool mentions = false;
  for (const auto& k : forget) mentions |= k.key.find("forget") != std::string::npos;
  EXPECT_TRUE(mentions);

  const std::string summary = Summarize(parsed["2094-nll.md"], {}, &df);
  std::printf("[ NLL     ] summary: %s\n", summary.c_str());
  EXPECT_LE(summary.size(), 400u);
  EXPECT_NE(summary.find("non-lexical lifetimes"), std::string::npos);
  EXPECT_EQ(summary.find("]("), std::string::npos);  // inline Markdown stripped
  const std::vector<std::string> terms = DistinctTerms(parsed["2094-nll.md"]);
  EXPECT_TRUE(std::is_sorted(terms.begin(), terms.end()));
  EXPECT_TRUE(std::binary_search(terms.begin(), terms.end(), "borrow"));
  EXPECT_FALSE(std::binary_search(terms.begin(), terms.end(), "the"));
}

// Ingest asks for both at once (one IDF table); the answers must be the separate calls' exactly.
TEST(RfcCorpus, KeyphrasesAndSummaryTogetherEqualTheSeparateCalls) {
  const Corpus& c = Rfcs();
  if (c.docs.empty()) GTEST_SKIP();
  MapDf df;
  std::vector<Document> docs;
  for (const auto& [name, bytes] : c.docs) {
    Result<Document> r = ParseDocument(bytes, Format::kMarkdown, {});
    ASSERT_TRUE(r.ok());
    df.AddDocument(DistinctTerms(*r));
    docs.push_back(std::move(r).value());
  }
  size_t compared = 0;
  for (const Document& d : docs) {
    const TextAnalysis a(d);
    for (const DfSource* source : {static_cast<const DfSource*>(&df), static_cast<const DfSource*>(nullptr)}) {
      const KeyphraseOptions ko;  // what ingest asks for
      const SummaryOptions so;
      const auto [phrases, summary] = a.KeyphrasesAndSummary(source, ko, so);
      const std::vector<Keyphrase> alone = a.Keyphrases(source, ko);
      ASSERT_EQ(phrases.size(), alone.size()) << d.title;
      for (size_t i = 0; i < alone.size(); ++i) {
        EXPECT_EQ(phrases[i].text, alone[i].text);
        EXPECT_EQ(phrases[i].score, alone[i].score);
      }
      EXPECT_EQ(summary, a.Summary(so, source)) << d.title;
      compared += alone.size();
    }
  }
  EXPECT_GT(compared, 1000u);
}

TEST(Keywords, WorkWithoutASpaceAndOnTinyDocuments) {
  Result<Document> r = ParseDocument(
      "# Garden notes\n\nTomato plants need sun. Tomato plants need water every day. "
      "The basil grows next to the tomato plants.\n",
      Format::kMarkdown, {});
  ASSERT_TRUE(r.ok());
  const std::vector<Keyphrase> ks = ExtractKeyphrases(*r, nullptr);
  ASSERT_FALSE(ks.empty());
  EXPECT_EQ(FoldWord(ks[0].text), "tomato plants");
  EXPECT_EQ(ks[0].count, 3);
  EXPECT_EQ(Summarize(*r, {60, 1}).size() <= 60, true);
  Result<Document> empty = ParseDocument("", Format::kMarkdown, {});
  EXPECT_TRUE(ExtractKeyphrases(*empty, nullptr).empty());
  EXPECT_EQ(Summarize(*empty), "");
  EXPECT_TRUE(DistinctTerms(*empty).empty());
}

TEST(BadInput, EmptyWhitespaceBinaryAndHuge) {
  for (Format f : {Format::kMarkdown, Format::kPlainText, Format::kHtml, Format::kRst}) {
    for (const char* s : {"", " ", "\n\n\t \n", "\xEF\xBB\xBF", "\r\n\r\n"}) {
      Result<Document> r = ParseDocument(s, f, {});
      ASSERT_TRUE(r.ok());
      EXPECT_TRUE(r->chunks.empty()) << FormatName(f);
    }
  }
  // 10 MB of binary junk.
  std::string junk(10u << 20, '\0');
  std::mt19937_64 rng(42);
  for (auto& ch : junk) ch = static_cast<char>(rng());
  ChunkOptions opts;
  auto t0 = std::chrono::steady_clock::now();
  for (Format f : {Format::kMarkdown, Format::kPlainText, Format::kHtml, Format::kRst}) {
    Result<Document> r = ParseDocument(junk, f, opts);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(testing::CheckDocument(*r, opts), "") << FormatName(f);
    EXPECT_FALSE(r->chunks.empty());
    EXPECT_FALSE(r->warnings.empty());
  }
  std::printf("[ junk    ] 4 x 10 MB binary junk: %.0f ms\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3);
  // A 50 MB single line (prose without sentence ends, then a word without spaces).
  std::string line;
  line.reserve(50u << 20);
  while (line.size() < (40u << 20)) line += "lorem ipsum dolor sit amet consectetur ";
  while (line.size() < (50u << 20)) line += "x";
  t0 = std::chrono::steady_clock::now();
  Result<Document> r = ParseDocument(line, Format::kMarkdown, opts);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(testing::CheckDocument(*r, opts), "");
  std::printf("[ huge    ] 50 MB single line: %zu chunks in %.0f ms\n", r->chunks.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3);
  // Over the hard limit.
  std::string too_big(kMaxDocumentBytes + 1, 'a');
  Result<Document> big = ParseDocument(too_big, Format::kPlainText, opts);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), Code::kTooLarge);
}

}  // namespace
}  // namespace kspace::text
