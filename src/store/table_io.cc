// Table-level access for copy and verification; see table_io.h.
#include "store/table_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "tradestore/error.h"

namespace tradestore::detail {
namespace {

using K = ColumnKind;

TableInfo Table(std::string schema, std::string name, Database db, std::vector<ColumnInfo> columns,
                std::vector<std::string> key, std::string identity = {}) {
  return TableInfo{std::move(schema),  std::move(name), db,
                   std::move(columns), std::move(key),  std::move(identity)};
}

// The catalog: every table of src/sql/migrations, referenced tables first.
// Keep in step with the migrations (CatalogDifferences reports any drift,
// and tests/store/table_io_test.cc checks both backends).
std::vector<TableInfo> BuildCatalog() {
  const auto kM = Database::kMarket;
  const auto kT = Database::kTrading;
  const auto kA = Database::kAnalytics;
  std::vector<TableInfo> t;
  t.push_back(Table("market", "instruments", kM,
                    {{"id", K::kInt},
                     {"venue", K::kText},
                     {"symbol", K::kText},
                     {"base_asset", K::kText},
                     {"quote_asset", K::kText},
                     {"price_precision", K::kInt},
                     {"size_precision", K::kInt},
                     {"tick_size", K::kDecimal},
                     {"lot_size", K::kDecimal},
                     {"created_at", K::kTime}},
                    {"id"}, "id"));
  t.push_back(Table("market", "candles", kM,
                    {{"instrument_id", K::kInt},
                     {"timeframe", K::kText},
                     {"open_time", K::kTime},
                     {"open", K::kDouble},
                     {"high", K::kDouble},
                     {"low", K::kDouble},
                     {"close", K::kDouble},
                     {"volume", K::kDouble},
                     {"trades", K::kInt}},
                    {"instrument_id", "timeframe", "open_time"}));
  t.push_back(Table("market", "candle_coverage", kM,
                    {{"instrument_id", K::kInt},
                     {"timeframe", K::kText},
                     {"first", K::kTime},
                     {"last", K::kTime},
                     {"count", K::kInt},
                     {"expected_count", K::kInt},
                     {"gap_count", K::kInt},
                     {"updated_at", K::kTime}},
                    {"instrument_id", "timeframe"}));
  t.push_back(Table("market", "indicator_cache", kM,
                    {{"instrument_id", K::kInt},
                     {"timeframe", K::kText},
                     {"open_time", K::kTime},
                     {"indicator", K::kText},
                     {"value", K::kDouble},
                     {"value2", K::kDouble},
                     {"value3", K::kDouble},
                     {"value4", K::kDouble},
                     {"label", K::kText}},
                    {"instrument_id", "timeframe", "indicator", "open_time"}));
  t.push_back(Table("trading", "bots", kT,
                    {{"id", K::kInt},
                     {"name", K::kText},
                     {"version", K::kText},
                     {"strategy", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"created_at", K::kTime},
                     {"status", K::kText},
                     {"equity", K::kDecimal},
                     {"equity_currency", K::kText},
                     {"max_position", K::kDecimal},
                     {"max_daily_loss", K::kDecimal},
                     {"last_heartbeat_at", K::kTime},
                     {"runtime_state", K::kText},
                     {"runtime_message", K::kText},
                     {"updated_at", K::kTime}},
                    {"id"}, "id"));
  t.push_back(Table("trading", "accounts", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"name", K::kText},
                     {"created_at", K::kTime},
                     {"kind", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("trading", "balances", kT,
                    {{"bot_id", K::kInt},
                     {"account_id", K::kInt},
                     {"currency", K::kText},
                     {"amount", K::kDecimal},
                     {"updated_at", K::kTime},
                     {"locked", K::kDecimal},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"bot_id", "account_id", "currency"}));
  t.push_back(Table("trading", "signals", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"instrument_id", K::kInt},
                     {"strategy", K::kText},
                     {"time", K::kTime},
                     {"side", K::kText},
                     {"strength", K::kDouble},
                     {"price", K::kDouble},
                     {"acted_on", K::kInt},
                     {"note", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"confidence", K::kDouble},
                     {"aggregation_method", K::kText},
                     {"filters_passed", K::kText},
                     {"filters_failed", K::kText},
                     {"strategy_version", K::kText},
                     {"bot_version", K::kText},
                     {"outcome", K::kText},
                     {"outcome_pnl", K::kDecimal},
                     {"outcome_trades", K::kInt},
                     {"outcome_at", K::kTime}},
                    {"id"}, "id"));
  t.push_back(Table("trading", "signal_components", kT,
                    {{"bot_id", K::kInt},
                     {"signal_id", K::kInt},
                     {"name", K::kText},
                     {"signal", K::kText},
                     {"confidence", K::kDouble},
                     {"weight", K::kDouble},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"bot_id", "signal_id", "name"}));
  t.push_back(Table("trading", "orders", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"account_id", K::kInt},
                     {"instrument_id", K::kInt},
                     {"client_order_id", K::kText},
                     {"venue_order_id", K::kText},
                     {"signal_id", K::kInt},
                     {"strategy", K::kText},
                     {"side", K::kText},
                     {"type", K::kText},
                     {"time_in_force", K::kText},
                     {"quantity", K::kDecimal},
                     {"limit_price", K::kDecimal},
                     {"stop_price", K::kDecimal},
                     {"status", K::kText},
                     {"filled_quantity", K::kDecimal},
                     {"average_fill_price", K::kDecimal},
                     {"reason", K::kText},
                     {"exit_reason", K::kText},
                     {"triggered_at", K::kTime},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"created_at", K::kTime},
                     {"updated_at", K::kTime},
                     {"expected_price", K::kDecimal},
                     {"strategy_version", K::kText},
                     {"bot_version", K::kText},
                     {"trade_id", K::kInt},
                     {"retry_count", K::kInt},
                     {"last_error", K::kText},
                     {"reserved", K::kDecimal}},
                    {"id"}, "id"));
  t.push_back(Table("trading", "order_events", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"order_id", K::kInt},
                     {"time", K::kTime},
                     {"from_status", K::kText},
                     {"to_status", K::kText},
                     {"reason", K::kText},
                     {"kind", K::kText},
                     {"quantity", K::kDecimal},
                     {"limit_price", K::kDecimal},
                     {"stop_price", K::kDecimal},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("trading", "fills", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"order_id", K::kInt},
                     {"account_id", K::kInt},
                     {"instrument_id", K::kInt},
                     {"venue", K::kText},
                     {"venue_fill_id", K::kText},
                     {"side", K::kText},
                     {"quantity", K::kDecimal},
                     {"price", K::kDecimal},
                     {"fee", K::kDecimal},
                     {"fee_currency", K::kText},
                     {"liquidity", K::kText},
                     {"time", K::kTime},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("trading", "positions", kT,
                    {{"bot_id", K::kInt},
                     {"account_id", K::kInt},
                     {"instrument_id", K::kInt},
                     {"quantity", K::kDecimal},
                     {"average_entry_price", K::kDecimal},
                     {"realized_pnl", K::kDecimal},
                     {"fees", K::kDecimal},
                     {"opened_at", K::kTime},
                     {"updated_at", K::kTime},
                     {"trade_max_quantity", K::kDecimal},
                     {"trade_exit_quantity", K::kDecimal},
                     {"trade_exit_notional", K::kDecimal},
                     {"trade_gross_pnl", K::kDecimal},
                     {"trade_fees", K::kDecimal},
                     {"trade_high", K::kDecimal},
                     {"trade_low", K::kDecimal},
                     {"trade_signal_id", K::kInt},
                     {"trade_strategy", K::kText},
                     {"stop_loss", K::kDecimal},
                     {"take_profit", K::kDecimal},
                     {"trailing_distance", K::kDecimal},
                     {"trailing_percent", K::kDecimal},
                     {"last_price", K::kDecimal},
                     {"last_price_at", K::kTime},
                     {"unrealized_pnl", K::kDecimal},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"trade_entry_order_id", K::kInt},
                     {"trade_entry_fees", K::kDecimal},
                     {"trade_entry_slippage", K::kDecimal},
                     {"trade_exit_slippage", K::kDecimal},
                     {"trade_strategy_version", K::kText},
                     {"trade_initial_stop", K::kDecimal},
                     {"trade_target", K::kDecimal},
                     {"trade_risk_amount", K::kDecimal},
                     {"trade_position_size_rule", K::kText},
                     {"trade_regime", K::kText},
                     {"trade_volatility", K::kDouble},
                     {"trade_atr", K::kDouble},
                     {"trade_session", K::kText},
                     {"trade_trend", K::kText},
                     {"trade_setup", K::kText}},
                    {"bot_id", "account_id", "instrument_id"}));
  t.push_back(Table("trading", "trades", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"account_id", K::kInt},
                     {"instrument_id", K::kInt},
                     {"strategy", K::kText},
                     {"side", K::kText},
                     {"entry_time", K::kTime},
                     {"exit_time", K::kTime},
                     {"entry_price", K::kDecimal},
                     {"exit_price", K::kDecimal},
                     {"quantity", K::kDecimal},
                     {"gross_pnl", K::kDecimal},
                     {"fees", K::kDecimal},
                     {"net_pnl", K::kDecimal},
                     {"mae", K::kDecimal},
                     {"mfe", K::kDecimal},
                     {"exit_reason", K::kText},
                     {"signal_id", K::kInt},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"strategy_version", K::kText},
                     {"bot_version", K::kText},
                     {"entry_order_id", K::kInt},
                     {"exit_order_id", K::kInt},
                     {"entry_fees", K::kDecimal},
                     {"exit_fees", K::kDecimal},
                     {"entry_slippage", K::kDecimal},
                     {"exit_slippage", K::kDecimal},
                     {"pnl_percent", K::kDouble},
                     {"outcome", K::kText},
                     {"initial_stop", K::kDecimal},
                     {"target", K::kDecimal},
                     {"risk_amount", K::kDecimal},
                     {"position_size_rule", K::kText},
                     {"r_multiple", K::kDouble},
                     {"mae_r", K::kDouble},
                     {"mfe_r", K::kDouble},
                     {"regime", K::kText},
                     {"volatility", K::kDouble},
                     {"atr", K::kDouble},
                     {"session", K::kText},
                     {"trend", K::kText},
                     {"setup", K::kText},
                     {"tags", K::kText},
                     {"notes", K::kText},
                     {"mental_state", K::kText},
                     {"rule_breaks", K::kText},
                     {"grade", K::kText},
                     {"links", K::kText},
                     {"reviewed_at", K::kTime}},
                    {"id"}, "id"));
  t.push_back(Table("trading", "ledger_entries", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"account_id", K::kInt},
                     {"time", K::kTime},
                     {"type", K::kText},
                     {"currency", K::kText},
                     {"amount", K::kDecimal},
                     {"balance_after", K::kDecimal},
                     {"order_id", K::kInt},
                     {"fill_id", K::kInt},
                     {"trade_id", K::kInt},
                     {"description", K::kText},
                     {"journal_id", K::kInt},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("trading", "portfolio_snapshots", kT,
                    {{"bot_id", K::kInt},
                     {"account_id", K::kInt},
                     {"time", K::kTime},
                     {"equity", K::kDecimal},
                     {"cash", K::kDecimal},
                     {"unrealized_pnl", K::kDecimal},
                     {"open_positions", K::kInt},
                     {"exposure_gross", K::kDecimal},
                     {"exposure_net", K::kDecimal},
                     {"var", K::kDecimal},
                     {"var_confidence", K::kDouble},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"bot_version", K::kText}},
                    {"bot_id", "account_id", "time"}));
  // Records of issue 3 items 8-9 (sqlite trading/0003, postgres 0005).
  t.push_back(Table("trading", "risk_limits", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"version", K::kInt},
                     {"max_position", K::kDecimal},
                     {"max_daily_loss", K::kDecimal},
                     {"max_drawdown", K::kDouble},
                     {"max_open_orders", K::kInt},
                     {"effective_from", K::kTime},
                     {"effective_to", K::kTime},
                     {"note", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"created_at", K::kTime}},
                    {"id"}, "id"));
  t.push_back(Table("audit", "risk_events", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"time", K::kTime},
                     {"limit_kind", K::kText},
                     {"limits_version", K::kInt},
                     {"value", K::kDecimal},
                     {"threshold", K::kDecimal},
                     {"action", K::kText},
                     {"message", K::kText},
                     {"resolution", K::kText},
                     {"resolved_at", K::kTime},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("config", "configs", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"kind", K::kText},
                     {"name", K::kText},
                     {"version", K::kInt},
                     {"document", K::kText},
                     {"effective_from", K::kTime},
                     {"effective_to", K::kTime},
                     {"note", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"created_at", K::kTime}},
                    {"id"}, "id"));
  t.push_back(Table("config", "strategies", kT,
                    {{"id", K::kInt},
                     {"name", K::kText},
                     {"version", K::kText},
                     {"description", K::kText},
                     {"parameters", K::kText},
                     {"created_at", K::kTime}},
                    {"id"}, "id"));
  t.push_back(Table("audit", "system_events", kT,
                    {{"id", K::kInt},
                     {"time", K::kTime},
                     {"bot_id", K::kInt},
                     {"component", K::kText},
                     {"event_type", K::kText},
                     {"severity", K::kText},
                     {"message", K::kText},
                     {"details", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("audit", "error_log", kT,
                    {{"id", K::kInt},
                     {"time", K::kTime},
                     {"bot_id", K::kInt},
                     {"component", K::kText},
                     {"severity", K::kText},
                     {"code", K::kText},
                     {"message", K::kText},
                     {"context", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("trading", "balance_history", kT,
                    {{"bot_id", K::kInt},
                     {"account_id", K::kInt},
                     {"currency", K::kText},
                     {"time", K::kTime},
                     {"kind", K::kText},
                     {"amount", K::kDecimal},
                     {"locked", K::kDecimal},
                     {"available", K::kDecimal},
                     {"unrealized_pnl", K::kDecimal},
                     {"equity", K::kDecimal},
                     {"margin_used", K::kDecimal},
                     {"free_margin", K::kDecimal},
                     {"margin_level", K::kDouble},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"bot_id", "account_id", "currency", "kind", "time"}));
  t.push_back(Table("trading", "position_events", kT,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"account_id", K::kInt},
                     {"instrument_id", K::kInt},
                     {"time", K::kTime},
                     {"type", K::kText},
                     {"quantity_change", K::kDecimal},
                     {"quantity", K::kDecimal},
                     {"price", K::kDecimal},
                     {"average_entry_price", K::kDecimal},
                     {"realized_pnl", K::kDecimal},
                     {"stop_loss", K::kDecimal},
                     {"take_profit", K::kDecimal},
                     {"fill_id", K::kInt},
                     {"trade_id", K::kInt},
                     {"message", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("analytics", "performance_reports", kA,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"computed_at", K::kTime},
                     {"period_start", K::kTime},
                     {"period_end", K::kTime},
                     {"report_json", K::kText}},
                    {"id"}, "id"));
  // Persisted analytics (sqlite/analytics/0003, postgres/all/0006).
  t.push_back(Table("analytics", "daily_performance", kA,
                    {{"bot_id", K::kInt},
                     {"date", K::kTime},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"equity", K::kDecimal},
                     {"daily_pnl", K::kDecimal},
                     {"total_pnl", K::kDecimal},
                     {"trades", K::kInt},
                     {"total_trades", K::kInt},
                     {"daily_return", K::kDouble},
                     {"sharpe", K::kDouble},
                     {"sortino", K::kDouble},
                     {"max_drawdown", K::kDouble},
                     {"win_rate", K::kDouble},
                     {"profit_factor", K::kDouble},
                     {"computed_at", K::kTime}},
                    {"bot_id", "date"}));
  t.push_back(Table("analytics", "strategy_performance", kA,
                    {{"bot_id", K::kInt},
                     {"strategy", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"trades", K::kInt},
                     {"wins", K::kInt},
                     {"losses", K::kInt},
                     {"net_pnl", K::kDecimal},
                     {"gross_profit", K::kDouble},
                     {"gross_loss", K::kDouble},
                     {"win_rate", K::kDouble},
                     {"profit_factor", K::kDouble},
                     {"average_win", K::kDouble},
                     {"average_loss", K::kDouble},
                     {"expectancy", K::kDouble},
                     {"first_exit_time", K::kTime},
                     {"last_exit_time", K::kTime},
                     {"updated_at", K::kTime}},
                    {"bot_id", "strategy"}));
  t.push_back(Table("analytics", "dashboard_metrics", kA,
                    {{"bot_id", K::kInt},
                     {"metric", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"value", K::kDouble},
                     {"updated_at", K::kTime}},
                    {"bot_id", "metric"}));
  t.push_back(Table("analytics", "analysis_watermarks", kA,
                    {{"bot_id", K::kInt},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"last_trade_id", K::kInt},
                     {"last_snapshot_time", K::kTime},
                     {"snapshot_count", K::kInt},
                     {"periods_per_year", K::kDouble},
                     {"updated_at", K::kTime}},
                    {"bot_id"}));
  // Records of issue 3 items 8 and 10 (sqlite analytics/0002, postgres 0005).
  t.push_back(Table("analytics", "daily_pnl", kA,
                    {{"bot_id", K::kInt},
                     {"account_id", K::kInt},
                     {"currency", K::kText},
                     {"date", K::kTime},
                     {"realized", K::kDecimal},
                     {"unrealized", K::kDecimal},
                     {"fees", K::kDecimal},
                     {"net", K::kDecimal},
                     {"equity_start", K::kDecimal},
                     {"equity_end", K::kDecimal},
                     {"trades", K::kInt},
                     {"bot_version", K::kText},
                     {"strategy_version", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"updated_at", K::kTime}},
                    {"bot_id", "account_id", "currency", "date"}));
  t.push_back(Table("analytics", "pattern_cache", kA,
                    {{"id", K::kInt},
                     {"instrument_id", K::kInt},
                     {"timeframe", K::kText},
                     {"pattern", K::kText},
                     {"confidence", K::kDouble},
                     {"detected_at", K::kTime},
                     {"expires_at", K::kTime},
                     {"details", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("analytics", "ml_results", kA,
                    {{"id", K::kInt},
                     {"model", K::kText},
                     {"model_version", K::kText},
                     {"instrument_id", K::kInt},
                     {"time", K::kTime},
                     {"features_hash", K::kText},
                     {"prediction", K::kDouble},
                     {"actual", K::kDouble},
                     {"actual_at", K::kTime},
                     {"metrics", K::kText},
                     {"is_test", K::kInt}},
                    {"id"}, "id"));
  t.push_back(Table("analytics", "execution_latency", kA,
                    {{"bot_id", K::kInt},
                     {"order_id", K::kInt},
                     {"signal_id", K::kInt},
                     {"instrument_id", K::kInt},
                     {"venue", K::kText},
                     {"signal_time", K::kTime},
                     {"order_time", K::kTime},
                     {"ack_time", K::kTime},
                     {"fill_time", K::kTime},
                     {"bot_version", K::kText},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"bot_id", "order_id"}));
  t.push_back(Table("analytics", "news_feeds", kA,
                    {{"id", K::kInt},
                     {"bot_id", K::kInt},
                     {"name", K::kText},
                     {"url", K::kText},
                     {"category", K::kText},
                     {"enabled", K::kInt},
                     {"mode", K::kText},
                     {"is_test", K::kInt},
                     {"created_at", K::kTime},
                     {"updated_at", K::kTime}},
                    {"id"}, "id"));
  t.push_back(Table("analytics", "seen_news", kA,
                    {{"bot_id", K::kInt},
                     {"feed_id", K::kInt},
                     {"item_key", K::kText},
                     {"title", K::kText},
                     {"url", K::kText},
                     {"published_at", K::kTime},
                     {"time", K::kTime},
                     {"mode", K::kText},
                     {"is_test", K::kInt}},
                    {"bot_id", "feed_id", "item_key"}));
  return t;
}

const ColumnInfo& Column(const TableInfo& t, std::string_view name) {
  for (const ColumnInfo& c : t.columns) {
    if (c.name == name) return c;
  }
  throw Error(ErrorKind::kInternal, fmt::format("{}: no column {}", t.QualifiedName(), name));
}

std::size_t ColumnIndex(const TableInfo& t, std::string_view name) {
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].name == name) return i;
  }
  throw Error(ErrorKind::kInternal, fmt::format("{}: no column {}", t.QualifiedName(), name));
}

// Appends the canonical rendering of `v` (see ChecksumTable).
void Render(const Value& v, std::string& out) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "N";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out += 'i';
          out += std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[64];
          const auto r = std::to_chars(buf, buf + sizeof buf, x);
          out += 'f';
          out.append(buf, r.ptr);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out += 's';
          out += std::to_string(x.size());
          out += ':';
          out += x;
        } else if constexpr (std::is_same_v<T, Decimal>) {
          out += 'd';
          out += x.ToString();
        } else {
          out += 't';
          out += std::to_string(x.micros());
        }
      },
      v);
  out += '|';
}

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t Fnv1a(std::uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

std::string KeyTuple(const TableInfo& t) { return "(" + Join(t.key, ", ") + ")"; }

std::vector<std::string> StringColumn(sql::Connection& c, std::string_view sql,
                                      const std::vector<std::string>& params) {
  sql::Statement& st = c.Prepare(sql);
  for (std::size_t i = 0; i < params.size(); ++i) st.Bind(static_cast<int>(i + 1), params[i]);
  std::vector<std::string> out;
  while (st.Step()) out.push_back(st.GetText(0));
  st.Reset();
  return out;
}

std::int64_t CountQualified(sql::Connection& c, const std::string& qualified) {
  sql::Statement& st = c.Prepare("SELECT count(*) FROM " + qualified);
  std::int64_t n = st.Step() ? st.GetInt64(0) : 0;
  st.Reset();
  return n;
}

}  // namespace

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::string ColumnList(const TableInfo& t) {
  std::vector<std::string> names;
  for (const ColumnInfo& c : t.columns) names.push_back(c.name);
  return Join(names, ", ");
}

