// ImportEntity and ExportEntity on SQLite: every refusal names file, line,
// field and value, and leaves the store unchanged; values keep NULL versus
// the empty string; columns left out take their defaults. (The round trip
// of every entity on both backends is tests/app/export_cli_test.cc.)
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "store/entities.h"
#include "store/store_impl.h"
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
  // The entity's column names from the catalog, joined by `sep` (the CSV
  // header with ","), so expectations follow columns added by migrations.
  static std::string Columns(const std::string& entity, const std::string& sep = ",") {
    std::string out;
    for (const detail::ColumnInfo& c : detail::EntityTable(entity).columns) {
      out += (out.empty() ? "" : sep) + c.name;
    }
    return out;
  }
  // The raw cells (quotes kept) of a one-line CSV record.
  static std::vector<std::string> RawCells(const std::string& line) {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) {
        cells.emplace_back();
      } else {
        cells.back() += c;
      }
    }
    return cells;
  }
  // An export of one row as column -> raw cell, after checking that the
  // header is the catalog's column list.
  std::map<std::string, std::string> ExportedRow(const std::string& entity) {
    const std::string csv = Export(entity);
    const std::size_t eol = csv.find('\n');
    EXPECT_EQ(csv.substr(0, eol), Columns(entity));
    const std::vector<std::string> names = RawCells(csv.substr(0, eol));
    const std::string rest = csv.substr(eol + 1);
    EXPECT_EQ(std::count(rest.begin(), rest.end(), '\n'), 1) << "one row expected: " << csv;
    const std::vector<std::string> cells = RawCells(rest.substr(0, rest.find('\n')));
    EXPECT_EQ(cells.size(), names.size()) << csv;
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < names.size() && i < cells.size(); ++i) row[names[i]] = cells[i];
    return row;
  }
  std::int64_t Rows(const std::string& entity) {
    return detail::CountRows(detail::ImplOf(*store_), detail::EntityTable(entity));
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
  // Exactly these bytes for the cells the file gave (the name quoted, the
  // empty version and strategy as ""), the defaults for the rest.
  std::map<std::string, std::string> bot = ExportedRow("bots");
  EXPECT_EQ(bot["id"], "7");
  EXPECT_EQ(bot["name"], "\"a, \"\"b\"\"\"");
  EXPECT_EQ(bot["version"], "\"\"");
  EXPECT_EQ(bot["strategy"], "\"\"");
  EXPECT_EQ(bot["mode"], "paper");
  EXPECT_EQ(bot["is_test"], "0");
  EXPECT_EQ(bot["created_at"], "2024-02-01T10:00:00.000000Z");
  ImportEntity(*store_, "instruments", File("i.csv", kInstruments));
  ImportEntity(*store_, "accounts",
               File("a.csv", "id,bot_id,name,created_at\n3,7,main,2024-02-01T10:00:00Z\n"));
  EXPECT_EQ(ExportedRow("accounts")["kind"], "bot");
  // NULL (empty) and "" (quoted) in the same text column. The file names
  // a subset of the columns; each comes back byte for byte, the others
  // take their defaults.
  const std::vector<std::pair<std::string, std::string>> given = {
      {"id", "5"},
      {"bot_id", "7"},
      {"account_id", "3"},
      {"instrument_id", "1"},
      {"client_order_id", "c-5"},
      {"venue_order_id", "\"\""},
      {"signal_id", ""},
      {"strategy", "s"},
      {"side", "buy"},
      {"type", "limit"},
      {"time_in_force", "gtc"},
      {"quantity", "0.5"},
      {"limit_price", "50000.5"},
      {"stop_price", ""},
      {"status", "new"},
      {"filled_quantity", "0"},
      {"average_fill_price", ""},
      {"reason", "\"\""},
      {"exit_reason", "\"\""},
      {"triggered_at", ""},
      {"mode", "paper"},
      {"is_test", "0"},
      {"created_at", "2024-02-01T10:00:00.000000Z"},
      {"updated_at", "2024-02-01T10:00:00.000000Z"}};
  std::string header, line;
  for (const auto& [column, cell] : given) {
    header += (header.empty() ? "" : ",") + column;
    line += (line.empty() ? "" : ",") + cell;
  }
  ImportEntity(*store_, "orders", File("orders.csv", header + "\n" + line + "\n"));
  std::map<std::string, std::string> order = ExportedRow("orders");
  for (const auto& [column, cell] : given) EXPECT_EQ(order[column], cell) << column;
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
  // A number beyond a double is the JSON library's out_of_range, not a parse error.
  ExpectRefused("instruments", File("huge.jsonl", jsonl + "{\"id\": 1E400}\n"),
                {"huge.jsonl:2:", "malformed JSON", "number overflow"});
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
  // The full column list of the catalog, then the file's values in exactly
  // these literals (the columns the file gave come first in the table).
  const std::string columns = Columns("bots", ", ");
  ASSERT_EQ(columns.rfind("id, name, version, strategy, mode, is_test, created_at", 0), 0u);
  EXPECT_NE(dump.find("INSERT INTO trading.bots (" + columns +
                      ") VALUES (1, 'it''s\nmulti-line', '1', '', 'live', 1, "
                      "'2024-01-01T00:00:00.000000Z'"),
            std::string::npos)
      << dump;
  store_.reset();
  fs::remove_all(dir_ / "store");
  store_.emplace(Store::Open("sqlite:" + (dir_ / "store").string()));
  const ImportSummary s = ImportEntity(*store_, "bots", File("bots.sql", dump));
  EXPECT_EQ(s.rows, 1);
  EXPECT_EQ(Export("bots", DataFormat::kSql), dump);
  // Test data stays out of default exports.
  EXPECT_EQ(Export("bots", DataFormat::kCsv, false), Columns("bots") + "\n");
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
  // Every entity's --from/--to column (docs/export-import.md), and it is a
  // column of the entity's table.
  const std::map<std::string, std::string> time_columns = {{"bots", "created_at"},
                                                           {"accounts", "created_at"},
                                                           {"ledger", "time"},
                                                           {"balance-history", "time"},
                                                           {"signals", "time"},
                                                           {"signal-components", ""},
                                                           {"orders", "created_at"},
                                                           {"order-events", "time"},
                                                           {"fills", "time"},
                                                           {"positions", "updated_at"},
                                                           {"position-events", "time"},
                                                           {"portfolio-snapshots", "time"},
                                                           {"risk-limits", "effective_from"},
                                                           {"risk-events", "time"},
                                                           {"daily-pnl", "date"},
                                                           {"configs", "effective_from"},
                                                           {"strategies", "created_at"},
                                                           {"system-events", "time"},
                                                           {"errors", "time"},
                                                           {"patterns", "detected_at"},
                                                           {"ml-results", "time"},
                                                           {"latency", "order_time"},
                                                           {"news-feeds", "created_at"},
                                                           {"seen-news", "time"}};
  for (const auto& [entity, column] : time_columns) {
    const detail::TableInfo& t = detail::EntityTable(entity);
    EXPECT_EQ(detail::TimeColumn(t), column) << entity;
    EXPECT_TRUE(column.empty() ||
                std::any_of(t.columns.begin(), t.columns.end(),
                            [&c0 = column](const auto& c) { return c.name == c0; }))
        << entity;
  }
  EXPECT_EQ(KnownEntities().size(), time_columns.size() + 4);
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
