#include "index/vector_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "index_test_util.h"

namespace kspace::index {
namespace {

using testing::BruteForce;
using testing::Clustered;
using testing::Iota;
using testing::Recall;

std::unique_ptr<VectorIndex> MakeIndex(const IndexParams& p) {
  auto r = VectorIndex::Create(p);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

IndexParams Params(uint32_t dim, Encoding e = Encoding::kFloat32) {
  IndexParams p;
  p.dim = dim;
  p.encoding = e;
  return p;
}

SearchOptions Graph(uint32_t ef = 0, SearchStats* stats = nullptr) {
  SearchOptions o;
  o.ef = ef;
  o.strategy = SearchOptions::Strategy::kGraph;
  o.stats = stats;
  return o;
}

SearchOptions Exact() {
  SearchOptions o;
  o.strategy = SearchOptions::Strategy::kExact;
  return o;
}

std::span<const float> Row(const std::vector<float>& rows, size_t dim, size_t i) {
  return std::span<const float>(rows).subspan(i * dim, dim);
}

TEST(VectorIndex, CreateRejectsBadParamsNamingTheField) {
  struct Case {
    IndexParams p;
    const char* field;
  };
  IndexParams base = Params(8);
  std::vector<Case> cases;
  auto with = [&](auto f, const char* field) {
    IndexParams p = base;
    f(p);
    cases.push_back({p, field});
  };
  with([](IndexParams& p) { p.dim = 0; }, "dim");
  with([](IndexParams& p) { p.dim = kMaxDim + 1; }, "dim");
  with([](IndexParams& p) { p.M = 1; }, "M");
  with([](IndexParams& p) { p.M = kMaxM + 1; }, "M");
  with([](IndexParams& p) { p.ef_construction = 0; }, "efConstruction");
  with([](IndexParams& p) { p.ef_search = kMaxEf + 1; }, "efSearch");
  with([](IndexParams& p) { p.encoding = static_cast<Encoding>(7); }, "encoding");
  for (const Case& c : cases) {
    auto r = VectorIndex::Create(c.p);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().field(), c.field);
  }
  EXPECT_TRUE(VectorIndex::Create(base).ok());
}

TEST(VectorIndex, FindsItselfWithCosineScoresBestFirst) {
  for (Encoding e : {Encoding::kFloat32, Encoding::kInt8}) {
    auto index = MakeIndex(Params(3, e));
    ASSERT_TRUE(index->Add(10, std::vector<float>{1, 0, 0}).ok());
    ASSERT_TRUE(index->Add(20, std::vector<float>{0, 2, 0}).ok());   // scale does not matter
    ASSERT_TRUE(index->Add(30, std::vector<float>{1, 1, 0}).ok());
    ASSERT_TRUE(index->Add(40, std::vector<float>{-5, 0, 0}).ok());
    EXPECT_EQ(index->size(), 4u);
    auto hits = index->Search(std::vector<float>{3, 0, 0}, 4);
    ASSERT_TRUE(hits.ok()) << hits.status().ToString();
    ASSERT_EQ(hits->size(), 4u);
    const float tol = e == Encoding::kInt8 ? 0.02f : 1e-6f;
    EXPECT_EQ((*hits)[0].label, 10u);
    EXPECT_NEAR((*hits)[0].score, 1.0f, tol);
    EXPECT_EQ((*hits)[1].label, 30u);
    EXPECT_NEAR((*hits)[1].score, std::sqrt(0.5f), tol);
    EXPECT_EQ((*hits)[2].label, 20u);
    EXPECT_NEAR((*hits)[2].score, 0.0f, tol);
    EXPECT_EQ((*hits)[3].label, 40u);
    EXPECT_NEAR((*hits)[3].score, -1.0f, tol);
  }
}

TEST(VectorIndex, RejectsBadVectorsAndQueries) {
  auto index = MakeIndex(Params(4));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (const std::vector<float>& bad : std::vector<std::vector<float>>{
           {1, 2, 3}, {1, 2, 3, 4, 5}, {1, nan, 0, 0}, {inf, 0, 0, 0}, {0, 0, 0, -inf}, {0, 0, 0, 0}, {}}) {
    Status st = index->Add(1, bad);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.ToString();
    EXPECT_EQ(st.field(), "vector");
    auto r = index->Search(bad, 5);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().field(), "query");
  }
  EXPECT_EQ(index->size(), 0u);
  ASSERT_TRUE(index->Add(1, std::vector<float>{1, 0, 0, 0}).ok());
  auto k0 = index->Search(std::vector<float>{1, 0, 0, 0}, 0);
  ASSERT_FALSE(k0.ok());
  EXPECT_EQ(k0.status().field(), "k");
  SearchOptions big;
  big.ef = kMaxEf + 1;
  auto ef = index->Search(std::vector<float>{1, 0, 0, 0}, 1, nullptr, big);
  ASSERT_FALSE(ef.ok());
  EXPECT_EQ(ef.status().field(), "ef");
  // Tiny but non-zero vectors are fine: normalisation is done in double precision.
  EXPECT_TRUE(index->Add(2, std::vector<float>{1e-30f, 0, 0, 0}).ok());
  EXPECT_TRUE(index->Add(3, std::vector<float>{3e38f, 3e38f, 0, 0}).ok());
}

TEST(VectorIndex, AddBatchValidatesEveryRowBeforeChangingAnything) {
  auto index = MakeIndex(Params(2));
  std::vector<float> rows = {1, 0, 0, 1, 1, 1};
  std::vector<Label> labels = {1, 2, 3};
  EXPECT_EQ(index->AddBatch(std::span(labels).first(2), rows).field(), "labels");
  rows[4] = std::numeric_limits<float>::quiet_NaN();
  Status st = index->AddBatch(labels, rows);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.field(), "rows");
  EXPECT_NE(st.message().find("row 2"), std::string::npos) << st.message();
  EXPECT_EQ(index->size(), 0u);
  rows[4] = 1;
  ASSERT_TRUE(index->AddBatch(labels, rows).ok());
  EXPECT_EQ(index->size(), 3u);
  // A label repeated in one batch ends with its last row.
  std::vector<Label> dup = {7, 7};
  std::vector<float> two = {1, 0, 0, 1};
  ASSERT_TRUE(index->AddBatch(dup, two).ok());
  EXPECT_EQ(index->size(), 4u);
  auto v = index->GetVector(7);
  ASSERT_TRUE(v.ok());
  EXPECT_NEAR((*v)[1], 1.0f, 1e-6);
}

