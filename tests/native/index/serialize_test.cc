// Persistence of the vector index: round trips, and rejection of every damaged input.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "index/checksum.h"
#include "index/filter.h"
#include "index/vector_index.h"
#include "index_test_util.h"

namespace kspace::index {
namespace {

using testing::Clustered;
using testing::Iota;

std::unique_ptr<VectorIndex> Build(size_t n, size_t dim, Encoding e, uint64_t seed = 1) {
  IndexParams p;
  p.dim = static_cast<uint32_t>(dim);
  p.encoding = e;
  p.M = 8;
  p.ef_construction = 64;
  p.ef_search = 40;
  p.exact_threshold = 100;
  p.seed = seed;
  auto r = VectorIndex::Create(p);
  EXPECT_TRUE(r.ok());
  auto index = std::move(r).value();
  const auto rows = Clustered(n, dim, 6, 0.3f, seed);
  EXPECT_TRUE(index->AddBatch(Iota(n, 100), rows).ok());
  return index;
}

// Every search answer of `a` and `b` agrees exactly (labels and scores), on both strategies.
void ExpectSameAnswers(const VectorIndex& a, const VectorIndex& b, size_t dim) {
  const auto queries = Clustered(50, dim, 6, 0.5f, 99);
  for (size_t qi = 0; qi < 50; ++qi) {
    std::span<const float> q(queries.data() + qi * dim, dim);
    for (auto strategy : {SearchOptions::Strategy::kGraph, SearchOptions::Strategy::kExact}) {
      SearchOptions o;
      o.strategy = strategy;
      auto ha = a.Search(q, 10, nullptr, o);
      auto hb = b.Search(q, 10, nullptr, o);
      ASSERT_TRUE(ha.ok() && hb.ok());
      ASSERT_EQ(ha->size(), hb->size());
      for (size_t i = 0; i < ha->size(); ++i) {
        EXPECT_EQ((*ha)[i].label, (*hb)[i].label);
        EXPECT_EQ((*ha)[i].score, (*hb)[i].score);
      }
    }
  }
}

TEST(Serialize, RoundTripGivesIdenticalSearches) {
  for (Encoding e : {Encoding::kFloat32, Encoding::kInt8}) {
    const size_t dim = 20;
    auto index = Build(1200, dim, e);
    ASSERT_TRUE(index->Remove(105).ok());
    ASSERT_TRUE(index->Remove(777).ok());
    index->set_generation(0xABCDEF0123ULL);
    auto bytes = index->Serialize();
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto loaded = VectorIndex::Deserialize(*bytes);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    const VectorIndex& l = **loaded;
    EXPECT_EQ(l.size(), 1200u);
    EXPECT_EQ(l.live_size(), 1198u);
    EXPECT_FALSE(l.Contains(105));
    EXPECT_TRUE(l.Contains(106));
    EXPECT_EQ(l.generation(), 0xABCDEF0123ULL);
    EXPECT_EQ(l.params().M, 8u);
    EXPECT_EQ(l.params().ef_search, 40u);
    EXPECT_EQ(l.params().exact_threshold, 100u);
    EXPECT_EQ(l.params().encoding, e);
    ExpectSameAnswers(*index, l, dim);
    // Serialising the loaded index gives the same bytes.
    auto again = l.Serialize();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *bytes);
  }
}

// A ByteSource over bytes in memory, read in the pieces the reader asks for.
class Bytes final : public ByteSource {
 public:
  explicit Bytes(std::span<const uint8_t> b) : b_(b) {}
  uint64_t size() const override { return b_.size(); }
  Status Read(void* dst, size_t n) override {
    if (n > b_.size() - pos_) return Status(Code::kIoError, "read past the end");
    std::memcpy(dst, b_.data() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }
  size_t read() const { return pos_; }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

// Scanning a serialisation answers as the index's exact search does (labels and scores), with and
// without a filter, skipping removed vectors, and reads nothing after the vectors.
TEST(Serialize, ScanAnswersAsTheExactSearch) {
  for (Encoding e : {Encoding::kFloat32, Encoding::kInt8}) {
    const size_t dim = 20;
    auto index = Build(1200, dim, e);
    ASSERT_TRUE(index->Remove(105).ok());
    ASSERT_TRUE(index->Remove(777).ok());
    auto bytes = std::move(index->Serialize()).value();
    const auto queries = Clustered(40, dim, 6, 0.5f, 99);
    PredicateFilter even([](Label l) { return l % 2 == 0; });
    for (size_t qi = 0; qi < 40; ++qi) {
      std::span<const float> q(queries.data() + qi * dim, dim);
      for (const Filter* f : {static_cast<const Filter*>(nullptr), static_cast<const Filter*>(&even)}) {
        for (size_t k : {size_t{1}, size_t{10}, size_t{2000}}) {
          SearchOptions o;
          o.strategy = SearchOptions::Strategy::kExact;
          auto want = index->Search(q, k, f, o);
          ASSERT_TRUE(want.ok());
          Bytes src(bytes);
          auto got = VectorIndex::ScanSerialized(src, q, k, f);
          ASSERT_TRUE(got.ok()) << got.status().ToString();
          ASSERT_EQ(got->size(), want->size()) << "k " << k;
          for (size_t i = 0; i < got->size(); ++i) {
            EXPECT_EQ((*got)[i].label, (*want)[i].label) << "q " << qi << " k " << k << " rank " << i;
            EXPECT_FLOAT_EQ((*got)[i].score, (*want)[i].score);
            EXPECT_NE((*got)[i].label, 105u);
          }
          EXPECT_LT(src.read(), bytes.size() - 1200 * 4) << "the graph after the vectors is not read";
        }
      }
    }
  }
}

TEST(Serialize, ScanRejectsDamageBeforeTheVectorsAndBadArguments) {
  auto index = Build(150, 6, Encoding::kInt8);
  auto bytes = std::move(index->Serialize()).value();
  const std::vector<float> q = {1, 0, 0, 0, 0, 0};
  for (size_t len : {size_t{0}, size_t{64}, bytes.size() / 2, bytes.size() - 1}) {
    Bytes src(std::span<const uint8_t>(bytes.data(), len));
    auto r = VectorIndex::ScanSerialized(src, q, 5, nullptr);
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.status().code(), Code::kCorrupt) << len;
  }
  std::vector<uint8_t> bad = bytes;
  bad[0] ^= 1;  // magic
  Bytes src(bad);
  EXPECT_EQ(VectorIndex::ScanSerialized(src, q, 5, nullptr).status().code(), Code::kCorrupt);
  Bytes a(bytes), b(bytes), c(bytes);
  EXPECT_EQ(VectorIndex::ScanSerialized(a, q, 0, nullptr).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(VectorIndex::ScanSerialized(b, std::vector<float>{1, 0, 0}, 5, nullptr).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(VectorIndex::ScanSerialized(c, std::vector<float>(6, 0.0f), 5, nullptr).status().code(),
            Code::kInvalidArgument);
}

// A float32 snapshot loaded as int8 (how the engine upgrades an index saved by an older version):
// same labels, marks and graph, vectors within quantisation error, and saved as int8 from then on.
TEST(Serialize, Float32SnapshotLoadsAsInt8WithTheSameGraph) {
  const size_t dim = 24;
  auto f32 = Build(1500, dim, Encoding::kFloat32);
  ASSERT_TRUE(f32->Remove(110).ok());
  auto bytes = f32->Serialize();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(VectorIndex::StoredEncoding(*bytes), Encoding::kFloat32);
  auto loaded = VectorIndex::Deserialize(*bytes, Encoding::kInt8);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const VectorIndex& q = **loaded;
  EXPECT_EQ(q.params().encoding, Encoding::kInt8);
  EXPECT_EQ(q.size(), 1500u);
  EXPECT_FALSE(q.Contains(110));
  for (Label l : {Label{100}, Label{777}, Label{1599}}) {
    auto a = f32->GetVector(l);
    auto b = q.GetVector(l);
    ASSERT_TRUE(a.ok() && b.ok());
    for (size_t d = 0; d < dim; ++d) EXPECT_NEAR((*a)[d], (*b)[d], 0.01f);
  }
  // The graph came along: a graph search finds each vector itself, at a score near 1.
  SearchOptions graph;
  graph.strategy = SearchOptions::Strategy::kGraph;
  const auto rows = Clustered(1500, dim, 6, 0.3f, 1);
  for (size_t i = 0; i < 1500; i += 97) {
    if (i + 100 == 110) continue;
    auto hits = q.Search(std::span<const float>(rows.data() + i * dim, dim), 1, nullptr, graph);
    ASSERT_TRUE(hits.ok());
    EXPECT_EQ((*hits)[0].label, i + 100);
    EXPECT_NEAR((*hits)[0].score, 1.0f, 0.02f);
  }
  // Saved again, it is an int8 snapshot that loads as it is.
  auto again = q.Serialize();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(VectorIndex::StoredEncoding(*again), Encoding::kInt8);
  EXPECT_LT(again->size(), bytes->size());
  auto reloaded = VectorIndex::Deserialize(*again, Encoding::kInt8);
  ASSERT_TRUE(reloaded.ok());
  ExpectSameAnswers(q, **reloaded, dim);
  // Loading with its own encoding changes nothing; garbage has no encoding.
  auto same = VectorIndex::Deserialize(*bytes, Encoding::kFloat32);
  ASSERT_TRUE(same.ok());
  ExpectSameAnswers(*f32, **same, dim);
  EXPECT_EQ(VectorIndex::StoredEncoding(std::vector<uint8_t>(200, 7)), std::nullopt);
}

TEST(Serialize, LoadedIndexKeepsWorking) {
  const size_t dim = 16;
  auto index = Build(500, dim, Encoding::kFloat32);
  auto bytes = index->Serialize();
  ASSERT_TRUE(bytes.ok());
  auto loaded = std::move(VectorIndex::Deserialize(*bytes)).value();
  const auto more = Clustered(700, dim, 6, 0.3f, 5);
  ASSERT_TRUE(loaded->AddBatch(Iota(700, 5000), more).ok());  // grows past the loaded capacity
  ASSERT_TRUE(loaded->Remove(100).ok());
  ASSERT_TRUE(loaded->Add(101, std::span<const float>(more.data(), dim)).ok());  // replace
  EXPECT_EQ(loaded->size(), 1200u);
  SearchOptions graph;
  graph.strategy = SearchOptions::Strategy::kGraph;
  for (size_t i = 0; i < 700; i += 50) {
    auto hits = loaded->Search(std::span<const float>(more.data() + i * dim, dim), 1, nullptr, graph);
    ASSERT_TRUE(hits.ok());
    EXPECT_NEAR((*hits)[0].score, 1.0f, 1e-5);
  }
}

// A loaded index has room for 1/8 more vectors, so the first adds after a load (the change log
// replayed on open, the next ingest) do not reallocate and copy the whole graph.
TEST(Serialize, LoadedIndexHasRoomForMore) {
  const size_t dim = 16, n = 2000;
  auto index = Build(n, dim, Encoding::kInt8);
  auto bytes = index->Serialize();
  ASSERT_TRUE(bytes.ok());
  auto loaded = std::move(VectorIndex::Deserialize(*bytes)).value();
  const size_t cap = loaded->capacity();
  EXPECT_GE(cap, n + n / 8);
  const auto more = Clustered(n / 8, dim, 6, 0.3f, 9);
  for (size_t i = 0; i < n / 8; ++i) {
    ASSERT_TRUE(loaded->Add(10000 + i, std::span<const float>(more.data() + i * dim, dim)).ok());
  }
  EXPECT_EQ(loaded->capacity(), cap) << "grew (reallocated) within the headroom";
  EXPECT_EQ(loaded->size(), n + n / 8);
}

TEST(Serialize, EmptyIndexRoundTrips) {
  IndexParams p;
  p.dim = 7;
  auto index = std::move(VectorIndex::Create(p)).value();
  auto bytes = index->Serialize();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 128u + 8u);
  auto loaded = VectorIndex::Deserialize(*bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->size(), 0u);
  EXPECT_TRUE((*loaded)->Add(1, std::vector<float>(7, 1.0f)).ok());
}

void ExpectCorrupt(std::span<const uint8_t> bytes, const char* what) {
  auto r = VectorIndex::Deserialize(bytes);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.status().code(), Code::kCorrupt) << what << ": " << r.status().ToString();
}

TEST(Serialize, EveryTruncationIsRejected) {
  auto index = Build(150, 6, Encoding::kFloat32);
  auto bytes = std::move(index->Serialize()).value();
  for (size_t len = 0; len < bytes.size(); ++len) {
    ExpectCorrupt(std::span<const uint8_t>(bytes.data(), len), "truncated");
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  ExpectCorrupt(longer, "trailing byte");
}

TEST(Serialize, EveryByteFlipIsRejected) {
  for (Encoding e : {Encoding::kFloat32, Encoding::kInt8}) {
    auto index = Build(120, 5, e);
    ASSERT_TRUE(index->Remove(110).ok());
    auto bytes = std::move(index->Serialize()).value();
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
        bytes[i] ^= mask;
        auto r = VectorIndex::Deserialize(bytes);
        ASSERT_FALSE(r.ok()) << "byte " << i;
        // A flipped version number reads as a newer format; everything else is corruption.
        if (i >= 8 && i < 12 && r.status().code() == Code::kUnsupported) {
          bytes[i] ^= mask;
          continue;
        }
        EXPECT_EQ(r.status().code(), Code::kCorrupt) << "byte " << i;
        bytes[i] ^= mask;
      }
    }
    EXPECT_TRUE(VectorIndex::Deserialize(bytes).ok());
  }
}

// Structural damage under a valid checksum (a buggy or hostile writer): every field is checked.
class Crafted : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = Build(200, 6, Encoding::kFloat32);
    bytes_ = std::move(index_->Serialize()).value();
    n_ = 200;
    labels_ = 128;
    levels_ = labels_ + 8 * n_;
    marks_ = levels_ + n_;
    vectors_ = (marks_ + (n_ + 7) / 8 + 7) / 8 * 8;
    stored_ = 8 * 4;  // dim 6 padded to 8 floats
    layer0_ = vectors_ + n_ * stored_;
    l0_ = 4 * (1 + 16);  // M = 8
    upper_ = layer0_ + n_ * l0_;
  }
  // Applies `edit`, recomputes the checksum, and expects CORRUPT (or `code`).
  template <typename Edit>
  void Expect(Edit edit, const char* what, Code code = Code::kCorrupt) {
    std::vector<uint8_t> b = bytes_;
    edit(b);
    Reseal(b);
    auto r = VectorIndex::Deserialize(b);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), code) << what << ": " << r.status().ToString();
  }
  static void Reseal(std::vector<uint8_t>& b) {
    const uint64_t c = Checksum64(b.data(), b.size() - 8);
    std::memcpy(b.data() + b.size() - 8, &c, 8);
  }
  static void Put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
  static void Put64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }
  static uint32_t Get32(const std::vector<uint8_t>& b, size_t at) {
    uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return v;
  }
  std::unique_ptr<VectorIndex> index_;
  std::vector<uint8_t> bytes_;
  size_t n_, labels_, levels_, marks_, vectors_, stored_, layer0_, l0_, upper_;
};

