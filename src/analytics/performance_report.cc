// The whole suite: ComputeStatistics, the report tables, their text and CSV
// forms, and the JSON object.
#include "tradestore/performance_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/statistics_internal.h"
#include "tradestore/error.h"

namespace tradestore {

namespace {

bool SortedByExit(std::span<const TradeSample> trades) {
  for (std::size_t i = 1; i < trades.size(); ++i) {
    if (trades[i].exit_time < trades[i - 1].exit_time) return false;
  }
  return true;
}

}  // namespace

StatisticsReport ComputeStatistics(std::span<const TradeSample> trades,
                                   std::span<const EquityPoint> equity,
                                   std::span<const LedgerEntry> ledger,
                                   const StatisticsOptions& options) {
  analytics_internal::CheckPeriodsPerYear(options.periods_per_year);
  // Exit order once, so the windows below are plain sub-spans.
  std::vector<TradeSample> sorted_copy;
  std::span<const TradeSample> sorted = trades;
  if (!SortedByExit(trades)) {
    sorted_copy.assign(trades.begin(), trades.end());
    std::stable_sort(
        sorted_copy.begin(), sorted_copy.end(),
        [](const TradeSample& a, const TradeSample& b) { return a.exit_time < b.exit_time; });
    sorted = sorted_copy;
  }
  StatisticsReport report;
  // The totals and the 7 breakdowns in one pass.
  report.breakdowns = analytics_internal::SummarizeWithBreakdowns(sorted, report.trades);
  report.equity = SummarizeEquity(equity, options.periods_per_year);
  report.ledger = SummarizeLedger(ledger);

  if (options.rolling_trades > 0) {
    const std::size_t n = std::min(options.rolling_trades, sorted.size());
    RollingWindow w;
    w.label = fmt::format("last {} trades", options.rolling_trades);
    w.trades = SummarizeTrades(sorted.subspan(sorted.size() - n));
    report.rolling.push_back(std::move(w));
  }
  if (options.rolling_days > 0) {
    std::optional<Timestamp> end;
    if (!sorted.empty()) end = sorted.back().exit_time;
    if (!equity.empty() && (!end || equity.back().time > *end)) end = equity.back().time;
    RollingWindow w;
    w.label = fmt::format("last {} days", options.rolling_days);
    if (end) {
      const Timestamp cutoff = *end - static_cast<Micros>(options.rolling_days) * kMicrosPerDay;
      const auto first_trade =
          std::lower_bound(sorted.begin(), sorted.end(), cutoff,
                           [](const TradeSample& t, Timestamp c) { return t.exit_time < c; });
      w.trades = SummarizeTrades(std::span<const TradeSample>(first_trade, sorted.end()));
      // The curve from its last point at or before the cutoff (the window's
      // starting capital).
      auto first_point =
          std::upper_bound(equity.begin(), equity.end(), cutoff,
                           [](Timestamp c, const EquityPoint& p) { return c < p.time; });
      if (first_point != equity.begin()) --first_point;
      w.equity = SummarizeEquity(std::span<const EquityPoint>(first_point, equity.end()),
                                 options.periods_per_year);
    } else {
      w.equity = SummarizeEquity({}, options.periods_per_year);
    }
    report.rolling.push_back(std::move(w));
  }
  return report;
}

// ---------------------------------------------------------------------------
// Tables.

namespace {

constexpr std::string_view kNa = "n/a";

std::string Money(double v) { return fmt::format("{:.2f}", v); }
std::string Money(const std::optional<double>& v) { return v ? Money(*v) : std::string(kNa); }
std::string Ratio(const std::optional<double>& v, int decimals = 2) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : std::string(kNa);
}
std::string Percent(const std::optional<double>& v) {
  return v ? fmt::format("{:.2f} %", *v * 100.0) : std::string(kNa);
}
std::string Time(const std::optional<Timestamp>& t) { return t ? t->ToIso() : std::string(kNa); }
std::string Seconds(const std::optional<double>& s) {
  if (!s) return std::string(kNa);
  if (std::abs(*s) >= 86400.0) return fmt::format("{:.2f} d", *s / 86400.0);
  return fmt::format("{:.2f} h", *s / 3600.0);
}
std::string MonthLabel(const MonthlyReturn& m) { return fmt::format("{}-{:02}", m.year, m.month); }

ReportTable NameValue(std::string title) {
  ReportTable t;
  t.title = std::move(title);
  t.columns = {"Statistic", "Value"};
  return t;
}
void Row(ReportTable& t, std::string name, std::string value) {
  t.rows.push_back({std::move(name), std::move(value)});
}

void TradeRows(ReportTable& t, const TradeSummary& s) {
  Row(t, "Trades",
      fmt::format("{} (long {} / short {})", s.trade_count, s.long_count, s.short_count));
  Row(t, "Wins / losses / breakeven", fmt::format("{} / {} / {}", s.wins, s.losses, s.breakeven));
  Row(t, "Win rate", Percent(s.win_rate));
  Row(t, "Win rate, 95 % lower bound (Wilson)", Percent(s.win_rate_lower_bound));
  Row(t, "Gross profit", Money(s.gross_profit));
  Row(t, "Gross loss", Money(s.gross_loss));
  Row(t, "Net profit", Money(s.net_profit));
  Row(t, "Profit factor", Ratio(s.profit_factor));
  Row(t, "Average win", Money(s.average_win));
  Row(t, "Average loss", Money(s.average_loss));
  Row(t, "Payoff ratio", Ratio(s.payoff_ratio));
  Row(t, "Expectancy per trade", Money(s.expectancy));
  Row(t, "Largest win", Money(s.largest_win));
  Row(t, "Largest loss", Money(s.largest_loss));
  Row(t, "Longest win / loss streak",
      fmt::format("{} / {}", s.longest_win_streak, s.longest_loss_streak));
  Row(t, "Average holding time", Seconds(s.average_holding_seconds));
  Row(t, "Average holding time, winners", Seconds(s.average_winner_holding_seconds));
  Row(t, "Average holding time, losers", Seconds(s.average_loser_holding_seconds));
  Row(t, "Total fees", Money(s.total_fees));
  Row(t, "Fees, % of gross profit", Percent(s.fees_fraction_of_gross_profit));
  Row(t, "Trades per day", Ratio(s.trades_per_day));
  Row(t, "Kelly fraction", Percent(s.kelly_fraction));
}

void RRows(ReportTable& t, const TradeSummary& s) {
  Row(t, "Trades with R", fmt::format("{} of {}", s.r_count, s.trade_count));
  Row(t, "Expectancy (R)", Ratio(s.expectancy_r, 3));
  Row(t, "SQN", Ratio(s.sqn));
  Row(t, "Average MAE (price)", Ratio(s.average_mae, 4));
  Row(t, "Average MFE (price)", Ratio(s.average_mfe, 4));
  Row(t,
      s.edge_ratio_by_atr ? "Edge ratio (ATR normalized)" : "Edge ratio (entry-price normalized)",
      Ratio(s.edge_ratio));
  Row(t, "Average MAE (R)", Ratio(s.average_mae_r, 3));
  Row(t, "Average MFE (R)", Ratio(s.average_mfe_r, 3));
  Row(t, "Edge ratio (R)", Ratio(s.edge_ratio_r));
}

void EquityRows(ReportTable& t, const EquitySummary& e) {
  Row(t, "Period",
      e.start_time ? fmt::format("{} to {}", Time(e.start_time), Time(e.end_time))
                   : std::string(kNa));
  Row(t, "Starting equity", Money(e.starting_equity));
  Row(t, "Ending equity", Money(e.ending_equity));
  Row(t, "Total return", Percent(e.total_return));
  Row(t, "CAGR", Percent(e.cagr));
  Row(t, "Daily returns",
      fmt::format("{} (periods per year {:g})", e.return_count, e.periods_per_year));
  Row(t, "Annualized volatility", Percent(e.annualized_volatility));
  Row(t, "Sharpe ratio", Ratio(e.sharpe_ratio));
  Row(t, "Sortino ratio", Ratio(e.sortino_ratio));
  Row(t, "Calmar ratio", Ratio(e.calmar_ratio));
  Row(t, "Omega ratio", Ratio(e.omega_ratio));
  Row(t, "Recovery factor", Ratio(e.recovery_factor));
}

void DrawdownRows(ReportTable& t, const EquitySummary& e) {
  const std::optional<Drawdown>& d = e.max_drawdown;
  Row(t, "Max drawdown", d ? Money(d->max_drawdown) : std::string(kNa));
  Row(t, "Max drawdown %", d ? Percent(d->max_drawdown_fraction) : std::string(kNa));
  Row(t, "Drawdown start (peak)", d ? Time(d->peak_time) : std::string(kNa));
  Row(t, "Drawdown trough", d ? Time(d->trough_time) : std::string(kNa));
  Row(t, "Drawdown recovery",
      !d                 ? std::string(kNa)
      : d->recovery_time ? Time(d->recovery_time)
      : d->trough_time   ? std::string("not recovered")
                         : std::string(kNa));
  Row(t, "Longest time under water",
      e.longest_underwater
          ? fmt::format("{:.2f} d{}", static_cast<double>(*e.longest_underwater) / kMicrosPerDay,
                        e.longest_underwater_start
                            ? fmt::format(" (from {})", e.longest_underwater_start->ToIso())
                            : std::string())
          : std::string(kNa));
  Row(t, "Ulcer index", Percent(e.ulcer_index));
}

void DistributionRows(ReportTable& t, const EquitySummary& e) {
  Row(t, "VaR 95 % (historical, daily)", Percent(e.var_95));
  Row(t, "CVaR 95 % (historical, daily)", Percent(e.cvar_95));
  Row(t, "Tail ratio", Ratio(e.tail_ratio));
  Row(t, "Skewness", Ratio(e.skewness, 3));
  Row(t, "Excess kurtosis", Ratio(e.excess_kurtosis, 3));
  const auto day = [](const std::optional<DatedReturn>& d) {
    return d ? fmt::format("{} ({})", Percent(d->value), d->date.ToDateString()) : std::string(kNa);
  };
  const auto month = [](const std::optional<MonthlyReturn>& m) {
    return m ? fmt::format("{} ({})", Percent(m->value), MonthLabel(*m)) : std::string(kNa);
  };
  Row(t, "Best day", day(e.best_day));
  Row(t, "Worst day", day(e.worst_day));
  Row(t, "Best month", month(e.best_month));
  Row(t, "Worst month", month(e.worst_month));
  Row(t, "Positive days", Percent(e.positive_days_fraction));
}

ReportTable MonthlyTable(const std::vector<MonthlyReturn>& months) {
  ReportTable t;
  t.title = "Monthly returns (%)";
  t.columns = {"Year", "Jan", "Feb", "Mar", "Apr", "May", "Jun",
               "Jul",  "Aug", "Sep", "Oct", "Nov", "Dec", "Year"};
  std::size_t i = 0;
  while (i < months.size()) {
    const int year = months[i].year;
    std::vector<std::string> row(14, "");
    row[0] = std::to_string(year);
    double compounded = 1.0;
    for (; i < months.size() && months[i].year == year; ++i) {
      row[months[i].month] = fmt::format("{:.2f}", months[i].value * 100.0);
      compounded *= 1.0 + months[i].value;
    }
    row[13] = fmt::format("{:.2f}", (compounded - 1.0) * 100.0);
    t.rows.push_back(std::move(row));
  }
  return t;
}

ReportTable BreakdownTable(const Breakdown& b) {
  ReportTable t;
  t.title = fmt::format(
      "By {}{}", ToString(b.by),
      b.by == BreakdownKey::kWeekday || b.by == BreakdownKey::kHour ? " of exit (UTC)" : "");
  t.columns = {std::string(ToString(b.by)),
               "Trades",
               "Win rate",
               "Net profit",
               "Profit factor",
               "Expectancy",
               "Expectancy (R)",
               "Avg holding"};
  for (const BreakdownRow& r : b.rows) {
    const TradeSummary& s = r.summary;
    t.rows.push_back({r.key, std::to_string(s.trade_count), Percent(s.win_rate),
                      Money(s.net_profit), Ratio(s.profit_factor), Money(s.expectancy),
                      Ratio(s.expectancy_r, 3), Seconds(s.average_holding_seconds)});
  }
  return t;
}

}  // namespace

