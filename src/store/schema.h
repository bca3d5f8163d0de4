// The store's schema, written once: every table of every database with its
// columns (name, logical type, nullability), primary key and identity
// column, in an order that is safe for foreign keys (referenced tables
// first). The migrations in src/sql/migrations are the history that builds
// this schema on each backend; tests/store/schema_test.cc migrates fresh
// SQLite and PostgreSQL stores and fails on any table or column that
// differs from this description, in either direction.
//
// Derived from it: the table catalog of copy/backup/export (table_io.h),
// the repositories' column lists and statement text, and the typed row
// binding and reading by column name of schema_row.h. Changing the schema
// means a new migration per dialect plus the matching change here.
//
// Not part of the public API.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "store/database.h"

namespace tradestore::detail::schema {

// A column's logical type, whatever each backend stores:
//   type        SQLite    PostgreSQL
//   kInteger    INTEGER   bigint or integer
//   kBool       INTEGER   integer, CHECK (x IN (0, 1))
//   kReal       REAL      double precision
//   kText       TEXT      text
//   kDecimal    TEXT      numeric           (exact decimal, canonical text)
//   kTimestamp  INTEGER   timestamptz       (µs since the Unix epoch, UTC)
//   kBlob       BLOB      bytea             (bytes as they are)
enum class Type { kInteger, kBool, kReal, kText, kDecimal, kTimestamp, kBlob };

inline constexpr bool kNull = true;
inline constexpr bool kNotNull = false;

// Which backends have a column.
enum class Dialects { kBoth, kPostgresOnly };

struct Column {
  std::string_view name;
  Type type;
  bool nullable;
  Dialects dialects = Dialects::kBoth;
};

// kCopied tables are the store's data: copied, backed up, exported and
// checked table by table. kTransient tables are written by triggers (the
// change feed's logs, the per-bot counters) and left out of all of that.
enum class Role { kCopied, kTransient };

struct Table {
  std::string_view schema;  // "trading", "market", "analytics", "config", "audit"
  std::string_view name;    // "orders"
  Database database;
  std::span<const Column> columns;  // in the order of the migrations
  // The primary key: orders the rows and identifies each one (copy's
  // keyset pagination and checksums use it).
  std::span<const std::string_view> primary_key;
  // The column whose ids the database assigns, or "": SQLite's INTEGER
  // PRIMARY KEY; on PostgreSQL a bigint with DEFAULT nextval() of a
  // sequence OWNED BY it (pg_get_serial_sequence() finds it), not an
  // identity column, which Citus cannot distribute (migration 0009).
  std::string_view identity;
  Role role;
  // On PostgreSQL the primary key is (postgres_key_prefix, primary_key...)
  // when this is set, so that the table can be distributed by that column
  // (Citus: "bot_id" for the per-bot tables, "row_id" for the market change
  // log); on SQLite it is primary_key alone.
  std::string_view postgres_key_prefix = {};

  // The index of `column` in `columns`, or -1.
  constexpr int IndexOf(std::string_view column) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].name == column) return static_cast<int>(i);
    }
    return -1;
  }
};

