// Per-space term statistics and source links (schema v2).
//
// term_stats holds, for each stemmed term, how many of a space's processed live sources contain
// it: the document frequencies that keyword extraction weighs a new source's terms against.
// source_links holds what a source's text points at ([[wikilinks]], #tags, URLs).
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "store/db.h"

namespace kspace::store {

// Adds `delta` (+1 when a source is processed or restored, -1 when it is deleted) to the document
// frequency of each of `terms` (distinct) in `space_id`.
Status AdjustTermStats(Database& db, const std::string& space_id, std::span<const std::string> terms, int delta);
// Document frequencies of `terms` in `space_id` (absent terms are 0).
Result<std::map<std::string, int64_t>> TermStats(Database& db, const std::string& space_id,
                                                 std::span<const std::string> terms);
// Processed, live sources in the space (the N of IDF).
Result<int64_t> ProcessedSourceCount(Database& db, const std::string& space_id);
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
