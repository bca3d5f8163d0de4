// The HTML tearsheet: one self-contained HTML file showing a bot's
// performance (equity curve, underwater chart, monthly returns heat map,
// histograms of trade returns and R-multiples, statistics tables).
//
// The file works offline: no scripts at all, no external fonts, images or
// stylesheets; the charts are inline SVG generated here. Every piece of text
// taken from the data (title, subtitle, table titles and cells) is HTML
// escaped, so a strategy or bot name cannot inject markup. A chart whose
// series is empty is replaced by a "no data" panel that says what is
// missing.
//
// Thread safety: all functions are pure except WriteTearsheet (which writes
// one file) and BuildBotTearsheet (which reads the store it is given); they
// may be called concurrently on different arguments.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/performance_report.h"
#include "tradestore/performance_report_input.h"
#include "tradestore/report_table.h"
#include "tradestore/statistic_functions.h"
#include "tradestore/timestamp.h"

namespace tradestore {

class Store;

// One point of a time series on a chart.
struct TearsheetPoint {
  Timestamp time;
  double value = 0.0;
};

struct TearsheetData {
  std::string title;     // e.g. the bot's name; shown as the page heading
  std::string subtitle;  // e.g. strategy, mode and period; may be empty
  // Account value over time, sorted by time (equal times allowed), in the
  // account's currency.
  std::vector<TearsheetPoint> equity;
  // Drawdown from the running peak as a fraction <= 0 (-0.2 = 20 % below the
  // peak), sorted by time.
  std::vector<TearsheetPoint> drawdown;
  // Monthly returns (performance_report.h), any order; at most one per
  // (year, month).
  std::vector<MonthlyReturn> monthly_returns;
  // Net return of each closed trade, a fraction of its entry notional.
  std::vector<double> trade_returns;
  // R-multiple of each closed trade (net P&L / initial risk); empty when the
  // trades carry no initial risk.
  std::vector<double> r_multiples;
  // Statistics tables, shown in this order below the charts.
  std::vector<ReportTable> tables;
};

// Renders `data` as one complete HTML document (UTF-8). Long series are
// reduced for drawing (min and max of each of ~1000 time buckets are kept,
// so no peak or trough is lost).
//
// Throws Error(kInvalidArgument) naming the series, index and value for: a
// non-finite value in any series, an equity or drawdown series out of time
// order, a drawdown > 0, a month outside 1..12, or a (year, month) given
// twice.
std::string RenderTearsheet(const TearsheetData& data);

// Renders `data` and writes it to `path` atomically: the document goes to a
// temporary file in the same directory, which is flushed and renamed over
// `path`, so readers see the old file or the whole new one, never a part.
// Throws what RenderTearsheet throws (and writes nothing), or
// Error(kStorage) naming the path when the file cannot be written (the
// temporary file is removed).
void WriteTearsheet(const TearsheetData& data, const std::string& path);

// HTML-escapes `text` for element content and attribute values: & < > " '
// become entities. Exposed for tests and for callers that build markup.
std::string HtmlEscape(std::string_view text);

// ---------------------------------------------------------------------------
// Builders (read the store only through performance_report_input.h).

// Fills a TearsheetData from a loaded selection and its statistics:
// title = in.title; subtitle = the period of the equity curve; equity =
// in.equity; drawdown = UnderwaterCurve(in.equity); monthly returns =
// stats.equity.monthly_returns; trade returns = Trade::return_fraction() of
// in.trades; R-multiples = the samples' r_multiple where known (trades with
// an initial stop or risk amount); tables = BuildReportTables(stats). Pure.
TearsheetData BuildTearsheet(const StatisticsInput& in, const StatisticsReport& stats);

// LoadStatisticsInput(store, {bot name}) + ComputeStatistics(options) +
// BuildTearsheet: the tearsheet of one bot's whole session. Throws
// Error(kNotFound) for an unknown bot and what LoadStatisticsInput and
// ComputeStatistics throw.
TearsheetData BuildBotTearsheet(Store& store, BotId bot, const StatisticsOptions& options = {});

}  // namespace tradestore