namespace tables {
using T = Type;
constexpr Dialects kPostgresOnly = Dialects::kPostgresOnly;
constexpr std::string_view kBotKeyed = "bot_id";

// clang-format off
// market.instruments
inline constexpr Column kInstrumentsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"venue", T::kText, kNotNull},
    {"symbol", T::kText, kNotNull},
    {"base_asset", T::kText, kNotNull},
    {"quote_asset", T::kText, kNotNull},
    {"price_precision", T::kInteger, kNotNull},
    {"size_precision", T::kInteger, kNotNull},
    {"tick_size", T::kDecimal, kNotNull},
    {"lot_size", T::kDecimal, kNotNull},
    {"created_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kInstrumentsKey[] = {"id"};
inline constexpr Table kInstruments{"market", "instruments", Database::kMarket, kInstrumentsColumns,
    kInstrumentsKey, "id", Role::kCopied};

// market.candles
inline constexpr Column kCandlesColumns[] = {
    {"instrument_id", T::kInteger, kNotNull},
    {"timeframe", T::kText, kNotNull},
    {"open_time", T::kTimestamp, kNotNull},
    {"open", T::kReal, kNotNull},
    {"high", T::kReal, kNotNull},
    {"low", T::kReal, kNotNull},
    {"close", T::kReal, kNotNull},
    {"volume", T::kReal, kNotNull},
    {"trades", T::kInteger, kNull},
};
inline constexpr std::string_view kCandlesKey[] = {"instrument_id", "timeframe", "open_time"};
inline constexpr Table kCandles{"market", "candles", Database::kMarket, kCandlesColumns,
    kCandlesKey, "", Role::kCopied};

// market.candle_chunks: compacted candles, one row per chunk
// (src/core/candle_chunk.h; src/store/candle_chunks.cc).
inline constexpr Column kCandleChunksColumns[] = {
    {"instrument_id", T::kInteger, kNotNull},
    {"timeframe", T::kText, kNotNull},
    {"first_open_time", T::kTimestamp, kNotNull},
    {"last_open_time", T::kTimestamp, kNotNull},
    {"count", T::kInteger, kNotNull},
    {"checksum", T::kInteger, kNotNull},
    {"data", T::kBlob, kNotNull},
};
inline constexpr std::string_view kCandleChunksKey[] = {"instrument_id", "timeframe", "first_open_time"};
inline constexpr Table kCandleChunks{"market", "candle_chunks", Database::kMarket, kCandleChunksColumns,
    kCandleChunksKey, "", Role::kCopied};

// market.candle_coverage
inline constexpr Column kCandleCoverageColumns[] = {
    {"instrument_id", T::kInteger, kNotNull},
    {"timeframe", T::kText, kNotNull},
    {"first", T::kTimestamp, kNotNull},
    {"last", T::kTimestamp, kNotNull},
    {"count", T::kInteger, kNotNull},
    {"expected_count", T::kInteger, kNotNull},
    {"gap_count", T::kInteger, kNotNull},
    {"updated_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kCandleCoverageKey[] = {"instrument_id", "timeframe"};
inline constexpr Table kCandleCoverage{"market", "candle_coverage", Database::kMarket, kCandleCoverageColumns,
    kCandleCoverageKey, "", Role::kCopied};

// market.candle_compaction_policy: the compaction policy of imports
// (CandleRepository::SetCompactionPolicy); timeframe '*' is the default.
inline constexpr Column kCandleCompactionPolicyColumns[] = {
    {"timeframe", T::kText, kNotNull},
    {"older_than", T::kInteger, kNotNull},
    {"updated_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kCandleCompactionPolicyKey[] = {"timeframe"};
inline constexpr Table kCandleCompactionPolicy{"market", "candle_compaction_policy", Database::kMarket,
    kCandleCompactionPolicyColumns, kCandleCompactionPolicyKey, "", Role::kCopied};

// market.indicator_cache
inline constexpr Column kIndicatorCacheColumns[] = {
    {"instrument_id", T::kInteger, kNotNull},
    {"timeframe", T::kText, kNotNull},
    {"open_time", T::kTimestamp, kNotNull},
    {"indicator", T::kText, kNotNull},
    {"value", T::kReal, kNotNull},
    {"value2", T::kReal, kNull},
    {"value3", T::kReal, kNull},
    {"value4", T::kReal, kNull},
    {"label", T::kText, kNull},
};
inline constexpr std::string_view kIndicatorCacheKey[] = {"instrument_id", "timeframe", "indicator", "open_time"};
inline constexpr Table kIndicatorCache{"market", "indicator_cache", Database::kMarket, kIndicatorCacheColumns,
    kIndicatorCacheKey, "", Role::kCopied};

// trading.bots
inline constexpr Column kBotsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"name", T::kText, kNotNull},
    {"version", T::kText, kNotNull},
    {"strategy", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"created_at", T::kTimestamp, kNotNull},
    {"status", T::kText, kNotNull},
    {"equity", T::kDecimal, kNull},
    {"equity_currency", T::kText, kNotNull},
    {"max_position", T::kDecimal, kNull},
    {"max_daily_loss", T::kDecimal, kNull},
    {"last_heartbeat_at", T::kTimestamp, kNull},
    {"runtime_state", T::kText, kNotNull},
    {"runtime_message", T::kText, kNotNull},
    {"updated_at", T::kTimestamp, kNull},
};
inline constexpr std::string_view kBotsKey[] = {"id"};
inline constexpr Table kBots{"trading", "bots", Database::kTrading, kBotsColumns,
    kBotsKey, "id", Role::kCopied};

// trading.accounts
inline constexpr Column kAccountsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"name", T::kText, kNotNull},
    {"created_at", T::kTimestamp, kNotNull},
    {"kind", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kAccountsKey[] = {"id"};
inline constexpr Table kAccounts{"trading", "accounts", Database::kTrading, kAccountsColumns,
    kAccountsKey, "id", Role::kCopied, kBotKeyed};

// trading.balances
inline constexpr Column kBalancesColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"currency", T::kText, kNotNull},
    {"amount", T::kDecimal, kNotNull},
    {"updated_at", T::kTimestamp, kNotNull},
    {"locked", T::kDecimal, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kBalancesKey[] = {"bot_id", "account_id", "currency"};
inline constexpr Table kBalances{"trading", "balances", Database::kTrading, kBalancesColumns,
    kBalancesKey, "", Role::kCopied};

// trading.signals
inline constexpr Column kSignalsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"instrument_id", T::kInteger, kNotNull},
    {"strategy", T::kText, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"side", T::kText, kNotNull},
    {"strength", T::kReal, kNotNull},
    {"price", T::kReal, kNull},
    {"acted_on", T::kBool, kNotNull},
    {"note", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"confidence", T::kReal, kNull},
    {"aggregation_method", T::kText, kNotNull},
    {"filters_passed", T::kText, kNotNull},
    {"filters_failed", T::kText, kNotNull},
    {"strategy_version", T::kText, kNotNull},
    {"bot_version", T::kText, kNotNull},
    {"outcome", T::kText, kNull},
    {"outcome_pnl", T::kDecimal, kNull},
    {"outcome_trades", T::kInteger, kNull},
    {"outcome_at", T::kTimestamp, kNull},
};
inline constexpr std::string_view kSignalsKey[] = {"id"};
inline constexpr Table kSignals{"trading", "signals", Database::kTrading, kSignalsColumns,
    kSignalsKey, "id", Role::kCopied, kBotKeyed};

// trading.signal_components
inline constexpr Column kSignalComponentsColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"signal_id", T::kInteger, kNotNull},
    {"name", T::kText, kNotNull},
    {"signal", T::kText, kNotNull},
    {"confidence", T::kReal, kNotNull},
    {"weight", T::kReal, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kSignalComponentsKey[] = {"bot_id", "signal_id", "name"};
inline constexpr Table kSignalComponents{"trading", "signal_components", Database::kTrading, kSignalComponentsColumns,
    kSignalComponentsKey, "", Role::kCopied};

// trading.orders
inline constexpr Column kOrdersColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"instrument_id", T::kInteger, kNotNull},
    {"client_order_id", T::kText, kNotNull},
    {"venue_order_id", T::kText, kNotNull},
    {"signal_id", T::kInteger, kNull},
    {"strategy", T::kText, kNotNull},
    {"side", T::kText, kNotNull},
    {"type", T::kText, kNotNull},
    {"time_in_force", T::kText, kNotNull},
    {"quantity", T::kDecimal, kNotNull},
    {"limit_price", T::kDecimal, kNull},
    {"stop_price", T::kDecimal, kNull},
    {"status", T::kText, kNotNull},
    {"filled_quantity", T::kDecimal, kNotNull},
    {"average_fill_price", T::kDecimal, kNull},
    {"reason", T::kText, kNotNull},
    {"exit_reason", T::kText, kNotNull},
    {"triggered_at", T::kTimestamp, kNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"created_at", T::kTimestamp, kNotNull},
    {"updated_at", T::kTimestamp, kNotNull},
    {"expected_price", T::kDecimal, kNull},
    {"strategy_version", T::kText, kNotNull},
    {"bot_version", T::kText, kNotNull},
    {"trade_id", T::kInteger, kNull},
    {"retry_count", T::kInteger, kNotNull},
    {"last_error", T::kText, kNotNull},
    {"reserved", T::kDecimal, kNotNull},
};
inline constexpr std::string_view kOrdersKey[] = {"id"};
inline constexpr Table kOrders{"trading", "orders", Database::kTrading, kOrdersColumns,
    kOrdersKey, "id", Role::kCopied, kBotKeyed};

