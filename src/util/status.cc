#include "util/status.h"

namespace kspace {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Code::kNotFound: return "NOT_FOUND";
    case Code::kAlreadyExists: return "ALREADY_EXISTS";
    case Code::kFailedPrecondition: return "FAILED_PRECONDITION";
    case Code::kQuotaExceeded: return "QUOTA_EXCEEDED";
    case Code::kTooLarge: return "TOO_LARGE";
    case Code::kStoreLocked: return "STORE_LOCKED";
    case Code::kCorrupt: return "CORRUPT";
    case Code::kClosed: return "CLOSED";
    case Code::kCancelled: return "CANCELLED";
    case Code::kUnsupported: return "UNSUPPORTED";
    case Code::kIoError: return "IO_ERROR";
    case Code::kInternal: return "INTERNAL";
  }
  return "INTERNAL";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s = CodeName(code_);
  s += ": ";
  s += message_;
  if (!field_.empty()) {
    s += " (";
    s += field_;
    s += ")";
  }
  return s;
}

}  // namespace kspace
