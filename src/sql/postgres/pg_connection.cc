#include "sql/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

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

class PgStatement final : public Statement {
 public:
  PgStatement(PgConnection& owner, std::string name, NumberedSql sql)
      : owner_(owner),
        name_(std::move(name)),
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
    Slot(index).assign(value.data() != nullptr ? value.data() : "", value.size());
    return *this;
  }
  Statement& Bind(int index, const Decimal& value) override {
    Slot(index) = value.ToString();
    return *this;
  }
  Statement& Bind(int index, Timestamp value) override {
    Slot(index) = value.ToIso();
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
  void Reset() override { ClearResult(); }
  void ResetAndClear() {
    ClearResult();
    for (std::size_t i = 0; i < is_null_.size(); ++i) is_null_[i] = true;
  }

  bool IsNull(int column) const override {
    CheckRow(column);
    return PQgetisnull(result_, row_, column) != 0;
  }
  std::int64_t GetInt64(int column) const override {
    const std::string_view text = Text(column);
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
    const std::string_view text = Text(column);
    if (text.empty()) return 0;
    double value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
      throw Error(ErrorKind::kInternal, "column " + std::to_string(column) + " of '" + sql_.text +
                                            "' is not a number: '" + std::string(text) + "'");
    }
    return value;
  }
  std::string GetText(int column) const override { return std::string(Text(column)); }
  Decimal GetDecimal(int column) const override {
    const std::string_view text = Text(column);
    if (text.empty()) return Decimal();
    return Decimal::Parse(text);
  }
  Timestamp GetTimestamp(int column) const override {
    const std::string_view text = Text(column);
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

  const std::string& name() const { return name_; }
  const std::string& text() const { return sql_.text; }
  int parameters() const { return sql_.parameters; }
  unsigned generation = 0;  // the session it was prepared in

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
  std::string_view Text(int column) const {
    CheckRow(column);
    if (PQgetisnull(result_, row_, column)) return {};
    return std::string_view(PQgetvalue(result_, row_, column),
                            static_cast<std::size_t>(PQgetlength(result_, row_, column)));
  }
  void ClearResult() {
    if (result_ != nullptr) PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    rows_ = 0;
  }
  void Run();

  PgConnection& owner_;
  std::string name_;
  NumberedSql sql_;
  std::vector<std::string> values_;
  std::vector<bool> is_null_;
  PGresult* result_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
};

void NoticeProcessor(void*, const char*) {}  // "relation already exists, skipping" etc.

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {
    PQsetNoticeProcessor(conn_, NoticeProcessor, nullptr);
  }
  ~PgConnection() override {
    cache_.clear();
    PQfinish(conn_);
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Statement& Prepare(std::string_view sql) override {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
      it->second->ResetAndClear();
      return *it->second;
    }
    auto statement = std::make_unique<PgStatement>(*this, "ts" + std::to_string(++next_name_),
                                                   NumberPlaceholders(sql));
    EnsurePrepared(*statement);
    auto& ref = *statement;
    cache_.emplace(std::string(sql), std::move(statement));
    return ref;
  }

  void ExecuteScript(std::string_view sql) override {
    EnsureSession();
    const std::string text(sql);
    PGresult* res = PQexec(conn_, text.c_str());
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      ThrowResult(res, "exec: " + Abbreviate(text));
    }
    PQclear(res);
  }

  // The outermost level is BEGIN (READ COMMITTED); nested levels only count,
  // as in the SQLite driver: an inner level that ends without Commit poisons
  // the unit of work, whose Commit then rolls back (see Connection).
  void Begin() override {
    if (depth_ == 0) {
      ExecuteScript("BEGIN");
      poisoned_ = false;
    }
    ++depth_;
  }
  void Commit() override {
    if (depth_ == 0) throw Error(ErrorKind::kInternal, "commit without a transaction");
    if (depth_ > 1) {
      --depth_;
      return;
    }
    if (poisoned_) {
      Rollback();
      throw PoisonedCommit();
    }
    {
      // COMMIT of a failed transaction reports success with ROLLBACK as its
      // command tag; nothing was written, so say so.
      depth_ = 0;
      PGresult* res = PQexec(conn_, "COMMIT");
      const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
      const char* tag = PQcmdStatus(res);
      // If the session died during COMMIT, whether it committed is unknown:
      // not retryable.
      if (!ok) ThrowResult(res, "commit", /*in_transaction=*/true);
      const bool rolled_back = tag != nullptr && std::strcmp(tag, "ROLLBACK") == 0;
      PQclear(res);
      if (rolled_back) {
        throw Error(ErrorKind::kInternal, "commit: the transaction had failed and was rolled back",
                    "25P02");
      }
    }
  }
  void Rollback() noexcept override {
    if (depth_ == 0) return;
    if (depth_ > 1) {
      --depth_;
      poisoned_ = true;
      return;
    }
    depth_ = 0;
    poisoned_ = false;
    if (PQstatus(conn_) != CONNECTION_OK) return;
    PQclear(PQexec(conn_, "ROLLBACK"));
  }
  int transaction_depth() const override { return depth_; }

  // Runs `st` with its bindings; returns the result or throws.
  PGresult* Run(PgStatement& st, const std::vector<std::string>& values,
                const std::vector<bool>& is_null) {
    EnsureSession();
    EnsurePrepared(st);
    std::vector<const char*> params(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      params[i] = is_null[i] ? nullptr : values[i].c_str();
    }
    PGresult* res = PQexecPrepared(conn_, st.name().c_str(), st.parameters(),
                                   params.empty() ? nullptr : params.data(), nullptr, nullptr, 0);
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      ThrowResult(res, st.text());
    }
    return res;
  }

  [[noreturn]] void ThrowResult(PGresult* res, const std::string& context) {
    ThrowResult(res, context, depth_ > 0);
  }
  [[noreturn]] void ThrowResult(PGresult* res, const std::string& context, bool in_transaction) {
    std::string sqlstate;
    std::string message;
    if (res != nullptr) {
      if (const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) sqlstate = s;
      if (const char* m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) message = m;
      if (const char* d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) {
        message += std::string(" (") + d + ")";
      }
      if (message.empty()) message = OneLine(PQresultErrorMessage(res));
      PQclear(res);
    }
    if (message.empty()) message = OneLine(PQerrorMessage(conn_));
    if (sqlstate.empty() && PQstatus(conn_) != CONNECTION_OK) sqlstate = "08006";
    throw PgError(sqlstate, context + ": " + message, in_transaction);
  }

 private:
  static std::string Abbreviate(const std::string& sql) {
    return sql.size() <= 200 ? sql : sql.substr(0, 200) + "...";
  }

  // Reconnects a dropped session between units of work; its prepared
  // statements are gone, so every statement is prepared again on next use.
  void EnsureSession() {
    if (PQstatus(conn_) == CONNECTION_OK) return;
    if (depth_ > 0) {
      throw PgError("08006",
                    "the connection to PostgreSQL was lost inside a transaction: " +
                        OneLine(PQerrorMessage(conn_)),
                    true);
    }
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      throw PgError("08006", "cannot reconnect to PostgreSQL: " + OneLine(PQerrorMessage(conn_)),
                    false);
    }
    ++generation_;
  }

  void EnsurePrepared(PgStatement& st) {
    if (st.generation == generation_) return;
    EnsureSession();
    PGresult* res =
        PQprepare(conn_, st.name().c_str(), st.text().c_str(), st.parameters(), nullptr);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) ThrowResult(res, "prepare: " + st.text());
    PQclear(res);
    st.generation = generation_;
  }

  PGconn* conn_;
  std::unordered_map<std::string, std::unique_ptr<PgStatement>> cache_;
  int depth_ = 0;
  bool poisoned_ = false;
  int next_name_ = 0;
  unsigned generation_ = 1;
};

