// End-to-end tests of `tradestore show`, `export` and `import ENTITY` on a
// demo store (real candles from examples/data and a real backtest over
// them), on SQLite and on PostgreSQL: the byte-identical round trip of
// every entity in every format, filters, refusals and all-or-nothing
// imports.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/pg_harness.h"
#include "tradestore/audit.h"
#include "tradestore/config.h"
#include "tradestore/copy.h"
#include "tradestore/daily_pnl.h"
#include "tradestore/execution_latency.h"
#include "tradestore/export_import.h"
#include "tradestore/ledger.h"
#include "tradestore/ml_result.h"
#include "tradestore/news.h"
#include "tradestore/pattern.h"
#include "tradestore/portfolio.h"
#include "tradestore/risk.h"
#include "tradestore/signal.h"
#include "tradestore/store.h"
#include "tradestore/strategy.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  return os << "exit " << r.exit_code << "\n--- stdout ---\n"
            << r.out.substr(0, 4000) << "--- stderr ---\n"
            << r.err;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

class Dir {
 public:
  Dir() {
    std::string pattern = (fs::temp_directory_path() / "tradestore-export-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs the CLI (stdout and stderr to files, so never a terminal).
RunResult RunTool(const std::vector<std::string>& args, const fs::path& tmp) {
  std::string cmd = "env -u TRADESTORE_URL " + Quote(TRADESTORE_CLI);
  for (const std::string& a : args) cmd += " " + Quote(a);
  const fs::path out = tmp / "stdout.txt", err = tmp / "stderr.txt";
  cmd += " >" + Quote(out.string()) + " 2>" + Quote(err.string()) + " </dev/null";
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

std::string DataPath(const std::string& relative) {
  return std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/ohlcv/" + relative;
}

// The demo store, built once: Kraken's BTC/USDC hourly candles of 2023-Q1,
// a moving-average crossover backtest over them, and a bot tagged as test
// data whose name needs CSV quoting and JSON escaping.
class DemoStore {
 public:
  static DemoStore& Get() {
    static DemoStore demo;
    return demo;
  }
  std::string sqlite_url() const { return "sqlite:" + (dir_.path() / "demo").string(); }
  // A PostgreSQL copy of the demo store (made on first use).
  const std::string& pg_url() {
    if (pg_url_.empty()) {
      pg_url_ = testing::PgServer::Get().CreateDatabase();
      Store from = Store::Open(sqlite_url());
      Store to = Store::Open(pg_url_);
      const CopyResult r = CopyStore(from, to);
      EXPECT_TRUE(r.ok());
    }
    return pg_url_;
  }
  bool ok = false;

 private:
  DemoStore() {
    const std::string url = sqlite_url();
    RunResult r = RunTool({"import", "candles", DataPath("kraken/BTC_USDC/XBTUSDC_60.csv"),
                           "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "1h",
                           "--price-precision", "2", "--size-precision", "8", "--store", url},
                          dir_.path());
    EXPECT_EQ(r.exit_code, 0) << r;
    r = RunTool({"backtest", "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "1h",
                 "--strategy", "sma-cross", "--fast", "10", "--slow", "30", "--cash", "10000",
                 "--bot", "demo-sma-cross", "--store", url},
                dir_.path());
    EXPECT_EQ(r.exit_code, 0) << r;
    const fs::path bots = dir_.path() / "extra-bots.csv";
    Write(
        bots,
        "id,name,version,strategy,mode,is_test,created_at\n"
        "2,\"scratch, \"\"quoted\"\"\nbot \xC3\xBC\",0.0.1,\"\",paper,1,2023-01-01T00:00:00.5Z\n");
    r = RunTool({"import", "bots", bots.string(), "--store", url}, dir_.path());
    EXPECT_EQ(r.exit_code, 0) << r;
    if (r.exit_code != 0) return;
    Store store = Store::Open(url);
    Seed(store, 1);  // the demo bot
    Seed(store, 2);  // the test-tagged bot: every row is_test = 1
    ok = !::testing::Test::HasFailure();
  }

  // At least one realistic row in every entity the backtest leaves empty,
  // through the repositories, with text that needs quoting and escaping in
  // every format (commas, quotes, newlines, unicode, JSON documents).
  static void Seed(Store& store, BotId bot) {
    const std::string tricky = "a, \"quoted\"\nline \xC3\xBC \xE2\x82\xAC";
    const std::string tag = bot == 1 ? "" : "-test";
    const Timestamp day = Timestamp::FromCivil(2023, 3, 1);
    const Timestamp t = Timestamp::FromCivil(2023, 3, 1, 12, 30);
    const Account account = store.accounts().GetOrCreate(bot, "main");
    // Double-entry legs on the system accounts, and a transfer.
    LedgerEntry deposit;
    deposit.bot_id = bot;
    deposit.account_id = account.id;
    deposit.time = t;
    deposit.type = LedgerEntryType::kDeposit;
    deposit.currency = "USDC";
    deposit.amount = Decimal::Parse("1000.125");
    deposit.description = tricky;
    store.ledger().Post(deposit);
    const Account spare = store.accounts().GetOrCreate(bot, "spare, \"B\"");
    store.ledger().Transfer(bot, account.id, spare.id, "USDC", Decimal::Parse("0.5"), t, tricky);
    store.ledger().Snapshot(bot, account.id, day, SnapshotKind::kDaily);
    store.ledger().Snapshot(bot, spare.id, t, SnapshotKind::kOnDemand);
    for (const Account& a : store.accounts().List(bot, true)) {
      if (a.kind == AccountKind::kSystem) {
        store.ledger().Snapshot(bot, a.id, t, SnapshotKind::kOnDemand);
      }
    }
    // A signal with components and filters.
    Signal sig;
    sig.bot_id = bot;
    sig.instrument_id = 1;
    sig.strategy = "ensemble, v2";
    sig.time = t;
    sig.side = Side::kSell;
    sig.strength = 0.1;
    sig.price = 23456.78;
    sig.note = tricky;
    sig.confidence = 0.725;
    sig.aggregation_method = "weighted \"average\"";
    sig.components = {{"sentiment, news", SignalAction::kSell, 0.9, 0.5},
                      {"technical\nsma", SignalAction::kHold, 0.3, 1}};
    sig.filters_passed = {"volume", "spread \"ok\""};
    sig.filters_failed = {"news \xC3\xBC"};
    sig.strategy_version = "2.0";
    sig.bot_version = "1.1";
    store.signals().Record(sig);
    PortfolioSnapshot snap;
    snap.bot_id = bot;
    snap.account_id = account.id;
    snap.time = t;
    snap.cash = Decimal::Parse("1000.125");
    snap.unrealized_pnl = Decimal::Parse("-12.5");
    snap.equity = snap.cash + snap.unrealized_pnl;
    snap.open_positions = 1;
    snap.exposure_gross = Decimal::Parse("500");
    snap.exposure_net = Decimal::Parse("-500");
    snap.var = Decimal::Parse("42.42");
    snap.var_confidence = 0.95;
    store.portfolio().Record(snap);
    // Risk limits (two versions) and an event.
    RiskLimits limits;
    limits.bot_id = bot;
    limits.max_position = Decimal::Parse("5000");
    limits.max_daily_loss = Decimal::Parse("250.5");
    limits.max_drawdown = 0.2;
    limits.max_open_orders = 3;
    limits.effective_from = day;
    limits.note = tricky;
    store.risk().SetLimits(limits);
    limits.max_position = Decimal::Parse("4000");
    limits.effective_from = t;
    limits.note = "tightened";
    store.risk().SetLimits(limits);
    RiskValues values;
    values.position = Decimal::Parse("4500.75");
    values.drawdown = 0.05;
    store.risk().Evaluate(bot, values, t + Micros{1}, "reject_order");
    // Configuration versions with JSON documents.
    ConfigVersion config;
    config.bot_id = bot;
    config.kind = ConfigKind::kStrategy;
    config.name = "sma-cross" + tag;
    config.document =
        R"({"fast":10,"slow":30,"label":"a, \"b\"\nc \u00fc","nested":{"x":[1,2.5]}})";
    config.effective_from = day;
    config.note = tricky;
    store.configs().Save(config);
    config.document = R"({"fast":12,"slow":30})";
    config.effective_from = t;
    store.configs().Save(config);
    // Audit.
    SystemEvent event;
    event.time = t;
    event.bot_id = bot;
    event.component = "broker";
    event.event_type = "config_change";
    event.severity = Severity::kWarning;
    event.message = tricky;
    event.details = R"({"from":"1.0","to":"1.1","why":"a, \"b\""})";
    store.audit().RecordEvent(event);
    ErrorLogEntry error;
    error.time = t;
    error.bot_id = bot;
    error.component = "ingest";
    error.code = "E1042";
    error.message = tricky;
    error.context = R"({"line":12,"text":"x\ny"})";
    store.audit().LogError(error);
    // Daily P&L, latency, news.
    DailyPnl pnl;
    pnl.bot_id = bot;
    pnl.account_id = account.id;
    pnl.currency = "USDC";
    pnl.date = day;
    pnl.realized = Decimal::Parse("12.34");
    pnl.unrealized = Decimal::Parse("-0.01");
    pnl.fees = Decimal::Parse("0.5");
    pnl.equity_start = Decimal::Parse("1000");
    pnl.equity_end = Decimal::Parse("1011.83");
    pnl.trades = 2;
    pnl.strategy_version = "2.0";
    store.daily_pnl().Upsert(pnl);
    NewsFeed feed;
    feed.bot_id = bot;
    feed.name = "Reuters, \"markets\"";
    feed.url = "https://example.com/rss?a=1&b=2";
    feed.category = "macro \xE2\x82\xAC";
    const NewsFeed added = store.news().AddFeed(feed);
    SeenNewsItem item;
    item.bot_id = bot;
    item.feed_id = added.id;
    item.item_key = "guid-1";
    item.title = tricky;
    item.url = "https://example.com/a,b";
    item.published_at = day;
    item.time = t;
    store.news().MarkSeen(item);
    if (bot == 1) {
      // A latency row for one of the backtest's orders.
      const std::vector<Order> orders = store.orders().List(bot);
      if (!orders.empty()) {
        ExecutionLatency latency;
        latency.bot_id = bot;
        latency.order_id = orders.front().id;
        latency.instrument_id = 1;
        latency.venue = "kraken";
        latency.signal_time = orders.front().created_at - Micros{1500};
        latency.order_time = orders.front().created_at;
        latency.ack_time = orders.front().created_at + Micros{20001};
        store.latency().Record(latency);
      }
      // System-wide rows: a system event without a bot, a strategy
      // definition, a pattern and ML results.
      SystemEvent startup;
      startup.time = day;
      startup.component = "scheduler";
      startup.event_type = "startup";
      startup.message = "started \xF0\x9F\x9A\x80";
      store.audit().RecordEvent(startup);
      StrategyDefinition def;
      def.name = "sma-cross";
      def.version = "1.0";
      def.description = tricky;
      def.parameters = R"({"fast":10,"slow":30,"note":"\u00fc, \"q\""})";
      def.created_at = day;
      store.strategies().Define(def);
      PatternDetection pattern;
      pattern.instrument_id = 1;
      pattern.timeframe = Timeframe::k1h;
      pattern.pattern = "double_bottom";
      pattern.confidence = 0.8125;
      pattern.detected_at = t;
      pattern.expires_at = t + Micros{3600000000};
      pattern.details = R"({"levels":[16500.5,16800],"label":"w, \"x\""})";
      store.patterns().Record(pattern);
      pattern.is_test = true;
      pattern.pattern = "bull_flag";
      store.patterns().Record(pattern);
      MlResult ml;
      ml.model = "lgbm, \"v\"";
      ml.model_version = "3";
      ml.instrument_id = 1;
      ml.time = t;
      ml.features_hash = "e3b0c442";
      ml.prediction = 0.1 + 0.2;
      ml.metrics = R"({"auc":0.61,"note":"a\nb"})";
      const MlResult recorded = store.ml_results().Record(ml);
      store.ml_results().SetActual(recorded.id, -1e-7, t + Micros{60000000});
      ml.instrument_id.reset();
      ml.features_hash = "test, 9f86d081";
      ml.is_test = true;
      store.ml_results().Record(ml);
    }
  }
  Dir dir_;
  std::string pg_url_;
};

