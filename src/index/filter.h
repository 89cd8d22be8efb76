// Filter: which labels a vector search may return.
//
// The engine resolves a search's conditions (source ids, chunk types, tags, time range, entity
// type) into a Filter over chunk labels; the index evaluates it *inside* the graph search, so a
// filtered query returns the k nearest allowed vectors rather than k nearest vectors of which some
// are then thrown away.
//
// Selective filters are hard for HNSW: the graph search has to wade through many disallowed
// nodes before it has found ef allowed ones, so it gets slow, and with very few allowed nodes it
// degenerates into a walk over the whole graph. A Filter can therefore tell the index how many
// labels it allows, and the index then picks between the graph and an exact scan
// (VectorIndex::Search documents the policy):
//   - AllowedLabels(): the complete list of allowed labels, when the caller has it cheaply (e.g.
//     "the chunks of these two sources"). The exact path then scores just those labels.
//   - Selectivity(): an estimate of the fraction of labels allowed, when the caller knows it
//     (e.g. from counts in SQLite). Without either hint the index samples Allows() itself.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace kspace::index {

// The engine's labels are chunk row ids.
using Label = uint64_t;

class Filter {
 public:
  virtual ~Filter() = default;

  // True if `label` may appear in results. Called from inside the search, up to a few thousand
  // times per query: it must be cheap, must not call back into the index, and must answer the
  // same for the same label during one search. It must not throw (a throw is reported as
  // INTERNAL by Search).
  virtual bool Allows(Label label) const = 0;

  // Every allowed label, if the filter knows them; nullptr (the default) when it does not. Labels
  // absent from the index or removed from it are ignored; duplicates are allowed. When non-null,
  // Allows() must agree with it.
  virtual const std::vector<Label>* AllowedLabels() const { return nullptr; }

  // Estimated fraction of the index's labels that Allows() accepts, in [0, 1]; negative (the
  // default) when unknown. Only a hint for choosing the search strategy: results stay correct
  // if it is wrong.
  virtual double Selectivity() const { return -1.0; }
};

// Allows exactly the labels of an explicit list (deduplicated and sorted on construction, looked
// up by binary search). Carries the list as AllowedLabels(), so small lists are scored exactly.
class LabelListFilter final : public Filter {
 public:
  explicit LabelListFilter(std::vector<Label> labels);

  bool Allows(Label label) const override;
  const std::vector<Label>* AllowedLabels() const override { return &labels_; }

 private:
  std::vector<Label> labels_;  // sorted, unique
};

// Allows the labels for which `predicate` returns true. `selectivity` is the optional hint
// described at Filter::Selectivity(). The predicate must follow Allows()'s rules.
class PredicateFilter final : public Filter {
 public:
  explicit PredicateFilter(std::function<bool(Label)> predicate, double selectivity = -1.0)
      : predicate_(std::move(predicate)), selectivity_(selectivity) {}

  bool Allows(Label label) const override { return predicate_ && predicate_(label); }
  double Selectivity() const override { return selectivity_; }

 private:
  std::function<bool(Label)> predicate_;
  double selectivity_;
};

}  // namespace kspace::index