std::string Placeholders(std::size_t n) {
  std::string out = "(";
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

void BindValue(sql::Statement& st, int index, const Value& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          st.BindNull(index);
        } else {
          st.Bind(index, x);
        }
      },
      v);
}

Value ReadValue(const sql::Statement& st, int column, ColumnKind kind) {
  if (st.IsNull(column)) return std::monostate{};
  switch (kind) {
    case ColumnKind::kInt:
      return st.GetInt64(column);
    case ColumnKind::kDouble:
      return st.GetDouble(column);
    case ColumnKind::kText:
      return st.GetText(column);
    case ColumnKind::kDecimal:
      return st.GetDecimal(column);
    case ColumnKind::kTime:
      return st.GetTimestamp(column);
  }
  return std::monostate{};
}

const std::vector<TableInfo>& StoreTables() {
  static const std::vector<TableInfo> tables = BuildCatalog();
  return tables;
}

const TableInfo& FindTable(std::string_view name) {
  std::vector<std::string> known;
  for (const TableInfo& t : StoreTables()) {
    if (t.QualifiedName() == name || t.name == name) return t;
    known.push_back(t.QualifiedName());
  }
  throw InvalidArgument(
      fmt::format("unknown table '{}'; the store's tables are: {}", name, Join(known, ", ")));
}

