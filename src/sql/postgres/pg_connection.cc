#include "sql/postgres/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "sql/text_check.h"
#include "tradestore/error.h"

namespace tradestore::sql {
namespace {

// The session settings the text encodings below rely on.
constexpr const char* kSessionOptions = "-c DateStyle=ISO -c TimeZone=UTC";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// One line: libpq messages end with '\n' and may hold several lines.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "; ";
    } else {
      out += c;
    }
  }
  while (out.size() >= 2 && out.ends_with("; ")) out.resize(out.size() - 2);
  return out;
}

// Reads `n` digits at s[*pos]; false if they are not there.
bool ReadDigits(std::string_view s, std::size_t* pos, int n, int* out) {
  if (*pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[*pos + static_cast<std::size_t>(i)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += static_cast<std::size_t>(n);
  *out = v;
  return true;
}

// Parses timestamptz output in DateStyle ISO: "2023-03-01 00:00:00+00",
// "2023-03-01 00:00:00.5+05:30", "10000-01-01 00:00:00+00". The offset is
// "+HH", "+HH:MM" or "+HH:MM:SS"; without one the time is UTC (timestamp
// without time zone).
std::optional<Timestamp> ParseTimestampText(std::string_view s) {
  std::size_t pos = 0;
  std::size_t year_digits = 0;
  while (year_digits < s.size() && IsDigit(s[year_digits])) ++year_digits;
  if (year_digits < 4 || year_digits > 6) return std::nullopt;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!ReadDigits(s, &pos, static_cast<int>(year_digits), &year)) return std::nullopt;
  if (pos >= s.size() || s[pos++] != '-' || !ReadDigits(s, &pos, 2, &month)) return std::nullopt;
  if (pos >= s.size() || s[pos++] != '-' || !ReadDigits(s, &pos, 2, &day)) return std::nullopt;
  if (pos < s.size()) {
    if (s[pos] != ' ' && s[pos] != 'T') return std::nullopt;
    ++pos;
    if (!ReadDigits(s, &pos, 2, &hour)) return std::nullopt;
    if (pos >= s.size() || s[pos++] != ':' || !ReadDigits(s, &pos, 2, &minute)) {
      return std::nullopt;
    }
    if (pos >= s.size() || s[pos++] != ':' || !ReadDigits(s, &pos, 2, &second)) {
      return std::nullopt;
    }
  }
  std::int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (digits < 6) {
        micros = micros * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) micros *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0;
    int om = 0;
    int os = 0;
    if (!ReadDigits(s, &pos, 2, &oh)) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, &pos, 2, &om)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') {
        ++pos;
        if (!ReadDigits(s, &pos, 2, &os)) return std::nullopt;
      }
    }
    offset_seconds = sign * (oh * 3600 + om * 60 + os);
  } else if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  }
  if (pos != s.size()) return std::nullopt;  // " BC", garbage
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const Timestamp local = Timestamp::FromCivil(
      year, static_cast<unsigned>(month), static_cast<unsigned>(day), hour, minute, second, micros);
  return local - offset_seconds * kMicrosPerSecond;
}

std::string DoubleText(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

class PgConnection;

// libpq's parameter array for bound values: nullptr for NULL.
std::vector<const char*> ParamPointers(const std::vector<std::string>& values,
                                       const std::vector<bool>& is_null) {
  std::vector<const char*> params(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    params[i] = is_null[i] ? nullptr : values[i].c_str();
  }
  return params;
}

// Type OIDs of pg_type (fixed in every PostgreSQL) and the epoch of its
// binary times (µs since 2000-01-01 UTC), for COPY's binary format and
// binary results.
using Oid = unsigned int;
constexpr Oid kBoolOid = 16, kByteaOid = 17, kNameOid = 19, kInt8Oid = 20, kInt2Oid = 21,
              kInt4Oid = 23, kTextOid = 25, kFloat4Oid = 700, kFloat8Oid = 701, kBpcharOid = 1042,
              kVarcharOid = 1043, kTimestampOid = 1114, kTimestamptzOid = 1184;
constexpr std::int64_t kPostgresEpochMicros = 946'684'800'000'000;

class PgStatement final : public Statement {
 public:
  PgStatement(PgConnection& owner, NumberedSql sql)
      : owner_(owner),
        sql_(std::move(sql)),
        values_(static_cast<std::size_t>(sql_.parameters)),
        is_null_(static_cast<std::size_t>(sql_.parameters), true) {}
  ~PgStatement() override { ClearResult(); }

  Statement& BindNull(int index) override {
    Slot(index);
    is_null_[static_cast<std::size_t>(index - 1)] = true;
    return *this;
  }
  Statement& Bind(int index, std::int64_t value) override {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    Slot(index).assign(buffer, result.ptr);
    return *this;
  }
  Statement& Bind(int index, double value) override {
    Slot(index) = DoubleText(value);
    return *this;
  }
  Statement& Bind(int index, std::string_view value) override {
    CheckBoundText(sql_.text, index, value);
    Slot(index).assign(value.data() != nullptr ? value.data() : "", value.size());
    return *this;
  }
  Statement& Bind(int index, const Decimal& value) override {
    Slot(index) = value.ToString();
    return *this;
  }
  Statement& Bind(int index, Timestamp value) override {
    CheckBoundTime(sql_.text, index, value);
    Slot(index) = value.ToIso();
    return *this;
  }
  // bytea's hex input form, "\x0a1b...".
  Statement& BindBlob(int index, std::string_view bytes) override {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string& slot = Slot(index);
    slot.resize(2 + 2 * bytes.size());
    slot[0] = '\\';
    slot[1] = 'x';
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      const auto b = static_cast<unsigned char>(bytes[i]);
      slot[2 + 2 * i] = kHex[b >> 4];
      slot[3 + 2 * i] = kHex[b & 15];
    }
    return *this;
  }

  bool Step() override {
    if (result_ == nullptr) Run();
    if (row_ + 1 >= rows_) {
      row_ = rows_;
      return false;
    }
    ++row_;
    return true;
  }
  std::int64_t Execute() override {
    if (result_ == nullptr) Run();
    const char* tuples = PQcmdTuples(result_);
    std::int64_t n = 0;
    if (tuples != nullptr) std::from_chars(tuples, tuples + std::strlen(tuples), n);
    row_ = rows_;
    return n;
  }
  void ExecuteDeferred() override;
  void Reset() override { ClearResult(); }
  void ResetAndClear() {
    ClearResult();
    for (std::size_t i = 0; i < is_null_.size(); ++i) is_null_[i] = true;
  }

  Statement& PreferBinaryResults() override {
    binary_results_ = true;
    return *this;
  }
  int result_format() const { return binary_results_ ? 1 : 0; }

  bool IsNull(int column) const override {
    CheckRow(column);
    return PQgetisnull(result_, row_, column) != 0;
  }
  std::int64_t GetInt64(int column) const override {
    const Field f = Value(column);
    if (f.binary) return BinaryInteger(column, f.bytes, "an integer");
    const std::string_view text = f.bytes;
    if (text.empty()) return 0;  // NULL
    if (text == "t") return 1;   // a boolean expression
    if (text == "f") return 0;
    std::int64_t value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
      throw Error(ErrorKind::kInternal, "column " + std::to_string(column) + " of '" + sql_.text +
                                            "' is not an integer: '" + std::string(text) + "'");
    }
    return value;
  }
  double GetDouble(int column) const override {
    const Field f = Value(column);
    if (f.binary) {
      if (f.bytes.empty()) return 0;  // NULL
      switch (PQftype(result_, column)) {
        case kFloat8Oid:
          return std::bit_cast<double>(BigEndian<std::uint64_t>(column, f.bytes));
        case kFloat4Oid:
          return std::bit_cast<float>(BigEndian<std::uint32_t>(column, f.bytes));
        default:
          return static_cast<double>(BinaryInteger(column, f.bytes, "a double"));
      }
    }
    const std::string_view text = f.bytes;
    if (text.empty()) return 0;
    double value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
      throw Error(ErrorKind::kInternal, "column " + std::to_string(column) + " of '" + sql_.text +
                                            "' is not a number: '" + std::string(text) + "'");
    }
    return value;
  }
  std::string GetText(int column) const override {
    const Field f = Value(column);
    if (f.binary) BinaryTextual(column, "text");
    return std::string(f.bytes);
  }
  // bytea arrives in its hex output form (bytea_output = hex, the default
  // since PostgreSQL 9.0), or as its bytes in binary results.
  std::string_view GetBlob(int column) const override {
    const Field f = Value(column);
    if (f.binary) {
      if (PQftype(result_, column) != kByteaOid) BinaryTextual(column, "a blob");
      return f.bytes;
    }
    const std::string_view text = f.bytes;
    if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
      if (text.empty()) return {};
      throw Error(ErrorKind::kInternal, "column " + std::to_string(column) + " of '" + sql_.text +
                                            "' is not bytea in hex form");
    }
    const auto nibble = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      throw Error(ErrorKind::kInternal, "bad hex digit in a bytea column of '" + sql_.text + "'");
    };
    blob_.resize((text.size() - 2) / 2);
    for (std::size_t i = 0; i < blob_.size(); ++i) {
      blob_[i] = static_cast<char>(nibble(text[2 + 2 * i]) << 4 | nibble(text[3 + 2 * i]));
    }
    return blob_;
  }
  Decimal GetDecimal(int column) const override {
    const Field f = Value(column);
    if (f.binary) BinaryTextual(column, "a decimal");
    const std::string_view text = f.bytes;
    if (text.empty()) return Decimal();
    return Decimal::Parse(text);
  }
  Timestamp GetTimestamp(int column) const override {
    const Field f = Value(column);
    if (f.binary) {
      const std::string_view bytes = f.bytes;
      if (bytes.empty()) return Timestamp();  // NULL
      const Oid type = PQftype(result_, column);
      if (type != kTimestamptzOid && type != kTimestampOid) {
        // An integer column holding µs.
        return Timestamp(BinaryInteger(column, bytes, "a timestamp"));
      }
      // µs since 2000-01-01 UTC; ±infinity are the int64 extremes.
      const auto since_2000 = static_cast<std::int64_t>(BigEndian<std::uint64_t>(column, bytes));
      std::int64_t micros = 0;
      if (since_2000 == std::numeric_limits<std::int64_t>::max() ||
          since_2000 == std::numeric_limits<std::int64_t>::min() ||
          __builtin_add_overflow(since_2000, kPostgresEpochMicros, &micros)) {
        throw Error(ErrorKind::kInternal, "column " + std::to_string(column) + " of '" + sql_.text +
                                              "' is not a finite timestamp");
      }
      return Timestamp(micros);
    }
    const std::string_view text = f.bytes;
    if (text.empty()) return Timestamp();
    if (auto t = ParseTimestampText(text)) return *t;
    std::int64_t micros = 0;  // an integer column holding microseconds
    const auto result = std::from_chars(text.data(), text.data() + text.size(), micros);
    if (result.ec == std::errc() && result.ptr == text.data() + text.size()) {
      return Timestamp(micros);
    }
    throw Error(ErrorKind::kInternal, "column " + std::to_string(column) + " of '" + sql_.text +
                                          "' is not a timestamp: '" + std::string(text) + "'");
  }

  const std::string& text() const { return sql_.text; }
  int parameters() const { return sql_.parameters; }
  // The server-side name in the session it last ran in (serial).
  std::string name;
  std::uint64_t serial = 0;

 private:
  std::string& Slot(int index) {
    if (index < 1 || index > sql_.parameters) {
      throw Error(ErrorKind::kInternal,
                  "bind: parameter " + std::to_string(index) + " is out of range 1.." +
                      std::to_string(sql_.parameters) + " of '" + sql_.text + "'");
    }
    is_null_[static_cast<std::size_t>(index - 1)] = false;
    return values_[static_cast<std::size_t>(index - 1)];
  }
  void CheckRow(int column) const {
    if (result_ == nullptr || row_ < 0 || row_ >= rows_ || column < 0 ||
        column >= PQnfields(result_)) {
      throw Error(ErrorKind::kInternal, "no row or column " + std::to_string(column) +
                                            " to read from '" + sql_.text + "'");
    }
  }
  // A column of the current row: its bytes (empty for NULL), and whether
  // they are in binary format.
  struct Field {
    std::string_view bytes;
    bool binary = false;
  };
  Field Value(int column) const {
    CheckRow(column);
    Field f;
    f.binary = PQfformat(result_, column) == 1;
    if (!PQgetisnull(result_, row_, column)) {
      f.bytes = std::string_view(PQgetvalue(result_, row_, column),
                                 static_cast<std::size_t>(PQgetlength(result_, row_, column)));
    }
    return f;
  }
  [[noreturn]] void NotDecoded(int column, const char* as) const {
    throw Error(ErrorKind::kInternal, "column " + std::to_string(column) + " of '" + sql_.text +
                                          "' has type oid " +
                                          std::to_string(PQftype(result_, column)) +
                                          ", which binary results do not decode as " + as);
  }
  // Binary text columns are their bytes; anything else is refused.
  void BinaryTextual(int column, const char* as) const {
    switch (PQftype(result_, column)) {
      case kTextOid:
      case kVarcharOid:
      case kBpcharOid:
      case kNameOid:
        return;
      default:
        NotDecoded(column, as);
    }
  }
  // A big-endian value of exactly sizeof(T) bytes.
  template <typename T>
  T BigEndian(int column, std::string_view bytes) const {
    if (bytes.size() != sizeof(T)) {
      throw Error(ErrorKind::kInternal, "column " + std::to_string(column) + " of '" + sql_.text +
                                            "': " + std::to_string(bytes.size()) +
                                            " bytes of binary data, expected " +
                                            std::to_string(sizeof(T)));
    }
    T value = 0;
    for (const char b : bytes) value = static_cast<T>(value << 8 | static_cast<unsigned char>(b));
    return value;
  }
  // An integer or boolean column's binary value; `as` names what the
  // caller reads in the error for any other type.
  std::int64_t BinaryInteger(int column, std::string_view bytes, const char* as) const {
    if (bytes.empty()) return 0;  // NULL
    switch (PQftype(result_, column)) {
      case kInt8Oid:
        return static_cast<std::int64_t>(BigEndian<std::uint64_t>(column, bytes));
      case kInt4Oid:
        return static_cast<std::int32_t>(BigEndian<std::uint32_t>(column, bytes));
      case kInt2Oid:
        return static_cast<std::int16_t>(BigEndian<std::uint16_t>(column, bytes));
      case kBoolOid:
        return BigEndian<std::uint8_t>(column, bytes) != 0 ? 1 : 0;
      default:
        NotDecoded(column, as);
    }
  }
  void ClearResult() {
    if (result_ != nullptr) PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    rows_ = 0;
  }
  void Run();

  PgConnection& owner_;
  NumberedSql sql_;
  std::vector<std::string> values_;
  std::vector<bool> is_null_;
  PGresult* result_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
  mutable std::string blob_;  // GetBlob's decoded bytes
  bool binary_results_ = false;
};

