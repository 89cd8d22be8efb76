// TermStatsCache: each space's term document frequencies, in memory while the store is open.
//
// Loaded from store/terms.h's blob on first use, adjusted as sources are processed, deleted and
// restored, and written back by Flush (when a job ends and when the store closes). Derived data:
// losing the updates since the last flush to a crash only makes keywords slightly less tuned.
#pragma once

#include <map>
#include <span>
#include <string>

#include "store/db.h"
#include "store/terms.h"
#include "text/keywords.h"

namespace kspace::api {

struct SpaceTerms {
  store::TermStatsBlob stats;
  bool dirty = false;
};

// A space's document frequencies as keyword extraction reads them (the store's engine over its
// cache, the ingest Preparer over its copy).
class SpaceDf final : public text::DfSource {
 public:
  explicit SpaceDf(const SpaceTerms& t) : t_(t) {}
  int Df(std::string_view term) const override {
    auto it = t_.stats.df.find(term);
    return it == t_.stats.df.end() ? 0 : static_cast<int>(it->second);
  }
  int DocCount() const override { return static_cast<int>(t_.stats.docs); }

 private:
  const SpaceTerms& t_;
};

class TermStatsCache {
 public:
  Result<SpaceTerms*> Get(store::Database& db, const std::string& space_id);
  // Counts one source (delta +1) or uncounts it (-1) with its distinct `terms`.
  static void Adjust(SpaceTerms& t, std::span<const std::string> terms, int delta);
  // Writes every changed space's statistics (one row each).
  Status Flush(store::Database& db);
  void Drop(const std::string& space_id) { spaces_.erase(space_id); }

 private:
  std::map<std::string, SpaceTerms> spaces_;
};

}  // namespace kspace::api
