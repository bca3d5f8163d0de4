#include "io/candle_reader_text.h"

#include <zip.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include "io/csv_file.h"
#include "tradestore/error.h"
#include "tradestore/text.h"
#include "tradestore/timestamp.h"

namespace tradestore::io::internal {
namespace {

constexpr std::size_t kBufferSize = 64 * 1024;
constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }
char LowerChar(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// A left-to-right cursor over a time stamp's text.
class Cursor {
 public:
  explicit Cursor(std::string_view s) noexcept : s_(s) {}

  bool AtEnd() const noexcept { return i_ >= s_.size(); }
  char PeekChar() const noexcept { return AtEnd() ? '\0' : s_[i_]; }
  bool Consume(char c) noexcept {
    if (PeekChar() != c) return false;
    ++i_;
    return true;
  }
  void SkipSpaces() noexcept {
    while (PeekChar() == ' ') ++i_;
  }
  // Exactly `min`..`max` digits as a number.
  std::optional<int> Digits(int min, int max) noexcept {
    int value = 0;
    int n = 0;
    while (n < max && IsDigit(PeekChar())) {
      value = value * 10 + (s_[i_] - '0');
      ++i_;
      ++n;
    }
    if (n < min) return std::nullopt;
    return value;
  }
  // How many digits follow.
  std::size_t DigitRun() const noexcept {
    std::size_t n = 0;
    while (i_ + n < s_.size() && IsDigit(s_[i_ + n])) ++n;
    return n;
  }
  // Case-insensitive keyword.
  bool ConsumeWord(std::string_view word) noexcept {
    if (s_.size() - i_ < word.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k) {
      if (LowerChar(s_[i_ + k]) != word[k]) return false;
    }
    i_ += word.size();
    return true;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// Month from an English abbreviation ("Dec"), 0 if none.
int ParseMonthName(Cursor& c) noexcept {
  static constexpr std::string_view kNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int m = 0; m < 12; ++m) {
    if (c.ConsumeWord(kNames[m])) return m + 1;
  }
  return 0;
}

struct CivilDate {
  int year = 0;
  int month = 0;
  int day = 0;
};

// "YYYY-MM-DD", "YYYY/MM/DD", "YYYYMMDD" or "D-Mon-YY[YY]".
std::optional<CivilDate> ParseDate(Cursor& c) noexcept {
  CivilDate d;
  const std::size_t run = c.DigitRun();
  if (run == 8) {
    d.year = *c.Digits(4, 4);
    d.month = *c.Digits(2, 2);
    d.day = *c.Digits(2, 2);
    return d;
  }
  if (run == 4) {
    d.year = *c.Digits(4, 4);
    const char sep = c.PeekChar();
    if (sep != '-' && sep != '/') return std::nullopt;
    c.Consume(sep);
    auto month = c.Digits(1, 2);
    if (!month || !c.Consume(sep)) return std::nullopt;
    auto day = c.Digits(1, 2);
    if (!day) return std::nullopt;
    d.month = *month;
    d.day = *day;
    return d;
  }
  if (run == 1 || run == 2) {
    d.day = *c.Digits(1, 2);
    if (!c.Consume('-')) return std::nullopt;
    d.month = ParseMonthName(c);
    if (d.month == 0 || !c.Consume('-')) return std::nullopt;
    const std::size_t year_digits = c.DigitRun();
    if (year_digits == 2) {
      const int yy = *c.Digits(2, 2);
      d.year = yy >= 69 ? 1900 + yy : 2000 + yy;
    } else if (year_digits == 4) {
      d.year = *c.Digits(4, 4);
    } else {
      return std::nullopt;
    }
    return d;
  }
  return std::nullopt;
}

// Fraction digits after '.', as microseconds; digits beyond the sixth must be
// zero (the store keeps microseconds).
std::optional<std::int64_t> ParseFraction(Cursor& c) noexcept {
  const std::size_t n = c.DigitRun();
  if (n == 0 || n > 9) return std::nullopt;
  std::int64_t micros = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const int digit = *c.Digits(1, 1);
    if (k < 6) {
      micros = micros * 10 + digit;
    } else if (digit != 0) {
      return std::nullopt;
    }
  }
  for (std::size_t k = n; k < 6; ++k) micros *= 10;
  return micros;
}

// "AM"/"PM" applied to a 12-hour clock hour.
std::optional<int> ApplyMeridiem(Cursor& c, int hour, bool& had) noexcept {
  had = false;
  const bool am = c.ConsumeWord("am");
  const bool pm = !am && c.ConsumeWord("pm");
  if (!am && !pm) return hour;
  had = true;
  if (hour < 1 || hour > 12) return std::nullopt;
  if (am) return hour == 12 ? 0 : hour;
  return hour == 12 ? 12 : hour + 12;
}

// A clock time, possibly with AM/PM: "HH:MM[:SS[.f]]", "HHMMSS", "HH-AM".
std::optional<std::int64_t> ParseClockPart(Cursor& c) noexcept {
  const std::size_t run = c.DigitRun();
  int hour = 0;
  int minute = 0;
  int second = 0;
  std::int64_t micros = 0;
  if (run == 6) {
    hour = *c.Digits(2, 2);
    minute = *c.Digits(2, 2);
    second = *c.Digits(2, 2);
  } else if (run == 1 || run == 2) {
    hour = *c.Digits(1, 2);
    if (c.Consume('-')) {  // CryptoDataDownload "09-AM"
      bool had = false;
      auto h24 = ApplyMeridiem(c, hour, had);
      if (!had || !h24) return std::nullopt;
      return *h24 * 3600 * kMicrosPerSecond;
    }
    if (!c.Consume(':')) return std::nullopt;
    auto m = c.Digits(2, 2);
    if (!m) return std::nullopt;
    minute = *m;
    if (c.Consume(':')) {
      auto s = c.Digits(2, 2);
      if (!s) return std::nullopt;
      second = *s;
      if (c.Consume('.')) {
        auto f = ParseFraction(c);
        if (!f) return std::nullopt;
        micros = *f;
      }
    }
    Cursor probe = c;
    probe.SkipSpaces();
    bool had = false;
    auto h24 = ApplyMeridiem(probe, hour, had);
    if (had) {
      if (!h24) return std::nullopt;
      hour = *h24;
      c = probe;
    }
  } else {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond + micros;
}

// "Z", "+HH:MM", "-HH:MM", "+HHMM", "+HH"; the offset in microseconds.
std::optional<std::int64_t> ParseZone(Cursor& c) noexcept {
  if (c.Consume('Z') || c.Consume('z')) return 0;
  int sign = 0;
  if (c.Consume('+')) {
    sign = 1;
  } else if (c.Consume('-')) {
    sign = -1;
  } else {
    return std::nullopt;
  }
  auto hours = c.Digits(2, 2);
  if (!hours) return std::nullopt;
  int minutes = 0;
  if (c.Consume(':')) {
    auto m = c.Digits(2, 2);
    if (!m) return std::nullopt;
    minutes = *m;
  } else if (c.DigitRun() == 2) {
    minutes = *c.Digits(2, 2);
  }
  if (*hours > 23 || minutes > 59) return std::nullopt;
  return sign * static_cast<std::int64_t>(*hours * 60 + minutes) * 60 * kMicrosPerSecond;
}

}  // namespace

std::string Printable(std::string_view bytes, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(bytes.size(), max_bytes) + 3);
  std::size_t i = 0;
  while (i < bytes.size() && i < max_bytes) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (const std::size_t n = c >= 0x80 ? Utf8SequenceAt(bytes, i) : 0; n > 0) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
    }
  }
  if (i < bytes.size()) out += "...";
  return out;
}