void NoticeProcessor(void*, const char*) {}  // "relation already exists, skipping" etc.

// ---- sessions and the pool ---------------------------------------------------

// What OpenPostgres makes of its connection string.
struct PgSettings {
  std::string conninfo;  // for libpq: tradestore's own parameters removed
  std::string options;   // the startup "options", with the session settings
  int pool_size = 4;
  bool prepared_statements = true;
  // read_host / read_port: a streaming replica for routed reads ("" if none).
  std::string read_host;
  std::string read_port;
  int read_wait_ms = 2000;
  // chunk_format: the store's, not the driver's (PostgresChunkFormat).
  std::optional<int> chunk_format;
  // Set on the replica's pool: libpq's host and port, overriding the
  // string's.
  std::string host_override;
  std::string port_override;
};

std::atomic<std::uint64_t> g_next_serial{0};

// One physical connection (a server session) and what was prepared in it.
struct PgSession {
  PGconn* conn = nullptr;
  std::uint64_t serial = 0;                               // unique per physical connection
  std::unordered_map<std::string, std::string> prepared;  // text → name
  int next_name = 0;

  PgSession() = default;
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;
  ~PgSession() {
    if (conn != nullptr) PQfinish(conn);
  }
  bool ok() const { return PQstatus(conn) == CONNECTION_OK; }
};

std::string Where(PGconn* conn) {
  return std::string(PQdb(conn) ? PQdb(conn) : "") + " on " + (PQhost(conn) ? PQhost(conn) : "") +
         ":" + (PQport(conn) ? PQport(conn) : "");
}

// Sessions to one server, shared by every Store of the process opened with
// the same connection string: at most `pool_size` open, each leased to one
// Connection for one unit of work (or one autocommit statement) at a time.
class PgPool {
 public:
  explicit PgPool(PgSettings settings) : settings_(std::move(settings)) {}

  const PgSettings& settings() const { return settings_; }

  // The primary's WAL position after the latest write noted by any
  // connection of this pool (so of this process, to this server): a read
  // routed to the replica by any of them waits for it, so that a write made
  // through one Store is seen by a read through another (the HTTP server's
  // pooled stores).
  void NoteWrite(std::uint64_t lsn) noexcept {
    std::uint64_t seen = last_write_lsn_.load(std::memory_order_relaxed);
    while (seen < lsn &&
           !last_write_lsn_.compare_exchange_weak(seen, lsn, std::memory_order_relaxed)) {
    }
  }
  std::uint64_t last_write() const noexcept {
    return last_write_lsn_.load(std::memory_order_relaxed);
  }

  // A healthy idle session, or a new one; waits (up to kLeaseTimeout) while
  // all are leased. A session found dead (the server restarted, or its
  // backend was terminated) is replaced, with backoff.
  std::unique_ptr<PgSession> Acquire() {
    std::unique_lock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + kLeaseTimeout;
    for (;;) {
      if (!idle_.empty()) {
        std::unique_ptr<PgSession> s = std::move(idle_.back());
        idle_.pop_back();
        ++leases_;
        lock.unlock();
        if (Healthy(*s)) return s;
        s.reset();  // its slot stays counted in open_
        return ConnectSlot(lock, /*backoff=*/true);
      }
      if (open_ < settings_.pool_size) {
        ++open_;
        ++leases_;
        lock.unlock();
        return ConnectSlot(lock, /*backoff=*/open_ever_);
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= settings_.pool_size) {
        throw Error(ErrorKind::kUnavailable,
                    "all " + std::to_string(settings_.pool_size) +
                        " PostgreSQL connections of the pool (pool_size) stayed leased for " +
                        std::to_string(kLeaseTimeout.count()) + " ms",
                    "53300", /*retryable=*/true);
      }
    }
  }

  // Takes a session back; a broken one, or one left inside a transaction,
  // is closed and its slot freed.
  void Release(std::unique_ptr<PgSession> s) noexcept {
    bool keep = s->ok() && PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    if (!keep && s->ok()) {
      PQclear(PQexec(s->conn, "ROLLBACK"));
      keep = s->ok() && PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    }
    std::lock_guard lock(mu_);
    if (keep) {
      idle_.push_back(std::move(s));
    } else {
      --open_;
    }
    cv_.notify_one();
  }

  PgPoolStats Stats() {
    std::lock_guard lock(mu_);
    return PgPoolStats{settings_.pool_size, open_, static_cast<int>(idle_.size()), leases_,
                       connects_};
  }

