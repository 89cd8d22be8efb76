// Status and Result<T>: how every fallible kspace call reports failure.
//
// kspace never lets a C++ exception cross the wasm boundary. Fallible functions return a Status
// (no value) or a Result<T> (a value or a Status). A Status carries a stable machine-readable code,
// a human message, and the name of the offending argument field when the failure is about input
// (the JS client surfaces these as KspaceError { code, message, field }).
//
// Codes are part of the public contract: never renumber or rename them; add new ones at the end.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kspace {

enum class Code : int {
  kOk = 0,
  kInvalidArgument,     // INVALID_ARGUMENT: malformed or out-of-range input; `field` names it
  kNotFound,            // NOT_FOUND: an id that does not exist (or is deleted, where that hides it)
  kAlreadyExists,       // ALREADY_EXISTS: a unique key is taken
  kFailedPrecondition,  // FAILED_PRECONDITION: valid input, but the target's state forbids it
  kQuotaExceeded,       // QUOTA_EXCEEDED: a space's storage quota would be exceeded
  kTooLarge,            // TOO_LARGE: input over a hard size limit
  kStoreLocked,         // STORE_LOCKED: another connection owns the store
  kCorrupt,             // CORRUPT: the store file is damaged or not a kspace store
  kClosed,              // CLOSED: the store was closed
  kCancelled,           // CANCELLED: the caller aborted the operation
  kUnsupported,         // UNSUPPORTED: not available here (e.g. a store from a newer version)
  kIoError,             // IO_ERROR: the platform failed to read or write
  kInternal,            // INTERNAL: a bug; please report
};

// The stable string form used across the boundary ("INVALID_ARGUMENT", ...).
const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }

  // "CODE: message (field)"; for logs and test failure output.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

// Shorthands for the common codes. `field` is the argument name as the API user spells it
// (camelCase, dotted for nested fields: "filter.chunkTypes").
inline Status InvalidArgument(std::string msg, std::string field = {}) {
  return Status(Code::kInvalidArgument, std::move(msg), std::move(field));
}
inline Status NotFound(std::string msg, std::string field = {}) {
  return Status(Code::kNotFound, std::move(msg), std::move(field));
}
inline Status FailedPrecondition(std::string msg, std::string field = {}) {
  return Status(Code::kFailedPrecondition, std::move(msg), std::move(field));
}
inline Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

// A value of type T, or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The failure; OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace kspace

// Propagate a failed Status from an expression returning Status.
#define KS_RETURN_IF_ERROR(expr)               \
  do {                                         \
    ::kspace::Status ks_status_ = (expr);      \
    if (!ks_status_.ok()) return ks_status_;   \
  } while (0)

#define KS_CONCAT_INNER_(a, b) a##b
#define KS_CONCAT_(a, b) KS_CONCAT_INNER_(a, b)

// `KS_ASSIGN_OR_RETURN(auto x, Fallible());` declares x from the value or returns the Status.
#define KS_ASSIGN_OR_RETURN(lhs, expr) \
  KS_ASSIGN_OR_RETURN_IMPL_(KS_CONCAT_(ks_result_, __LINE__), lhs, expr)
#define KS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
