// Synthetic data sets with known structure for the layout tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "layout/common.h"
#include "layout/random.h"

namespace kspace::layout::testing {

struct Labelled {
  Matrix x;
  std::vector<int32_t> labels;
};

// `k` isotropic Gaussian blobs of `per` rows in `d` dims: centres ~ N(0, center_sd^2 I), rows ~
// centre + N(0, sigma^2 I). Labels are the blob index; rows are grouped by blob.
inline Labelled Blobs(int k, int per, int d, float center_sd, float sigma, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> centers(static_cast<size_t>(k) * d);
  for (float& c : centers) c = static_cast<float>(center_sd * rng.Normal());
  Labelled out{Matrix(k * per, d), std::vector<int32_t>(static_cast<size_t>(k) * per)};
  for (int c = 0; c < k; ++c)
    for (int t = 0; t < per; ++t) {
      const int i = c * per + t;
      out.labels[i] = c;
      for (int j = 0; j < d; ++j) out.x.row(i)[j] = centers[static_cast<size_t>(c) * d + j] + static_cast<float>(sigma * rng.Normal());
    }
  return out;
}

// Blobs inside blobs: `supers` far-apart groups (centres at +-far on distinct axes), each holding
// `subs` sub-blobs (offsets of length `near` along distinct axes) of `per` rows with noise sigma.
// labels = sub-blob id (super * subs + sub); super id = label / subs.
inline Labelled NestedBlobs(int supers, int subs, int per, int d, float far, float near, float sigma,
                            uint64_t seed) {
  Rng rng(seed);
  const int n = supers * subs * per;
  Labelled out{Matrix(n, d), std::vector<int32_t>(static_cast<size_t>(n))};
  int i = 0;
  for (int s = 0; s < supers; ++s)
    for (int b = 0; b < subs; ++b)
      for (int t = 0; t < per; ++t, ++i) {
        out.labels[i] = s * subs + b;
        float* r = out.x.row(i);
        for (int j = 0; j < d; ++j) r[j] = static_cast<float>(sigma * rng.Normal());
        r[s % d] += far;
        r[(supers + b) % d] += near;
      }
  return out;
}

}  // namespace kspace::layout::testing