// The --from/--to column of each entity, as docs/export-import.md lists it.
std::string TimeColumnOf(const std::string& entity) {
  static const std::map<std::string, std::string> columns = {{"instruments", "created_at"},
                                                             {"candles", "open_time"},
                                                             {"bots", "created_at"},
                                                             {"accounts", "created_at"},
                                                             {"balances", "updated_at"},
                                                             {"ledger", "time"},
                                                             {"balance-history", "time"},
                                                             {"signals", "time"},
                                                             {"signal-components", ""},
                                                             {"orders", "created_at"},
                                                             {"order-events", "time"},
                                                             {"fills", "time"},
                                                             {"positions", "updated_at"},
                                                             {"position-events", "time"},
                                                             {"trades", "exit_time"},
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
  const auto it = columns.find(entity);
  if (it == columns.end()) ADD_FAILURE() << "no time column listed for " << entity;
  return it == columns.end() ? std::string() : it->second;
}

class ExportCli : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { ASSERT_TRUE(DemoStore::Get().ok); }
  bool pg() const { return std::string(GetParam()) == "postgres"; }
  std::string Source() { return pg() ? DemoStore::Get().pg_url() : DemoStore::Get().sqlite_url(); }
  std::string EmptyStore(const std::string& name) {
    return pg() ? testing::PgServer::Get().CreateDatabase()
                : "sqlite:" + (tmp_.path() / name).string();
  }
  RunResult Cli(std::vector<std::string> args, const std::string& store) {
    args.push_back("--store");
    args.push_back(store);
    return RunTool(args, tmp_.path());
  }
  Dir tmp_;
};

