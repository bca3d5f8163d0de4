// The tradestore CLI's subcommands. Each registers its options on a CLI11
// app and runs through the public library API only (no SQL here).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "tradestore/store.h"

namespace tradestore::cli {

// Options every subcommand shares.
struct GlobalOptions {
  std::string store_url;  // --store, else $TRADESTORE_URL, else sqlite:tradestore-data
  bool json = false;      // --json: machine-readable output on stdout
  std::string ResolvedUrl() const;
};

// Options of a store opened by a read-only command (report, analyze's
// reads, show, export, views): its reads go to the URL's read replica, if
// it names one (read_host=, docs/scale-out.md).
inline StoreOptions ReadingOptions() {
  StoreOptions o;
  o.read_replica = true;
  return o;
}

// Each Add* function registers a subcommand on `app` and sets `run` to the
// action to perform when that subcommand was chosen.
void AddImportCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
void AddBacktestCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
void AddReportCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
void AddInstrumentsCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
// candles coverage|gaps|resample; also `import trades` (after AddImportCommand).
void AddCandlesCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
// The cutoff of `candles compact --older-than` and `import candles
// --compact-older-than` (`option` names it in errors): "all" (nullopt), an
// ISO-8601 time, or an age "<N>m|h|d|w" before now; "" is the start of the
// current UTC day (complete days only). kInvalidArgument otherwise.
std::optional<Timestamp> CompactCutoff(const std::string& text, const std::string& option);
// An age of a compaction policy as `candles policy` shows it: "all" for 0,
// else the largest whole unit ("7d", "12h", "2w", "30m"; µs as "<N>us").
std::string FormatAge(Micros age);
void AddCopyCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
// refresh-views, and views daily|summary.
void AddViewsCommands(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
// analyze: persisted analytics (daily/strategy performance, dashboard metrics).
void AddAnalyzeCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);

// show ENTITY [filters] [--json|--csv]; export ENTITY [--format] [filters] [--out].
void AddShowCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
void AddExportCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
// `import ENTITY FILE` for every entity but candles and trades (whose
// subcommands dispatch to RunEntityImport themselves), and `import
// legacy-json DIR`. Call after AddImportCommand and AddCandlesCommand.
void AddEntityImportCommands(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
// Imports a file of `tradestore export ENTITY`; `format` "" = from the
// extension. Prints a summary (JSON with --json); returns the exit code.
int RunEntityImport(const GlobalOptions& global, const std::string& entity, const std::string& file,
                    const std::string& format);
// status, check, stats, optimize, backup, restore, verify, prune (ops_commands.cc).
// tradestore serve (HTTP server; include/tradestore/server.h).
void AddServeCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run);
void AddOpsCommands(CLI::App& app, GlobalOptions& global, std::function<int()>& run);

// Adds --store and --json to a subcommand.
void AddCommonOptions(CLI::App& sub, GlobalOptions& global, bool with_json = true);

// Draws a progress bar on stderr when it is a terminal; silent otherwise.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  void Update(std::uint64_t done, std::uint64_t total);

 private:
  std::string label_;
  bool enabled_;
  int last_percent_ = -1;
};

}  // namespace tradestore::cli
