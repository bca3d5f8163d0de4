// The HTML tearsheet: RenderTearsheet, WriteTearsheet, HtmlEscape.
// Charts are inline SVG built from strings; no scripts, no external assets.
#include "tradestore/tearsheet.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tradestore/error.h"

namespace tradestore {
namespace {

// Chart colours (the screenshot test looks for them; keep in sync with
// tests/analytics/tearsheet_browser.cc).
constexpr std::string_view kEquityColor = "#1f77b4";     // blue line
constexpr std::string_view kDrawdownColor = "#d62728";   // red area
constexpr std::string_view kTradeHistColor = "#ff7f0e";  // orange bars
constexpr std::string_view kRHistColor = "#9467bd";      // purple bars
constexpr std::string_view kGridColor = "#e5e5e5";
constexpr std::string_view kAxisColor = "#666666";

constexpr double kChartWidth = 1120;
constexpr double kChartHeight = 300;
constexpr double kMarginLeft = 84;
constexpr double kMarginRight = 20;
constexpr double kMarginTop = 16;
constexpr double kMarginBottom = 36;
constexpr std::size_t kMaxBuckets = 1000;

constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// ---------------------------------------------------------------------------
// Validation.

void CheckFinite(double v, std::string_view series, std::size_t index) {
  if (!std::isfinite(v)) {
    throw InvalidArgument(
        fmt::format("tearsheet: {}[{}] is not a finite number ({})", series, index, v));
  }
}

void CheckSeries(const std::vector<TearsheetPoint>& points, std::string_view series) {
  for (std::size_t i = 0; i < points.size(); ++i) {
    CheckFinite(points[i].value, series, i);
    if (i > 0 && points[i].time < points[i - 1].time) {
      throw InvalidArgument(fmt::format("tearsheet: {}[{}] at {} is earlier than {}[{}] at {}",
                                        series, i, points[i].time.ToIso(), series, i - 1,
                                        points[i - 1].time.ToIso()));
    }
  }
}

void Validate(const TearsheetData& data) {
  CheckSeries(data.equity, "equity");
  CheckSeries(data.drawdown, "drawdown");
  for (std::size_t i = 0; i < data.drawdown.size(); ++i) {
    if (data.drawdown[i].value > 0) {
      throw InvalidArgument(
          fmt::format("tearsheet: drawdown[{}] is {}, but a drawdown is a fraction <= 0", i,
                      data.drawdown[i].value));
    }
  }
  std::set<std::pair<int, int>> seen;
  for (std::size_t i = 0; i < data.monthly_returns.size(); ++i) {
    const MonthlyReturn& m = data.monthly_returns[i];
    CheckFinite(m.value, "monthly_returns", i);
    if (m.month < 1 || m.month > 12) {
      throw InvalidArgument(
          fmt::format("tearsheet: monthly_returns[{}] has month {}, expected 1..12", i, m.month));
    }
    if (!seen.insert({m.year, m.month}).second) {
      throw InvalidArgument(
          fmt::format("tearsheet: monthly_returns[{}] repeats {}-{:02d}", i, m.year, m.month));
    }
  }
  for (std::size_t i = 0; i < data.trade_returns.size(); ++i) {
    CheckFinite(data.trade_returns[i], "trade_returns", i);
  }
  for (std::size_t i = 0; i < data.r_multiples.size(); ++i) {
    CheckFinite(data.r_multiples[i], "r_multiples", i);
  }
}

// ---------------------------------------------------------------------------
// Numbers and axes.

// Heckbert's "nice numbers" (Graphics Gems, 1990): 1, 2, 5 times a power of
// ten.
double NiceNumber(double x, bool round) {
  const double exponent = std::floor(std::log10(x));
  const double fraction = x / std::pow(10.0, exponent);
  double nice;
  if (round) {
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  } else {
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  }
  return nice * std::pow(10.0, exponent);
}

struct Axis {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> ticks;
};

Axis NiceAxis(double lo, double hi, int target_ticks = 6) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  Axis a;
  const double range = NiceNumber(hi - lo, false);
  a.step = NiceNumber(range / (target_ticks - 1), true);
  a.lo = std::floor(lo / a.step) * a.step;
  a.hi = std::ceil(hi / a.step) * a.step;
  for (double t = a.lo; t <= a.hi + a.step * 0.5; t += a.step) {
    a.ticks.push_back(std::abs(t) < a.step * 1e-9 ? 0.0 : t);
  }
  return a;
}

int DecimalsFor(double step) {
  if (step <= 0 || !std::isfinite(step)) return 2;
  return std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 6);
}

