// ImportLegacyJson on the sample bot in tests/io/data/legacy/kraken-bot:
// every tagging rule, every skip reason, holdings checked against the
// trades, test data in its own bot and out of default queries; and the
// bad-input cases, each of which leaves the store unchanged.
#include "tradestore/legacy_import.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/entities.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;

const fs::path kSample = fs::path(TRADESTORE_SOURCE_DIR) / "tests/io/data/legacy/kraken-bot";

const LegacyNote* FindNote(const std::vector<LegacyNote>& notes, const std::string& file,
                           const std::string& pointer) {
  for (const LegacyNote& n : notes) {
    if (n.file == file && n.pointer == pointer) return &n;
  }
  return nullptr;
}

class LegacyImport : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tradestore-legacy-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_.emplace(Store::Open("sqlite:" + (dir_ / "store").string()));
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::int64_t Rows(const std::string& entity) {
    return detail::CountRows(detail::ImplOf(*store_), detail::EntityTable(entity));
  }
  std::int64_t Shown(const std::string& entity, bool include_test, const std::string& bot = {}) {
    ExportFilter f;
    f.include_test = include_test;
    if (!bot.empty()) f.bot = bot;
    return static_cast<std::int64_t>(ReadEntity(*store_, entity, f).rows.size());
  }
  // A copy of the sample with one file replaced.
  fs::path Variant(const std::string& name, const std::string& file, const std::string& text) {
    const fs::path d = dir_ / name;
    fs::create_directories(d);
    for (const auto& e : fs::directory_iterator(kSample))
      fs::copy_file(e.path(), d / e.path().filename());
    std::ofstream(d / file, std::ios::binary | std::ios::trunc) << text;
    return d;
  }
  void ExpectNothingWritten() {
    for (const char* e : {"instruments", "bots", "accounts", "signals", "orders", "fills",
                          "positions", "trades", "ledger"}) {
      EXPECT_EQ(Rows(e), 0) << e;
    }
  }
  void ExpectRefused(const fs::path& d, ErrorKind kind, const std::vector<std::string>& parts) {
    try {
      ImportLegacyJson(*store_, d.string());
      ADD_FAILURE() << "not refused: " << d;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      for (const std::string& p : parts) {
        EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << p << " not in " << e.what();
      }
    }
  }
  fs::path dir_;
  std::optional<Store> store_;
};

