// Keyphrases, document terms and extractive summaries.
//
// Terms are stemmed, stopword-free words: Term(w) = StemEnglish(folded w) (tokenize.h, stem.h).
// Phrases are 2-3 consecutive terms inside one sentence (no punctuation between them) and are
// keyed by their stems joined with spaces ("borrow check"). Code blocks are ignored.
//
// Scoring is TF-IDF against the space: the caller supplies document frequencies through DfSource
// (the storage layer keeps them, fed by DistinctTerms). idf(t) = ln((N+1)/(df(t)+1)) + 1,
// normalised by its maximum. When the space is small (N < 50) that idf is blended with a prior
// (1.0 for ordinary words, 0.35 for ~200 very common English non-stopwords such as "use",
// "new", "make"), fully the prior when N = 0, so that the first document of a new space still
// gets sensible keyphrases. Term frequency is sublinear (1 + ln tf) with occurrences in the
// title counted x3 and in headings x2. A phrase scores its tf weight times the mean idf of its
// words times 1.3 (bigram) / 1.5 (trigram) and must occur at least twice (or be in the title or a
// heading). Sub-phrases of a better phrase are dropped unless they are much more frequent.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text/document.h"

namespace kspace::text {

// Document frequencies of terms in the space (the storage layer implements this).
struct DfSource {
  virtual ~DfSource() = default;
  // Number of documents of the space containing `term` (a key from DistinctTerms).
  virtual int Df(std::string_view term) const = 0;
  // Number of documents in the space.
  virtual int DocCount() const = 0;
};

struct Keyphrase {
  std::string text;   // most frequent surface form, e.g. "borrow checker"
  std::string key;    // stemmed key, e.g. "borrow checker" -> "borrow checker"/"borrow check"
  double score = 0;   // relative, for ranking within one document
  int count = 0;      // occurrences in the document
};

struct KeyphraseOptions {
  int max_phrases = 10;  // [1, 100]
  int max_ngram = 3;     // 1..3
};

// The best keyphrases of `doc`, best first. `df` may be null (no space statistics).
std::vector<Keyphrase> ExtractKeyphrases(const Document& doc, const DfSource* df,
                                         const KeyphraseOptions& opts = {});

// The distinct terms of `doc` (stemmed unigrams of its text outside code, and its title),
// sorted, for the space's document-frequency table.
std::vector<std::string> DistinctTerms(const Document& doc);

// The term key of one word ("" for stopwords, single characters and pure numbers).
std::string TermKey(std::string_view word);

struct SummaryOptions {
  size_t max_chars = 400;  // budget for the whole summary (>= 40)
  int max_sentences = 3;   // [1, 20]
};

// An extractive summary: the best sentences of the document's prose (paragraphs and quotes;
// list items only if there is no prose), scored by cosine similarity of their TF-IDF vector to
// the document centroid, plus a position prior (earlier is better) and a bonus for sections
// named Summary / Abstract / Overview / Introduction / TL;DR; near-duplicates (cosine > 0.6 to a
// chosen sentence) are skipped; the chosen sentences are returned in document order, inline
// Markdown stripped, within max_chars. The first 2000 candidate sentences are considered.
std::string Summarize(const Document& doc, const SummaryOptions& opts = {},
                      const DfSource* df = nullptr);

// The three analyses of one document from a single pass over its text. The DF-independent work
// (outline, words, stems, phrase counts, summary candidate sentences) is done by the
// constructor; the DfSource is only consulted by Keyphrases / Summary, so the usual ingest is
//
//   TextAnalysis a(doc);
//   std::vector<std::string> terms = a.DistinctTerms();   // -> fetch DF for these terms
//   std::vector<Keyphrase> kp = a.Keyphrases(&space_df);
//   std::string summary = a.Summary({}, &space_df);
//
// Results are identical to the free functions above (which are wrappers around it). The
// analysis borrows `doc`: it keeps string_views into doc.text and doc.title, so `doc` must
// outlive it and stay unmodified. `parts` (a mask of Part) limits the work to what will be
// asked; asking for a part that was not built returns an empty result. The accessors are const
// and keep no state between calls.
class TextAnalysis {
 public:
  enum Part : unsigned { kTerms = 1, kKeyphrases = 2, kSummary = 4, kAll = 7 };

  explicit TextAnalysis(const Document& doc, unsigned parts = kAll);
  ~TextAnalysis();
  TextAnalysis(TextAnalysis&&) noexcept;
  TextAnalysis& operator=(TextAnalysis&&) noexcept;
  TextAnalysis(const TextAnalysis&) = delete;
  TextAnalysis& operator=(const TextAnalysis&) = delete;

  // As DistinctTerms(doc): sorted stemmed terms of the title and the text outside code.
  std::vector<std::string> DistinctTerms() const;
  // As ExtractKeyphrases(doc, df, opts).
  std::vector<Keyphrase> Keyphrases(const DfSource* df, const KeyphraseOptions& opts = {}) const;
  // As Summarize(doc, opts, df).
  std::string Summary(const SummaryOptions& opts = {}, const DfSource* df = nullptr) const;
  // Keyphrases(df, kopts) and Summary(sopts, df) at once, equal to the two calls: each term's
  // document frequency is read from `df` once for both (lookups into a large space's table are a
  // visible part of ingest time).
  std::pair<std::vector<Keyphrase>, std::string> KeyphrasesAndSummary(
      const DfSource* df, const KeyphraseOptions& kopts = {}, const SummaryOptions& sopts = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kspace::text
