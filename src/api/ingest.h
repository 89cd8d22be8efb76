// Ingest: turning stored sources into chunks, vectors and index entries.
//
// Two phases, so that an interrupted ingest can resume:
//   1. ingestStage stores the raw sources (blobs + rows with status "processing") in one
//      transaction, skipping bytes the space already holds (duplicates: "skip") or not ("keep").
//   2. ingestProcess parses, chunks, embeds and commits a batch of staged sources in one
//      transaction: chunks, embeddings, full-text rows, links, term statistics, keywords and
//      summary, status "processed" (or "failed" with its error). With a page-side embedder the
//      first call returns the texts to embed and a batch id; a second call brings the vectors.
// Sources left "processing" by a crash are listed by ingestPending and processed again on reopen.
// ingestDiscard removes staged sources that were never processed (a cancelled job).
#pragma once

#include <string>
#include <vector>

#include "api/context.h"
#include "store/chunks.h"
#include "store/sources.h"
#include "store/spaces.h"
#include "store/terms.h"

namespace kspace::api {

// One source parsed and chunked, waiting for its vectors and its commit.
struct PreparedSource {
  store::SourceRow source;  // with keywords, summary, metadata and processed hash filled in
  bool failed = false;
  std::string error;
  std::string processed_text;
  bool processed_is_original = false;   // processed_text equals the original bytes (no new blob)
  bool has_processed_text = false;      // the text was not empty (processed_text may be left
                                        // empty when it is the original: see prepare.h)
  std::vector<store::ChunkRow> chunks;  // labels assigned at commit
  std::vector<std::string> terms;       // distinct terms, for the space's term statistics
  std::vector<store::SourceLink> links;
  // Full-text tokens a Preparer computed (store/fts_replay.h): of the title, and of each chunk's
  // heading line and body, in chunk order. Empty when nobody computed them (the commit tokenises).
  bool has_fts_tokens = false;
  std::string fts_title;
  std::vector<std::string> fts_headings, fts_bodies;
};

struct IngestBatch {
  std::string space_id;
  std::string model_id;
  int dim = 0;
  std::vector<PreparedSource> sources;
  int64_t bytes = 0;
  double index_ms = 0;  // time spent adding the batch's vectors to the loaded index
};

void RegisterIngestMethods(MethodTable& table);

// Processes staged sources (status "processing") of one space. With the built-in model the batch
// is committed and the result lists the sources; with a page-side model the result is
// { needVectors, batchId, texts } and ingestProcess { batchId } + vectors finishes it.
Result<json> ProcessSources(Context& ctx, const std::vector<std::string>& ids);

// The distinct terms of a processed source (re-derived from its processed text), for adjusting
// the space's term statistics when the source is deleted or restored.
Result<std::vector<std::string>> ProcessedSourceTerms(Context& ctx, const store::SourceRow& source);

// The embedding model a space's vectors use, and whether this engine can embed with it.
struct SpaceModel {
  std::string id;
  int dim = 0;
  bool builtin = false;
  bool available = false;  // builtin, or the store was opened with this page-side embedder
};
Result<SpaceModel> ModelOfSpace(Context& ctx, const store::SpaceRow& space);

}  // namespace kspace::api