TEST_P(ExportCli, EveryEntityRoundTripsByteForByteInEveryFormat) {
  const std::string source = Source();
  const std::vector<std::string> entities = AvailableEntities();
  // Every entity tradestore knows is in this build, and every one has rows
  // (the demo store is seeded so that none is empty).
  ASSERT_EQ(entities.size(), KnownEntities().size());
  for (const char* format : {"csv", "jsonl", "sql"}) {
    SCOPED_TRACE(format);
    const std::string target = EmptyStore(std::string("rt-") + format);
    std::int64_t total_lines = 0;
    for (const std::string& entity : entities) {
      SCOPED_TRACE(entity);
      const fs::path first = tmp_.path() / (entity + ".1." + format);
      const fs::path second = tmp_.path() / (entity + ".2." + format);
      RunResult r =
          Cli({"export", entity, "--include-test", "--format", format, "--out", first.string()},
              source);
      ASSERT_EQ(r.exit_code, 0) << r;
      EXPECT_EQ(r.err.find('\r'), std::string::npos) << "progress drawn into a pipe";
      r = Cli({"import", entity, first.string()}, target);  // format from the extension
      ASSERT_EQ(r.exit_code, 0) << r;
      r = Cli({"export", entity, "--include-test", "--format", format, "--out", second.string()},
              target);
      ASSERT_EQ(r.exit_code, 0) << r;
      const std::string a = Slurp(first), b = Slurp(second);
      EXPECT_EQ(a, b) << "round trip differs: " << first << " vs " << second;
      const std::int64_t header = std::string(format) == "jsonl" ? 0 : (format[0] == 's' ? 3 : 1);
      EXPECT_GT(std::count(a.begin(), a.end(), '\n'), header) << "no rows exported";
      total_lines += std::count(a.begin(), a.end(), '\n');
      // Both backends export the same bytes (the PostgreSQL store is a copy
      // of the SQLite one; each test runs in a process of its own, so the
      // SQLite export is made here).
      if (pg()) {
        r = Cli({"export", entity, "--include-test", "--format", format},
                DemoStore::Get().sqlite_url());
        ASSERT_EQ(r.exit_code, 0) << r;
        EXPECT_EQ(r.out, a) << "SQLite and PostgreSQL exports differ";
      }
    }
    // The demo store is not empty: candles, orders, fills, trades...
    EXPECT_GT(total_lines, 4000);
  }
}

