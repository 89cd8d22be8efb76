// Small helpers shared by the graph repositories (optional columns: store::OptText / BindOpt).
#pragma once

#include <optional>
#include <string>

#include "store/db.h"
#include "util/uuid.h"

namespace kspace::graph {

using store::BindOpt;
using store::OptText;

inline std::string NewId() { return NewUuid(); }

}  // namespace kspace::graph
