// ImportEntity and ExportEntity on SQLite: every refusal names file, line,
// field and value, and leaves the store unchanged; values keep NULL versus
// the empty string; columns left out take their defaults. (The round trip
// of every entity on both backends is tests/app/export_cli_test.cc.)
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/entities.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;

class EntityImport : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tradestore-import-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_.emplace(Store::Open("sqlite:" + (dir_ / "store").string()));
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string File(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string Export(const std::string& entity, DataFormat format = DataFormat::kCsv,
                     bool include_test = true) {
    std::ostringstream out;
    ExportOptions o;
    o.format = format;
    o.filter.include_test = include_test;
    ExportEntity(*store_, entity, out, o);
    return out.str();
  }
  std::int64_t Rows(const std::string& entity) {
    return detail::CountRows(store_->impl(), detail::EntityTable(entity));
  }
  // Expects ImportEntity to throw `kind` with all of `parts` in its message
  // and to leave the entity's table as it was.
  void ExpectRefused(const std::string& entity, const std::string& file,
                     const std::vector<std::string>& parts,
                     ErrorKind kind = ErrorKind::kInvalidArgument) {
    const std::int64_t before = Rows(entity);
    try {
      ImportEntity(*store_, entity, file);
      ADD_FAILURE() << "import of " << file << " was not refused";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      for (const std::string& p : parts) {
        EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
            << "'" << p << "' not in: " << e.what();
      }
    }
    EXPECT_EQ(Rows(entity), before) << "a refused import changed the store";
  }

  static constexpr const char* kInstruments =
      "id,venue,symbol,base_asset,quote_asset,price_precision,size_precision,tick_size,lot_size,"
      "created_at\n"
      "1,kraken,BTCUSD,BTC,USD,2,8,0.01,0.00000001,2024-01-01T00:00:00.000000Z\n"
      "2,kraken,ETHUSD,ETH,USD,2,8,0.01,0.0001,2024-01-01T00:00:00.123456Z\n";

  fs::path dir_;
  std::optional<Store> store_;
};

TEST_F(EntityImport, CsvImportKeepsIdsAndExportsTheSameBytes) {
  const std::string file = File("instruments.csv", kInstruments);
  const ImportSummary s = ImportEntity(*store_, "instruments", file);
  EXPECT_EQ(s.rows, 2);
  EXPECT_EQ(s.table, "market.instruments");
  EXPECT_EQ(s.format, DataFormat::kCsv);
  EXPECT_EQ(Export("instruments"), kInstruments);
  EXPECT_EQ(store_->instruments().Get(2).symbol, "ETHUSD");
  // A spreadsheet's byte order mark before the header is ignored.
  std::string more = std::string(kInstruments);
  more = "\xEF\xBB\xBF" + more.substr(0, more.find('\n') + 1) +
         "5,kraken,SOLUSD,SOL,USD,2,4,0.01,0.0001,2024-01-02T00:00:00Z\n";
  EXPECT_EQ(ImportEntity(*store_, "instruments", File("bom.csv", more)).rows, 1);
  // A new instrument gets the next id.
  Instrument i;
  i.venue = "kraken";
  i.symbol = "ADAUSD";
  i.price_precision = 2;
  i.size_precision = 4;
  EXPECT_EQ(store_->instruments().Upsert(i).id, 6);
}

