#include "embed/builtin_embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace kspace::embed {
namespace {

std::vector<float> Embed(BuiltinEmbedder& e, std::string_view text) {
  std::vector<float> v(static_cast<size_t>(e.dimensions()));
  Status s = e.EmbedOne(text, v);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return v;
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d += static_cast<double>(a[i]) * b[i];
  return d;
}

void ExpectUnitAndFinite(const std::vector<float>& v, const std::string& what) {
  double n = 0;
  for (float x : v) {
    ASSERT_TRUE(std::isfinite(x)) << what;
    n += static_cast<double>(x) * x;
  }
  EXPECT_NEAR(n, 1.0, 1e-5) << what;
}

TEST(BuiltinEmbedder, IdAndDimensions) {
  BuiltinEmbedder e;
  EXPECT_EQ(e.id(), "kspace-builtin-v1");
  EXPECT_EQ(e.dimensions(), 512);
  BuiltinEmbedderOptions o;
  o.pair_weight = 0.5f;
  auto custom = BuiltinEmbedder::Create(o);
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(custom->id(), "kspace-builtin-v1+custom");  // never mistaken for v1 vectors
}

TEST(BuiltinEmbedder, RejectsBadOptionsAndBadOutputSizes) {
  BuiltinEmbedderOptions o;
  o.dimensions = 8;
  EXPECT_EQ(BuiltinEmbedder::Create(o).status().code(), Code::kInvalidArgument);
  o = {};
  o.min_ngram = 6;
  o.max_ngram = 4;
  EXPECT_EQ(BuiltinEmbedder::Create(o).status().code(), Code::kInvalidArgument);
  o = {};
  o.char_weight = std::nanf("");
  EXPECT_EQ(BuiltinEmbedder::Create(o).status().code(), Code::kInvalidArgument);
  o = {};
  o.power = 0;
  EXPECT_EQ(BuiltinEmbedder::Create(o).status().code(), Code::kInvalidArgument);

  BuiltinEmbedder e;
  std::vector<std::string_view> texts = {"a", "b"};
  std::vector<float> out(static_cast<size_t>(e.dimensions()) * 2 - 1);
  Status s = e.Embed(texts, out);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "out");
  std::vector<float> none;
  EXPECT_TRUE(e.Embed({}, none).ok());  // zero texts, zero floats
}

TEST(BuiltinEmbedder, DeterministicAndBatchEqualsSingle) {
  BuiltinEmbedder a, b;
  const std::string text = "Mitochondrial dysfunction drives neurodegeneration in aged mice.";
  EXPECT_EQ(Embed(a, text), Embed(b, text));
  EXPECT_EQ(Embed(a, text), Embed(a, text));  // scratch state does not leak between calls
  std::vector<std::string_view> texts = {"first text", text, ""};
  std::vector<float> out(texts.size() * static_cast<size_t>(a.dimensions()));
  ASSERT_TRUE(a.Embed(texts, out).ok());
  std::vector<float> row(out.begin() + a.dimensions(), out.begin() + 2 * a.dimensions());
  EXPECT_EQ(row, Embed(b, text));
}

TEST(BuiltinEmbedder, UnitNormAndFiniteForAnyInput) {
  BuiltinEmbedder e;
  std::vector<std::string> inputs = {"", " ", "\n\t  \r\n", "the of and", "a", "12345", "...!!!",
                                     std::string("\0\0\0", 3), "\xff\xfe\xfd", "\xc3", "東京",
                                     std::string(100000, 'a'), std::string(1 << 20, ' ')};
  std::mt19937 rng(7);
  std::string binary(1 << 16, '\0');
  for (char& c : binary) c = static_cast<char>(rng());
  inputs.push_back(binary);
  std::string huge;
  while (huge.size() < (8u << 20)) huge += "Word salad with sundry tokens, numbers 42 and Überraschung. ";
  inputs.push_back(huge);
  for (const std::string& s : inputs) ExpectUnitAndFinite(Embed(e, s), s.substr(0, 20));
  // Texts without features share one fixed vector, so they are identical to each other ...
  EXPECT_EQ(Embed(e, ""), Embed(e, "   "));
  EXPECT_EQ(Embed(e, ""), Embed(e, "the of and"));
  // ... and unrelated to content.
  EXPECT_LT(std::fabs(Dot(Embed(e, ""), Embed(e, "protein folding"))), 0.2);
}