namespace {

// Tables the catalog leaves out on purpose: the change feed's logs
// (change_feed.h) are transient and the per-bot counters (overview.h) are
// derived; both are written by triggers in whichever store the rows land
// in, and not copied, backed up table by table, exported or checked.
// (SQLite names them without a schema, hence by name.)
bool IsTransientTable(std::string_view name) {
  return name == "change_log" || name == "market_change_log" || name == "bot_counters";
}

}  // namespace

std::vector<std::string> CatalogDifferences(StoreImpl& store) {
  std::vector<std::string> out;
  // (schema, table) -> columns as the database has them.
  std::vector<std::pair<std::pair<std::string, std::string>, std::vector<std::string>>> found;
  auto add_unknown = [&](sql::Connection& c, const std::string& schema, const std::string& name,
                         const std::string& qualified) {
    const std::int64_t rows = CountQualified(c, qualified);
    out.push_back(fmt::format("table {}.{} is not known to tradestore copy{}", schema, name,
                              rows == 0 ? " (empty)" : fmt::format(" ({} rows)", rows)));
  };
  if (store.dialect() == sql::Dialect::kPostgres) {
    sql::Connection& c = store.connection(Database::kTrading);
    sql::Statement& st = c.Prepare(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('trading', 'market', 'analytics', 'config', 'audit') "
        "AND table_type = 'BASE TABLE' ORDER BY table_schema, table_name");
    std::vector<std::pair<std::string, std::string>> tables;
    while (st.Step()) tables.emplace_back(st.GetText(0), st.GetText(1));
    st.Reset();
    for (const auto& [schema, name] : tables) {
      found.push_back({{schema, name},
                       StringColumn(c,
                                    "SELECT column_name FROM information_schema.columns "
                                    "WHERE table_schema = ? AND table_name = ? "
                                    "ORDER BY ordinal_position",
                                    {schema, name})});
    }
  } else {
    const Database dbs[] = {Database::kTrading, Database::kMarket, Database::kAnalytics};
    const char* schemas[] = {"trading", "market", "analytics"};
    std::set<sql::Connection*> seen;
    for (int i = 0; i < 3; ++i) {
      sql::Connection& c = store.connection(dbs[i]);
      if (!seen.insert(&c).second) continue;
      for (const std::string& name :
           StringColumn(c,
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                        "'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
                        {})) {
        // The schema is the catalog's for a known table; else the file's.
        std::string schema = schemas[i];
        for (const TableInfo& t : StoreTables()) {
          if (t.name == name && &store.connection(t.database) == &c) schema = t.schema;
        }
        found.push_back(
            {{schema, name},
             StringColumn(c, "SELECT name FROM pragma_table_info(?) ORDER BY cid", {name})});
      }
    }
  }
  for (const auto& [id, columns] : found) {
    const auto& [schema, name] = id;
    if (IsTransientTable(name)) continue;
    const TableInfo* known = nullptr;
    for (const TableInfo& t : StoreTables()) {
      if (t.schema == schema && t.name == name) known = &t;
    }
    if (known == nullptr) {
      sql::Connection& c = store.dialect() == sql::Dialect::kPostgres
                               ? store.connection(Database::kTrading)
                               : store.connection(schema == "market"      ? Database::kMarket
                                                  : schema == "analytics" ? Database::kAnalytics
                                                                          : Database::kTrading);
      add_unknown(c, schema, name,
                  store.dialect() == sql::Dialect::kPostgres ? schema + "." + name : name);
      continue;
    }
    for (const std::string& column : columns) {
      const bool in_catalog = std::any_of(known->columns.begin(), known->columns.end(),
                                          [&](const ColumnInfo& ci) { return ci.name == column; });
      if (!in_catalog) {
        out.push_back(fmt::format("column {}.{} is not known to tradestore copy",
                                  known->QualifiedName(), column));
      }
    }
    for (const ColumnInfo& ci : known->columns) {
      if (std::find(columns.begin(), columns.end(), ci.name) == columns.end()) {
        out.push_back(
            fmt::format("column {}.{} is missing from the store", known->QualifiedName(), ci.name));
      }
    }
  }
  for (const TableInfo& t : StoreTables()) {
    const bool present = std::any_of(found.begin(), found.end(), [&](const auto& f) {
      return f.first.first == t.schema && f.first.second == t.name;
    });
    if (!present)
      out.push_back(fmt::format("table {} is missing from the store", t.QualifiedName()));
  }
  return out;
}

