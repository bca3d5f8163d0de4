// Building blocks of the candle file reader (candle_reader.h): a chunked
// file reader with constant memory, and locale-independent parsers for the
// numbers and time stamps found in market data files. Internal to src/io.
#pragma once

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tradestore::io::internal {

// `bytes` as shown in an error message: at most the first `max_bytes` bytes
// (then "..."), valid UTF-8 kept, every other byte escaped: control bytes
// and DEL as \t, \r, \n or \xHH, a byte that is not part of a valid UTF-8
// sequence as \xHH (e.g. NUL as \x00, 0xFF as \xff). The result never holds
// a NUL, so a message built from it is never cut short.
std::string Printable(std::string_view bytes, std::size_t max_bytes = 80);

// Throws Error(kInvalidArgument) "FILE:LINE: field 'NAME' value 'VALUE': REASON".
// VALUE is rendered by Printable (80 bytes at most, unprintable bytes escaped).
[[noreturn]] void ThrowFieldError(const std::string& file, std::int64_t line,
                                  std::string_view field, std::string_view value,
                                  std::string_view reason);

struct ZipMember;  // an open member of a zip archive (libzip)

// Reads a file through a fixed 64 KiB buffer, byte by byte or line by line.
// A UTF-8 byte order mark at the start is skipped. A zip archive (found by
// its signature "PK\3\4", as Lean ships its data) is read through its one
// file member, decompressed as it streams: memory stays flat either way.
class BufferedFile {
 public:
  enum class LineStatus { kEof, kLine, kTooLong };

  BufferedFile();
  ~BufferedFile();
  BufferedFile(BufferedFile&&) noexcept;
  BufferedFile& operator=(BufferedFile&&) noexcept;

  // False when the file cannot be opened. Throws Error(kInvalidArgument)
  // "FILE: ..." for a zip archive that cannot be read or does not hold
  // exactly one file (directories aside).
  bool Open(const std::string& path);

  // The member read from a zip archive ("" for a plain file).
  const std::string& member_name() const noexcept { return member_name_; }

  // The next byte, or -1 at the end; Peek does not consume it.
  int Peek();
  int Get();
  // Bytes read ahead but not consumed yet (up to one buffer), for sniffing.
  std::string_view Buffered();

  // Reads the next line into `line` without its "\n" or "\r\n" and counts it
  // in line_number(). kTooLong when the line exceeds `max_length` bytes (the
  // rest of it is not read).
  LineStatus ReadLine(std::string& line, std::size_t max_length);

  // 1-based number of the last line ReadLine returned (0 before the first).
  std::int64_t line_number() const noexcept { return line_number_; }
  std::uint64_t consumed() const noexcept { return consumed_; }
  std::uint64_t size() const noexcept { return size_; }

 private:
  bool Fill();

  std::ifstream in_;
  std::unique_ptr<ZipMember, void (*)(ZipMember*)> zip_;
  std::string path_;
  std::string member_name_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::uint64_t consumed_ = 0;
  std::uint64_t size_ = 0;
  std::int64_t line_number_ = 0;
};

// Strips spaces, tabs and one pair of surrounding double quotes.
std::string_view TrimField(std::string_view s) noexcept;

// Splits on `sep` into trimmed fields (no quoting rules beyond TrimField).
void SplitFields(std::string_view line, char sep, std::vector<std::string_view>& out);

// Lowercase with everything but [a-z0-9] removed: "Adj. Close" -> "adjclose".
std::string NormalizeName(std::string_view s);
std::string ToLower(std::string_view s);

// Whole-string parse with std::from_chars; a leading '+' is accepted. No
// finiteness check ("inf"/"nan" parse). nullopt when unparsable.
std::optional<double> ParseDouble(std::string_view s) noexcept;
// Integer, or a double with an integral value ("31.0"). nullopt otherwise.
std::optional<std::int64_t> ParseInteger(std::string_view s) noexcept;

bool IsAllDigits(std::string_view s) noexcept;

// Microseconds since the epoch of a civil UTC date-time; nullopt when the
// date does not exist.
std::optional<std::int64_t> CivilToMicros(int year, int month, int day, int hour = 0,
                                          int minute = 0, int second = 0,
                                          std::int64_t micros = 0) noexcept;

// Unix time in s, ms, µs or ns chosen by magnitude (< 1e11 s, < 1e14 ms,
// < 1e17 µs, else ns); microseconds.
std::optional<std::int64_t> EpochToMicros(std::string_view digits) noexcept;

// A time stamp in any form listed in candle_reader.h; microseconds UTC.
std::optional<std::int64_t> ParseTimeText(std::string_view s) noexcept;

// A time of day "HH:MM", "HH:MM:SS[.fraction]" or "HHMMSS"; microseconds
// since midnight.
std::optional<std::int64_t> ParseClock(std::string_view s) noexcept;

// True when a directory of `path` is named "equity", "option" or "index"
// (case-insensitive): Lean's data folders whose prices are deci-cents.
bool InLeanScaledFolder(const std::string& path);

// True when every price is a whole number >= 10000 (written without a
// fraction): how a Lean equity row in deci-cents looks.
bool LooksDeciCents(std::initializer_list<std::string_view> prices) noexcept;

// The bounds of a plausible time for a detected layout, µs UTC: 1990-01-01
// (for times written as bare numbers) and now + 2 days.
constexpr std::int64_t kPlausibleEarliestMicros = 631152000LL * 1000000;  // 1990-01-01
std::int64_t PlausibleLatestMicros() noexcept;

// Whether `text` is a bare number (digits, at most one '.'): epoch or offset
// times whose unit a reader infers, as opposed to a written date.
bool IsBareNumber(std::string_view text) noexcept;

// The reason a time read under a *detected* layout is implausible, or
// nullopt when it is plausible: after PlausibleLatestMicros ("in the
// future"), or before kPlausibleEarliestMicros when written as a bare number
// ("before 1990"; a written date is taken as meant). The reason says how
// the time reads, names the layout and the known layouts (`known`) and
// asks for --format. One rule for the candle and trade readers.
std::optional<std::string> ImplausibleTimeReason(std::int64_t micros, std::string_view text,
                                                 std::string_view layout, std::string_view known);

}  // namespace tradestore::io::internal
