// Distance kernels: the inner loops of kNN, k-means, PCA, HDBSCAN and the metrics.
//
// Under WebAssembly SIMD (`-msimd128`) they use f32x4 with several independent accumulators (the
// compiler does not vectorise float reductions by itself because that reorders additions). The
// portable path keeps the same shape with scalar accumulators, which native compilers turn into
// reasonable code. Summation order is fixed, so results are reproducible on one platform.
#pragma once

#include <cstddef>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace kspace::layout {

#ifdef __wasm_simd128__
namespace simd_detail {
inline float HorizontalSum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}
}  // namespace simd_detail
#endif

// Inner product of two length-d vectors.
inline float Dot(const float* a, const float* b, int d) {
  int j = 0;
#ifdef __wasm_simd128__
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  for (; j + 16 <= d; j += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(b + j)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + j + 4), wasm_v128_load(b + j + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + j + 8), wasm_v128_load(b + j + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + j + 12), wasm_v128_load(b + j + 12)));
  }
  for (; j + 4 <= d; j += 4) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(b + j)));
  }
  float s = simd_detail::HorizontalSum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
#else
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += a[j] * b[j];
    s1 += a[j + 1] * b[j + 1];
    s2 += a[j + 2] * b[j + 2];
    s3 += a[j + 3] * b[j + 3];
  }
  float s = (s0 + s1) + (s2 + s3);
#endif
  for (; j < d; ++j) s += a[j] * b[j];
  return s;
}

// Squared Euclidean distance of two length-d vectors.
inline float SquaredL2(const float* a, const float* b, int d) {
  int j = 0;
#ifdef __wasm_simd128__
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  for (; j + 16 <= d; j += 16) {
    v128_t t0 = wasm_f32x4_sub(wasm_v128_load(a + j), wasm_v128_load(b + j));
    v128_t t1 = wasm_f32x4_sub(wasm_v128_load(a + j + 4), wasm_v128_load(b + j + 4));
    v128_t t2 = wasm_f32x4_sub(wasm_v128_load(a + j + 8), wasm_v128_load(b + j + 8));
    v128_t t3 = wasm_f32x4_sub(wasm_v128_load(a + j + 12), wasm_v128_load(b + j + 12));
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(t0, t0));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(t1, t1));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(t2, t2));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(t3, t3));
  }
  for (; j + 4 <= d; j += 4) {
    v128_t t = wasm_f32x4_sub(wasm_v128_load(a + j), wasm_v128_load(b + j));
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(t, t));
  }
  float s = simd_detail::HorizontalSum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
#else
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (; j + 4 <= d; j += 4) {
    const float t0 = a[j] - b[j], t1 = a[j + 1] - b[j + 1];
    const float t2 = a[j + 2] - b[j + 2], t3 = a[j + 3] - b[j + 3];
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
  }
  float s = (s0 + s1) + (s2 + s3);
#endif
  for (; j < d; ++j) {
    const float t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

// Inner products of two query rows with four base rows: out[4*qi + bi] = q_qi . b_bi.
// The register-blocked micro-kernel of the exact kNN: each loaded lane is used 2-4 times, which is
// what makes a brute-force scan memory-efficient.
inline void Dot2x4(const float* q0, const float* q1, const float* b0, const float* b1,
                   const float* b2, const float* b3, int d, float* out) {
  int j = 0;
#ifdef __wasm_simd128__
  v128_t a00 = wasm_f32x4_splat(0.0f), a01 = a00, a02 = a00, a03 = a00;
  v128_t a10 = a00, a11 = a00, a12 = a00, a13 = a00;
  for (; j + 4 <= d; j += 4) {
    const v128_t x0 = wasm_v128_load(q0 + j), x1 = wasm_v128_load(q1 + j);
    const v128_t y0 = wasm_v128_load(b0 + j), y1 = wasm_v128_load(b1 + j);
    const v128_t y2 = wasm_v128_load(b2 + j), y3 = wasm_v128_load(b3 + j);
    a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(x0, y0));
    a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(x0, y1));
    a02 = wasm_f32x4_add(a02, wasm_f32x4_mul(x0, y2));
    a03 = wasm_f32x4_add(a03, wasm_f32x4_mul(x0, y3));
    a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(x1, y0));
    a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(x1, y1));
    a12 = wasm_f32x4_add(a12, wasm_f32x4_mul(x1, y2));
    a13 = wasm_f32x4_add(a13, wasm_f32x4_mul(x1, y3));
  }
  using simd_detail::HorizontalSum;
  float r[8] = {HorizontalSum(a00), HorizontalSum(a01), HorizontalSum(a02), HorizontalSum(a03),
                HorizontalSum(a10), HorizontalSum(a11), HorizontalSum(a12), HorizontalSum(a13)};
#else
  float r[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (; j + 4 <= d; j += 4) {
    for (int t = 0; t < 4; ++t) {
      const float x0 = q0[j + t], x1 = q1[j + t];
      r[0] += x0 * b0[j + t];
      r[1] += x0 * b1[j + t];
      r[2] += x0 * b2[j + t];
      r[3] += x0 * b3[j + t];
      r[4] += x1 * b0[j + t];
      r[5] += x1 * b1[j + t];
      r[6] += x1 * b2[j + t];
      r[7] += x1 * b3[j + t];
    }
  }
#endif
  for (; j < d; ++j) {
    r[0] += q0[j] * b0[j];
    r[1] += q0[j] * b1[j];
    r[2] += q0[j] * b2[j];
    r[3] += q0[j] * b3[j];
    r[4] += q1[j] * b0[j];
    r[5] += q1[j] * b1[j];
    r[6] += q1[j] * b2[j];
    r[7] += q1[j] * b3[j];
  }
  for (int t = 0; t < 8; ++t) out[t] = r[t];
}

// y[i] += alpha * x[i].
inline void Axpy(float alpha, const float* x, float* y, int d) {
  int j = 0;
#ifdef __wasm_simd128__
  const v128_t va = wasm_f32x4_splat(alpha);
  for (; j + 4 <= d; j += 4) {
    wasm_v128_store(y + j, wasm_f32x4_add(wasm_v128_load(y + j), wasm_f32x4_mul(va, wasm_v128_load(x + j))));
  }
#endif
  for (; j < d; ++j) y[j] += alpha * x[j];
}

}  // namespace kspace::layout
