// IEEE 754 binary16 ("half") conversion: how chunk vectors are stored.
//
// A stored vector of half floats takes half the bytes of float32. Measured on the Rust RFC corpus
// (13.5k chunks of the built-in 512-d embedder) the embeddings were 37 of the store's 96 MB, and
// every byte is written twice (WAL, then checkpoint). Rounding a normal value to a half changes it
// by at most 2^-11 of itself, so the cosine of two unit vectors moves by less than 5e-4 (and far
// less on average): below the int8 quantisation the vector index already searches with, and the
// rescoring reads the same stored values everywhere.
#pragma once

#include <cstdint>
#include <span>

namespace kspace {

// The largest finite half: values beyond it do not fit.
inline constexpr float kHalfMax = 65504.0f;

// Rounds to the nearest half (ties to even). Values beyond the half range become infinities and
// NaN stays NaN; callers that need finite values check FitsHalf first.
uint16_t FloatToHalf(float f);
// Exact: every half is a float.
float HalfToFloat(uint16_t h);

// True when every value is finite and rounds to a finite half.
bool FitsHalf(std::span<const float> v);

// Little-endian halves of `in` into out (2 bytes per value; out.size() == 2 * in.size()).
void EncodeHalves(std::span<const float> in, std::span<uint8_t> out);
// The inverse (in.size() == 2 * out.size()).
void DecodeHalves(std::span<const uint8_t> in, std::span<float> out);

}  // namespace kspace
