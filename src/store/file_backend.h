// FileBackend: the platform's files, as kspace's SQLite VFS needs them.
//
// This is the single seam between the engine and the platform's storage. A backend is a flat
// namespace of named files (a store's database "<name>" plus SQLite's "<name>-wal" and
// "<name>-journal"), each read and written synchronously at byte offsets. Implementations:
//   - MemoryBackend (src/store/memory_backend.h): RAM, for `openStore({ memory: true })` and tests.
//   - PosixBackend (src/store/posix_backend.h): native files, for native tests and tools.
//   - The JS backends (wasm/ + workers/): Node `fs` descriptors, and a pool of OPFS
//     FileSystemSyncAccessHandles opened before the database opens.
//
// A backend serves exactly one store and one SQLite connection, from one thread; it does no locking
// of its own (kspace takes a store-level lock before opening: Web Locks / a lock file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace kspace::store {

class FileBackend {
 public:
  virtual ~FileBackend() = default;

  // Opens `name`, creating it empty if `create` is set and it does not exist (NOT_FOUND otherwise).
  // Returns a handle >= 0, valid until Close.
  virtual Result<int> Open(std::string_view name, bool create) = 0;

  // Reads up to `n` bytes at `offset` into `buf`. Returns how many were read: fewer than `n` only
  // at end of file.
  virtual Result<size_t> Read(int handle, void* buf, size_t n, uint64_t offset) = 0;

  // Writes `n` bytes at `offset`, extending the file (with zeros over any gap) as needed.
  virtual Status Write(int handle, const void* buf, size_t n, uint64_t offset) = 0;

  // Sets the file's size; shrinking discards the tail, growing zero-fills.
  virtual Status Truncate(int handle, uint64_t size) = 0;

  virtual Result<uint64_t> Size(int handle) = 0;

  // Makes every completed Write and Truncate on `handle` durable before returning.
  virtual Status Sync(int handle) = 0;

  virtual Status Close(int handle) = 0;

  // Removes `name`; removing a missing file is not an error. An open handle to it stays usable.
  virtual Status Delete(std::string_view name) = 0;

  // True when `name` exists and holds at least one byte. (A zero-length file is reported as
  // missing: pooled backends keep empty slots around, and SQLite treats an empty journal, WAL or
  // database exactly like a missing one.)
  virtual Result<bool> Exists(std::string_view name) = 0;
};

}  // namespace kspace::store
