// Bm25Cut: what store::FtsSearch shares with the ks_bm25_cut ranking function (search/fts_rank.h)
// while it steps through a query's matching rows.
#pragma once

#include <cstdint>

namespace kspace::store {

// The type name sqlite3_bind_pointer and sqlite3_value_pointer agree on.
inline constexpr const char* kBm25CutPointerType = "ks_bm25_cut";

struct Bm25Cut {
  double threshold = 0;  // rows that provably score below this may be skipped (NULL); 0: none are
  int64_t scored = 0;    // rows scored exactly
  int64_t skipped = 0;   // rows skipped by the bound
};

}  // namespace kspace::store