std::vector<ReportTable> BuildReportTables(const StatisticsReport& report) {
  std::vector<ReportTable> tables;
  ReportTable trades = NameValue("Trades");
  TradeRows(trades, report.trades);
  tables.push_back(std::move(trades));
  ReportTable r = NameValue("R-multiples and excursions");
  RRows(r, report.trades);
  tables.push_back(std::move(r));
  ReportTable equity = NameValue("Equity");
  EquityRows(equity, report.equity);
  tables.push_back(std::move(equity));
  ReportTable drawdown = NameValue("Drawdown");
  DrawdownRows(drawdown, report.equity);
  tables.push_back(std::move(drawdown));
  ReportTable dist = NameValue("Distribution of daily returns");
  DistributionRows(dist, report.equity);
  tables.push_back(std::move(dist));
  if (!report.equity.monthly_returns.empty()) {
    tables.push_back(MonthlyTable(report.equity.monthly_returns));
  }
  if (!report.ledger.empty()) {
    ReportTable ledger;
    ledger.title = "Ledger";
    ledger.columns = {"Currency", "Type", "Entries", "Amount"};
    for (const LedgerSum& s : report.ledger) {
      ledger.rows.push_back({s.currency, std::string(ToString(s.type)), std::to_string(s.count),
                             s.amount.ToString()});
    }
    tables.push_back(std::move(ledger));
  }
  for (const Breakdown& b : report.breakdowns) {
    if (!b.rows.empty()) tables.push_back(BreakdownTable(b));
  }
  for (const RollingWindow& w : report.rolling) {
    ReportTable t = NameValue(fmt::format("Rolling: {}", w.label));
    TradeRows(t, w.trades);
    if (w.equity) {
      EquityRows(t, *w.equity);
      DrawdownRows(t, *w.equity);
    }
    tables.push_back(std::move(t));
  }
  return tables;
}

