#include "js_backend.h"

#include <emscripten.h>

#include <string>

// clang-format off
EM_JS(double, ks_js_open, (int id, const char* name, int create), {
  return Module.ksBackends[id].open(UTF8ToString(name), create !== 0);
});
EM_JS(double, ks_js_read, (int id, int h, char* buf, double n, double off), {
  return Module.ksBackends[id].read(h, HEAPU8.subarray(buf, buf + n), off);
});
EM_JS(double, ks_js_write, (int id, int h, const char* buf, double n, double off), {
  return Module.ksBackends[id].write(h, HEAPU8.subarray(buf, buf + n), off);
});
EM_JS(double, ks_js_truncate, (int id, int h, double size), {
  return Module.ksBackends[id].truncate(h, size);
});
EM_JS(double, ks_js_size, (int id, int h), { return Module.ksBackends[id].size(h); });
EM_JS(double, ks_js_sync, (int id, int h), { return Module.ksBackends[id].sync(h); });
EM_JS(double, ks_js_close, (int id, int h), { return Module.ksBackends[id].close(h); });
EM_JS(double, ks_js_delete, (int id, const char* name), {
  return Module.ksBackends[id].delete(UTF8ToString(name));
});
EM_JS(double, ks_js_exists, (int id, const char* name), {
  return Module.ksBackends[id].exists(UTF8ToString(name));
});
EM_JS(char*, ks_js_last_error, (int id), {
  var msg = String(Module.ksBackends[id].lastError || "unknown error");
  var len = lengthBytesUTF8(msg) + 1;
  var p = _malloc(len);
  stringToUTF8(msg, p, len);
  return p;
});
// clang-format on

namespace kspace::wasm {

Status JsBackend::Error(double rc, const char* what) const {
  char* p = ks_js_last_error(id_);
  std::string msg = std::string(what) + ": " + p;
  free(p);
  if (rc == -1) return NotFound(msg);
  if (rc == -3) return Status(Code::kQuotaExceeded, msg);
  return Status(Code::kIoError, msg);
}

Result<int> JsBackend::Open(std::string_view name, bool create) {
  std::string n(name);
  double rc = ks_js_open(id_, n.c_str(), create ? 1 : 0);
  if (rc < 0) return Error(rc, "open");
  return static_cast<int>(rc);
}

Result<size_t> JsBackend::Read(int handle, void* buf, size_t n, uint64_t offset) {
  double rc = ks_js_read(id_, handle, static_cast<char*>(buf), static_cast<double>(n), static_cast<double>(offset));
  if (rc < 0) return Error(rc, "read");
  return static_cast<size_t>(rc);
}

Status JsBackend::Write(int handle, const void* buf, size_t n, uint64_t offset) {
  double rc = ks_js_write(id_, handle, static_cast<const char*>(buf), static_cast<double>(n),
                          static_cast<double>(offset));
  return rc < 0 ? Error(rc, "write") : Status::Ok();
}

Status JsBackend::Truncate(int handle, uint64_t size) {
  double rc = ks_js_truncate(id_, handle, static_cast<double>(size));
  return rc < 0 ? Error(rc, "truncate") : Status::Ok();
}

Result<uint64_t> JsBackend::Size(int handle) {
  double rc = ks_js_size(id_, handle);
  if (rc < 0) return Error(rc, "size");
  return static_cast<uint64_t>(rc);
}

Status JsBackend::Sync(int handle) {
  double rc = ks_js_sync(id_, handle);
  return rc < 0 ? Error(rc, "sync") : Status::Ok();
}

Status JsBackend::Close(int handle) {
  double rc = ks_js_close(id_, handle);
  return rc < 0 ? Error(rc, "close") : Status::Ok();
}

Status JsBackend::Delete(std::string_view name) {
  std::string n(name);
  double rc = ks_js_delete(id_, n.c_str());
  return rc < 0 ? Error(rc, "delete") : Status::Ok();
}

Result<bool> JsBackend::Exists(std::string_view name) {
  std::string n(name);
  double rc = ks_js_exists(id_, n.c_str());
  if (rc < 0) return Error(rc, "exists");
  return rc > 0;
}

}  // namespace kspace::wasm