// trading.order_events
inline constexpr Column kOrderEventsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"order_id", T::kInteger, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"from_status", T::kText, kNull},
    {"to_status", T::kText, kNotNull},
    {"reason", T::kText, kNotNull},
    {"kind", T::kText, kNotNull},
    {"quantity", T::kDecimal, kNull},
    {"limit_price", T::kDecimal, kNull},
    {"stop_price", T::kDecimal, kNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kOrderEventsKey[] = {"id"};
inline constexpr Table kOrderEvents{"trading", "order_events", Database::kTrading, kOrderEventsColumns,
    kOrderEventsKey, "id", Role::kCopied, kBotKeyed};

// trading.fills
inline constexpr Column kFillsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"order_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"instrument_id", T::kInteger, kNotNull},
    {"venue", T::kText, kNotNull},
    {"venue_fill_id", T::kText, kNotNull},
    {"side", T::kText, kNotNull},
    {"quantity", T::kDecimal, kNotNull},
    {"price", T::kDecimal, kNotNull},
    {"fee", T::kDecimal, kNotNull},
    {"fee_currency", T::kText, kNotNull},
    {"liquidity", T::kText, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kFillsKey[] = {"id"};
inline constexpr Table kFills{"trading", "fills", Database::kTrading, kFillsColumns,
    kFillsKey, "id", Role::kCopied, kBotKeyed};

// trading.positions
inline constexpr Column kPositionsColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"instrument_id", T::kInteger, kNotNull},
    {"quantity", T::kDecimal, kNotNull},
    {"average_entry_price", T::kDecimal, kNotNull},
    {"realized_pnl", T::kDecimal, kNotNull},
    {"fees", T::kDecimal, kNotNull},
    {"opened_at", T::kTimestamp, kNotNull},
    {"updated_at", T::kTimestamp, kNotNull},
    {"trade_max_quantity", T::kDecimal, kNotNull},
    {"trade_exit_quantity", T::kDecimal, kNotNull},
    {"trade_exit_notional", T::kDecimal, kNotNull},
    {"trade_gross_pnl", T::kDecimal, kNotNull},
    {"trade_fees", T::kDecimal, kNotNull},
    {"trade_high", T::kDecimal, kNull},
    {"trade_low", T::kDecimal, kNull},
    {"trade_signal_id", T::kInteger, kNull},
    {"trade_strategy", T::kText, kNotNull},
    {"stop_loss", T::kDecimal, kNull},
    {"take_profit", T::kDecimal, kNull},
    {"trailing_distance", T::kDecimal, kNull},
    {"trailing_percent", T::kDecimal, kNull},
    {"last_price", T::kDecimal, kNull},
    {"last_price_at", T::kTimestamp, kNull},
    {"unrealized_pnl", T::kDecimal, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"trade_entry_order_id", T::kInteger, kNull},
    {"trade_entry_fees", T::kDecimal, kNotNull},
    {"trade_entry_slippage", T::kDecimal, kNotNull},
    {"trade_exit_slippage", T::kDecimal, kNotNull},
    {"trade_strategy_version", T::kText, kNotNull},
    {"trade_initial_stop", T::kDecimal, kNull},
    {"trade_target", T::kDecimal, kNull},
    {"trade_risk_amount", T::kDecimal, kNull},
    {"trade_position_size_rule", T::kText, kNotNull},
    {"trade_regime", T::kText, kNotNull},
    {"trade_volatility", T::kReal, kNull},
    {"trade_atr", T::kReal, kNull},
    {"trade_session", T::kText, kNotNull},
    {"trade_trend", T::kText, kNotNull},
    {"trade_setup", T::kText, kNotNull},
};
inline constexpr std::string_view kPositionsKey[] = {"bot_id", "account_id", "instrument_id"};
inline constexpr Table kPositions{"trading", "positions", Database::kTrading, kPositionsColumns,
    kPositionsKey, "", Role::kCopied};