TEST(VectorIndex, EmptyIndexAndHugeKAreClamped) {
  auto index = MakeIndex(Params(8));
  auto none = index->Search(std::vector<float>(8, 1.0f), 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  const auto rows = Clustered(300, 8, 4, 0.3f, 1);
  ASSERT_TRUE(index->AddBatch(Iota(300), rows).ok());
  ASSERT_TRUE(index->Remove(5).ok());
  SearchStats stats;
  SearchOptions o;
  o.stats = &stats;
  auto all = index->Search(Row(rows, 8, 0), 1000000000, nullptr, o);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 299u);  // every live label, once
  EXPECT_TRUE(stats.exact);
  std::set<Label> seen;
  for (size_t i = 0; i < all->size(); ++i) {
    seen.insert((*all)[i].label);
    if (i > 0) {
      EXPECT_GE((*all)[i - 1].score, (*all)[i].score);
    }
  }
  EXPECT_EQ(seen.size(), 299u);
  EXPECT_EQ(seen.count(5), 0u);
}

TEST(VectorIndex, RemoveHidesAtOnceAndRestoreBringsBack) {
  const size_t dim = 16, n = 3000;
  const auto rows = Clustered(n, dim, 10, 0.2f, 2);
  auto index = MakeIndex(Params(dim));
  ASSERT_TRUE(index->AddBatch(Iota(n, 1000), rows).ok());
  const auto q = Row(rows, dim, 42);
  for (const SearchOptions& o : {Graph(), Exact(), SearchOptions{}}) {
    auto before = index->Search(q, 1, nullptr, o);
    ASSERT_TRUE(before.ok());
    ASSERT_EQ((*before)[0].label, 1042u);
  }
  ASSERT_TRUE(index->Remove(1042).ok());
  EXPECT_FALSE(index->Contains(1042));
  EXPECT_EQ(index->live_size(), n - 1);
  EXPECT_EQ(index->size(), n);
  for (const SearchOptions& o : {Graph(), Exact(), SearchOptions{}}) {
    auto after = index->Search(q, 50, nullptr, o);
    ASSERT_TRUE(after.ok());
    for (const Hit& h : *after) EXPECT_NE(h.label, 1042u);
  }
  EXPECT_TRUE(index->Remove(1042).ok());  // idempotent
  EXPECT_EQ(index->live_size(), n - 1);
  EXPECT_EQ(index->Remove(99).code(), Code::kNotFound);
  EXPECT_EQ(index->Remove(99).field(), "label");
  EXPECT_EQ(index->GetVector(1042).status().code(), Code::kNotFound);
  ASSERT_TRUE(index->Restore(1042).ok());
  EXPECT_TRUE(index->Restore(1042).ok());  // idempotent
  EXPECT_EQ(index->Restore(99).code(), Code::kNotFound);
  EXPECT_TRUE(index->Contains(1042));
  EXPECT_EQ(index->live_size(), n);
  auto back = index->Search(q, 1, nullptr, Graph());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)[0].label, 1042u);
}

