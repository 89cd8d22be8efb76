#include "index/distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "index/checksum.h"

namespace kspace::index {
namespace {

TEST(Distance, KernelMatchesPortableForEveryLength) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::uniform_int_distribution<int> q(-127, 127);
  for (size_t n = 0; n <= 200; ++n) {
    // Odd offsets: the kernels must accept unaligned pointers.
    std::vector<float> a(n + 1), b(n + 3);
    std::vector<int8_t> x(n + 1), y(n + 3);
    for (float& v : a) v = u(rng);
    for (float& v : b) v = u(rng);
    for (int8_t& v : x) v = static_cast<int8_t>(q(rng));
    for (int8_t& v : y) v = static_cast<int8_t>(q(rng));
    double exact = 0;
    for (size_t i = 0; i < n; ++i) exact += double{a[i + 1]} * b[i + 3];
    EXPECT_NEAR(DotF32(a.data() + 1, b.data() + 3, n), exact, 1e-4) << "n=" << n;
    EXPECT_NEAR(DotF32Portable(a.data() + 1, b.data() + 3, n), exact, 1e-4) << "n=" << n;
    int32_t exact_i = 0;
    for (size_t i = 0; i < n; ++i) exact_i += int32_t{x[i + 1]} * y[i + 3];
    EXPECT_EQ(DotI8(x.data() + 1, y.data() + 3, n), exact_i) << "n=" << n;
    EXPECT_EQ(DotI8Portable(x.data() + 1, y.data() + 3, n), exact_i) << "n=" << n;
  }
}

TEST(Distance, Int8ExtremesDoNotOverflow) {
  const size_t n = 16384;  // kMaxDim
  std::vector<int8_t> a(n, 127), b(n, -127);
  EXPECT_EQ(DotI8(a.data(), a.data(), n), 127 * 127 * int32_t{n});
  EXPECT_EQ(DotI8(a.data(), b.data(), n), -127 * 127 * int32_t{n});
}

TEST(Distance, ReportsItsKernel) {
  const std::string name = KernelName();
  EXPECT_TRUE(name == "portable" || name == "avx2-fma" || name == "wasm-simd128") << name;
}

TEST(Checksum, MatchesReferenceXxh64) {
  // Reference values of XXH64(input, seed 0) from the xxHash project.
  auto h = [](const char* s) { return Checksum64(s, std::strlen(s)); };
  EXPECT_EQ(h(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(h("a"), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(h("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(h("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);
}

TEST(Checksum, DetectsEverySingleBitFlip) {
  std::vector<unsigned char> data(301);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 31 + 7);
  const uint64_t base = Checksum64(data.data(), data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      data[i] ^= static_cast<unsigned char>(1 << bit);
      EXPECT_NE(Checksum64(data.data(), data.size()), base) << i << ":" << bit;
      data[i] ^= static_cast<unsigned char>(1 << bit);
    }
  }
  EXPECT_NE(Checksum64(data.data(), data.size() - 1), base);
  EXPECT_NE(Checksum64(data.data(), data.size(), 1), base);
}

}  // namespace
}  // namespace kspace::index