std::string FormatNumber(double v, int decimals) {
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s == "-0" || (s.starts_with("-0.") && s.find_first_not_of("-0.") == std::string::npos)) {
    s.erase(0, 1);
  }
  return s;
}

std::string FormatPercent(double fraction, int decimals) {
  return FormatNumber(fraction * 100.0, decimals) + "%";
}

// ---------------------------------------------------------------------------
// Markup helpers.

void Append(std::string& out, std::string_view s) { out.append(s); }

std::string NoDataPanel(std::string_view what) {
  return fmt::format("<div class=\"nodata\">No data: {}</div>\n", HtmlEscape(what));
}

std::string SvgOpen(double width, double height, std::string_view label) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"{2}\">\n",
      width, height, HtmlEscape(label));
}

std::string Text(double x, double y, std::string_view anchor, std::string_view text,
                 std::string_view extra = {}) {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\"{}>{}</text>\n", x, y,
                     anchor, extra, HtmlEscape(text));
}

std::string Line(double x1, double y1, double x2, double y2, std::string_view color,
                 double width = 1) {
  return fmt::format(
      "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
      "stroke-width=\"{}\"/>\n",
      x1, y1, x2, y2, color, width);
}

// Keeps at most 2 * kMaxBuckets points: the lowest and highest point of each
// time bucket, in time order, so the drawn shape keeps every extreme.
std::vector<TearsheetPoint> Reduce(const std::vector<TearsheetPoint>& points) {
  if (points.size() <= 2 * kMaxBuckets) return points;
  const double t0 = static_cast<double>(points.front().time.micros());
  const double span = static_cast<double>(points.back().time.micros()) - t0;
  std::vector<TearsheetPoint> out;
  out.reserve(2 * kMaxBuckets + 2);
  std::size_t i = 0;
  while (i < points.size()) {
    const auto bucket = [&](std::size_t k) {
      return span <= 0
                 ? k * kMaxBuckets / points.size()
                 : static_cast<std::size_t>((static_cast<double>(points[k].time.micros()) - t0) /
                                            span * (kMaxBuckets - 1));
    };
    const std::size_t b = bucket(i);
    std::size_t lo = i, hi = i, j = i;
    while (j < points.size() && bucket(j) == b) {
      if (points[j].value < points[lo].value) lo = j;
      if (points[j].value > points[hi].value) hi = j;
      ++j;
    }
    if (lo == hi) {
      out.push_back(points[lo]);
    } else {
      out.push_back(points[std::min(lo, hi)]);
      out.push_back(points[std::max(lo, hi)]);
    }
    i = j;
  }
  return out;
}

enum class ValueFormat { kNumber, kPercent };

std::string FormatTick(double v, const Axis& axis, ValueFormat format) {
  return format == ValueFormat::kPercent ? FormatPercent(v, DecimalsFor(axis.step * 100.0))
                                         : FormatNumber(v, DecimalsFor(axis.step));
}

