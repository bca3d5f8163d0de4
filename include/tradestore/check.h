// `tradestore check`: storage integrity and the domain invariants of a
// store, as a list of named checks, each returning findings that name the
// rows involved.
//
// Storage checks: SQLite PRAGMA integrity_check and foreign_key_check of
// every file (each opened on its own connection, so a file too damaged to
// open as a store is still examined); PostgreSQL: every foreign key
// re-verified against the data, constraints not validated, and amcheck's bt_index_check of every
// B-tree index of the store's schemas when the extension is installed (a note says so when it is
// not).
//
// Domain checks (docs/operations.md lists them): orphan fills and order
// events; orders' filled quantity equals their fills; positions equal the
// net of their fills; closed trades reconcile with their fills; balances
// equal their ledger sums exactly; every ledger entry's balance_after is the
// running sum, and the orders, fills and trades it names exist; every journal's legs sum to zero
// per currency (double entry); no active live or paper bot is stale (warning); no duplicate (or
// misaligned)
// candles; candle coverage rows match the candles; candle gaps listed per instrument and timeframe
// (informational: markets close).
//
// Repairs (CheckOptions::repair) happen only where they are safe, and each
// is reported as a CheckRepair:
//   - candle-coverage: the coverage row of a series is recomputed from its
//     candles (it is derived metadata, and the candles are the data);
//   - balances: a balance that differs from its ledger is set to the ledger
//     sum ONLY when the ledger is intact (every entry's balance_after equals
//     the running sum of the entries up to it): the ledger is append-only
//     and every balance change is posted with its entry in the same unit of
//     work, so an intact ledger is the record and the balance row its
//     cache. A broken ledger is refused (reported, nothing changed);
//   - PostgreSQL: constraints not validated are validated.
// Nothing else is ever changed (no fill, order, position or trade is
// rewritten: which side is right cannot be known).
//
// Consistency: without repair the domain checks read one snapshot of the
// store (SQLite: a deferred read transaction on every file; PostgreSQL:
// REPEATABLE READ), so bots may keep writing while a store is checked.
//
// Errors: Error(kInvalidArgument) for a malformed URL or an unknown check
// name; kNotFound for a SQLite store path that does not exist. A store that
// cannot be opened is reported as a failed "open" check, not thrown.
//
// Thread safety: CheckStore opens its own connections; run it beside
// writers freely.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tradestore {

class Store;

enum class FindingSeverity { kError, kWarning, kInfo };

struct CheckFinding {
  FindingSeverity severity = FindingSeverity::kError;
  std::string table;    // "trading.fills"; "" for file-level findings
  std::string row;      // the row(s): "id=12", "bot_id=1, account_id=2, currency=USDC"
  std::string message;  // what is wrong, with the values found
};

struct CheckRepair {
  std::string table;
  std::string row;
  std::string action;  // what was changed, from what to what, and why it is safe
};

struct CheckOutcome {
  std::string name;         // "orphan-fills"
  std::string description;  // what it verifies
  // "passed", "failed" (an error finding), "warning", "skipped" (e.g. the
  // store could not be opened), "error" (the check itself threw).
  std::string status;
  std::vector<CheckFinding> findings;
  std::vector<CheckRepair> repairs;
  std::string note;  // e.g. "amcheck not installed"
};

struct CheckOptions {
  bool repair = false;
  // Only these checks (by name); all when empty.
  std::vector<std::string> only;
  // Findings kept per check (the count is still reported in `note`).
  std::int64_t max_findings = 1000;
  // stale-bots: an active live or paper bot whose last heartbeat is older
  // than now - stale_after (µs), or that never sent one, is reported (a
  // warning). Must be >= 0 (CheckStore throws kInvalidArgument otherwise).
  std::int64_t stale_after = 15 * 60 * std::int64_t{1000000};  // 15 minutes
  // Called with each check's name before it runs.
  std::function<void(const std::string& name, std::size_t index, std::size_t total)> progress;
};

struct CheckReport {
  std::string url;
  std::string backend;
  std::vector<CheckOutcome> checks;
  // No check failed or errored (warnings and info do not count).
  bool ok() const;
};

// Runs the checks on the store at `url`.
CheckReport CheckStore(const std::string& url, const CheckOptions& options = {});
std::string CheckReportToJson(const CheckReport& report);

// A named check for the registry: `run` appends findings (and, when
// options.repair, performs and records its safe repairs) for the open store.
struct CheckDefinition {
  std::string name;
  std::string description;
  bool storage = false;  // needs no open Store (runs even when opening failed)
  std::function<void(Store* store, const std::string& url, const CheckOptions& options,
                     CheckOutcome& out)>
      run;
};

// Parses a --stale-after duration: a positive integer followed by a unit,
// "s", "m", "h" or "d" ("90s", "15m", "2h", "1d"); returns µs. Throws
// Error(kInvalidArgument) naming the value otherwise.
std::int64_t ParseCheckDuration(std::string_view text);

// The checks CheckStore runs, in order. Extend by adding a definition in
// src/ops/check_registry.cc (see docs/operations.md).
const std::vector<CheckDefinition>& RegisteredChecks();

}  // namespace tradestore