TEST_F(LegacyImport, SampleImportsTagsAndSkipsByTheDocumentedRules) {
  const LegacyImportReport r = ImportLegacyJson(*store_, kSample.string());
  EXPECT_EQ(r.bot, "kraken-bot");  // from bot.json
  EXPECT_EQ(r.test_bot, "kraken-bot-test");
  // 9 signals: HOLD and a bad time skipped; 11 trades: a zero amount, a bad
  // amount and a missing time skipped.
  EXPECT_EQ(r.signals_imported, 7);
  EXPECT_EQ(r.trades_imported, 8);
  EXPECT_EQ(r.holdings_verified, 2);
  struct Expect {
    const char* file;
    const char* pointer;
    const char* reason;
  };
  const std::vector<Expect> tagged = {
      {"signals.json", "/4", "symbol 'TESTCOIN' starts with TEST"},
      {"signals.json", "/7", "price 999999 above 200000"},
      {"trades.json", "/5", "symbol 'TESTUSD' starts with TEST"},
      {"trades.json", "/7", "amount 5000 above 1000"},
      {"trades.json", "/8", "price 250000 above 200000"},
      {"holdings.json", "/TESTUSD", "starts with TEST"},
      {"holdings.json", "/DOGEUSD", "zero amount"},
  };
  EXPECT_EQ(r.tagged.size(), tagged.size());
  for (const Expect& e : tagged) {
    const LegacyNote* n = FindNote(r.tagged, e.file, e.pointer);
    ASSERT_NE(n, nullptr) << e.file << e.pointer;
    EXPECT_NE(n->reason.find(e.reason), std::string::npos) << n->reason;
  }
  const std::vector<Expect> skipped = {
      {"signals.json", "/1/final_signal", "HOLD"},
      {"signals.json", "/8/timestamp", "\"yesterday\""},
      {"trades.json", "/6", "zero amount"},
      {"trades.json", "/9/amount", "\"abc\""},
      {"trades.json", "/10/timestamp", "missing field 'timestamp'"},
  };
  EXPECT_EQ(r.skipped.size(), skipped.size());
  for (const Expect& e : skipped) {
    const LegacyNote* n = FindNote(r.skipped, e.file, e.pointer);
    ASSERT_NE(n, nullptr) << e.file << e.pointer;
    EXPECT_NE(n->reason.find(e.reason), std::string::npos) << n->reason;
  }
  // Trade 9 (test data) named signal 6 (real): the link is dropped.
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].pointer, "/8/signal_id");

  // The real bot: five orders and fills, one closed BTC round trip, open
  // BTC 0.01 and ETH 0.3 (equal to holdings.json).
  EXPECT_EQ(Shown("orders", false), 5);
  EXPECT_EQ(Shown("orders", true), 8);
  EXPECT_EQ(Shown("signals", false), 5);
  EXPECT_EQ(Shown("signals", true), 7);
  EXPECT_EQ(Shown("bots", false), 1);
  EXPECT_EQ(Shown("fills", true, "kraken-bot"), 5);
  ExportFilter by_bot;
  by_bot.bot = "kraken-bot";
  const EntityRows trades = ReadEntity(*store_, "trades", by_bot);
  ASSERT_EQ(trades.rows.size(), 1u);
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(trades.columns.begin(), trades.columns.end(), name) -
                                    trades.columns.begin());
  };
  // (63420.10 - 62150.40) * 0.015 and the two fees.
  EXPECT_EQ(*trades.rows[0][col("gross_pnl")], "19.0455");
  EXPECT_EQ(*trades.rows[0][col("fees")], "5.03");
  EXPECT_EQ(*trades.rows[0][col("entry_time")], "2024-03-01T14:05:12.904113Z");
  const auto bot = store_->bots().FindByName("kraken-bot");
  ASSERT_TRUE(bot);
  EXPECT_EQ(bot->mode, RunMode::kLive);
  const auto eth = store_->instruments().Find("kraken", "ETHUSD");
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->quote_asset, "USD");
  const auto accounts = store_->accounts().List(bot->id);
  ASSERT_EQ(accounts.size(), 1u);
  const auto pos = store_->positions().Get(bot->id, accounts[0].id, eth->id);
  ASSERT_TRUE(pos);
  EXPECT_EQ(pos->quantity.ToString(), "0.3");
  // Signals keep their provenance and are linked to their orders.
  const auto order = store_->orders().FindByClientId(bot->id, "legacy-1");
  ASSERT_TRUE(order);
  ASSERT_TRUE(order->signal_id);
  EXPECT_EQ(order->venue_order_id, "OQCLML-BW3P3-BUCMWZ");
  const Signal s = store_->signals().Get(bot->id, *order->signal_id);
  EXPECT_TRUE(s.acted_on);
  EXPECT_EQ(s.strategy, "weighted_average");
  EXPECT_NE(s.note.find("\"strategy_version\":\"9f2c1e7\""), std::string::npos) << s.note;

  // Importing the same bot again is refused and changes nothing.
  const std::int64_t orders = Rows("orders"), instruments = Rows("instruments");
  ExpectRefused(kSample, ErrorKind::kConflict, {"kraken-bot", "exists already"});
  EXPECT_EQ(Rows("orders"), orders);
  EXPECT_EQ(Rows("instruments"), instruments);
}

TEST_F(LegacyImport, HoldingsThatDisagreeWithTheTradesAreReported) {
  const fs::path d = Variant("mismatch", "holdings.json",
                             "{\"BTCUSD\": {\"amount\": 0.02, \"avg_price\": 66890},\n"
                             " \"ETHUSD\": {\"avg_price\": 3421.55}}\n");
  const LegacyImportReport r = ImportLegacyJson(*store_, d.string());
  EXPECT_EQ(r.holdings_verified, 0);
  ASSERT_EQ(r.warnings.size(), 2u);
  const LegacyNote* n = FindNote(r.warnings, "holdings.json", "/BTCUSD/amount");
  ASSERT_NE(n, nullptr);
  EXPECT_NE(n->reason.find("0.02 differs from the net of the imported trades 0.01"),
            std::string::npos)
      << n->reason;
  EXPECT_NE(FindNote(r.skipped, "holdings.json", "/ETHUSD/amount"), nullptr);
}