TEST_F(EntityImport, NullAndEmptyTextStayApartAndDefaultsFillOmittedColumns) {
  // Columns in another order; version, strategy and is_test left out.
  const std::string bots = File("bots.csv",
                                "name,id,mode,created_at\n"
                                "\"a, \"\"b\"\"\",7,paper,2024-02-01T10:00:00Z\n");
  ImportEntity(*store_, "bots", bots);
  EXPECT_EQ(Export("bots"),
            "id,name,version,strategy,mode,is_test,created_at\n"
            "7,\"a, \"\"b\"\"\",\"\",\"\",paper,0,2024-02-01T10:00:00.000000Z\n");
  ImportEntity(*store_, "instruments", File("i.csv", kInstruments));
  ImportEntity(*store_, "accounts",
               File("a.csv", "id,bot_id,name,created_at\n3,7,main,2024-02-01T10:00:00Z\n"));
  // NULL (empty) and "" (quoted) in the same text column.
  const std::string orders =
      "id,bot_id,account_id,instrument_id,client_order_id,venue_order_id,signal_id,strategy,side,"
      "type,time_in_force,quantity,limit_price,stop_price,status,filled_quantity,"
      "average_fill_price,reason,exit_reason,triggered_at,mode,is_test,created_at,updated_at\n"
      "5,7,3,1,c-5,\"\",,s,buy,limit,gtc,0.5,50000.5,,new,0,,\"\",\"\",,paper,0,"
      "2024-02-01T10:00:00.000000Z,2024-02-01T10:00:00.000000Z\n";
  ImportEntity(*store_, "orders", File("orders.csv", orders));
  EXPECT_EQ(Export("orders"), orders);
  const Order o = store_->orders().Get(7, 5);
  EXPECT_EQ(o.limit_price->ToString(), "50000.5");
  EXPECT_FALSE(o.signal_id);
}