TEST_P(ExportCli, ExportWritesExactValuesAndStdoutEqualsOut) {
  const std::string source = Source();
  RunResult r = Cli({"export", "trades", "--format", "csv"}, source);
  ASSERT_EQ(r.exit_code, 0) << r;
  std::istringstream lines(r.out);
  std::string header, row;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("id,bot_id,account_id,instrument_id,strategy,side,entry_time,", 0), 0u)
      << header;
  ASSERT_TRUE(std::getline(lines, row));
  // Times with microseconds, decimals as written (no float noise), the
  // strategy's comma quoted.
  EXPECT_NE(row.find("2023-01-03T12:00:00.000000Z"), std::string::npos) << row;
  EXPECT_NE(row.find("\"sma-cross(10,30)\""), std::string::npos) << row;
  EXPECT_EQ(row.find("e-"), std::string::npos) << row;
  const fs::path out = tmp_.path() / "trades.csv";
  RunResult f = Cli({"export", "trades", "--out", out.string()}, source);
  ASSERT_EQ(f.exit_code, 0) << f;
  EXPECT_EQ(Slurp(out), r.out);
  EXPECT_TRUE(f.out.empty());
  // JSON Lines: decimals are strings, so nothing is lost.
  r = Cli({"export", "fills", "--format", "jsonl", "--limit", "1"}, source);
  ASSERT_EQ(r.exit_code, 0) << r;
  const json j = json::parse(r.out);
  EXPECT_TRUE(j["price"].is_string());
  EXPECT_TRUE(j["id"].is_number_integer());
  EXPECT_EQ(j["time"].get<std::string>().size(), 27u);
  // An export that fails leaves --out untouched.
  Write(out, "keep me");
  f = Cli({"export", "trades", "--bot", "no-such-bot", "--out", out.string()}, source);
  EXPECT_EQ(f.exit_code, 3) << f;
  EXPECT_EQ(Slurp(out), "keep me");
  for (const auto& e : fs::directory_iterator(tmp_.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
}

TEST_P(ExportCli, ShowFiltersAndFormats) {
  const std::string source = Source();
  RunResult r = Cli({"show", "trades"}, source);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.rfind("id  bot_id  account_id", 0), 0u) << r;
  EXPECT_NE(r.out.find("2023-01-03T12:00:00Z"), std::string::npos) << r;
  r = Cli({"show", "trades", "--json"}, source);
  ASSERT_EQ(r.exit_code, 0) << r;
  const json all = json::parse(r.out);
  ASSERT_TRUE(all.is_array());
  ASSERT_GT(all.size(), 10u);
  EXPECT_NE(Cli({"show", "trades"}, source).out.find("(" + std::to_string(all.size()) + " rows)"),
            std::string::npos);
  // --csv is the export.
  EXPECT_EQ(Cli({"show", "trades", "--csv"}, source).out, Cli({"export", "trades"}, source).out);
  // Filters: bot by name and id, symbol, time range, limit.
  EXPECT_EQ(
      json::parse(Cli({"show", "trades", "--json", "--bot", "demo-sma-cross"}, source).out).size(),
      all.size());
  EXPECT_EQ(json::parse(Cli({"show", "trades", "--json", "--bot", "1"}, source).out).size(),
            all.size());
  EXPECT_EQ(
      json::parse(Cli({"show", "trades", "--json", "--symbol", "BTCUSDC"}, source).out).size(),
      all.size());
  const std::string cut = all[5]["exit_time"].get<std::string>();
  std::size_t before = 0;
  for (const auto& t : all) before += t["exit_time"].get<std::string>() < cut ? 1 : 0;
  const json early = json::parse(Cli({"show", "trades", "--json", "--to", cut}, source).out);
  EXPECT_EQ(early.size(), before);
  const json late = json::parse(Cli({"show", "trades", "--json", "--from", cut}, source).out);
  EXPECT_EQ(early.size() + late.size(), all.size());
  const json three = json::parse(Cli({"show", "trades", "--json", "--limit", "3"}, source).out);
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[2], all[2]);
  // Candles by venue and timeframe.
  EXPECT_EQ(json::parse(Cli({"show", "candles", "--json", "--venue", "kraken", "--timeframe", "1h",
                             "--limit", "5"},
                            source)
                            .out)
                .size(),
            5u);
  EXPECT_EQ(json::parse(Cli({"show", "candles", "--json", "--timeframe", "1d"}, source).out).size(),
            0u);
  // Test data only on request.
  EXPECT_EQ(json::parse(Cli({"show", "bots", "--json"}, source).out).size(), 1u);
  const json bots = json::parse(Cli({"show", "bots", "--json", "--include-test"}, source).out);
  ASSERT_EQ(bots.size(), 2u);
  EXPECT_EQ(bots[1]["name"], "scratch, \"quoted\"\nbot \xC3\xBC");
  // Refusals: unknown bot or symbol (3), an unknown entity or a filter that
  // does not apply (2).
  r = Cli({"show", "trades", "--bot", "nobody"}, source);
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find("nobody"), std::string::npos) << r;
  EXPECT_EQ(Cli({"show", "fills", "--symbol", "NOPE"}, source).exit_code, 3);
  r = Cli({"show", "widgets"}, source);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("portfolio-snapshots"), std::string::npos) << r;
  r = Cli({"show", "instruments", "--bot", "1"}, source);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_EQ(Cli({"show", "trades", "--timeframe", "1h"}, source).exit_code, 2);
  EXPECT_EQ(Cli({"show", "trades", "--from", "yesterday"}, source).exit_code, 2);
  // An entity whose table this build lacks is named as such.
  for (const std::string& e : KnownEntities()) {
    const std::vector<std::string> available = AvailableEntities();
    if (std::find(available.begin(), available.end(), e) != available.end()) continue;
    r = Cli({"show", e}, source);
    EXPECT_EQ(r.exit_code, 3) << r;
    EXPECT_NE(r.err.find("not available in this store version"), std::string::npos) << r;
  }
}