std::string FormatTables(const std::vector<ReportTable>& tables) {
  std::string out;
  for (std::size_t k = 0; k < tables.size(); ++k) {
    const ReportTable& t = tables[k];
    if (k > 0) out += '\n';
    out += t.title;
    out += '\n';
    std::size_t ncols = t.columns.size();
    for (const auto& row : t.rows) ncols = std::max(ncols, row.size());
    std::vector<std::size_t> width(ncols, 0);
    const auto measure = [&](const std::vector<std::string>& cells) {
      for (std::size_t c = 0; c < cells.size(); ++c) width[c] = std::max(width[c], cells[c].size());
    };
    measure(t.columns);
    for (const auto& row : t.rows) measure(row);
    const auto line = [&](const std::vector<std::string>& cells) {
      std::string text;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        if (c > 0) text += "  ";
        // First column left-aligned (names), the others right-aligned.
        text += c == 0 ? fmt::format("{:<{}}", cells[c], width[c])
                       : fmt::format("{:>{}}", cells[c], width[c]);
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out += text;
      out += '\n';
    };
    if (!t.columns.empty()) line(t.columns);
    for (const auto& row : t.rows) line(row);
  }
  return out;
}

namespace {

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

void CsvLine(std::string& out, std::string_view first, const std::vector<std::string>& cells) {
  out += CsvField(first);
  for (const std::string& c : cells) {
    out += ',';
    out += CsvField(c);
  }
  out += "\r\n";
}

}  // namespace