TEST(VectorIndex, RemovingMostLabelsStillFindsTheRest) {
  const size_t dim = 16, n = 4000;
  const auto rows = Clustered(n, dim, 10, 0.2f, 3);
  auto index = MakeIndex(Params(dim));
  ASSERT_TRUE(index->AddBatch(Iota(n), rows).ok());
  for (Label l = 0; l < n; ++l) {
    if (l % 50 != 0) {
      ASSERT_TRUE(index->Remove(l).ok());
    }
  }
  EXPECT_EQ(index->live_size(), n / 50);
  double recall = 0;
  for (size_t qi = 0; qi < 50; ++qi) {
    const float* q = rows.data() + (qi * 37 % n) * dim;
    auto hits = index->Search(std::span<const float>(q, dim), 10);
    ASSERT_TRUE(hits.ok());
    for (const Hit& h : *hits) EXPECT_EQ(h.label % 50, 0u);
    recall += Recall(*hits, BruteForce(rows, dim, q, 10, [](size_t i) { return i % 50 == 0; }));
  }
  EXPECT_GE(recall / 50, 0.99);
}

TEST(VectorIndex, AddingAnExistingLabelReplacesItsVector) {
  const size_t dim = 16, n = 2000;
  const auto rows = Clustered(n, dim, 8, 0.2f, 4);
  auto index = MakeIndex(Params(dim));
  ASSERT_TRUE(index->AddBatch(Iota(n), rows).ok());
  // Label 7 takes the vector of row 1500 (negated so it is unlike anything else there).
  std::vector<float> moved(dim);
  for (size_t d = 0; d < dim; ++d) moved[d] = -rows[1500 * dim + d];
  ASSERT_TRUE(index->Add(7, moved).ok());
  EXPECT_EQ(index->size(), n);
  for (const SearchOptions& o : {Graph(), Exact()}) {
    auto hits = index->Search(moved, 1, nullptr, o);
    ASSERT_TRUE(hits.ok());
    EXPECT_EQ((*hits)[0].label, 7u);
    EXPECT_NEAR((*hits)[0].score, 1.0f, 1e-5);
    auto old = index->Search(Row(rows, dim, 7), 5, nullptr, o);
    ASSERT_TRUE(old.ok());
    for (const Hit& h : *old) EXPECT_NE(h.label, 7u);
  }
  auto v = index->GetVector(7);
  ASSERT_TRUE(v.ok());
  const auto unit = testing::Unit(moved.data(), dim);
  for (size_t d = 0; d < dim; ++d) EXPECT_NEAR((*v)[d], unit[d], 1e-6);
  // Replacing a removed label makes it live again.
  ASSERT_TRUE(index->Remove(9).ok());
  ASSERT_TRUE(index->Add(9, Row(rows, dim, 9)).ok());
  EXPECT_TRUE(index->Contains(9));
  EXPECT_EQ(index->live_size(), n);
}