TEST_F(Crafted, ResealedUnchangedBytesLoad) {
  std::vector<uint8_t> b = bytes_;
  Reseal(b);
  EXPECT_TRUE(VectorIndex::Deserialize(b).ok());
}

TEST_F(Crafted, HeaderFieldsOutOfRange) {
  Expect([](auto& b) { b[0] = 'X'; }, "magic");
  Expect([](auto& b) { Put32(b, 8, 3); }, "newer version", Code::kUnsupported);
  Expect([](auto& b) { Put32(b, 8, 0); }, "version 0");
  Expect([](auto& b) { Put32(b, 12, 64); }, "header size");
  Expect([](auto& b) { Put32(b, 16, 0); }, "dim 0");
  Expect([](auto& b) { Put32(b, 16, 9); }, "dim disagrees with vector size");
  Expect([](auto& b) { Put32(b, 20, 2); }, "encoding");
  Expect([](auto& b) { Put32(b, 24, 0); }, "M 0");
  Expect([](auto& b) { Put32(b, 24, 9); }, "M disagrees with list sizes");
  Expect([](auto& b) { Put32(b, 32, 0); }, "ef_search 0");
  Expect([](auto& b) { Put64(b, 56, 201); }, "count too big");
  Expect([](auto& b) { Put64(b, 56, 1ull << 40); }, "count huge");
  Expect([](auto& b) { Put64(b, 64, 3); }, "removed count");
  Expect([](auto& b) { Put32(b, 72, 40); }, "max level");
  Expect([](auto& b) { Put32(b, 76, 200); }, "entry point out of range");
  Expect([](auto& b) { Put32(b, 80, 28); }, "stored bytes");
  Expect([](auto& b) { Put32(b, 84, 1); }, "last slot counted unlinked but has links");
  Expect([](auto& b) { Put32(b, 84, 201); }, "more unlinked than stored");

  Expect([](auto& b) { b[100] = 1; }, "reserved tail");
  Expect([&](auto& b) { Put64(b, 88, b.size() + 8); }, "size field");
}

