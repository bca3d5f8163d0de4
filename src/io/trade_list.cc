// ReadTradeList and ReadEquityCurve; see trade_list.h.
#include "tradestore/trade_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include "io/csv_file.h"
#include "io/export_format.h"
#include "tradestore/decimal.h"
#include "tradestore/error.h"
#include "tradestore/text.h"

namespace tradestore {
namespace {

using io::RawRow;
using io::RawTable;
using io::ThrowAt;

std::string NormalizeName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == ' ' || c == '-') c = '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const std::size_t a = out.find_first_not_of('_');
  const std::size_t b = out.find_last_not_of('_');
  return a == std::string::npos ? std::string() : out.substr(a, b - a + 1);
}

// The parsed file and its columns by normalized name.
class Columns {
 public:
  Columns(std::string file, RawTable table) : file_(std::move(file)), table_(std::move(table)) {
    for (std::size_t i = 0; i < table_.columns.size(); ++i) {
      CheckText(fmt::format("{}: header column {}", file_, i + 1), table_.columns[i]);
      names_.push_back(NormalizeName(table_.columns[i]));
    }
  }

  // The first of `names` the header has, as its index.
  std::optional<std::size_t> Find(std::initializer_list<std::string_view> names) const {
    for (std::string_view n : names) {
      const auto it = std::find(names_.begin(), names_.end(), n);
      if (it != names_.end()) return static_cast<std::size_t>(it - names_.begin());
    }
    return std::nullopt;
  }

  const std::string& file() const { return file_; }
  const std::vector<RawRow>& rows() const { return table_.rows; }
  const std::string& name(std::size_t column) const { return table_.columns[column]; }

  // The cell of `row` in `column`; nullopt for an absent column, a NULL or
  // an empty cell. Text is checked (UTF-8, no NUL) and trimmed.
  std::optional<std::string> Cell(const RawRow& row, std::optional<std::size_t> column) const {
    if (!column || *column >= row.cells.size() || !row.cells[*column]) return std::nullopt;
    const std::string_view v = io::TrimBlanks(*row.cells[*column]);
    if (v.empty()) return std::nullopt;
    if (FindInvalidText(v)) {
      ThrowAt(file_, row.line, name(*column), "(invalid text)",
              "not valid UTF-8 text or contains a NUL byte");
    }
    return std::string(v);
  }

  [[noreturn]] void Fail(const RawRow& row, std::size_t column, std::string_view value,
                         std::string_view reason) const {
    ThrowAt(file_, row.line, name(column), value, reason);
  }

 private:
  std::string file_;
  RawTable table_;
  std::vector<std::string> names_;
};

Columns Load(const std::string& path) {
  return Columns(path, io::ParseCsv(path, io::ReadFile(path)));
}

// ISO-8601, or integer Unix time in s / ms / µs / ns by magnitude.
std::optional<Timestamp> ParseTime(std::string_view text) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc() && end == text.data() + text.size()) {
    const Timestamp t = Timestamp::FromUnixAnyUnit(n);  // negative seconds may fall before year 1
    if (!t.InIsoRange()) return std::nullopt;
    return t;
  }
  return Timestamp::TryParse(text);
}

// Exact, else (more than 18 fraction digits, as a float's repr may have)
// the exact decimal value rounded half-even to 18 digits.
std::optional<Decimal> ParseMoney(std::string_view text) { return Decimal::TryParseRounded(text); }