TEST_P(ExportCli, AFailedImportChangesNothingAndNamesTheLine) {
  const std::string source = Source();
  const std::string target = EmptyStore("failing");
  for (const char* entity : {"instruments", "bots", "accounts", "signals"}) {
    const fs::path f = tmp_.path() / (std::string(entity) + ".csv");
    ASSERT_EQ(Cli({"export", entity, "--out", f.string()}, source).exit_code, 0);
    ASSERT_EQ(Cli({"import", entity, f.string()}, target).exit_code, 0);
  }
  const std::string orders = Cli({"export", "orders"}, source).out;
  const auto count = [&] {
    return json::parse(Cli({"show", "orders", "--json", "--include-test"}, target).out).size();
  };
  // The last row names an account that does not exist: a foreign key
  // refusal, mapped to its line; none of the rows before it stay.
  std::string bad = orders;
  const std::size_t last = bad.rfind('\n', bad.size() - 2) + 1;
  std::string row = bad.substr(last);
  const std::size_t c1 = row.find(','), c2 = row.find(',', c1 + 1), c3 = row.find(',', c2 + 1);
  row = row.substr(0, c2 + 1) + "999" + row.substr(c3);
  bad = bad.substr(0, last) + row;
  const std::int64_t line = std::count(bad.begin(), bad.end(), '\n');
  const fs::path file = tmp_.path() / "orders.csv";
  Write(file, bad);
  RunResult r = Cli({"import", "orders", file.string()}, target);
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find(file.string() + ":" + std::to_string(line) + ":"), std::string::npos) << r;
  EXPECT_EQ(count(), 0u);
  // A duplicate id (the first row again at the end): a unique refusal.
  Write(file, orders + orders.substr(orders.find('\n') + 1,
                                     orders.find('\n', orders.find('\n') + 1) - orders.find('\n')));
  r = Cli({"import", "orders", file.string()}, target);
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find(file.string() + ":"), std::string::npos) << r;
  EXPECT_EQ(count(), 0u);
  // The good file imports; PostgreSQL sequences follow the ids.
  Write(file, orders);
  ASSERT_EQ(Cli({"import", "orders", file.string()}, target).exit_code, 0);
  const std::size_t n = count();
  EXPECT_GT(n, 10u);
  {
    Store store = Store::Open(target);
    const auto bot = store.bots().FindByName("demo-sma-cross");
    ASSERT_TRUE(bot);
    Order o;
    o.bot_id = bot->id;
    o.account_id = 1;
    o.instrument_id = 1;
    o.side = Side::kBuy;
    o.type = OrderType::kMarket;
    o.quantity = Decimal::Parse("0.1");
    o.created_at = Timestamp::FromSeconds(1700000000);
    const Order created = store.orders().Create(o);
    EXPECT_EQ(created.id, static_cast<OrderId>(n + 1));
  }
  // Importing the same file again is refused whole.
  r = Cli({"import", "orders", file.string()}, target);
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_EQ(count(), n + 1);
}

