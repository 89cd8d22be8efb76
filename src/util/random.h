// Random numbers for ids and for SQLite (its VFS xRandomness).
//
// One process-wide generator (xoshiro256**) seeded once from the platform's entropy source
// (getentropy: /dev/urandom natively, crypto.getRandomValues under WebAssembly). Ids need
// uniqueness, not secrecy; secrets (sealed API keys) use WebCrypto in JS, never this.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kspace {

// Fills `buf` with n random bytes.
void RandomBytes(void* buf, size_t n);
// A uniformly random 64-bit value.
uint64_t RandomU64();

}  // namespace kspace
