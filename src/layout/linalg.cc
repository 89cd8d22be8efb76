#include "layout/linalg.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kspace::layout::linalg {

void SymmetricEigen(int n, std::vector<double>& a, std::vector<double>* values,
                    std::vector<double>* vectors) {
  const size_t nn = static_cast<size_t>(n);
  std::vector<double> v(nn * nn, 0.0);
  for (size_t i = 0; i < nn; ++i) v[i * nn + i] = 1.0;
  auto A = [&](size_t r, size_t c) -> double& { return a[r * nn + c]; };
  auto V = [&](size_t r, size_t c) -> double& { return v[r * nn + c]; };

  double total = 0.0;
  for (size_t i = 0; i < nn * nn; ++i) total += a[i] * a[i];
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0;
    for (size_t p = 0; p < nn; ++p)
      for (size_t q = p + 1; q < nn; ++q) off += A(p, q) * A(p, q);
    if (off <= 1e-30 * total || off == 0.0) break;
    for (size_t p = 0; p < nn; ++p) {
      for (size_t q = p + 1; q < nn; ++q) {
        const double apq = A(p, q);
        if (std::fabs(apq) < 1e-300) continue;
        const double theta = (A(q, q) - A(p, p)) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0);
        const double s = t * c;
        for (size_t k = 0; k < nn; ++k) {  // columns p, q
          const double akp = A(k, p), akq = A(k, q);
          A(k, p) = c * akp - s * akq;
          A(k, q) = s * akp + c * akq;
        }
        for (size_t k = 0; k < nn; ++k) {  // rows p, q
          const double apk = A(p, k), aqk = A(q, k);
          A(p, k) = c * apk - s * aqk;
          A(q, k) = s * apk + c * aqk;
        }
        A(p, q) = 0.0;
        A(q, p) = 0.0;
        for (size_t k = 0; k < nn; ++k) {
          const double vkp = V(k, p), vkq = V(k, q);
          V(k, p) = c * vkp - s * vkq;
          V(k, q) = s * vkp + c * vkq;
        }
      }
    }
  }
  std::vector<int> order(nn);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return A(x, x) > A(y, y); });
  values->assign(nn, 0.0);
  vectors->assign(nn * nn, 0.0);
  for (size_t i = 0; i < nn; ++i) {
    const size_t src = static_cast<size_t>(order[i]);
    (*values)[i] = A(src, src);
    for (size_t k = 0; k < nn; ++k) (*vectors)[i * nn + k] = V(k, src);
  }
}

int Orthonormalize(std::vector<double>& v, int count, int64_t len) {
  int nonzero = 0;
  for (int j = 0; j < count; ++j) {
    double* vj = v.data() + static_cast<size_t>(j) * static_cast<size_t>(len);
    double before = 0.0;
    for (int64_t t = 0; t < len; ++t) before += vj[t] * vj[t];
    before = std::sqrt(before);
    for (int pass = 0; pass < 2; ++pass) {  // "twice is enough" (Kahan/Parlett)
      for (int i = 0; i < j; ++i) {
        const double* vi = v.data() + static_cast<size_t>(i) * static_cast<size_t>(len);
        double r = 0.0;
        for (int64_t t = 0; t < len; ++t) r += vi[t] * vj[t];
        for (int64_t t = 0; t < len; ++t) vj[t] -= r * vi[t];
      }
    }
    double norm = 0.0;
    for (int64_t t = 0; t < len; ++t) norm += vj[t] * vj[t];
    norm = std::sqrt(norm);
    if (norm <= 1e-10 * before || norm == 0.0) {
      std::fill(vj, vj + len, 0.0);
      continue;
    }
    for (int64_t t = 0; t < len; ++t) vj[t] /= norm;
    ++nonzero;
  }
  return nonzero;
}

void FixSigns(std::vector<double>& v, int count, int64_t len) {
  for (int j = 0; j < count; ++j) {
    double* vj = v.data() + static_cast<size_t>(j) * static_cast<size_t>(len);
    double best = 0.0;
    for (int64_t t = 0; t < len; ++t)
      if (std::fabs(vj[t]) > std::fabs(best)) best = vj[t];
    if (best < 0)
      for (int64_t t = 0; t < len; ++t) vj[t] = -vj[t];
  }
}

}  // namespace kspace::layout::linalg
