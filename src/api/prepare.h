// Preparing a source for ingest: the part of ingestProcess that needs no database.
//
// PrepareText turns one staged source's bytes into what its commit writes (chunks, keywords,
// summary, links, distinct terms), given the space's document frequencies. ingestProcess runs it
// in the store's engine; a Preparer runs it in a second worker, so that a long ingest parses and
// embeds batch i+1 while the store commits batch i:
//
//   store engine                          Preparer (second worker, no store)
//   ingestTermStats {spaceId} -> bytes -> LoadTerms(bytes)
//   ingestProcess {sourceIds, handOff} -> bytes (rows + blobs) -> Prepare(bytes) -> bytes
//   ingestProcess {batchId, prepared} + bytes: commit
//
// The Preparer counts every batch it prepares into its copy of the statistics, as the store does
// when the batch commits, so keywords come out as in a serial ingest. The wire formats below are
// private to one module build (both ends run the same code); decoding checks every length.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "api/ingest.h"
#include "api/term_cache.h"
#include "embed/builtin_embedder.h"
#include "store/fts_replay.h"
#include "store/terms.h"
#include "text/keywords.h"

namespace kspace::api {

// Parses, chunks and analyses one source. `row` needs id, space_id, title, path, mime_type,
// media_type, keywords and metadata; the result's row has keywords, summary and metadata filled
// in. A source whose text cannot be read comes back with failed = true and its error (an error
// Status only for a broken invariant).
Result<PreparedSource> PrepareText(store::SourceRow row, std::string_view bytes, const EngineConfig& config,
                                   const text::DfSource* df);

// What a Preparer needs for one batch: its sources' rows (batch.sources[i].source) and their
// bytes (blobs[i]), in batch order.
std::vector<uint8_t> EncodePrepInput(const IngestBatch& batch, std::span<const std::string> blobs);
// The space's statistics as a Preparer loads them.
std::vector<uint8_t> EncodeTermStats(const store::TermStatsBlob& stats);

// Fills `batch` (whose sources hold the rows that were handed off, in order) with a Preparer's
// output, and `vectors` with the built-in vectors of its chunks in batch order. INVALID_ARGUMENT
// when the bytes are not a Preparer's answer for exactly this batch.
Status DecodePrepared(std::span<const uint8_t> bytes, IngestBatch& batch, std::vector<float>& vectors);

// The second worker's side: document frequencies of one space and the built-in embedder.
class Preparer {
 public:
  explicit Preparer(EngineConfig config) : config_(config) {}

  // Replaces the statistics with a store's (EncodeTermStats).
  Status LoadTerms(std::span<const uint8_t> bytes);
  // Prepares and embeds one batch (EncodePrepInput) and counts its sources into the statistics.
  Result<std::vector<uint8_t>> Prepare(std::span<const uint8_t> input);
  // Milliseconds the last Prepare spent parsing and analysing, and embedding.
  double parse_ms() const { return parse_ms_; }
  double embed_ms() const { return embed_ms_; }

 private:
  // The full-text tokens of p's columns (store/fts_replay.h), so that the commit skips tokenising.
  void AddFtsTokens(PreparedSource& p);

  EngineConfig config_;
  std::unique_ptr<store::FtsTokenizer> fts_;  // opened on first use
  bool fts_tried_ = false;
  SpaceTerms terms_;  // the space's statistics, kept as TermStatsCache keeps the store's
  embed::BuiltinEmbedder embedder_;
  double parse_ms_ = 0;
  double embed_ms_ = 0;
};

}  // namespace kspace::api