// A time-series chart: a line (equity) or an area filled down from zero
// (underwater chart).
std::string TimeChart(const std::vector<TearsheetPoint>& raw, std::string_view label,
                      std::string_view color, bool area, ValueFormat format) {
  const std::vector<TearsheetPoint> points = Reduce(raw);
  double vmin = points.front().value, vmax = points.front().value;
  for (const TearsheetPoint& p : points) {
    vmin = std::min(vmin, p.value);
    vmax = std::max(vmax, p.value);
  }
  if (area) vmax = std::max(vmax, 0.0);
  const Axis y = NiceAxis(vmin, vmax);
  const double t0 = static_cast<double>(points.front().time.micros());
  double t1 = static_cast<double>(points.back().time.micros());
  if (t1 <= t0) t1 = t0 + 1;
  const double pw = kChartWidth - kMarginLeft - kMarginRight;
  const double ph = kChartHeight - kMarginTop - kMarginBottom;
  const auto px = [&](Timestamp t) {
    return kMarginLeft + (static_cast<double>(t.micros()) - t0) / (t1 - t0) * pw;
  };
  const auto py = [&](double v) { return kMarginTop + (y.hi - v) / (y.hi - y.lo) * ph; };

  std::string out = SvgOpen(kChartWidth, kChartHeight, label);
  for (double tick : y.ticks) {
    const double yy = py(tick);
    Append(out, Line(kMarginLeft, yy, kChartWidth - kMarginRight, yy, kGridColor));
    Append(out, Text(kMarginLeft - 6, yy + 4, "end", FormatTick(tick, y, format)));
  }
  // Time ticks: six evenly spaced instants, as dates (or date and time when
  // the whole series spans less than three days).
  const bool short_span = (t1 - t0) < 3.0 * static_cast<double>(kMicrosPerDay);
  constexpr int kTimeTicks = 6;
  for (int k = 0; k < kTimeTicks; ++k) {
    const Timestamp t(static_cast<std::int64_t>(t0 + (t1 - t0) * k / (kTimeTicks - 1)));
    const double xx = px(t);
    Append(out, Line(xx, kMarginTop + ph, xx, kMarginTop + ph + 5, kAxisColor));
    const std::string iso = t.ToIso();
    const std::string text = short_span ? iso.substr(0, 16) : t.ToDateString();
    const std::string_view anchor = k == 0 ? "start" : k == kTimeTicks - 1 ? "end" : "middle";
    Append(out, Text(xx, kMarginTop + ph + 20, anchor, text));
  }
  Append(out, Line(kMarginLeft, kMarginTop, kMarginLeft, kMarginTop + ph, kAxisColor));
  Append(out, Line(kMarginLeft, kMarginTop + ph, kChartWidth - kMarginRight, kMarginTop + ph,
                   kAxisColor));

  std::string coords;
  for (const TearsheetPoint& p : points) {
    fmt::format_to(std::back_inserter(coords), "{:.1f},{:.1f} ", px(p.time), py(p.value));
  }
  if (area) {
    const double zero = py(0.0);
    fmt::format_to(std::back_inserter(out),
                   "<polygon points=\"{:.1f},{:.1f} {}{:.1f},{:.1f}\" fill=\"{}\" "
                   "stroke=\"{}\" stroke-width=\"1\"/>\n",
                   px(points.front().time), zero, coords, px(points.back().time), zero, color,
                   color);
  } else {
    fmt::format_to(std::back_inserter(out),
                   "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" "
                   "stroke-linejoin=\"round\"/>\n",
                   coords, color);
  }
  Append(out, "</svg>\n");
  return out;
}

// Background of a heat-map cell: white at 0, deepening to green (gains) or
// red (losses) at the largest absolute return shown.
std::string HeatColor(double v, double max_abs, bool* dark) {
  const double s = max_abs > 0 ? std::min(1.0, std::abs(v) / max_abs) : 0.0;
  const std::array<int, 3> target =
      v >= 0 ? std::array<int, 3>{26, 152, 80} : std::array<int, 3>{215, 48, 39};
  const auto mix = [&](int c) { return static_cast<int>(std::lround(255 + (c - 255) * s)); };
  *dark = s > 0.6;
  return fmt::format("#{:02x}{:02x}{:02x}", mix(target[0]), mix(target[1]), mix(target[2]));
}