// Entity by entity in bundle order, the imported store passes what check
// passed before: a step that completes a check's tables (fills after
// orders, the ledger after balances) is refused whole when the check would
// fail; an earlier step (orders before their fills) names the checks still
// pending.
TEST_P(ExportCli, EntityImportsNeverLeaveAStoreThatFailsCheck) {
  const std::string source = Source();
  const std::string target = EmptyStore("checked");
  const auto drop_last_line = [](const std::string& text) {
    return text.substr(0, text.rfind('\n', text.size() - 2) + 1);
  };
  for (const std::string& entity : AvailableEntities()) {
    SCOPED_TRACE(entity);
    const fs::path file = tmp_.path() / (entity + ".jsonl");
    RunResult r = Cli({"export", entity, "--include-test", "--out", file.string()}, source);
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_EQ(Slurp(file).substr(0, 2), "{\"") << "the format comes from the extension";
    if (entity == "fills" || entity == "ledger") {
      // One fill short: the orders' filled quantities no longer add up. One
      // ledger entry short: the balances imported before do not.
      const fs::path short_file = tmp_.path() / (entity + "-short.jsonl");
      Write(short_file, drop_last_line(Slurp(file)));
      const std::string before = Cli({"export", entity, "--include-test"}, target).out;
      r = Cli({"import", entity, short_file.string()}, target);
      EXPECT_EQ(r.exit_code, 4) << r;
      EXPECT_NE(r.err.find(short_file.string() + ": importing " + entity + " would fail check " +
                           (entity == "fills" ? "order-fills" : "balances") + " (1 problem: "),
                std::string::npos)
          << r;
      EXPECT_NE(r.err.find("nothing was imported"), std::string::npos) << r;
      EXPECT_EQ(Cli({"export", entity, "--include-test"}, target).out, before);
    }
    r = Cli({"import", entity, file.string(), "--json"}, target);
    ASSERT_EQ(r.exit_code, 0) << r;
    const json pending = json::parse(r.out).at("pending_checks");
    if (entity == "orders") {
      // Orders come before their fills: order-fills waits for them.
      ASSERT_FALSE(pending.empty()) << r;
      EXPECT_NE(pending.dump().find("check order-fills fails until the rest of its tables are "
                                    "imported"),
                std::string::npos)
          << r;
    }
    if (entity == "ledger") {
      EXPECT_TRUE(pending.empty()) << r;
    }
  }
  const RunResult r = Cli({"check"}, target);
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_P(ExportCli, ShowEveryEntityAsTableJsonAndCsvWithItsTimeFilter) {
  const std::string source = Source();
  for (const std::string& entity : KnownEntities()) {
    SCOPED_TRACE(entity);
    // --json: an array of the rows (test rows included on request).
    RunResult r = Cli({"show", entity, "--json", "--include-test", "--include-system"}, source);
    ASSERT_EQ(r.exit_code, 0) << r;
    const json rows = json::parse(r.out);
    ASSERT_TRUE(rows.is_array());
    ASSERT_GT(rows.size(), 0u);
    // The table: a header of the columns, a rule, one line per row, a count.
    r = Cli({"show", entity, "--include-test", "--include-system"}, source);
    ASSERT_EQ(r.exit_code, 0) << r;
    const std::string csv = Cli({"export", entity, "--include-test"}, source).out;
    const std::string header = csv.substr(0, csv.find('\n'));
    const std::string first_column = header.substr(0, header.find(','));
    EXPECT_EQ(r.out.rfind(first_column, 0), 0u) << r;
    EXPECT_NE(r.out.find("\n--"), std::string::npos) << r;
    const std::string count =
        "(" + std::to_string(rows.size()) + (rows.size() == 1 ? " row)\n" : " rows)\n");
    EXPECT_EQ(r.out.size() - r.out.rfind(count), count.size()) << r;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'),
              static_cast<std::ptrdiff_t>(rows.size() + 3))
        << "a row broke over lines: " << r;
    // --csv: the export.
    EXPECT_EQ(Cli({"show", entity, "--csv", "--include-test", "--include-system"}, source).out,
              csv);
    // --from/--to on the entity's time column: split at a row's time, the
    // two halves add up to the whole.
    const std::string column = TimeColumnOf(entity);
    if (column.empty()) {
      r = Cli({"show", entity, "--from", "2023-01-01"}, source);
      EXPECT_EQ(r.exit_code, 2) << r;
      continue;
    }
    ASSERT_TRUE(rows[0].contains(column)) << column;
    const std::string cut = rows[rows.size() / 2][column].get<std::string>();
    std::size_t before = 0;
    for (const auto& row : rows) before += row[column].get<std::string>() < cut ? 1 : 0;
    const json early = json::parse(
        Cli({"show", entity, "--json", "--include-test", "--include-system", "--to", cut}, source)
            .out);
    const json late = json::parse(
        Cli({"show", entity, "--json", "--include-test", "--include-system", "--from", cut}, source)
            .out);
    EXPECT_EQ(early.size(), before) << column << " < " << cut;
    EXPECT_EQ(early.size() + late.size(), rows.size()) << column;
  }
}