TEST(VectorIndex, GrowsCapacityOneAddAtATime) {
  const size_t dim = 8, n = 1500;
  const auto rows = Clustered(n, dim, 5, 0.3f, 5);
  auto index = MakeIndex(Params(dim));
  const size_t mem0 = index->MemoryBytes();
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(index->Add(i * 3, Row(rows, dim, i)).ok());
  EXPECT_EQ(index->size(), n);
  EXPECT_GE(index->capacity(), n);
  EXPECT_GT(index->MemoryBytes(), mem0 + n * dim * 4);
  for (size_t i = 0; i < n; i += 97) {
    auto hits = index->Search(Row(rows, dim, i), 1, nullptr, Graph());
    ASSERT_TRUE(hits.ok());
    EXPECT_EQ((*hits)[0].label, i * 3);
  }
  EXPECT_TRUE(index->Reserve(10000).ok());
  EXPECT_GE(index->capacity(), 10000u);
  EXPECT_EQ(index->Reserve(kMaxVectors + 1).code(), Code::kTooLarge);
}

// Mean recall@10 of graph search over held-out queries from the same distribution.
double SyntheticRecall(Encoding e, size_t n, size_t dim, uint32_t ef) {
  // The last 200 rows (same centres) are the queries.
  const auto pool = Clustered(n + 200, dim, 50, 0.35f, 11);
  auto index = MakeIndex(Params(static_cast<uint32_t>(dim), e));
  std::vector<float> base(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n * dim));
  EXPECT_TRUE(index->AddBatch(Iota(n), base).ok());
  double recall = 0;
  for (size_t qi = 0; qi < 200; ++qi) {
    const float* q = pool.data() + (n + qi) * dim;
    auto hits = index->Search(std::span<const float>(q, dim), 10, nullptr, Graph(ef));
    EXPECT_TRUE(hits.ok());
    recall += Recall(*hits, BruteForce(base, dim, q, 10));
  }
  return recall / 200;
}

TEST(VectorIndex, RecallOnClusteredData) {
  const double f32 = SyntheticRecall(Encoding::kFloat32, 10000, 64, 64);
  const double i8 = SyntheticRecall(Encoding::kInt8, 10000, 64, 64);
  std::printf("[ recall@10 ] clustered 10k x 64, ef=64: float32 %.4f, int8 %.4f\n", f32, i8);
  EXPECT_GE(f32, 0.95);
  // int8's ceiling here is its quantisation error, not the graph: an exact int8 scan scores the
  // same 0.944 (isotropic clusters put a point's nearest neighbours at almost equal distances).
  EXPECT_GE(i8, 0.92);
}

// GloVe 50-d (real vectors): each row queries for its 10 nearest others.
double GloveRecall(const testing::Glove& g, Encoding e, uint32_t ef) {
  auto index = MakeIndex(Params(50, e));
  EXPECT_TRUE(index->AddBatch(Iota(g.n), g.rows).ok());
  double recall = 0;
  for (size_t i = 0; i < g.n; ++i) {
    auto hits = index->Search(Row(g.rows, 50, i), 11, nullptr, Graph(ef));
    EXPECT_TRUE(hits.ok());
    std::vector<Hit> others;
    for (const Hit& h : *hits) {
      if (h.label != i && others.size() < 10) others.push_back(h);
    }
    recall += Recall(others, g.top10[i]);
  }
  return recall / static_cast<double>(g.n);
}

