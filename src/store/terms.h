// Per-space term statistics and source links (schema v2).
//
// term_stats holds, per space, how many of its processed live sources contain each stemmed term:
// the document frequencies that keyword extraction weighs a new source's terms against. They are
// stored as one compact blob (varint-encoded term/df pairs) rather than a row per term, because a
// source has hundreds of distinct terms and upserting each one on every ingest dominated its cost.
// source_links holds what a source's text points at ([[wikilinks]], #tags, URLs).
#pragma once

#include <functional>
#include <map>
#include <unordered_map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/db.h"

namespace kspace::store {

// Hashes std::string and std::string_view alike, so `df.find(view)` needs no temporary string
// (keyword extraction looks terms up by view, thousands of times per source).
struct TermHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct TermStatsBlob {
  int64_t docs = 0;  // processed, live sources counted
  std::unordered_map<std::string, int64_t, TermHash, std::equal_to<>> df;
};
// The space's stored statistics (empty when none were saved yet).
Result<TermStatsBlob> LoadTermStats(Database& db, const std::string& space_id);
Status SaveTermStats(Database& db, const std::string& space_id, const TermStatsBlob& stats);
Status DeleteSpaceTermStats(Database& db, const std::string& space_id);

struct SourceLink {
  std::string kind;  // wikilink | tag | url
  std::string target;
  std::string heading;
  std::string alias;
  bool embed = false;
};
Status DeleteSpaceLinks(Database& db, const std::string& space_id);
Status ReplaceSourceLinks(Database& db, const std::string& source_id, std::span<const SourceLink> links);
Result<std::vector<SourceLink>> SourceLinks(Database& db, const std::string& source_id);
// Distinct tags of a source (kind = 'tag'), for filters.
Result<std::vector<std::string>> SourceTags(Database& db, const std::string& source_id);

}  // namespace kspace::store
