// SHA-256 (FIPS 180-4), the content address of every blob kspace stores.
//
// Written from the FIPS 180-4 specification; streaming so a large source can be hashed without a
// second copy. Not constant-time (hashes are of public content, not secrets).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kspace {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Finishes the hash. The object must not be updated afterwards.
  std::array<uint8_t, 32> Digest();
  // Lower-case hex of Digest(): the 64-character form stored as blob_hash.
  std::string HexDigest();

  static std::string Hex(std::span<const uint8_t> bytes);
  static std::string Hex(std::string_view bytes) {
    return Hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

// One-shot helper: lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::span<const uint8_t> bytes);
inline std::string Sha256Hex(std::string_view s) {
  return Sha256Hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// True for exactly 64 lower-case hex characters.
bool IsSha256Hex(std::string_view s);

}  // namespace kspace
