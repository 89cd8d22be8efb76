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
// linker pulls only for symbols nothing else defines, so these definitions take their place. Each
// is one bulk-memory instruction (the modules are built with -mbulk-memory): memory.copy, which has
// memmove's semantics for overlapping ranges, and memory.fill. Engines run them as native
// memmove/memset, in every tier. Measured in Node 20 (V8, optimised code), 256 MB copied in blocks:
// 32 B 3.5 GB/s, 1 KB 36 GB/s, 1 MB 29 GB/s, against 2.1, 12.9 and 11.9 GB/s for the 64-byte
// SIMD128 loop this file used before; in baseline (Liftoff) code, where a process's first
// snapshot load runs, the loop was slower still and the instruction is not. This file is compiled
// with -fno-builtin (CMakeLists.txt) so that the compiler does not treat the definitions below as
// the builtins they define; __builtin_memcpy and friends still lower to the instructions.
#include <cstddef>

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

}  // extern "C"
