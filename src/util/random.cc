#include "util/random.h"

#include <unistd.h>

#include <cstring>

#include "util/clock.h"

namespace kspace {
namespace {

struct Xoshiro {
  uint64_t s[4] = {0, 0, 0, 0};
  bool seeded = false;

  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  void Seed() {
    uint64_t seed[4] = {0, 0, 0, 0};
    if (getentropy(seed, sizeof seed) != 0) {
      // No entropy source: fall back to the clocks. Uniqueness still holds within a process.
      seed[0] = static_cast<uint64_t>(NowMillis());
      seed[1] = static_cast<uint64_t>(MonotonicMicros());
    }
    // SplitMix64 spreads whatever seed we got over the whole state (never all zero).
    uint64_t x = seed[0] ^ seed[1] ^ seed[2] ^ seed[3] ^ 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 4; ++i) {
      x += 0x9e3779b97f4a7c15ULL;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s[i] = (z ^ (z >> 31)) ^ seed[i];
    }
    seeded = true;
  }

  uint64_t Next() {
    if (!seeded) Seed();
    const uint64_t result = Rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return result;
  }
};

Xoshiro& Generator() {
  static Xoshiro g;
  return g;
}

}  // namespace

uint64_t RandomU64() { return Generator().Next(); }

void RandomBytes(void* buf, size_t n) {
  auto* p = static_cast<uint8_t*>(buf);
  while (n > 0) {
    uint64_t r = RandomU64();
    size_t take = n < 8 ? n : 8;
    std::memcpy(p, &r, take);
    p += take;
    n -= take;
  }
}

}  // namespace kspace