// HasContentWord says exactly when a text gets the shared featureless vector.
TEST(BuiltinEmbedder, HasContentWordIsFalseExactlyForFeaturelessTexts) {
  BuiltinEmbedder e;
  const std::vector<float> featureless = Embed(e, "");
  for (const char* s : {"", " ", "?", "...!!!", "the of and", "The, OF; and?", "\t\n"}) {
    EXPECT_FALSE(BuiltinEmbedder::HasContentWord(s)) << s;
    EXPECT_EQ(Embed(e, s), featureless) << s;
  }
  for (const char* s : {"protein", "the protein", "42", "東京", "a b c", "Theory", "\xff"}) {
    EXPECT_TRUE(BuiltinEmbedder::HasContentWord(s)) << s;
    EXPECT_NE(Embed(e, s), featureless) << s;
  }
}

TEST(BuiltinEmbedder, SimilarTextsAreCloserThanUnrelatedOnes) {
  BuiltinEmbedder e;
  auto q = Embed(e, "Aspirin reduces the risk of heart attacks.");
  auto near = Embed(e, "Daily aspirin lowers heart attack risk in adults.");
  auto morph = Embed(e, "aspirins reducing risks of hearts");
  auto far = Embed(e, "The stock market fell sharply on Tuesday.");
  EXPECT_GT(Dot(q, near), Dot(q, far) + 0.2);
  EXPECT_GT(Dot(q, morph), Dot(q, far) + 0.2);
  // Sub-word evidence: an unseen inflection shares character n-grams with the base word.
  auto a = Embed(e, "osteoinductive");
  auto b = Embed(e, "inductive");
  auto c = Embed(e, "ribosome");
  EXPECT_GT(Dot(a, b), Dot(a, c) + 0.2);
  // Case and plural do not matter for the word feature.
  EXPECT_GT(Dot(Embed(e, "Proteins"), Embed(e, "protein")), 0.7);
}

// Golden values: a change here means every stored "kspace-builtin-v1" vector is invalid. If the
// change is intended, give the algorithm a new id (kspace-builtin-v2) instead of editing these.
// Checked natively (x86-64) and in WebAssembly (tests/eval/native/embed_bench prints a fingerprint).
TEST(BuiltinEmbedder, GoldenValuesPinTheV1Algorithm) {
  struct Golden {
    const char* text;
    double fingerprint;  // sum of v[i] * (i + 1)
    int nonzero;         // coordinates != 0
    int argmax;          // coordinate of largest magnitude
    float max_value;
  };
  const Golden golden[] = {
      {"", 324.000000, 1, 323, 1.000000f},
      {"Aspirin reduces the risk of heart attacks.", -47.649908, 75, 58, -0.174411f},
      {"0-dimensional biomaterials lack inductive properties.", -518.874587, 119, 252, 0.163559f},
      {"東京 café naïve", -298.766451, 45, 206, 0.226221f},
  };
  BuiltinEmbedder e;
  for (const Golden& g : golden) {
    auto v = Embed(e, g.text);
    double fp = 0;
    int nz = 0, arg = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      fp += v[i] * static_cast<double>(i + 1);
      nz += v[i] != 0;
      if (std::fabs(v[i]) > std::fabs(v[static_cast<size_t>(arg)])) arg = static_cast<int>(i);
    }
    EXPECT_NEAR(fp, g.fingerprint, 1e-4) << g.text;
    EXPECT_EQ(nz, g.nonzero) << g.text;
    EXPECT_EQ(arg, g.argmax) << g.text;
    EXPECT_NEAR(v[static_cast<size_t>(arg)], g.max_value, 1e-5) << g.text;
  }
}

TEST(BuiltinEmbedder, WeightedEmbeddingScalesWords) {
  BuiltinEmbedder e;
  struct OnlyHeart : WordWeights {
    float Weight(std::string_view w) const override { return w == "heart" ? 1.0f : 0.0f; }
  } only_heart;
  std::vector<float> v(static_cast<size_t>(e.dimensions()));
  ASSERT_TRUE(e.EmbedWeighted("aspirin heart", only_heart, v).ok());
  EXPECT_NEAR(Dot(v, Embed(e, "heart")), 1.0, 1e-5);
  struct Bad : WordWeights {
    float Weight(std::string_view) const override { return std::nanf(""); }
  } bad;
  ASSERT_TRUE(e.EmbedWeighted("aspirin heart", bad, v).ok());
  ExpectUnitAndFinite(v, "NaN weights");
}

}  // namespace
}  // namespace kspace::embed