TEST(VectorIndex, RecallOnGlove) {
  testing::Glove g;
  ASSERT_TRUE(testing::LoadGlove(&g)) << "missing ../shared/data/glove-50d-5k";
  ASSERT_EQ(g.n, 5050u);
  const double f32 = GloveRecall(g, Encoding::kFloat32, 64);
  const double i8 = GloveRecall(g, Encoding::kInt8, 64);
  std::printf("[ recall@10 ] GloVe 5050 x 50, ef=64: float32 %.4f, int8 %.4f\n", f32, i8);
  EXPECT_GE(f32, 0.95);
  EXPECT_GE(i8, 0.93);
  // Nearest neighbours that make sense (rows from vocab.txt: 0 "the").
  auto index = MakeIndex(Params(50));
  ASSERT_TRUE(index->AddBatch(Iota(g.n), g.rows).ok());
  auto hits = index->Search(Row(g.rows, 50, 0), 11);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ((*hits)[0].label, 0u);
  for (size_t i = 1; i < 11; ++i) EXPECT_EQ((*hits)[i].label, g.top10[0][i - 1]);
}

class FilterTest : public ::testing::Test {
 protected:
  static constexpr size_t kDim = 32, kN = 20000;
  // One index for the suite (building it dominates the run time, most under sanitizers); a test
  // that removes labels restores them.
  static void SetUpTestSuite() {
    rows_ = new std::vector<float>(Clustered(kN, kDim, 40, 0.3f, 21));
    index_ = MakeIndex(Params(kDim)).release();
    ASSERT_TRUE(index_->AddBatch(Iota(kN), *rows_).ok());
  }
  static void TearDownTestSuite() {
    delete index_;
    delete rows_;
  }
  // Mean recall@10 against exact filtered ground truth; fails on any disallowed label.
  template <typename Allow>
  double Check(const Filter& f, Allow allow, const SearchOptions& o, bool* exact_used,
               double* estimate = nullptr) {
    double recall = 0;
    *exact_used = false;
    for (size_t qi = 0; qi < 40; ++qi) {
      const float* q = rows_->data() + (qi * 499 % kN) * kDim;
      SearchStats stats;
      SearchOptions oo = o;
      oo.stats = &stats;
      auto hits = index_->Search(std::span<const float>(q, kDim), 10, &f, oo);
      EXPECT_TRUE(hits.ok());
      for (const Hit& h : *hits) EXPECT_TRUE(allow(h.label)) << h.label;
      const auto truth = BruteForce(*rows_, kDim, q, 10, allow);
      EXPECT_EQ(hits->size(), truth.size());
      recall += Recall(*hits, truth);
      *exact_used |= stats.exact;
      if (estimate != nullptr) *estimate = stats.estimated_allowed;
    }
    return recall / 40;
  }
  static std::vector<float>* rows_;
  static VectorIndex* index_;
};
std::vector<float>* FilterTest::rows_ = nullptr;
VectorIndex* FilterTest::index_ = nullptr;

TEST_F(FilterTest, BroadPredicateUsesTheGraphAndOnlyReturnsAllowedLabels) {
  auto allow = [](size_t l) { return l % 3 == 0; };
  PredicateFilter f([&](Label l) { return allow(l); });
  bool exact = true;
  double estimate = 0;
  const double recall = Check(f, allow, SearchOptions{}, &exact, &estimate);
  EXPECT_FALSE(exact);
  EXPECT_GE(recall, 0.95);
  // The sampled estimate of allowed labels is close to the truth (6,667).
  EXPECT_NEAR(estimate, kN / 3.0, kN * 0.06);
}

TEST_F(FilterTest, SelectivePredicateIsAnsweredExactly) {
  auto allow = [](size_t l) { return l % 200 == 7; };  // 0.5%: 100 labels
  PredicateFilter f([&](Label l) { return allow(l); });
  bool exact = false;
  EXPECT_EQ(Check(f, allow, SearchOptions{}, &exact), 1.0);
  EXPECT_TRUE(exact);
  // Forced through the graph, the filter is still applied inside the search.
  EXPECT_GE(Check(f, allow, Graph(), &exact), 0.9);
}

