#include "index/filter.h"

#include <algorithm>

namespace kspace::index {

LabelListFilter::LabelListFilter(std::vector<Label> labels) : labels_(std::move(labels)) {
  std::sort(labels_.begin(), labels_.end());
  labels_.erase(std::unique(labels_.begin(), labels_.end()), labels_.end());
}

bool LabelListFilter::Allows(Label label) const {
  return std::binary_search(labels_.begin(), labels_.end(), label);
}

}  // namespace kspace::index