// trading.trades
inline constexpr Column kTradesColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"instrument_id", T::kInteger, kNotNull},
    {"strategy", T::kText, kNotNull},
    {"side", T::kText, kNotNull},
    {"entry_time", T::kTimestamp, kNotNull},
    {"exit_time", T::kTimestamp, kNotNull},
    {"entry_price", T::kDecimal, kNotNull},
    {"exit_price", T::kDecimal, kNotNull},
    {"quantity", T::kDecimal, kNotNull},
    {"gross_pnl", T::kDecimal, kNotNull},
    {"fees", T::kDecimal, kNotNull},
    {"net_pnl", T::kDecimal, kNotNull},
    {"mae", T::kDecimal, kNotNull},
    {"mfe", T::kDecimal, kNotNull},
    {"exit_reason", T::kText, kNotNull},
    {"signal_id", T::kInteger, kNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"strategy_version", T::kText, kNotNull},
    {"bot_version", T::kText, kNotNull},
    {"entry_order_id", T::kInteger, kNull},
    {"exit_order_id", T::kInteger, kNull},
    {"entry_fees", T::kDecimal, kNotNull},
    {"exit_fees", T::kDecimal, kNotNull},
    {"entry_slippage", T::kDecimal, kNotNull},
    {"exit_slippage", T::kDecimal, kNotNull},
    {"pnl_percent", T::kReal, kNull},
    {"outcome", T::kText, kNotNull},
    {"initial_stop", T::kDecimal, kNull},
    {"target", T::kDecimal, kNull},
    {"risk_amount", T::kDecimal, kNull},
    {"position_size_rule", T::kText, kNotNull},
    {"r_multiple", T::kReal, kNull},
    {"mae_r", T::kReal, kNull},
    {"mfe_r", T::kReal, kNull},
    {"regime", T::kText, kNotNull},
    {"volatility", T::kReal, kNull},
    {"atr", T::kReal, kNull},
    {"session", T::kText, kNotNull},
    {"trend", T::kText, kNotNull},
    {"setup", T::kText, kNotNull},
    {"tags", T::kText, kNotNull},
    {"notes", T::kText, kNotNull},
    {"mental_state", T::kText, kNotNull},
    {"rule_breaks", T::kText, kNotNull},
    {"grade", T::kText, kNotNull},
    {"links", T::kText, kNotNull},
    {"reviewed_at", T::kTimestamp, kNull},
};
inline constexpr std::string_view kTradesKey[] = {"id"};
inline constexpr Table kTrades{"trading", "trades", Database::kTrading, kTradesColumns,
    kTradesKey, "id", Role::kCopied, kBotKeyed};