  // One connection attempt; throws Error(kUnavailable) on failure.
  std::unique_ptr<PgSession> Connect() {
    // Keywords after "dbname" (the expanded string) override it; those
    // before it are defaults that the string may override. Behind a pooler
    // (prepared_statements=off) no startup options are sent: PgBouncer
    // refuses them.
    std::vector<const char*> keywords = {"connect_timeout", "fallback_application_name", "dbname",
                                         "client_encoding"};
    std::vector<const char*> values = {"10", "tradestore", settings_.conninfo.c_str(), "UTF8"};
    if (settings_.prepared_statements) {
      keywords.push_back("options");
      values.push_back(settings_.options.c_str());
    }
    if (!settings_.host_override.empty()) {
      keywords.push_back("host");
      values.push_back(settings_.host_override.c_str());
    }
    if (!settings_.port_override.empty()) {
      keywords.push_back("port");
      values.push_back(settings_.port_override.c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    auto s = std::make_unique<PgSession>();
    s->conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
    if (s->conn == nullptr) throw Error(ErrorKind::kStorage, "libpq: out of memory");
    if (!s->ok()) {
      // The message names host and database but never the password. A
      // server that answered and refused for good (no such database or
      // role, a login it rejects) is not worth waiting for; one that cannot
      // be reached, is starting up or shutting down may be back soon.
      // (libpq gives no SQLSTATE for a failed connection: its English
      // message is matched; any other text stays retryable.)
      const std::string message = OneLine(PQerrorMessage(s->conn));
      const bool refused = message.find("does not exist") != std::string::npos ||
                           message.find("authentication failed") != std::string::npos ||
                           message.find("no pg_hba.conf entry") != std::string::npos;
      throw Error(ErrorKind::kUnavailable,
                  "cannot connect to PostgreSQL database " + Where(s->conn) + ": " + message,
                  refused ? "08004" : "08001", /*retryable=*/!refused);
    }
    PQsetNoticeProcessor(s->conn, NoticeProcessor, nullptr);
    if (PQserverVersion(s->conn) < 100000) {
      throw Error(ErrorKind::kStorage, "PostgreSQL " + std::to_string(PQserverVersion(s->conn)) +
                                           " is too old: tradestore needs 10 or later");
    }
    // The startup options set these; a pooler that drops them would not.
    // Timestamps parse with any TimeZone (the output carries its offset);
    // DateStyle must be ISO.
    const char* date_style = PQparameterStatus(s->conn, "DateStyle");
    if (date_style == nullptr || std::strncmp(date_style, "ISO", 3) != 0) {
      if (!settings_.prepared_statements) {
        throw Error(ErrorKind::kStorage,
                    std::string("PostgreSQL session DateStyle is '") +
                        (date_style ? date_style : "") +
                        "': behind a pooler tradestore needs DateStyle ISO from the server or "
                        "role (ALTER ROLE ... SET DateStyle = ISO)");
      }
      PQclear(PQexec(s->conn, "SET DateStyle = ISO; SET TimeZone = 'UTC'"));
    }
    s->serial = ++g_next_serial;
    std::lock_guard lock(mu_);
    ++connects_;
    open_ever_ = true;
    return s;
  }

 private:
  static constexpr std::chrono::milliseconds kLeaseTimeout{30000};
  static constexpr int kConnectTries = 5;

  // Fills a counted slot with a new session (with backoff after a loss:
  // 50 ms doubling to 1 s, 5 tries); frees the slot if that fails.
  std::unique_ptr<PgSession> ConnectSlot(std::unique_lock<std::mutex>& lock, bool backoff) {
    try {
      std::chrono::milliseconds delay{50};
      for (int attempt = 1;; ++attempt) {
        try {
          return Connect();
        } catch (const Error& e) {
          if (!backoff || !e.retryable() || attempt >= kConnectTries) throw;
        }
        std::this_thread::sleep_for(delay);
        delay = std::min(delay * 2, std::chrono::milliseconds(1000));
      }
    } catch (...) {
      lock.lock();
      --open_;
      cv_.notify_one();
      lock.unlock();
      throw;
    }
  }

  // An idle session has nothing to read: if its socket is readable, the
  // server has sent a goodbye (a terminated backend, a shutdown) or closed it.
  static bool Healthy(PgSession& s) {
    if (!s.ok() || PQtransactionStatus(s.conn) != PQTRANS_IDLE) return false;
    pollfd p{PQsocket(s.conn), POLLIN, 0};
    return p.fd >= 0 && poll(&p, 1, 0) == 0;
  }

  const PgSettings settings_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgSession>> idle_;
  int open_ = 0;
  bool open_ever_ = false;
  std::int64_t leases_ = 0;
  std::int64_t connects_ = 0;
  std::atomic<std::uint64_t> last_write_lsn_{0};
};

// One pool per (connection string, mode) in the process.
std::mutex g_pools_mu;
std::map<std::string, std::weak_ptr<PgPool>>& Pools() {
  static auto* pools = new std::map<std::string, std::weak_ptr<PgPool>>();
  return *pools;
}

std::string PoolKey(const PgSettings& s) {
  return s.conninfo + (s.prepared_statements ? "|prepared" : "|unnamed") + "|" + s.host_override +
         "|" + s.port_override;
}

// The settings of the pool of the replica named by read_host/read_port.
PgSettings ReplicaSettings(const PgSettings& primary) {
  PgSettings s = primary;
  s.host_override = primary.read_host;
  s.port_override = primary.read_port;
  s.read_host.clear();
  s.read_port.clear();
  return s;
}

// A log sequence number, as pg_lsn prints it ("16/B374D848"); 0 if not one.
std::uint64_t ParseLsn(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return 0;
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  const auto a = std::from_chars(text.data(), text.data() + slash, hi, 16);
  const auto b = std::from_chars(text.data() + slash + 1, text.data() + text.size(), lo, 16);
  if (a.ec != std::errc() || b.ec != std::errc()) return 0;
  return (hi << 32) | lo;
}

// Reads routed to a replica, per connection string (PostgresReadStats).
std::mutex g_read_stats_mu;
std::map<std::string, PgReadStats>& ReadStats() {
  static auto* stats = new std::map<std::string, PgReadStats>();
  return *stats;
}

std::shared_ptr<PgPool> GetPool(const PgSettings& settings) {
  std::lock_guard lock(g_pools_mu);
  auto& slot = Pools()[PoolKey(settings)];
  if (auto pool = slot.lock()) return pool;
  auto pool = std::make_shared<PgPool>(settings);
  slot = pool;
  return pool;
}

// The logical connection of one Store: leases a session from the pool at the
// outermost Begin (until Commit/Rollback) and for each autocommit statement.
// Nothing session-scoped is relied upon between units of work: with
// prepared_statements=off, statements run unnamed (PQexecParams), so the
// store works behind PgBouncer in transaction mode.
class PgConnection final : public Connection {
 public:
  // `read_pool`: the replica's pool when reads are routed, else nullptr.
  PgConnection(std::shared_ptr<PgPool> pool, std::shared_ptr<PgPool> read_pool)
      : pool_(std::move(pool)),
        read_pool_(std::move(read_pool)),
        stats_key_(PoolKey(pool_->settings())) {
    if (read_pool_) {
      // Routed reads see at least what was committed before this
      // connection was opened, by this process or any other.
      Lease lease(*this);
      NoteWriteLsn(lease.session());
    }
  }
  ~PgConnection() override {
    cache_.clear();
    if (session_) pool_->Release(std::move(session_));
  }

  Dialect dialect() const override { return Dialect::kPostgres; }
  std::string_view ForUpdate() const override { return " FOR NO KEY UPDATE"; }

  Statement& Prepare(std::string_view sql) override {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
      it->second->ResetAndClear();
      return *it->second;
    }
    auto statement = std::make_unique<PgStatement>(*this, NumberPlaceholders(sql));
    if (pool_->settings().prepared_statements) {
      // Prepared now, so that bad SQL fails here.
      Lease lease(*this);
      if (EnsurePrepared(lease.session(), *statement) == nullptr) {
        ReleaseSession();  // a dead session: PREPARE changes nothing, run it again
        Acquire();
        EnsurePrepared(lease.session(), *statement);
      }
    }
    auto& ref = *statement;
    cache_.emplace(std::string(sql), std::move(statement));
    return ref;
  }

  void ExecuteScript(std::string_view sql) override {
    CheckNoCopy(sql);
    Lease lease(*this);
    Exec(lease.session(), std::string(sql));
    if (read_pool_ && transaction_depth() == 0) NoteWriteLsn(lease.session());
  }

  // The outermost level is BEGIN (READ COMMITTED) on a leased session,
  // held until the unit of work ends (nesting and poisoning: Connection).
  void BeginTransaction() override {
    lost_ = false;
    pending_.clear();
    Acquire();
    if (!TryExec(*session_, "BEGIN")) {
      // Nothing was done yet: a session that died since its last use is
      // replaced (with backoff) and BEGIN runs again.
      pool_->Release(std::move(session_));
      Acquire();
      Exec(*session_, "BEGIN");
    }
  }
  void CommitTransaction() override {
    if (lost_) {
      ReleaseSession();
      throw LostError("");
    }
    if (copy_active_) {
      RollbackTransaction();
      throw Error(ErrorKind::kInternal, "commit with an unfinished bulk write: rolled back");
    }
    PgSession& s = *session_;
    // Deferred writes still queued go with COMMIT in one round trip.
    PGresult* res = pending_.empty() ? PQexec(s.conn, "COMMIT") : PipelinedCommit(s);
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    // An error without a SQLSTATE is libpq's own (the connection lost; its
    // status may still read CONNECTION_OK): the server never answered.
    if (!ok && (!s.ok() || PQresultErrorField(res, PG_DIAG_SQLSTATE) == nullptr)) {
      // The session died with COMMIT in flight: whether the unit of work
      // committed is unknown, so it is not safe to run it again.
      const std::string message = OneLine(PQerrorMessage(s.conn));
      PQclear(res);
      ReleaseSession();
      throw InDoubtError(message);
    }
    if (!ok) {
      try {
        ThrowResult(s, res, "commit", /*in_transaction=*/true);
      } catch (...) {
        ReleaseSession();
        throw;
      }
    }
    // COMMIT of a failed transaction reports success with ROLLBACK as its
    // command tag; nothing was written, so say so.
    const char* tag = PQcmdStatus(res);
    const bool rolled_back = tag != nullptr && std::strcmp(tag, "ROLLBACK") == 0;
    PQclear(res);
    if (read_pool_ && !rolled_back) NoteWriteLsn(s);
    ReleaseSession();
    if (rolled_back) {
      throw Error(ErrorKind::kInternal, "commit: the transaction had failed and was rolled back",
                  "25P02");
    }
  }
  void RollbackTransaction() noexcept override {
    lost_ = false;
    AbortCopy();
    if (session_ && !pending_.empty()) {
      try {
        Drain(*session_);  // the deferred writes are rolled back with the rest
      } catch (...) {
      }
    }
    if (session_ && session_->ok()) PQclear(PQexec(session_->conn, "ROLLBACK"));
    ReleaseSession();
  }
  // COMMIT sent after the queued deferred writes, and every result read:
  // returns COMMIT's. A deferred write's error is thrown as it is (COMMIT
  // did not run: nothing was committed); a session lost after COMMIT may
  // have reached the server is kInDoubt. Releases the session on throw.
  PGresult* PipelinedCommit(PgSession& s) {
    static const std::string kCommit = "COMMIT";
    try {
      if (PQsendQueryParams(s.conn, kCommit.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) !=
          1) {
        // Not sent whole, so not run; the queued writes die with the session.
        ThrowResult(s, nullptr, kCommit, /*in_transaction=*/true);
      }
      pending_.push_back(&kCommit);
      return Drain(s, /*keep_last=*/true);
    } catch (const Error&) {
      // Lost before the server refused a statement of the pipeline: COMMIT
      // may have run (drain_failed_ names only a statement the server
      // refused, after which it ran nothing).
      const bool commit_unknown = lost_ && (drain_failed_ == nullptr || drain_failed_ == &kCommit);
      const std::string message = OneLine(PQerrorMessage(s.conn));
      ReleaseSession();
      if (commit_unknown) throw InDoubtError(message);
      throw;
    }
  }

  static Error InDoubtError(const std::string& message) {
    return Error(ErrorKind::kInDoubt,
                 "the connection to PostgreSQL was lost while COMMIT was in flight: whether the "
                 "unit of work was committed is unknown (not retryable; check before running "
                 "it again): " +
                     message,
                 "08007", /*retryable=*/false);
  }

  // A poisoned unit of work whose session was lost, or whose bulk write was
  // left streaming, says so rather than "an operation inside it failed".
  Error RefusedCommit() const override {
    if (lost_) return LostError("");
    if (copy_active_) {
      return Error(ErrorKind::kInternal, "commit with an unfinished bulk write: rolled back");
    }
    return PoisonedCommit();
  }
  std::unique_ptr<BulkWriter> OpenBulkWriter(BulkUpsertSpec spec) override;

  // Runs `st` with its bindings; returns the result or throws.
  PGresult* Run(PgStatement& st, const std::vector<std::string>& values,
                const std::vector<bool>& is_null) {
    CheckNoCopy(st.text());
    const std::vector<const char*> params = ParamPointers(values, is_null);
    // A WITH may hold a data-modifying part: the replica refuses it and it
    // runs on the primary, noted as a write (below).
    const bool autocommit_read = transaction_depth() == 0 &&
                                 (st.text().starts_with("SELECT") || st.text().starts_with("WITH"));
    // A SELECT that the replica refused may have written (nextval, a
    // function): its position is noted like a write's.
    bool note_write = read_pool_ && transaction_depth() == 0 && !autocommit_read;
    if (read_pool_ && autocommit_read) {
      if (PGresult* res = RunOnReplica(st, params, &note_write)) return res;
    }
    Lease lease(*this, /*drain=*/false);
    if (!pending_.empty()) {
      // Deferred writes are queued: this statement joins them and one round
      // trip reads every result (PREPARE cannot run in pipeline mode, so a
      // statement new to this session waits for them first).
      PgSession& s = lease.session();
      if (pool_->settings().prepared_statements && !IsPrepared(s, st)) {
        Drain(s);
      } else {
        Send(s, st, params.empty() ? nullptr : params.data());
        return Drain(s, /*keep_last=*/true);
      }
    }
    for (int attempt = 0;; ++attempt) {
      PgSession& s = lease.session();
      PGresult* res = nullptr;
      if (pool_->settings().prepared_statements) {
        const std::string* name = EnsurePrepared(s, st);
        if (name == nullptr) {
          // A dead session: PREPARE changes nothing, so run it again.
          ReleaseSession();
          Acquire();
          name = EnsurePrepared(lease.session(), st);
          if (name == nullptr) throw LostError("");
          continue;
        }
        res = PQexecPrepared(s.conn, name->c_str(), st.parameters(),
                             params.empty() ? nullptr : params.data(), nullptr, nullptr,
                             st.result_format());
      } else {
        res = PQexecParams(s.conn, st.text().c_str(), st.parameters(), nullptr,
                           params.empty() ? nullptr : params.data(), nullptr, nullptr,
                           st.result_format());
      }
      const ExecStatusType status = PQresultStatus(res);
      if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        if (note_write) NoteWriteLsn(s);
        return res;
      }
      if (attempt < kReadRetries && transaction_depth() == 0 && (!s.ok() || FromLibpq(res)) &&
          st.text().starts_with("SELECT")) {
        // An autocommit read on a session that died since its last use
        // (the check at lease time can miss a goodbye still in flight):
        // safe to run again on a new session. After a server restart every
        // idle session of the pool is dead, hence more than one try.
        PQclear(res);
        ReleaseSession();
        Acquire();
        continue;
      }
      ThrowResult(s, res, st.text(), transaction_depth() > 0);
    }
  }

