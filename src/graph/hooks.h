// What other subsystems call so the map follows their changes (each inside the caller's
// transaction): ingest committing a processed source, a source deleted / restored / purged.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "store/chunks.h"
#include "store/db.h"
#include "store/sources.h"

namespace kspace::graph {

// A source was (re)processed: its source node and one chunk node per chunk (old chunk nodes went
// with their chunks).
Status OnSourceProcessed(store::Database& db, const store::SourceRow& source, std::span<const store::ChunkRow> chunks,
                         const std::string& now);
// A batch of a space's sources was processed (`source_ids`, after their nodes and wikilink keys
// were written): the wikilink edges they make possible (SyncWikilinkEdges).
Status OnSourcesProcessed(store::Database& db, const std::string& space_id, const std::string& user_id,
                          const std::string& now, std::span<const std::string> source_ids);
// The store was opened (after its migrations): when a migration marked it (store/schema.h,
// kSourceNodesPending), processed sources without map nodes (those of a store that came from
// schema v2, before the map existed) get their source and chunk nodes and wikilink edges, once.
Status OnStoreOpened(store::Database& db, const std::string& user_id, const std::string& now);
// A source was soft-deleted (deleted_at set) or restored (nullopt): its nodes and their edges follow.
Status OnSourceDeleted(store::Database& db, const std::string& source_id, const std::optional<std::string>& deleted_at);
// A source is about to be purged: nodes that must survive it are detached (the rest cascade).
Status OnSourcePurge(store::Database& db, const std::string& source_id, const std::string& now);

}  // namespace kspace::graph
