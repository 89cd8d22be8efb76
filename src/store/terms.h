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
#include <optional>
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
// The document frequencies' binary form (term_stats.data): the terms with df > 0. Decoding
// replaces stats.df, and returns false (stats.df empty) when the bytes are damaged.
std::string EncodeTermFrequencies(const TermStatsBlob& stats);
bool DecodeTermFrequencies(std::span<const uint8_t> bytes, TermStatsBlob& stats);
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

// ---- What [[wikilinks]] resolve by (schema v6) ---------------------------------------------------
// A wikilink [[T]] reaches the earliest live source whose title or path stem equals
// WikilinkKey(T), else one whose title or path stem equals WikilinkPathStem(T) ([[notes/Page.md]]
// reaches "Page"). wikilink_keys holds both sides so that the graph layer resolves with index
// probes (graph/edges.h): kind 0 rows are the names a source answers to, kind 1 rows the keys its
// wikilinks resolve by. Rows are written with the source's links and removed with its row.

// ASCII lower case ("Some Page" -> "some page"): what SQLite's lower() and NOCASE fold, too.
std::string WikilinkKey(std::string_view name);
// The lower-cased file name without its extension: "notes/Some Page.md" -> "some page".
std::string WikilinkPathStem(std::string_view path);
// Adds the names of a source (its title's key and its path's stem; empty keys are skipped).
Status IndexSourceNames(Database& db, const std::string& space_id, const std::string& source_id,
                        std::string_view title, const std::optional<std::string>& path);
// Adds the keys a wikilink target of the source resolves by.
Status IndexLinkTarget(Database& db, const std::string& space_id, const std::string& source_id,
                       std::string_view target);
// Replaces every wikilink_keys row of the source with its current names and wikilink targets.
Status ReplaceWikilinkKeys(Database& db, const std::string& space_id, const std::string& source_id,
                           std::string_view title, const std::optional<std::string>& path,
                           std::span<const SourceLink> links);
// The names (kind 0 keys) of a source.
Result<std::vector<std::string>> SourceNameKeys(Database& db, const std::string& source_id);
// The sources of the space with a wikilink that resolves by `key` (kind 1), in id order.
Result<std::vector<std::string>> SourcesLinkingBy(Database& db, const std::string& space_id, const std::string& key);

}  // namespace kspace::store