// trading.ledger_entries
inline constexpr Column kLedgerEntriesColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"type", T::kText, kNotNull},
    {"currency", T::kText, kNotNull},
    {"amount", T::kDecimal, kNotNull},
    {"balance_after", T::kDecimal, kNotNull},
    {"order_id", T::kInteger, kNull},
    {"fill_id", T::kInteger, kNull},
    {"trade_id", T::kInteger, kNull},
    {"description", T::kText, kNotNull},
    {"journal_id", T::kInteger, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kLedgerEntriesKey[] = {"id"};
inline constexpr Table kLedgerEntries{"trading", "ledger_entries", Database::kTrading, kLedgerEntriesColumns,
    kLedgerEntriesKey, "id", Role::kCopied, kBotKeyed};

// trading.portfolio_snapshots
inline constexpr Column kPortfolioSnapshotsColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"equity", T::kDecimal, kNotNull},
    {"cash", T::kDecimal, kNotNull},
    {"unrealized_pnl", T::kDecimal, kNotNull},
    {"open_positions", T::kInteger, kNotNull},
    {"exposure_gross", T::kDecimal, kNotNull},
    {"exposure_net", T::kDecimal, kNotNull},
    {"var", T::kDecimal, kNull},
    {"var_confidence", T::kReal, kNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"bot_version", T::kText, kNotNull},
};
inline constexpr std::string_view kPortfolioSnapshotsKey[] = {"bot_id", "account_id", "time"};
inline constexpr Table kPortfolioSnapshots{"trading", "portfolio_snapshots", Database::kTrading, kPortfolioSnapshotsColumns,
    kPortfolioSnapshotsKey, "", Role::kCopied};