  // The session of the current unit of work (bulk writers); throws outside
  // one.
  PgSession& TransactionSession() {
    if (transaction_depth() == 0 || !session_) {
      throw Error(ErrorKind::kInternal, "a bulk write needs a unit of work (Begin)");
    }
    if (lost_) throw LostError("");
    Drain(*session_);
    return *session_;
  }

  // Statement::ExecuteDeferred: inside a unit of work the statement is sent
  // in pipeline mode and its result read by the next statement (Run) or at
  // Commit (Drain); outside one it runs as Execute does.
  void Defer(PgStatement& st, const std::vector<std::string>& values,
             const std::vector<bool>& is_null) {
    if (transaction_depth() == 0) {
      PQclear(Run(st, values, is_null));
      return;
    }
    CheckNoCopy(st.text());
    Lease lease(*this, /*drain=*/false);
    PgSession& s = lease.session();
    if (pool_->settings().prepared_statements && !IsPrepared(s, st)) {
      Drain(s);  // PREPARE cannot run in pipeline mode
      EnsurePrepared(s, st);
    }
    const std::vector<const char*> params = ParamPointers(values, is_null);
    Send(s, st, params.empty() ? nullptr : params.data());
  }

  [[noreturn]] void ThrowResult(PgSession& s, PGresult* res, const std::string& context,
                                bool in_transaction) {
    std::string sqlstate;
    std::string message;
    if (res != nullptr) {
      if (const char* st = PQresultErrorField(res, PG_DIAG_SQLSTATE)) sqlstate = st;
      if (const char* m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) message = m;
      if (const char* d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) {
        message += std::string(" (") + d + ")";
      }
      if (message.empty()) message = OneLine(PQresultErrorMessage(res));
      PQclear(res);
    }
    if (message.empty()) message = OneLine(PQerrorMessage(s.conn));
    // No SQLSTATE: libpq made the error itself (the server always sends
    // one), e.g. "server closed the connection unexpectedly" while the
    // session's status still says CONNECTION_OK: the connection is treated
    // as lost (Release rolls back or drops the session).
    if (!s.ok() || sqlstate.empty()) {
      if (sqlstate.empty()) sqlstate = "08006";
      if (in_transaction) {
        // The server rolled the unit of work back with its session: nothing
        // of it was written, so running it again is safe.
        lost_ = true;
        throw LostError(context + ": " + message);
      }
      // An autocommit statement: a read is safe to run again; a write may
      // or may not have taken effect.
      const bool read = std::string_view(context).starts_with("SELECT");
      throw Error(ErrorKind::kUnavailable,
                  "the connection to PostgreSQL was lost while running " + context + ": " +
                      message + (read ? "" : " (whether it took effect is unknown)"),
                  sqlstate, /*retryable=*/read);
    }
    throw PgError(sqlstate, context + ": " + message, in_transaction);
  }

 private:
  friend class PgBulkWriter;

  // Ends a COPY left streaming (a bulk writer abandoned): the server fails
  // the COPY, and with it the unit of work, which can then only roll back.
  void AbortCopy() noexcept {
    if (!copy_active_) return;
    copy_active_ = false;
    Poison();
    if (!session_ || !session_->ok()) return;
    if (PQputCopyEnd(session_->conn, "bulk write abandoned") == 1) {
      while (PGresult* res = PQgetResult(session_->conn)) PQclear(res);
    }
  }

  // A COPY of a bulk writer holds the session: nothing else can run on it.
  void CheckNoCopy(std::string_view sql) const {
    if (copy_active_) {
      throw Error(ErrorKind::kInternal,
                  "'" + std::string(sql.substr(0, 80)) +
                      "' cannot run while a bulk write is streaming on this connection (Finish it "
                      "first)");
    }
  }