void ThrowFieldError(const std::string& file, std::int64_t line, std::string_view field,
                     std::string_view value, std::string_view reason) {
  throw InvalidArgument(file + ":" + std::to_string(line) + ": field '" + std::string(field) +
                        "' value '" + Printable(value) + "': " + std::string(reason));
}

struct ZipMember {
  zip_t* archive = nullptr;
  zip_file_t* file = nullptr;
};

namespace {

void CloseZip(ZipMember* z) {
  if (z == nullptr) return;
  if (z->file != nullptr) zip_fclose(z->file);
  if (z->archive != nullptr) zip_discard(z->archive);  // read-only: nothing to write back
  delete z;
}

bool HasZipSignature(std::ifstream& in) {
  char magic[4] = {};
  in.read(magic, 4);
  const bool zip =
      in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
  in.clear();
  in.seekg(0, std::ios::beg);
  return zip;
}

}  // namespace

BufferedFile::BufferedFile() : zip_(nullptr, &CloseZip) {}
BufferedFile::~BufferedFile() = default;
BufferedFile::BufferedFile(BufferedFile&&) noexcept = default;
BufferedFile& BufferedFile::operator=(BufferedFile&&) noexcept = default;

bool BufferedFile::Open(const std::string& path) {
  path_ = path;
  in_.open(path, std::ios::binary);
  if (!in_) return false;
  if (HasZipSignature(in_)) {
    in_.close();
    int code = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &code);
    if (archive == nullptr) {
      zip_error_t error;
      zip_error_init_with_code(&error, code);
      const std::string why = zip_error_strerror(&error);
      zip_error_fini(&error);
      throw InvalidArgument(path + ": cannot read the zip archive: " + why);
    }
    zip_.reset(new ZipMember{archive, nullptr});
    std::vector<zip_uint64_t> files;
    std::vector<std::string> names;
    const zip_int64_t entries = zip_get_num_entries(archive, 0);
    for (zip_int64_t i = 0; i < entries; ++i) {
      const char* name = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0);
      if (name == nullptr) continue;
      const std::string n(name);
      if (!n.empty() && n.back() == '/') continue;  // a directory
      files.push_back(static_cast<zip_uint64_t>(i));
      names.push_back(n);
    }
    if (files.size() != 1) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + Printable(n);
      throw InvalidArgument(path + ": a zip archive must hold exactly one file, this one holds " +
                            std::to_string(files.size()) + (list.empty() ? "" : ": " + list));
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive, files[0], 0, &st) != 0 ||
        (zip_->file = zip_fopen_index(archive, files[0], 0)) == nullptr) {
      throw InvalidArgument(path + ": cannot read '" + Printable(names[0]) +
                            "' in the zip archive: " + zip_strerror(archive));
    }
    member_name_ = names[0];
    size_ = (st.valid & ZIP_STAT_SIZE) != 0 ? st.size : 0;
  } else {
    in_.seekg(0, std::ios::end);
    const auto end = in_.tellg();
    in_.seekg(0, std::ios::beg);
    size_ = end > 0 ? static_cast<std::uint64_t>(end) : 0;
  }
  buffer_.resize(kBufferSize);
  if (Fill() && end_ - pos_ >= 3 && static_cast<unsigned char>(buffer_[0]) == 0xEF &&
      static_cast<unsigned char>(buffer_[1]) == 0xBB &&
      static_cast<unsigned char>(buffer_[2]) == 0xBF) {
    pos_ = 3;
    consumed_ = 3;
  }
  return true;
}

