// Principal component analysis: the fast projection path, the UMAP fallback initialisation and
// HDBSCAN's dimension reduction.
//
// The data are centred (the mean is part of the model). For input_dim <= exact_max_dim the
// covariance matrix is formed and diagonalised exactly; above that, a randomised SVD (Halko,
// Martinsson, Tropp 2011: a Gaussian sketch of components + oversample columns, power iterations
// with re-orthonormalisation) finds the leading subspace in O(n d (components + oversample)) time
// without ever materialising the centred matrix. Component signs are fixed (largest loading
// positive), so the same data give the same axes every run.
#pragma once

#include <cstdint>
#include <vector>

#include "layout/common.h"

namespace kspace::layout {

struct PcaParams {
  int components = 2;        // output dimensions, 1 <= components <= input_dim
  int oversample = 10;       // extra sketch columns of the randomised SVD
  int power_iterations = 4;  // randomised SVD power iterations (accuracy on flat spectra)
  int exact_max_dim = 64;    // input_dim at or below this: exact covariance eigen-decomposition
  uint64_t seed = 42;
};

struct PcaModel {
  int input_dim = 0;
  int components = 0;
  std::vector<float> mean;                 // input_dim
  std::vector<float> axes;                 // components x input_dim, orthonormal rows
  std::vector<double> explained_variance;  // variance along each axis (sample variance, n - 1)
  double total_variance = 0.0;             // total sample variance of the data (sum over dims)
};

// Fits the model. Errors: invalid data (needs >= 2 rows), components out of [1, input_dim]
// ("components"), negative oversample/power_iterations, cancellation.
Result<PcaModel> FitPca(MatrixView data, const PcaParams& params = {},
                        const Progress& progress = {});

// Projects rows onto the model's axes: (x - mean) . axes^T, rows x components.
// Errors: invalid data, column count != model.input_dim ("data"), malformed model ("model").
Result<Matrix> PcaTransform(const PcaModel& model, MatrixView data);

// FitPca then PcaTransform of the same data.
Result<Matrix> PcaFitTransform(MatrixView data, const PcaParams& params = {},
                               const Progress& progress = {}, PcaModel* model_out = nullptr);

}  // namespace kspace::layout
