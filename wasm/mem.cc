// memcpy, memmove, memset and memcmp for the wasm modules, replacing Emscripten's.
//
// Why: a module linked at -Oz gets Emscripten's "optz" libc, whose memcpy, memmove and memset are
// byte-at-a-time loops (system/lib/libc/emscripten_memcpy.c under EMSCRIPTEN_OPTIMIZE_FOR_OZ). Every
// page SQLite reads or writes, every blob, string and vector copy goes through them: measured on
// the first search after reopening a store of 106k chunks, 301 ms of 771 ms were spent in memcpy
// while loading a 70 MB vector-index snapshot. The module stays at -Oz for size (see
// CMakeLists.txt); these three functions are the part of libc where that choice cost time.
//
// How: Emscripten defines memcpy as a weak alias, and memmove / memset in archive members that the
// linker pulls only for symbols nothing else defines, so these definitions take their place. Each
// is one bulk-memory instruction (the modules are built with -mbulk-memory): memory.copy, which has
// memmove's semantics for overlapping ranges, and memory.fill. Engines run them as native
// memmove/memset, in every tier. Measured in Node 20 (V8, optimised code), 256 MB copied in blocks:
// 32 B 3.5 GB/s, 1 KB 36 GB/s, 1 MB 29 GB/s, against 2.1, 12.9 and 11.9 GB/s for the 64-byte
// SIMD128 loop this file used before; in baseline (Liftoff) code, where a process's first
// snapshot load runs, the loop was slower still and the instruction is not. This file is compiled
// with -fno-builtin (CMakeLists.txt) so that the compiler does not treat the definitions below as
// the builtins they define; __builtin_memcpy and friends still lower to the instructions.
//
// memcmp has no instruction; musl's is a byte-at-a-time loop. SQLite calls it for every TEXT key
// it compares (the UUID ids of chunks, nodes and sources share their leading time digits, so each
// comparison walks 10-20 equal bytes), and std::string comparisons end in it: 88 ms of the store
// worker's 2.1 s in a profile of the RFC-corpus ingest. This one compares 8 bytes at a time and
// finds the first differing byte of a word from its lowest differing bit (wasm is little-endian).
#include <cstddef>
#include <cstdint>

#ifndef __wasm_bulk_memory__
#error "wasm/mem.cc needs -mbulk-memory (memory.copy / memory.fill)"
#endif

extern "C" {

void* memcpy(void* __restrict dest, const void* __restrict src, size_t n) {
  return __builtin_memcpy(dest, src, n);
}

void* memmove(void* dest, const void* src, size_t n) {
  return __builtin_memmove(dest, src, n);
}

void* memset(void* dest, int c, size_t n) {
  return __builtin_memset(dest, c, n);
}

int memcmp(const void* a, const void* b, size_t n) {
  const auto* l = static_cast<const unsigned char*>(a);
  const auto* r = static_cast<const unsigned char*>(b);
  for (; n >= 8; n -= 8, l += 8, r += 8) {
    uint64_t x, y;
    __builtin_memcpy(&x, l, 8);
    __builtin_memcpy(&y, r, 8);
    if (x != y) {
      const int k = __builtin_ctzll(x ^ y) >> 3;
      return int{l[k]} - int{r[k]};
    }
  }
  for (; n != 0; --n, ++l, ++r) {
    if (*l != *r) return int{*l} - int{*r};
  }
  return 0;
}

}  // extern "C"
