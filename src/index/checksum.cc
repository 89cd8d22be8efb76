#include "index/checksum.h"

#include <bit>
#include <cstring>

namespace kspace::index {
namespace {

static_assert(std::endian::native == std::endian::little,
              "kspace's index format and checksum read little-endian words directly");

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kP5 = 0x27D4EB2F165667C5ULL;

inline uint64_t Read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t Read32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t Round(uint64_t acc, uint64_t input) {
  acc += input * kP2;
  acc = std::rotl(acc, 31);
  return acc * kP1;
}
inline uint64_t MergeRound(uint64_t acc, uint64_t val) {
  acc ^= Round(0, val);
  return acc * kP1 + kP4;
}

// The stripe loop over [p, p + 32 * stripes), as a function of its own that the caller invokes
// once per block. Why: WebAssembly engines start a module in baseline code and switch a function
// to optimised code only for its next call (V8 has no on-stack replacement for wasm), so one call
// over a 70 MB snapshot would run entirely in the baseline tier, at about half speed.
[[gnu::noinline]] const unsigned char* Stripes(const unsigned char* p, size_t stripes, uint64_t v[4]) {
  uint64_t v1 = v[0], v2 = v[1], v3 = v[2], v4 = v[3];
  for (size_t i = 0; i < stripes; ++i, p += 32) {
    v1 = Round(v1, Read64(p));
    v2 = Round(v2, Read64(p + 8));
    v3 = Round(v3, Read64(p + 16));
    v4 = Round(v4, Read64(p + 24));
  }
  v[0] = v1, v[1] = v2, v[2] = v3, v[3] = v4;
  return p;
}

constexpr size_t kStripesPerBlock = 8192;  // 256 KB per call

uint64_t Merge(const uint64_t v[4]) {
  uint64_t h = std::rotl(v[0], 1) + std::rotl(v[1], 7) + std::rotl(v[2], 12) + std::rotl(v[3], 18);
  h = MergeRound(h, v[0]);
  h = MergeRound(h, v[1]);
  h = MergeRound(h, v[2]);
  return MergeRound(h, v[3]);
}

// The tail (< 32 bytes after the stripes) and the final avalanche; h already includes the length.
uint64_t Finish(uint64_t h, const unsigned char* p, const unsigned char* end);

}  // namespace

uint64_t Checksum64(const void* data, size_t size, uint64_t seed) {
  Checksum64Stream sum(seed);
  sum.Update(data, size);
  return sum.Digest();
}

Checksum64Stream::Checksum64Stream(uint64_t seed)
    : v_{seed + kP1 + kP2, seed + kP2, seed, seed - kP1}, seed_(seed) {}

void Checksum64Stream::Update(const void* data, size_t size) {
  if (size == 0) return;  // data may be null then
  const unsigned char* p = static_cast<const unsigned char*>(data);
  total_ += size;
  if (buffered_ > 0) {
    const size_t take = size < 32 - buffered_ ? size : 32 - buffered_;
    std::memcpy(buf_ + buffered_, p, take);
    buffered_ += take, p += take, size -= take;
    if (buffered_ < 32) return;
    Stripes(buf_, 1, v_);
    buffered_ = 0;
  }
  for (size_t left = size / 32; left > 0;) {
    const size_t n = left < kStripesPerBlock ? left : kStripesPerBlock;
    p = Stripes(p, n, v_);
    left -= n;
  }
  buffered_ = size % 32;
  std::memcpy(buf_, p, buffered_);
}

uint64_t Checksum64Stream::Digest() const {
  const uint64_t h = total_ >= 32 ? Merge(v_) : seed_ + kP5;
  return Finish(h + total_, buf_, buf_ + buffered_);
}

namespace {

uint64_t Finish(uint64_t h, const unsigned char* p, const unsigned char* end) {
  while (end - p >= 8) {
    h ^= Round(0, Read64(p));
    h = std::rotl(h, 27) * kP1 + kP4;
    p += 8;
  }
  if (end - p >= 4) {
    h ^= static_cast<uint64_t>(Read32(p)) * kP1;
    h = std::rotl(h, 23) * kP2 + kP3;
    p += 4;
  }
  while (p < end) {
    h ^= static_cast<uint64_t>(*p) * kP5;
    h = std::rotl(h, 11) * kP1;
    ++p;
  }
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

}  // namespace
}  // namespace kspace::index