std::string TablesToCsv(const std::vector<ReportTable>& tables) {
  std::string out;
  for (const ReportTable& t : tables) {
    CsvLine(out, "table", t.columns);
    for (const auto& row : t.rows) CsvLine(out, t.title, row);
  }
  return out;
}

// ---------------------------------------------------------------------------
// JSON.

namespace {

using Json = nlohmann::ordered_json;

Json J(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }
Json J(const std::optional<Timestamp>& v) { return v ? Json(v->ToIso()) : Json(nullptr); }

Json TradeJson(const TradeSummary& s) {
  Json j;
  j["trade_count"] = s.trade_count;
  j["long_count"] = s.long_count;
  j["short_count"] = s.short_count;
  j["wins"] = s.wins;
  j["losses"] = s.losses;
  j["breakeven"] = s.breakeven;
  j["win_rate"] = J(s.win_rate);
  j["win_rate_lower_bound"] = J(s.win_rate_lower_bound);
  j["gross_profit"] = s.gross_profit;
  j["gross_loss"] = s.gross_loss;
  j["net_profit"] = s.net_profit;
  j["profit_factor"] = J(s.profit_factor);
  j["average_win"] = J(s.average_win);
  j["average_loss"] = J(s.average_loss);
  j["payoff_ratio"] = J(s.payoff_ratio);
  j["expectancy"] = J(s.expectancy);
  j["largest_win"] = J(s.largest_win);
  j["largest_loss"] = J(s.largest_loss);
  j["longest_win_streak"] = s.longest_win_streak;
  j["longest_loss_streak"] = s.longest_loss_streak;
  j["average_holding_seconds"] = J(s.average_holding_seconds);
  j["average_winner_holding_seconds"] = J(s.average_winner_holding_seconds);
  j["average_loser_holding_seconds"] = J(s.average_loser_holding_seconds);
  j["average_mae"] = J(s.average_mae);
  j["average_mfe"] = J(s.average_mfe);
  j["edge_ratio"] = J(s.edge_ratio);
  j["edge_ratio_normalizer"] = s.edge_ratio_by_atr ? "atr" : "entry_price";
  j["r_count"] = s.r_count;
  j["expectancy_r"] = J(s.expectancy_r);
  j["sqn"] = J(s.sqn);
  j["average_mae_r"] = J(s.average_mae_r);
  j["average_mfe_r"] = J(s.average_mfe_r);
  j["edge_ratio_r"] = J(s.edge_ratio_r);
  j["total_fees"] = s.total_fees;
  j["fees_fraction_of_gross_profit"] = J(s.fees_fraction_of_gross_profit);
  j["trades_per_day"] = J(s.trades_per_day);
  j["kelly_fraction"] = J(s.kelly_fraction);
  j["first_entry"] = J(s.first_entry);
  j["last_exit"] = J(s.last_exit);
  return j;
}

Json MonthJson(const MonthlyReturn& m) {
  Json j;
  j["year"] = m.year;
  j["month"] = m.month;
  j["return"] = m.value;
  return j;
}

Json EquityJson(const EquitySummary& e) {
  Json j;
  j["start_time"] = J(e.start_time);
  j["end_time"] = J(e.end_time);
  j["starting_equity"] = J(e.starting_equity);
  j["ending_equity"] = J(e.ending_equity);
  j["total_return"] = J(e.total_return);
  j["cagr"] = J(e.cagr);
  j["return_count"] = e.return_count;
  j["periods_per_year"] = e.periods_per_year;
  j["annualized_volatility"] = J(e.annualized_volatility);
  j["sharpe_ratio"] = J(e.sharpe_ratio);
  j["sortino_ratio"] = J(e.sortino_ratio);
  j["calmar_ratio"] = J(e.calmar_ratio);
  const std::optional<Drawdown>& d = e.max_drawdown;
  j["max_drawdown"] = d ? Json(d->max_drawdown) : Json(nullptr);
  j["max_drawdown_fraction"] = d ? J(d->max_drawdown_fraction) : Json(nullptr);
  j["drawdown_peak_time"] = d ? J(d->peak_time) : Json(nullptr);
  j["drawdown_trough_time"] = d ? J(d->trough_time) : Json(nullptr);
  j["drawdown_recovery_time"] = d ? J(d->recovery_time) : Json(nullptr);
  j["longest_underwater_days"] =
      e.longest_underwater
          ? Json(static_cast<double>(*e.longest_underwater) / static_cast<double>(kMicrosPerDay))
          : Json(nullptr);
  j["longest_underwater_start"] = J(e.longest_underwater_start);
  j["recovery_factor"] = J(e.recovery_factor);
  j["ulcer_index"] = J(e.ulcer_index);
  j["omega_ratio"] = J(e.omega_ratio);
  j["tail_ratio"] = J(e.tail_ratio);
  j["var_95"] = J(e.var_95);
  j["cvar_95"] = J(e.cvar_95);
  j["skewness"] = J(e.skewness);
  j["excess_kurtosis"] = J(e.excess_kurtosis);
  const auto day = [](const std::optional<DatedReturn>& r) {
    if (!r) return Json(nullptr);
    Json x;
    x["date"] = r->date.ToDateString();
    x["return"] = r->value;
    return x;
  };
  j["best_day"] = day(e.best_day);
  j["worst_day"] = day(e.worst_day);
  j["best_month"] = e.best_month ? MonthJson(*e.best_month) : Json(nullptr);
  j["worst_month"] = e.worst_month ? MonthJson(*e.worst_month) : Json(nullptr);
  j["positive_days_fraction"] = J(e.positive_days_fraction);
  Json months = Json::array();
  for (const MonthlyReturn& m : e.monthly_returns) months.push_back(MonthJson(m));
  j["monthly_returns"] = std::move(months);
  j["returns_defined"] = e.returns_defined;
  return j;
}

}  // namespace