TEST_F(FilterTest, ExplicitLabelListsAndSelectivityHints) {
  std::vector<Label> list;
  for (Label l = 5; l < kN; l += 97) list.push_back(l);
  list.push_back(5);           // duplicates are fine
  list.push_back(kN + 12345);  // labels not in the index are ignored
  LabelListFilter f(list);
  auto allow = [&](size_t l) { return f.Allows(l); };
  bool exact = false;
  EXPECT_EQ(Check(f, allow, SearchOptions{}, &exact), 1.0);
  EXPECT_TRUE(exact);
  // A wrong hint only changes the strategy, never the correctness of the labels returned.
  PredicateFilter hinted([&](Label l) { return l % 97 == 5; }, 0.9);
  EXPECT_GE(Check(hinted, [](size_t l) { return l % 97 == 5; }, SearchOptions{}, &exact), 0.95);
  // A hint claiming everything is allowed when only 5 labels are: the graph search finds fewer
  // than k, and the safety net answers exactly.
  PredicateFilter liar([](Label l) { return l % 4000 == 17; }, 1.0);
  SearchStats stats;
  SearchOptions o;
  o.stats = &stats;
  auto few = index_->Search(Row(*rows_, kDim, 0), 10, &liar, o);
  ASSERT_TRUE(few.ok());
  EXPECT_EQ(few->size(), 5u);
  EXPECT_TRUE(stats.exact);
  // Nothing allowed: no hits.
  LabelListFilter none(std::vector<Label>{});
  auto hits = index_->Search(Row(*rows_, kDim, 0), 10, &none);
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty());
  PredicateFilter never([](Label) { return false; });
  auto hits2 = index_->Search(Row(*rows_, kDim, 0), 10, &never, Graph());
  ASSERT_TRUE(hits2.ok());
  EXPECT_TRUE(hits2->empty());
}

TEST_F(FilterTest, FilterAndRemovalsCombine) {
  for (Label l = 0; l < kN; l += 2) ASSERT_TRUE(index_->Remove(l).ok());
  auto allow = [](size_t l) { return l % 2 == 1 && l % 5 != 0; };
  PredicateFilter f([](Label l) { return l % 5 != 0; });
  bool exact = true;
  EXPECT_GE(Check(f, allow, SearchOptions{}, &exact), 0.95);
  EXPECT_FALSE(exact);
  for (Label l = 0; l < kN; l += 2) ASSERT_TRUE(index_->Restore(l).ok());
  EXPECT_EQ(index_->live_size(), kN);
}

TEST_F(FilterTest, RemovalsAloneChooseByHowManyAreLive) {
  auto live_only = [&](Label keep_every) {
    for (Label l = 0; l < kN; ++l) {
      if (l % keep_every != 0) {
        ASSERT_TRUE(index_->Remove(l).ok());
      }
    }
  };
  auto search = [&](bool* exact) {
    double recall = 0;
    for (size_t qi = 0; qi < 20; ++qi) {
      const float* q = rows_->data() + (qi * 733 % kN) * kDim;
      SearchStats stats;
      SearchOptions o;
      o.stats = &stats;
      auto hits = index_->Search(std::span<const float>(q, kDim), 10, nullptr, o);
      EXPECT_TRUE(hits.ok());
      *exact = stats.exact;
      recall += Recall(*hits, BruteForce(*rows_, kDim, q, 10, [&](size_t l) { return index_->Contains(l); }));
    }
    return recall / 20;
  };
  bool exact = false;
  live_only(2);  // half live: the graph
  EXPECT_GE(search(&exact), 0.95);
  EXPECT_FALSE(exact);
  for (Label l = 0; l < kN; ++l) ASSERT_TRUE(index_->Restore(l).ok());
  live_only(16);  // 1,250 live of 20,000: a scan is cheaper than wading through the graph
  EXPECT_EQ(search(&exact), 1.0);
  EXPECT_TRUE(exact);
  for (Label l = 0; l < kN; ++l) ASSERT_TRUE(index_->Restore(l).ok());
  EXPECT_EQ(index_->live_size(), kN);
}