std::vector<Row> ReadRows(StoreImpl& store, const TableInfo& table, const std::optional<Row>& after,
                          const std::optional<Row>& upto, std::int64_t limit) {
  const std::string key = KeyTuple(table);
  std::string sql = "SELECT " + ColumnList(table) + " FROM " + table.QualifiedName();
  std::vector<std::string> where;
  if (after) where.push_back(key + " > " + Placeholders(table.key.size()));
  if (upto) where.push_back(key + " <= " + Placeholders(table.key.size()));
  if (!where.empty()) sql += " WHERE " + Join(where, " AND ");
  sql += " ORDER BY " + Join(table.key, ", ") + " LIMIT ?";
  sql::Statement& st = store.connection(table.database).Prepare(sql);
  int index = 1;
  if (after) {
    for (const Value& v : *after) BindValue(st, index++, v);
  }
  if (upto) {
    for (const Value& v : *upto) BindValue(st, index++, v);
  }
  st.Bind(index, limit);
  std::vector<Row> rows;
  while (st.Step()) {
    Row row;
    row.reserve(table.columns.size());
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      row.push_back(ReadValue(st, static_cast<int>(i), table.columns[i].kind));
    }
    rows.push_back(std::move(row));
  }
  st.Reset();
  return rows;
}

Row KeyOf(const TableInfo& table, const Row& row) {
  Row key;
  for (const std::string& k : table.key) key.push_back(row[ColumnIndex(table, k)]);
  return key;
}