std::string StatisticsToJson(const StatisticsReport& report, int indent) {
  Json j;
  j["trades"] = TradeJson(report.trades);
  j["equity"] = EquityJson(report.equity);
  Json ledger = Json::array();
  for (const LedgerSum& s : report.ledger) {
    Json x;
    x["currency"] = s.currency;
    x["type"] = std::string(ToString(s.type));
    x["count"] = s.count;
    x["amount"] = s.amount.ToString();
    ledger.push_back(std::move(x));
  }
  j["ledger"] = std::move(ledger);
  Json breakdowns = Json::object();
  for (const Breakdown& b : report.breakdowns) {
    Json rows = Json::array();
    for (const BreakdownRow& r : b.rows) {
      Json x = TradeJson(r.summary);
      x["key"] = r.key;
      rows.push_back(std::move(x));
    }
    breakdowns[std::string(ToString(b.by))] = std::move(rows);
  }
  j["breakdowns"] = std::move(breakdowns);
  Json rolling = Json::array();
  for (const RollingWindow& w : report.rolling) {
    Json x;
    x["window"] = w.label;
    x["trades"] = TradeJson(w.trades);
    x["equity"] = w.equity ? EquityJson(*w.equity) : Json(nullptr);
    rolling.push_back(std::move(x));
  }
  j["rolling"] = std::move(rolling);
  return j.dump(indent < 0 ? -1 : indent);
}

}  // namespace tradestore
