#include "store/vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "store/memory_backend.h"
#include "util/clock.h"
#include "util/random.h"

namespace kspace::store {

namespace {
struct KsFile;
}  // namespace

// Everything one registered VFS needs; sqlite3_vfs::pAppData points here.
struct Vfs::Impl {
  sqlite3_vfs vfs{};
  std::string name;
  FileBackend* backend = nullptr;  // the store's files
  MemoryBackend temp;              // SQLite's anonymous temporary files
  std::vector<KsFile*> open;       // the store's open files (their write-behind runs, see xAccess)
};

namespace {

// Read-ahead for the main database file and the WAL. SQLite reads one page per call; a big blob (a
// vector index snapshot is tens of MB) is a chain of overflow pages that mostly lie in file order,
// a checkpoint reads the WAL's frames mostly in file order too, and each read is a call into the
// platform (in the browser, from wasm into JS and OPFS). When a read
// misses the window but lands just after the previous read, the next kWindow bytes are read at
// once and later reads are served from memory. Random B-tree reads rarely trigger it. Writes and
// truncation through this handle keep the window exact (exclusive locking: nobody else writes).
struct ReadAhead {
  static constexpr size_t kWindow = 512 * 1024;
  static constexpr uint64_t kNear = 64 * 1024;  // "just after": within this of the last read's end
  std::vector<unsigned char> buf;
  uint64_t start = 0;     // file offset of buf[0]
  size_t len = 0;         // valid bytes in buf
  uint64_t last_end = 0;  // end offset of the previous read
  bool Covers(uint64_t off, size_t amt) const { return off >= start && off + amt <= start + len; }
  void Invalidate() { len = 0; }
};

// Write-behind for a store file. SQLite writes a WAL as a stream of appends, two calls per frame
// (its 24-byte header, then the page), and a checkpoint writes the database's pages mostly in
// file order: ~90k calls for an ingest of 9 MB of text, each a call into the platform (in the
// browser, from wasm into JS and OPFS). A write that continues the pending run is appended to it;
// any other write, and every read, size query, truncation, sync and close of the file, first hands
// the run to the backend. So nothing is deferred past a sync: a commit is exactly as durable as
// before, and only the moment a failed write is reported moves (to the flush, still inside the
// statement or commit that wrote it).
struct WriteBehind {
  static constexpr size_t kMax = 1024 * 1024;
  std::vector<unsigned char> buf;  // kMax bytes once the first run starts
  uint64_t start = 0;              // file offset of buf[0]
  size_t len = 0;                  // pending bytes
};

// One open file. SQLite allocates szOsFile bytes for it; we construct it in place in xOpen and
// destroy it in xClose. `base` must stay the first member.
struct KsFile {
  sqlite3_file base;
  FileBackend* backend;
  int handle;
  bool delete_on_close;
  std::string name;
  std::unique_ptr<ReadAhead> ahead;  // main database and WAL files only
  std::unique_ptr<WriteBehind> behind;  // store files (not SQLite's temporary ones)
  Vfs::Impl* impl;
  // The file's size as SQLite's writes have made it (pending write-behind bytes included), or -1
  // while unknown. SQLite asks for the size at the start of every read transaction, i.e. several
  // times per query, and a backend answers through JS (an fstat in Node). The store's one
  // connection owns its files (exclusive locking mode; store.h), so no one else changes them.
  int64_t size = -1;
};

KsFile* AsFile(sqlite3_file* f) { return reinterpret_cast<KsFile*>(f); }
Vfs::Impl* AsImpl(sqlite3_vfs* v) { return static_cast<Vfs::Impl*>(v->pAppData); }

int IoCode(const Status& s, int fallback) {
  if (s.ok()) return SQLITE_OK;
  if (s.code() == Code::kQuotaExceeded) return SQLITE_FULL;
  return fallback;
}

// Hands the pending write run, if any, to the backend.
Status Flush(KsFile* file) {
  WriteBehind* wb = file->behind.get();
  if (wb == nullptr || wb->len == 0) return Status::Ok();
  const size_t n = wb->len;
  wb->len = 0;  // a failed run is reported once, like a failed write
  return file->backend->Write(file->handle, wb->buf.data(), n, wb->start);
}

// Flushes every open store file of `impl` (before SQLite asks whether a file exists or deletes one).
Status FlushAll(Vfs::Impl* impl) {
  Status first = Status::Ok();
  for (KsFile* file : impl->open) {
    Status s = Flush(file);
    if (first.ok()) first = s;
  }
  return first;
}

int xClose(sqlite3_file* f) {
  KsFile* file = AsFile(f);
  Status s = Flush(file);
  if (file->impl) std::erase(file->impl->open, file);
  Status c = file->backend->Close(file->handle);
  if (s.ok()) s = c;
  if (file->delete_on_close && !file->name.empty()) {
    Status d = file->backend->Delete(file->name);
    if (s.ok()) s = d;
  }
  file->~KsFile();
  return IoCode(s, SQLITE_IOERR_CLOSE);
}

// Records a write of [off, off + amt) into the known size; forgets the size when the write failed.
int Wrote(KsFile* file, int rc, sqlite3_int64 off, int amt) {
  if (rc != SQLITE_OK) file->size = -1;
  else if (file->size >= 0) file->size = std::max<int64_t>(file->size, off + amt);
  return rc;
}

int xRead(sqlite3_file* f, void* buf, int amt, sqlite3_int64 off) {
  KsFile* file = AsFile(f);
  if (amt < 0 || off < 0) return SQLITE_IOERR_READ;
  if (ReadAhead* ra = file->ahead.get()) {
    const auto o = static_cast<uint64_t>(off);
    const auto n = static_cast<size_t>(amt);
    const bool near = o >= ra->last_end && o - ra->last_end <= ReadAhead::kNear;
    ra->last_end = o + n;
    if (!ra->Covers(o, n) && near && n < ReadAhead::kWindow) {
      // Fill the window; a failure here falls back to the plain read below, which reports it.
      if (Status s = Flush(file); !s.ok()) return IoCode(s, SQLITE_IOERR_READ);
      ra->Invalidate();
      bool room = ra->buf.size() >= ReadAhead::kWindow;
      if (!room) {
        try {
          ra->buf.resize(ReadAhead::kWindow);
          room = true;
        } catch (...) {
        }
      }
      if (room) {
        Result<size_t> got = file->backend->Read(file->handle, ra->buf.data(), ReadAhead::kWindow, o);
        ra->start = o;
        ra->len = got.ok() ? *got : 0;
      }
    }
    if (ra->Covers(o, n)) {
      std::memcpy(buf, ra->buf.data() + (o - ra->start), n);
      return SQLITE_OK;
    }
  }
  if (Status s = Flush(file); !s.ok()) return IoCode(s, SQLITE_IOERR_READ);
  Result<size_t> got = file->backend->Read(file->handle, buf, static_cast<size_t>(amt),
                                           static_cast<uint64_t>(off));
  if (!got.ok()) return IoCode(got.status(), SQLITE_IOERR_READ);
  if (*got < static_cast<size_t>(amt)) {
    // SQLite requires the unread tail to be zero-filled on a short read.
    std::memset(static_cast<char*>(buf) + *got, 0, static_cast<size_t>(amt) - *got);
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int WriteImpl(KsFile* file, const void* buf, int amt, sqlite3_int64 off) {
  if (ReadAhead* ra = file->ahead.get()) {
    // Keep the window equal to the file: copy the written bytes into the part it overlaps.
    const auto o = static_cast<uint64_t>(off);
    const uint64_t lo = std::max(o, ra->start), hi = std::min(o + static_cast<uint64_t>(amt), ra->start + ra->len);
    if (lo < hi) std::memcpy(ra->buf.data() + (lo - ra->start), static_cast<const char*>(buf) + (lo - o), hi - lo);
  }
  if (WriteBehind* wb = file->behind.get()) {
    const auto o = static_cast<uint64_t>(off);
    const auto n = static_cast<size_t>(amt);
    if (wb->len > 0 && o == wb->start + wb->len && wb->len + n <= WriteBehind::kMax) {
      std::memcpy(wb->buf.data() + wb->len, buf, n);
      wb->len += n;
      return SQLITE_OK;
    }
    if (Status s = Flush(file); !s.ok()) return IoCode(s, SQLITE_IOERR_WRITE);
    if (n < WriteBehind::kMax / 2) {
      wb->start = o;
      std::memcpy(wb->buf.data(), buf, n);
      wb->len = n;
      return SQLITE_OK;
    }
  }
  return IoCode(file->backend->Write(file->handle, buf, static_cast<size_t>(amt),
                                     static_cast<uint64_t>(off)),
                SQLITE_IOERR_WRITE);
}

int xWrite(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 off) {
  KsFile* file = AsFile(f);
  if (amt < 0 || off < 0) return SQLITE_IOERR_WRITE;
  return Wrote(file, WriteImpl(file, buf, amt, off), off, amt);
}

int xTruncate(sqlite3_file* f, sqlite3_int64 size) {
  KsFile* file = AsFile(f);
  if (size < 0) return SQLITE_IOERR_TRUNCATE;
  if (file->ahead) file->ahead->Invalidate();
  file->size = -1;
  if (Status s = Flush(file); !s.ok()) return IoCode(s, SQLITE_IOERR_TRUNCATE);
  const int rc = IoCode(file->backend->Truncate(file->handle, static_cast<uint64_t>(size)), SQLITE_IOERR_TRUNCATE);
  if (rc == SQLITE_OK) file->size = size;
  return rc;
}

int xSync(sqlite3_file* f, int) {
  KsFile* file = AsFile(f);
  if (Status s = Flush(file); !s.ok()) return IoCode(s, SQLITE_IOERR_FSYNC);
  return IoCode(file->backend->Sync(file->handle), SQLITE_IOERR_FSYNC);
}

int xFileSize(sqlite3_file* f, sqlite3_int64* size) {
  KsFile* file = AsFile(f);
  if (file->size >= 0) {
    *size = file->size;
    return SQLITE_OK;
  }
  if (Status w = Flush(file); !w.ok()) return IoCode(w, SQLITE_IOERR_FSTAT);
  Result<uint64_t> s = file->backend->Size(file->handle);
  if (!s.ok()) return IoCode(s.status(), SQLITE_IOERR_FSTAT);
  file->size = static_cast<int64_t>(*s);
  *size = static_cast<sqlite3_int64>(*s);
  return SQLITE_OK;
}

// Single connection, exclusive locking mode: there is nobody to lock against.
int xLock(sqlite3_file*, int) { return SQLITE_OK; }
int xUnlock(sqlite3_file*, int) { return SQLITE_OK; }
int xCheckReservedLock(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int xFileControl(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int xSectorSize(sqlite3_file*) { return 4096; }
// SUBPAGE_READ: every backend reads any byte range. SQLite then reads a large value's overflow
// pages straight into the caller's buffer instead of through the page cache (its "direct overflow
// read"): loading a 70 MB vector-index snapshot no longer allocates, fills and evicts 16 MB of
// cache pages, nor pushes the pages a search needs out of the cache.
int xDeviceCharacteristics(sqlite3_file*) { return SQLITE_IOCAP_POWERSAFE_OVERWRITE | SQLITE_IOCAP_SUBPAGE_READ; }

const sqlite3_io_methods kIoMethods = {
    1,          xClose,      xRead,       xWrite,
    xTruncate,  xSync,       xFileSize,   xLock,
    xUnlock,    xCheckReservedLock,       xFileControl,
    xSectorSize, xDeviceCharacteristics,  nullptr,
    nullptr,    nullptr,     nullptr,     nullptr,
    nullptr,
};

int xOpen(sqlite3_vfs* v, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  Vfs::Impl* impl = AsImpl(v);
  f->pMethods = nullptr;  // tells SQLite not to call xClose if we fail
  FileBackend* backend = impl->backend;
  std::string file_name = name ? name : "";
  int handle;
  if (name == nullptr || impl->backend == nullptr) {
    // Anonymous temp file (or the default VFS, which only ever holds temporary data).
    backend = &impl->temp;
    if (name == nullptr) {
      handle = impl->temp.OpenAnonymous();
    } else {
      Result<int> h = impl->temp.Open(file_name, (flags & SQLITE_OPEN_CREATE) != 0);
      if (!h.ok()) return SQLITE_CANTOPEN;
      handle = *h;
    }
  } else {
    Result<int> h = backend->Open(file_name, (flags & SQLITE_OPEN_CREATE) != 0);
    if (!h.ok()) return SQLITE_CANTOPEN;
    handle = *h;
  }
  KsFile* file = new (f) KsFile{{&kIoMethods}, backend, handle, (flags & SQLITE_OPEN_DELETEONCLOSE) != 0,
                                name ? std::move(file_name) : std::string(), nullptr, nullptr, nullptr};
  if (backend == impl->backend) {
    // Optional like the read-ahead: without memory, writes go straight to the backend.
    try {
      auto wb = std::make_unique<WriteBehind>();
      wb->buf.resize(WriteBehind::kMax);
      impl->open.push_back(file);
      file->impl = impl;
      file->behind = std::move(wb);
    } catch (...) {
    }
  }
  if ((flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0 && backend == impl->backend) {
    // Optional: without memory for it, reads are simply not batched (no exception may cross SQLite).
    try {
      file->ahead = std::make_unique<ReadAhead>();
    } catch (...) {
    }
  }
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

int xDelete(sqlite3_vfs* v, const char* name, int) {
  Vfs::Impl* impl = AsImpl(v);
  FileBackend* backend = impl->backend ? impl->backend : &impl->temp;
  if (Status s = FlushAll(impl); !s.ok()) return IoCode(s, SQLITE_IOERR_DELETE);
  return IoCode(backend->Delete(name), SQLITE_IOERR_DELETE);
}

int xAccess(sqlite3_vfs* v, const char* name, int, int* out) {
  Vfs::Impl* impl = AsImpl(v);
  FileBackend* backend = impl->backend ? impl->backend : &impl->temp;
  if (Status s = FlushAll(impl); !s.ok()) return IoCode(s, SQLITE_IOERR_ACCESS);
  Result<bool> e = backend->Exists(name);
  if (!e.ok()) return IoCode(e.status(), SQLITE_IOERR_ACCESS);
  *out = *e ? 1 : 0;
  return SQLITE_OK;
}

int xFullPathname(sqlite3_vfs*, const char* name, int n_out, char* out) {
  // Names are already what the backend understands; SQLite only needs a stable spelling.
  size_t len = std::strlen(name);
  if (n_out <= 0 || len + 1 > static_cast<size_t>(n_out)) return SQLITE_CANTOPEN;
  std::memcpy(out, name, len + 1);
  return SQLITE_OK;
}

int xRandomness(sqlite3_vfs*, int n, char* out) {
  if (n > 0) RandomBytes(out, static_cast<size_t>(n));
  return n;
}

// Nothing in kspace waits on a lock, so sleeping would only stall the worker.
int xSleep(sqlite3_vfs*, int microseconds) { return microseconds; }

// Julian day number of the Unix epoch, in milliseconds.
constexpr sqlite3_int64 kUnixEpochJulianMs = 210866760000000LL;

int xCurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  *out = kUnixEpochJulianMs + NowMillis();
  return SQLITE_OK;
}

int xCurrentTime(sqlite3_vfs* v, double* out) {
  sqlite3_int64 ms;
  xCurrentTimeInt64(v, &ms);
  *out = static_cast<double>(ms) / 86400000.0;
  return SQLITE_OK;
}

int xGetLastError(sqlite3_vfs*, int, char*) { return 0; }

void InitVfsStruct(Vfs::Impl* impl) {
  sqlite3_vfs& v = impl->vfs;
  v.iVersion = 2;
  v.szOsFile = sizeof(KsFile);
  v.mxPathname = 1024;
  v.zName = impl->name.c_str();
  v.pAppData = impl;
  v.xOpen = xOpen;
  v.xDelete = xDelete;
  v.xAccess = xAccess;
  v.xFullPathname = xFullPathname;
  v.xRandomness = xRandomness;
  v.xSleep = xSleep;
  v.xCurrentTime = xCurrentTime;
  v.xGetLastError = xGetLastError;
  v.xCurrentTimeInt64 = xCurrentTimeInt64;
}

std::atomic<int> g_next_vfs_id{1};

}  // namespace

Result<std::unique_ptr<Vfs>> Vfs::Register(std::unique_ptr<FileBackend> backend) {
  if (!backend) return InvalidArgument("no file backend");
  int rc = sqlite3_initialize();
  if (rc != SQLITE_OK) return Internal("sqlite3_initialize failed: " + std::string(sqlite3_errstr(rc)));
  auto vfs = std::make_unique<Vfs>();
  vfs->impl_ = std::make_unique<Impl>();
  vfs->backend_ = std::move(backend);
  vfs->name_ = "kspace-" + std::to_string(g_next_vfs_id.fetch_add(1));
  vfs->impl_->name = vfs->name_;
  vfs->impl_->backend = vfs->backend_.get();
  InitVfsStruct(vfs->impl_.get());
  rc = sqlite3_vfs_register(&vfs->impl_->vfs, 0);
  if (rc != SQLITE_OK) return Internal("sqlite3_vfs_register failed: " + std::string(sqlite3_errstr(rc)));
  return vfs;
}

Vfs::~Vfs() {
  if (impl_) sqlite3_vfs_unregister(&impl_->vfs);
}

int RegisterDefaultVfs() {
  // Static storage: the default VFS lives as long as the process.
  static Vfs::Impl impl;
  if (impl.name.empty()) {
    impl.name = "kspace-default";
    InitVfsStruct(&impl);
  }
  return sqlite3_vfs_register(&impl.vfs, 1);
}

}  // namespace kspace::store

// SQLITE_OS_OTHER builds call these from sqlite3_initialize() / sqlite3_shutdown().
extern "C" int sqlite3_os_init(void) { return kspace::store::RegisterDefaultVfs(); }
extern "C" int sqlite3_os_end(void) { return SQLITE_OK; }