TEST_P(ExportCli, ShowHidesSystemAccountsUnlessAskedAndExportKeepsThem) {
  const std::string source = Source();
  const auto rows = [&](std::vector<std::string> args) {
    const RunResult r = Cli(args, source);
    EXPECT_EQ(r.exit_code, 0) << r;
    return json::parse(r.out);
  };
  const json all_accounts = rows({"show", "accounts", "--json", "--include-system"});
  std::set<std::int64_t> system;
  for (const auto& a : all_accounts) {
    if (a["kind"] == "system") system.insert(a["id"].get<std::int64_t>());
  }
  // The backtest and the seeded deposits made system accounts.
  ASSERT_FALSE(system.empty());
  for (const char* entity : {"accounts", "balances", "ledger", "balance-history"}) {
    SCOPED_TRACE(entity);
    const std::string id = std::string(entity) == "accounts" ? "id" : "account_id";
    const json shown = rows({"show", entity, "--json"});
    const json with = rows({"show", entity, "--json", "--include-system"});
    std::size_t on_system = 0;
    for (const auto& row : with) on_system += system.count(row[id].get<std::int64_t>());
    EXPECT_GT(on_system, 0u);
    EXPECT_EQ(shown.size() + on_system, with.size());
    for (const auto& row : shown) EXPECT_EQ(system.count(row[id].get<std::int64_t>()), 0u) << row;
    // The readable table hides them too.
    const RunResult table = Cli({"show", entity}, source);
    EXPECT_NE(table.out.find("(" + std::to_string(shown.size()) + " row"), std::string::npos)
        << table;
    // export keeps everything by default; --exclude-system is show's view.
    const std::string exported = Cli({"export", entity, "--format", "jsonl"}, source).out;
    EXPECT_EQ(static_cast<std::size_t>(std::count(exported.begin(), exported.end(), '\n')),
              with.size());
    const std::string excluded =
        Cli({"export", entity, "--format", "jsonl", "--exclude-system"}, source).out;
    EXPECT_EQ(static_cast<std::size_t>(std::count(excluded.begin(), excluded.end(), '\n')),
              shown.size());
    EXPECT_EQ(Cli({"show", entity, "--csv"}, source).out,
              Cli({"export", entity, "--exclude-system"}, source).out);
  }
  // Other entities are not affected by the option.
  EXPECT_EQ(rows({"show", "orders", "--json"}).size(),
            rows({"show", "orders", "--json", "--include-system"}).size());
}