TEST_F(LegacyImport, RulesApplyToEveryRecordKindAndTheBotNameCanBeGiven) {
  const fs::path d = dir_ / "minimal";
  fs::create_directories(d);
  std::ofstream(d / "trades.json")
      << "[{\"id\": 1, \"timestamp\": 1709301912.5, \"symbol\": \"test-eth\", \"action\": \"buy\","
         " \"amount\": 1, \"price\": 3000},\n"
         " {\"id\": 2, \"timestamp\": \"2024-03-02\", \"symbol\": \"ETHUSD\", \"action\": \"BUY\","
         " \"amount\": 1, \"price\": 3000, \"test_mode\": true},\n"
         " {\"id\": 3, \"timestamp\": \"2024-03-03\", \"symbol\": \"ETHUSD\", \"action\": \"BUY\","
         " \"amount\": 1, \"price\": 0},\n"
         " {\"id\": 4, \"timestamp\": \"2024-03-03\", \"symbol\": \"ETHUSD\", \"action\": \"HODL\","
         " \"amount\": 1, \"price\": 3000},\n"
         " {\"id\": 4, \"timestamp\": \"2024-03-03\", \"symbol\": \"ETHUSD\", \"action\": \"BUY\","
         " \"amount\": -1, \"price\": 3000},\n"
         " {\"id\": 5, \"timestamp\": \"2024-03-04\", \"symbol\": \"ETHUSD\", \"action\": \"BUY\","
         " \"amount\": 1, \"price\": 3000},\n"
         " {\"id\": 5, \"timestamp\": \"2024-03-05\", \"symbol\": \"ETHUSD\", \"action\": \"SELL\","
         " \"amount\": 1, \"price\": 3100},\n"
         " \"junk\"]\n";
  LegacyImportOptions o;
  o.bot_name = "renamed";
  o.venue = "binance";
  const LegacyImportReport r = ImportLegacyJson(*store_, d.string(), o);
  EXPECT_EQ(r.bot, "renamed");
  EXPECT_EQ(r.trades_imported, 3);                              // 1 and 2 (test data), 5
  EXPECT_NE(FindNote(r.tagged, "trades.json", "/0"), nullptr);  // TEST prefix, any case
  EXPECT_NE(FindNote(r.tagged, "trades.json", "/1")->reason.find("test_mode"), std::string::npos);
  EXPECT_NE(FindNote(r.skipped, "trades.json", "/2")->reason.find("zero price"), std::string::npos);
  EXPECT_NE(FindNote(r.skipped, "trades.json", "/3/action"), nullptr);
  EXPECT_NE(FindNote(r.skipped, "trades.json", "/4/amount")->reason.find("negative"),
            std::string::npos);
  EXPECT_NE(FindNote(r.skipped, "trades.json", "/6/id")->reason.find("duplicate"),
            std::string::npos);
  EXPECT_NE(FindNote(r.skipped, "trades.json", "/7")->reason.find("not a JSON object"),
            std::string::npos);
  EXPECT_TRUE(store_->instruments().Find("binance", "ETHUSD"));
  // Epoch seconds are read as UTC.
  const auto test_bot = store_->bots().FindByName("renamed-test");
  ASSERT_TRUE(test_bot);
  EXPECT_TRUE(test_bot->is_test);
  const auto o1 = store_->orders().FindByClientId(test_bot->id, "legacy-1");
  ASSERT_TRUE(o1);
  EXPECT_EQ(o1->created_at.ToIso(), "2024-03-01T14:05:12.500000Z");
}

TEST_F(LegacyImport, BadInputIsRefusedWholeAndChangesNothing) {
  ExpectRefused(dir_ / "missing", ErrorKind::kNotFound, {"no such directory"});
  fs::create_directories(dir_ / "empty");
  ExpectRefused(dir_ / "empty", ErrorKind::kNotFound, {"signals.json"});
  // Malformed JSON anywhere: nothing at all is imported, the error names
  // file, line and column.
  const std::string trades = [] {
    std::ifstream in(kSample / "trades.json");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  std::string broken = trades;
  broken.replace(broken.find("\"id\": 4"), 7, "\"id\" 4");
  ExpectRefused(Variant("broken", "trades.json", broken), ErrorKind::kInvalidArgument,
                {"trades.json:11:", "not valid JSON"});
  ExpectNothingWritten();
  std::string huge = trades;
  huge.replace(huge.find("\"id\": 4"), 7, "\"id\": 4E999");
  ExpectRefused(Variant("huge", "trades.json", huge), ErrorKind::kInvalidArgument,
                {"trades.json:11:", "not valid JSON", "number overflow", "4E999"});
  ExpectNothingWritten();
  ExpectRefused(Variant("shape", "signals.json", "{\"id\": 1}"), ErrorKind::kInvalidArgument,
                {"signals.json:1:1:", "array"});
  ExpectRefused(Variant("holdings-shape", "holdings.json", "[]"), ErrorKind::kInvalidArgument,
                {"holdings.json", "object"});
  ExpectRefused(Variant("mode", "bot.json", "{\"name\": \"x\", \"mode\": \"simulated\"}"),
                ErrorKind::kInvalidArgument, {"bot.json", "'mode'", "simulated"});
  ExpectRefused(Variant("name", "bot.json", "{\"name\": 7}"), ErrorKind::kInvalidArgument,
                {"bot.json", "'name'"});
  ExpectNothingWritten();
  // The test bot's name taken: refused before anything is written.
  Bot b;
  b.name = "kraken-bot-test";
  store_->bots().Create(b);
  ExpectRefused(kSample, ErrorKind::kConflict, {"kraken-bot-test"});
  EXPECT_EQ(Rows("bots"), 1);
  EXPECT_EQ(Rows("instruments"), 0);
}

}  // namespace
}  // namespace tradestore
