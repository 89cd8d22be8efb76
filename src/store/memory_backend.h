// MemoryBackend: files in RAM. Nothing survives the process; used for `openStore({ memory: true })`,
// SQLite's anonymous temporary files, and tests.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/file_backend.h"

namespace kspace::store {

class MemoryBackend final : public FileBackend {
 public:
  Result<int> Open(std::string_view name, bool create) override;
  Result<size_t> Read(int handle, void* buf, size_t n, uint64_t offset) override;
  Status Write(int handle, const void* buf, size_t n, uint64_t offset) override;
  Status Truncate(int handle, uint64_t size) override;
  Result<uint64_t> Size(int handle) override;
  Status Sync(int handle) override;
  Status Close(int handle) override;
  Status Delete(std::string_view name) override;
  Result<bool> Exists(std::string_view name) override;

  // Opens an unnamed file that disappears when closed (SQLite temp files).
  int OpenAnonymous();

 private:
  using Bytes = std::shared_ptr<std::vector<uint8_t>>;
  Result<Bytes> Get(int handle);

  std::map<std::string, Bytes, std::less<>> files_;
  std::map<int, Bytes> handles_;
  int next_handle_ = 1;
};

}  // namespace kspace::store