std::optional<double> ParseDouble(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads one trade list row's typed cells, failing with file, line, field
// and value.
class TradeRow {
 public:
  TradeRow(const Columns& c, const RawRow& row) : c_(c), row_(row) {}

  std::optional<std::string> Text(std::optional<std::size_t> column) const {
    return c_.Cell(row_, column);
  }

  std::optional<Timestamp> Time(std::optional<std::size_t> column) const {
    const auto v = Text(column);
    if (!v) return std::nullopt;
    const auto t = ParseTime(*v);
    if (!t) {
      c_.Fail(row_, *column, *v,
              "not a time (ISO-8601 such as 2024-01-31T12:00:00Z, or Unix seconds, "
              "milliseconds or microseconds)");
    }
    return t;
  }

  Timestamp RequiredTime(std::optional<std::size_t> column) const {
    const auto t = Time(column);
    if (!t) c_.Fail(row_, *column, "", "missing: the trade needs this time");
    return *t;
  }

  // A decimal; `positive` requires > 0, `non_negative` >= 0.
  std::optional<Decimal> Money(std::optional<std::size_t> column, bool positive = false,
                               bool non_negative = false) const {
    const auto v = Text(column);
    if (!v) return std::nullopt;
    const auto d = ParseMoney(*v);
    if (!d) c_.Fail(row_, *column, *v, "not a number");
    if (positive && !d->IsPositive()) c_.Fail(row_, *column, *v, "must be > 0");
    if (non_negative && d->IsNegative()) c_.Fail(row_, *column, *v, "must be >= 0");
    return d;
  }

  std::optional<double> Number(std::optional<std::size_t> column, bool positive = false) const {
    const auto v = Text(column);
    if (!v) return std::nullopt;
    const auto d = ParseDouble(*v);
    if (!d) c_.Fail(row_, *column, *v, "not a finite number");
    if (positive && !(*d > 0)) c_.Fail(row_, *column, *v, "must be > 0");
    return d;
  }

  std::optional<Side> SideOf(std::optional<std::size_t> side,
                             std::optional<std::size_t> is_short) const {
    if (const auto v = Text(side)) {
      const std::string s = Lower(*v);
      if (s == "buy" || s == "long" || s == "b" || s == "l") return Side::kBuy;
      if (s == "sell" || s == "short" || s == "s") return Side::kSell;
      c_.Fail(row_, *side, *v, "not a side (buy, long, sell or short)");
    }
    if (const auto v = Text(is_short)) {
      const std::string s = Lower(*v);
      if (s == "true" || s == "1" || s == "yes") return Side::kSell;
      if (s == "false" || s == "0" || s == "no") return Side::kBuy;
      c_.Fail(row_, *is_short, *v, "not a boolean (true, false, 1 or 0)");
    }
    return std::nullopt;
  }

  [[noreturn]] void Fail(std::optional<std::size_t> column, std::string_view value,
                         std::string_view reason) const {
    if (column) c_.Fail(row_, *column, value, reason);
    ThrowAt(c_.file(), row_.line, reason);
  }

 private:
  const Columns& c_;
  const RawRow& row_;
};

struct TradeColumns {
  std::optional<std::size_t> entry_time, exit_time, symbol, side, is_short, quantity, entry_price,
      exit_price, fees, net_pnl, gross_pnl, mae, mfe, r_multiple, risk_amount, strategy,
      exit_reason, regime, atr;

  explicit TradeColumns(const Columns& c) {
    entry_time = c.Find(
        {"entry_time", "open_date", "open_time", "entry_date", "open_timestamp", "opened_at"});
    exit_time = c.Find(
        {"exit_time", "close_date", "close_time", "exit_date", "close_timestamp", "closed_at"});
    symbol = c.Find({"symbol", "pair", "instrument", "instrument_id", "ticker", "asset"});
    side = c.Find({"side", "direction"});
    is_short = c.Find({"is_short"});
    quantity = c.Find({"quantity", "amount", "qty", "size"});
    entry_price = c.Find({"entry_price", "open_rate", "open_price", "avg_entry_price"});
    exit_price = c.Find({"exit_price", "close_rate", "close_price", "avg_exit_price"});
    fees = c.Find({"fees", "fee", "commission"});
    net_pnl = c.Find({"net_pnl", "pnl", "profit", "profit_abs", "realized_pnl", "net_profit"});
    gross_pnl = c.Find({"gross_pnl", "gross_profit"});
    mae = c.Find({"mae"});
    mfe = c.Find({"mfe"});
    r_multiple = c.Find({"r_multiple", "r"});
    risk_amount = c.Find({"risk_amount", "initial_risk"});
    strategy = c.Find({"strategy"});
    exit_reason = c.Find({"exit_reason", "sell_reason", "close_reason"});
    regime = c.Find({"regime"});
    atr = c.Find({"atr"});
  }
};

TradeListEntry ReadTrade(const Columns& c, const TradeColumns& k, const RawRow& raw) {
  const TradeRow row(c, raw);
  TradeListEntry e;
  e.line = raw.line;
  Trade& t = e.trade;
  t.entry_time = row.RequiredTime(k.entry_time);
  t.exit_time = row.RequiredTime(k.exit_time);
  if (t.exit_time < t.entry_time) {
    row.Fail(k.exit_time, t.exit_time.ToIso(),
             fmt::format("before the entry time {}", t.entry_time.ToIso()));
  }
  e.symbol = row.Text(k.symbol).value_or("");
  t.side = row.SideOf(k.side, k.is_short).value_or(Side::kBuy);
  t.quantity = row.Money(k.quantity, /*positive=*/true).value_or(Decimal());
  t.entry_price = row.Money(k.entry_price, /*positive=*/true).value_or(Decimal());
  t.exit_price = row.Money(k.exit_price, /*positive=*/true).value_or(Decimal());
  t.fees = row.Money(k.fees).value_or(Decimal());
  const auto net = row.Money(k.net_pnl);
  const auto gross = row.Money(k.gross_pnl);
  if (net) {
    t.net_pnl = *net;
    t.gross_pnl = gross.value_or(*net + t.fees);
    if (gross && *gross - t.fees != *net) {
      row.Fail(k.net_pnl, net->ToString(),
               fmt::format("differs from gross_pnl {} minus fees {}", gross->ToString(),
                           t.fees.ToString()));
    }
  } else if (gross) {
    t.gross_pnl = *gross;
    t.net_pnl = *gross - t.fees;
  } else {
    if (t.quantity.IsZero() || t.entry_price.IsZero() || t.exit_price.IsZero()) {
      ThrowAt(c.file(), raw.line,
              "no P&L: the trade needs net_pnl, gross_pnl, or entry_price, exit_price and "
              "quantity");
    }
    const Decimal move =
        t.side == Side::kBuy ? t.exit_price - t.entry_price : t.entry_price - t.exit_price;
    t.gross_pnl = move.Mul(t.quantity);
    t.net_pnl = t.gross_pnl - t.fees;
  }
  const auto mae = row.Money(k.mae, false, /*non_negative=*/true);
  const auto mfe = row.Money(k.mfe, false, /*non_negative=*/true);
  if (mae.has_value() != mfe.has_value()) {
    row.Fail(mae ? k.mfe : k.mae, "",
             fmt::format("missing {} (MAE and MFE are given together or not at all)",
                         mae ? "mfe" : "mae"));
  }
  if (mae) {
    e.has_excursions = true;
    t.mae = *mae;
    t.mfe = *mfe;
  }
  t.strategy = row.Text(k.strategy).value_or("");
  t.exit_reason = row.Text(k.exit_reason).value_or("");
  t.regime = row.Text(k.regime).value_or("");
  t.atr = row.Number(k.atr, /*positive=*/true);
  // As the store's journal (fill_accounting.cc).
  const Decimal notional = t.entry_price.Mul(t.quantity);
  t.pnl_percent = notional.IsZero() ? 0.0 : t.net_pnl.ToDouble() / notional.ToDouble() * 100.0;
  t.outcome = t.net_pnl.IsPositive() ? "win" : t.net_pnl.IsNegative() ? "loss" : "breakeven";
  t.risk_amount = row.Money(k.risk_amount, /*positive=*/true);
  t.r_multiple = row.Number(k.r_multiple);
  if (t.risk_amount) {
    const double risk = t.risk_amount->ToDouble();
    if (!t.r_multiple) t.r_multiple = t.net_pnl.ToDouble() / risk;
    if (e.has_excursions && !t.quantity.IsZero()) {
      t.mae_r = t.mae.ToDouble() * t.quantity.ToDouble() / risk;
      t.mfe_r = t.mfe.ToDouble() * t.quantity.ToDouble() / risk;
    }
  }
  return e;
}

}  // namespace

