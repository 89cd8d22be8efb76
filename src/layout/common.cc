#include "layout/common.h"

#include <cmath>

#include "layout/distance.h"

namespace kspace::layout {

Progress SubProgress(const Progress& parent, double lo, double hi) {
  if (!parent) return {};
  return [parent, lo, hi](double f) { return parent(lo + (hi - lo) * f); };
}

Status ValidateMatrix(MatrixView m, const char* field, int min_rows) {
  if (m.rows < 0 || m.cols < 0) return InvalidArgument("negative matrix dimensions", field);
  if (m.rows < min_rows) {
    return InvalidArgument("needs at least " + std::to_string(min_rows) + " rows, got " +
                               std::to_string(m.rows),
                           field);
  }
  if (m.rows > kMaxRows) {
    return Status(Code::kTooLarge, "more than " + std::to_string(kMaxRows) + " rows", field);
  }
  if (m.rows == 0) return Status::Ok();
  if (m.cols < 1) return InvalidArgument("needs at least one column", field);
  if (m.cols > kMaxCols) {
    return Status(Code::kTooLarge, "more than " + std::to_string(kMaxCols) + " columns", field);
  }
  if (static_cast<size_t>(m.rows) * static_cast<size_t>(m.cols) > kMaxElements) {
    return Status(Code::kTooLarge, "matrix has too many elements", field);
  }
  if (m.data == nullptr) return InvalidArgument("matrix data is null", field);
  for (int i = 0; i < m.rows; ++i) {
    const float* r = m.row(i);
    // Sum-then-check is cheap and catches NaN and +-Inf (x*0 is NaN for both); fall back to a
    // per-element check only to produce a precise message.
    float acc = 0.0f;
    for (int j = 0; j < m.cols; ++j) acc += r[j] * 0.0f;
    if (acc != 0.0f) {
      return InvalidArgument("row " + std::to_string(i) + " contains NaN or infinite values", field);
    }
  }
  return Status::Ok();
}

Matrix NormalizedRows(MatrixView m) {
  Matrix out(m.rows, m.cols);
  for (int i = 0; i < m.rows; ++i) {
    const float* r = m.row(i);
    float* o = out.row(i);
    const float nrm2 = Dot(r, r, m.cols);
    const float inv = nrm2 > 0.0f ? 1.0f / std::sqrt(nrm2) : 0.0f;
    for (int j = 0; j < m.cols; ++j) o[j] = r[j] * inv;
  }
  return out;
}

}  // namespace kspace::layout
