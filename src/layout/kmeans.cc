#include "layout/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "layout/distance.h"
#include "layout/random.h"

namespace kspace::layout {
namespace {

// Assigns every row to its nearest centre; returns inertia. dist2[i] = squared distance.
double Assign(MatrixView x, const std::vector<float>& xnorm, const Matrix& c, std::vector<int32_t>* labels,
              std::vector<float>* dist2) {
  const int n = x.rows, d = x.cols, k = c.rows;
  std::vector<float> cnorm(static_cast<size_t>(k));
  for (int j = 0; j < k; ++j) cnorm[j] = Dot(c.row(j), c.row(j), d);
  double inertia = 0.0;
  float tile[8];
  for (int i = 0; i < n; ++i) {
    float best = std::numeric_limits<float>::infinity();
    int32_t arg = 0;
    int j = 0;
    for (; j + 4 <= k; j += 4) {
      Dot2x4(x.row(i), x.row(i), c.row(j), c.row(j + 1), c.row(j + 2), c.row(j + 3), d, tile);
      for (int t = 0; t < 4; ++t) {
        const float dv = cnorm[j + t] - 2.0f * tile[t];
        if (dv < best) {
          best = dv;
          arg = j + t;
        }
      }
    }
    for (; j < k; ++j) {
      const float dv = cnorm[j] - 2.0f * Dot(x.row(i), c.row(j), d);
      if (dv < best) {
        best = dv;
        arg = j;
      }
    }
    (*labels)[i] = arg;
    const float d2 = std::max(0.0f, best + xnorm[i]);
    (*dist2)[i] = d2;
    inertia += d2;
  }
  return inertia;
}

Matrix PlusPlusInit(MatrixView x, int k, Rng& rng) {
  const int n = x.rows, d = x.cols;
  Matrix c(k, d);
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  std::vector<double> closest(static_cast<size_t>(n));
  int first = static_cast<int>(rng.Below(static_cast<uint32_t>(n)));
  std::copy(x.row(first), x.row(first) + d, c.row(0));
  double pot = 0.0;
  for (int i = 0; i < n; ++i) {
    closest[i] = SquaredL2(x.row(i), c.row(0), d);
    pot += closest[i];
  }
  std::vector<double> cand(static_cast<size_t>(n));
  for (int m = 1; m < k; ++m) {
    int best_idx = -1;
    double best_pot = std::numeric_limits<double>::infinity();
    for (int t = 0; t < trials; ++t) {
      // Sample a row with probability proportional to its squared distance to the centres.
      int pick = static_cast<int>(rng.Below(static_cast<uint32_t>(n)));
      if (pot > 0.0) {
        double r = rng.Uniform() * pot, acc = 0.0;
        for (int i = 0; i < n; ++i) {
          acc += closest[i];
          if (acc > r) {
            pick = i;
            break;
          }
        }
      }
      double p = 0.0;
      for (int i = 0; i < n; ++i) p += std::min(closest[i], static_cast<double>(SquaredL2(x.row(i), x.row(pick), d)));
      if (p < best_pot) {
        best_pot = p;
        best_idx = pick;
      }
    }
    std::copy(x.row(best_idx), x.row(best_idx) + d, c.row(m));
    pot = 0.0;
    for (int i = 0; i < n; ++i) {
      closest[i] = std::min(closest[i], static_cast<double>(SquaredL2(x.row(i), c.row(m), d)));
      pot += closest[i];
    }
  }
  return c;
}

void NormalizeRowsInPlace(Matrix* m) {
  for (int i = 0; i < m->rows; ++i) {
    float* r = m->row(i);
    const float nrm = std::sqrt(Dot(r, r, m->cols));
    if (nrm > 0.0f)
      for (int j = 0; j < m->cols; ++j) r[j] /= nrm;
  }
}

}  // namespace

Result<KMeansResult> KMeans(MatrixView data, const KMeansParams& params, const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 1));
  const int n = data.rows, d = data.cols, k = params.k;
  if (k < 1 || k > n) {
    return InvalidArgument("k must be in [1, rows] = [1, " + std::to_string(n) + "], got " + std::to_string(k), "k");
  }
  if (params.max_iterations < 1 || params.max_iterations > 100000) {
    return InvalidArgument("maxIterations must be in [1, 100000]", "maxIterations");
  }
  if (params.n_init < 1 || params.n_init > 100) return InvalidArgument("nInit must be in [1, 100]", "nInit");
  if (!(params.tolerance >= 0.0)) return InvalidArgument("tolerance must be >= 0", "tolerance");
  const bool spherical = params.metric == Metric::kCosine;
  Matrix normalized;
  MatrixView x = data;
  if (spherical) {
    normalized = NormalizedRows(data);
    x = normalized.view();
  }
  std::vector<float> xnorm(static_cast<size_t>(n));
  double var = 0.0;
  {
    std::vector<double> mean(static_cast<size_t>(d), 0.0);
    for (int i = 0; i < n; ++i) {
      xnorm[i] = Dot(x.row(i), x.row(i), d);
      for (int j = 0; j < d; ++j) mean[j] += x.row(i)[j];
    }
    for (int j = 0; j < d; ++j) mean[j] /= n;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < d; ++j) var += (x.row(i)[j] - mean[j]) * (x.row(i)[j] - mean[j]);
    var /= static_cast<double>(n) * d;
  }
  const double tol = params.tolerance * var;

  Rng rng(params.seed);
  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  std::vector<int32_t> labels(static_cast<size_t>(n));
  std::vector<float> dist2(static_cast<size_t>(n));
  const int total_steps = params.n_init * params.max_iterations;
  for (int run = 0; run < params.n_init; ++run) {
    Matrix c = PlusPlusInit(x, k, rng);
    if (spherical) NormalizeRowsInPlace(&c);
    double inertia = 0.0;
    int it = 0;
    bool converged = false;
    std::vector<double> sum(static_cast<size_t>(k) * d);
    std::vector<int32_t> count(static_cast<size_t>(k));
    for (it = 1; it <= params.max_iterations; ++it) {
      inertia = Assign(x, xnorm, c, &labels, &dist2);
      std::fill(sum.begin(), sum.end(), 0.0);
      std::fill(count.begin(), count.end(), 0);
      for (int i = 0; i < n; ++i) {
        const int32_t l = labels[i];
        ++count[l];
        double* s = sum.data() + static_cast<size_t>(l) * d;
        const float* r = x.row(i);
        for (int j = 0; j < d; ++j) s[j] += r[j];
      }
      // Empty clusters take the rows farthest from their centres (each row used once).
      for (int j = 0; j < k; ++j) {
        if (count[j] > 0) continue;
        int far = -1;
        for (int i = 0; i < n; ++i)
          if (count[labels[i]] > 1 && (far < 0 || dist2[i] > dist2[far])) far = i;
        if (far < 0) continue;
        const int32_t old = labels[far];
        --count[old];
        double* so = sum.data() + static_cast<size_t>(old) * d;
        double* sj = sum.data() + static_cast<size_t>(j) * d;
        for (int t = 0; t < d; ++t) {
          so[t] -= x.row(far)[t];
          sj[t] = x.row(far)[t];
        }
        count[j] = 1;
        labels[far] = j;
        dist2[far] = 0.0f;
      }
      double shift = 0.0;
      for (int j = 0; j < k; ++j) {
        if (count[j] == 0) continue;
        float* cj = c.row(j);
        const double* s = sum.data() + static_cast<size_t>(j) * d;
        double nrm = 0.0;
        if (spherical) {
          for (int t = 0; t < d; ++t) nrm += s[t] * s[t];
          nrm = nrm > 0.0 ? 1.0 / std::sqrt(nrm) : 0.0;
        }
        for (int t = 0; t < d; ++t) {
          const float v = static_cast<float>(spherical ? s[t] * nrm : s[t] / count[j]);
          shift += (v - cj[t]) * (v - cj[t]);
          cj[t] = v;
        }
      }
      if (!ReportProgress(progress, static_cast<double>(run * params.max_iterations + it) / total_steps)) {
        return Cancelled("k-means");
      }
      if (shift <= tol) {
        converged = true;
        break;
      }
    }
    inertia = Assign(x, xnorm, c, &labels, &dist2);
    if (inertia < best.inertia) {
      best.inertia = inertia;
      best.labels = labels;
      best.centroids = c;
      best.iterations = std::min(it, params.max_iterations);
      best.converged = converged;
    }
  }
  return best;
}

Result<std::vector<int32_t>> KMeansAssign(const Matrix& centroids, MatrixView data, Metric metric) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 1));
  KS_RETURN_IF_ERROR(ValidateMatrix(centroids.view(), "centroids", 1));
  if (centroids.cols != data.cols) return InvalidArgument("data and centroids differ in columns", "data");
  Matrix normalized;
  MatrixView x = data;
  if (metric == Metric::kCosine) {
    normalized = NormalizedRows(data);
    x = normalized.view();
  }
  std::vector<float> xnorm(static_cast<size_t>(x.rows));
  for (int i = 0; i < x.rows; ++i) xnorm[i] = Dot(x.row(i), x.row(i), x.cols);
  std::vector<int32_t> labels(static_cast<size_t>(x.rows));
  std::vector<float> dist2(static_cast<size_t>(x.rows));
  Assign(x, xnorm, centroids, &labels, &dist2);
  return labels;
}

}  // namespace kspace::layout
