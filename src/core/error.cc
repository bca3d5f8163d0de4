#include "tradestore/error.h"

#include <utility>

namespace tradestore {

std::string_view ToString(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "invalid_argument";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kUnavailable:
      return "unavailable";
    case ErrorKind::kStorage:
      return "storage";
    case ErrorKind::kInternal:
      return "internal";
    case ErrorKind::kInDoubt:
      return "in_doubt";
  }
  return "internal";
}

int ExitCode(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return 2;
    case ErrorKind::kNotFound:
      return 3;
    case ErrorKind::kConflict:
      return 4;
    case ErrorKind::kUnavailable:
      return 5;
    case ErrorKind::kStorage:
      return 6;
    case ErrorKind::kInternal:
      return 70;
    case ErrorKind::kInDoubt:
      return 7;
  }
  return 70;  // a value outside the enum is a bug: report it as internal
}

Error::Error(ErrorKind kind, const std::string& message, std::string native_code, bool retryable)
    : std::runtime_error(message),
      kind_(kind),
      native_code_(std::move(native_code)),
      retryable_(retryable) {}

Error InvalidArgument(const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, message);
}

Error NotFound(const std::string& message) { return Error(ErrorKind::kNotFound, message); }

Error Conflict(const std::string& message) { return Error(ErrorKind::kConflict, message); }

}  // namespace tradestore
