// Analytics views: read from PostgreSQL's materialized views
// (postgres/all/0003_analytics_views.sql), computed on read on SQLite. The
// SQLite path must give exactly the rows the views' SQL gives; keep the two
// in step.
//
// The views are the exact SQL aggregates (counts, Decimal sums); the
// statistics SQL cannot compute identically on both backends (Sharpe,
// drawdown, profit factor, as of each day) are persisted by `tradestore
// analyze` (persisted_analytics.h, src/store/persisted_analytics.cc). Where
// they overlap (trades, net P&L and equity per bot and day) they agree;
// tests/app/analyze_test.cc checks it. See docs/tearsheet.md.
#include "tradestore/analytics_views.h"

#include <chrono>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "sql/connection.h"
#include "store/query_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"

namespace tradestore {

using detail::BindParams;
namespace {

using detail::Database;

constexpr const char* kDailyView = "analytics.bot_daily_performance";
constexpr const char* kSummaryView = "analytics.portfolio_summary";

bool IsPostgres(Store& store) { return detail::ImplOf(store).dialect() == sql::Dialect::kPostgres; }

// 00:00 UTC of the day holding `t` (floor, also before 1970).
Timestamp DayStart(Timestamp t) {
  std::int64_t days = t.micros() / kMicrosPerDay;
  if (t.micros() % kMicrosPerDay < 0) --days;
  return Timestamp(days * kMicrosPerDay);
}

bool InRange(Timestamp day, const TimeRange& range) {
  return (!range.from || day >= *range.from) && (!range.to || day < *range.to);
}

// ---- PostgreSQL: the materialized views ------------------------------------

// Whether a view of the analytics schema holds data (was ever refreshed).
bool IsPopulated(sql::Connection& c, std::string_view qualified_view) {
  const std::string_view name = qualified_view.substr(qualified_view.find('.') + 1);
  sql::Statement& st = c.Prepare(
      "SELECT ispopulated::int FROM pg_catalog.pg_matviews "
      "WHERE schemaname = 'analytics' AND matviewname = ?");
  BindParams(st, name);
  if (!st.Step()) {
    st.Reset();
    throw Error(ErrorKind::kInternal, std::string("the materialized view ") +
                                          std::string(qualified_view) +
                                          " does not exist: the store's migrations are incomplete");
  }
  const bool populated = st.GetBool(0);
  st.Reset();
  return populated;
}

void RequirePopulated(sql::Connection& c, const char* view) {
  if (!IsPopulated(c, view)) {
    throw Error(ErrorKind::kConflict,
                std::string("the materialized view ") + view +
                    " was never refreshed; run `tradestore refresh-views` (RefreshViews()) first");
  }
}

std::vector<BotDailyPerformance> DailyFromView(Store& store, std::optional<BotId> bot,
                                               const TimeRange& range) {
  sql::Connection& c = detail::ImplOf(store).connection(Database::kAnalytics);
  RequirePopulated(c, kDailyView);
  const std::string day_start = "(day::timestamp AT TIME ZONE 'UTC')";
  sql::Statement& st = c.Prepare(
      "SELECT bot_id, " + day_start +
      ", trades_closed, wins, losses, gross_pnl, fees, net_pnl, ending_equity "
      "FROM analytics.bot_daily_performance WHERE " +
      (bot ? "bot_id = ?" : "TRUE") + detail::RangeSql(day_start, range) + " ORDER BY bot_id, day");
  int index = 1;
  if (bot) st.Bind(index++, *bot);
  detail::BindRange(st, index, range);
  std::vector<BotDailyPerformance> out;
  while (st.Step()) {
    BotDailyPerformance row;
    row.bot_id = st.GetInt64(0);
    row.day = st.GetTimestamp(1);
    row.trades_closed = st.GetInt64(2);
    row.wins = st.GetInt64(3);
    row.losses = st.GetInt64(4);
    row.gross_pnl = st.GetDecimal(5);
    row.fees = st.GetDecimal(6);
    row.net_pnl = st.GetDecimal(7);
    row.ending_equity = st.GetOptionalDecimal(8);
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<PortfolioSummaryRow> SummaryFromView(Store& store) {
  sql::Connection& c = detail::ImplOf(store).connection(Database::kAnalytics);
  RequirePopulated(c, kSummaryView);
  sql::Statement& st = c.Prepare(
      "SELECT bot_id, name, mode, latest_equity, cash, open_positions, closed_trades, wins, "
      "losses, net_pnl, win_rate FROM analytics.portfolio_summary ORDER BY bot_id");
  std::vector<PortfolioSummaryRow> out;
  while (st.Step()) {
    PortfolioSummaryRow row;
    row.bot_id = st.GetInt64(0);
    row.name = st.GetText(1);
    row.mode = st.GetText(2);
    row.latest_equity = st.GetOptionalDecimal(3);
    row.cash = st.GetOptionalDecimal(4);
    row.open_positions = st.GetInt64(5);
    row.closed_trades = st.GetInt64(6);
    row.wins = st.GetInt64(7);
    row.losses = st.GetInt64(8);
    row.net_pnl = st.GetDecimal(9);
    row.win_rate = st.GetOptionalDouble(10);
    out.push_back(std::move(row));
  }
  return out;
}

// ---- SQLite: computed on read ----------------------------------------------
// SQLite has no exact NUMERIC: the decimals are read as TEXT and summed with
// Decimal in C++, never with SQL SUM.

std::vector<BotDailyPerformance> DailyOnRead(Store& store, std::optional<BotId> bot,
                                             const TimeRange& range) {
  sql::Connection& c = detail::ImplOf(store).connection(Database::kTrading);
  std::map<std::pair<BotId, Timestamp>, BotDailyPerformance> days;
  auto day_row = [&days](BotId bot_id, Timestamp day) -> BotDailyPerformance& {
    BotDailyPerformance& row = days[{bot_id, day}];
    row.bot_id = bot_id;
    row.day = day;
    return row;
  };
  const std::string bot_filter = bot ? " AND b.id = ?" : "";

  sql::Statement& trades = c.Prepare(
      "SELECT t.bot_id, t.exit_time, t.gross_pnl, t.fees, t.net_pnl FROM trading.trades t "
      "JOIN trading.bots b ON b.id = t.bot_id WHERE t.is_test = 0 AND b.is_test = 0" +
      bot_filter);
  if (bot) trades.Bind(1, *bot);
  while (trades.Step()) {
    const Timestamp day = DayStart(trades.GetTimestamp(1));
    if (!InRange(day, range)) continue;
    BotDailyPerformance& row = day_row(trades.GetInt64(0), day);
    const Decimal net = trades.GetDecimal(4);
    ++row.trades_closed;
    if (net.IsPositive()) ++row.wins;
    if (net.IsNegative()) ++row.losses;
    row.gross_pnl += trades.GetDecimal(2);
    row.fees += trades.GetDecimal(3);
    row.net_pnl += net;
  }

  // (bot, day, account) -> equity of the last snapshot of the day; rows come
  // oldest first, so the last one written wins.
  std::map<std::tuple<BotId, Timestamp, std::int64_t>, Decimal> last;
  sql::Statement& snapshots = c.Prepare(
      "SELECT s.bot_id, s.account_id, s.time, s.equity FROM trading.portfolio_snapshots s "
      "JOIN trading.bots b ON b.id = s.bot_id WHERE b.is_test = 0" +
      bot_filter + " ORDER BY s.bot_id, s.account_id, s.time");
  if (bot) snapshots.Bind(1, *bot);
  while (snapshots.Step()) {
    const Timestamp day = DayStart(snapshots.GetTimestamp(2));
    if (!InRange(day, range)) continue;
    last[{snapshots.GetInt64(0), day, snapshots.GetInt64(1)}] = snapshots.GetDecimal(3);
  }
  for (const auto& [key, equity] : last) {
    BotDailyPerformance& row = day_row(std::get<0>(key), std::get<1>(key));
    row.ending_equity = row.ending_equity.value_or(Decimal()) + equity;
  }

  std::vector<BotDailyPerformance> out;
  out.reserve(days.size());
  for (auto& [key, row] : days) out.push_back(std::move(row));
  return out;
}

std::vector<PortfolioSummaryRow> SummaryOnRead(Store& store) {
  sql::Connection& c = detail::ImplOf(store).connection(Database::kTrading);
  std::map<BotId, PortfolioSummaryRow> bots;
  sql::Statement& list =
      c.Prepare("SELECT id, name, mode FROM trading.bots WHERE is_test = 0 ORDER BY id");
  while (list.Step()) {
    PortfolioSummaryRow& row = bots[list.GetInt64(0)];
    row.bot_id = list.GetInt64(0);
    row.name = list.GetText(1);
    row.mode = list.GetText(2);
  }
  auto find = [&bots](BotId id) -> PortfolioSummaryRow* {
    auto it = bots.find(id);
    return it == bots.end() ? nullptr : &it->second;
  };

  // Each account's latest snapshot (the primary key makes it unique).
  sql::Statement& latest = c.Prepare(
      "SELECT s.bot_id, s.equity, s.cash FROM trading.portfolio_snapshots s "
      "WHERE s.time = (SELECT MAX(x.time) FROM trading.portfolio_snapshots x "
      "WHERE x.bot_id = s.bot_id AND x.account_id = s.account_id)");
  while (latest.Step()) {
    PortfolioSummaryRow* row = find(latest.GetInt64(0));
    if (row == nullptr) continue;
    row->latest_equity = row->latest_equity.value_or(Decimal()) + latest.GetDecimal(1);
    row->cash = row->cash.value_or(Decimal()) + latest.GetDecimal(2);
  }

  sql::Statement& positions = c.Prepare("SELECT bot_id, quantity FROM trading.positions");
  while (positions.Step()) {
    PortfolioSummaryRow* row = find(positions.GetInt64(0));
    if (row != nullptr && !positions.GetDecimal(1).IsZero()) ++row->open_positions;
  }

  sql::Statement& trades =
      c.Prepare("SELECT bot_id, net_pnl FROM trading.trades WHERE is_test = 0");
  while (trades.Step()) {
    PortfolioSummaryRow* row = find(trades.GetInt64(0));
    if (row == nullptr) continue;
    const Decimal net = trades.GetDecimal(1);
    ++row->closed_trades;
    if (net.IsPositive()) ++row->wins;
    if (net.IsNegative()) ++row->losses;
    row->net_pnl += net;
  }

  std::vector<PortfolioSummaryRow> out;
  out.reserve(bots.size());
  for (auto& [id, row] : bots) {
    // The same double division as the view's wins::double precision / count.
    if (row.closed_trades > 0) {
      row.win_rate = static_cast<double>(row.wins) / static_cast<double>(row.closed_trades);
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

std::vector<BotDailyPerformance> DailyPerformance(Store& store, std::optional<BotId> bot,
                                                  const TimeRange& range) {
  return IsPostgres(store) ? DailyFromView(store, bot, range) : DailyOnRead(store, bot, range);
}

std::vector<PortfolioSummaryRow> PortfolioSummary(Store& store) {
  return IsPostgres(store) ? SummaryFromView(store) : SummaryOnRead(store);
}

PortfolioSummaryRow PortfolioTotal(const std::vector<PortfolioSummaryRow>& rows) {
  PortfolioSummaryRow total;
  total.name = "(all bots)";
  for (const PortfolioSummaryRow& row : rows) {
    if (row.latest_equity) {
      total.latest_equity = total.latest_equity.value_or(Decimal()) + *row.latest_equity;
    }
    if (row.cash) total.cash = total.cash.value_or(Decimal()) + *row.cash;
    total.open_positions += row.open_positions;
    total.closed_trades += row.closed_trades;
    total.wins += row.wins;
    total.losses += row.losses;
    total.net_pnl += row.net_pnl;
  }
  if (total.closed_trades > 0) {
    total.win_rate = static_cast<double>(total.wins) / static_cast<double>(total.closed_trades);
  }
  return total;
}

bool RefreshViews(Store& store, std::vector<ViewRefresh>* refreshed) {
  if (!IsPostgres(store)) return false;
  sql::Connection& c = detail::ImplOf(store).connection(Database::kAnalytics);
  for (const char* view : {kDailyView, kSummaryView}) {
    ViewRefresh done;
    done.view = view;
    // CONCURRENTLY needs a populated view; the first refresh is plain (it
    // locks readers out, but there is nothing to read yet).
    done.concurrently = IsPopulated(c, view);
    const auto start = std::chrono::steady_clock::now();
    c.ExecuteScript(std::string("REFRESH MATERIALIZED VIEW ") +
                    (done.concurrently ? "CONCURRENTLY " : "") + view);
    done.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (refreshed != nullptr) refreshed->push_back(std::move(done));
  }
  return true;
}

}  // namespace tradestore