std::optional<Row> LastKey(StoreImpl& store, const TableInfo& table) {
  std::vector<std::string> desc;
  for (const std::string& k : table.key) desc.push_back(k + " DESC");
  sql::Statement& st =
      store.connection(table.database)
          .Prepare("SELECT " + Join(table.key, ", ") + " FROM " + table.QualifiedName() +
                   " ORDER BY " + Join(desc, ", ") + " LIMIT 1");
  std::optional<Row> key;
  if (st.Step()) {
    key.emplace();
    for (std::size_t i = 0; i < table.key.size(); ++i) {
      key->push_back(ReadValue(st, static_cast<int>(i), Column(table, table.key[i]).kind));
    }
  }
  st.Reset();
  return key;
}

std::int64_t CountRows(StoreImpl& store, const TableInfo& table) {
  return CountQualified(store.connection(table.database), table.QualifiedName());
}

void InsertRows(StoreImpl& store, const TableInfo& table, const std::vector<Row>& rows) {
  if (rows.empty()) return;
  sql::Connection& c = store.connection(table.database);
  // The bulk path: COPY on PostgreSQL, one reused statement on SQLite. A
  // plain insert (no conflict columns): a row that exists already is a
  // unique violation, which the resume rule has ruled out beforehand.
  sql::BulkUpsertSpec spec;
  spec.table = table.QualifiedName();
  for (const ColumnInfo& column : table.columns) spec.columns.push_back(column.name);
  sql::Transaction tx(c);
  std::unique_ptr<sql::BulkWriter> writer = c.BeginBulkUpsert(spec);
  for (const Row& row : rows) {
    for (const Value& v : row) {
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              writer->AddNull();
            } else {
              writer->Add(x);
            }
          },
          v);
    }
    writer->EndRow();
  }
  writer->Finish();
  tx.Commit();
}

