// Inner-product kernels for the vector index: float32 and int8, vectorised for every target.
//
// Every distance the index computes goes through these two functions, so they decide its speed:
// a 384-d HNSW query evaluates a few thousand of them. hnswlib's own SIMD kernels are x86-only and
// clang's -msimd128 does not vectorise its scalar loop (a float reduction cannot be reordered
// without -ffast-math), so each target gets an explicit kernel:
//   - WebAssembly (__wasm_simd128__): 128-bit SIMD written with wasm_simd128.h. The definitions are
//     inline here so that the index's search loop inlines them (no call per distance).
//   - x86-64 with GCC/Clang: AVX2+FMA kernels compiled with target attributes and picked once at
//     run time when the CPU has them; otherwise a portable kernel.
//   - Elsewhere: a portable loop with 16 independent partial sums, which a compiler can vectorise
//     without reassociating (so results are deterministic for a given binary).
//
// Results may differ in the last bits between kernels (summation order); never between two calls
// of one binary on one machine.
#pragma once

#include <cstddef>
#include <cstdint>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace kspace::index {

#ifdef __wasm_simd128__

// sum(a[i] * b[i]) for i < n. Any n; unaligned pointers are fine.
inline float DotF32(const float* a, const float* b, size_t n) {
  // Four independent f32x4 accumulators hide the add latency (measured 5x faster than the scalar
  // loop for 384-d; TOOLCHAIN.md). wasm SIMD has no fused multiply-add without relaxed-simd.
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12)));
  }
  for (; i + 4 <= n; i += 4) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3));
  float r = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
            (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}

// sum(a[i] * b[i]) for i < n over int8 values in [-127, 127]. Exact (int32 cannot overflow for
// n <= 131072). Any n; unaligned pointers are fine.
inline int32_t DotI8(const int8_t* a, const int8_t* b, size_t n) {
  // load8x8 sign-extends 8 bytes to i16x8 in one instruction; dot_i16x8 multiplies and adds pairs
  // into i32x4: 8 elements per dot with no overflow (127 * 127 * 2 < 2^31).
  v128_t s0 = wasm_i32x4_splat(0), s1 = s0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_i32x4_add(s0, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(a + i), wasm_i16x8_load8x8(b + i)));
    s1 = wasm_i32x4_add(
        s1, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(a + i + 8), wasm_i16x8_load8x8(b + i + 8)));
  }
  v128_t s = wasm_i32x4_add(s0, s1);
  int32_t r = wasm_i32x4_extract_lane(s, 0) + wasm_i32x4_extract_lane(s, 1) +
              wasm_i32x4_extract_lane(s, 2) + wasm_i32x4_extract_lane(s, 3);
  for (; i < n; ++i) r += int32_t{a[i]} * int32_t{b[i]};
  return r;
}

#else  // native

// sum(a[i] * b[i]) for i < n. Any n; unaligned pointers are fine.
float DotF32(const float* a, const float* b, size_t n);

// sum(a[i] * b[i]) for i < n over int8 values in [-127, 127]. Exact for n <= 131072.
int32_t DotI8(const int8_t* a, const int8_t* b, size_t n);

#endif

// The portable kernels, always available (tests compare the fast kernels against them).
float DotF32Portable(const float* a, const float* b, size_t n);
int32_t DotI8Portable(const int8_t* a, const int8_t* b, size_t n);

// Which kernel DotF32/DotI8 use here: "wasm-simd128", "avx2-fma", or "portable".
const char* KernelName();

}  // namespace kspace::index
