// BuiltinEmbedder: the deterministic, download-free embedder every space has ("kspace-builtin-v1").
//
// What it is: a signed feature-hashing projection ("hashing trick") of lexical features into a dense
// vector, then a signed square root (sublinear term frequency) and L2 normalisation:
//   - whole words (lowercased, lightly stemmed, stopwords dropped),
//   - character n-grams of each word with word-boundary marks (morphology, spelling variants,
//     compounds, subwords of rare technical terms that a word-level index treats as unrelated),
//   - pairs of adjacent content words (local word order that a bag of words loses).
// Cosine between two vectors approximates a weighted overlap of these feature sets.
//
// Why it helps hybrid search: BM25 over FTS5 matches whole stemmed tokens only; the vector side adds
// partial-word and word-pair evidence with a different length normalisation, so fusing the two
// ranks recovers documents BM25 misses (see tests/eval/native for the numbers on SciFact).
//
// Contract (beyond Embedder's): the output depends only on the text bytes and the options; no
// corpus statistics, no resources, no randomness, no floating-point reductions whose order depends
// on the platform (the vector is the same natively and in WebAssembly up to float rounding of
// identical operation sequences; golden tests pin it). Bytes >= 0x80 are treated as word
// characters (UTF-8 letters of any script); invalid UTF-8 is accepted. Cost is linear in the input
// and memory is O(dimensions) per call.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embed/embedder.h"

namespace kspace::embed {

// Knobs of the algorithm. The defaults ARE "kspace-builtin-v1": any other value yields a different
// id() (suffix "+custom"), so vectors made with non-default options are never mixed with v1 ones.
// Non-default options exist for the tuning harness (tests/eval/native), not for users.
struct BuiltinEmbedderOptions {
  int dimensions = 512;
  float word_weight = 1.0f;     // weight of the whole-word feature
  float char_weight = 1.5f;     // L2 weight of all character n-grams of one word together
  int min_ngram = 3;            // character n-gram lengths, counted with the boundary marks
  int max_ngram = 5;
  float pair_weight = 0.25f;    // weight of an adjacent content-word pair
  float number_weight = 0.3f;   // multiplier for tokens made only of digits
  float power = 0.5f;           // signed power applied to each coordinate before normalising

  bool operator==(const BuiltinEmbedderOptions&) const = default;
};

// Per-word multipliers for EmbedWeighted (e.g. inverse document frequencies from the full-text
// index, for a query vector). `word` is the folded (ASCII-lowercased) word as it appears in the text.
class WordWeights {
 public:
  virtual ~WordWeights() = default;
  virtual float Weight(std::string_view word) const = 0;
};

class BuiltinEmbedder final : public Embedder {
 public:
  static constexpr std::string_view kId = "kspace-builtin-v1";

  BuiltinEmbedder();
  // Fails with INVALID_ARGUMENT for out-of-range options (dimensions outside [16, 8192], n-gram
  // lengths outside [1, 8] or min > max, negative or non-finite weights, power outside (0, 1]).
  static Result<BuiltinEmbedder> Create(const BuiltinEmbedderOptions& options);

  std::string_view id() const override { return id_; }
  int dimensions() const override { return options_.dimensions; }
  Status Embed(std::span<const std::string_view> texts, std::span<float> out) override;

  // Embeds one text into out (out.size() == dimensions()); same contract as Embed.
  Status EmbedOne(std::string_view text, std::span<float> out);

  // Like EmbedOne, with every feature of a word scaled by weights.Weight(word) (negative or
  // non-finite weights count as 0). Not a pure function of the text: only for query vectors,
  // which are never stored.
  Status EmbedWeighted(std::string_view text, const WordWeights& weights, std::span<float> out);

  const BuiltinEmbedderOptions& options() const { return options_; }

  // True for the words the embedder skips entirely (no feature, no weight asked for), given
  // folded as it folds them (ASCII-lowercased).
  static bool IsStopword(std::string_view folded_word);

  // True when `text` holds a word the embedder makes features of (one that is not a stopword).
  // Without one, EmbedOne/EmbedWeighted return the fixed vector shared by all featureless texts
  // ("?", "the and of"), whose neighbours are arbitrary: a search skips its vector side then.
  static bool HasContentWord(std::string_view text);

 private:
  explicit BuiltinEmbedder(const BuiltinEmbedderOptions& options);
  void EmbedInto(std::string_view text, const WordWeights* weights, float* out);

  BuiltinEmbedderOptions options_;
  std::string id_;
  std::vector<float> acc_;  // scratch accumulator, dimensions() floats
};

}  // namespace kspace::embed
