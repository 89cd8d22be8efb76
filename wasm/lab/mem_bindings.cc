// Test hook for wasm/mem.cc, which replaces libc's memcmp in both modules: memcmp over the common
// length of two byte strings, reduced to its sign (tests/unit/wasm-mem.test.mjs compares it with
// a JS reference on lengths, offsets and bytes >= 0x80 that exercise the 8-byte path and the tail).
#include <emscripten/bind.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace {

int MemcmpSign(const std::string& a, const std::string& b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return (c > 0) - (c < 0);
}

}  // namespace

EMSCRIPTEN_BINDINGS(kspace_mem) { emscripten::function("memcmpSign", &MemcmpSign); }
