// JsBackend: a FileBackend whose files live on the JS side of the module.
//
// The worker registers a backend object (Node `fs` descriptors, or a pool of OPFS
// FileSystemSyncAccessHandles) as Module.ksBackends[id]; every call here is a synchronous call into
// it through EM_JS. Byte ranges cross as views of the wasm heap, never element by element. 64-bit
// offsets cross as doubles (exact up to 2^53 bytes).
//
// The JS object's contract (workers/backends.ts implements it):
//   open(name, create) -> handle >= 0 | error     read(h, view, offset) -> bytes read | error
//   write(h, view, offset) -> 0 | error           truncate(h, size) -> 0 | error
//   size(h) -> bytes | error                      sync(h) -> 0 | error
//   close(h) -> 0 | error                         delete(name) -> 0 | error
//   exists(name) -> 1 | 0 | error                 lastError: string (message of the last error)
// where error is a negative number: -1 not found, -2 I/O error, -3 out of space/quota.
#pragma once

#include "store/file_backend.h"

namespace kspace::wasm {

class JsBackend final : public store::FileBackend {
 public:
  explicit JsBackend(int id) : id_(id) {}
  Result<int> Open(std::string_view name, bool create) override;
  Result<size_t> Read(int handle, void* buf, size_t n, uint64_t offset) override;
  Status Write(int handle, const void* buf, size_t n, uint64_t offset) override;
  Status Truncate(int handle, uint64_t size) override;
  Result<uint64_t> Size(int handle) override;
  Status Sync(int handle) override;
  Status Close(int handle) override;
  Status Delete(std::string_view name) override;
  Result<bool> Exists(std::string_view name) override;

 private:
  Status Error(double rc, const char* what) const;
  int id_;
};

}  // namespace kspace::wasm
