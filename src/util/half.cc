#include "util/half.h"

#include <cmath>
#include <cstring>

namespace kspace {
namespace {

// std::bit_cast is missing from the Emscripten 3.1.6 libc++.
uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace

uint16_t FloatToHalf(float f) {
  const uint32_t x = Bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // infinity or NaN (a NaN keeps a set quiet bit)
    return static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x0200u : 0u));
  }
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds past 65504
  if (abs < 0x38800000u) {
    // Below the smallest normal half (2^-14): a subnormal, i.e. a multiple of 2^-24, rounded to
    // nearest even. Values under 2^-25 round to zero.
    if (abs < 0x33000000u) return sign;
    const uint32_t exp = abs >> 23;                  // 102..112
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126u - exp;               // 14..24: mant >> shift is the half mantissa
    uint32_t h = mant >> shift;
    const uint32_t rest = mant & ((1u << shift) - 1u);
    const uint32_t half_way = 1u << (shift - 1u);
    if (rest > half_way || (rest == half_way && (h & 1u))) ++h;  // may carry into the normal range
    return static_cast<uint16_t>(sign | h);
  }
  // Normal: rebias the exponent (127 -> 15) and round the 23-bit mantissa to 10 bits.
  uint32_t h = ((abs >> 13) - (112u << 10));
  const uint32_t rest = abs & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // a carry moves to the next exponent
  return static_cast<uint16_t>(sign | h);
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0x1fu) return FromBits(sign | 0x7f800000u | (mant << 13));  // inf, NaN
  if (exp == 0) {
    // zero or subnormal: mant * 2^-24, exact in float
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  return FromBits(sign | ((exp + 112u) << 23) | (mant << 13));
}

bool FitsHalf(std::span<const float> v) {
  for (float f : v) {
    if (!(std::fabs(f) < 65520.0f)) return false;  // NaN, infinities and what rounds past 65504
  }
  return true;
}

void EncodeHalves(std::span<const float> in, std::span<uint8_t> out) {
  for (size_t i = 0; i < in.size() && 2 * i + 1 < out.size(); ++i) {
    const uint32_t x = Bits(in[i]);
    const uint32_t abs = x & 0x7fffffffu;
    uint32_t h;
    if (abs - 0x38800000u < 0x477ff000u - 0x38800000u) {
      // A normal half, the common case (every stored vector value): FloatToHalf's normal branch
      // without its branches. Adding 0xfff plus the kept mantissa's lowest bit carries into bit
      // 13 exactly when FloatToHalf rounds up (nearest, ties to even); the carry may move on into
      // the exponent, as there. Checked equal to FloatToHalf for every float (half_test.cc).
      h = ((x >> 16) & 0x8000u) | (((abs + 0x0fffu + ((abs >> 13) & 1u)) >> 13) - (112u << 10));
    } else {
      h = FloatToHalf(in[i]);
    }
    out[2 * i] = static_cast<uint8_t>(h & 0xff);
    out[2 * i + 1] = static_cast<uint8_t>(h >> 8);
  }
}

void DecodeHalves(std::span<const uint8_t> in, std::span<float> out) {
  for (size_t i = 0; i < out.size() && 2 * i + 1 < in.size(); ++i) {
    out[i] = HalfToFloat(static_cast<uint16_t>(in[2 * i] | (in[2 * i + 1] << 8)));
  }
}

}  // namespace kspace
