#include "store/memory_backend.h"

#include <cstring>

namespace kspace::store {

namespace {
// A hard ceiling so a runaway write fails cleanly instead of exhausting memory.
constexpr uint64_t kMaxFileSize = uint64_t{1} << 40;
}  // namespace

Result<int> MemoryBackend::Open(std::string_view name, bool create) {
  auto it = files_.find(name);
  if (it == files_.end()) {
    if (!create) return NotFound("no such file: " + std::string(name));
    it = files_.emplace(std::string(name), std::make_shared<std::vector<uint8_t>>()).first;
  }
  int h = next_handle_++;
  handles_[h] = it->second;
  return h;
}

int MemoryBackend::OpenAnonymous() {
  int h = next_handle_++;
  handles_[h] = std::make_shared<std::vector<uint8_t>>();
  return h;
}

Result<MemoryBackend::Bytes> MemoryBackend::Get(int handle) {
  auto it = handles_.find(handle);
  if (it == handles_.end()) return Status(Code::kIoError, "bad file handle");
  return it->second;
}

Result<size_t> MemoryBackend::Read(int handle, void* buf, size_t n, uint64_t offset) {
  KS_ASSIGN_OR_RETURN(Bytes f, Get(handle));
  if (offset >= f->size()) return size_t{0};
  size_t avail = static_cast<size_t>(f->size() - offset);
  size_t got = n < avail ? n : avail;
  std::memcpy(buf, f->data() + offset, got);
  return got;
}

Status MemoryBackend::Write(int handle, const void* buf, size_t n, uint64_t offset) {
  KS_ASSIGN_OR_RETURN(Bytes f, Get(handle));
  if (offset + n > kMaxFileSize) return Status(Code::kIoError, "file too large");
  if (offset + n > f->size()) f->resize(static_cast<size_t>(offset + n));
  if (n > 0) std::memcpy(f->data() + offset, buf, n);
  return Status::Ok();
}

Status MemoryBackend::Truncate(int handle, uint64_t size) {
  KS_ASSIGN_OR_RETURN(Bytes f, Get(handle));
  if (size > kMaxFileSize) return Status(Code::kIoError, "file too large");
  f->resize(static_cast<size_t>(size));
  return Status::Ok();
}

Result<uint64_t> MemoryBackend::Size(int handle) {
  KS_ASSIGN_OR_RETURN(Bytes f, Get(handle));
  return static_cast<uint64_t>(f->size());
}

Status MemoryBackend::Sync(int handle) { return Get(handle).status(); }

Status MemoryBackend::Close(int handle) {
  if (handles_.erase(handle) == 0) return Status(Code::kIoError, "bad file handle");
  return Status::Ok();
}

Status MemoryBackend::Delete(std::string_view name) {
  auto it = files_.find(name);
  if (it != files_.end()) files_.erase(it);
  return Status::Ok();
}

Result<bool> MemoryBackend::Exists(std::string_view name) {
  auto it = files_.find(name);
  return it != files_.end() && !it->second->empty();
}

}  // namespace kspace::store