// trading.risk_limits
inline constexpr Column kRiskLimitsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"version", T::kInteger, kNotNull},
    {"max_position", T::kDecimal, kNull},
    {"max_daily_loss", T::kDecimal, kNull},
    {"max_drawdown", T::kReal, kNull},
    {"max_open_orders", T::kInteger, kNull},
    {"effective_from", T::kTimestamp, kNotNull},
    {"effective_to", T::kTimestamp, kNull},
    {"note", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"created_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kRiskLimitsKey[] = {"id"};
inline constexpr Table kRiskLimits{"trading", "risk_limits", Database::kTrading, kRiskLimitsColumns,
    kRiskLimitsKey, "id", Role::kCopied, kBotKeyed};

// audit.risk_events
inline constexpr Column kRiskEventsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"limit_kind", T::kText, kNotNull},
    {"limits_version", T::kInteger, kNull},
    {"value", T::kDecimal, kNotNull},
    {"threshold", T::kDecimal, kNotNull},
    {"action", T::kText, kNotNull},
    {"message", T::kText, kNotNull},
    {"resolution", T::kText, kNotNull},
    {"resolved_at", T::kTimestamp, kNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kRiskEventsKey[] = {"id"};
inline constexpr Table kRiskEvents{"audit", "risk_events", Database::kTrading, kRiskEventsColumns,
    kRiskEventsKey, "id", Role::kCopied, kBotKeyed};

// config.configs
inline constexpr Column kConfigsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"kind", T::kText, kNotNull},
    {"name", T::kText, kNotNull},
    {"version", T::kInteger, kNotNull},
    {"document", T::kText, kNotNull},
    {"effective_from", T::kTimestamp, kNotNull},
    {"effective_to", T::kTimestamp, kNull},
    {"note", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"created_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kConfigsKey[] = {"id"};
inline constexpr Table kConfigs{"config", "configs", Database::kTrading, kConfigsColumns,
    kConfigsKey, "id", Role::kCopied, kBotKeyed};

// config.strategies
inline constexpr Column kStrategiesColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"name", T::kText, kNotNull},
    {"version", T::kText, kNotNull},
    {"description", T::kText, kNotNull},
    {"parameters", T::kText, kNotNull},
    {"created_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kStrategiesKey[] = {"id"};
inline constexpr Table kStrategies{"config", "strategies", Database::kTrading, kStrategiesColumns,
    kStrategiesKey, "id", Role::kCopied};

// audit.system_events
inline constexpr Column kSystemEventsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"bot_id", T::kInteger, kNull},
    {"component", T::kText, kNotNull},
    {"event_type", T::kText, kNotNull},
    {"severity", T::kText, kNotNull},
    {"message", T::kText, kNotNull},
    {"details", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kSystemEventsKey[] = {"id"};
inline constexpr Table kSystemEvents{"audit", "system_events", Database::kTrading, kSystemEventsColumns,
    kSystemEventsKey, "id", Role::kCopied};

// audit.error_log
inline constexpr Column kErrorLogColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"bot_id", T::kInteger, kNull},
    {"component", T::kText, kNotNull},
    {"severity", T::kText, kNotNull},
    {"code", T::kText, kNotNull},
    {"message", T::kText, kNotNull},
    {"context", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kErrorLogKey[] = {"id"};
inline constexpr Table kErrorLog{"audit", "error_log", Database::kTrading, kErrorLogColumns,
    kErrorLogKey, "id", Role::kCopied};

// trading.balance_history
inline constexpr Column kBalanceHistoryColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"currency", T::kText, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"kind", T::kText, kNotNull},
    {"amount", T::kDecimal, kNotNull},
    {"locked", T::kDecimal, kNotNull},
    {"available", T::kDecimal, kNotNull},
    {"unrealized_pnl", T::kDecimal, kNotNull},
    {"equity", T::kDecimal, kNotNull},
    {"margin_used", T::kDecimal, kNotNull},
    {"free_margin", T::kDecimal, kNotNull},
    {"margin_level", T::kReal, kNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kBalanceHistoryKey[] = {"bot_id", "account_id", "currency", "kind", "time"};
inline constexpr Table kBalanceHistory{"trading", "balance_history", Database::kTrading, kBalanceHistoryColumns,
    kBalanceHistoryKey, "", Role::kCopied};

// trading.position_events
inline constexpr Column kPositionEventsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"instrument_id", T::kInteger, kNotNull},
    {"time", T::kTimestamp, kNotNull},
    {"type", T::kText, kNotNull},
    {"quantity_change", T::kDecimal, kNotNull},
    {"quantity", T::kDecimal, kNotNull},
    {"price", T::kDecimal, kNull},
    {"average_entry_price", T::kDecimal, kNotNull},
    {"realized_pnl", T::kDecimal, kNotNull},
    {"stop_loss", T::kDecimal, kNull},
    {"take_profit", T::kDecimal, kNull},
    {"fill_id", T::kInteger, kNull},
    {"trade_id", T::kInteger, kNull},
    {"message", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kPositionEventsKey[] = {"id"};
inline constexpr Table kPositionEvents{"trading", "position_events", Database::kTrading, kPositionEventsColumns,
    kPositionEventsKey, "id", Role::kCopied, kBotKeyed};

// analytics.performance_reports
inline constexpr Column kPerformanceReportsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"computed_at", T::kTimestamp, kNotNull},
    {"period_start", T::kTimestamp, kNull},
    {"period_end", T::kTimestamp, kNull},
    {"report_json", T::kText, kNotNull},
};
inline constexpr std::string_view kPerformanceReportsKey[] = {"id"};
inline constexpr Table kPerformanceReports{"analytics", "performance_reports", Database::kAnalytics, kPerformanceReportsColumns,
    kPerformanceReportsKey, "id", Role::kCopied, kBotKeyed};

