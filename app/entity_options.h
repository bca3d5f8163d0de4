// The filter options shared by `show` and `export`.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>

#include "tradestore/export_import.h"

namespace tradestore::cli {

struct FilterArgs {
  std::string entity;
  std::optional<std::string> bot, symbol, venue, timeframe, from, to;
  std::optional<std::int64_t> limit;
  bool include_test = false;
  bool include_system = true;  // show: --include-system; export: not --exclude-system

  ExportFilter ToFilter() const {
    ExportFilter f;
    f.bot = bot;
    f.symbol = symbol;
    f.venue = venue;
    f.timeframe = timeframe;
    if (from) f.from = Timestamp::Parse(*from);
    if (to) f.to = Timestamp::Parse(*to);
    f.limit = limit;
    f.include_test = include_test;
    f.include_system = include_system;
    return f;
  }
};

inline void AddFilterOptions(CLI::App& sub, FilterArgs& a) {
  sub.add_option("ENTITY", a.entity,
                 "bots, accounts, balances, ledger, orders, order-events, fills, positions, "
                 "trades, signals, portfolio-snapshots, candles, instruments, ... (see "
                 "docs/export-import.md)")
      ->required();
  sub.add_option("--bot", a.bot, "Only this bot's rows (name or id)");
  sub.add_option("--symbol", a.symbol, "Only rows of instruments with this symbol");
  sub.add_option("--venue", a.venue, "Only rows of instruments on this venue");
  sub.add_option("--timeframe", a.timeframe, "Candles: only this timeframe");
  sub.add_option("--from", a.from, "Rows at or after this time (ISO-8601, UTC)");
  sub.add_option("--to", a.to, "Rows before this time (ISO-8601, UTC)");
  sub.add_option("--limit", a.limit, "At most N rows, in key order");
  sub.add_flag("--include-test", a.include_test, "Include rows tagged as test data");
}

}  // namespace tradestore::cli
