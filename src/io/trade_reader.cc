#include "io/trade_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <span>
#include <string_view>

#include "io/candle_reader_text.h"
#include "tradestore/error.h"

namespace tradestore::io {
namespace {

constexpr std::string_view kFreqtradeJson = "freqtrade-json";
constexpr std::string_view kUnixPriceAmount = "unix-price-amount";
constexpr std::string_view kLeanTick = "lean-tick";
constexpr std::string_view kTradesHeader = "trades-header";
constexpr std::size_t kMaxLine = 1 << 20;

// Header names, normalized (lowercase, [a-z0-9] only).
constexpr std::string_view kTimeNames[] = {"time",       "timestamp",   "date",      "datetime",
                                           "ts",         "tradetime",   "createdat", "transacttime",
                                           "executedat", "timestampms", "timems",    "unixtime"};
constexpr std::string_view kPriceNames[] = {"price", "rate", "tradeprice"};
constexpr std::string_view kAmountNames[] = {"amount", "qty",        "quantity", "size",
                                             "volume", "baseamount", "baseqty",  "tradesize"};
constexpr std::int64_t kMillisPerDay = 86'400'000;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n' || s.back() == '"')) {
    s.remove_suffix(1);
  }
  return s;
}

bool ParseDouble(std::string_view s, double& out) {
  s = Trim(s);
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits on commas outside double quotes.
std::vector<std::string> SplitFields(std::string_view s) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char ch : s) {
    if (ch == '"') quoted = !quoted;
    if (ch == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> KnownTradeLayouts() {
  return {std::string(kFreqtradeJson), std::string(kUnixPriceAmount), std::string(kLeanTick),
          std::string(kTradesHeader)};
}

namespace {

std::string KnownTradeList() {
  std::string out;
  for (const auto& name : KnownTradeLayouts()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string FileName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

bool IsLeanQuoteName(const std::string& name) {
  return internal::ToLower(name).find("quote") != std::string::npos;
}

// The first column whose normalized name is one of `names`; -1 if none.
int FindColumn(const std::vector<std::string>& header, std::span<const std::string_view> names) {
  for (std::string_view want : names) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (internal::NormalizeName(Trim(header[i])) == want) return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

TradeFileReader::TradeFileReader(std::string path, TradeFileOptions options)
    : path_(std::move(path)) {
  if (!in_.Open(path_)) throw NotFound(path_ + ": cannot open the trade file");
  if (options.price_divisor &&
      (!std::isfinite(*options.price_divisor) || *options.price_divisor <= 0)) {
    throw InvalidArgument(path_ + ": price_divisor must be a finite number > 0");
  }
  const bool columns_named = options.time_column || options.price_column || options.amount_column;
  if (options.format) {
    const auto known = KnownTradeLayouts();
    if (std::find(known.begin(), known.end(), *options.format) == known.end()) {
      throw InvalidArgument(path_ + ": unknown trade layout '" + *options.format +
                            "'; known: " + KnownTradeList());
    }
    layout_ = *options.format;
    if (columns_named && layout_ != kTradesHeader) {
      throw InvalidArgument(path_ + ": column names are only for the trades-header layout, not '" +
                            layout_ + "'");
    }
  } else if (columns_named) {
    layout_ = kTradesHeader;
  } else {
    detected_ = true;
    // Detection: the first non-blank byte, then the first line's shape, from
    // the bytes read ahead (nothing is consumed).
    const std::string_view head = in_.Buffered();
    const std::size_t first_byte = head.find_first_not_of(" \t\r\n");
    layout_ = kUnixPriceAmount;
    if (first_byte != std::string_view::npos && head[first_byte] == '[') {
      layout_ = kFreqtradeJson;
    } else if (first_byte != std::string_view::npos) {
      std::string_view line = head.substr(first_byte);
      line = line.substr(0, line.find('\n'));
      const std::vector<std::string> f = SplitFields(line);
      const std::string name = FileName(in_.member_name().empty() ? path_ : in_.member_name());
      const std::string archive = FileName(path_);
      const auto first = internal::ParseInteger(Trim(f.front()));
      const bool dated_name = (name.size() >= 8 && internal::IsAllDigits(name.substr(0, 8))) ||
                              (archive.size() >= 8 && internal::IsAllDigits(archive.substr(0, 8)));
      if (FindColumn(f, kPriceNames) >= 0) {
        layout_ = kTradesHeader;
      } else if (dated_name && internal::IsAllDigits(Trim(f.front())) && first && *first >= 0 &&
                 *first < kMillisPerDay) {
        if (IsLeanQuoteName(name) || IsLeanQuoteName(archive) || f.size() == 5 || f.size() == 8) {
          throw InvalidArgument(path_ +
                                ": a Lean quote tick file (bid/ask quotes, not trades): candles "
                                "are built from trade ticks (the *_Trade_Tick.csv file)");
        }
        layout_ = kLeanTick;
      }
    }
  }
  if (layout_ == kLeanTick) {
    SetUpLeanTick(options);
  } else if (options.base_date) {
    throw InvalidArgument(path_ + ": base_date is only for the lean-tick layout, not '" + layout_ +
                          "'");
  }
  if (layout_ == kTradesHeader) SetUpHeader(options);
  if (options.price_divisor) {
    divisor_ = *options.price_divisor;
  } else if (layout_ == kLeanTick && internal::InLeanScaledFolder(path_)) {
    divisor_ = 10000;  // Lean equity, option and index prices are deci-cents
  }
}

void TradeFileReader::SetUpHeader(const TradeFileOptions& options) {
  std::string header;
  while (ReadLine(header)) {
    if (!Trim(header).empty()) break;
    header.clear();
  }
  if (Trim(header).empty()) throw InvalidArgument(path_ + ": no header line");
  const std::vector<std::string> names = SplitFields(header);
  const auto pick = [&](const std::optional<std::string>& given,
                        std::span<const std::string_view> usual, const char* what) {
    int index = -1;
    if (given) {
      const std::string want = internal::NormalizeName(*given);
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (internal::NormalizeName(Trim(names[i])) == want) index = static_cast<int>(i);
      }
    } else {
      index = FindColumn(names, usual);
    }
    if (index < 0) {
      Fail(line_, "columns", internal::Printable(header),
           std::string("no ") + what + " column" +
               (given ? " named '" + internal::Printable(*given) + "'" : std::string()) +
               "; name it with --columns " + what + "=NAME");
    }
    return index;
  };
  time_col_ = pick(options.time_column, kTimeNames, "time");
  price_col_ = pick(options.price_column, kPriceNames, "price");
  amount_col_ = pick(options.amount_column, kAmountNames, "amount");
  min_fields_ = static_cast<std::size_t>(std::max({time_col_, price_col_, amount_col_})) + 1;
}

bool TradeFileReader::ReadLine(std::string& line) {
  switch (in_.ReadLine(line, kMaxLine)) {
    case internal::BufferedFile::LineStatus::kEof:
      return false;
    case internal::BufferedFile::LineStatus::kTooLong:
      line_ = in_.line_number();
      Fail(line_, "line", internal::Printable(line), "longer than 1 MiB");
    case internal::BufferedFile::LineStatus::kLine:
      break;
  }
  line_ = in_.line_number();
  return true;
}

void TradeFileReader::SetUpLeanTick(const TradeFileOptions& options) {
  if (options.base_date) {
    base_micros_ = options.base_date->micros();
    if (base_micros_ % (kMillisPerDay * 1000) != 0) {
      throw InvalidArgument(path_ + ": base_date " + options.base_date->ToIso() +
                            " is not a UTC midnight");
    }
    return;
  }
  const std::string name = FileName(path_);
  std::optional<std::int64_t> base;
  if (name.size() >= 8 && internal::IsAllDigits(name.substr(0, 8))) {
    base = internal::ParseTimeText(std::string_view(name).substr(0, 8));
  }
  if (!base) {
    throw InvalidArgument(path_ +
                          ": layout 'lean-tick' needs base_date (--base-date): the file name "
                          "does not start with YYYYMMDD");
  }
  base_micros_ = *base;
}

int TradeFileReader::GetChar() { return in_.Get(); }

void TradeFileReader::Fail(std::int64_t record, const std::string& field, const std::string& value,
                           const std::string& reason) const {
  throw InvalidArgument(path_ + ":" + std::to_string(record) + ": field '" + field + "' value '" +
                        value + "': " + reason);
}

namespace {

// Seconds or milliseconds (value >= 0) as µs, or nullopt after 9999-12-31.
std::optional<std::int64_t> ScaledMicros(double value, double micros_per_unit) {
  const std::optional<Timestamp> t = Timestamp::FromUnixScaled(value, micros_per_unit);
  return t ? std::optional<std::int64_t>(t->micros()) : std::nullopt;
}

}  // namespace

void TradeFileReader::Check(std::int64_t record, TradeTick& t, const std::string& time_text,
                            const std::string& price_text, const std::string& amount_text) {
  double time_value = 0;
  std::optional<std::int64_t> text_micros;  // trades-header: a written time
  if (layout_ == kTradesHeader) {
    const std::string_view tt = Trim(time_text);
    if (internal::IsAllDigits(tt)) {
      text_micros = internal::EpochToMicros(tt);  // s, ms, µs or ns by magnitude
    } else if (ParseDouble(tt, time_value) && std::isfinite(time_value) && time_value >= 0) {
      text_micros = ScaledMicros(time_value, 1e6);  // fractional unix seconds
    } else {
      text_micros = internal::ParseTimeText(tt);
    }
    if (!text_micros) {
      Fail(record, "time", internal::Printable(tt),
           "not a time (ISO 8601 or unix seconds/milliseconds)");
    }
  } else if (!ParseDouble(time_text, time_value) || !std::isfinite(time_value) || time_value < 0) {
    Fail(record, "time", std::string(Trim(time_text)), "not a non-negative number");
  }
  if (!ParseDouble(price_text, t.price) || !std::isfinite(t.price) || t.price <= 0) {
    Fail(record, "price", std::string(Trim(price_text)), "must be a finite number > 0");
  }
  t.price /= divisor_;
  if (!ParseDouble(amount_text, t.quantity) || !std::isfinite(t.quantity) || t.quantity < 0) {
    Fail(record, "amount", std::string(Trim(amount_text)), "must be a finite number >= 0");
  }
  const auto scaled = [&](double micros_per_unit) {
    const std::optional<std::int64_t> us = ScaledMicros(time_value, micros_per_unit);
    if (!us) Fail(record, "time", std::string(Trim(time_text)), "out of range (after 9999-12-31)");
    return Timestamp(*us);
  };
  if (text_micros) {
    t.time = Timestamp(*text_micros);
  } else if (layout_ == kFreqtradeJson) {
    t.time = scaled(1000.0);  // ms -> µs
  } else if (layout_ == kLeanTick) {
    if (time_value != std::floor(time_value) || time_value >= kMillisPerDay) {
      Fail(record, "time", std::string(Trim(time_text)),
           "not milliseconds since midnight (0 to 86399999)");
    }
    t.time = Timestamp(base_micros_ + static_cast<std::int64_t>(time_value) * 1000);
  } else {
    t.time = scaled(1e6);  // s -> µs
  }
  if (detected_) {
    if (const auto reason = internal::ImplausibleTimeReason(t.time.micros(), Trim(time_text),
                                                            layout_, KnownTradeList())) {
      // A Lean tick file read as Unix seconds lands in 1970.
      const bool lean_tick = layout_ == kUnixPriceAmount && time_value < kMillisPerDay;
      Fail(record, "time", std::string(Trim(time_text)),
           *reason + (lean_tick ? "; Lean tick files count milliseconds since midnight: "
                                  "--format lean-tick"
                                : ""));
    }
  }
  if (last_time_ && t.time < *last_time_) {
    Fail(record, "time", std::string(Trim(time_text)),
         "earlier than the previous trade at " + last_time_->ToIso());
  }
  last_time_ = t.time;
  ++rows_read_;
}

bool TradeFileReader::Next(TradeTick& out) {
  return layout_ == kFreqtradeJson ? NextJson(out) : NextCsv(out);
}

bool TradeFileReader::NextCsv(TradeTick& out) {
  std::string line;
  while (ReadLine(line)) {
    if (Trim(line).empty()) continue;
    const std::vector<std::string> f = SplitFields(line);
    if (layout_ == kLeanTick) {
      if (f.size() != 3 && f.size() != 6) {
        Fail(line_, "columns", std::to_string(f.size()),
             "expected 3 or 6 (a Lean trade tick file: time,price,quantity[,exchange,"
             "condition,suspicious]; quote files have 5 or 8)");
      }
      if (f.size() == 6 && Trim(f[5]) == "1") {
        ++rows_skipped_;  // flagged suspicious by the data vendor
        continue;
      }
    } else if (layout_ == kTradesHeader) {
      if (f.size() < min_fields_) {
        Fail(line_, "columns", std::to_string(f.size()),
             "expected at least " + std::to_string(min_fields_) + " (the header's columns)");
      }
    } else if (f.size() < 3) {
      Fail(line_, "columns", std::to_string(f.size()), "expected unix_seconds,price,amount");
    }
    Check(line_, out, f[time_col_], f[price_col_], f[amount_col_]);
    return true;
  }
  return false;
}

bool TradeFileReader::NextJson(TradeTick& out) {
  if (json_done_) return false;
  const std::int64_t record = rows_read_ + 1;
  auto fail_json = [&](const std::string& what) { Fail(record, "json", what, "broken JSON"); };
  int ch;
  if (!json_started_) {
    while ((ch = GetChar()) != -1 && std::isspace(ch)) {
    }
    if (ch != '[') fail_json(std::string(1, static_cast<char>(ch)));
    json_started_ = true;
  }
  // Next: '[' of a record, ',' between records or ']' at the end.
  while ((ch = GetChar()) != -1 && (std::isspace(ch) || ch == ',')) {
  }
  if (ch == ']') {
    json_done_ = true;
    return false;
  }
  if (ch != '[') fail_json(ch == -1 ? "end of file" : std::string(1, static_cast<char>(ch)));
  std::string body;
  bool quoted = false;
  while (true) {
    ch = GetChar();
    if (ch == -1) fail_json("end of file");
    if (ch == '"') quoted = !quoted;
    if (ch == ']' && !quoted) break;
    if (ch == '[' && !quoted) fail_json("[");
    body += static_cast<char>(ch);
    if (body.size() > (1u << 16)) fail_json("record over 64 KiB");
  }
  const std::vector<std::string> f = SplitFields(body);
  if (f.size() < 6) Fail(record, "columns", std::to_string(f.size()), "expected 7 fields");
  Check(record, out, f[0], f[4], f[5]);
  return true;
}

}  // namespace tradestore::io
