// sql::BulkWriter on both drivers, and the COPY text encoder.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/connection.h"
#include "sql/postgres/pg_connection.h"
#include "sql/sqlite/sqlite_connection.h"
#include "sql/text_check.h"
#include "support/pg_harness.h"
#include "tradestore/error.h"

namespace tradestore::sql {
namespace {

using testing::PgServer;

std::string Encoded(std::string_view value) {
  std::string out;
  AppendCopyText(out, value);
  return out;
}

TEST(CopyText, EscapesTabNewlineBackslash) {
  EXPECT_EQ(Encoded(""), "");
  EXPECT_EQ(Encoded("plain text"), "plain text");
  EXPECT_EQ(Encoded("a\tb"), "a\\tb");
  EXPECT_EQ(Encoded("a\nb\r\n"), "a\\nb\\r\\n");
  EXPECT_EQ(Encoded("C:\\dir\\"), "C:\\\\dir\\\\");
  EXPECT_EQ(Encoded("\\N"), "\\\\N");  // text, not NULL
  EXPECT_EQ(Encoded("\\."), "\\\\.");  // not the end-of-data marker
  EXPECT_EQ(Encoded("é ü"), "é ü");
}

const char* kValues[] = {"plain",    "tab\there",     "new\nline",   "back\\slash",
                         "\\N",      "\\.",           "cr\r\n",      "",
                         "'quoted'", "\"dq\" ;--sql", "unicode é ✓", "\t\n\\"};

void CreateTable(Connection& c) {
  const bool pg = c.dialect() == Dialect::kPostgres;
  c.ExecuteScript(std::string("CREATE TABLE bulk_items (id BIGINT PRIMARY KEY, label TEXT, ") +
                  "amount " + (pg ? "NUMERIC" : "TEXT") + ", ratio DOUBLE PRECISION, at " +
                  (pg ? "TIMESTAMPTZ" : "INTEGER") + ")");
}

BulkUpsertSpec Spec() {
  return {"bulk_items", {"id", "label", "amount", "ratio", "at"}, {"id"}, {"label", "ratio"}};
}

class BulkWriterTest : public ::testing::TestWithParam<bool> {
 protected:
  std::unique_ptr<Connection> Open() {
    return GetParam() ? OpenPostgres(PgServer::Get().CreateDatabase())
                      : OpenSqlite(":memory:", SqliteOptions{});
  }
};

TEST_P(BulkWriterTest, TextWithTabsNewlinesAndBackslashesRoundTrips) {
  auto c = Open();
  CreateTable(*c);
  const double ratios[] = {0.1, 1.0 / 3.0, -2.5e-300, 1e300, 123456789.125, 5e-324};
  {
    Transaction t(*c);
    auto w = c->BeginBulkUpsert(Spec());
    std::int64_t id = 0;
    for (const char* v : kValues) {
      const double r = ratios[static_cast<std::size_t>(id) % std::size(ratios)];
      w->AddRow(id, std::string_view(v), Decimal::Parse("-12.345"), r,
                Timestamp(1'677'628'800'123'456 + id));
      ++id;
    }
    w->AddRow(id, std::optional<std::string>(), std::optional<Decimal>(), std::optional<double>(),
              std::optional<Timestamp>());
    EXPECT_EQ(w->Finish(), id + 1);
    t.Commit();
  }
  auto& st = c->Prepare("SELECT id, label, amount, ratio, at FROM bulk_items ORDER BY id");
  std::int64_t id = 0;
  for (const char* v : kValues) {
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.GetInt64(0), id);
    EXPECT_EQ(st.GetText(1), v) << "row " << id;
    EXPECT_EQ(st.GetDecimal(2), Decimal::Parse("-12.345"));
    EXPECT_EQ(st.GetDouble(3), ratios[static_cast<std::size_t>(id) % std::size(ratios)]);
    EXPECT_EQ(st.GetTimestamp(4), Timestamp(1'677'628'800'123'456 + id));
    ++id;
  }
  ASSERT_TRUE(st.Step());
  EXPECT_TRUE(st.IsNull(1));
  EXPECT_TRUE(st.IsNull(2));
  EXPECT_TRUE(st.IsNull(3));
  EXPECT_TRUE(st.IsNull(4));
  EXPECT_FALSE(st.Step());
}

TEST_P(BulkWriterTest, UpsertsUpdateOnlyTheUpdateColumnsAndLastRowWins) {
  auto c = Open();
  CreateTable(*c);
  {
    Transaction t(*c);
    auto w = c->BeginBulkUpsert(Spec());
    w->AddRow(1, "one", Decimal::Parse("1"), 1.0, Timestamp(1));
    w->AddRow(2, "two", Decimal::Parse("2"), 2.0, Timestamp(2));
    w->Finish();
    t.Commit();
  }
  {
    Transaction t(*c);
    auto w = c->BeginBulkUpsert(Spec());
    w->AddRow(2, "TWO", Decimal::Parse("20"), 20.0, Timestamp(20));
    w->AddRow(3, "three", Decimal::Parse("3"), 3.0, Timestamp(3));
    w->AddRow(2, "Two!", Decimal::Parse("21"), 21.0, Timestamp(21));
    EXPECT_EQ(w->Finish(), 3);
    t.Commit();
  }
  auto& st = c->Prepare("SELECT id, label, amount, ratio FROM bulk_items ORDER BY id");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetText(1), "one");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetText(1), "Two!");
  EXPECT_EQ(st.GetDecimal(2), Decimal::Parse("2"));  // not an update column
  EXPECT_EQ(st.GetDouble(3), 21.0);
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetText(1), "three");
  EXPECT_FALSE(st.Step());
}

TEST_P(BulkWriterTest, AbandonedOrFailedWriteWritesNothing) {
  auto c = Open();
  CreateTable(*c);
  {
    Transaction t(*c);
    auto w = c->BeginBulkUpsert(Spec());
    w->AddRow(1, "one", Decimal::Parse("1"), 1.0, Timestamp(1));
    EXPECT_THROW(w->AddRow(2, "two"), Error);  // too few values
  }
  {
    Transaction t(*c);
    auto w = c->BeginBulkUpsert(Spec());
    for (int i = 0; i < 20000; ++i) {
      w->AddRow(i, "row with some text to fill the COPY buffer", Decimal::Parse("1"), 1.0,
                Timestamp(i));
    }
    // Destroyed without Finish: nothing of it is written.
  }
  auto& count = c->Prepare("SELECT count(*) FROM bulk_items");
  ASSERT_TRUE(count.Step());
  EXPECT_EQ(count.GetInt64(0), 0);
  count.Reset();
  // Outside a unit of work: refused.
  EXPECT_THROW(c->BeginBulkUpsert(Spec()), Error);
}

// BulkUpsertSpec::only_changes: a row written again as it is stored is not
// written (SQLite counts no change; PostgreSQL makes no new row version);
// a changed row is, and a new value of 0 in a zero_is_change column always
// counts as a change, so a stored 0.0 takes the sign of a new -0.0.
TEST_P(BulkWriterTest, OnlyChangesLeavesRowsWrittenAgainAsTheyAre) {
  auto c = Open();
  CreateTable(*c);
  const bool pg = c->dialect() == Dialect::kPostgres;
  BulkUpsertSpec spec = Spec();  // updates label and ratio
  spec.only_changes = true;
  spec.zero_is_change = {"ratio"};
  const auto write = [&](const std::function<void(BulkWriter&)>& rows) {
    Transaction t(*c);
    auto w = c->BeginBulkUpsert(spec);
    rows(*w);
    w->Finish();
    t.Commit();
  };
  // A row's version: PostgreSQL's xmin (the transaction that wrote it);
  // SQLite keeps none, so its changes are counted instead.
  const auto versions = [&] {
    std::vector<std::string> out;
    if (!pg) return out;
    auto& st = c->Prepare("SELECT xmin::text FROM bulk_items ORDER BY id");
    while (st.Step()) out.push_back(st.GetText(0));
    return out;
  };
  const auto changes = [&] {
    if (pg) return std::int64_t{0};
    auto& st = c->Prepare("SELECT total_changes()");
    EXPECT_TRUE(st.Step());
    const std::int64_t n = st.GetInt64(0);
    st.Reset();
    return n;
  };
  write([](BulkWriter& w) {
    w.AddRow(1, "one", Decimal::Parse("1"), 1.5, Timestamp(1));
    w.AddRow(2, "two", Decimal::Parse("2"), 0.0, Timestamp(2));
    w.AddRow(3, "three", Decimal::Parse("3"), 3.0, Timestamp(3));
  });
  const std::vector<std::string> before = versions();
  const std::int64_t changes_before = changes();
  write([](BulkWriter& w) {
    w.AddRow(1, "one", Decimal::Parse("1"), 1.5, Timestamp(1));    // as stored
    w.AddRow(2, "two", Decimal::Parse("2"), -0.0, Timestamp(2));   // a new zero
    w.AddRow(3, "THREE", Decimal::Parse("3"), 3.0, Timestamp(3));  // changed
    w.AddRow(4, "four", Decimal::Parse("4"), 4.0, Timestamp(4));   // new
  });
  auto& st = c->Prepare("SELECT id, label, ratio FROM bulk_items ORDER BY id");
  const std::vector<std::pair<std::string, double>> want = {
      {"one", 1.5}, {"two", -0.0}, {"THREE", 3.0}, {"four", 4.0}};
  for (const auto& [label, ratio] : want) {
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.GetText(1), label);
    EXPECT_EQ(st.GetDouble(2), ratio);
  }
  EXPECT_FALSE(st.Step());
  st.Reset();
  if (pg) {
    const std::vector<std::string> after = versions();
    ASSERT_EQ(after.size(), 4u);
    EXPECT_EQ(after[0], before[0]) << "a row written again as it is got a new version";
    EXPECT_NE(after[1], before[1]) << "a new -0.0 over 0.0 was not written";
    EXPECT_NE(after[2], before[2]) << "a changed row was not written";
    auto& sign = c->Prepare("SELECT ratio FROM bulk_items WHERE id = 2");
    ASSERT_TRUE(sign.Step());
    EXPECT_TRUE(std::signbit(sign.GetDouble(0)));  // SQLite stores 0.0 for -0.0 anyway
    sign.Reset();
  } else {
    // Rows 2 (its zero), 3 (changed) and 4 (new); not row 1.
    EXPECT_EQ(changes() - changes_before, 3);
  }
}

TEST(PgBulkWriter, BadValueIsATypedErrorAndTheUnitOfWorkRollsBack) {
  auto c = OpenPostgres(PgServer::Get().CreateDatabase());
  CreateTable(*c);
  try {
    Transaction t(*c);
    auto w = c->BeginBulkUpsert({"bulk_items", {"id", "amount"}, {"id"}, {"amount"}});
    w->AddRow(1, "not a number");
    w->Finish();
    t.Commit();
    FAIL() << "wrote text into a NUMERIC column";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    EXPECT_EQ(e.native_code(), "22P02") << e.what();
  }
  // The session went back to the pool clean.
  auto& st = c->Prepare("SELECT count(*) FROM bulk_items");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetInt64(0), 0);
}