void PgStatement::Run() {
  ClearResult();
  result_ = owner_.Run(*this, values_, is_null_);
  rows_ = PQntuples(result_);
  row_ = -1;
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

Error PgError(std::string_view sqlstate, const std::string& message, bool in_transaction) {
  const std::string code(sqlstate);
  const std::string_view cls = sqlstate.substr(0, 2);
  if (sqlstate == "23505" || sqlstate == "23503") {
    return Error(ErrorKind::kConflict, message, code);
  }
  if (sqlstate == "23514" || sqlstate == "23502" || cls == "22") {
    return Error(ErrorKind::kInvalidArgument, message, code);
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return Error(ErrorKind::kUnavailable, message, code, /*retryable=*/true);
  }
  if (cls == "08" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
    return Error(ErrorKind::kUnavailable, message, code, /*retryable=*/!in_transaction);
  }
  if (cls == "53") return Error(ErrorKind::kStorage, message, code);
  return Error(ErrorKind::kInternal, message, code);
}

std::unique_ptr<Connection> OpenPostgres(const std::string& conninfo) {
  // Parse first: a malformed string is bad input, not an unreachable server.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string message = parse_error != nullptr ? OneLine(parse_error) : "out of memory";
    if (parse_error != nullptr) PQfreemem(parse_error);
    throw Error(ErrorKind::kInvalidArgument, "malformed PostgreSQL connection string: " + message);
  }
  std::string options = kSessionOptions;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "options") == 0 && o->val != nullptr && *o->val != '\0') {
      options = std::string(o->val) + " " + options;
    }
  }
  PQconninfoFree(parsed);

  // Keywords after "dbname" (the expanded string) override it; those
  // before it are defaults that the string may override.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname",
                            "options",         "client_encoding",           nullptr};
  const char* values[] = {"10", "tradestore", conninfo.c_str(), options.c_str(), "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) throw Error(ErrorKind::kStorage, "libpq: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    // The message names host and database but never the password.
    std::string message = OneLine(PQerrorMessage(conn));
    std::string where = std::string(PQdb(conn) ? PQdb(conn) : "") + " on " +
                        (PQhost(conn) ? PQhost(conn) : "") + ":" +
                        (PQport(conn) ? PQport(conn) : "");
    PQfinish(conn);
    throw Error(ErrorKind::kUnavailable,
                "cannot connect to PostgreSQL database " + where + ": " + message, "08001",
                /*retryable=*/true);
  }
  auto connection = std::make_unique<PgConnection>(conn);
  // The options above set these; a pooler that drops startup options would
  // not, so check what the server reports and set them if needed.
  const char* date_style = PQparameterStatus(conn, "DateStyle");
  const char* time_zone = PQparameterStatus(conn, "TimeZone");
  if (date_style == nullptr || std::strncmp(date_style, "ISO", 3) != 0 || time_zone == nullptr ||
      std::strcmp(time_zone, "UTC") != 0) {
    connection->ExecuteScript("SET DateStyle = ISO; SET TimeZone = 'UTC'");
  }
  if (PQserverVersion(conn) < 100000) {
    throw Error(ErrorKind::kStorage, "PostgreSQL " + std::to_string(PQserverVersion(conn)) +
                                         " is too old: tradestore needs 10 or later");
  }
  return connection;
}

}  // namespace tradestore::sql
