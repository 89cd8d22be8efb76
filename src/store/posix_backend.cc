#include "store/posix_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace kspace::store {
namespace {

Status IoError(const char* what, std::string_view name = {}) {
  std::string msg = std::string(what) + " failed: " + std::strerror(errno);
  if (!name.empty()) msg += " (" + std::string(name) + ")";
  return Status(Code::kIoError, msg);
}

}  // namespace

PosixBackend::~PosixBackend() = default;

Result<int> PosixBackend::Open(std::string_view name, bool create) {
  std::string path(name);
  int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
  int fd;
  do {
    fd = ::open(path.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("no such file: " + path);
    return IoError("open", name);
  }
  return fd;
}

Result<size_t> PosixBackend::Read(int handle, void* buf, size_t n, uint64_t offset) {
  size_t got = 0;
  auto* p = static_cast<uint8_t*>(buf);
  while (got < n) {
    ssize_t r = ::pread(handle, p + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return IoError("read");
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

Status PosixBackend::Write(int handle, const void* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  const auto* p = static_cast<const uint8_t*>(buf);
  while (done < n) {
    ssize_t r = ::pwrite(handle, p + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return IoError("write");
    }
    done += static_cast<size_t>(r);
  }
  return Status::Ok();
}

Status PosixBackend::Truncate(int handle, uint64_t size) {
  if (::ftruncate(handle, static_cast<off_t>(size)) != 0) return IoError("truncate");
  return Status::Ok();
}

Result<uint64_t> PosixBackend::Size(int handle) {
  struct stat st;
  if (::fstat(handle, &st) != 0) return IoError("stat");
  return static_cast<uint64_t>(st.st_size);
}

Status PosixBackend::Sync(int handle) {
  if (::fsync(handle) != 0) return IoError("fsync");
  return Status::Ok();
}

Status PosixBackend::Close(int handle) {
  if (::close(handle) != 0 && errno != EINTR) return IoError("close");
  return Status::Ok();
}

Status PosixBackend::Delete(std::string_view name) {
  std::string path(name);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("unlink", name);
  return Status::Ok();
}

Result<bool> PosixBackend::Exists(std::string_view name) {
  std::string path(name);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    return IoError("stat", name);
  }
  return st.st_size > 0;
}

}  // namespace kspace::store
