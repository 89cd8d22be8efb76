#include "layout/spectral.h"

#include <algorithm>
#include <cmath>

#include "layout/linalg.h"
#include "layout/random.h"

namespace kspace::layout {

int ConnectedComponents(const SparseGraph& g, std::vector<int32_t>* component) {
  component->assign(static_cast<size_t>(g.n), -1);
  std::vector<int32_t> stack;
  int count = 0;
  for (int s = 0; s < g.n; ++s) {
    if ((*component)[s] >= 0) continue;
    (*component)[s] = count;
    stack.push_back(s);
    while (!stack.empty()) {
      const int u = stack.back();
      stack.pop_back();
      for (int64_t e = g.offsets[u]; e < g.offsets[u + 1]; ++e) {
        const int v = g.cols[e];
        if (g.weights[e] > 0.0f && (*component)[v] < 0) {
          (*component)[v] = count;
          stack.push_back(v);
        }
      }
    }
    ++count;
  }
  return count;
}

Result<Matrix> SpectralEmbedding(const SparseGraph& g, int dim, uint64_t seed,
                                 const Progress& progress) {
  const int n = g.n;
  if (dim < 1 || n <= dim + 1) {
    return InvalidArgument("spectral embedding needs more than dim + 1 nodes", "data");
  }
  std::vector<int32_t> comp;
  if (ConnectedComponents(g, &comp) != 1) {
    return FailedPrecondition("graph is disconnected; no single spectral embedding");
  }
  std::vector<double> dinv(n), v0(n);
  double v0n = 0.0;
  for (int i = 0; i < n; ++i) {
    double deg = 0.0;
    for (int64_t e = g.offsets[i]; e < g.offsets[i + 1]; ++e) deg += g.weights[e];
    if (!(deg > 0.0)) return FailedPrecondition("graph has an isolated node");
    dinv[i] = 1.0 / std::sqrt(deg);
    v0[i] = std::sqrt(deg);
    v0n += deg;
  }
  v0n = std::sqrt(v0n);
  for (double& x : v0) x /= v0n;

  // Krylov dimension: enough for dim + a margin of Ritz pairs; bounded memory (m * n floats).
  const int m = std::min(n - 1, std::max(4 * dim + 8, n <= 20000 ? 96 : (n <= 100000 ? 64 : 40)));
  std::vector<float> q(static_cast<size_t>(m + 1) * n);
  std::vector<double> alpha(m, 0.0), beta(m, 0.0), w(n), cur(n);
  Rng rng(seed);
  auto orth_v0 = [&](std::vector<double>& x) {
    double s = 0.0;
    for (int i = 0; i < n; ++i) s += x[i] * v0[i];
    for (int i = 0; i < n; ++i) x[i] -= s * v0[i];
  };
  for (int i = 0; i < n; ++i) cur[i] = rng.Normal();
  orth_v0(cur);
  double nrm = 0.0;
  for (double x : cur) nrm += x * x;
  nrm = std::sqrt(nrm);
  for (int i = 0; i < n; ++i) {
    cur[i] /= nrm;
    q[i] = static_cast<float>(cur[i]);
  }
  int steps = 0;
  for (int j = 0; j < m; ++j) {
    // w = M q_j
    for (int i = 0; i < n; ++i) {
      double s = 0.0;
      for (int64_t e = g.offsets[i]; e < g.offsets[i + 1]; ++e) s += g.weights[e] * dinv[g.cols[e]] * cur[g.cols[e]];
      w[i] = s * dinv[i];
    }
    double a = 0.0;
    for (int i = 0; i < n; ++i) a += w[i] * cur[i];
    alpha[j] = a;
    // Full re-orthogonalisation against v0 and every previous Lanczos vector (classical
    // Gram-Schmidt, once: enough for an initialisation and half the cost of twice).
    orth_v0(w);
    for (int t = 0; t <= j; ++t) {
      const float* qt = q.data() + static_cast<size_t>(t) * n;
      double s = 0.0;
      for (int i = 0; i < n; ++i) s += w[i] * qt[i];
      for (int i = 0; i < n; ++i) w[i] -= s * qt[i];
    }
    double b = 0.0;
    for (int i = 0; i < n; ++i) b += w[i] * w[i];
    b = std::sqrt(b);
    steps = j + 1;
    if (j + 1 == m || b < 1e-9) break;  // done, or an invariant subspace was found
    beta[j] = b;
    float* qn = q.data() + static_cast<size_t>(j + 1) * n;
    for (int i = 0; i < n; ++i) {
      cur[i] = w[i] / b;
      qn[i] = static_cast<float>(cur[i]);
    }
    if ((j & 7) == 7 && !ReportProgress(progress, 0.9 * (j + 1) / m)) {
      return Cancelled("spectral initialisation");
    }
  }
  if (steps < dim) return FailedPrecondition("Krylov space too small for a spectral embedding");
  std::vector<double> t(static_cast<size_t>(steps) * steps, 0.0);
  for (int j = 0; j < steps; ++j) {
    t[static_cast<size_t>(j) * steps + j] = alpha[j];
    if (j + 1 < steps) {
      t[static_cast<size_t>(j) * steps + j + 1] = beta[j];
      t[static_cast<size_t>(j + 1) * steps + j] = beta[j];
    }
  }
  std::vector<double> vals, vecs;
  linalg::SymmetricEigen(steps, t, &vals, &vecs);
  // Ritz vectors of the `dim` largest Ritz values.
  std::vector<double> y(static_cast<size_t>(dim) * n, 0.0);
  for (int c = 0; c < dim; ++c) {
    double* yc = y.data() + static_cast<size_t>(c) * n;
    for (int j = 0; j < steps; ++j) {
      const double s = vecs[static_cast<size_t>(c) * steps + j];
      const float* qj = q.data() + static_cast<size_t>(j) * n;
      for (int i = 0; i < n; ++i) yc[i] += s * qj[i];
    }
  }
  linalg::FixSigns(y, dim, n);
  Matrix out(n, dim);
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < dim; ++c) out.row(i)[c] = static_cast<float>(y[static_cast<size_t>(c) * n + i]);
  if (!ReportProgress(progress, 1.0)) return Cancelled("spectral initialisation");
  return out;
}

}  // namespace kspace::layout