// BulkUpsertSpec::binary: COPY's binary format for every type it is written
// for, straight into the table (insert_only) and through the staging table
// (the last of equal keys wins); every value reads back exactly.
TEST(PgBulkWriter, BinaryCopyRoundTripsEveryTypeItEncodes) {
  using namespace std::string_literals;
  auto c = OpenPostgres(PgServer::Get().CreateDatabase());
  c->ExecuteScript(
      "CREATE TABLE typed (id BIGINT PRIMARY KEY, small SMALLINT, medium INTEGER, flag BOOLEAN, "
      "ratio DOUBLE PRECISION, label TEXT, code VARCHAR(8), at TIMESTAMPTZ, data BYTEA)");
  struct Row {
    std::int64_t id, small, medium, flag;
    double ratio;
    std::string label, code;
    Timestamp at;
    std::string data;
  };
  const std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::vector<Row> rows = {
      {std::numeric_limits<std::int64_t>::min(), -32768, std::numeric_limits<std::int32_t>::min(),
       0, 5e-324, "", "", Timestamp::FromCivil(1, 1, 1), ""},
      {0, 0, 0, 1, -0.0, "tab\there\nand é ✓", "code", Timestamp(0), "\0\xff\x00"s},
      {kMax, 32767, std::numeric_limits<std::int32_t>::max(), 1, 1.0 / 3.0, "\\N", "12345678",
       Timestamp(Timestamp::FromCivil(9999, 12, 31).micros() + 86'399'999'999),
       std::string(70'000, 'x')},
      {7, 1, 2, 0, std::numeric_limits<double>::infinity(), "x", "y",
       Timestamp(1'677'628'800'123'457), "z"},
  };
  for (const bool insert_only : {true, false}) {
    SCOPED_TRACE(insert_only ? "straight into the table" : "through the staging table");
    c->ExecuteScript("DELETE FROM typed");
    {
      Transaction t(*c);
      BulkUpsertSpec spec{"typed",
                          {"id", "small", "medium", "flag", "ratio", "label", "code", "at", "data"},
                          {"id"},
                          {"label"}};
      spec.insert_only = insert_only;
      spec.binary = true;
      auto w = c->BeginBulkUpsert(spec);
      if (!insert_only) {  // a row the next one with its key replaces
        w->AddRow(std::int64_t{7}, std::int64_t{1}, std::int64_t{2}, std::int64_t{0}, 9.0, "old",
                  "y", Timestamp(1), Blob{"z"});
      }
      for (const Row& r : rows) {
        w->AddRow(r.id, r.small, r.medium, r.flag, r.ratio, std::string_view(r.label),
                  std::string_view(r.code), r.at, Blob{r.data});
      }
      w->AddRow(std::int64_t{8}, std::optional<std::int64_t>(), std::optional<std::int64_t>(),
                std::optional<std::int64_t>(), std::optional<double>(),
                std::optional<std::string>(), std::optional<std::string>(),
                std::optional<Timestamp>(), std::optional<Blob>());
      EXPECT_EQ(w->Finish(), static_cast<std::int64_t>(rows.size()) + (insert_only ? 1 : 2));
      t.Commit();
    }
    auto& st = c->Prepare(
        "SELECT id, small, medium, flag::int, ratio, label, code, at, data FROM typed ORDER BY id");
    std::map<std::int64_t, const Row*> want;  // by id; 8 is the row of NULLs
    for (const Row& r : rows) want[r.id] = &r;
    want[8] = nullptr;
    for (const auto& [id, r] : want) {
      ASSERT_TRUE(st.Step());
      ASSERT_EQ(st.GetInt64(0), id);
      if (r == nullptr) {
        for (int i = 1; i < 9; ++i) EXPECT_TRUE(st.IsNull(i)) << i;
        continue;
      }
      EXPECT_EQ(st.GetInt64(1), r->small);
      EXPECT_EQ(st.GetInt64(2), r->medium);
      EXPECT_EQ(st.GetInt64(3), r->flag);
      EXPECT_EQ(std::bit_cast<std::uint64_t>(st.GetDouble(4)),
                std::bit_cast<std::uint64_t>(r->ratio))
          << id;
      EXPECT_EQ(st.GetText(5), r->label);
      EXPECT_EQ(st.GetText(6), r->code);
      EXPECT_EQ(st.GetTimestamp(7), r->at);
      EXPECT_EQ(st.GetBlob(8), r->data);
    }
    EXPECT_FALSE(st.Step());
    st.Reset();
  }
}

// A column of a type the binary format is not written for here (NUMERIC):
// the same spec falls back to text, and writes the same rows.
TEST(PgBulkWriter, BinaryCopyFallsBackToTextForOtherTypes) {
  auto c = OpenPostgres(PgServer::Get().CreateDatabase());
  CreateTable(*c);
  {
    Transaction t(*c);
    BulkUpsertSpec spec = Spec();
    spec.binary = true;
    auto w = c->BeginBulkUpsert(spec);
    w->AddRow(1, "one", Decimal::Parse("-12.345"), 0.5, Timestamp(1));
    EXPECT_EQ(w->Finish(), 1);
    t.Commit();
  }
  auto& st = c->Prepare("SELECT label, amount, ratio, at FROM bulk_items");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetText(0), "one");
  EXPECT_EQ(st.GetDecimal(1), Decimal::Parse("-12.345"));
  EXPECT_EQ(st.GetDouble(2), 0.5);
  EXPECT_EQ(st.GetTimestamp(3), Timestamp(1));
  st.Reset();
}

// A decimal into a text column is its canonical text, in binary as in text.
TEST(PgBulkWriter, BinaryCopyWritesADecimalIntoTextAsItsCanonicalText) {
  auto c = OpenPostgres(PgServer::Get().CreateDatabase());
  c->ExecuteScript("CREATE TABLE notes (id BIGINT PRIMARY KEY, note TEXT)");
  {
    Transaction t(*c);
    BulkUpsertSpec spec{"notes", {"id", "note"}, {"id"}, {"note"}};
    spec.binary = true;
    auto w = c->BeginBulkUpsert(spec);
    w->AddRow(1, Decimal::Parse("-0012.3400"));
    EXPECT_EQ(w->Finish(), 1);
    t.Commit();
  }
  auto& st = c->Prepare("SELECT note FROM notes");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetText(0), Decimal::Parse("-12.34").ToString());
  st.Reset();
}

// In binary a value must be its column's own type: anything else is a
// programming error named by table and column, and nothing is written.
TEST(PgBulkWriter, BinaryCopyRefusesAValueOfAnotherTypeNamingTheColumn) {
  auto c = OpenPostgres(PgServer::Get().CreateDatabase());
  c->ExecuteScript("CREATE TABLE typed (id BIGINT PRIMARY KEY, medium INTEGER, ratio FLOAT8)");
  const auto error_of = [&](const std::function<void(BulkWriter&)>& add) {
    Transaction t(*c);  // rolled back
    BulkUpsertSpec spec{"typed", {"id", "medium", "ratio"}, {"id"}, {"ratio"}};
    spec.binary = true;
    auto w = c->BeginBulkUpsert(spec);
    try {
      add(*w);
      w->Finish();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInternal) << e.what();
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of([](BulkWriter& w) {
              w.Add(std::int64_t{1}).Add(2.5);
            }).find("copy into typed: column medium of type oid 23 cannot take a double"),
            std::string::npos);
  EXPECT_NE(error_of([](BulkWriter& w) {
              w.Add(std::int64_t{1}).Add(std::int64_t{1} << 40);
            }).find("column medium of type oid 23 cannot take the integer 1099511627776"),
            std::string::npos);
  EXPECT_NE(error_of([](BulkWriter& w) {
              w.Add(std::int64_t{1}).Add(std::int64_t{2}).Add("x");
            }).find("column ratio of type oid 701 cannot take text"),
            std::string::npos);
  auto& count = c->Prepare("SELECT count(*) FROM typed");
  ASSERT_TRUE(count.Step());
  EXPECT_EQ(count.GetInt64(0), 0);
  count.Reset();
}

// Invalid UTF-8 or a NUL never reaches a table, on either driver: a bound
// parameter or a bulk value is refused naming the column it was meant for.
TEST_P(BulkWriterTest, InvalidTextIsRefusedNamingTheColumn) {
  using namespace std::string_literals;
  auto c = Open();
  CreateTable(*c);
  const auto error_of = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of([&] {
              c->Prepare("INSERT INTO bulk_items (id, label, amount) VALUES (?, ?, ?)")
                  .Bind(1, std::int64_t{1})
                  .Bind(2, "bad\xff"s);
            }),
            "text for column 'label': not valid UTF-8 text: byte 0xff at offset 3 ('bad\\xff')");
  EXPECT_EQ(error_of([&] {
              c->Prepare("UPDATE bulk_items SET label = ? WHERE id = ?").Bind(1, "a\0b"s);
            }),
            "text for column 'label': text holds a NUL byte at offset 1 ('a\\x00')");
  {
    Transaction t(*c);  // rolled back: the writer is abandoned
    auto w = c->BeginBulkUpsert(Spec());
    EXPECT_NE(error_of([&] { w->Add(std::int64_t{7}).Add("ok\xC0\xAF"s); }).find("column 'label'"),
              std::string::npos);
  }
  Statement& count = c->Prepare("SELECT count(*) FROM bulk_items");
  ASSERT_TRUE(count.Step());
  EXPECT_EQ(count.GetInt64(0), 0);
}

TEST(ParameterColumn, FromAssignmentsAndValuesLists) {
  EXPECT_EQ(ParameterColumn("UPDATE t SET a = ?1, b=?2 WHERE c = ?3", 2), "b");
  EXPECT_EQ(ParameterColumn("UPDATE trading.bots SET status = $12 WHERE id = $1", 12), "status");
  EXPECT_EQ(ParameterColumn("INSERT INTO s.t (x, y, \"z\") VALUES (?1, lower(?2), ?3)", 3), "z");
  EXPECT_EQ(ParameterColumn("INSERT INTO t (x, y) VALUES (?1, ?2), (?3, ?4)", 4), "y");
  EXPECT_EQ(ParameterColumn("INSERT INTO t (x, y) VALUES (?1, ?12)", 1), "x");
  EXPECT_FALSE(ParameterColumn("SELECT * FROM t WHERE f(?1)", 1));
  EXPECT_FALSE(ParameterColumn("SELECT 1", 3));
  EXPECT_EQ(ParameterColumn("INSERT INTO t (x, y) VALUES (?, ?) ON CONFLICT (x) DO NOTHING", 2),
            "y");
}

INSTANTIATE_TEST_SUITE_P(Drivers, BulkWriterTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "postgres" : "sqlite");
                         });

}  // namespace
}  // namespace tradestore::sql
