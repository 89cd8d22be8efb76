// The query plans of the statements a connection has prepared (and keeps cached), for tests that
// a code path's SQL is an index lookup rather than a scan, checked on the statements the code
// really ran instead of on a copy of their text.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/db.h"

namespace kspace::plans {

// (sql, plan) for every statement prepared on `db` whose SQL contains one of `needles`; the plan
// is EXPLAIN QUERY PLAN's detail column, one line per step.
inline std::vector<std::pair<std::string, std::string>> PreparedPlans(store::Database& db,
                                                                       std::initializer_list<std::string_view> needles) {
  std::vector<std::pair<std::string, std::string>> out;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db.handle(), nullptr); s; s = sqlite3_next_stmt(db.handle(), s)) {
    const std::string sql = sqlite3_sql(s);
    bool wanted = false;
    for (std::string_view n : needles) wanted = wanted || sql.find(n) != std::string::npos;
    if (!wanted) continue;
    auto st = db.PrepareUncached("EXPLAIN QUERY PLAN " + sql);
    if (!st.ok()) {
      ADD_FAILURE() << sql << ": " << st.status().ToString();
      continue;
    }
    std::string plan;
    for (;;) {
      auto row = st->Step();
      if (!row.ok()) {
        ADD_FAILURE() << sql << ": " << row.status().ToString();
        break;
      }
      if (!*row) break;
      plan += st->Text(3) + "\n";
    }
    out.emplace_back(sql, std::move(plan));
  }
  return out;
}

}  // namespace kspace::plans