TEST_P(ExportCli, SqlImportReadsOnlyItsOwnInserts) {
  const std::string source = Source();
  const std::string target = EmptyStore("sql");
  const fs::path inst = tmp_.path() / "instruments.sql";
  ASSERT_EQ(
      Cli({"export", "instruments", "--format", "sql", "--out", inst.string()}, source).exit_code,
      0);
  const std::string dump = Slurp(inst);
  const fs::path file = tmp_.path() / "evil.sql";
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {dump + "DROP TABLE market.instruments;\n", "found 'DROP TABLE"},
      {"DELETE FROM market.instruments;\n" + dump, "found 'DELETE"},
      {dump + "INSERT INTO trading.bots (id, name) VALUES (9, 'x');\n",
       "found INSERT INTO trading.bots"},
      {dump.substr(0, dump.size() - 2) + "; DROP TABLE market.candles;\n", "found 'DROP"},
      {dump + "INSERT INTO market.instruments (id) VALUES (lower('x'));\n", "expected a literal"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text.substr(c.text.size() > 80 ? c.text.size() - 80 : 0));
    Write(file, c.text);
    const RunResult r = Cli({"import", "instruments", file.string()}, target);
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r;
    EXPECT_NE(r.err.find(file.string() + ":"), std::string::npos) << r;
    EXPECT_EQ(json::parse(Cli({"show", "instruments", "--json"}, target).out).size(), 0u);
  }
  // The tables are all still there and the dump itself imports.
  EXPECT_EQ(Cli({"show", "candles", "--limit", "1"}, target).exit_code, 0);
  const RunResult ok = Cli({"import", "instruments", inst.string(), "--json"}, target);
  ASSERT_EQ(ok.exit_code, 0) << ok;
  EXPECT_EQ(json::parse(ok.out)["rows"], 1);
}

TEST(LegacyJsonCli, ImportsTheSampleReportsAndRefusesASecondRun) {
  Dir tmp;
  const std::string store = "sqlite:" + (tmp.path() / "store").string();
  const std::string sample =
      std::string(TRADESTORE_SOURCE_DIR) + "/tests/io/data/legacy/kraken-bot";
  RunResult r = RunTool({"import", "legacy-json", sample, "--json", "--store", store}, tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["bot"], "kraken-bot");
  EXPECT_EQ(j["signals_imported"], 7);
  EXPECT_EQ(j["trades_imported"], 8);
  EXPECT_EQ(j["tagged"].size(), 7u);
  EXPECT_EQ(j["skipped"].size(), 5u);
  EXPECT_EQ(j["skipped"][0]["pointer"], "/1/final_signal");
  // Test data stays out of default views.
  r = RunTool({"show", "orders", "--json", "--store", store}, tmp.path());
  EXPECT_EQ(json::parse(r.out).size(), 5u) << r;
  r = RunTool({"show", "orders", "--json", "--include-test", "--store", store}, tmp.path());
  EXPECT_EQ(json::parse(r.out).size(), 8u) << r;
  r = RunTool({"import", "legacy-json", sample, "--store", store}, tmp.path());
  EXPECT_EQ(r.exit_code, 4) << r;
  r = RunTool({"import", "legacy-json", (tmp.path() / "nope").string(), "--store", store},
              tmp.path());
  EXPECT_EQ(r.exit_code, 3) << r;
  // The text report names every tagged and skipped record.
  r = RunTool({"import", "legacy-json", sample, "--bot", "again", "--store", store}, tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("skipped  trades.json#/9/amount"), std::string::npos) << r;
  EXPECT_NE(r.out.find("tagged   signals.json#/4: symbol 'TESTCOIN' starts with TEST"),
            std::string::npos)
      << r;
}

INSTANTIATE_TEST_SUITE_P(Backends, ExportCli, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace tradestore