TEST(VectorIndex, SmallIndexesAreScannedExactly) {
  const size_t dim = 8;
  const auto rows = Clustered(1000, dim, 5, 0.3f, 6);
  auto index = MakeIndex(Params(dim));
  ASSERT_TRUE(index->AddBatch(Iota(1000), rows).ok());
  EXPECT_LE(index->live_size(), index->params().exact_threshold);
  SearchStats stats;
  SearchOptions o;
  o.stats = &stats;
  auto hits = index->Search(Row(rows, dim, 3), 10, nullptr, o);
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(stats.exact);
  EXPECT_EQ(Recall(*hits, BruteForce(rows, dim, rows.data() + 3 * dim, 10)), 1.0);
}

TEST(VectorIndex, SameSeedSameAddsSameGraph) {
  const size_t dim = 12;
  const auto rows = Clustered(800, dim, 5, 0.3f, 8);
  auto a = MakeIndex(Params(dim));
  auto b = MakeIndex(Params(dim));
  ASSERT_TRUE(a->AddBatch(Iota(800), rows).ok());
  for (size_t i = 0; i < 800; ++i) ASSERT_TRUE(b->Add(i, Row(rows, dim, i)).ok());
  auto sa = a->Serialize();
  auto sb = b->Serialize();
  ASSERT_TRUE(sa.ok() && sb.ok());
  EXPECT_EQ(*sa, *sb);
}

// Deferred linking: the same adds linked now, linked later in one go, or linked in uneven pieces
// give byte-identical indexes (the level generator is drawn in slot order either way).
TEST(VectorIndex, DeferredLinkingBuildsTheSameGraph) {
  const size_t dim = 12, n = 1500;
  const auto rows = Clustered(n, dim, 6, 0.3f, 21);
  auto now = MakeIndex(Params(dim));
  auto later = MakeIndex(Params(dim));
  auto pieces = MakeIndex(Params(dim));
  ASSERT_TRUE(now->AddBatch(Iota(n), rows).ok());
  ASSERT_TRUE(later->AddBatch(Iota(n), rows, Linking::kDeferred).ok());
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(pieces->Add(i, Row(rows, dim, i), Linking::kDeferred).ok());
  EXPECT_EQ(later->unlinked(), n);
  EXPECT_EQ(now->unlinked(), 0u);
  auto left = later->Link(n);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 0u);
  size_t remaining = n;
  for (size_t step : {1, 7, 300, 1, 5000}) {
    auto r = pieces->Link(step);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, remaining - std::min(step, remaining));
    remaining = *r;
  }
  auto a = now->Serialize();
  auto b = later->Serialize();
  auto c = pieces->Serialize();
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, *c);
}