std::vector<TradeListEntry> ReadTradeList(const std::string& path) {
  const Columns c = Load(path);
  const TradeColumns k(c);
  if (!k.entry_time || !k.exit_time) {
    ThrowAt(path, 1,
            fmt::format("no {} column: a trade list needs entry and exit times (entry_time / "
                        "open_date, exit_time / close_date)",
                        k.entry_time ? "exit_time" : "entry_time"));
  }
  if (!k.net_pnl && !k.gross_pnl && !(k.entry_price && k.exit_price && k.quantity)) {
    ThrowAt(path, 1,
            "no P&L columns: a trade list needs net_pnl (pnl, profit, profit_abs), gross_pnl, "
            "or entry_price, exit_price and quantity");
  }
  std::vector<TradeListEntry> out;
  out.reserve(c.rows().size());
  for (const RawRow& raw : c.rows()) {
    // A blank line (one empty cell) is not a trade.
    if (raw.cells.size() == 1 && !raw.cells[0]) continue;
    out.push_back(ReadTrade(c, k, raw));
  }
  if (out.empty()) ThrowAt(path, 2, "no trades: the file has a header and no rows");
  std::stable_sort(out.begin(), out.end(), [](const TradeListEntry& a, const TradeListEntry& b) {
    return a.trade.exit_time < b.trade.exit_time;
  });
  return out;
}