  // A session for one operation: the unit of work's, or one leased for an
  // autocommit statement and returned at the end of the scope.
  class Lease {
   public:
    // `drain`: inside a unit of work, the results of deferred writes are
    // read first (every use of the session but Run and Defer needs that).
    explicit Lease(PgConnection& c, bool drain = true) : c_(c) {
      if (c_.transaction_depth() > 0) {
        if (c_.lost_) throw c_.LostError("");
        if (drain) c_.Drain(*c_.session_);
        return;
      }
      c_.Acquire();
      owned_ = true;
    }
    ~Lease() {
      if (owned_) c_.ReleaseSession();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    PgSession& session() { return *c_.session_; }

   private:
    PgConnection& c_;
    bool owned_ = false;
  };

  // Autocommit reads run again on a new session at most this many times.
  static constexpr int kReadRetries = 3;

  // True for an error result that libpq made itself (no SQLSTATE).
  static bool FromLibpq(const PGresult* res) {
    return res == nullptr || PQresultErrorField(res, PG_DIAG_SQLSTATE) == nullptr;
  }

  Error LostError(const std::string& detail) const {
    return Error(ErrorKind::kUnavailable,
                 "the connection to PostgreSQL was lost in the middle of a unit of work: the "
                 "unit of work was lost (the server rolled it back, nothing of it was written; "
                 "it is safe to run it again)" +
                     (detail.empty() ? std::string() : ": " + detail),
                 "08006", /*retryable=*/true);
  }

  void Acquire() {
    if (!session_) session_ = pool_->Acquire();
  }
  void ReleaseSession() noexcept {
    if (session_) pool_->Release(std::move(session_));
  }

  // Routing of autocommit reads to the replica (read_host). A value no
  // position reaches: the position of the last write is unknown, so reads
  // go to the primary.
  static constexpr std::uint64_t kUnknownLsn = ~std::uint64_t{0};

  // Notes the primary's WAL insert position after a write of this
  // connection (or at open): routed reads wait until the replica has
  // replayed up to it. Never throws: an unknown position sends reads to
  // the primary.
  void NoteWriteLsn(PgSession& s) noexcept {
    PGresult* res = PQexec(s.conn, "SELECT pg_current_wal_insert_lsn()");
    std::uint64_t lsn = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
      lsn = ParseLsn(PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    if (lsn == 0) {
      must_see_lsn_ = kUnknownLsn;
    } else {
      must_see_lsn_ = std::max(must_see_lsn_ == kUnknownLsn ? 0 : must_see_lsn_, lsn);
      pool_->NoteWrite(lsn);
    }
  }

  // Runs an autocommit read on the replica once it has replayed this
  // connection's last write and the pool's (polling
  // pg_last_wal_replay_lsn() up to read_wait_ms). nullptr when the read should go to the primary
  // instead: the replica is behind after the wait, unreachable, or refused the statement (a write
  // in a SELECT, a conflict with recovery); then
  // `*note_write` is set if the replica refused it.
  PGresult* RunOnReplica(PgStatement& st, const std::vector<const char*>& params,
                         bool* note_write) {
    if (must_see_lsn_ == kUnknownLsn) return CountRead(false);
    const std::uint64_t must_see = std::max(must_see_lsn_, pool_->last_write());
    std::unique_ptr<PgSession> s;
    try {
      s = read_pool_->Acquire();
    } catch (const Error&) {
      return CountRead(false);
    }
    const auto deadline =
        std::chrono::steady_clock::now() +
        std::chrono::milliseconds(replica_behind_ ? 0 : pool_->settings().read_wait_ms);
    bool waited = false;
    while (replica_lsn_ < must_see) {
      PGresult* r = PQexec(s->conn, "SELECT pg_last_wal_replay_lsn()");
      if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        PQclear(r);
        read_pool_->Release(std::move(s));
        return CountRead(false);
      }
      if (PQgetisnull(r, 0, 0)) {  // not in recovery: a primary, current
        PQclear(r);
        break;
      }
      replica_lsn_ = std::max(replica_lsn_, ParseLsn(PQgetvalue(r, 0, 0)));
      PQclear(r);
      if (replica_lsn_ >= must_see) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        replica_behind_ = true;
        read_pool_->Release(std::move(s));
        return CountRead(false);
      }
      waited = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    replica_behind_ = false;
    PGresult* res = PQexecParams(s->conn, st.text().c_str(), st.parameters(), nullptr,
                                 params.empty() ? nullptr : params.data(), nullptr, nullptr,
                                 st.result_format());
    const bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    read_pool_->Release(std::move(s));
    if (!ok) {
      PQclear(res);
      *note_write = true;
      return CountRead(false);
    }
    CountRead(true, waited);
    return res;
  }

  // Counts a routed read (PostgresReadStats); returns nullptr.
  PGresult* CountRead(bool on_replica, bool waited = false) {
    std::lock_guard lock(g_read_stats_mu);
    PgReadStats& stats = ReadStats()[stats_key_];
    if (on_replica) {
      ++stats.replica_reads;
      if (waited) ++stats.replica_waits;
    } else {
      ++stats.primary_reads;
    }
    return nullptr;
  }

  bool TryExec(PgSession& s, const char* sql) {
    PGresult* res = PQexec(s.conn, sql);
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
      PQclear(res);
      return true;
    }
    if (!s.ok()) {
      PQclear(res);
      return false;
    }
    ThrowResult(s, res, sql, transaction_depth() > 0);
  }

  void Exec(PgSession& s, const std::string& text) {
    PGresult* res = PQexec(s.conn, text.c_str());
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      ThrowResult(s, res, "exec: " + Abbreviate(text), transaction_depth() > 0);
    }
    PQclear(res);
  }

  static std::string Abbreviate(const std::string& sql) {
    return sql.size() <= 200 ? sql : sql.substr(0, 200) + "...";
  }

  // True when `st` is prepared in session `s` (EnsurePrepared would not
  // PREPARE it).
  bool IsPrepared(const PgSession& s, const PgStatement& st) const {
    return st.serial == s.serial || s.prepared.contains(st.text());
  }

  // Queues `st` on `s` in pipeline mode (entered if need be); the statement
  // must be prepared on `s` when prepared statements are on. libpq copies
  // the parameters now.
  void Send(PgSession& s, PgStatement& st, const char* const* params) {
    if (PQpipelineStatus(s.conn) == PQ_PIPELINE_OFF && PQenterPipelineMode(s.conn) != 1) {
      ThrowResult(s, nullptr, st.text(), /*in_transaction=*/true);
    }
    int sent = 0;
    if (pool_->settings().prepared_statements) {
      sent = PQsendQueryPrepared(s.conn, EnsurePrepared(s, st)->c_str(), st.parameters(), params,
                                 nullptr, nullptr, st.result_format());
    } else {
      sent = PQsendQueryParams(s.conn, st.text().c_str(), st.parameters(), nullptr, params, nullptr,
                               nullptr, st.result_format());
    }
    if (sent != 1) ThrowResult(s, nullptr, st.text(), /*in_transaction=*/true);
    pending_.push_back(&st.text());
  }

  // Ends the pipeline of queued statements: a sync point, then every
  // result read in order, and pipeline mode left. Throws the first error,
  // naming the statement that raised it (the statements after it were not
  // run); a connection lost meanwhile is a lost unit of work. With
  // `keep_last`, returns the last queued statement's result (the caller
  // clears it); otherwise nullptr.
  PGresult* Drain(PgSession& s, bool keep_last = false) {
    if (pending_.empty()) return nullptr;
    const std::vector<const std::string*> pending = std::move(pending_);
    pending_.clear();
    PGresult* last = nullptr;
    PGresult* error = nullptr;
    const std::string* failed = nullptr;   // the statement the server refused
    const std::string* context = nullptr;  // the statement an error is named after
    drain_failed_ = nullptr;
    bool broken = PQpipelineSync(s.conn) != 1;
    for (std::size_t i = 0; i < pending.size() && !broken; ++i) {
      PGresult* r = PQgetResult(s.conn);
      if (r == nullptr) {
        broken = true;
        break;
      }
      while (PGresult* more = PQgetResult(s.conn)) PQclear(more);  // up to the NULL after each
      const ExecStatusType status = PQresultStatus(r);
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        if (keep_last && i + 1 == pending.size()) {
          last = r;
        } else {
          PQclear(r);
        }
      } else if (status == PGRES_PIPELINE_ABORTED || error != nullptr) {
        PQclear(r);  // not run: an earlier statement failed
      } else {
        error = r;
        context = pending[i];
        // An error the server sent has a SQLSTATE: this statement failed,
        // and the pipeline's later statements (COMMIT among them) did not
        // run. One libpq made itself (the connection lost) has none, and
        // libpq pins it on the first result it was waiting for: the server
        // may have run this statement and every later one, COMMIT too.
        if (PQresultErrorField(r, PG_DIAG_SQLSTATE) != nullptr) {
          failed = pending[i];
        } else {
          broken = true;
        }
        if (!s.ok()) broken = true;
      }
    }
    if (!broken) {
      PGresult* sync = PQgetResult(s.conn);
      broken = PQresultStatus(sync) != PGRES_PIPELINE_SYNC;
      PQclear(sync);
      if (!broken) broken = PQexitPipelineMode(s.conn) != 1;
    }
    if (error != nullptr || broken) {
      PQclear(last);
      drain_failed_ = failed;
      if (error == nullptr) ThrowResult(s, nullptr, "pipeline", /*in_transaction=*/true);
      ThrowResult(s, error, *context, /*in_transaction=*/true);
    }
    return last;
  }

  // The name of `st` in session `s`, prepared there on first use; nullptr
  // if the session died before a unit of work used it (the caller may
  // replace the session and try again).
  const std::string* EnsurePrepared(PgSession& s, PgStatement& st) {
    if (st.serial == s.serial) return &st.name;
    if (auto it = s.prepared.find(st.text()); it != s.prepared.end()) {
      st.name = it->second;
      st.serial = s.serial;
      return &st.name;
    }
    std::string name = "ts" + std::to_string(++s.next_name);
    PGresult* res = PQprepare(s.conn, name.c_str(), st.text().c_str(), st.parameters(), nullptr);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      if (!s.ok() && transaction_depth() == 0) {
        PQclear(res);
        return nullptr;
      }
      ThrowResult(s, res, "prepare: " + st.text(), transaction_depth() > 0);
    }
    PQclear(res);
    s.prepared.emplace(st.text(), name);
    st.name = std::move(name);
    st.serial = s.serial;
    return &st.name;
  }

  std::shared_ptr<PgPool> pool_;
  std::shared_ptr<PgPool> read_pool_;  // the replica's, when reads are routed
  const std::string stats_key_;
  std::uint64_t must_see_lsn_ = 0;  // the primary's position after our last write
  std::uint64_t replica_lsn_ = 0;   // the replica's replay position, last seen
  // A routed read timed out waiting for the replica: later reads look at its
  // position once, without waiting, until it has caught up, so a lagging
  // replica costs one read_wait_ms per connection, not one per statement.
  bool replica_behind_ = false;
  std::unique_ptr<PgSession> session_;  // leased: in a unit of work or a statement
  std::unordered_map<std::string, std::unique_ptr<PgStatement>> cache_;
  // The texts of deferred statements sent on the unit of work's session in
  // pipeline mode whose results are not read yet (Defer, Drain).
  std::vector<const std::string*> pending_;
  // The statement the server refused in the last failed Drain (it ran none
  // of the pipeline's later statements); nullptr when the session broke
  // without such an answer (libpq's own error: the server may have run
  // every statement sent, COMMIT too).
  const std::string* drain_failed_ = nullptr;
  bool lost_ = false;         // the unit of work lost its session
  bool copy_active_ = false;  // a PgBulkWriter is inside COPY FROM STDIN
  int next_staging_ = 0;      // names the staging tables of bulk writers
};