std::string Heatmap(const std::vector<MonthlyReturn>& months) {
  std::map<int, std::map<int, double>> by_year;
  double max_abs = 0;
  for (const MonthlyReturn& m : months) {
    by_year[m.year][m.month] = m.value;
    max_abs = std::max(max_abs, std::abs(m.value));
  }
  constexpr double kLabelWidth = 64, kCellWidth = 78, kCellHeight = 30, kHeader = 24;
  const double width = kLabelWidth + 13 * kCellWidth + 2;
  const double height = kHeader + static_cast<double>(by_year.size()) * kCellHeight + 2;
  std::string out = SvgOpen(width, height, "Monthly returns heat map");
  for (int m = 0; m < 12; ++m) {
    Append(out, Text(kLabelWidth + (m + 0.5) * kCellWidth, 16, "middle", kMonthNames[m]));
  }
  Append(out, Text(kLabelWidth + 12.5 * kCellWidth, 16, "middle", "Year", " font-weight=\"bold\""));
  double row_y = kHeader;
  for (const auto& [year, cells] : by_year) {
    Append(out, Text(kLabelWidth - 8, row_y + kCellHeight / 2 + 5, "end", fmt::format("{}", year),
                     " font-weight=\"bold\""));
    double compound = 1.0;
    for (int m = 1; m <= 12; ++m) {
      const double x = kLabelWidth + (m - 1) * kCellWidth;
      const auto it = cells.find(m);
      if (it == cells.end()) {
        fmt::format_to(std::back_inserter(out),
                       "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                       "fill=\"#f4f4f4\" stroke=\"#ffffff\"/>\n",
                       x, row_y, kCellWidth, kCellHeight);
        continue;
      }
      compound *= 1.0 + it->second;
      bool dark = false;
      const std::string fill = HeatColor(it->second, max_abs, &dark);
      fmt::format_to(std::back_inserter(out),
                     "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                     "fill=\"{}\" stroke=\"#ffffff\"/>\n",
                     x, row_y, kCellWidth, kCellHeight, fill);
      Append(out,
             Text(x + kCellWidth / 2, row_y + kCellHeight / 2 + 5, "middle",
                  FormatPercent(it->second, 2), dark ? " fill=\"#ffffff\"" : " fill=\"#222222\""));
    }
    const double x = kLabelWidth + 12 * kCellWidth;
    bool dark = false;
    const double year_return = compound - 1.0;
    const std::string fill =
        HeatColor(year_return, std::max(max_abs, std::abs(year_return)), &dark);
    fmt::format_to(std::back_inserter(out),
                   "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                   "fill=\"{}\" stroke=\"#ffffff\"/>\n",
                   x, row_y, kCellWidth, kCellHeight, fill);
    Append(out, Text(x + kCellWidth / 2, row_y + kCellHeight / 2 + 5, "middle",
                     FormatPercent(year_return, 2),
                     dark ? " fill=\"#ffffff\" font-weight=\"bold\""
                          : " fill=\"#222222\" font-weight=\"bold\""));
    row_y += kCellHeight;
  }
  Append(out, "</svg>\n");
  return out;
}

// A histogram with Sturges' number of bins (H. A. Sturges, "The choice of a
// class interval", JASA 21, 1926), clamped to 5..40.
std::string Histogram(const std::vector<double>& values, std::string_view label,
                      std::string_view color, ValueFormat format, std::string_view unit_suffix) {
  double lo = *std::min_element(values.begin(), values.end());
  double hi = *std::max_element(values.begin(), values.end());
  const int bins = std::clamp(
      static_cast<int>(std::ceil(std::log2(static_cast<double>(values.size())))) + 1, 5, 40);
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 0.01 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double width = (hi - lo) / bins;
  std::vector<int> counts(static_cast<std::size_t>(bins), 0);
  for (double v : values) {
    const int b = std::clamp(static_cast<int>((v - lo) / width), 0, bins - 1);
    ++counts[static_cast<std::size_t>(b)];
  }
  const int max_count = *std::max_element(counts.begin(), counts.end());
  Axis y = NiceAxis(0, max_count, 5);
  if (y.step < 1) {  // counts are whole numbers
    y.step = 1;
    y.ticks.clear();
    for (int t = 0; t <= max_count; ++t) y.ticks.push_back(t);
    y.lo = 0;
    y.hi = std::max(1, max_count);
  }
  const double w = 540, h = 260;
  const double left = 52, right = 12, top = 12, bottom = 40;
  const double pw = w - left - right, ph = h - top - bottom;
  const auto px = [&](double v) { return left + (v - lo) / (hi - lo) * pw; };
  const auto py = [&](double c) { return top + (y.hi - c) / (y.hi - y.lo) * ph; };
  std::string out = SvgOpen(w, h, label);
  for (double tick : y.ticks) {
    Append(out, Line(left, py(tick), w - right, py(tick), kGridColor));
    Append(out, Text(left - 6, py(tick) + 4, "end", FormatNumber(tick, 0)));
  }
  for (int b = 0; b < bins; ++b) {
    if (counts[static_cast<std::size_t>(b)] == 0) continue;
    const double x0 = px(lo + b * width), x1 = px(lo + (b + 1) * width);
    const double y0 = py(counts[static_cast<std::size_t>(b)]);
    fmt::format_to(std::back_inserter(out),
                   "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                   "fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n",
                   x0, y0, std::max(1.0, x1 - x0), top + ph - y0, color);
  }
  if (lo < 0 && hi > 0) {
    Append(out, Line(px(0), top, px(0), top + ph, "#333333", 1));
  }
  Append(out, Line(left, top + ph, w - right, top + ph, kAxisColor));
  const int label_every = std::max(1, bins / 6);
  const int decimals =
      (format == ValueFormat::kPercent ? DecimalsFor(width * 100.0) : DecimalsFor(width)) + 1;
  for (int b = 0; b <= bins; b += label_every) {
    const double v = lo + b * width;
    const std::string text = format == ValueFormat::kPercent
                                 ? FormatPercent(v, decimals)
                                 : FormatNumber(v, decimals) + std::string(unit_suffix);
    Append(out, Line(px(v), top + ph, px(v), top + ph + 4, kAxisColor));
    Append(out, Text(px(v), top + ph + 18, "middle", text));
  }
  Append(out, "</svg>\n");
  return out;
}

