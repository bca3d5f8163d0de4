#include "io/candle_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <utility>

#include "io/candle_reader_text.h"
#include "tradestore/error.h"

namespace tradestore::io {
namespace internal {
namespace {

// Longest CSV line accepted; a longer one is not market data.
constexpr std::size_t kMaxLineLength = 1 << 20;
// Longest JSON scalar accepted.
constexpr std::size_t kMaxTokenLength = 64;
constexpr std::int64_t kMillisPerDay = 86'400'000;

enum class Layout {
  kOhlcvHeader,
  kCryptoDataDownload,
  kWide,
  kKraken,
  kLeanDaily,
  kLeanMinute,
  kNinjaTrader,
  kFreqtradeJson,
};

constexpr std::array<std::pair<Layout, std::string_view>, 8> kLayoutNames = {{
    {Layout::kOhlcvHeader, "ohlcv-header"},
    {Layout::kCryptoDataDownload, "cryptodatadownload"},
    {Layout::kWide, "wide"},
    {Layout::kKraken, "kraken"},
    {Layout::kLeanDaily, "lean-daily"},
    {Layout::kLeanMinute, "lean-minute"},
    {Layout::kNinjaTrader, "ninjatrader"},
    {Layout::kFreqtradeJson, "freqtrade-json"},
}};

std::string_view LayoutName(Layout layout) {
  for (const auto& [l, name] : kLayoutNames) {
    if (l == layout) return name;
  }
  return "?";
}

std::string KnownList() {
  std::string out;
  for (const auto& [l, name] : kLayoutNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// First line shown in a detection error: at most 80 bytes, unprintable
// bytes escaped (a NUL would otherwise end the message).
std::string Excerpt(std::string_view line) { return Printable(line); }

bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// The separator that occurs most often in the line; ',' on a tie.
char ChooseSeparator(std::string_view line) {
  const auto commas = std::count(line.begin(), line.end(), ',');
  const auto semis = std::count(line.begin(), line.end(), ';');
  const auto tabs = std::count(line.begin(), line.end(), '\t');
  if (semis > commas && semis >= tabs) return ';';
  if (tabs > commas && tabs > semis) return '\t';
  return ',';
}

constexpr std::array<std::string_view, 4> kPriceNames = {"open", "high", "low", "close"};

// "BTC:open" -> true (with the prefix in `asset`).
bool IsWideName(std::string_view name, std::string* asset = nullptr) {
  const std::size_t colon = name.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string suffix = NormalizeName(name.substr(colon + 1));
  const bool known =
      std::find(kPriceNames.begin(), kPriceNames.end(), suffix) != kPriceNames.end() ||
      suffix == "volume";
  if (known && asset) *asset = std::string(name.substr(0, colon));
  return known;
}

bool LooksLikeHeader(const std::vector<std::string_view>& fields) {
  for (std::string_view f : fields) {
    const std::string n = NormalizeName(f);
    if (std::find(kPriceNames.begin(), kPriceNames.end(), n) != kPriceNames.end()) return true;
    if (IsWideName(f)) return true;
  }
  return false;
}

// "DDDDDDDD" followed by `rest` shape checks for Lean and NinjaTrader stamps.
bool IsCompactDateTime(std::string_view f, bool with_colon) {
  if (f.size() < 9 || f[8] != ' ' || !IsAllDigits(f.substr(0, 8))) return false;
  const std::string_view clock = f.substr(9);
  if (with_colon) return clock.find(':') != std::string_view::npos && ParseClock(clock);
  return clock.size() == 6 && IsAllDigits(clock);
}

std::optional<Layout> DetectCsvLayout(std::string_view line) {
  if (ToLower(line).find("cryptodatadownload") != std::string::npos) {
    return Layout::kCryptoDataDownload;
  }
  const char sep = ChooseSeparator(line);
  std::vector<std::string_view> fields;
  SplitFields(line, sep, fields);
  if (LooksLikeHeader(fields)) {
    for (std::string_view f : fields) {
      if (IsWideName(f)) return Layout::kWide;
    }
    return Layout::kOhlcvHeader;
  }
  const std::string_view first = fields.front();
  const std::size_t n = fields.size();
  if (sep == ';' && n == 6 && IsCompactDateTime(first, false)) return Layout::kNinjaTrader;
  if (sep == ',' && n == 6 && IsCompactDateTime(first, true)) return Layout::kLeanDaily;
  if (sep == ',' && IsAllDigits(first) && first.size() <= 19) {
    const auto value = ParseInteger(first);
    if (n == 6 && value && *value < kMillisPerDay) return Layout::kLeanMinute;
    if (n == 6 || n == 7) return Layout::kKraken;
  }
  return std::nullopt;
}

}  // namespace

// The raw text of one row; views stay valid until the next NextRaw call.
struct RawRow {
  std::int64_t line = 0;
  std::int64_t time_micros = 0;
  std::string_view time_text;
  std::string_view open, high, low, close, volume, trades;
  bool has_volume = false;
  bool has_trades = false;
};

class RowSource {
 public:
  RowSource(std::string path, Layout layout, BufferedFile file)
      : path_(std::move(path)), layout_(layout), file_(std::move(file)) {}
  virtual ~RowSource() = default;

  // The next row, or false at the end. Throws for malformed rows.
  virtual bool NextRaw(RawRow& row) = 0;

  Layout layout() const noexcept { return layout_; }
  const BufferedFile& file() const noexcept { return file_; }

 protected:
  std::string path_;
  Layout layout_;
  BufferedFile file_;
};

namespace {

// ---------------------------------------------------------------------------
// CSV and other line-based layouts.

class CsvSource : public RowSource {
 public:
  CsvSource(std::string path, Layout layout, BufferedFile file, const CandleFileOptions& options,
            bool forced)
      : RowSource(std::move(path), layout, std::move(file)) {
    if (!options.column_prefix.empty() && layout != Layout::kWide) {
      throw InvalidArgument(path_ + ": column_prefix '" + options.column_prefix +
                            "' is only for the wide layout, not '" +
                            std::string(LayoutName(layout)) + "'");
    }
    if (!ReadNonBlank()) {
      if (!forced) throw InvalidArgument(path_ + ": cannot detect layout: the file is empty");
      at_end_ = true;
      return;
    }
    switch (layout) {
      case Layout::kOhlcvHeader:
      case Layout::kCryptoDataDownload:
      case Layout::kWide:
        SetUpHeader(options);
        break;
      case Layout::kKraken:
        sep_ = ',';
        SplitFields(line_, sep_, fields_);
        expected_fields_ = fields_.size() == 6 ? 6 : 7;
        trades_ = expected_fields_ == 7 ? 6 : -1;
        pending_ = true;
        break;
      case Layout::kLeanMinute:
        SetUpLeanMinute(options);
        [[fallthrough]];
      case Layout::kLeanDaily:
        sep_ = ',';
        expected_fields_ = 6;
        pending_ = true;
        break;
      case Layout::kNinjaTrader:
        sep_ = ';';
        expected_fields_ = 6;
        pending_ = true;
        break;
      case Layout::kFreqtradeJson:
        break;
    }
  }

  bool NextRaw(RawRow& row) override {
    while (true) {
      if (at_end_) return false;
      if (pending_) {
        pending_ = false;
      } else if (!ReadNonBlank()) {
        at_end_ = true;
        return false;
      }
      SplitFields(line_, sep_, fields_);
      const std::int64_t ln = file_.line_number();
      if (static_cast<int>(fields_.size()) != expected_fields_) {
        ThrowFieldError(path_, ln, "columns", std::to_string(fields_.size()),
                        "expected " + std::to_string(expected_fields_) + " columns");
      }
      if (layout_ == Layout::kWide && fields_[open_].empty() && fields_[high_].empty() &&
          fields_[low_].empty() && fields_[close_].empty() &&
          (volume_ < 0 || fields_[volume_].empty())) {
        continue;  // the asset was not listed yet on this date
      }
      row.line = ln;
      ParseTime(row);
      row.open = fields_[open_];
      row.high = fields_[high_];
      row.low = fields_[low_];
      row.close = fields_[close_];
      row.has_volume = volume_ >= 0;
      row.volume = volume_ >= 0 ? fields_[volume_] : std::string_view();
      row.has_trades = trades_ >= 0;
      row.trades = trades_ >= 0 ? fields_[trades_] : std::string_view();
      return true;
    }
  }

 private:
  // Reads the next non-blank line into line_; false at the end.
  bool ReadNonBlank() {
    while (true) {
      switch (file_.ReadLine(line_, kMaxLineLength)) {
        case BufferedFile::LineStatus::kEof:
          return false;
        case BufferedFile::LineStatus::kTooLong:
          ThrowFieldError(path_, file_.line_number(), "line", line_,
                          "longer than " + std::to_string(kMaxLineLength) + " bytes");
        case BufferedFile::LineStatus::kLine:
          if (!IsBlank(line_)) return true;
      }
    }
  }

  [[noreturn]] void ThrowHeader(std::string_view what) const {
    throw InvalidArgument(path_ + ":" + std::to_string(header_line_) + ": header " +
                          std::string(what) + ": '" + Excerpt(header_text_) + "'");
  }

  void SetUpHeader(const CandleFileOptions& options) {
    if (layout_ == Layout::kCryptoDataDownload) {  // line_ is the banner
      if (!ReadNonBlank()) {
        at_end_ = true;
        return;
      }
    }
    header_line_ = file_.line_number();
    header_text_ = line_;
    sep_ = ChooseSeparator(line_);
    SplitFields(line_, sep_, fields_);
    std::vector<std::string> names;
    for (std::string_view f : fields_) names.emplace_back(f);
    expected_fields_ = static_cast<int>(names.size());

    if (layout_ == Layout::kWide) {
      MapWideColumns(names, options.column_prefix);
    } else {
      MapNamedColumns(names);
    }

    // Peek at the first data row: a header without a time-of-day column over
    // rows with one more field and a clock time after the date means
    // "Date,Time,..." (backtrader's 2006-01-02-volume-min-001.txt).
    if (!ReadNonBlank()) {
      at_end_ = true;
      return;
    }
    pending_ = true;
    if (layout_ == Layout::kOhlcvHeader && time_is_date_ && clock_ < 0) {
      SplitFields(line_, sep_, fields_);
      const int after = time_ + 1;
      if (static_cast<int>(fields_.size()) == expected_fields_ + 1 &&
          after < static_cast<int>(fields_.size()) &&
          fields_[after].find(':') != std::string_view::npos && ParseClock(fields_[after])) {
        for (int* index : {&open_, &high_, &low_, &close_, &volume_, &trades_}) {
          if (*index >= after) ++*index;
        }
        clock_ = after;
        ++expected_fields_;
      }
    }
  }

  static int Find(const std::vector<std::string>& normalized, std::string_view name) {
    const auto it = std::find(normalized.begin(), normalized.end(), name);
    return it == normalized.end() ? -1 : static_cast<int>(it - normalized.begin());
  }

  static int FindFirst(const std::vector<std::string>& normalized,
                       std::initializer_list<std::string_view> names) {
    for (std::string_view name : names) {
      const int i = Find(normalized, name);
      if (i >= 0) return i;
    }
    return -1;
  }

  // The base-asset volume column: the first named volume, vol or volume*.
  static int FindVolume(const std::vector<std::string>& normalized) {
    for (std::size_t i = 0; i < normalized.size(); ++i) {
      if (normalized[i] == "vol" || normalized[i].starts_with("volume")) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  // Picks the time column(s): a combined date-time column first, then a date
  // column (with a separate time column if any), then a unix time column,
  // then an unnamed first column (a pandas index).
  void MapTime(const std::vector<std::string>& normalized) {
    const int date = FindFirst(normalized, {"date", "day"});
    int datetime =
        FindFirst(normalized, {"datetime", "timestamp", "opentime", "opentimestamp", "time"});
    if (datetime >= 0 && normalized[datetime] == "time" && date >= 0) datetime = -1;
    if (datetime >= 0) {
      time_ = datetime;
    } else if (date >= 0) {
      time_ = date;
      time_is_date_ = true;
      clock_ = Find(normalized, "time");
    } else {
      time_ = FindFirst(normalized, {"unix", "unixtime", "unixtimestamp", "epoch", "ts"});
      if (time_ < 0 && !normalized.empty() && normalized[0].empty()) time_ = 0;
    }
    if (time_ < 0) ThrowHeader("has no time column (date, time, timestamp, ...)");
  }

  void MapNamedColumns(const std::vector<std::string>& names) {
    std::vector<std::string> normalized;
    for (const auto& n : names) normalized.push_back(NormalizeName(n));
    MapTime(normalized);
    int* targets[] = {&open_, &high_, &low_, &close_};
    for (std::size_t k = 0; k < kPriceNames.size(); ++k) {
      *targets[k] = Find(normalized, kPriceNames[k]);
      if (*targets[k] < 0) ThrowHeader("has no " + std::string(kPriceNames[k]) + " column");
    }
    volume_ = FindVolume(normalized);
    trades_ = FindFirst(normalized, {"trades", "count", "tradecount", "numberoftrades", "numtrades",
                                     "ntrades", "tradescount"});
  }

  void MapWideColumns(const std::vector<std::string>& names, const std::string& prefix) {
    std::vector<std::string> assets;
    for (const auto& n : names) {
      std::string asset;
      if (IsWideName(n, &asset) && std::find(assets.begin(), assets.end(), asset) == assets.end()) {
        assets.push_back(asset);
      }
    }
    std::string asset_list;
    for (const auto& a : assets) asset_list += (asset_list.empty() ? "" : ", ") + a;
    if (prefix.empty()) {
      throw InvalidArgument(path_ + ": layout 'wide' needs column_prefix, one of: " + asset_list);
    }
    const std::string want = ToLower(prefix) + ":";
    std::vector<std::string> own;    // this asset's columns without the prefix
    std::vector<std::string> plain;  // columns without any prefix
    for (const auto& n : names) {
      const std::string lower = ToLower(n);
      own.push_back(lower.starts_with(want) ? NormalizeName(lower.substr(want.size())) : "\x01");
      plain.push_back(IsWideName(n) ? "\x01" : NormalizeName(n));
    }
    MapTime(plain);
    open_ = Find(own, "open");
    if (open_ < 0) {
      throw InvalidArgument(path_ + ": no columns for prefix '" + prefix +
                            "'; the file has: " + asset_list);
    }
    int* targets[] = {&high_, &low_, &close_};
    for (std::size_t k = 1; k < kPriceNames.size(); ++k) {
      *targets[k - 1] = Find(own, kPriceNames[k]);
      if (*targets[k - 1] < 0) {
        ThrowHeader("has no " + prefix + ":" + std::string(kPriceNames[k]) + " column");
      }
    }
    volume_ = FindVolume(own);
    trades_ = FindFirst(own, {"trades", "count", "tradecount"});
  }

  void SetUpLeanMinute(const CandleFileOptions& options) {
    if (options.base_date) {
      base_micros_ = options.base_date->micros();
      if (base_micros_ % (kMillisPerDay * 1000) != 0) {
        throw InvalidArgument(path_ + ": base_date " + std::to_string(base_micros_) +
                              " is not a UTC midnight");
      }
      return;
    }
    const std::string name = std::filesystem::path(path_).filename().string();
    std::optional<std::int64_t> base;
    if (name.size() >= 8 && IsAllDigits(std::string_view(name).substr(0, 8))) {
      base = ParseTimeText(std::string_view(name).substr(0, 8));
    }
    if (!base) {
      throw InvalidArgument(path_ +
                            ": layout 'lean-minute' needs base_date: the file name does not "
                            "start with YYYYMMDD");
    }
    base_micros_ = *base;
  }

  void ParseTime(RawRow& row) {
    const std::string_view text = fields_[time_];
    row.time_text = text;
    std::optional<std::int64_t> micros;
    switch (layout_) {
      case Layout::kKraken:
        micros = EpochToMicros(text);
        break;
      case Layout::kLeanMinute:
        if (auto ms = ParseInteger(text); ms && *ms >= 0 && *ms < kMillisPerDay) {
          micros = base_micros_ + *ms * 1000;
        } else {
          ThrowFieldError(path_, row.line, "time", text,
                          "not milliseconds since midnight (0 to 86399999)");
        }
        break;
      default:
        if (clock_ >= 0) {
          time_text_.assign(text);
          time_text_ += ' ';
          time_text_ += fields_[clock_];
          row.time_text = time_text_;
          const auto date = ParseTimeText(text);
          const auto clock = ParseClock(fields_[clock_]);
          if (date && clock) micros = *date + *clock;
        } else {
          micros = ParseTimeText(text);
        }
        break;
    }
    if (!micros) ThrowFieldError(path_, row.line, "time", row.time_text, "not a valid time");
    row.time_micros = *micros;
  }

  std::string line_;
  std::vector<std::string_view> fields_;
  std::string time_text_;
  std::string header_text_;
  std::int64_t header_line_ = 0;
  char sep_ = ',';
  int expected_fields_ = 0;
  bool pending_ = false;  // line_ holds a data row not returned yet
  bool at_end_ = false;
  int time_ = 0;
  bool time_is_date_ = false;
  int clock_ = -1;
  int open_ = 1;
  int high_ = 2;
  int low_ = 3;
  int close_ = 4;
  int volume_ = 5;
  int trades_ = -1;
  std::int64_t base_micros_ = 0;
};

// ---------------------------------------------------------------------------
// freqtrade JSON: [[ms, open, high, low, close, volume], ...], streamed.

class JsonSource : public RowSource {
 public:
  JsonSource(std::string path, BufferedFile file)
      : RowSource(std::move(path), Layout::kFreqtradeJson, std::move(file)) {}

  bool NextRaw(RawRow& row) override {
    if (finished_) return false;
    if (!started_) {
      SkipSpace();
      Expect('[', "'[' opening the array of candles");
      started_ = true;
      SkipSpace();
      if (file_.Peek() == ']') {
        file_.Get();
        return Finish();
      }
    } else {
      SkipSpace();
      const int c = file_.Get();
      if (c == ']') return Finish();
      if (c != ',') Fail(c, "',' or ']' after a candle");
    }
    ++index_;
    SkipSpace();
    Expect('[', "'[' opening a candle");
    std::size_t count = 0;
    while (true) {
      SkipSpace();
      if (count < tokens_.size()) {
        ReadToken(tokens_[count]);
      } else {
        std::string ignored;
        ReadToken(ignored);
      }
      ++count;
      SkipSpace();
      const int c = file_.Get();
      if (c == ']') break;
      if (c != ',') Fail(c, "',' or ']' inside a candle");
    }
    if (count != 6) {
      ThrowFieldError(path_, index_, "columns", std::to_string(count),
                      "expected 6 values [time, open, high, low, close, volume]");
    }
    row.line = index_;
    row.time_text = tokens_[0];
    auto value = ParseInteger(tokens_[0]);
    std::optional<std::int64_t> micros;
    if (value && *value >= 0) micros = EpochToMicros(std::to_string(*value));
    if (!micros) ThrowFieldError(path_, index_, "time", tokens_[0], "not a unix time");
    row.time_micros = *micros;
    row.open = tokens_[1];
    row.high = tokens_[2];
    row.low = tokens_[3];
    row.close = tokens_[4];
    row.has_volume = tokens_[5] != "null";
    row.volume = tokens_[5];
    row.has_trades = false;
    row.trades = {};
    return true;
  }

 private:
  void SkipSpace() {
    while (true) {
      const int c = file_.Peek();
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      file_.Get();
    }
  }

  [[noreturn]] void Fail(int c, std::string_view expected) const {
    const std::string seen = c < 0 ? std::string("end of file") : std::string(1, char(c));
    ThrowFieldError(path_, std::max<std::int64_t>(index_, 1), "json", seen,
                    "malformed JSON: expected " + std::string(expected));
  }

  void Expect(char want, std::string_view what) {
    const int c = file_.Get();
    if (c != want) Fail(c, what);
  }

  // A number, null, true/false or a string's contents.
  void ReadToken(std::string& out) {
    out.clear();
    if (file_.Peek() == '"') {
      file_.Get();
      while (true) {
        const int c = file_.Get();
        if (c < 0) Fail(c, "'\"' closing a string");
        if (c == '"') return;
        if (out.size() >= kMaxTokenLength) Fail(c, "a value of at most 64 characters");
        out.push_back(static_cast<char>(c));
      }
    }
    while (true) {
      const int c = file_.Peek();
      if (c < 0 || c == ',' || c == ']' || c == '[' || c == ' ' || c == '\t' || c == '\n' ||
          c == '\r') {
        break;
      }
      if (out.size() >= kMaxTokenLength) Fail(c, "a value of at most 64 characters");
      out.push_back(static_cast<char>(file_.Get()));
    }
    if (out.empty()) Fail(file_.Peek(), "a value");
  }

  // After the closing ']': only whitespace may follow.
  bool Finish() {
    finished_ = true;
    SkipSpace();
    const int c = file_.Peek();
    if (c >= 0) Fail(c, "nothing after the closing ']'");
    return false;
  }

  bool started_ = false;
  bool finished_ = false;
  std::int64_t index_ = 0;
  std::array<std::string, 6> tokens_;
};

std::string FormatNumber(double v) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, ptr) : std::string("?");
}

}  // namespace
}  // namespace internal

using internal::Layout;

std::vector<std::string> KnownCandleLayouts() {
  std::vector<std::string> out;
  for (const auto& [layout, name] : internal::kLayoutNames) out.emplace_back(name);
  return out;
}

CandleFileReader::CandleFileReader(std::string path, CandleFileOptions options)
    : path_(std::move(path)), options_(std::move(options)) {
  if (options_.price_divisor &&
      (!std::isfinite(*options_.price_divisor) || *options_.price_divisor <= 0)) {
    throw InvalidArgument(path_ + ": price_divisor must be a finite number > 0");
  }
  std::optional<Layout> forced;
  if (options_.format) {
    for (const auto& [layout, name] : internal::kLayoutNames) {
      if (*options_.format == name) forced = layout;
    }
    if (!forced) {
      throw InvalidArgument(path_ + ": unknown candle file layout '" + *options_.format +
                            "'; known: " + internal::KnownList());
    }
  }
  internal::BufferedFile file;
  if (!file.Open(path_)) throw NotFound(path_ + ": cannot open file");

  Layout layout;
  if (forced) {
    layout = *forced;
  } else {
    const std::string_view head = file.Buffered();
    const std::size_t first = head.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && head[first] == '[') {
      layout = Layout::kFreqtradeJson;
    } else {
      // Sniff the first non-blank line from a copy of the buffered bytes.
      std::string_view rest = head;
      std::string_view line;
      while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        if (!internal::IsBlank(line)) break;
        line = {};
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) {
        throw InvalidArgument(path_ + ": cannot detect layout: the file is empty");
      }
      const auto detected = internal::DetectCsvLayout(line);
      if (!detected) {
        throw InvalidArgument(path_ + ": cannot detect layout: first line '" +
                              internal::Excerpt(line) + "'");
      }
      layout = *detected;
    }
  }
  if (layout == Layout::kFreqtradeJson) {
    if (!options_.column_prefix.empty()) {
      throw InvalidArgument(path_ + ": column_prefix '" + options_.column_prefix +
                            "' is only for the wide layout, not 'freqtrade-json'");
    }
    source_ = std::make_unique<internal::JsonSource>(path_, std::move(file));
  } else {
    source_ = std::make_unique<internal::CsvSource>(path_, layout, std::move(file), options_,
                                                    forced.has_value());
  }
  layout_name_ = std::string(internal::LayoutName(layout));
  detected_ = !forced;
  if (options_.price_divisor) {
    divisor_ = *options_.price_divisor;
  } else if (layout == Layout::kLeanDaily || layout == Layout::kLeanMinute) {
    if (internal::InLeanScaledFolder(path_)) {
      divisor_ = 10000;
    } else {
      check_scale_ = true;
    }
  }
}

CandleFileReader::~CandleFileReader() = default;
CandleFileReader::CandleFileReader(CandleFileReader&&) noexcept = default;
CandleFileReader& CandleFileReader::operator=(CandleFileReader&&) noexcept = default;

std::uint64_t CandleFileReader::bytes_read() const noexcept { return source_->file().consumed(); }

std::uint64_t CandleFileReader::file_size() const noexcept { return source_->file().size(); }

namespace {

using internal::FormatNumber;
using internal::ThrowFieldError;

double ParsePrice(const std::string& path, std::int64_t line, std::string_view field,
                  std::string_view text, double divisor) {
  const auto v = internal::ParseDouble(text);
  if (!v) ThrowFieldError(path, line, field, text, "not a number");
  if (!std::isfinite(*v)) ThrowFieldError(path, line, field, text, "not a finite number");
  const double price = *v / divisor;
  if (!(price > 0)) ThrowFieldError(path, line, field, text, "price must be > 0");
  return price;
}

}  // namespace

void CandleFileReader::CheckPlausible(std::int64_t line, std::string_view text,
                                      std::int64_t micros) const {
  if (const auto reason =
          internal::ImplausibleTimeReason(micros, text, layout_name_, internal::KnownList())) {
    ThrowFieldError(path_, line, "time", text, *reason);
  }
}

bool CandleFileReader::Next(CandleRow& out) {
  internal::RawRow raw;
  if (!source_->NextRaw(raw)) return false;
  const std::int64_t ln = raw.line;
  if (check_scale_) {
    check_scale_ = false;
    if (internal::LooksDeciCents({raw.open, raw.high, raw.low, raw.close})) {
      ThrowFieldError(path_, ln, "open", raw.open,
                      "whole-number prices >= 10000 in a Lean file are ambiguous: Lean "
                      "equity files are in deci-cents (--price-divisor 10000), other asset "
                      "classes in units (--price-divisor 1); name the scale");
    }
  }
  const double divisor = divisor_;
  Candle c;
  c.open = ParsePrice(path_, ln, "open", raw.open, divisor);
  c.high = ParsePrice(path_, ln, "high", raw.high, divisor);
  c.low = ParsePrice(path_, ln, "low", raw.low, divisor);
  c.close = ParsePrice(path_, ln, "close", raw.close, divisor);

  if (!raw.has_volume || raw.volume.empty()) {
    if (!options_.allow_missing_volume) {
      ThrowFieldError(path_, ln, "volume", raw.volume,
                      "missing (allow_missing_volume reads it as 0)");
    }
    c.volume = 0;
  } else {
    const auto v = internal::ParseDouble(raw.volume);
    if (!v) ThrowFieldError(path_, ln, "volume", raw.volume, "not a number");
    if (!std::isfinite(*v)) ThrowFieldError(path_, ln, "volume", raw.volume, "not a finite number");
    if (*v < 0) ThrowFieldError(path_, ln, "volume", raw.volume, "volume must be >= 0");
    c.volume = *v + 0.0;  // no -0
  }
  if (raw.has_trades && !raw.trades.empty()) {
    const auto t = internal::ParseInteger(raw.trades);
    if (!t) ThrowFieldError(path_, ln, "trades", raw.trades, "not an integer");
    if (*t < 0) ThrowFieldError(path_, ln, "trades", raw.trades, "trade count must be >= 0");
    c.trades = *t;
  }

  if (c.low > c.high) {
    ThrowFieldError(path_, ln, "low", raw.low, "above high " + std::string(raw.high));
  }
  if (c.high < std::max(c.open, c.close)) {
    ThrowFieldError(
        path_, ln, "high", raw.high,
        "below max(open, close) = " + FormatNumber(std::max(c.open, c.close) * divisor));
  }
  if (c.low > std::min(c.open, c.close)) {
    ThrowFieldError(
        path_, ln, "low", raw.low,
        "above min(open, close) = " + FormatNumber(std::min(c.open, c.close) * divisor));
  }

  if (detected_) CheckPlausible(ln, raw.time_text, raw.time_micros);
  const Timestamp t(raw.time_micros + options_.time_offset);
  if (!IsAligned(t, options_.timeframe)) {
    ThrowFieldError(
        path_, ln, "time", raw.time_text,
        "not aligned to the " + std::string(ToString(options_.timeframe)) + " timeframe");
  }
  if (last_time_ && t != *last_time_) {
    const CandleOrder step = t > *last_time_ ? CandleOrder::kAscending : CandleOrder::kDescending;
    if (order_ == CandleOrder::kUnknown) {
      order_ = step;
      order_line_ = ln;
    } else if (step != order_) {
      const bool asc = order_ == CandleOrder::kAscending;
      ThrowFieldError(
          path_, ln, "time", raw.time_text,
          std::string("out of order: the file is ") + (asc ? "ascending" : "descending") +
              " (fixed at line " + std::to_string(order_line_) + ") but this time is " +
              (asc ? "earlier" : "later") + " than line " + std::to_string(last_line_) + "'s");
    }
  }
  last_time_ = t;
  last_line_ = ln;
  c.open_time = t;
  out.candle = c;
  out.line = ln;
  ++rows_read_;
  return true;
}

}  // namespace tradestore::io