// COPY FROM STDIN (text format) into a staging table created for this write
// in the caller's unit of work (ON COMMIT DROP), then one
// INSERT INTO target ... SELECT FROM staging ON CONFLICT ... at Finish. The
// temporary table is session state, but it lives only inside one unit of
// work on the session leased for it, so no state outlives the lease (the
// pool's PgBouncer guarantee holds).
class PgBulkWriter final : public BulkWriter {
 public:
  PgBulkWriter(PgConnection& c, BulkUpsertSpec spec)
      : BulkWriter(spec.table, spec.columns), c_(c), spec_(std::move(spec)) {
    c_.TransactionSession();  // throws outside a unit of work
    buffer_.reserve(kChunkBytes + 4096);
  }
  ~PgBulkWriter() override {
    if (started_ && !finished()) c_.AbortCopy();
  }

 protected:
  void PutNull(int column) override {
    Field(column);
    if (binary_) {
      AppendBe<std::int32_t>(-1);
      return;
    }
    buffer_ += "\\N";
  }
  void Put(int column, std::int64_t value) override {
    Field(column);
    if (binary_) {
      switch (TypeOf(column)) {
        case kInt8Oid:
          return AppendField<std::int64_t>(value);
        case kInt4Oid:
          if (value >= INT32_MIN && value <= INT32_MAX) {
            return AppendField<std::int32_t>(static_cast<std::int32_t>(value));
          }
          break;
        case kInt2Oid:
          if (value >= INT16_MIN && value <= INT16_MAX) {
            return AppendField<std::int16_t>(static_cast<std::int16_t>(value));
          }
          break;
        case kBoolOid:
          if (value == 0 || value == 1) {
            return AppendField<std::uint8_t>(static_cast<std::uint8_t>(value));
          }
          break;
        default:
          break;
      }
      Mismatch(column, "the integer " + std::to_string(value));
    }
    char text[24];
    const auto r = std::to_chars(text, text + sizeof(text), value);
    buffer_.append(text, r.ptr);
  }
  void Put(int column, double value) override {
    Field(column);
    if (binary_) {
      if (TypeOf(column) != kFloat8Oid) Mismatch(column, "a double");
      return AppendField<std::uint64_t>(std::bit_cast<std::uint64_t>(value));
    }
    if (!std::isfinite(value)) {
      buffer_ += DoubleText(value);
      return;
    }
    char text[40];
    const auto r = std::to_chars(text, text + sizeof(text), value);  // shortest round-trip
    buffer_.append(text, r.ptr);
  }
  void Put(int column, std::string_view value) override {
    Field(column);
    if (binary_) {
      const Oid type = TypeOf(column);
      if (type != kTextOid && type != kVarcharOid) Mismatch(column, "text");
      return AppendBytes(value);
    }
    AppendCopyText(buffer_, value);
  }
  void Put(int column, const Decimal& value) override {
    Field(column);
    if (binary_) {
      const Oid type = TypeOf(column);
      if (type != kTextOid && type != kVarcharOid) Mismatch(column, "a decimal");
      return AppendBytes(value.ToString());  // canonical text, as the text format sends
    }
    buffer_ += value.ToString();  // canonical: digits, '-', '.'
  }
  void Put(int column, Timestamp value) override {
    Field(column);
    if (binary_) {
      if (TypeOf(column) != kTimestamptzOid) Mismatch(column, "a time");
      // µs since 2000-01-01 UTC, PostgreSQL's epoch (in range: the writer
      // checked 0001-01-01 to 9999-12-31).
      return AppendField<std::int64_t>(value.micros() - kPostgresEpochMicros);
    }
    buffer_ += value.ToIso();  // ISO-8601 with 'Z'
  }
  void PutBlob(int column, std::string_view bytes) override {
    Field(column);
    if (binary_) {
      if (TypeOf(column) != kByteaOid) Mismatch(column, "bytes");
      return AppendBytes(bytes);
    }
    // bytea's hex form "\x..."; COPY's text format escapes the backslash.
    static constexpr char kHex[] = "0123456789abcdef";
    buffer_ += "\\\\x";
    for (unsigned char b : bytes) {
      buffer_ += kHex[b >> 4];
      buffer_ += kHex[b & 15];
    }
  }
  void WriteRow() override {
    if (binary_) {
      if (!spec_.insert_only) AppendField<std::int64_t>(row_number_);
      ++row_number_;
      if (buffer_.size() >= kChunkBytes) Flush();
      return;
    }
    if (!spec_.insert_only) {
      // The row's position, so that the last of equal keys wins.
      buffer_ += '\t';
      char text[24];
      const auto r = std::to_chars(text, text + sizeof(text), row_number_);
      buffer_.append(text, r.ptr);
    }
    buffer_ += '\n';
    ++row_number_;
    if (buffer_.size() >= kChunkBytes) Flush();
  }

  void FinishRows() override {
    if (!started_) return;
    if (binary_) AppendBe<std::int16_t>(-1);  // the trailer
    Flush();
    PgSession& s = c_.TransactionSession();
    c_.copy_active_ = false;
    if (PQputCopyEnd(s.conn, nullptr) != 1) {
      c_.ThrowResult(s, nullptr, "copy into " + spec_.table, /*in_transaction=*/true);
    }
    PGresult* failed = nullptr;
    while (PGresult* res = PQgetResult(s.conn)) {
      if (failed == nullptr && PQresultStatus(res) != PGRES_COMMAND_OK) {
        failed = res;
      } else {
        PQclear(res);
      }
    }
    if (failed != nullptr) {
      c_.ThrowResult(s, failed, "copy into " + spec_.table, /*in_transaction=*/true);
    }
    if (spec_.insert_only) return;  // the COPY went straight into the table
    std::string source = "SELECT ";
    std::string order;
    if (!spec_.conflict_columns.empty()) {
      source += "DISTINCT ON (";
      for (std::size_t i = 0; i < spec_.conflict_columns.size(); ++i) {
        source += (i == 0 ? "" : ", ") + spec_.conflict_columns[i];
        order += spec_.conflict_columns[i] + ", ";
      }
      source += ") ";
    }
    source += ColumnList() + " FROM " + staging_;
    if (!order.empty()) source += " ORDER BY " + order + "ts_bulk_row DESC";
    c_.Exec(s, BulkUpsertSql(spec_, source));
    c_.Exec(s, "DROP TABLE " + staging_);
  }

 private:
  static constexpr std::size_t kChunkBytes = 256 * 1024;

  std::string ColumnList() const {
    std::string out;
    for (const std::string& column : spec_.columns) {
      if (!out.empty()) out += ", ";
      out += column;
    }
    return out;
  }

  // Before each value: starts the COPY on the first, and separates fields
  // (text), or begins the row with its field count (binary).
  void Field(int column) {
    if (!started_) Start();
    if (binary_) {
      if (column == 1) {
        AppendBe<std::int16_t>(static_cast<std::int16_t>(types_.size()));
      }
      return;
    }
    if (column > 1) buffer_ += '\t';
  }

