#include "search/fusion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace kspace::search {
namespace {

std::vector<int64_t> Ids(const std::vector<ScoredId>& l) {
  std::vector<int64_t> out;
  for (const ScoredId& s : l) out.push_back(s.id);
  return out;
}

TEST(Rrf, SumsReciprocalRanks) {
  std::vector<ScoredId> text = {{1, 9.0}, {2, 5.0}, {3, 1.0}};
  std::vector<ScoredId> vec = {{3, 0.9}, {4, 0.8}, {1, 0.1}};
  auto fused = ReciprocalRankFusion(text, vec, {.k = 60});
  ASSERT_EQ(fused.size(), 4u);
  // 1: 1/61 + 1/63; 3: 1/63 + 1/61 (tie, lower id first); 2: 1/62; 4: 1/62 (tie).
  EXPECT_EQ(Ids(fused), (std::vector<int64_t>{1, 3, 2, 4}));
  EXPECT_NEAR(fused[0].score, 1.0 / 61 + 1.0 / 63, 1e-12);
  EXPECT_NEAR(fused[2].score, 1.0 / 62, 1e-12);
}

TEST(Rrf, WeightsAndKChangeTheOrder) {
  std::vector<ScoredId> text = {{1, 3}, {2, 2}};
  std::vector<ScoredId> vec = {{2, 1}, {1, 0.5}};
  // Equal weights: a tie broken by id.
  EXPECT_EQ(Ids(ReciprocalRankFusion(text, vec)), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Ids(ReciprocalRankFusion(text, vec, {.k = 60, .text_weight = 1, .vector_weight = 2})),
            (std::vector<int64_t>{2, 1}));
}

TEST(Rrf, OneSideEmptyKeepsTheOtherOrder) {
  std::vector<ScoredId> text = {{7, 1}, {3, 0.5}, {9, 0.1}};
  EXPECT_EQ(Ids(ReciprocalRankFusion(text, {})), (std::vector<int64_t>{7, 3, 9}));
  EXPECT_EQ(Ids(ReciprocalRankFusion({}, text)), (std::vector<int64_t>{7, 3, 9}));
  EXPECT_TRUE(ReciprocalRankFusion({}, {}).empty());
}

TEST(Rrf, RepeatedIdsCountOnceAtTheirBestRank) {
  std::vector<ScoredId> text = {{1, 3}, {1, 2}, {2, 1}};
  auto fused = ReciprocalRankFusion(text, {});
  ASSERT_EQ(fused.size(), 2u);
  EXPECT_NEAR(fused[0].score, 1.0 / 61, 1e-12);
  EXPECT_NEAR(fused[1].score, 1.0 / 62, 1e-12);  // rank 2 after dropping the repeat
}

TEST(Convex, BlendsMinMaxNormalisedScores) {
  std::vector<ScoredId> text = {{1, 10}, {2, 6}, {3, 2}};   // -> 1, 0.5, 0
  std::vector<ScoredId> vec = {{3, 0.9}, {2, 0.5}, {4, 0.1}};  // -> 1, 0.5, 0
  auto fused = ConvexFusion(text, vec, {.alpha = 0.75});
  ASSERT_EQ(fused.size(), 4u);
  // 1: .75; 2: .75*.5 + .25*.5 = .5; 3: .25; 4: 0.
  EXPECT_EQ(Ids(fused), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_NEAR(fused[0].score, 0.75, 1e-12);
  EXPECT_NEAR(fused[1].score, 0.5, 1e-12);
  EXPECT_NEAR(fused[2].score, 0.25, 1e-12);
  EXPECT_NEAR(fused[3].score, 0.0, 1e-12);
  // alpha 0.25 puts the vector side first.
  EXPECT_EQ(ConvexFusion(text, vec, {.alpha = 0.25})[0].id, 3);
}

TEST(Convex, AlphaExtremesReproduceOneSideAndKeepTheOtherSidesIds) {
  std::vector<ScoredId> text = {{1, 10}, {2, 6}};
  std::vector<ScoredId> vec = {{3, 0.9}, {1, 0.5}, {2, 0.4}};
  auto only_text = ConvexFusion(text, vec, {.alpha = 1.0});
  EXPECT_EQ(only_text[0].id, 1);
  EXPECT_EQ(only_text.size(), 3u);  // the vector-only id is still there, not dropped
  auto only_vec = ConvexFusion(text, vec, {.alpha = 0.0});
  EXPECT_EQ(Ids(only_vec), (std::vector<int64_t>{3, 1, 2}));
}

TEST(Convex, OneSideEmptyAndBadInputsAreSafe) {
  std::vector<ScoredId> vec = {{5, 0.3}, {6, 0.2}};
  EXPECT_EQ(Ids(ConvexFusion({}, vec)), (std::vector<int64_t>{5, 6}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<ScoredId> bad = {{1, nan}, {2, 1.0}, {3, std::numeric_limits<double>::infinity()}};
  auto fused = ConvexFusion(bad, vec, {.alpha = nan});  // NaN alpha falls back to 0.5
  ASSERT_EQ(fused.size(), 5u);
  for (const ScoredId& s : fused) EXPECT_TRUE(std::isfinite(s.score)) << s.id;
  // All-equal scores normalise to 1, not NaN.
  std::vector<ScoredId> flat = {{1, 2.0}, {2, 2.0}};
  NormalizeScores(flat, ScoreNorm::kMinMax);
  EXPECT_EQ(flat[0].score, 1.0);
  EXPECT_EQ(flat[1].score, 1.0);
}

TEST(Normalize, MaxOnlyAndZScore) {
  std::vector<ScoredId> l = {{1, 4}, {2, 2}, {3, 0}};
  NormalizeScores(l, ScoreNorm::kMaxOnly);
  EXPECT_DOUBLE_EQ(l[0].score, 1.0);
  EXPECT_DOUBLE_EQ(l[1].score, 0.5);
  EXPECT_DOUBLE_EQ(l[2].score, 0.0);
  std::vector<ScoredId> z = {{1, 3}, {2, 1}};
  NormalizeScores(z, ScoreNorm::kZScore);  // mean 2, sd 1, shifted to min 0
  EXPECT_DOUBLE_EQ(z[0].score, 2.0);
  EXPECT_DOUBLE_EQ(z[1].score, 0.0);
}

TEST(Aggregate, MaxOverChunksWithOptionalBonus) {
  std::vector<ChunkHit> hits = {{10, 0.5}, {11, 0.9}, {10, 0.8}, {12, 0.8}};
  auto docs = AggregateByDocument(hits);
  EXPECT_EQ(Ids(docs), (std::vector<int64_t>{11, 10, 12}));
  EXPECT_DOUBLE_EQ(docs[1].score, 0.8);
  auto bonus = AggregateByDocument(hits, 0.5);  // doc 10: 0.8 + 0.5 * 0.5
  EXPECT_EQ(bonus[0].id, 10);
  EXPECT_DOUBLE_EQ(bonus[0].score, 1.05);
  EXPECT_TRUE(AggregateByDocument({}).empty());
}

}  // namespace
}  // namespace kspace::search