bool BufferedFile::Fill() {
  if (pos_ < end_) return true;
  if (zip_) {
    const zip_int64_t n = zip_fread(zip_->file, buffer_.data(), buffer_.size());
    if (n < 0) {
      throw InvalidArgument(path_ + ": the zip member '" + Printable(member_name_) +
                            "' is damaged: " + zip_file_strerror(zip_->file));
    }
    pos_ = 0;
    end_ = static_cast<std::size_t>(n);
    return end_ > 0;
  }
  if (!in_) return false;
  in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  pos_ = 0;
  end_ = static_cast<std::size_t>(in_.gcount());
  return end_ > 0;
}

int BufferedFile::Peek() {
  if (!Fill()) return -1;
  return static_cast<unsigned char>(buffer_[pos_]);
}

std::string_view BufferedFile::Buffered() {
  if (!Fill()) return {};
  return std::string_view(buffer_.data() + pos_, end_ - pos_);
}

int BufferedFile::Get() {
  if (!Fill()) return -1;
  ++consumed_;
  return static_cast<unsigned char>(buffer_[pos_++]);
}

BufferedFile::LineStatus BufferedFile::ReadLine(std::string& line, std::size_t max_length) {
  line.clear();
  bool any = false;
  while (Fill()) {
    any = true;
    const char* begin = buffer_.data() + pos_;
    const std::size_t available = end_ - pos_;
    const void* nl = std::char_traits<char>::find(begin, available, '\n');
    const std::size_t take =
        nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - begin) : available;
    if (line.size() + take > max_length) {
      ++line_number_;
      return LineStatus::kTooLong;
    }
    line.append(begin, take);
    pos_ += take;
    consumed_ += take;
    if (nl) {
      ++pos_;
      ++consumed_;
      break;
    }
  }
  if (!any) return LineStatus::kEof;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  ++line_number_;
  return LineStatus::kLine;
}

