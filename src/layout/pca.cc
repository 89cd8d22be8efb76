#include "layout/pca.h"

#include <algorithm>
#include <cmath>

#include "layout/distance.h"
#include "layout/linalg.h"
#include "layout/random.h"

namespace kspace::layout {
namespace {

// y = (X - mean) v for the `count` d-vectors in `v` (double, one per row of v): n x count.
void ProjectCentred(MatrixView x, const std::vector<double>& mean, const std::vector<double>& v,
                    int count, std::vector<double>* out) {
  const int d = x.cols;
  std::vector<float> vf(v.size());
  for (size_t t = 0; t < v.size(); ++t) vf[t] = static_cast<float>(v[t]);
  // Stored column-major (vector c of length n at c*n) so Orthonormalize can work on columns.
  // Rows are centred before the inner products (see PcaTransform).
  out->assign(static_cast<size_t>(count) * x.rows, 0.0);
  std::vector<float> centred(d);
  for (int i = 0; i < x.rows; ++i) {
    const float* r = x.row(i);
    for (int j = 0; j < d; ++j) centred[j] = static_cast<float>(r[j] - mean[j]);
    for (int c = 0; c < count; ++c) {
      (*out)[static_cast<size_t>(c) * x.rows + i] =
          Dot(centred.data(), vf.data() + static_cast<size_t>(c) * d, d);
    }
  }
}

// z = (X - mean)^T q for the `count` n-vectors in `q` (column-major): count d-vectors.
// Blocks of 256 rows are accumulated in float with SIMD axpy, then added to double totals: fast
// like float, accurate like double (a block sum has at most 256 terms).
void BackProjectCentred(MatrixView x, const std::vector<double>& mean, const std::vector<double>& q,
                        int count, std::vector<double>* out) {
  const int d = x.cols, n = x.rows;
  constexpr int kBlock = 256;
  out->assign(static_cast<size_t>(count) * d, 0.0);
  std::vector<float> part(static_cast<size_t>(count) * d);
  std::vector<double> qsum(static_cast<size_t>(count), 0.0);
  for (int b0 = 0; b0 < n; b0 += kBlock) {
    const int b1 = std::min(n, b0 + kBlock);
    std::fill(part.begin(), part.end(), 0.0f);
    for (int i = b0; i < b1; ++i) {
      const float* xi = x.row(i);
      for (int c = 0; c < count; ++c) {
        const double w = q[static_cast<size_t>(c) * n + i];
        if (w == 0.0) continue;
        qsum[c] += w;
        Axpy(static_cast<float>(w), xi, part.data() + static_cast<size_t>(c) * d, d);
      }
    }
    for (size_t t = 0; t < part.size(); ++t) (*out)[t] += part[t];
  }
  for (int c = 0; c < count; ++c) {
    double* zc = out->data() + static_cast<size_t>(c) * d;
    for (int j = 0; j < d; ++j) zc[j] -= qsum[c] * mean[j];
  }
}

}  // namespace

Result<PcaModel> FitPca(MatrixView data, const PcaParams& params, const Progress& progress) {
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 2));
  const int n = data.rows, d = data.cols;
  if (params.components < 1 || params.components > d) {
    return InvalidArgument("components must be in [1, " + std::to_string(d) + "], got " +
                               std::to_string(params.components),
                           "components");
  }
  if (params.oversample < 0 || params.power_iterations < 0 || params.power_iterations > 100) {
    return InvalidArgument("oversample and powerIterations must be non-negative (<= 100)",
                           "powerIterations");
  }
  const int c = params.components;

  std::vector<double> mean(d, 0.0);
  for (int i = 0; i < n; ++i) {
    const float* r = data.row(i);
    for (int j = 0; j < d; ++j) mean[j] += r[j];
  }
  for (int j = 0; j < d; ++j) mean[j] /= n;
  double total = 0.0;
  for (int i = 0; i < n; ++i) {
    const float* r = data.row(i);
    for (int j = 0; j < d; ++j) {
      const double t = r[j] - mean[j];
      total += t * t;
    }
  }
  if (!ReportProgress(progress, 0.1)) return Cancelled("PCA");

  std::vector<double> values, axes;  // axes: c x d
  if (d <= params.exact_max_dim) {
    // Exact: eigen-decomposition of the d x d scatter matrix.
    std::vector<double> cov(static_cast<size_t>(d) * d, 0.0), row(d);
    for (int i = 0; i < n; ++i) {
      const float* r = data.row(i);
      for (int j = 0; j < d; ++j) row[j] = r[j] - mean[j];
      for (int a = 0; a < d; ++a) {
        const double ra = row[a];
        double* ca = cov.data() + static_cast<size_t>(a) * d;
        for (int b = a; b < d; ++b) ca[b] += ra * row[b];
      }
    }
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < a; ++b) cov[static_cast<size_t>(a) * d + b] = cov[static_cast<size_t>(b) * d + a];
    std::vector<double> vals, vecs;
    linalg::SymmetricEigen(d, cov, &vals, &vecs);
    values.assign(vals.begin(), vals.begin() + c);
    axes.assign(vecs.begin(), vecs.begin() + static_cast<size_t>(c) * d);
  } else {
    // Randomised SVD of the centred data.
    const int l = std::min(d, std::min(n, c + params.oversample));
    const int lw = std::max(l, c);
    Rng rng(params.seed);
    std::vector<double> omega(static_cast<size_t>(lw) * d);
    for (double& v : omega) v = rng.Normal();
    std::vector<double> q, z;
    ProjectCentred(data, mean, omega, lw, &q);  // n x lw (column-major)
    linalg::Orthonormalize(q, lw, n);
    for (int it = 0; it < params.power_iterations; ++it) {
      BackProjectCentred(data, mean, q, lw, &z);  // lw d-vectors
      linalg::Orthonormalize(z, lw, d);
      ProjectCentred(data, mean, z, lw, &q);
      linalg::Orthonormalize(q, lw, n);
      if (!ReportProgress(progress, 0.1 + 0.8 * (it + 1) / (params.power_iterations + 1))) {
        return Cancelled("PCA");
      }
    }
    // B = Q^T (X - mean): lw x d. Its right singular vectors are the principal axes.
    std::vector<double> b;
    BackProjectCentred(data, mean, q, lw, &b);
    std::vector<double> bbt(static_cast<size_t>(lw) * lw, 0.0);
    for (int a = 0; a < lw; ++a)
      for (int e = a; e < lw; ++e) {
        double s = 0.0;
        for (int j = 0; j < d; ++j) s += b[static_cast<size_t>(a) * d + j] * b[static_cast<size_t>(e) * d + j];
        bbt[static_cast<size_t>(a) * lw + e] = s;
        bbt[static_cast<size_t>(e) * lw + a] = s;
      }
    std::vector<double> vals, u;
    linalg::SymmetricEigen(lw, bbt, &vals, &u);
    values.assign(c, 0.0);
    axes.assign(static_cast<size_t>(c) * d, 0.0);
    for (int t = 0; t < c; ++t) {
      values[t] = std::max(0.0, vals[t]);
      double* at = axes.data() + static_cast<size_t>(t) * d;
      for (int a = 0; a < lw; ++a) {
        const double ua = u[static_cast<size_t>(t) * lw + a];
        for (int j = 0; j < d; ++j) at[j] += ua * b[static_cast<size_t>(a) * d + j];
      }
    }
  }
  // Orthonormalise (also normalises B^T u); axes of zero variance (rank-deficient data) are filled
  // with unit vectors orthogonal to the others so that Transform stays well defined.
  linalg::Orthonormalize(axes, c, d);
  for (int t = 0; t < c; ++t) {
    double* at = axes.data() + static_cast<size_t>(t) * d;
    double nrm = 0.0;
    for (int j = 0; j < d; ++j) nrm += at[j] * at[j];
    for (int e = 0; nrm < 0.5 && e < d; ++e) {
      std::fill(at, at + d, 0.0);
      at[e] = 1.0;
      std::vector<double> tmp(axes.begin(), axes.begin() + static_cast<size_t>(t + 1) * d);
      linalg::Orthonormalize(tmp, t + 1, d);
      std::copy(tmp.begin() + static_cast<size_t>(t) * d, tmp.end(), at);
      nrm = 0.0;
      for (int j = 0; j < d; ++j) nrm += at[j] * at[j];
    }
  }
  linalg::FixSigns(axes, c, d);

  PcaModel m;
  m.input_dim = d;
  m.components = c;
  m.mean.assign(mean.begin(), mean.end());
  m.axes.assign(axes.begin(), axes.end());
  m.explained_variance.resize(c);
  for (int t = 0; t < c; ++t) m.explained_variance[t] = values[t] / (n - 1);
  m.total_variance = total / (n - 1);
  if (!ReportProgress(progress, 1.0)) return Cancelled("PCA");
  return m;
}

