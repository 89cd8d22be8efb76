#include "api/term_cache.h"

namespace kspace::api {

Result<SpaceTerms*> TermStatsCache::Get(store::Database& db, const std::string& space_id) {
  auto it = spaces_.find(space_id);
  if (it != spaces_.end()) return &it->second;
  KS_ASSIGN_OR_RETURN(store::TermStatsBlob blob, store::LoadTermStats(db, space_id));
  SpaceTerms& t = spaces_[space_id];
  t.stats = std::move(blob);
  return &t;
}

void TermStatsCache::Adjust(SpaceTerms& t, std::span<const std::string> terms, int delta) {
  if (terms.empty() && delta == 0) return;
  t.stats.docs = std::max<int64_t>(0, t.stats.docs + delta);
  for (const std::string& term : terms) {
    int64_t& df = t.stats.df[term];
    df = std::max<int64_t>(0, df + delta);
  }
  t.dirty = true;
}

Status TermStatsCache::Flush(store::Database& db) {
  for (auto& [space_id, t] : spaces_) {
    if (!t.dirty) continue;
    for (auto it = t.stats.df.begin(); it != t.stats.df.end();) {
      if (it->second <= 0) it = t.stats.df.erase(it);
      else ++it;
    }
    KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KS_RETURN_IF_ERROR(store::SaveTermStats(db, space_id, t.stats));
    KS_RETURN_IF_ERROR(tx.Commit());
    t.dirty = false;
  }
  return Status::Ok();
}

}  // namespace kspace::api