  // COPY's binary format: big-endian integers, a field as its length and
  // its bytes (PostgreSQL's "COPY", "Binary Format").
  template <typename T>
  void AppendBe(T value) {
    auto bits = static_cast<std::make_unsigned_t<T>>(value);
    char out[sizeof(T)];
    for (std::size_t i = sizeof(T); i-- > 0;) {
      out[i] = static_cast<char>(bits & 0xFF);
      if constexpr (sizeof(T) > 1) bits >>= 8;
    }
    buffer_.append(out, sizeof(T));
  }
  template <typename T>
  void AppendField(T value) {
    AppendBe<std::int32_t>(sizeof(T));
    AppendBe<T>(value);
  }
  void AppendBytes(std::string_view bytes) {
    if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
      throw InvalidArgument("copy into " + spec_.table + ": a value of " +
                            std::to_string(bytes.size()) + " bytes is too large");
    }
    AppendBe<std::int32_t>(static_cast<std::int32_t>(bytes.size()));
    buffer_.append(bytes);
  }

  Oid TypeOf(int column) const { return types_[static_cast<std::size_t>(column - 1)]; }
  [[noreturn]] void Mismatch(int column, const std::string& what) const {
    throw Error(ErrorKind::kInternal, "copy into " + spec_.table + ": column " +
                                          spec_.columns[static_cast<std::size_t>(column - 1)] +
                                          " of type oid " + std::to_string(TypeOf(column)) +
                                          " cannot take " + what + " in COPY's binary format");
  }

  // The types of spec_.columns in the table, when every one is a type the
  // binary format is written for here; otherwise empty.
  std::vector<Oid> BinaryTypes(PgSession& s) {
    const std::string sql =
        "SELECT attname, atttypid FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND "
        "attnum > 0 AND NOT attisdropped";
    const char* values[] = {spec_.table.c_str()};
    PGresult* res = PQexecParams(s.conn, sql.c_str(), 1, nullptr, values, nullptr, nullptr, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) c_.ThrowResult(s, res, sql, true);
    std::unordered_map<std::string, Oid> by_name;
    for (int i = 0; i < PQntuples(res); ++i) {
      by_name.emplace(PQgetvalue(res, i, 0),
                      static_cast<Oid>(std::strtoul(PQgetvalue(res, i, 1), nullptr, 10)));
    }
    PQclear(res);
    std::vector<Oid> types;
    for (const std::string& column : spec_.columns) {
      const auto it = by_name.find(column);
      if (it == by_name.end()) return {};
      switch (it->second) {
        case kBoolOid:
        case kByteaOid:
        case kInt8Oid:
        case kInt2Oid:
        case kInt4Oid:
        case kTextOid:
        case kFloat8Oid:
        case kVarcharOid:
        case kTimestamptzOid:
          types.push_back(it->second);
          break;
        default:
          return {};
      }
    }
    if (!spec_.insert_only) types.push_back(kInt8Oid);  // ts_bulk_row
    return types;
  }

  void Start() {
    c_.CheckNoCopy("COPY");
    PgSession& s = c_.TransactionSession();
    const std::string columns = ColumnList();
    if (spec_.binary) {
      types_ = BinaryTypes(s);
      binary_ = !types_.empty();
    }
    const std::string format = binary_ ? " (FORMAT binary)" : "";
    std::string copy;
    if (spec_.insert_only) {
      copy = "COPY " + spec_.table + " (" + columns + ") FROM STDIN" + format;
    } else {
      staging_ = "pg_temp.tradestore_bulk_" + std::to_string(++c_.next_staging_);
      c_.Exec(s, "CREATE TEMP TABLE " + staging_.substr(8) + " ON COMMIT DROP AS SELECT " +
                     columns + ", 0::bigint AS ts_bulk_row FROM " + spec_.table + " WITH NO DATA");
      copy = "COPY " + staging_ + " (" + columns + ", ts_bulk_row) FROM STDIN" + format;
    }
    PGresult* res = PQexec(s.conn, copy.c_str());
    if (PQresultStatus(res) != PGRES_COPY_IN) c_.ThrowResult(s, res, copy, true);
    PQclear(res);
    c_.copy_active_ = true;
    started_ = true;
    if (binary_) {
      // The header: signature, flags, header extension length.
      buffer_.append("PGCOPY\n\377\r\n\0", 11);
      AppendBe<std::int32_t>(0);
      AppendBe<std::int32_t>(0);
    }
  }

  void Flush() {
    if (buffer_.empty()) return;
    PgSession& s = c_.TransactionSession();
    if (PQputCopyData(s.conn, buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
      c_.copy_active_ = false;
      c_.ThrowResult(s, nullptr, "copy into " + spec_.table, /*in_transaction=*/true);
    }
    buffer_.clear();
  }

  PgConnection& c_;
  const BulkUpsertSpec spec_;
  std::string staging_;
  std::string buffer_;
  std::int64_t row_number_ = 0;  // rows buffered so far: the ts_bulk_row of the next
  bool started_ = false;
  bool binary_ = false;     // COPY's binary format (spec_.binary, and types_ allow it)
  std::vector<Oid> types_;  // binary: each field's type, ts_bulk_row last when staged
};

std::unique_ptr<BulkWriter> PgConnection::OpenBulkWriter(BulkUpsertSpec spec) {
  return std::make_unique<PgBulkWriter>(*this, std::move(spec));
}

void PgStatement::Run() {
  ClearResult();
  result_ = owner_.Run(*this, values_, is_null_);
  rows_ = PQntuples(result_);
  row_ = -1;
}

void PgStatement::ExecuteDeferred() {
  ClearResult();
  owner_.Defer(*this, values_, is_null_);
}

}  // namespace

NumberedSql NumberPlaceholders(std::string_view sql) {
  NumberedSql out;
  out.text.reserve(sql.size() + 16);
  const std::size_t n = sql.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = sql[i];
    if (c == '?') {
      out.text += '$';
      out.text += std::to_string(++out.parameters);
      ++i;
    } else if (c == '\'' || c == '"') {
      // A string literal or quoted identifier; a doubled quote escapes it.
      // E'...' also escapes with a backslash.
      const bool backslash = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                             (i == 1 || !IsIdentChar(sql[i - 2]));
      std::size_t j = i + 1;
      while (j < n) {
        if (backslash && sql[j] == '\\') {
          j += 2;
          continue;
        }
        if (sql[j] == c) {
          if (j + 1 < n && sql[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      j = std::min(j + 1, n);
      out.text.append(sql.substr(i, j - i));
      i = j;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      std::size_t j = sql.find('\n', i);
      j = j == std::string_view::npos ? n : j;
      out.text.append(sql.substr(i, j - i));
      i = j;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      int depth = 0;
      std::size_t j = i;
      while (j < n) {
        if (sql[j] == '/' && j + 1 < n && sql[j + 1] == '*') {
          ++depth;
          j += 2;
        } else if (sql[j] == '*' && j + 1 < n && sql[j + 1] == '/') {
          j += 2;
          if (--depth == 0) break;
        } else {
          ++j;
        }
      }
      out.text.append(sql.substr(i, j - i));
      i = j;
    } else if (c == '$' && (i == 0 || !IsIdentChar(sql[i - 1]))) {
      // $tag$ ... $tag$ (tag empty or an identifier not starting with a
      // digit); "$1" is a parameter, not a quote.
      std::size_t j = i + 1;
      while (j < n && IsIdentChar(sql[j]) && !(j == i + 1 && IsDigit(sql[j]))) ++j;
      if (j < n && sql[j] == '$') {
        const std::string_view tag = sql.substr(i, j - i + 1);
        const std::size_t end = sql.find(tag, j + 1);
        const std::size_t stop = end == std::string_view::npos ? n : end + tag.size();
        out.text.append(sql.substr(i, stop - i));
        i = stop;
      } else {
        out.text += c;
        ++i;
      }
    } else {
      out.text += c;
      ++i;
    }
  }
  return out;
}

void AppendCopyText(std::string& out, std::string_view value) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const char* escape = c == '\\'   ? "\\\\"
                         : c == '\t' ? "\\t"
                         : c == '\n' ? "\\n"
                         : c == '\r' ? "\\r"
                                     : nullptr;
    if (escape == nullptr) continue;
    out.append(value.data() + start, i - start);
    out += escape;
    start = i + 1;
  }
  out.append(value.data() + start, value.size() - start);
}

Error PgError(std::string_view sqlstate, const std::string& message, bool in_transaction) {
  const std::string code(sqlstate);
  const std::string_view cls = sqlstate.substr(0, 2);
  if (sqlstate == "23505" || sqlstate == "23503") {
    return Error(ErrorKind::kConflict, message, code);
  }
  if (sqlstate == "23514" || sqlstate == "23502" || cls == "22") {
    return Error(ErrorKind::kInvalidArgument, message, code);
  }
  // Serialization failure, deadlock, lock timeout (lock_timeout), statement
  // timeout (statement_timeout; also a cancel request): the server rolled
  // the statement (and its transaction) back; the same work can succeed
  // once the other session is done.
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" || sqlstate == "57014") {
    return Error(ErrorKind::kUnavailable, message, code, /*retryable=*/true);
  }
  if (cls == "08" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
    return Error(ErrorKind::kUnavailable, message, code, /*retryable=*/!in_transaction);
  }
  if (cls == "53") return Error(ErrorKind::kStorage, message, code);
  return Error(ErrorKind::kInternal, message, code);
}