TEST_F(Crafted, VersionOneStillLoads) {
  // Version 1 is version 2 without unlinked vectors (offset 84 was reserved, 0).
  std::vector<uint8_t> b = bytes_;
  Put32(b, 8, 1);
  Reseal(b);
  EXPECT_TRUE(VectorIndex::Deserialize(b).ok());
  Put32(b, 84, 1);
  Reseal(b);
  auto r = VectorIndex::Deserialize(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorrupt);
}

TEST_F(Crafted, BodyFieldsOutOfRange) {
  Expect([&](auto& b) { std::memcpy(b.data() + labels_ + 8, b.data() + labels_, 8); }, "duplicate label");
  Expect([&](auto& b) { b[levels_ + 3] = 64; }, "level > 63");
  Expect([&](auto& b) {
    // A node claiming an upper layer that the upper section does not hold.
    for (size_t i = 0; i < n_; ++i) {
      if (b[levels_ + i] == 0) {
        b[levels_ + i] = 1;
        break;
      }
    }
  }, "level without its links");
  Expect([&](auto& b) { b[marks_] ^= 1; }, "removed mark without count");
  Expect([&](auto& b) { b[marks_ + n_ / 8] |= 0x80; }, "mark past the end");
  Expect([&](auto& b) { Put32(b, vectors_ + 4, 0x7FC00000u); }, "NaN vector");
  Expect([&](auto& b) { Put32(b, vectors_ + 4, 0x7F800000u); }, "Inf vector");
  Expect([&](auto& b) { Put32(b, vectors_ + 6 * 4, 0x3F800000u); }, "vector padding");
  Expect([&](auto& b) { Put32(b, layer0_, 17); }, "layer-0 count > 2M");
  Expect([&](auto& b) { Put32(b, layer0_ + 4, 200); }, "layer-0 id out of range");
  Expect([&](auto& b) { Put32(b, layer0_ + 4, 0xFFFFFFFFu); }, "layer-0 id -1");
  Expect([&](auto& b) {
    const uint32_t c = Get32(b, layer0_);
    Put32(b, layer0_ + 4 + 4 * c, 1);  // an id after the count
  }, "stale id after the count");
  Expect([&](auto& b) { Put32(b, upper_, 9); }, "upper count > M");
  Expect([&](auto& b) {
    // An upper-layer link to a node without that layer.
    size_t low = 0;
    while (b[levels_ + low] != 0) ++low;
    Put32(b, upper_ + 4, static_cast<uint32_t>(low));
    if (Get32(b, upper_) == 0) Put32(b, upper_, 1);
  }, "upper link to a lower node");
}

