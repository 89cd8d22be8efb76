#include <gtest/gtest.h>

#include <cmath>

#include "layout/ctfidf.h"

namespace kspace::layout {
namespace {

TEST(ClassTfidf, PicksDistinctiveTerms) {
  // Four topics; "the" and "data" occur in every row of every cluster, so their idf is lowest.
  const char* topics[4][3] = {{"cat", "purr", "whisker"},
                              {"rocket", "orbit", "launch"},
                              {"pasta", "sauce", "oven"},
                              {"guitar", "chord", "tempo"}};
  std::vector<std::vector<std::string>> rows;
  std::vector<int32_t> labels;
  for (int c = 0; c < 4; ++c)
    for (int r = 0; r < 3; ++r) {
      // The first topic word in every row, the second in two rows, the third in one.
      std::vector<std::string> row = {"the", "data", "the", topics[c][0]};
      if (r < 2) row.push_back(topics[c][1]);
      if (r < 1) row.push_back(topics[c][2]);
      rows.push_back(row);
      labels.push_back(c);
    }
  rows.push_back({"the", "noise", "data"});
  labels.push_back(-1);
  ClassTfidfParams p;
  p.top_n = 3;
  auto r = ClassTfidfStrings(rows, labels, p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);  // noise ignored by default
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ((*r)[c].label, c);
    ASSERT_EQ((*r)[c].terms.size(), 3u);
    EXPECT_EQ((*r)[c].terms[0].first, topics[c][0]);
    EXPECT_EQ((*r)[c].terms[1].first, topics[c][1]);
    EXPECT_GT((*r)[c].terms[0].second, (*r)[c].terms[1].second);
  }
  p.include_noise = true;
  auto with_noise = ClassTfidfStrings(rows, labels, p);
  ASSERT_TRUE(with_noise.ok());
  ASSERT_EQ(with_noise->size(), 5u);
  EXPECT_EQ((*with_noise)[0].label, -1);
  EXPECT_EQ((*with_noise)[0].terms[0].first, "noise");
}

TEST(ClassTfidf, ScoresMatchTheFormula) {
  // Two clusters, terms 0..2. Cluster 0: term0 x3, term1 x1. Cluster 1: term1 x2, term2 x2.
  // A = (4 + 4) / 2 = 4; f = {3, 3, 2}. score(0, c0) = 3/4 * log(1 + 4/3).
  TermMatrix tm;
  tm.num_terms = 3;
  tm.row_offsets = {0, 2, 4};
  tm.term_ids = {0, 1, 1, 2};
  tm.counts = {3, 1, 2, 2};
  std::vector<int32_t> labels = {0, 1};
  auto r = ClassTfidf(tm, labels);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ((*r)[0].terms.size(), 2u);
  EXPECT_EQ((*r)[0].terms[0].term, 0);
  EXPECT_NEAR((*r)[0].terms[0].score, 0.75 * std::log(1.0 + 4.0 / 3.0), 1e-6);
  EXPECT_NEAR((*r)[0].terms[1].score, 0.25 * std::log(1.0 + 4.0 / 3.0), 1e-6);
  EXPECT_EQ((*r)[1].terms[0].term, 2);  // rarer overall than term 1 at equal tf
  EXPECT_NEAR((*r)[1].terms[0].score, 0.5 * std::log(1.0 + 4.0 / 2.0), 1e-6);
  EXPECT_EQ((*r)[1].rows, 1);
}

TEST(ClassTfidf, BadInputsAreTypedErrors) {
  TermMatrix tm;
  tm.num_terms = 2;
  tm.row_offsets = {0, 1};
  tm.term_ids = {5};
  tm.counts = {1};
  std::vector<int32_t> labels = {0};
  EXPECT_EQ(ClassTfidf(tm, labels).status().field(), "terms");
  tm.term_ids = {1};
  tm.counts = {-1};
  EXPECT_EQ(ClassTfidf(tm, labels).status().field(), "terms");
  tm.counts = {1};
  std::vector<int32_t> two = {0, 1};
  EXPECT_EQ(ClassTfidf(tm, two).status().field(), "labels");
  std::vector<int32_t> noise = {-1};
  EXPECT_EQ(ClassTfidf(tm, noise).status().field(), "labels");
  ClassTfidfParams p;
  p.top_n = 0;
  EXPECT_EQ(ClassTfidf(tm, labels, p).status().field(), "topN");
}

}  // namespace
}  // namespace kspace::layout