// analytics.daily_performance
inline constexpr Column kDailyPerformanceColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"date", T::kTimestamp, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"equity", T::kDecimal, kNull},
    {"daily_pnl", T::kDecimal, kNotNull},
    {"total_pnl", T::kDecimal, kNotNull},
    {"trades", T::kInteger, kNotNull},
    {"total_trades", T::kInteger, kNotNull},
    {"daily_return", T::kReal, kNull},
    {"sharpe", T::kReal, kNull},
    {"sortino", T::kReal, kNull},
    {"max_drawdown", T::kReal, kNull},
    {"win_rate", T::kReal, kNull},
    {"profit_factor", T::kReal, kNull},
    {"computed_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kDailyPerformanceKey[] = {"bot_id", "date"};
inline constexpr Table kDailyPerformance{"analytics", "daily_performance", Database::kAnalytics, kDailyPerformanceColumns,
    kDailyPerformanceKey, "", Role::kCopied};

// analytics.strategy_performance
inline constexpr Column kStrategyPerformanceColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"strategy", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"trades", T::kInteger, kNotNull},
    {"wins", T::kInteger, kNotNull},
    {"losses", T::kInteger, kNotNull},
    {"net_pnl", T::kDecimal, kNotNull},
    {"gross_profit", T::kReal, kNotNull},
    {"gross_loss", T::kReal, kNotNull},
    {"win_rate", T::kReal, kNull},
    {"profit_factor", T::kReal, kNull},
    {"average_win", T::kReal, kNull},
    {"average_loss", T::kReal, kNull},
    {"expectancy", T::kReal, kNull},
    {"first_exit_time", T::kTimestamp, kNotNull},
    {"last_exit_time", T::kTimestamp, kNotNull},
    {"updated_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kStrategyPerformanceKey[] = {"bot_id", "strategy"};
inline constexpr Table kStrategyPerformance{"analytics", "strategy_performance", Database::kAnalytics, kStrategyPerformanceColumns,
    kStrategyPerformanceKey, "", Role::kCopied};

// analytics.dashboard_metrics
inline constexpr Column kDashboardMetricsColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"metric", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"value", T::kReal, kNull},
    {"updated_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kDashboardMetricsKey[] = {"bot_id", "metric"};
inline constexpr Table kDashboardMetrics{"analytics", "dashboard_metrics", Database::kAnalytics, kDashboardMetricsColumns,
    kDashboardMetricsKey, "", Role::kCopied};

// analytics.analysis_watermarks
inline constexpr Column kAnalysisWatermarksColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"last_trade_id", T::kInteger, kNotNull},
    {"last_snapshot_time", T::kTimestamp, kNull},
    {"snapshot_count", T::kInteger, kNotNull},
    {"periods_per_year", T::kReal, kNotNull},
    {"updated_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kAnalysisWatermarksKey[] = {"bot_id"};
inline constexpr Table kAnalysisWatermarks{"analytics", "analysis_watermarks", Database::kAnalytics, kAnalysisWatermarksColumns,
    kAnalysisWatermarksKey, "", Role::kCopied};

// analytics.daily_pnl
inline constexpr Column kDailyPnlColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"account_id", T::kInteger, kNotNull},
    {"currency", T::kText, kNotNull},
    {"date", T::kTimestamp, kNotNull},
    {"realized", T::kDecimal, kNotNull},
    {"unrealized", T::kDecimal, kNotNull},
    {"fees", T::kDecimal, kNotNull},
    {"net", T::kDecimal, kNotNull},
    {"equity_start", T::kDecimal, kNull},
    {"equity_end", T::kDecimal, kNull},
    {"trades", T::kInteger, kNotNull},
    {"bot_version", T::kText, kNotNull},
    {"strategy_version", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"updated_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kDailyPnlKey[] = {"bot_id", "account_id", "currency", "date"};
inline constexpr Table kDailyPnl{"analytics", "daily_pnl", Database::kAnalytics, kDailyPnlColumns,
    kDailyPnlKey, "", Role::kCopied};

// analytics.pattern_cache
inline constexpr Column kPatternCacheColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"instrument_id", T::kInteger, kNotNull},
    {"timeframe", T::kText, kNotNull},
    {"pattern", T::kText, kNotNull},
    {"confidence", T::kReal, kNotNull},
    {"detected_at", T::kTimestamp, kNotNull},
    {"expires_at", T::kTimestamp, kNotNull},
    {"details", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kPatternCacheKey[] = {"id"};
inline constexpr Table kPatternCache{"analytics", "pattern_cache", Database::kAnalytics, kPatternCacheColumns,
    kPatternCacheKey, "id", Role::kCopied};

// analytics.ml_results
inline constexpr Column kMlResultsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"model", T::kText, kNotNull},
    {"model_version", T::kText, kNotNull},
    {"instrument_id", T::kInteger, kNull},
    {"time", T::kTimestamp, kNotNull},
    {"features_hash", T::kText, kNotNull},
    {"prediction", T::kReal, kNotNull},
    {"actual", T::kReal, kNull},
    {"actual_at", T::kTimestamp, kNull},
    {"metrics", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kMlResultsKey[] = {"id"};
inline constexpr Table kMlResults{"analytics", "ml_results", Database::kAnalytics, kMlResultsColumns,
    kMlResultsKey, "id", Role::kCopied};

// analytics.execution_latency
inline constexpr Column kExecutionLatencyColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"order_id", T::kInteger, kNotNull},
    {"signal_id", T::kInteger, kNull},
    {"instrument_id", T::kInteger, kNull},
    {"venue", T::kText, kNotNull},
    {"signal_time", T::kTimestamp, kNull},
    {"order_time", T::kTimestamp, kNotNull},
    {"ack_time", T::kTimestamp, kNull},
    {"fill_time", T::kTimestamp, kNull},
    {"bot_version", T::kText, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kExecutionLatencyKey[] = {"bot_id", "order_id"};
inline constexpr Table kExecutionLatency{"analytics", "execution_latency", Database::kAnalytics, kExecutionLatencyColumns,
    kExecutionLatencyKey, "", Role::kCopied};

// analytics.news_feeds
inline constexpr Column kNewsFeedsColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"name", T::kText, kNotNull},
    {"url", T::kText, kNotNull},
    {"category", T::kText, kNotNull},
    {"enabled", T::kBool, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
    {"created_at", T::kTimestamp, kNotNull},
    {"updated_at", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kNewsFeedsKey[] = {"id"};
inline constexpr Table kNewsFeeds{"analytics", "news_feeds", Database::kAnalytics, kNewsFeedsColumns,
    kNewsFeedsKey, "id", Role::kCopied, kBotKeyed};

// analytics.seen_news
inline constexpr Column kSeenNewsColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"feed_id", T::kInteger, kNotNull},
    {"item_key", T::kText, kNotNull},
    {"title", T::kText, kNotNull},
    {"url", T::kText, kNotNull},
    {"published_at", T::kTimestamp, kNull},
    {"time", T::kTimestamp, kNotNull},
    {"mode", T::kText, kNotNull},
    {"is_test", T::kBool, kNotNull},
};
inline constexpr std::string_view kSeenNewsKey[] = {"bot_id", "feed_id", "item_key"};
inline constexpr Table kSeenNews{"analytics", "seen_news", Database::kAnalytics, kSeenNewsColumns,
    kSeenNewsKey, "", Role::kCopied};