Result<Matrix> PcaTransform(const PcaModel& model, MatrixView data) {
  if (model.input_dim < 1 || model.components < 1 ||
      model.mean.size() != static_cast<size_t>(model.input_dim) ||
      model.axes.size() != static_cast<size_t>(model.input_dim) * model.components) {
    return InvalidArgument("malformed PCA model", "model");
  }
  KS_RETURN_IF_ERROR(ValidateMatrix(data, "data", 1));
  if (data.cols != model.input_dim) {
    return InvalidArgument("data has " + std::to_string(data.cols) + " columns, the model expects " +
                               std::to_string(model.input_dim),
                           "data");
  }
  const int d = model.input_dim, c = model.components;
  // Centre first, then project: subtracting mean.axis afterwards would cancel catastrophically for
  // data far from the origin.
  std::vector<float> centred(d);
  Matrix out(data.rows, c);
  for (int i = 0; i < data.rows; ++i) {
    const float* r = data.row(i);
    for (int j = 0; j < d; ++j) centred[j] = r[j] - model.mean[j];
    float* o = out.row(i);
    for (int t = 0; t < c; ++t) o[t] = Dot(centred.data(), model.axes.data() + static_cast<size_t>(t) * d, d);
  }
  return out;
}

Result<Matrix> PcaFitTransform(MatrixView data, const PcaParams& params, const Progress& progress,
                               PcaModel* model_out) {
  KS_ASSIGN_OR_RETURN(PcaModel model, FitPca(data, params, progress));
  KS_ASSIGN_OR_RETURN(Matrix out, PcaTransform(model, data));
  if (model_out) *model_out = std::move(model);
  return out;
}

}  // namespace kspace::layout
