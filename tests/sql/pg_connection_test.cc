// The PostgreSQL driver: placeholder numbering and SQLSTATE mapping
// (no server), and the driver against the test server.
#include "sql/postgres/pg_connection.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <functional>
#include <limits>

#include "support/pg_harness.h"
#include "tradestore/error.h"

namespace tradestore::sql {
namespace {

using literals::operator""_d;

TEST(NumberPlaceholders, NumbersQuestionMarksInOrder) {
  const NumberedSql n = NumberPlaceholders("SELECT a FROM t WHERE b = ? AND (? OR c = ?)");
  EXPECT_EQ(n.text, "SELECT a FROM t WHERE b = $1 AND ($2 OR c = $3)");
  EXPECT_EQ(n.parameters, 3);
  EXPECT_EQ(NumberPlaceholders("VALUES (?,?)").text, "VALUES ($1,$2)");
  EXPECT_EQ(NumberPlaceholders("SELECT 1").parameters, 0);
  const NumberedSql ten = NumberPlaceholders("?,?,?,?,?,?,?,?,?,?,?");
  EXPECT_EQ(ten.text, "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11");
}

TEST(NumberPlaceholders, LeavesQuotesAndCommentsAlone) {
  EXPECT_EQ(NumberPlaceholders("SELECT '?', ? FROM t").text, "SELECT '?', $1 FROM t");
  EXPECT_EQ(NumberPlaceholders("SELECT 'it''s ?', ?").text, "SELECT 'it''s ?', $1");
  EXPECT_EQ(NumberPlaceholders("SELECT \"odd?name\" FROM t WHERE x = ?").text,
            "SELECT \"odd?name\" FROM t WHERE x = $1");
  EXPECT_EQ(NumberPlaceholders("SELECT ? -- what?\n, ?").text, "SELECT $1 -- what?\n, $2");
  EXPECT_EQ(NumberPlaceholders("SELECT /* a? /* nested? */ b? */ ?").text,
            "SELECT /* a? /* nested? */ b? */ $1");
  EXPECT_EQ(NumberPlaceholders("SELECT E'\\'?', ?").text, "SELECT E'\\'?', $1");
  EXPECT_EQ(NumberPlaceholders("SELECT $$ ? $$, $tag$ '? $tag$, ?").text,
            "SELECT $$ ? $$, $tag$ '? $tag$, $1");
  // A backslash ends nothing in a standard string.
  EXPECT_EQ(NumberPlaceholders("SELECT 'a\\', ?").text, "SELECT 'a\\', $1");
  EXPECT_EQ(NumberPlaceholders("SELECT ?, 'unterminated ?").text, "SELECT $1, 'unterminated ?");
}

TEST(PgError, MapsSqlStatesToKinds) {
  struct Case {
    const char* state;
    ErrorKind kind;
    bool retryable;
  };
  for (const Case& c :
       {Case{"23505", ErrorKind::kConflict, false}, Case{"23503", ErrorKind::kConflict, false},
        Case{"23514", ErrorKind::kInvalidArgument, false},
        Case{"23502", ErrorKind::kInvalidArgument, false},
        Case{"22012", ErrorKind::kInvalidArgument, false},
        Case{"22P02", ErrorKind::kInvalidArgument, false},
        Case{"40001", ErrorKind::kUnavailable, true}, Case{"40P01", ErrorKind::kUnavailable, true},
        Case{"55P03", ErrorKind::kUnavailable, true}, Case{"57014", ErrorKind::kUnavailable, true},
        Case{"08006", ErrorKind::kUnavailable, true}, Case{"57P01", ErrorKind::kUnavailable, true},
        Case{"53100", ErrorKind::kStorage, false}, Case{"42601", ErrorKind::kInternal, false},
        Case{"", ErrorKind::kInternal, false}}) {
    const Error e = PgError(c.state, "message", /*in_transaction=*/false);
    EXPECT_EQ(e.kind(), c.kind) << c.state;
    EXPECT_EQ(e.retryable(), c.retryable) << c.state;
    EXPECT_EQ(e.native_code(), c.state);
    EXPECT_STREQ(e.what(), "message");
  }
  // A lost session inside a transaction loses the unit of work.
  EXPECT_FALSE(PgError("08006", "m", /*in_transaction=*/true).retryable());
  EXPECT_TRUE(PgError("40001", "m", /*in_transaction=*/true).retryable());
  // A timeout rolls the unit of work back: running it again can succeed.
  EXPECT_TRUE(PgError("55P03", "m", /*in_transaction=*/true).retryable());
  EXPECT_TRUE(PgError("57014", "m", /*in_transaction=*/true).retryable());
}

TEST(OpenPostgres, BadConnectionStrings) {
  try {
    OpenPostgres("postgresql://host:notaport:/x?=");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
  try {
    OpenPostgres(
        "postgresql:///nodb?host=/nonexistent-tradestore-dir&port=1&user=x&password=s3cret");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
    EXPECT_TRUE(e.retryable());
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
  // The server answers and refuses for good: not retryable (a CLI job would
  // otherwise wait out its retries on a typo).
  std::string url = testing::PgServer::Get().Url("no_such_database_here");
  try {
    OpenPostgres(url);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
    EXPECT_FALSE(e.retryable()) << e.what();
    EXPECT_EQ(e.native_code(), "08004");
    EXPECT_NE(std::string(e.what()).find("no_such_database_here"), std::string::npos) << e.what();
  }
}

ErrorKind KindOf(const std::function<void()>& fn, std::string* code = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (code != nullptr) *code = e.native_code();
    return e.kind();
  }
  ADD_FAILURE() << "no tradestore::Error thrown";
  return ErrorKind::kInternal;
}

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = OpenPostgres(testing::PgServer::Get().CreateDatabase());
    c_->ExecuteScript(
        "CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
        "name text UNIQUE, amount numeric, at timestamptz, x double precision, "
        "n integer CHECK (n >= 0), flag integer NOT NULL DEFAULT 0)");
  }
  std::int64_t Count(const std::string& where = "true") {
    auto& st = c_->Prepare("SELECT count(*) FROM t WHERE " + where);
    st.Step();
    const std::int64_t n = st.GetInt64(0);
    st.Reset();
    return n;
  }
  std::unique_ptr<Connection> c_;
};

TEST_F(PgConnectionTest, RoundTripsEveryType) {
  const Decimal amounts[] = {"0"_d, "-0.000000000000000001"_d,
                             "123456789012345678.123456789012345678"_d, "12.5"_d};
  const Timestamp times[] = {Timestamp(),
                             Timestamp(-1),
                             Timestamp::Parse("2023-03-01T00:00:00Z"),
                             Timestamp::Parse("2023-03-01T12:34:56.123456Z"),
                             Timestamp::Parse("2100-12-31T23:59:59.000001Z"),
                             Timestamp::Parse("1900-02-28T01:02:03.5Z")};
  const double doubles[] = {0.1, -1e-300, 1.7976931348623157e308,
                            std::numeric_limits<double>::infinity()};
  int i = 0;
  for (const Decimal& amount : amounts) {
    for (const Timestamp& at : times) {
      for (double x : doubles) {
        const std::string name = "row " + std::to_string(++i) + " ünïcode";
        auto& ins = c_->Prepare(
            "INSERT INTO t (name, amount, at, x, n) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id");
        ins.Bind(1, name).Bind(2, amount).Bind(3, at).Bind(4, x).Bind(5, i);
        ASSERT_TRUE(ins.Step());
        const std::int64_t id = ins.GetInt64(0);
        ins.Reset();
        auto& sel = c_->Prepare("SELECT name, amount, at, x, n FROM t WHERE id = ?");
        sel.Bind(1, id);
        ASSERT_TRUE(sel.Step());
        EXPECT_EQ(sel.GetText(0), name);
        EXPECT_EQ(sel.GetDecimal(1), amount);
        EXPECT_EQ(sel.GetTimestamp(2), at) << at.ToIso();
        EXPECT_EQ(sel.GetDouble(3), x);
        EXPECT_EQ(sel.GetInt64(4), i);
        EXPECT_FALSE(sel.Step());
      }
    }
  }
  // NaN, NULL and the empty string.
  auto& ins = c_->Prepare("INSERT INTO t (name, amount, x) VALUES (?, ?, ?) RETURNING x, amount");
  ins.Bind(1, "").BindNull(2).Bind(3, std::nan(""));
  ASSERT_TRUE(ins.Step());
  EXPECT_TRUE(std::isnan(ins.GetDouble(0)));
  EXPECT_TRUE(ins.IsNull(1));
  EXPECT_FALSE(ins.GetOptionalDecimal(1).has_value());
  ins.Reset();
  auto& empty = c_->Prepare("SELECT name FROM t WHERE name = ?");
  empty.Bind(1, std::string_view());
  ASSERT_TRUE(empty.Step());
  EXPECT_FALSE(empty.IsNull(0));
  EXPECT_EQ(empty.GetText(0), "");
}

// Binary results (Statement::PreferBinaryResults) read every value the
// getters decode exactly as text results do, and refuse a type they do not
// decode by name.
TEST_F(PgConnectionTest, BinaryResultsReadWhatTextResultsRead) {
  const double nan_with_payload = std::bit_cast<double>(std::uint64_t{0x7FF8'0000'DEAD'BEEF});
  const std::string blob("\x00\xff\x80 bytes \x01", 11);
  const std::string sql =
      "SELECT ?::bigint, ?::integer, ?::smallint, ?::boolean, ?::double precision, "
      "?::real, ?::double precision, ?::text, ?::varchar, ?::timestamptz, "
      "?::timestamp, ?::bytea, NULL::bigint, NULL::double precision, NULL::timestamptz, "
      "NULL::bytea, NULL::text, ?::bigint, ?::double precision";
  const Timestamp times[] = {Timestamp::Parse("2023-03-01T12:34:56.123456Z"), Timestamp(-1),
                             Timestamp::Parse("1900-02-28T01:02:03.5Z"), Timestamp()};
  for (const Timestamp& at : times) {
    SCOPED_TRACE(at.ToIso());
    // The same statement text twice: one cached statement per text, so the
    // text form comes from a second spelling.
    auto& text = c_->Prepare(sql);
    auto& binary = c_->Prepare(sql + " ").PreferBinaryResults();
    for (Statement* st : {&text, &binary}) {
      st->Bind(1, std::int64_t{-9'007'199'254'740'993}).Bind(2, -2'000'000'000).Bind(3, -300);
      st->Bind(4, true).Bind(5, -0.0).Bind(6, 0.1).Bind(7, 1e-310).Bind(8, "ünïcode");
      st->Bind(9, "v").Bind(10, at).Bind(11, at).BindBlob(12, blob);
      st->Bind(13, std::int64_t{1'700'000'000'000'000}).Bind(14, nan_with_payload);
      ASSERT_TRUE(st->Step());
    }
    for (int column = 0; column < 3; ++column) {
      EXPECT_EQ(binary.GetInt64(column), text.GetInt64(column)) << column;
    }
    EXPECT_EQ(binary.GetInt64(3), 1);
    EXPECT_EQ(binary.GetBool(3), text.GetBool(3));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(binary.GetDouble(4)),
              std::bit_cast<std::uint64_t>(-0.0));
    // A real is the float's own value (its text, "0.1", would parse as
    // the nearest double instead).
    EXPECT_EQ(binary.GetDouble(5), static_cast<double>(0.1f));
    EXPECT_EQ(binary.GetDouble(6), 1e-310);
    EXPECT_EQ(binary.GetDouble(0), static_cast<double>(text.GetInt64(0)));
    EXPECT_EQ(binary.GetText(7), "ünïcode");
    EXPECT_EQ(binary.GetText(8), "v");
    EXPECT_EQ(binary.GetTimestamp(9), at);
    EXPECT_EQ(binary.GetTimestamp(10), at);
    EXPECT_EQ(binary.GetTimestamp(9), text.GetTimestamp(9));
    EXPECT_EQ(binary.GetBlob(11), blob);
    EXPECT_EQ(std::string(text.GetBlob(11)), blob);
    for (int column = 12; column <= 16; ++column) {
      EXPECT_TRUE(binary.IsNull(column)) << column;
    }
    EXPECT_EQ(binary.GetInt64(12), 0);
    EXPECT_EQ(binary.GetOptionalInt64(12), std::nullopt);
    EXPECT_EQ(binary.GetDouble(13), 0);
    EXPECT_EQ(binary.GetTimestamp(14), Timestamp());
    EXPECT_EQ(binary.GetBlob(15), "");
    EXPECT_EQ(binary.GetText(16), "");
    // An integer column holding µs reads as a timestamp, as in text.
    EXPECT_EQ(binary.GetTimestamp(17), text.GetTimestamp(17));
    // A NaN is bound as text ("NaN"), so its payload stays here.
    EXPECT_TRUE(std::isnan(binary.GetDouble(18)));
    EXPECT_TRUE(std::isnan(text.GetDouble(18)));
    EXPECT_FALSE(binary.Step());
    EXPECT_FALSE(text.Step());
    binary.Reset();
    text.Reset();
  }
  // Types the binary getters do not decode, and infinite times.
  auto& other = c_->Prepare(
                      "SELECT 1.5::numeric, 'infinity'::timestamptz, '-infinity'::timestamptz, "
                      "42::bigint")
                    .PreferBinaryResults();
  ASSERT_TRUE(other.Step());
  try {
    other.GetDecimal(0);
    ADD_FAILURE() << "a binary numeric was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    EXPECT_NE(std::string(e.what()).find("has type oid 1700"), std::string::npos) << e.what();
  }
  EXPECT_EQ(KindOf([&] { other.GetInt64(0); }), ErrorKind::kInternal);
  try {
    other.GetDouble(0);
    ADD_FAILURE() << "a binary numeric was read as a double";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("do not decode as a double"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(KindOf([&] { other.GetTimestamp(1); }), ErrorKind::kInternal);
  EXPECT_EQ(KindOf([&] { other.GetTimestamp(2); }), ErrorKind::kInternal);
  EXPECT_EQ(KindOf([&] { other.GetText(3); }), ErrorKind::kInternal);
  EXPECT_EQ(KindOf([&] { other.GetBlob(3); }), ErrorKind::kInternal);
  EXPECT_EQ(other.GetInt64(3), 42);
  other.Reset();
}

TEST_F(PgConnectionTest, ParsesTimestampsInAnyZone) {
  auto& st = c_->Prepare(
      "SELECT '2023-03-01 05:30:00.25+05:30'::timestamptz, "
      "'2023-03-01 00:00:00'::timestamp, current_setting('TimeZone'), "
      "current_setting('DateStyle')");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetTimestamp(0), Timestamp::Parse("2023-03-01T00:00:00.25Z"));
  EXPECT_EQ(st.GetTimestamp(1), Timestamp::Parse("2023-03-01T00:00:00Z"));
  EXPECT_EQ(st.GetText(2), "UTC");
  EXPECT_EQ(st.GetText(3).substr(0, 3), "ISO");
  st.Reset();
  // Output in another zone still reads as the same instant.
  c_->ExecuteScript("SET TimeZone = 'America/St_Johns'");  // -03:30 in March
  auto& at = c_->Prepare("SELECT ?::timestamptz, ?::timestamptz::text");
  const Timestamp t = Timestamp::Parse("2023-03-01T12:00:00.000001Z");
  at.Bind(1, t).Bind(2, t);
  ASSERT_TRUE(at.Step());
  EXPECT_EQ(at.GetTimestamp(0), t);
  EXPECT_EQ(at.GetText(1), "2023-03-01 08:30:00.000001-03:30");
}

TEST_F(PgConnectionTest, UntypedParametersTakeTheirTypeFromContext) {
  for (int k = 1; k <= 3; ++k) {
    c_->Prepare("INSERT INTO t (name, n, flag) VALUES (?, ?, ?)")
        .Bind(1, "r" + std::to_string(k))
        .Bind(2, k)
        .Bind(3, k == 3)
        .Execute();
  }
  auto count = [&](bool all, std::int64_t n) {
    auto& st = c_->Prepare("SELECT count(*) FROM t WHERE (? OR n = ?) AND (flag = 0 OR ?)");
    st.Bind(1, all).Bind(2, n).Bind(3, true);
    st.Step();
    const std::int64_t out = st.GetInt64(0);
    st.Reset();
    return out;
  };
  EXPECT_EQ(count(true, 0), 3);
  EXPECT_EQ(count(false, 2), 1);
  auto& text = c_->Prepare("SELECT count(*) FROM t WHERE (? = '' OR name = ?)");
  text.Bind(1, "").Bind(2, "");
  text.Step();
  EXPECT_EQ(text.GetInt64(0), 3);
  text.Reset();
  text.Bind(1, "r2").Bind(2, "r2");
  text.Step();
  EXPECT_EQ(text.GetInt64(0), 1);
  text.Reset();
  EXPECT_EQ(c_->Prepare("UPDATE t SET flag = 1 WHERE n >= ?").Bind(1, 2).Execute(), 2);
  EXPECT_EQ(Count("flag = 1"), 2);
}

TEST_F(PgConnectionTest, NestedLevelsJoinAndAFailedOnePoisonsTheUnitOfWork) {
  auto insert = [&](const char* name) {
    c_->Prepare("INSERT INTO t (name) VALUES (?)").Bind(1, name).Execute();
  };
  {
    Transaction outer(*c_);
    insert("a");
    {
      Transaction inner(*c_);
      insert("b");
      EXPECT_EQ(c_->transaction_depth(), 2);
      inner.Commit();
    }
    outer.Commit();
  }
  EXPECT_EQ(c_->transaction_depth(), 0);
  EXPECT_EQ(Count(), 2);
  {
    Transaction outer(*c_);
    insert("c");
    {
      Transaction inner(*c_);
      EXPECT_EQ(KindOf([&] { insert("a"); }), ErrorKind::kConflict);
    }  // ends without Commit: the unit of work is poisoned
    EXPECT_EQ(KindOf([&] { outer.Commit(); }), ErrorKind::kConflict);
  }
  EXPECT_EQ(c_->transaction_depth(), 0);
  EXPECT_EQ(Count(), 2);  // "c" was rolled back with everything else
  {
    Transaction tx(*c_);
    insert("d");
  }
  EXPECT_EQ(Count(), 2);
  {
    Transaction tx(*c_);  // a fresh unit of work is not poisoned
    insert("e");
    tx.Commit();
  }
  EXPECT_EQ(Count(), 3);
}

TEST_F(PgConnectionTest, SqlStatesBecomeTypedErrors) {
  c_->ExecuteScript("CREATE TABLE child (id bigint REFERENCES t (id))");
  c_->Prepare("INSERT INTO t (name) VALUES (?)").Bind(1, "x").Execute();
  std::string code;
  EXPECT_EQ(
      KindOf([&] { c_->Prepare("INSERT INTO t (name) VALUES (?)").Bind(1, "x").Execute(); }, &code),
      ErrorKind::kConflict);
  EXPECT_EQ(code, "23505");
  EXPECT_EQ(
      KindOf([&] { c_->Prepare("INSERT INTO child VALUES (?)").Bind(1, 999).Execute(); }, &code),
      ErrorKind::kConflict);
  EXPECT_EQ(code, "23503");
  EXPECT_EQ(
      KindOf([&] { c_->Prepare("INSERT INTO t (n) VALUES (?)").Bind(1, -1).Execute(); }, &code),
      ErrorKind::kInvalidArgument);
  EXPECT_EQ(code, "23514");
  EXPECT_EQ(KindOf([&] { c_->ExecuteScript("INSERT INTO t (flag) VALUES (NULL)"); }, &code),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(code, "23502");
  EXPECT_EQ(KindOf([&] { c_->Prepare("SELECT 1 / ?").Bind(1, 0).Step(); }, &code),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(code, "22012");
  EXPECT_EQ(KindOf([&] { c_->Prepare("SELEKT 1"); }, &code), ErrorKind::kInternal);
  EXPECT_EQ(code, "42601");
  EXPECT_EQ(KindOf([&] { c_->Prepare("SELECT ?::int").Bind(2, 1); }), ErrorKind::kInternal);
  // The connection is still usable.
  EXPECT_EQ(Count(), 1);
}

TEST_F(PgConnectionTest, ReconnectsAfterTheSessionIsLost) {
  EXPECT_EQ(Count(), 0);  // prepares the statement in this session
  auto& pid = c_->Prepare("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.Step());
  const std::int64_t backend = pid.GetInt64(0);
  pid.Reset();
  testing::PgServer::Get().Execute("SELECT pg_terminate_backend(" + std::to_string(backend) + ")");
  // Between units of work the dead session is replaced before (or, for a
  // read, after) the statement fails: the caller sees nothing.
  EXPECT_EQ(Count(), 0);  // reconnected, prepared again
  ASSERT_TRUE(pid.Step());
  EXPECT_NE(pid.GetInt64(0), backend);
  pid.Reset();
  c_->Prepare("INSERT INTO t (name) VALUES (?)").Bind(1, "after").Execute();
  EXPECT_EQ(Count(), 1);
}

}  // namespace
}  // namespace tradestore::sql