std::vector<std::pair<Timestamp, double>> ReadEquityCurve(const std::string& path) {
  const Columns c = Load(path);
  const auto time = c.Find({"time", "date", "timestamp", "datetime"});
  const auto equity =
      c.Find({"equity", "value", "balance", "nav", "portfolio_value", "total_equity"});
  const auto returns = c.Find({"return", "returns", "daily_return", "pct_change"});
  if (!time) ThrowAt(path, 1, "no time column (time, date, timestamp or datetime)");
  if (!equity && !returns) {
    ThrowAt(path, 1,
            "no equity column (equity, value, balance, nav, portfolio_value, total_equity) "
            "and no returns column (return, returns, daily_return, pct_change)");
  }
  std::vector<std::pair<Timestamp, double>> out;
  double compounded = 1.0;
  for (const RawRow& raw : c.rows()) {
    if (raw.cells.size() == 1 && !raw.cells[0]) continue;
    const TradeRow row(c, raw);
    const Timestamp t = row.RequiredTime(time);
    if (!out.empty() && t <= out.back().first) {
      row.Fail(time, c.Cell(raw, time).value_or(""),
               fmt::format("times must be strictly increasing; the row before is at {}",
                           out.back().first.ToIso()));
    }
    double value = 0;
    if (equity) {
      const auto v = row.Number(equity, /*positive=*/true);
      if (!v) row.Fail(equity, "", "missing: each row needs the equity");
      value = *v;
    } else {
      const auto r = row.Number(returns);
      if (!r) row.Fail(returns, "", "missing: each row needs the return");
      if (!(*r > -1.0)) {
        row.Fail(returns, c.Cell(raw, returns).value_or(""), "a return must be > -1 (-100 %)");
      }
      compounded *= 1.0 + *r;
      value = compounded;
    }
    out.emplace_back(t, value);
  }
  if (out.size() < 2) {
    ThrowAt(path, out.empty() ? 2 : 3, "an equity curve needs at least two rows");
  }
  if (!equity) {
    const Micros gap = out[1].first - out[0].first;
    out.insert(out.begin(), {out[0].first - gap, 1.0});
  }
  return out;
}

}  // namespace tradestore