// Random structural damage under a valid checksum: Deserialize either rejects the bytes or returns
// an index that searches, adds and serialises without misbehaving (run under ASan+UBSan).
TEST_F(Crafted, RandomResealedMutationsAreRejectedOrHarmless) {
  std::mt19937 rng(1234);
  const auto queries = Clustered(4, 6, 6, 0.5f, 77);
  size_t accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint8_t> b = bytes_;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      // Mostly the structural sections (levels, marks, links), sometimes anywhere.
      const size_t lo = rng() % 4 == 0 ? 0 : levels_;
      const size_t at = lo + rng() % (b.size() - 8 - lo);
      b[at] = static_cast<uint8_t>(rng() % 4 == 0 ? rng() : b[at] ^ (1u << (rng() % 8)));
    }
    Reseal(b);
    auto r = VectorIndex::Deserialize(b);
    if (!r.ok()) {
      EXPECT_TRUE(r.status().code() == Code::kCorrupt || r.status().code() == Code::kUnsupported)
          << r.status().ToString();
      continue;
    }
    ++accepted;
    VectorIndex& l = **r;
    for (size_t qi = 0; qi < 4; ++qi) {
      std::span<const float> q(queries.data() + qi * 6, 6);
      for (auto strategy : {SearchOptions::Strategy::kGraph, SearchOptions::Strategy::kExact,
                            SearchOptions::Strategy::kAuto}) {
        SearchOptions o;
        o.strategy = strategy;
        auto hits = l.Search(q, 5, nullptr, o);
        ASSERT_TRUE(hits.ok());
      }
    }
    ASSERT_TRUE(l.Add(999999, std::span<const float>(queries.data(), 6)).ok());
    // Replace (hnswlib's updatePoint walks the two-hop neighbourhood) and remove/restore.
    Status replaced = l.Add(150, std::span<const float>(queries.data() + 6, 6));
    EXPECT_TRUE(replaced.ok() || replaced.code() == Code::kInternal) << replaced.ToString();
    if (l.Remove(160).ok()) {
      EXPECT_TRUE(l.Restore(160).ok());
    }
    ASSERT_TRUE(l.Search(std::span<const float>(queries.data(), 6), 5).ok());
    ASSERT_TRUE(l.Serialize().ok());
  }
  std::printf("[ mutations ] %zu of 3000 resealed mutations loaded (harmlessly)\n", accepted);
}

TEST(Serialize, GarbageIsRejected) {
  std::vector<uint8_t> junk(4096);
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 131 + 17);
  ExpectCorrupt(junk, "junk");
  ExpectCorrupt({}, "empty");
}

}  // namespace
}  // namespace kspace::index
