// The content-addressed blob registry (seed 000 KNOWLEDGE_CONTENT_BLOBS / CHAT_CONTENT_BLOBS).
//
// A blob is stored once per distinct SHA-256, however many rows refer to it. Rows refer by hash;
// a blob is deleted only by DeleteBlobsIfUnreferenced, which checks every referencing column.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "store/db.h"

namespace kspace::store {

// Stores `bytes` under `hash` unless a blob with that hash exists. Returns true when it was new.
Result<bool> PutBlob(Database& db, const std::string& hash, std::span<const uint8_t> bytes,
                     const std::string& now);
// The bytes of `hash`; NOT_FOUND if absent.
Result<std::vector<uint8_t>> GetBlob(Database& db, const std::string& hash);
// The same bytes in a std::string, for text. Callers in files compiled for size prefer it: there
// libc++ copies and frees a std::vector<uint8_t> byte by byte, a string with memcpy and free.
Result<std::string> GetBlobString(Database& db, const std::string& hash);
// Deletes each of `hashes` that no row references any more. Returns the bytes freed.
Result<int64_t> DeleteBlobsIfUnreferenced(Database& db, const std::vector<std::string>& hashes);

struct BlobStats {
  int64_t count = 0;
  int64_t bytes = 0;
};
Result<BlobStats> GetBlobStats(Database& db);

}  // namespace kspace::store