TEST_F(EntityImport, CsvRefusalsNameFileLineFieldAndValue) {
  ImportEntity(*store_, "instruments", File("ok.csv", kInstruments));
  const std::string head =
      "id,venue,symbol,base_asset,quote_asset,price_precision,size_precision,tick_size,lot_size,"
      "created_at\n";
  const std::string good = "9,x,AAA,A,B,2,8,0.01,1,2024-01-01T00:00:00Z\n";
  struct Case {
    std::string name, text;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"unknown-column.csv",
       "id,venue,symbol,colour\n",
       {"unknown-column.csv:1: field 'colour' value 'colour'", "unknown column"}},
      {"missing-key.csv",
       "venue,symbol,price_precision,size_precision,created_at\n",
       {"missing-key.csv:1: field 'id'", "missing required column"}},
      {"bad-time.csv",
       head + good + "10,x,BBB,A,B,2,8,0.01,1,2024-13-01\n",
       {"bad-time.csv:3: field 'created_at' value '2024-13-01'", "ISO-8601"}},
      {"bad-decimal.csv",
       head + "10,x,BBB,A,B,2,8,0.0.1,1,2024-01-01T00:00:00Z\n",
       {"bad-decimal.csv:2: field 'tick_size' value '0.0.1'", "decimal"}},
      {"bad-int.csv",
       head + "10,x,BBB,A,B,two,8,0.01,1,2024-01-01T00:00:00Z\n",
       {"bad-int.csv:2: field 'price_precision' value 'two'", "integer"}},
      {"cells.csv",
       head + good + "10,x,BBB,A,B,2,8,0.01,1\n",
       {"cells.csv:3:", "9 cells", "10 columns"}},
      {"quote.csv",
       head + "10,x,\"BBB,A,B,2,8,0.01,1,2024-01-01T00:00:00Z\n",
       {"quote.csv:2:", "unterminated"}},
      {"stray.csv",
       head + "10,x,B\"BB,A,B,2,8,0.01,1,2024-01-01T00:00:00Z\n",
       {"stray.csv:2:", "quote inside an unquoted field"}},
      {"twice.csv", "id,id\n", {"twice.csv:1: field 'id'", "named twice"}},
      // The database's own refusals, on their line: a duplicate id, a
      // duplicate (venue, symbol), a CHECK (precision 19).
      {"dup-id.csv",
       head + good + "1,y,CCC,A,B,2,8,0.01,1,2024-01-01T00:00:00Z\n",
       {"dup-id.csv:3:"}},
      {"dup-symbol.csv",
       head + good + "11,kraken,BTCUSD,A,B,2,8,0.01,1,2024-01-01T00:00:00Z\n",
       {"dup-symbol.csv:3:"}},
      {"check.csv",
       head + good + "12,z,DDD,A,B,19,8,0.01,1,2024-01-01T00:00:00Z\n",
       {"check.csv:3:"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const bool db_refusal =
        c.name == "dup-id.csv" || c.name == "dup-symbol.csv" || c.name == "check.csv";
    if (db_refusal) {
      const std::int64_t before = Rows("instruments");
      EXPECT_THROW(
          {
            try {
              ImportEntity(*store_, "instruments", File(c.name, c.text));
            } catch (const Error& e) {
              for (const std::string& p : c.parts) {
                EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
              }
              throw;
            }
          },
          Error);
      EXPECT_EQ(Rows("instruments"), before);
    } else {
      ExpectRefused("instruments", File(c.name, c.text), c.parts);
    }
  }
  EXPECT_EQ(Rows("instruments"), 2);
}

TEST_F(EntityImport, ForeignKeyRefusalIsMappedToItsLineAndNothingStays) {
  ImportEntity(*store_, "bots",
               File("bots.csv", "id,name,mode,created_at\n1,b,paper,2024-01-01T00:00:00Z\n"));
  ExpectRefused("accounts",
                File("accounts.csv",
                     "id,bot_id,name,created_at\n1,1,main,2024-01-01T00:00:00Z\n"
                     "2,1,spare,2024-01-01T00:00:00Z\n3,42,ghost,2024-01-01T00:00:00Z\n"),
                {"accounts.csv:4:", "FOREIGN KEY"}, ErrorKind::kConflict);
  EXPECT_EQ(Rows("accounts"), 0);
}

TEST_F(EntityImport, JsonLinesValuesAndRefusals) {
  const std::string jsonl =
      "{\"id\":1,\"venue\":\"kraken\",\"symbol\":\"BTCUSD\",\"base_asset\":\"BTC\","
      "\"quote_asset\":\"USD\",\"price_precision\":2,\"size_precision\":8,\"tick_size\":\"0.01\","
      "\"lot_size\":\"0.00000001\",\"created_at\":\"2024-01-01T00:00:00.000000Z\"}\n";
  ImportEntity(*store_, "instruments", File("i.jsonl", jsonl));
  EXPECT_EQ(Export("instruments", DataFormat::kJsonl), jsonl);
  const std::string row2 =
      "{\"id\":2,\"venue\":\"kraken\",\"symbol\":\"ETHUSD\",\"base_asset\":\"ETH\","
      "\"quote_asset\":\"USD\",\"price_precision\":2,\"size_precision\":8,\"tick_size\":0.01,"
      "\"lot_size\":\"1\",\"created_at\":\"2024-01-01T00:00:00Z\"}\n";
  ExpectRefused("instruments", File("num.jsonl", jsonl.substr(0) + row2),
                {"num.jsonl:2: field 'tick_size' value '0.01'", "JSON strings"});
  ExpectRefused("instruments", File("bad.jsonl", "{\"id\": 3,\n"),
                {"bad.jsonl:1:", "malformed JSON"});
  ExpectRefused("instruments", File("arr.jsonl", "[1,2]\n"), {"arr.jsonl:1:", "JSON object"});
  ExpectRefused("instruments",
                File("missing.jsonl",
                     "{\"id\":5,\"venue\":\"v\",\"symbol\":\"S\",\"price_precision\":2,"
                     "\"size_precision\":2,\"created_at\":\"2024-01-01T00:00:00Z\"}\n"
                     "{\"id\":6,\"venue\":\"v\",\"symbol\":\"T\",\"price_precision\":2,"
                     "\"created_at\":\"2024-01-01T00:00:00Z\"}\n"),
                {"missing.jsonl:2: field 'size_precision'", "missing field"});
  ExpectRefused("instruments",
                File("int.jsonl", "{\"id\":\"seven\",\"venue\":\"v\",\"symbol\":\"S\"}\n"),
                {"int.jsonl:1: field 'id' value 'seven'", "integer"});
}

TEST_F(EntityImport, FormatEntityAndFileRefusals) {
  ExpectRefused("instruments", File("data.txt", kInstruments), {"data.txt", "--format"});
  EXPECT_THROW(ImportEntity(*store_, "instruments", (dir_ / "none.csv").string()), Error);
  try {
    ImportEntity(*store_, "instruments", (dir_ / "none.csv").string());
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }
  try {
    ImportEntity(*store_, "widgets", File("w.csv", "id\n1\n"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("seen-news"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ParseDataFormat("xml"), Error);
  EXPECT_EQ(FormatFromExtension("a/b.ndjson"), DataFormat::kJsonl);
  EXPECT_EQ(FormatFromExtension("a/b.sql"), DataFormat::kSql);
  EXPECT_FALSE(FormatFromExtension("a/b"));
}

TEST_F(EntityImport, SqlDumpRoundTripsAndParsesItsOwnLiteralsOnly) {
  ImportEntity(*store_, "bots",
               File("bots.csv",
                    "id,name,version,strategy,mode,is_test,created_at\n"
                    "1,\"it's\nmulti-line\",1,\"\",live,1,2024-01-01T00:00:00Z\n"));
  const std::string dump = Export("bots", DataFormat::kSql);
  EXPECT_NE(dump.find("VALUES (1, 'it''s\nmulti-line', '1', '', 'live', 1, "
                      "'2024-01-01T00:00:00.000000Z');"),
            std::string::npos)
      << dump;
  store_.reset();
  fs::remove_all(dir_ / "store");
  store_.emplace(Store::Open("sqlite:" + (dir_ / "store").string()));
  const ImportSummary s = ImportEntity(*store_, "bots", File("bots.sql", dump));
  EXPECT_EQ(s.rows, 1);
  EXPECT_EQ(Export("bots", DataFormat::kSql), dump);
  // Test data stays out of default exports.
  EXPECT_EQ(Export("bots", DataFormat::kCsv, false),
            "id,name,version,strategy,mode,is_test,created_at\n");
  // A statement on a line after a multi-line literal reports its own line.
  ExpectRefused(
      "bots",
      File("more.sql",
           "-- c\nINSERT INTO trading.bots (id, name, mode, created_at) VALUES (2, 'a\nb', "
           "'live', '2024-01-01');\nUPDATE trading.bots SET name = 'x';\n"),
      {"more.sql:4:", "found 'UPDATE"});
  ExpectRefused("bots",
                File("cols.sql",
                     "INSERT INTO trading.bots (id, name, mode, created_at) VALUES "
                     "(2, 'a', 'live', '2024-01-01');\n"
                     "INSERT INTO trading.bots (id, name, mode) VALUES (3, 'b', 'live');\n"),
                {"cols.sql:2:", "column list differs"});
  ExpectRefused("bots",
                File("semi.sql",
                     "INSERT INTO trading.bots (id, name, mode, created_at) VALUES "
                     "(2, 'a', 'live', '2024-01-01')\n"),
                {"semi.sql:", "expected ';'"});
}

TEST_F(EntityImport, FiltersAndTimeColumns) {
  ImportEntity(*store_, "instruments", File("i.csv", kInstruments));
  EXPECT_EQ(detail::TimeColumn(detail::EntityTable("trades")), "exit_time");
  EXPECT_EQ(detail::TimeColumn(detail::EntityTable("candles")), "open_time");
  EXPECT_EQ(detail::TimeColumn(detail::EntityTable("instruments")), "created_at");
  EXPECT_EQ(detail::TimeColumn(detail::EntityTable("balances")), "updated_at");
  ExportFilter f;
  f.from = Timestamp::Parse("2024-01-01T00:00:00.1Z");
  EntityRows rows = ReadEntity(*store_, "instruments", f);
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(*rows.rows[0][2], "ETHUSD");
  EXPECT_EQ(*rows.rows[0][9], "2024-01-01T00:00:00.123456Z");
  f = {};
  f.symbol = "BTCUSD";
  rows = ReadEntity(*store_, "instruments", f);
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(*rows.rows[0][0], "1");
  f = {};
  f.limit = 1;
  EXPECT_EQ(ReadEntity(*store_, "instruments", f).rows.size(), 1u);
  f = {};
  f.bot = "anyone";
  EXPECT_THROW(ReadEntity(*store_, "instruments", f), Error);
  f = {};
  f.symbol = "NOPE";
  EXPECT_THROW(ReadEntity(*store_, "candles", f), Error);
  // Every known entity either resolves to a catalog table or says it is
  // not available in this version.
  for (const std::string& e : KnownEntities()) {
    try {
      const detail::TableInfo& t = detail::EntityTable(e);
      EXPECT_FALSE(t.key.empty()) << e;
    } catch (const Error& err) {
      EXPECT_EQ(err.kind(), ErrorKind::kNotFound) << e;
      EXPECT_NE(std::string(err.what()).find("not available in this store version"),
                std::string::npos);
    }
  }
}

}  // namespace
}  // namespace tradestore