// audit.change_log
inline constexpr Column kChangeLogColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"xid", T::kInteger, kNotNull, kPostgresOnly},
    {"kind", T::kText, kNotNull},
    {"bot_id", T::kInteger, kNotNull},
    {"entity", T::kText, kNotNull},
    {"row_id", T::kInteger, kNotNull},
    {"sub_key", T::kText, kNotNull},
    {"time", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kChangeLogKey[] = {"id"};
inline constexpr Table kChangeLog{"audit", "change_log", Database::kTrading, kChangeLogColumns,
    kChangeLogKey, "", Role::kTransient, kBotKeyed};

// market.market_change_log
inline constexpr Column kMarketChangeLogColumns[] = {
    {"id", T::kInteger, kNotNull},
    {"xid", T::kInteger, kNotNull, kPostgresOnly},
    {"kind", T::kText, kNotNull},
    {"bot_id", T::kInteger, kNull},
    {"entity", T::kText, kNotNull},
    {"row_id", T::kInteger, kNotNull},
    {"sub_key", T::kText, kNotNull},
    {"time", T::kTimestamp, kNotNull},
};
inline constexpr std::string_view kMarketChangeLogKey[] = {"id"};
// On PostgreSQL keyed by (row_id, id): row_id is the instrument of every
// event here (candles-imported), the log's distribution column on Citus.
inline constexpr Table kMarketChangeLog{"market", "market_change_log", Database::kMarket, kMarketChangeLogColumns,
    kMarketChangeLogKey, "", Role::kTransient, "row_id"};

// trading.bot_counters
inline constexpr Column kBotCountersColumns[] = {
    {"bot_id", T::kInteger, kNotNull},
    {"fills", T::kInteger, kNotNull},
    {"trades", T::kInteger, kNotNull},
};
inline constexpr std::string_view kBotCountersKey[] = {"bot_id"};
inline constexpr Table kBotCounters{"trading", "bot_counters", Database::kTrading, kBotCountersColumns,
    kBotCountersKey, "", Role::kTransient};

inline constexpr Table kAll[] = {
    kInstruments,
    kCandles,
    kCandleChunks,
    kCandleCoverage,
    kCandleCompactionPolicy,
    kIndicatorCache,
    kBots,
    kAccounts,
    kBalances,
    kSignals,
    kSignalComponents,
    kOrders,
    kOrderEvents,
    kFills,
    kPositions,
    kTrades,
    kLedgerEntries,
    kPortfolioSnapshots,
    kRiskLimits,
    kRiskEvents,
    kConfigs,
    kStrategies,
    kSystemEvents,
    kErrorLog,
    kBalanceHistory,
    kPositionEvents,
    kPerformanceReports,
    kDailyPerformance,
    kStrategyPerformance,
    kDashboardMetrics,
    kAnalysisWatermarks,
    kDailyPnl,
    kPatternCache,
    kMlResults,
    kExecutionLatency,
    kNewsFeeds,
    kSeenNews,
    kChangeLog,
    kMarketChangeLog,
    kBotCounters};
// clang-format on

}  // namespace tables

// Every table of the store, referenced tables first.
inline constexpr std::span<const Table> kTables = tables::kAll;

// The table "schema.name"; a name the description lacks does not compile
// when used in a constant expression.
consteval const Table& Get(std::string_view qualified) {
  for (const Table& t : kTables) {
    if (qualified.size() == t.schema.size() + 1 + t.name.size() &&
        qualified.starts_with(t.schema) && qualified[t.schema.size()] == '.' &&
        qualified.ends_with(t.name)) {
      return t;
    }
  }
  throw "schema::Get: no such table in src/store/schema.h";
}

}  // namespace tradestore::detail::schema
