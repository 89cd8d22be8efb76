#include "index/distance.h"

#if !defined(__wasm_simd128__) && (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__GNUC__) || defined(__clang__))
#define KS_INDEX_X86_DISPATCH 1
#include <immintrin.h>
#endif

namespace kspace::index {

float DotF32Portable(const float* a, const float* b, size_t n) {
  // 16 independent partial sums: the compiler may map them to vector lanes without reordering any
  // addition, so the result is the same whether or not it vectorises.
  float s[16] = {};
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (size_t j = 0; j < 16; ++j) s[j] += a[i + j] * b[i + j];
  }
  float r = 0.0f;
  for (; i < n; ++i) r += a[i] * b[i];
  for (size_t j = 0; j < 16; ++j) r += s[j];
  return r;
}

int32_t DotI8Portable(const int8_t* a, const int8_t* b, size_t n) {
  int32_t r = 0;
  for (size_t i = 0; i < n; ++i) r += int32_t{a[i]} * int32_t{b[i]};
  return r;
}

#ifdef __wasm_simd128__

const char* KernelName() { return "wasm-simd128"; }

#else

#ifdef KS_INDEX_X86_DISPATCH
namespace {

__attribute__((target("avx2,fma"))) float DotF32Avx2(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
  float r = _mm_cvtss_f32(h);
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}

__attribute__((target("avx2"))) int32_t DotI8Avx2(const int8_t* a, const int8_t* b, size_t n) {
  __m256i s0 = _mm256_setzero_si256(), s1 = s0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    __m256i a1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i + 16)));
    __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i + 16)));
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(a0, b0));
    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(a1, b1));
  }
  for (; i + 16 <= n; i += 16) {
    __m256i a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(a0, b0));
  }
  __m256i s = _mm256_add_epi32(s0, s1);
  __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
  h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
  int32_t r = _mm_cvtsi128_si32(h);
  for (; i < n; ++i) r += int32_t{a[i]} * int32_t{b[i]};
  return r;
}

bool HasAvx2Fma() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
}

using DotF32Fn = float (*)(const float*, const float*, size_t);
using DotI8Fn = int32_t (*)(const int8_t*, const int8_t*, size_t);

}  // namespace

// Resolved on first use (a function-local static), so a call from another file's static
// initialiser cannot see an unset pointer.
float DotF32(const float* a, const float* b, size_t n) {
  static const DotF32Fn fn = HasAvx2Fma() ? &DotF32Avx2 : &DotF32Portable;
  return fn(a, b, n);
}
int32_t DotI8(const int8_t* a, const int8_t* b, size_t n) {
  static const DotI8Fn fn = HasAvx2Fma() ? &DotI8Avx2 : &DotI8Portable;
  return fn(a, b, n);
}
const char* KernelName() { return HasAvx2Fma() ? "avx2-fma" : "portable"; }

#else

float DotF32(const float* a, const float* b, size_t n) { return DotF32Portable(a, b, n); }
int32_t DotI8(const int8_t* a, const int8_t* b, size_t n) { return DotI8Portable(a, b, n); }
const char* KernelName() { return "portable"; }

#endif  // KS_INDEX_X86_DISPATCH
#endif  // __wasm_simd128__

}  // namespace kspace::index