std::string HistogramCaption(const std::vector<double>& values, ValueFormat format,
                             std::string_view unit_suffix) {
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double v : sorted) sum += v;
  const double mean = sum / static_cast<double>(sorted.size());
  const std::size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const auto f = [&](double v) {
    return format == ValueFormat::kPercent ? FormatPercent(v, 2)
                                           : FormatNumber(v, 2) + std::string(unit_suffix);
  };
  return fmt::format("n = {}, mean {}, median {}, min {}, max {}", n, f(mean), f(median),
                     f(sorted.front()), f(sorted.back()));
}

std::string TableHtml(const ReportTable& table) {
  std::string out = "<div class=\"table\">\n";
  if (!table.title.empty()) {
    fmt::format_to(std::back_inserter(out), "<h3>{}</h3>\n", HtmlEscape(table.title));
  }
  if (table.rows.empty() && table.columns.empty()) {
    Append(out, NoDataPanel("the table is empty"));
    Append(out, "</div>\n");
    return out;
  }
  Append(out, table.columns.empty() ? "<table class=\"kv\">\n" : "<table>\n");
  if (!table.columns.empty()) {
    Append(out, "<thead><tr>");
    for (const std::string& c : table.columns) {
      fmt::format_to(std::back_inserter(out), "<th>{}</th>", HtmlEscape(c));
    }
    Append(out, "</tr></thead>\n");
  }
  Append(out, "<tbody>\n");
  for (const auto& row : table.rows) {
    Append(out, "<tr>");
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool header_cell = table.columns.empty() && i == 0;
      const std::string_view tag = header_cell ? "th" : "td";
      fmt::format_to(std::back_inserter(out), "<{0}>{1}</{0}>", tag, HtmlEscape(row[i]));
    }
    Append(out, "</tr>\n");
  }
  if (table.rows.empty()) {
    fmt::format_to(std::back_inserter(out), "<tr><td colspan=\"{}\">no rows</td></tr>\n",
                   std::max<std::size_t>(1, table.columns.size()));
  }
  Append(out, "</tbody></table>\n</div>\n");
  return out;
}

