// PosixBackend: native files through POSIX descriptors (pread/pwrite/fsync). Used by native tests
// and tools; the WebAssembly module uses the JS backends instead (this file is not built there).
#pragma once

#include <string>

#include "store/file_backend.h"

namespace kspace::store {

class PosixBackend final : public FileBackend {
 public:
  ~PosixBackend() override;
  Result<int> Open(std::string_view name, bool create) override;
  Result<size_t> Read(int handle, void* buf, size_t n, uint64_t offset) override;
  Status Write(int handle, const void* buf, size_t n, uint64_t offset) override;
  Status Truncate(int handle, uint64_t size) override;
  Result<uint64_t> Size(int handle) override;
  Status Sync(int handle) override;
  Status Close(int handle) override;
  Status Delete(std::string_view name) override;
  Result<bool> Exists(std::string_view name) override;
};

}  // namespace kspace::store
