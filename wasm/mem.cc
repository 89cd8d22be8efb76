// memcpy, memmove and memset for the wasm modules, replacing Emscripten's.
//
// Why: a module linked at -Oz gets Emscripten's "optz" libc, whose memcpy, memmove and memset are
// byte-at-a-time loops (system/lib/libc/emscripten_memcpy.c under EMSCRIPTEN_OPTIMIZE_FOR_OZ). Every
// page SQLite reads or writes, every blob, string and vector copy goes through them: measured on
// the first search after reopening a store of 106k chunks, 301 ms of 771 ms were spent in memcpy
// while loading a 70 MB vector-index snapshot. The module stays at -Oz for size (see
// CMakeLists.txt); these three functions are the part of libc where that choice cost time.
//
// How: Emscripten defines memcpy as a weak alias, and memmove / memset in archive members that the
// linker pulls only for symbols nothing else defines, so these definitions take their place. They
// copy 64 bytes per step with wasm SIMD128 loads and stores (unaligned access is legal in wasm and
// full speed on the engines we target), then finish with 16-, 8-, 4- and 1-byte steps. This file
// is compiled with -fno-builtin (CMakeLists.txt) so the compiler cannot turn the loops back into
// calls to the functions being defined.
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

namespace {

inline void Copy8(unsigned char* d, const unsigned char* s) {
  wasm_v128_store64_lane(d, wasm_v128_load64_zero(s), 0);
}
inline void Copy4(unsigned char* d, const unsigned char* s) {
  wasm_v128_store32_lane(d, wasm_v128_load32_zero(s), 0);
}

// Forward copy; correct for overlapping ranges when d < s (each block is loaded before it is
// stored, and later blocks lie beyond what was stored).
inline void Forward(unsigned char* d, const unsigned char* s, size_t n) {
  for (; n >= 64; n -= 64, d += 64, s += 64) {
    const v128_t a = wasm_v128_load(s), b = wasm_v128_load(s + 16), c = wasm_v128_load(s + 32),
                 e = wasm_v128_load(s + 48);
    wasm_v128_store(d, a);
    wasm_v128_store(d + 16, b);
    wasm_v128_store(d + 32, c);
    wasm_v128_store(d + 48, e);
  }
  for (; n >= 16; n -= 16, d += 16, s += 16) wasm_v128_store(d, wasm_v128_load(s));
  if (n >= 8) {
    Copy8(d, s);
    d += 8, s += 8, n -= 8;
  }
  if (n >= 4) {
    Copy4(d, s);
    d += 4, s += 4, n -= 4;
  }
  while (n--) *d++ = *s++;
}

// Backward copy, for overlapping ranges with d > s.
inline void Backward(unsigned char* d, const unsigned char* s, size_t n) {
  d += n, s += n;
  for (; n >= 64; n -= 64) {
    d -= 64, s -= 64;
    const v128_t a = wasm_v128_load(s), b = wasm_v128_load(s + 16), c = wasm_v128_load(s + 32),
                 e = wasm_v128_load(s + 48);
    wasm_v128_store(d + 48, e);
    wasm_v128_store(d + 32, c);
    wasm_v128_store(d + 16, b);
    wasm_v128_store(d, a);
  }
  for (; n >= 16; n -= 16) {
    d -= 16, s -= 16;
    wasm_v128_store(d, wasm_v128_load(s));
  }
  while (n--) *--d = *--s;
}

}  // namespace

extern "C" {

void* memcpy(void* __restrict dest, const void* __restrict src, size_t n) {
  Forward(static_cast<unsigned char*>(dest), static_cast<const unsigned char*>(src), n);
  return dest;
}

void* memmove(void* dest, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dest);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d == s || n == 0) return dest;
  if (d < s || d >= s + n) {
    Forward(d, s, n);
  } else {
    Backward(d, s, n);
  }
  return dest;
}

void* memset(void* dest, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dest);
  const v128_t v = wasm_i8x16_splat(static_cast<int8_t>(c));
  for (; n >= 64; n -= 64, d += 64) {
    wasm_v128_store(d, v);
    wasm_v128_store(d + 16, v);
    wasm_v128_store(d + 32, v);
    wasm_v128_store(d + 48, v);
  }
  for (; n >= 16; n -= 16, d += 16) wasm_v128_store(d, v);
  while (n--) *d++ = static_cast<unsigned char>(c);
  return dest;
}

}  // extern "C"
