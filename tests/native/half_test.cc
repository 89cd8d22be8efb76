// util/half.h: the binary16 codec stored chunk vectors use.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "util/half.h"

namespace kspace {
namespace {

TEST(Half, KnownEncodings) {
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(0.5f), 0x3800);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);                  // largest finite
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -14)), 0x0400);     // smallest normal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);     // smallest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -26)), 0x0000);     // underflows to zero
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);                  // the tie past 65504 rounds to infinity
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::infinity()), 0x7c00);
  const uint16_t nan = FloatToHalf(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x03ff, 0);
}

TEST(Half, RoundsToNearestEven) {
  // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1.0).
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3 * 2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  // Just above the halfway point rounds up.
  EXPECT_EQ(FloatToHalf(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)), 0x3c01);
  // A carry out of the mantissa moves to the next exponent: the largest value below 2 rounds to 2.
  EXPECT_EQ(FloatToHalf(std::nextafter(2.0f, 0.0f)), 0x4000);
  // Subnormal ties: 1.5 * 2^-24 -> 2 * 2^-24 (even), 2.5 * 2^-24 -> 2 * 2^-24.
  EXPECT_EQ(FloatToHalf(1.5f * std::ldexp(1.0f, -24)), 0x0002);
  EXPECT_EQ(FloatToHalf(2.5f * std::ldexp(1.0f, -24)), 0x0002);
}

TEST(Half, EveryHalfRoundTripsExactly) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = HalfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(f)))) << std::hex << h;
      continue;
    }
    EXPECT_EQ(FloatToHalf(f), h) << std::hex << h;
  }
}

TEST(Half, ErrorIsWithinHalfAnUlpOnUnitVectorValues) {
  // A 512-d unit vector's components: |v| well under 1. The relative error of a normal half is
  // at most 2^-11.
  for (float f = 1e-4f; f < 1.0f; f *= 1.013f) {
    for (float s : {f, -f}) {
      const float back = HalfToFloat(FloatToHalf(s));
      EXPECT_LE(std::fabs(back - s), std::fabs(s) * std::ldexp(1.0f, -11)) << s;
    }
  }
}

TEST(Half, FitsAndBufferCodec) {
  std::vector<float> v = {0.25f, -0.125f, 0.0009765625f, 65504.0f};  // 2^-10: each is a half exactly
  EXPECT_TRUE(FitsHalf(v));
  EXPECT_FALSE(FitsHalf(std::vector<float>{1.0f, 70000.0f}));
  EXPECT_FALSE(FitsHalf(std::vector<float>{std::numeric_limits<float>::quiet_NaN()}));
  EXPECT_FALSE(FitsHalf(std::vector<float>{-std::numeric_limits<float>::infinity()}));
  std::vector<uint8_t> bytes(2 * v.size());
  EncodeHalves(v, bytes);
  EXPECT_EQ(bytes[0], 0x00);  // 0.25 = 0x3400, little-endian
  EXPECT_EQ(bytes[1], 0x34);
  std::vector<float> back(v.size());
  DecodeHalves(bytes, back);
  EXPECT_EQ(back, v);
}

// EncodeHalves has a branch-free path for normal halves; it must give FloatToHalf's bits for every
// float. Here: every sign and exponent, with every value of the 13 mantissa bits that rounding
// looks at under seven patterns of the 10 it keeps (29M floats; all 2^32 were checked once
// while writing it), plus the boundaries of the fast path.
TEST(Half, BufferCodecEqualsTheScalarOneForEveryRoundingCase) {
  std::vector<float> in;
  in.reserve(1 << 20);
  std::vector<uint8_t> out;
  size_t checked = 0;
  auto flush = [&] {
    out.assign(2 * in.size(), 0);
    EncodeHalves(in, out);
    for (size_t i = 0; i < in.size(); ++i) {
      const uint16_t want = FloatToHalf(in[i]);
      const uint16_t got = static_cast<uint16_t>(out[2 * i] | (out[2 * i + 1] << 8));
      uint32_t bits;
      std::memcpy(&bits, &in[i], 4);
      ASSERT_EQ(got, want) << std::hex << "float bits 0x" << bits;
    }
    checked += in.size();
    in.clear();
  };
  auto add = [&](uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    in.push_back(f);
    if (in.size() == in.capacity()) flush();
  };
  for (uint32_t sign = 0; sign < 2; ++sign) {
    for (uint32_t exp = 0; exp < 256; ++exp) {
      for (uint32_t high : {0u, 1u, 2u, 511u, 512u, 1022u, 1023u}) {
        for (uint32_t low = 0; low < 8192; ++low) add(sign << 31 | exp << 23 | high << 13 | low);
      }
    }
  }
  for (uint32_t edge : {0x38800000u, 0x477ff000u}) {
    for (uint32_t d = 0; d < 4096; ++d) {
      add(edge - d);
      add(edge + d);
      add(0x80000000u | (edge - d));
    }
  }
  flush();
  EXPECT_GT(checked, 29000000u);
}

}  // namespace
}  // namespace kspace
