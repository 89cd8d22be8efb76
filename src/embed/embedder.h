// Embedder: turns texts into fixed-size unit vectors for the vector index and hybrid search.
//
// Every stored vector records the id() of the embedder that produced it, so vectors made by
// different embedders (or different versions of one) are never compared. An implementation must
// therefore be a pure function of (id, text): the same id and text give the same vector on every
// platform, build and run, and a vector never depends on other texts (a space grows chunk by chunk;
// a vector stored today must stay comparable with one computed next year). If the algorithm
// changes, the id changes.
#pragma once

#include <span>
#include <string_view>

#include "util/status.h"

namespace kspace::embed {

class Embedder {
 public:
  virtual ~Embedder() = default;

  // Stable identifier recorded next to each stored vector, e.g. "kspace-builtin-v1".
  virtual std::string_view id() const = 0;

  // Length of every vector this embedder produces (> 0, constant for a given id()).
  virtual int dimensions() const = 0;

  // Embeds texts[i] into out[i * dimensions(), (i + 1) * dimensions()).
  // Contract:
  //   - out.size() must equal texts.size() * dimensions(), else INVALID_ARGUMENT ("out").
  //   - Each output row has unit L2 norm and finite entries, for ANY input bytes (empty,
  //     whitespace only, invalid UTF-8, binary, very long).
  //   - On error the contents of `out` are unspecified.
  virtual Status Embed(std::span<const std::string_view> texts, std::span<float> out) = 0;
};

}  // namespace kspace::embed