constexpr std::string_view kStyle = R"(body{margin:0;background:#ffffff;color:#222222;
font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;font-size:14px}
main{width:1160px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:26px;margin:8px 0 2px}h2{font-size:18px;margin:26px 0 8px;border-bottom:1px solid #dddddd;padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}.subtitle{color:#555555;margin:0 0 10px}
svg{display:block;font-size:12px;fill:#333333}svg text{font-family:"DejaVu Sans",Arial,sans-serif}
.row{display:flex;gap:40px;flex-wrap:wrap}.half{width:540px}.caption{color:#555555;font-size:12px;margin:4px 0}
.nodata{border:2px dashed #bbbbbb;background:#fafafa;color:#666666;padding:40px 20px;text-align:center;font-size:16px}
.tables{display:flex;flex-wrap:wrap;gap:10px 40px}.table{min-width:320px}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 10px;border-bottom:1px solid #eeeeee;text-align:right}
th:first-child,td:first-child{text-align:left}table.kv th{font-weight:normal;color:#444444}
thead th{border-bottom:2px solid #cccccc}footer{margin-top:30px;color:#999999;font-size:11px})";

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderTearsheet(const TearsheetData& data) {
  Validate(data);
  const std::string title = data.title.empty() ? std::string("Tearsheet") : data.title;
  std::string out;
  fmt::format_to(std::back_inserter(out),
                 "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "style-src 'unsafe-inline'; img-src data:\">\n"
                 "<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n<main>\n"
                 "<h1>{}</h1>\n",
                 HtmlEscape(title), kStyle, HtmlEscape(title));
  if (!data.subtitle.empty()) {
    fmt::format_to(std::back_inserter(out), "<p class=\"subtitle\">{}</p>\n",
                   HtmlEscape(data.subtitle));
  }

  Append(out, "<section id=\"equity\">\n<h2>Equity curve</h2>\n");
  Append(out, data.equity.empty() ? NoDataPanel("the equity curve has no points")
                                  : TimeChart(data.equity, "Equity curve", kEquityColor, false,
                                              ValueFormat::kNumber));
  Append(out, "</section>\n<section id=\"drawdown\">\n<h2>Underwater (drawdown from peak)</h2>\n");
  Append(out, data.drawdown.empty() ? NoDataPanel("no drawdown series (no equity curve)")
                                    : TimeChart(data.drawdown, "Drawdown", kDrawdownColor, true,
                                                ValueFormat::kPercent));
  Append(out, "</section>\n<section id=\"monthly\">\n<h2>Monthly returns</h2>\n");
  Append(out, data.monthly_returns.empty() ? NoDataPanel("no monthly returns")
                                           : Heatmap(data.monthly_returns));
  Append(out, "</section>\n<div class=\"row\">\n");
  Append(out, "<section id=\"trade-returns\" class=\"half\">\n<h2>Trade returns</h2>\n");
  if (data.trade_returns.empty()) {
    Append(out, NoDataPanel("no closed trades"));
  } else {
    Append(out, Histogram(data.trade_returns, "Histogram of trade returns", kTradeHistColor,
                          ValueFormat::kPercent, ""));
    fmt::format_to(std::back_inserter(out), "<p class=\"caption\">{}</p>\n",
                   HtmlEscape(HistogramCaption(data.trade_returns, ValueFormat::kPercent, "")));
  }
  Append(out, "</section>\n<section id=\"r-multiples\" class=\"half\">\n<h2>R-multiples</h2>\n");
  if (data.r_multiples.empty()) {
    Append(out, NoDataPanel("no R-multiples (the trades carry no initial risk)"));
  } else {
    Append(out, Histogram(data.r_multiples, "Histogram of R-multiples", kRHistColor,
                          ValueFormat::kNumber, "R"));
    fmt::format_to(std::back_inserter(out), "<p class=\"caption\">{}</p>\n",
                   HtmlEscape(HistogramCaption(data.r_multiples, ValueFormat::kNumber, "R")));
  }
  Append(out, "</section>\n</div>\n<section id=\"statistics\">\n<h2>Statistics</h2>\n");
  if (data.tables.empty()) {
    Append(out, NoDataPanel("no statistics tables"));
  } else {
    Append(out, "<div class=\"tables\">\n");
    for (const ReportTable& t : data.tables) Append(out, TableHtml(t));
    Append(out, "</div>\n");
  }
  Append(out,
         "</section>\n<footer>Generated by tradestore. Self-contained: no scripts, no external "
         "resources.</footer>\n</main>\n</body>\n</html>\n");
  return out;
}

void WriteTearsheet(const TearsheetData& data, const std::string& path) {
  const std::string html = RenderTearsheet(data);
  static std::atomic<unsigned> counter{0};
  const std::string tmp = fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(ErrorKind::kStorage,
                fmt::format("cannot write tearsheet '{}': {}", path, std::strerror(errno)));
  }
  const auto fail = [&](int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::kStorage,
                fmt::format("cannot write tearsheet '{}': {}", path, std::strerror(err)));
  };
  std::size_t written = 0;
  while (written < html.size()) {
    const ssize_t n = ::write(fd, html.data() + written, html.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail(errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::kStorage,
                fmt::format("cannot write tearsheet '{}': {}", path, std::strerror(err)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::kStorage,
                fmt::format("cannot write tearsheet '{}': {}", path, std::strerror(err)));
  }
}

}  // namespace tradestore