// Unlinked vectors are found by every search path at once: the graph search scans them exactly,
// filters and removals apply to them, and replacing one overwrites its vector.
TEST(VectorIndex, UnlinkedVectorsAreSearchableAtOnce) {
  const size_t dim = 16, n = 6000;
  const auto rows = Clustered(n, dim, 8, 0.25f, 5);
  auto index = MakeIndex(Params(dim));
  ASSERT_TRUE(index->AddBatch(Iota(4000), std::span(rows).first(4000 * dim)).ok());
  ASSERT_TRUE(index->AddBatch(Iota(2000, 4000), std::span(rows).subspan(4000 * dim), Linking::kDeferred).ok());
  EXPECT_EQ(index->unlinked(), 2000u);
  EXPECT_EQ(index->live_size(), n);
  double recall = 0;
  for (size_t q = 3900; q < 4100; ++q) {
    SearchStats stats;
    SearchOptions o;
    o.stats = &stats;
    auto hits = index->Search(Row(rows, dim, q), 10, nullptr, o);
    ASSERT_TRUE(hits.ok());
    EXPECT_FALSE(stats.exact);
    ASSERT_FALSE(hits->empty());
    EXPECT_EQ((*hits)[0].label, q);  // itself, linked or not
    recall += Recall(*hits, BruteForce(rows, dim, Row(rows, dim, q).data(), 10));
  }
  EXPECT_GE(recall / 200, 0.95);
  // Filters: only odd labels, graph path forced.
  PredicateFilter odd([](Label l) { return l % 2 == 1; });
  auto hits = index->Search(Row(rows, dim, 5001), 10, &odd, Graph(64));
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].label, 5001u);
  for (const Hit& h : *hits) EXPECT_EQ(h.label % 2, 1u);
  // Removal and restore of an unlinked label.
  ASSERT_TRUE(index->Remove(5001).ok());
  hits = index->Search(Row(rows, dim, 5001), 10);
  ASSERT_TRUE(hits.ok());
  for (const Hit& h : *hits) EXPECT_NE(h.label, 5001u);
  ASSERT_TRUE(index->Restore(5001).ok());
  // Replacing an unlinked label's vector: it is now found where the new vector is.
  ASSERT_TRUE(index->Add(5001, Row(rows, dim, 10), Linking::kDeferred).ok());
  EXPECT_EQ(index->unlinked(), 2000u);
  hits = index->Search(Row(rows, dim, 10), 2);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_NEAR((*hits)[1].score, 1.0f, 1e-5);
  // An immediate add links everything before it, so unlinked vectors stay the newest slots.
  ASSERT_TRUE(index->Add(n, Row(rows, dim, 7)).ok());
  EXPECT_EQ(index->unlinked(), 0u);
  auto g = index->Search(Row(rows, dim, 5003), 1, nullptr, Graph(64));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)[0].label, 5003u);
}

// An index of only unlinked vectors answers by exact scan, and round-trips through Serialize.
TEST(VectorIndex, UnlinkedVectorsSurviveSerialisation) {
  const size_t dim = 10, n = 2500;
  const auto rows = Clustered(n, dim, 4, 0.3f, 9);
  auto index = MakeIndex(Params(dim));
  ASSERT_TRUE(index->AddBatch(Iota(n), rows, Linking::kDeferred).ok());
  ASSERT_TRUE(index->Link(1000).ok());
  ASSERT_TRUE(index->Remove(2400).ok());
  auto bytes = index->Serialize();
  ASSERT_TRUE(bytes.ok());
  auto loaded = VectorIndex::Deserialize(*bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->unlinked(), 1500u);
  EXPECT_EQ((*loaded)->live_size(), n - 1);
  auto hits = (*loaded)->Search(Row(rows, dim, 2000), 1, nullptr, Graph(64));
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ((*hits)[0].label, 2000u);
  // Linking the rest after a reload gives the graph linking it without the reload would have.
  auto lr = (*loaded)->Link(n);
  ASSERT_TRUE(lr.ok()) << lr.status().ToString();
  ASSERT_TRUE(index->Link(n).ok());
  EXPECT_EQ((*loaded)->unlinked(), 0u);
  auto h2 = (*loaded)->Search(Row(rows, dim, 2001), 1, nullptr, Graph(64));
  ASSERT_TRUE(h2.ok());
  EXPECT_EQ((*h2)[0].label, 2001u);
  // Nothing linked at all: no entry point, exact answers.
  auto none = MakeIndex(Params(dim));
  ASSERT_TRUE(none->AddBatch(Iota(50), std::span(rows).first(50 * dim), Linking::kDeferred).ok());
  auto nb = none->Serialize();
  ASSERT_TRUE(nb.ok());
  auto nl = VectorIndex::Deserialize(*nb);
  ASSERT_TRUE(nl.ok()) << nl.status().ToString();
  auto h3 = (*nl)->Search(Row(rows, dim, 30), 1, nullptr, Graph(64));
  ASSERT_TRUE(h3.ok());
  EXPECT_EQ((*h3)[0].label, 30u);
}

}  // namespace
}  // namespace kspace::index
