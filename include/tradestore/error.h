// tradestore error policy.
//
// The public API reports failures by throwing tradestore::Error. Every error
// carries one kind from a small closed set so that callers can react without
// parsing text: the CLI maps kinds to exit codes (ExitCode; docs/operations.md),
// and `tradestore serve` (src/server/server.cc) maps them to HTTP statuses,
// given beside each kind below, with the kind's name (ToString) as the JSON
// body's "error" (src/server/openapi/openapi.json). Driver errors (SQLite
// result codes, PostgreSQL SQLSTATEs) are translated at the driver boundary
// (src/sql/sqlite, src/sql/postgres), the only place that knows them; the
// native code is kept in native_code() and whether a retry can help in
// retryable().
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tradestore {

enum class ErrorKind {
  kInvalidArgument,  // bad input: malformed value, failed validation (400)
  kNotFound,         // the named row or file does not exist (404)
  kConflict,         // a domain rule or unique key refuses the change (409)
  // Busy or locked (SQLITE_BUSY, SQLITE_LOCKED; PostgreSQL lock timeout
  // 55P03, statement timeout 57014, serialization failure, deadlock), or
  // the server is unreachable (503, with Retry-After). retryable() says
  // whether running the whole unit of work again can help.
  kUnavailable,
  kStorage,   // the database failed: I/O, corruption, full disk (500)
  kInternal,  // a bug in tradestore (500)
  // The connection was lost while COMMIT was in flight: the unit of work may
  // or may not have been committed (as libpqxx's in_doubt_error). Never
  // retryable: check whether its effects are there before running it again
  // (503, without Retry-After). native_code() is "08007".
  kInDoubt,
};

// Stable lowercase name of a kind: "invalid_argument", "not_found",
// "conflict", "unavailable", "storage", "internal", "in_doubt".
std::string_view ToString(ErrorKind kind) noexcept;

// Process exit code the CLI uses for a kind: 2 invalid argument, 3 not found,
// 4 conflict, 5 unavailable, 6 storage, 7 in doubt, 70 internal. 0 means
// success and 1 is reserved for "ran, but a check found problems".
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