std::string_view TrimField(std::string_view s) noexcept {
  s = TrimBlanks(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

void SplitFields(std::string_view line, char sep, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = line.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(TrimField(line.substr(start)));
      return;
    }
    out.push_back(TrimField(line.substr(start, pos - start)));
    start = pos + 1;
  }
}

std::string NormalizeName(std::string_view s) {
  std::string out;
  for (char c : s) {
    c = LowerChar(c);
    if ((c >= 'a' && c <= 'z') || IsDigit(c)) out.push_back(c);
  }
  return out;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

std::optional<double> ParseDouble(std::string_view s) noexcept {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> ParseInteger(std::string_view s) noexcept {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc() && ptr == s.data() + s.size()) return value;
  auto d = ParseDouble(s);
  if (!d || !std::isfinite(*d) || std::trunc(*d) != *d || std::fabs(*d) > 9e15) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*d);
}

bool IsAllDigits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

std::optional<std::int64_t> CivilToMicros(int year, int month, int day, int hour, int minute,
                                          int second, std::int64_t micros) noexcept {
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return days * kMicrosPerDay + ((hour * 60LL + minute) * 60 + second) * kMicrosPerSecond + micros;
}

std::optional<std::int64_t> EpochToMicros(std::string_view digits) noexcept {
  if (!IsAllDigits(digits) || digits.size() > 19) return std::nullopt;
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return Timestamp::FromUnixAnyUnit(v).micros();
}

std::optional<std::int64_t> ParseTimeText(std::string_view s) noexcept {
  s = TrimField(s);
  if (IsAllDigits(s) && s.size() != 8) return EpochToMicros(s);
  Cursor c(s);
  auto date = ParseDate(c);
  if (!date) return std::nullopt;
  std::int64_t clock = 0;
  std::int64_t offset = 0;
  if (!c.AtEnd()) {
    if (!c.Consume('T') && !c.Consume(' ')) return std::nullopt;
    c.SkipSpaces();
    auto part = ParseClockPart(c);
    if (!part) return std::nullopt;
    clock = *part;
    c.SkipSpaces();
    if (!c.AtEnd()) {
      auto zone = ParseZone(c);
      if (!zone) return std::nullopt;
      offset = *zone;
    }
    if (!c.AtEnd()) return std::nullopt;
  }
  auto midnight = CivilToMicros(date->year, date->month, date->day);
  if (!midnight) return std::nullopt;
  return *midnight + clock - offset;
}

std::optional<std::int64_t> ParseClock(std::string_view s) noexcept {
  Cursor c(TrimField(s));
  auto part = ParseClockPart(c);
  if (!part || !c.AtEnd()) return std::nullopt;
  return part;
}

bool InLeanScaledFolder(const std::string& path) {
  const std::filesystem::path p(path);
  for (const auto& part : p.parent_path()) {
    const std::string name = ToLower(part.string());
    if (name == "equity" || name == "option" || name == "index") return true;
  }
  return false;
}

bool LooksDeciCents(std::initializer_list<std::string_view> prices) noexcept {
  for (std::string_view text : prices) {
    const std::string_view t = TrimField(text);
    if (!IsAllDigits(t) || t.empty()) return false;
    const auto v = ParseInteger(t);
    if (!v || *v < 10000) return false;
  }
  return true;
}

std::int64_t PlausibleLatestMicros() noexcept {
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return now + 2LL * 86400 * 1000000;
}

bool IsBareNumber(std::string_view text) noexcept {
  const std::string_view t = TrimField(text);
  if (t.empty()) return false;
  int dots = 0;
  for (char c : t) {
    if (c == '.') {
      if (++dots > 1) return false;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

std::optional<std::string> ImplausibleTimeReason(std::int64_t micros, std::string_view text,
                                                 std::string_view layout, std::string_view known) {
  const bool too_late = micros > PlausibleLatestMicros();
  const bool too_early = micros < kPlausibleEarliestMicros && IsBareNumber(text);
  if (!too_late && !too_early) return std::nullopt;
  return "reads as " + Timestamp(micros).ToIso() + " under the detected layout '" +
         std::string(layout) + "', which is implausible (" +
         (too_late ? "in the future" : "before 1990") +
         "); name the layout with --format if the file is right (layouts: " + std::string(known) +
         ")";
}

}  // namespace tradestore::io::internal
