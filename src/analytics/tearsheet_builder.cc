// Series helpers of the tearsheet and BuildBotTearsheet: fills TearsheetData
// from a bot's recorded session.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analytics/statistics_internal.h"
#include "tradestore/error.h"
#include "tradestore/statistics.h"
#include "tradestore/store.h"
#include "tradestore/tearsheet.h"

namespace tradestore {
namespace {

// (year, month) of a UTC instant, from its ISO date "YYYY-MM-DD".
std::pair<int, int> YearMonth(Timestamp t) {
  const std::string date = t.ToDateString();
  const std::size_t dash = date.find('-', 1);  // a negative year starts with '-'
  return {std::stoi(date.substr(0, dash)), std::stoi(date.substr(dash + 1, 2))};
}

std::string Opt(const std::optional<double>& v, int decimals, bool percent = false) {
  if (!v) return "n/a";
  return percent ? fmt::format("{:.{}f} %", *v * 100.0, decimals)
                 : fmt::format("{:.{}f}", *v, decimals);
}

std::string Opt(const std::optional<Timestamp>& t) { return t ? t->ToIso() : "n/a"; }

}  // namespace

std::vector<TearsheetPoint> DrawdownSeries(std::span<const EquityPoint> equity) {
  analytics_internal::CheckEquityCurve(equity);
  std::vector<TearsheetPoint> out;
  out.reserve(equity.size());
  double peak = 0;
  for (std::size_t i = 0; i < equity.size(); ++i) {
    peak = i == 0 ? equity[i].equity : std::max(peak, equity[i].equity);
    if (peak > 0) out.push_back({equity[i].time, std::min(0.0, equity[i].equity / peak - 1.0)});
  }
  return out;
}

std::vector<MonthlyReturn> MonthlyReturns(std::span<const EquityPoint> equity) {
  const std::vector<EquityPoint> closes = DailyCloses(equity);  // checks the curve
  std::vector<MonthlyReturn> out;
  if (closes.empty()) return out;
  // The last close of each month, in order.
  std::vector<std::pair<std::pair<int, int>, double>> month_ends;
  for (const EquityPoint& c : closes) {
    const auto ym = YearMonth(c.time);
    if (!month_ends.empty() && month_ends.back().first == ym) {
      month_ends.back().second = c.equity;
    } else {
      month_ends.push_back({ym, c.equity});
    }
  }
  double base = equity.front().equity;
  for (const auto& [ym, value] : month_ends) {
    if (base > 0) out.push_back({ym.first, ym.second, value / base - 1.0});
    base = value;
  }
  return out;
}

TearsheetData BuildBotTearsheet(Store& store, BotId bot_id, const PerformanceOptions& options) {
  const Bot bot = store.bots().Get(bot_id);
  TradeFilter filter;
  filter.bot = bot.id;
  const std::vector<Trade> trades = store.trades().List(filter);
  std::vector<EquityPoint> equity;
  const std::vector<Account> accounts = store.accounts().List(bot.id);
  if (!accounts.empty()) {
    for (const PortfolioSnapshot& s : store.portfolio().Curve(bot.id, accounts.front().id)) {
      equity.push_back({s.time, s.equity.ToDouble()});
    }
  }
  const PerformanceReport r = ComputePerformance(trades, equity, options);

  TearsheetData data;
  data.title = bot.name;
  data.subtitle =
      fmt::format("{} \u00b7 {} \u00b7 {}", bot.strategy, ToString(bot.mode),
                  r.start_time ? fmt::format("{} to {}", r.start_time->ToIso(), r.end_time->ToIso())
                               : std::string("no equity curve"));
  data.equity.reserve(equity.size());
  for (const EquityPoint& p : equity) data.equity.push_back({p.time, p.equity});
  data.drawdown = DrawdownSeries(equity);
  data.monthly_returns = MonthlyReturns(equity);
  for (const Trade& t : trades) data.trade_returns.push_back(t.return_fraction());

  ReportTable perf{"Performance", {}, {}};
  perf.rows = {
      {"Period", r.start_time ? fmt::format("{} to {}", Opt(r.start_time), Opt(r.end_time))
                              : std::string("n/a")},
      {"Starting equity", Opt(r.starting_equity, 2)},
      {"Ending equity", Opt(r.ending_equity, 2)},
      {"Total return", Opt(r.total_return, 2, true)},
      {"Annualized return", Opt(r.annualized_return, 2, true)},
      {"Max drawdown", Opt(r.max_drawdown, 2)},
      {"Max drawdown %", Opt(r.max_drawdown_fraction, 2, true)},
      {"Sharpe ratio", Opt(r.sharpe_ratio, 2)},
      {"Sortino ratio", Opt(r.sortino_ratio, 2)},
      {"Daily returns",
       fmt::format("{} (annualized with {:g} per year)", r.return_count, r.periods_per_year)},
  };
  ReportTable tr{"Trades", {}, {}};
  tr.rows = {
      {"Trades",
       fmt::format("{} (long {} / short {})", r.trade_count, r.long_count, r.short_count)},
      {"Wins / losses", fmt::format("{} / {} (breakeven {})", r.wins, r.losses, r.breakeven)},
      {"Win rate", Opt(r.win_rate, 2, true)},
      {"Net profit", fmt::format("{:.2f}", r.net_profit)},
      {"Gross profit / loss", fmt::format("{:.2f} / {:.2f}", r.gross_profit, r.gross_loss)},
      {"Total fees", fmt::format("{:.2f}", r.total_fees)},
      {"Profit factor", Opt(r.profit_factor, 2)},
      {"Average win", Opt(r.average_win, 2)},
      {"Average loss", Opt(r.average_loss, 2)},
      {"Expectancy", Opt(r.expectancy, 2)},
  };
  data.tables = {perf, tr};
  if (!data.monthly_returns.empty()) {
    static constexpr std::array<const char*, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    ReportTable monthly{"Monthly returns (%)", {"Year"}, {}};
    for (const char* m : kMonths) monthly.columns.emplace_back(m);
    std::map<int, std::vector<std::string>> rows;
    for (const MonthlyReturn& m : data.monthly_returns) {
      auto& row = rows[m.year];
      if (row.empty()) row.assign(13, "");
      row[0] = fmt::format("{}", m.year);
      row[static_cast<std::size_t>(m.month)] = fmt::format("{:.2f}", m.value * 100.0);
    }
    for (auto& [year, row] : rows) monthly.rows.push_back(std::move(row));
    data.tables.push_back(std::move(monthly));
  }
  return data;
}

}  // namespace tradestore
