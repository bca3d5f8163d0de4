// tradestore error policy.
//
// The public API reports failures by throwing tradestore::Error. Every error
// carries one kind from a small closed set so that callers can react without
// parsing text: the CLI maps kinds to exit codes (ExitCode), the HTTP server
// to statuses (400, 404, 409, 503, 500). Driver errors (SQLite result codes,
// PostgreSQL SQLSTATEs) are translated at the driver boundary; the native
// code is kept in native_code() and whether a retry can help in retryable().
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tradestore {

enum class ErrorKind {
  kInvalidArgument,  // bad input: malformed value, failed validation (400)
  kNotFound,         // the named row or file does not exist (404)
  kConflict,         // a domain rule or unique key refuses the change (409)
  kUnavailable,      // busy, locked, or the server is unreachable (503)
  kStorage,          // the database failed: I/O, corruption, full disk (500)
  kInternal,         // a bug in tradestore (500)
};

// Stable lowercase name of a kind: "invalid_argument", "not_found", ...
std::string_view ToString(ErrorKind kind) noexcept;

// Process exit code the CLI uses for a kind: 2 invalid argument, 3 not found,
// 4 conflict, 5 unavailable, 6 storage, 70 internal. 0 means success and 1 is
// reserved for "ran, but a check found problems".
int ExitCode(ErrorKind kind) noexcept;

class Error : public std::runtime_error {
 public:
  // `native_code` is the driver's code as text ("SQLITE_BUSY", "23505") or
  // empty; `retryable` says whether repeating the whole unit of work can help.
  Error(ErrorKind kind, const std::string& message, std::string native_code = {},
        bool retryable = false);

  ErrorKind kind() const noexcept { return kind_; }
  const std::string& native_code() const noexcept { return native_code_; }
  bool retryable() const noexcept { return retryable_; }

 private:
  ErrorKind kind_;
  std::string native_code_;
  bool retryable_;
};

// Shorthands that build an Error of one kind.
Error InvalidArgument(const std::string& message);
Error NotFound(const std::string& message);
Error Conflict(const std::string& message);

}  // namespace tradestore
