// Rng: the one pseudo-random generator of the layout library.
//
// Why not <random>: the standard distributions are implementation-defined, so the same seed would
// give different layouts under libstdc++, libc++ and Emscripten. This generator (xoshiro256**,
// seeded through splitmix64) and the distributions below are fully specified here, so results
// depend only on the seed and on the platform's floating point.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>

namespace kspace::layout {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t& s : s_) s = SplitMix(x);
  }

  uint64_t NextU64() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  uint32_t NextU32() { return static_cast<uint32_t>(NextU64() >> 32); }

  // Uniform integer in [0, n), n >= 1. Lemire's multiply-shift; the bias (< n / 2^32) is
  // irrelevant for sampling and avoids a division.
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>((static_cast<uint64_t>(NextU32()) * n) >> 32);
  }
  // Uniform double in [0, 1).
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }
  // Uniform float in [lo, hi).
  float UniformFloat(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(NextU32() >> 8) * 0x1.0p-24f;
  }
  // Standard normal (Box-Muller; the second value is discarded to keep the state simple).
  double Normal() {
    double u1 = Uniform();
    const double u2 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Fisher-Yates shuffle of [first, first + n).
  template <typename T>
  void Shuffle(T* first, size_t n) {
    for (size_t i = n; i > 1; --i) {
      const size_t j = Below(static_cast<uint32_t>(i));
      std::swap(first[i - 1], first[j]);
    }
  }

  // Derives an independent generator (for a sub-task) without disturbing the caller's sequence
  // more than one draw.
  Rng Fork() { return Rng(NextU64() ^ 0x9e3779b97f4a7c15ULL); }

 private:
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

}  // namespace kspace::layout