void SyncIdentity(StoreImpl& store, const TableInfo& table) {
  if (store.dialect() != sql::Dialect::kPostgres || table.identity.empty()) return;
  sql::Statement& st =
      store.connection(table.database)
          .Prepare(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', '{1}'), "
                               "COALESCE(max({1}), 0) + 1, false) FROM {0}",
                               table.QualifiedName(), table.identity));
  while (st.Step()) {
  }
  st.Reset();
}

TableChecksum ChecksumTable(StoreImpl& store, const TableInfo& table,
                            const std::optional<Row>& upto, std::int64_t batch_rows) {
  TableChecksum result;
  std::uint64_t h = kFnvOffset;
  std::optional<Row> after;
  std::string text;
  for (;;) {
    const std::vector<Row> rows = ReadRows(store, table, after, upto, batch_rows);
    for (const Row& row : rows) {
      text.clear();
      for (const Value& v : row) Render(v, text);
      text += '\n';
      h = Fnv1a(h, text);
    }
    result.rows += static_cast<std::int64_t>(rows.size());
    if (static_cast<std::int64_t>(rows.size()) < batch_rows) break;
    after = KeyOf(table, rows.back());
  }
  result.checksum = fmt::format("{:016x}", h);
  return result;
}

std::string ValueToString(const Value& value) {
  std::string out;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out = "NULL";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out = std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          out = fmt::format("{}", x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out = "'" + x + "'";
        } else if constexpr (std::is_same_v<T, Decimal>) {
          out = x.ToString();
        } else {
          out = x.ToIso();
        }
      },
      value);
  return out;
}

}  // namespace tradestore::detail