namespace {

bool IsOwnParameter(std::string_view key) {
  return key == "pool_size" || key == "prepared_statements" || key == "read_host" ||
         key == "read_port" || key == "read_wait_ms" || key == "chunk_format";
}

// A decimal integer in [low, high]; throws naming the parameter.
int OwnInteger(std::string_view key, std::string_view value, int low, int high) {
  int n = 0;
  const auto r = std::from_chars(value.data(), value.data() + value.size(), n);
  if (r.ec != std::errc() || r.ptr != value.data() + value.size() || n < low || n > high) {
    throw Error(ErrorKind::kInvalidArgument, "PostgreSQL URL: " + std::string(key) +
                                                 " must be an integer " + std::to_string(low) +
                                                 ".." + std::to_string(high) + ", got '" +
                                                 std::string(value) + "'");
  }
  return n;
}

void ApplyOwnParameter(PgSettings& s, std::string_view key, std::string_view value) {
  if (key == "read_host") {
    if (value.empty()) {
      throw Error(ErrorKind::kInvalidArgument, "PostgreSQL URL: read_host is empty");
    }
    s.read_host = std::string(value);
  } else if (key == "read_port") {
    s.read_port = std::to_string(OwnInteger(key, value, 1, 65535));
  } else if (key == "read_wait_ms") {
    s.read_wait_ms = OwnInteger(key, value, 0, 600000);
  } else if (key == "chunk_format") {
    if (value != "2" && value != "3") {
      throw Error(ErrorKind::kInvalidArgument,
                  "PostgreSQL URL: chunk_format must be 2 or 3, got '" + std::string(value) + "'");
    }
    s.chunk_format = value[0] - '0';
  } else if (key == "pool_size") {
    int n = 0;
    const auto r = std::from_chars(value.data(), value.data() + value.size(), n);
    if (r.ec != std::errc() || r.ptr != value.data() + value.size() || n < 1 || n > 1000) {
      throw Error(
          ErrorKind::kInvalidArgument,
          "PostgreSQL URL: pool_size must be an integer 1..1000, got '" + std::string(value) + "'");
    }
    s.pool_size = n;
  } else {
    if (value == "on" || value == "true" || value == "1") {
      s.prepared_statements = true;
    } else if (value == "off" || value == "false" || value == "0") {
      s.prepared_statements = false;
    } else {
      throw Error(ErrorKind::kInvalidArgument,
                  "PostgreSQL URL: prepared_statements must be on or off, got '" +
                      std::string(value) + "'");
    }
  }
}

PgSettings ParsePgSettings(const std::string& conninfo) {
  PgSettings s;
  const bool url = conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://");
  if (url) {
    const auto q = conninfo.find('?');
    s.conninfo = conninfo.substr(0, q);
    if (q != std::string::npos) {
      std::string kept;
      std::string_view query = std::string_view(conninfo).substr(q + 1);
      while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const auto eq = pair.find('=');
        const std::string_view key = pair.substr(0, eq);
        if (IsOwnParameter(key)) {
          ApplyOwnParameter(
              s, key, eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        } else if (!pair.empty()) {
          kept += kept.empty() ? "?" : "&";
          kept += pair;
        }
      }
      s.conninfo += kept;
    }
  } else {
    // key=value pairs separated by spaces (values quoted with '...' kept
    // as they are).
    std::size_t i = 0;
    while (i < conninfo.size()) {
      while (i < conninfo.size() && conninfo[i] == ' ') ++i;
      std::size_t j = i;
      bool quoted = false;
      while (j < conninfo.size() && (quoted || conninfo[j] != ' ')) {
        if (conninfo[j] == '\\') {
          ++j;
        } else if (conninfo[j] == '\'') {
          quoted = !quoted;
        }
        ++j;
      }
      j = std::min(j, conninfo.size());
      const std::string_view token = std::string_view(conninfo).substr(i, j - i);
      const auto eq = token.find('=');
      const std::string_view key = token.substr(0, eq);
      if (IsOwnParameter(key)) {
        ApplyOwnParameter(s, key,
                          eq == std::string_view::npos ? std::string_view() : token.substr(eq + 1));
      } else if (!token.empty()) {
        if (!s.conninfo.empty()) s.conninfo += ' ';
        s.conninfo += token;
      }
      i = j;
    }
  }
  // Parse what libpq gets: a malformed string is bad input, not an
  // unreachable server.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(s.conninfo.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string message = parse_error != nullptr ? OneLine(parse_error) : "out of memory";
    if (parse_error != nullptr) PQfreemem(parse_error);
    throw Error(ErrorKind::kInvalidArgument, "malformed PostgreSQL connection string: " + message);
  }
  s.options = kSessionOptions;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "options") == 0 && o->val != nullptr && *o->val != '\0') {
      s.options = std::string(o->val) + " " + s.options;
    }
  }
  PQconninfoFree(parsed);
  return s;
}

// ---- LISTEN ------------------------------------------------------------------

class PgListenerImpl final : public PgListener {
 public:
  PgListenerImpl(PgSettings settings, std::string channel)
      : settings_(std::move(settings)), channel_(std::move(channel)) {
    Connect();
  }
  ~PgListenerImpl() override {
    if (conn_ != nullptr) PQfinish(conn_);
  }

  bool Wait(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (PQstatus(conn_) != CONNECTION_OK || PQconsumeInput(conn_) == 0) {
        Reconnect();
        return true;  // notifications may have been lost meanwhile
      }
      bool woken = false;
      while (PGnotify* n = PQnotifies(conn_)) {
        woken = true;
        PQfreemem(n);
      }
      if (woken) return true;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{PQsocket(conn_), POLLIN, 0};
      const int ready = poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno != EINTR) {
        throw Error(ErrorKind::kUnavailable,
                    std::string("LISTEN ") + channel_ + ": poll failed: " + std::strerror(errno),
                    "08006", /*retryable=*/true);
      }
    }
  }

 private:
  void Connect() {
    const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {"10", "tradestore-listen", settings_.conninfo.c_str(), nullptr};
    conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    if (conn_ == nullptr) throw Error(ErrorKind::kStorage, "libpq: out of memory");
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string message = "cannot connect to PostgreSQL database " + Where(conn_) +
                                  " to LISTEN: " + OneLine(PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
      throw Error(ErrorKind::kUnavailable, message, "08001", /*retryable=*/true);
    }
    PQsetNoticeProcessor(conn_, NoticeProcessor, nullptr);
    PGresult* r = PQexec(conn_, ("LISTEN " + channel_).c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
      const std::string message = "LISTEN " + channel_ + ": " + OneLine(PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
      throw Error(ErrorKind::kUnavailable, message, "08006", /*retryable=*/true);
    }
  }

  void Reconnect() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    Connect();
  }

  const PgSettings settings_;
  const std::string channel_;
  PGconn* conn_ = nullptr;
};

}  // namespace

void CheckPostgresUrl(const std::string& conninfo) { ParsePgSettings(conninfo); }

std::optional<int> PostgresChunkFormat(const std::string& conninfo) {
  return ParsePgSettings(conninfo).chunk_format;
}

std::unique_ptr<Connection> OpenPostgres(const std::string& conninfo,
                                         const PgOpenOptions& options) {
  const PgSettings settings = ParsePgSettings(conninfo);
  std::shared_ptr<PgPool> pool = GetPool(settings);
  // Connect once now (no backoff) so that a wrong address or password is
  // reported by Open; the session goes to the pool. (An unreachable replica
  // is not an error: reads go to the primary.)
  pool->Release(pool->Acquire());
  std::shared_ptr<PgPool> read_pool;
  if (options.route_reads && !settings.read_host.empty()) {
    read_pool = GetPool(ReplicaSettings(settings));
  }
  return std::make_unique<PgConnection>(std::move(pool), std::move(read_pool));
}

PgReadStats PostgresReadStats(const std::string& conninfo) {
  const std::string key = PoolKey(ParsePgSettings(conninfo));
  std::lock_guard lock(g_read_stats_mu);
  auto it = ReadStats().find(key);
  return it == ReadStats().end() ? PgReadStats{} : it->second;
}

std::optional<PgReplicaStatus> PostgresReplicaStatus(const std::string& conninfo) {
  const PgSettings settings = ParsePgSettings(conninfo);
  if (settings.read_host.empty()) return std::nullopt;
  PgReplicaStatus out;
  out.location = settings.read_host + (settings.read_port.empty() ? "" : ":" + settings.read_port);
  // The replica's position first, then the primary's: the difference is
  // never less than the true lag.
  std::uint64_t replayed = 0;
  try {
    std::shared_ptr<PgPool> replica = GetPool(ReplicaSettings(settings));
    std::unique_ptr<PgSession> s = replica->Acquire();
    PGresult* r = PQexec(s->conn,
                         "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), "
                         "extract(epoch FROM now() - pg_last_xact_replay_timestamp())");
    const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok) {
      out.connected = true;
      out.in_recovery = std::strcmp(PQgetvalue(r, 0, 0), "t") == 0;
      if (!PQgetisnull(r, 0, 1)) {
        out.replay_lsn = PQgetvalue(r, 0, 1);
        replayed = ParseLsn(out.replay_lsn);
      }
      if (!PQgetisnull(r, 0, 2))
        out.seconds_since_replay = std::strtod(PQgetvalue(r, 0, 2), nullptr);
    } else {
      out.error = OneLine(PQresultErrorMessage(r));
    }
    PQclear(r);
    replica->Release(std::move(s));
  } catch (const Error& e) {
    out.error = e.what();
  }
  if (!out.connected || !out.in_recovery) return out;
  try {
    std::shared_ptr<PgPool> primary = GetPool(settings);
    std::unique_ptr<PgSession> s = primary->Acquire();
    PGresult* r = PQexec(s->conn, "SELECT pg_current_wal_insert_lsn()");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
      const std::uint64_t current = ParseLsn(PQgetvalue(r, 0, 0));
      out.lag_bytes = static_cast<std::int64_t>(current > replayed ? current - replayed : 0);
    }
    PQclear(r);
    primary->Release(std::move(s));
  } catch (const Error& e) {
    out.error = std::string("primary: ") + e.what();
  }
  return out;
}

std::unique_ptr<PgListener> ListenPostgres(const std::string& conninfo,
                                           const std::string& channel) {
  PgSettings settings = ParsePgSettings(conninfo);
  if (!settings.prepared_statements) {
    // A pooler in transaction mode hands the session that ran LISTEN to
    // other clients after the statement: notifications would be lost
    // without a word. Refuse rather than wait for nothing.
    throw Error(ErrorKind::kInvalidArgument,
                "LISTEN " + channel +
                    " needs a session of its own, which a pooler in transaction mode "
                    "(prepared_statements=off, e.g. PgBouncer) does not keep: open the store "
                    "that follows changes with a URL to the PostgreSQL server itself");
  }
  return std::make_unique<PgListenerImpl>(std::move(settings), channel);
}

std::optional<PgPoolStats> PostgresPoolStats(const std::string& conninfo) {
  const PgSettings settings = ParsePgSettings(conninfo);
  std::lock_guard lock(g_pools_mu);
  auto it = Pools().find(PoolKey(settings));
  if (it == Pools().end()) return std::nullopt;
  auto pool = it->second.lock();
  if (!pool) return std::nullopt;
  return pool->Stats();
}

}  // namespace tradestore::sql
