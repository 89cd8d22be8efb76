// The store's schema and its numbered migrations.
//
// A store records its schema version in PRAGMA user_version and identifies itself with
// PRAGMA application_id = 'kspc'. Migration N turns a version N-1 store into version N inside one
// transaction, so a crash mid-migration leaves the store at N-1. Migrations are append-only: never
// edit a released one; add the next number. tests/fixtures holds a store written by each earlier
// version, and the migration tests open every one of them.
#pragma once

#include <string_view>

#include "store/db.h"

namespace kspace::store {

// The version this build writes.
inline constexpr int kSchemaVersion = 6;
// 'kspc' as a big-endian 32-bit integer.
inline constexpr int kApplicationId = 0x6b737063;

// Brings `db` up to `target` (default: the latest). A new, empty database is created at `target`.
// CORRUPT when the file is some other SQLite database; UNSUPPORTED when it was written by a newer
// kspace than this one.
Status Migrate(Database& db, int target = kSchemaVersion);

// The schema version recorded in `db` (0 for an empty database).
Result<int> SchemaVersion(Database& db);

// Markers in store_meta: work a migration leaves for a layer above the store (which checks the
// marker when it opens the store, does the work and clears the marker in the same transaction).
// v6 sets kSourceNodesPending: processed sources without map nodes get them (graph/hooks.h).
inline constexpr std::string_view kSourceNodesPending = "source_nodes_pending";
Status SetMarker(Database& db, std::string_view key);
Result<bool> HasMarker(Database& db, std::string_view key);
Status ClearMarker(Database& db, std::string_view key);

}  // namespace kspace::store
