// Small helpers shared by the graph repositories: optional columns and ids.
#pragma once

#include <optional>
#include <string>

#include "store/db.h"
#include "util/uuid.h"

namespace kspace::graph {

inline std::optional<std::string> OptText(const store::Statement& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return st.Text(col);
}

inline void BindOpt(store::Statement& st, int i, const std::optional<std::string>& v) {
  if (v) st.Bind(i, *v);
  else st.Bind(i, store::Null{});
}

inline std::string NewId() { return NewUuid(); }

}  // namespace kspace::graph
