// Shared vocabulary of the layout library: dense matrices, distance metrics, progress hooks and
// input validation.
//
// Every algorithm in src/layout/ reads row-major float matrices through a MatrixView (no copy, no
// ownership) and writes owned Matrix results. Every long computation takes a Progress hook that is
// called with a fraction in [0, 1] now and then (at most a few hundred times per call, never in an
// inner loop); returning false cancels the work and the call returns Code::kCancelled. Every
// randomised algorithm takes a seed and is deterministic for a given seed on a given platform
// (native and WebAssembly may differ in the last bits of floating point, so not across them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "util/status.h"

namespace kspace::layout {

// Hard size limits. They keep every index in int32 and every buffer well inside a 2 GiB wasm heap;
// going over is Code::kTooLarge, not a crash.
inline constexpr int kMaxRows = 1 << 24;       // 16.7M rows
inline constexpr int kMaxCols = 1 << 16;       // 65,536 columns
inline constexpr size_t kMaxElements = size_t{1} << 29;  // 2 GiB of floats

// A read-only view of a dense row-major float matrix (rows x cols). Does not own `data`.
struct MatrixView {
  const float* data = nullptr;
  int rows = 0;
  int cols = 0;

  MatrixView() = default;
  MatrixView(const float* d, int r, int c) : data(d), rows(r), cols(c) {}
  const float* row(int i) const { return data + static_cast<size_t>(i) * static_cast<size_t>(cols); }
  bool empty() const { return rows == 0 || cols == 0 || data == nullptr; }
};

// An owned dense row-major float matrix.
struct Matrix {
  int rows = 0;
  int cols = 0;
  std::vector<float> data;

  Matrix() = default;
  Matrix(int r, int c) : rows(r), cols(c), data(static_cast<size_t>(r) * static_cast<size_t>(c), 0.0f) {}
  float* row(int i) { return data.data() + static_cast<size_t>(i) * static_cast<size_t>(cols); }
  const float* row(int i) const {
    return data.data() + static_cast<size_t>(i) * static_cast<size_t>(cols);
  }
  MatrixView view() const { return MatrixView(data.data(), rows, cols); }
};

// How two input vectors are compared.
//   kEuclidean: ||a - b||_2.
//   kCosine:    1 - cos(a, b), computed on unit-normalised copies of the rows. A zero row has no
//               direction; it is kept as the zero vector, i.e. at cosine distance 1 from every row.
enum class Metric : int { kEuclidean = 0, kCosine = 1 };

// Called with the fraction of the work done, in [0, 1], non-decreasing. Return false to cancel.
// An empty std::function means "no reporting, never cancel".
using Progress = std::function<bool(double fraction)>;

// The Status a cancelled computation returns.
inline Status Cancelled(std::string what) {
  return Status(Code::kCancelled, std::move(what) + " was cancelled");
}

// Reports `fraction` to `progress` (if set). Returns false when the caller asked to cancel.
inline bool ReportProgress(const Progress& progress, double fraction) {
  if (!progress) return true;
  if (fraction < 0.0) fraction = 0.0;
  if (fraction > 1.0) fraction = 1.0;
  return progress(fraction);
}

// A hook reporting the sub-range [lo, hi] of `parent`'s range. Used to chain the stages of a
// pipeline (kNN, graph, init, optimisation) into one monotone progress bar.
Progress SubProgress(const Progress& parent, double lo, double hi);

// Validates a matrix argument: non-null data, 1 <= cols <= kMaxCols, min_rows <= rows <= kMaxRows,
// rows*cols <= kMaxElements, and every value finite (NaN/Inf name the offending row).
// `field` is the argument name reported in the Status (e.g. "data").
Status ValidateMatrix(MatrixView m, const char* field, int min_rows = 1);

// Copies `m`, scaling each row to unit L2 norm (zero rows stay zero). Used to implement kCosine on
// top of Euclidean/inner-product kernels.
Matrix NormalizedRows(MatrixView m);

// For unit vectors ||a-b||^2 = 2 - 2cos, so cosine distance = squared Euclidean / 2.
inline float CosineFromSquaredL2(float d2) { return 0.5f * d2; }

}  // namespace kspace::layout
