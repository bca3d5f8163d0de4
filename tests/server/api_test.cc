// The HTTP API over a real socket, on SQLite and on a real PostgreSQL
// server: every endpoint, auth, the bad-input corpus (nothing written), and
// every response checked against the server's own OpenAPI document.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "server/openapi_check.h"
#include "sql/postgres/pg_connection.h"
#include "support/citus_store.h"
#include "support/pg_harness.h"
#include "support/pg_replica_harness.h"
#include "tradestore/check.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/performance_report_input.h"
#include "tradestore/server.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kToken = "s3cret-token-for-tests";

std::string NewStoreUrl(const std::string& backend) {
  if (backend == "postgres") return testing::PgServer::Get().CreateDatabase();
  if (backend == "citus") return testing::FreshCitusStoreUrl();  // distributed by bot
  static std::mt19937_64 rng{std::random_device{}()};
  const fs::path dir = fs::temp_directory_path() / ("ts-api-" + std::to_string(rng()));
  return "sqlite:" + dir.string();
}

// One server on a fresh store (SQLite, PostgreSQL, or a Citus store
// distributed by bot: issue 13), a client with the token, and the document.
class Api : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = NewStoreUrl(GetParam());
    StartServer({});
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    if (url_.rfind("sqlite:", 0) == 0) fs::remove_all(url_.substr(7));
  }

  void StartServer(ServerOptions o) {
    client_.reset();
    server_.reset();
    o.store_url = url_;
    o.port = 0;
    if (o.token.empty()) o.token = kToken;
    o.threads = 4;
    server_ = std::make_unique<Server>(o);
    server_->Start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(30, 0);
    client_->set_bearer_token_auth(kToken);
    if (!check_) {
      const auto res = client_->Get("/api/v1/openapi.json");
      ASSERT_TRUE(res);
      check_ = std::make_unique<testing::OpenApiCheck>(json::parse(res->body));
    }
  }

  struct Reply {
    int status = 0;
    json body;
    std::string text;
  };
  // Sends a request and checks the response against the document.
  Reply Send(const std::string& method, const std::string& path, const std::string& body = "") {
    httplib::Result res = method == "GET"   ? client_->Get(path)
                          : method == "PUT" ? client_->Put(path, body, "application/json")
                                            : client_->Post(path, body, "application/json");
    EXPECT_TRUE(res) << method << " " << path << ": " << httplib::to_string(res.error());
    if (!res) return {};
    Reply r{res->status, json::parse(res->body, nullptr, false), res->body};
    EXPECT_EQ(check_->Check(method, path, res->status, res->body), "")
        << method << " " << path << " -> " << res->status << ": " << res->body.substr(0, 400);
    return r;
  }
  Reply Get(const std::string& path) { return Send("GET", path); }
  Reply Post(const std::string& path, const json& body) { return Send("POST", path, body.dump()); }

  // A bot with an account funded with 10000 USDC and an instrument.
  void SeedBot() {
    ASSERT_EQ(
        Post("/api/v1/bots", {{"name", "alpha"}, {"strategy", "sma"}, {"mode", "paper"}}).status,
        201);
    ASSERT_EQ(Post("/api/v1/instruments", {{"symbol", "BTCUSDC"},
                                           {"venue", "kraken"},
                                           {"base_asset", "BTC"},
                                           {"quote_asset", "USDC"},
                                           {"price_precision", 2}})
                  .status,
              200);
    ASSERT_EQ(Post("/api/v1/bots/alpha/ledger",
                   {{"type", "deposit"}, {"currency", "USDC"}, {"amount", "10000"}})
                  .status,
              201);
  }
  std::int64_t NewOrder(const std::string& side, const std::string& quantity) {
    const Reply r =
        Post("/api/v1/bots/alpha/orders",
             {{"symbol", "BTCUSDC"}, {"venue", "kraken"}, {"side", side}, {"quantity", quantity}});
    EXPECT_EQ(r.status, 201) << r.text;
    const std::int64_t id = r.body["id"];
    EXPECT_EQ(Post("/api/v1/bots/alpha/orders/" + std::to_string(id) + "/accept",
                   {{"venue_order_id", "V" + std::to_string(id)}})
                  .status,
              200);
    return id;
  }
  std::int64_t Rows(const std::string& entity) {
    Store store = Store::Open(url_);
    ExportFilter f;
    f.include_test = true;
    return static_cast<std::int64_t>(ReadEntity(store, entity, f).rows.size());
  }

  std::string url_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<testing::OpenApiCheck> check_;
};

TEST_P(Api, PingHealthAndDocumentNeedNoToken) {
  httplib::Client anon("127.0.0.1", server_->port());
  for (const char* path : {"/api/v1/ping", "/api/v1/health", "/api/v1/openapi.json"}) {
    const auto res = anon.Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(check_->Check("GET", path, res->status, res->body), "") << path;
  }
  const json health = json::parse(anon.Get("/api/v1/health")->body);
  EXPECT_EQ(health["status"], "ok");
  // A Citus coordinator is a PostgreSQL server.
  EXPECT_EQ(health["backend"], GetParam() == "sqlite" ? "sqlite" : "postgres");
  ASSERT_FALSE(health["databases"].empty());
  for (const json& d : health["databases"]) EXPECT_GT(d["schema_version"].get<int>(), 0);
}

TEST_P(Api, AuthRefusesMissingAndWrongTokensAndReadOnlyWrites) {
  httplib::Client anon("127.0.0.1", server_->port());
  auto res = anon.Get("/api/v1/bots");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(res->body)["error"], "unauthorized");
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  anon.set_bearer_token_auth("wrong");
  res = anon.Post("/api/v1/bots", R"({"name":"x"})", "application/json");
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(anon.Get("/metrics")->status, 401);
  EXPECT_EQ(Rows("bots"), 0);

  ServerOptions ro;
  ro.read_only = true;
  StartServer(ro);
  const Reply r = Post("/api/v1/bots", {{"name", "x"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["error"], "forbidden");
  EXPECT_EQ(Get("/api/v1/bots").status, 200);
  EXPECT_EQ(Rows("bots"), 0);

  ServerOptions pub;
  pub.public_read = true;
  StartServer(pub);
  httplib::Client anon2("127.0.0.1", server_->port());
  EXPECT_EQ(anon2.Get("/api/v1/bots")->status, 200);
  EXPECT_EQ(anon2.Post("/api/v1/bots", R"({"name":"x"})", "application/json")->status, 401);
}

TEST_P(Api, NonLoopbackWithoutTokenIsRefused) {
  ServerOptions o;
  o.store_url = url_;
  o.host = "0.0.0.0";
  try {
    Server s(o);
    FAIL() << "accepted a non-loopback address without a token";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("without a token"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.3.2.1"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
}

// A bot's whole life over HTTP, then the store and the report agree.
TEST_P(Api, BotRecordsItsLifeOverHttp) {
  SeedBot();
  // Registering again returns the bot (200).
  EXPECT_EQ(Post("/api/v1/bots", {{"name", "alpha"}}).status, 200);
  const Reply signal =
      Post("/api/v1/bots/alpha/signals",
           {{"symbol", "BTCUSDC"},
            {"venue", "kraken"},
            {"side", "buy"},
            {"strength", 0.8},
            {"confidence", 0.7},
            {"components", {{{"name", "trend"}, {"signal", "buy"}, {"confidence", 0.9}}}},
            {"filters_passed", {"volume"}}});
  ASSERT_EQ(signal.status, 201) << signal.text;
  const std::int64_t buy = NewOrder("buy", "0.3");
  // Decimals exactly as sent, whether as strings or JSON numbers.
  Reply f1 = Send(
      "POST", "/api/v1/bots/alpha/fills",
      R"({"order_id":)" + std::to_string(buy) +
          R"(,"venue":"kraken","venue_fill_id":"F1","quantity":0.1,"price":23000.10,"fee":"0.000000000000000001"})");
  ASSERT_EQ(f1.status, 201) << f1.text;
  EXPECT_EQ(f1.body["fill"]["price"], "23000.1");
  EXPECT_EQ(f1.body["fill"]["fee"], "0.000000000000000001");
  EXPECT_EQ(f1.body["order"]["status"], "partially_filled");
  Reply f2 = Post("/api/v1/bots/alpha/fills", {{"order_id", buy},
                                               {"venue", "kraken"},
                                               {"venue_fill_id", "F2"},
                                               {"quantity", "0.2"},
                                               {"price", "23100"},
                                               {"fee", "1"}});
  ASSERT_EQ(f2.status, 201);
  EXPECT_EQ(f2.body["order"]["status"], "filled");
  EXPECT_EQ(f2.body["position"]["quantity"], "0.3");
  // The same report again: the stored fill, nothing new.
  Reply again = Post("/api/v1/bots/alpha/fills", {{"order_id", buy},
                                                  {"venue", "kraken"},
                                                  {"venue_fill_id", "F2"},
                                                  {"quantity", "0.2"},
                                                  {"price", "23100"},
                                                  {"fee", "1"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(again.body["duplicate"].get<bool>());
  EXPECT_EQ(again.body["fill"]["id"], f2.body["fill"]["id"]);
  // A resend with other content is a conflict naming the fields.
  Reply differs = Post("/api/v1/bots/alpha/fills", {{"order_id", buy},
                                                    {"venue", "kraken"},
                                                    {"venue_fill_id", "F2"},
                                                    {"quantity", "0.2"},
                                                    {"price", "23101"},
                                                    {"fee", "1"}});
  EXPECT_EQ(differs.status, 409);
  EXPECT_NE(differs.body["message"].get<std::string>().find("price 23101 (stored 23100)"),
            std::string::npos)
      << differs.text;
  EXPECT_EQ(Rows("fills"), 2);

  const std::int64_t sell = NewOrder("sell", "0.3");
  Reply close = Post("/api/v1/bots/alpha/fills", {{"order_id", sell},
                                                  {"venue", "kraken"},
                                                  {"venue_fill_id", "F3"},
                                                  {"quantity", "0.3"},
                                                  {"price", "23500"},
                                                  {"fee", "2"},
                                                  {"time", "2030-01-01T00:00:00Z"}});
  ASSERT_EQ(close.status, 201) << close.text;
  ASSERT_TRUE(close.body["closed_trade"].is_object());
  // Entry 23066.7333..: (0.1 x 23000.1 + 0.2 x 23100) / 0.3 ; gross = 0.3 x 23500 - 6920.01
  EXPECT_EQ(close.body["closed_trade"]["gross_pnl"], "129.99");
  EXPECT_FALSE(close.body["ledger_entries"].empty());
  // The response's rows (read by key in the fill's transaction) are the
  // rows the list routes give, field for field.
  const auto listed = [&](const std::string& entity, const json& row) {
    const Reply page = Get("/api/v1/" + entity + "?bot=alpha&include_test=true&limit=1000");
    EXPECT_EQ(page.status, 200) << page.text;
    for (const json& r : page.body["data"]) {
      if (entity == "positions"
              ? r["account_id"] == row["account_id"] && r["instrument_id"] == row["instrument_id"]
              : r["id"] == row["id"]) {
        return r;
      }
    }
    return json();
  };
  EXPECT_EQ(listed("fills", close.body["fill"]), close.body["fill"]);
  EXPECT_EQ(listed("orders", close.body["order"]), close.body["order"]);
  EXPECT_EQ(listed("positions", close.body["position"]), close.body["position"]);
  EXPECT_EQ(listed("trades", close.body["closed_trade"]), close.body["closed_trade"]);
  for (const json& entry : close.body["ledger_entries"]) {
    EXPECT_EQ(listed("ledger", entry), entry);
  }

  // Lifecycle: cancel with a reason, reject needs one, amend, retry.
  const Reply open = Post("/api/v1/bots/alpha/orders", {{"symbol", "BTCUSDC"},
                                                        {"venue", "kraken"},
                                                        {"side", "buy"},
                                                        {"type", "limit"},
                                                        {"limit_price", "20000"},
                                                        {"quantity", "0.1"},
                                                        {"client_order_id", "L1"}});
  ASSERT_EQ(open.status, 201);
  const std::string o =
      "/api/v1/bots/alpha/orders/" + std::to_string(open.body["id"].get<std::int64_t>());
  // The same client_order_id again returns the order.
  EXPECT_EQ(Post("/api/v1/bots/alpha/orders", {{"symbol", "BTCUSDC"},
                                               {"venue", "kraken"},
                                               {"side", "buy"},
                                               {"type", "limit"},
                                               {"limit_price", "20000"},
                                               {"quantity", "0.1"},
                                               {"client_order_id", "L1"}})
                .status,
            200);
  EXPECT_EQ(Post(o + "/reject", json::object()).status, 400);
  EXPECT_EQ(Post(o + "/retry", {{"error", "timeout"}}).body["retry_count"], 1);
  EXPECT_EQ(Post(o + "/accept", json::object()).status, 200);
  EXPECT_EQ(Post(o + "/amend", {{"limit_price", "19999.5"}}).body["limit_price"], "19999.5");
  EXPECT_EQ(Post(o + "/cancel", {{"reason", "stale"}}).body["status"], "cancelled");
  EXPECT_EQ(Post(o + "/cancel", {{"reason", "again"}}).status, 409);
  const Reply detail = Get(o);
  EXPECT_EQ(detail.status, 200);
  EXPECT_GE(detail.body["events"].size(), 4u);

  EXPECT_EQ(Post("/api/v1/bots/alpha/heartbeat", {{"state", "running"}, {"equity", "10120.5"}})
                .body["equity"],
            "10120.5");
  EXPECT_EQ(Post("/api/v1/bots/alpha/risk-events", {{"limit", "max_drawdown"},
                                                    {"value", "0.12"},
                                                    {"threshold", "0.1"},
                                                    {"action", "halt_trading"}})
                .status,
            201);
  EXPECT_EQ(Post("/api/v1/system-events", {{"bot", "alpha"},
                                           {"component", "broker"},
                                           {"event_type", "startup"},
                                           {"details", {{"pid", 42}}}})
                .status,
            201);
  EXPECT_EQ(
      Post("/api/v1/errors", {{"component", "feed"}, {"message", "disconnected"}, {"code", "E1"}})
          .status,
      201);
  EXPECT_EQ(Send("PUT", "/api/v1/bots/alpha/configs/strategy/sma",
                 json{{"document", {{"fast", 10}, {"slow", 30.5}}}}.dump())
                .body["version"],
            1);
  EXPECT_EQ(Post("/api/v1/bots/alpha/status", {{"status", "paused"}}).body["status"], "paused");

  // Every list and read endpoint answers in the documented shape.
  for (const std::string& entity : KnownEntities()) {
    if (entity == "candles") continue;  // its own compact route
    const Reply r = Get("/api/v1/" + entity + "?include_test=true&include_system=true");
    EXPECT_EQ(r.status, 200) << entity << ": " << r.text;
  }
  EXPECT_EQ(Get("/api/v1/trades?bot=alpha").body["data"].size(), 1u);
  EXPECT_EQ(Get("/api/v1/overview").body["bots"][0]["trades"], 1);
  // The trade closed today (the fills took the server's time): today's
  // count and net P&L are that trade's, to the last digit.
  const json closed = Get("/api/v1/trades?bot=alpha").body["data"][0];
  const json alpha = Get("/api/v1/overview").body["bots"][0];
  EXPECT_EQ(alpha["today_trades"], 1) << alpha;
  EXPECT_EQ(alpha["today_net_pnl"], closed["net_pnl"]) << alpha << closed;
  EXPECT_NE(closed["net_pnl"], "0") << closed;
  EXPECT_EQ(Get("/api/v1/bots/alpha/equity").status, 200);
  EXPECT_EQ(Get("/api/v1/portfolio").status, 200);
  EXPECT_EQ(Get("/api/v1/status").status, 200);
  EXPECT_EQ(Get("/api/v1/check").status, 200);
  EXPECT_EQ(Get("/api/v1/entities").status, 200);

  // The report is the library's (and so the CLI's) JSON.
  const Reply report = Get("/api/v1/report?bot=alpha&periods_per_year=365");
  ASSERT_EQ(report.status, 200) << report.text;
  Store store = Store::Open(url_);
  StatisticsSelection sel;
  sel.bot = "alpha";
  StatisticsOptions so;
  so.periods_per_year = 365;
  EXPECT_EQ(report.body, json::parse(ReportJson(store, sel, so)));
  EXPECT_EQ(report.body["statistics"]["trades"]["trade_count"], 1);
}

// Many bots' fills at once (on SQLite recorded in groups, one unit of work
// for the fills waiting for the writer): each request gets its own answer,
// new (201), resent (200, duplicate), conflicting (409) or for an unknown
// order (404), whatever else was in its group; every acknowledged fill is
// stored once and the store passes check.
TEST_P(Api, ConcurrentFillsEachGetTheirOwnAnswer) {
  SeedBot();
  const std::int64_t buy = NewOrder("buy", "100");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 24;
  std::atomic<int> created{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_read_timeout(60, 0);
      c.set_bearer_token_auth(kToken);
      std::string last;  // the venue fill id of this thread's last new fill
      for (int k = 0; k < kPerThread; ++k) {
        json body = {{"order_id", buy},
                     {"venue", "kraken"},
                     {"quantity", "0.01"},
                     {"price", "20000"},
                     {"fee", "0.02"}};
        int want = 201;
        if (k % 6 == 5) {
          body["order_id"] = 999999;  // not an order of the store
          body["venue_fill_id"] = "T" + std::to_string(t) + "-missing-" + std::to_string(k);
          want = 404;
        } else if (!last.empty() && k % 4 == 3) {
          body["venue_fill_id"] = last;
          body["price"] = "20001";  // differs from the stored fill
          want = 409;
        } else if (!last.empty() && k % 4 == 2) {
          body["venue_fill_id"] = last;  // the same report again
          want = 200;
        } else {
          last = "T" + std::to_string(t) + "-" + std::to_string(k);
          body["venue_fill_id"] = last;
        }
        const auto res = c.Post("/api/v1/bots/alpha/fills", body.dump(), "application/json");
        ASSERT_TRUE(res) << httplib::to_string(res.error());
        EXPECT_EQ(res->status, want) << body.dump() << " -> " << res->body;
        const json reply = json::parse(res->body, nullptr, false);
        if (want == 201 || want == 200) {
          EXPECT_EQ(reply["fill"]["venue_fill_id"], body["venue_fill_id"]) << res->body;
          EXPECT_EQ(reply["duplicate"].get<bool>(), want == 200) << res->body;
          ++(want == 201 ? created : duplicates);
        } else if (want == 409) {
          EXPECT_NE(reply["message"].get<std::string>().find("price 20001 (stored 20000)"),
                    std::string::npos)
              << res->body;
        } else {
          EXPECT_EQ(reply["error"], "not_found") << res->body;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(Rows("fills"), created.load());
  const Reply positions = Get("/api/v1/positions?bot=alpha");
  ASSERT_EQ(positions.status, 200) << positions.text;
  ASSERT_EQ(positions.body["data"].size(), 1u) << positions.text;
  EXPECT_EQ(Decimal::Parse(positions.body["data"][0]["quantity"].get<std::string>()),
            Decimal::Parse("0.01") * Decimal::Parse(std::to_string(created.load())));
  EXPECT_TRUE(CheckStore(url_).ok());
  // What the metrics say of the groups (their sizes depend on timing).
  const auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  const auto value = [&](const std::string& name) {
    const std::size_t at = metrics->body.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(metrics->body.substr(at + name.size() + 2));
  };
  const double committed = value("tradestore_http_fills_committed_total");
  const double commits = value("tradestore_http_fill_commits_total");
  EXPECT_EQ(committed, created.load() + duplicates.load());
  EXPECT_GE(commits, 1);
  EXPECT_LE(commits, committed);
  std::cerr << GetParam() << ": " << committed << " fills in " << commits << " commits\n";
}

TEST_P(Api, CandlesCoverageGapsAndIndicators) {
  {
    Store store = Store::Open(url_);
    Instrument i;
    i.symbol = "ETHUSD";
    i.venue = "v";
    const Instrument inst = store.instruments().Upsert(i);
    std::vector<Candle> candles;
    for (int k = 0; k < 60; ++k) {
      if (k == 30 || k == 31) continue;  // a gap
      Candle c;
      c.open_time = Timestamp::FromCivil(2024, 1, 1) + k * kMicrosPerMinute;
      c.open = 100 + k;
      c.high = 101 + k;
      c.low = 99 + k;
      c.close = 100.5 + k;
      c.volume = 1.5;
      candles.push_back(c);
    }
    store.candles().Upsert(inst.id, Timeframe::k1m, candles);
    store.candles().RefreshCoverage(inst.id, Timeframe::k1m);
  }
  const Reply c = Get("/api/v1/candles?symbol=ETHUSD&timeframe=1m&limit=10");
  ASSERT_EQ(c.status, 200) << c.text;
  EXPECT_EQ(c.body["length"], 10);
  EXPECT_TRUE(c.body["truncated"].get<bool>());
  EXPECT_EQ(c.body["data"][0][0], "2024-01-01T00:00:00Z");
  EXPECT_EQ(c.body["data"][0][2], 100.0);
  EXPECT_EQ(
      Get("/api/v1/candles?symbol=ETHUSD&timeframe=1m&from=2024-01-01T00:50:00Z").body["length"],
      10);
  const Reply cov = Get("/api/v1/coverage?symbol=ETHUSD");
  EXPECT_EQ(cov.body["data"][0]["count"], 58);
  EXPECT_EQ(cov.body["data"][0]["missing"], 2);
  const Reply gaps = Get("/api/v1/gaps?symbol=ETHUSD&timeframe=1m");
  ASSERT_EQ(gaps.body["data"].size(), 1u);
  EXPECT_EQ(gaps.body["data"][0]["start"], "2024-01-01T00:30:00Z");
  const Reply sma = Get("/api/v1/indicators?symbol=ETHUSD&timeframe=1m&indicator=sma(5)");
  ASSERT_EQ(sma.status, 200) << sma.text;
  EXPECT_EQ(sma.body["indicator"], "sma(5)");
  EXPECT_FALSE(sma.body["data"].empty());
  // Unhappy paths, each naming the field.
  EXPECT_EQ(Get("/api/v1/candles?timeframe=1m").body["field"], "symbol");
  EXPECT_EQ(Get("/api/v1/candles?symbol=ETHUSD&timeframe=7q").body["field"], "timeframe");
  EXPECT_EQ(Get("/api/v1/candles?symbol=NOPE&timeframe=1m").status, 404);
  EXPECT_EQ(Get("/api/v1/indicators?symbol=ETHUSD&timeframe=1m&indicator=magic(3)").body["field"],
            "indicator");
  EXPECT_EQ(Get("/api/v1/candles?symbol=ETHUSD&timeframe=1m&from=yesterday").body["field"], "from");
}

TEST_P(Api, ListsPageWithCursors) {
  SeedBot();
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(Post("/api/v1/system-events",
                   {{"component", "c"}, {"event_type", "tick"}, {"message", std::to_string(i)}})
                  .status,
              201);
  }
  std::vector<std::int64_t> ids;
  std::string cursor;
  int pages = 0;
  do {
    const Reply r =
        Get("/api/v1/system-events?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200);
    for (const json& row : r.body["data"]) ids.push_back(row["id"]);
    cursor = r.body["next"].is_null() ? "" : r.body["next"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(ids.size(), 7u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());

  EXPECT_EQ(Get("/api/v1/system-events?limit=0").body["field"], "limit");
  EXPECT_EQ(Get("/api/v1/system-events?limit=1001").body["field"], "limit");
  EXPECT_EQ(Get("/api/v1/system-events?limit=ten").body["field"], "limit");
  EXPECT_EQ(Get("/api/v1/system-events?cursor=!!notacursor").body["field"], "cursor");
  EXPECT_EQ(Get("/api/v1/system-events?cursor=WyIxIiwiMiJd").body["field"], "cursor");
  EXPECT_EQ(Get("/api/v1/system-events?colour=red").body["field"], "colour");
  EXPECT_EQ(Get("/api/v1/system-events?limit=1&limit=2").body["field"], "limit");
  EXPECT_EQ(Get("/api/v1/trades?bot=nobody").status, 404);
  EXPECT_EQ(Get("/api/v1/instruments?bot=alpha").status, 400);
  // Not in the document (no such route): checked by hand.
  const auto unknown = client_->Get("/api/v1/no-such-entity");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(json::parse(unknown->body)["error"], "not_found");
}

// The filters of `show` on the lists (bot, symbol, strategy, from, to) and
// the report by bot, strategy and period, over HTTP: two bots with their own
// strategies, two instruments, round trips on three days.
TEST_P(Api, ListsAndTheReportFilterByBotSymbolStrategyAndPeriod) {
  SeedBot();  // alpha (strategy sma) and BTCUSDC
  ASSERT_EQ(Post("/api/v1/bots", {{"name", "beta"}, {"strategy", "rsi"}, {"mode", "paper"}}).status,
            201);
  ASSERT_EQ(Post("/api/v1/instruments", {{"symbol", "ETHUSDC"},
                                         {"venue", "kraken"},
                                         {"base_asset", "ETH"},
                                         {"quote_asset", "USDC"},
                                         {"price_precision", 2}})
                .status,
            200);
  ASSERT_EQ(Post("/api/v1/bots/beta/ledger",
                 {{"type", "deposit"}, {"currency", "USDC"}, {"amount", "10000"}})
                .status,
            201);
  int fill_number = 0;
  // A buy at 10:00 and a sell at 14:00 of `day`: one closed trade.
  const auto round_trip = [&](const std::string& bot, const std::string& symbol,
                              const std::string& day, const std::string& sell_price) {
    for (const auto& [side, price, time] :
         {std::tuple{"buy", "100", day + "T10:00:00Z"},
          std::tuple{"sell", sell_price.c_str(), day + "T14:00:00Z"}}) {
      const std::string orders = "/api/v1/bots/" + bot + "/orders";
      const Reply o = Post(orders, {{"symbol", symbol},
                                    {"venue", "kraken"},
                                    {"side", side},
                                    {"quantity", "1"},
                                    {"created_at", time}});
      ASSERT_EQ(o.status, 201) << o.text;
      const std::string id = std::to_string(o.body["id"].get<std::int64_t>());
      ASSERT_EQ(Post(orders + "/" + id + "/accept", {{"venue_order_id", "V" + id}, {"time", time}})
                    .status,
                200);
      const Reply f = Post("/api/v1/bots/" + bot + "/fills",
                           {{"order_id", o.body["id"]},
                            {"venue", "kraken"},
                            {"venue_fill_id", "F" + std::to_string(++fill_number)},
                            {"quantity", "1"},
                            {"price", price},
                            {"time", time}});
      ASSERT_EQ(f.status, 201) << f.text;
    }
  };
  round_trip("alpha", "BTCUSDC", "2024-03-01", "110");
  round_trip("alpha", "ETHUSDC", "2024-03-02", "90");
  round_trip("beta", "BTCUSDC", "2024-03-03", "120");

  const auto count = [&](const std::string& path) {
    const Reply r = Get(path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.text;
    return r.body["data"].size();
  };
  EXPECT_EQ(count("/api/v1/trades"), 3u);
  EXPECT_EQ(count("/api/v1/trades?bot=alpha"), 2u);
  EXPECT_EQ(count("/api/v1/trades?symbol=ETHUSDC"), 1u);
  EXPECT_EQ(count("/api/v1/trades?strategy=rsi"), 1u);
  EXPECT_EQ(count("/api/v1/trades?from=2024-03-02T00:00:00Z"), 2u);
  EXPECT_EQ(count("/api/v1/trades?from=2024-03-02T00:00:00Z&to=2024-03-03T00:00:00Z"), 1u);
  EXPECT_EQ(count("/api/v1/trades?bot=alpha&symbol=BTCUSDC&strategy=sma"), 1u);
  EXPECT_EQ(count("/api/v1/trades?bot=alpha&strategy=rsi"), 0u);
  EXPECT_EQ(count("/api/v1/fills?symbol=BTCUSDC"), 4u);
  EXPECT_EQ(count("/api/v1/fills?bot=beta&from=2024-03-03T12:00:00Z"), 1u);
  EXPECT_EQ(count("/api/v1/orders?strategy=sma&to=2024-03-02T00:00:00Z"), 2u);
  EXPECT_EQ(Get("/api/v1/trades?symbol=NOPE").status, 404);
  EXPECT_EQ(Get("/api/v1/trades?from=yesterday").body["field"], "from");

  // The report: one bot, one strategy over all bots, one period.
  const auto trades_in = [&](const std::string& query) {
    const Reply r = Get("/api/v1/report?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.text;
    return r.body["statistics"]["trades"]["trade_count"].get<int>();
  };
  EXPECT_EQ(trades_in("bot=alpha"), 2);
  EXPECT_EQ(trades_in("strategy=rsi"), 1);
  EXPECT_EQ(trades_in("strategy=sma"), 2);
  EXPECT_EQ(trades_in("bot=alpha&from=2024-03-02T00:00:00Z&to=2024-03-03T00:00:00Z"), 1);
  EXPECT_EQ(trades_in("all=true"), 3);
  const Reply net = Get("/api/v1/report?strategy=sma&from=2024-03-02T00:00:00Z");
  ASSERT_EQ(net.status, 200) << net.text;
  // The ETHUSDC round trip lost 10 (100 -> 90, no fee).
  EXPECT_DOUBLE_EQ(net.body["statistics"]["trades"]["net_profit"].get<double>(), -10.0);
}

// Malformed, unknown, mistyped, out-of-range and oversized input: a 4xx
// naming the field, and nothing written.
TEST_P(Api, BadInputIsRefusedAndChangesNothing) {
  SeedBot();
  const std::int64_t order = NewOrder("buy", "1");
  const std::string o = std::to_string(order);
  const std::int64_t fills = Rows("fills"), orders = Rows("orders"), accounts = Rows("accounts");
  struct Case {
    std::string body;
    int status;
    std::string field;  // "" = none expected
  };
  const std::vector<Case> fill_cases = {
      {"", 400, ""},
      {"{", 400, ""},
      {"[1,2]", 400, ""},
      {"null", 400, ""},
      {R"({"order_id":)" + o +
           R"(,"venue":"k","venue_fill_id":"x","quantity":"1","price":"1","colour":"red"})",
       400, "colour"},
      {R"({"order_id":)" + o + R"(,"venue":"k","venue_fill_id":"x","quantity":true,"price":"1"})",
       400, "quantity"},
      {R"({"order_id":)" + o + R"(,"venue":"k","venue_fill_id":"x","quantity":"1","price":"abc"})",
       400, "price"},
      {R"({"order_id":)" + o + R"(,"venue":"k","venue_fill_id":"x","quantity":"1","price":1e400})",
       400, "price"},
      {R"({"order_id":99999999999999999999999,"venue":"k","venue_fill_id":"x","quantity":"1","price":"1"})",
       400, "order_id"},
      {R"({"order_id":"7","venue":"k","venue_fill_id":"x","quantity":"1","price":"1"})", 400,
       "order_id"},
      {R"({"venue":"k","venue_fill_id":"x","quantity":"1","price":"1"})", 400, "order_id"},
      {R"({"order_id":)" + o +
           R"(,"venue":"k","venue_fill_id":"x","quantity":"1","price":"1","liquidity":"sideways"})",
       400, "liquidity"},
      {R"({"order_id":)" + o +
           R"(,"venue":"k","venue_fill_id":"x","quantity":"1","price":"1","time":"not a time"})",
       400, "time"},
      {R"({"order_id":)" + o + R"(,"venue":"k","venue_fill_id":"x","quantity":"-1","price":"1"})",
       400, "quantity"},
      {R"({"order_id":)" + o + R"(,"venue":"k","venue_fill_id":"x","quantity":"5","price":"1"})",
       409, ""},
      {R"({"order_id":)" + o +
           R"(,"venue":"k","venue_fill_id":"x","quantity":"1","price":"1","quantity":"2"})",
       400, ""},
      {R"({"order_id":424242,"venue":"k","venue_fill_id":"x","quantity":"1","price":"1"})", 404,
       ""},
  };
  for (const Case& c : fill_cases) {
    const Reply r = Send("POST", "/api/v1/bots/alpha/fills", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.text;
    if (!c.field.empty()) {
      EXPECT_EQ(r.body["field"], c.field) << c.body << " -> " << r.text;
    }
  }
  // An order that names a new account but fails validation creates no account.
  const Reply bad_order = Post("/api/v1/bots/alpha/orders", {{"symbol", "BTCUSDC"},
                                                             {"venue", "kraken"},
                                                             {"side", "buy"},
                                                             {"quantity", "1"},
                                                             {"account", "fresh"},
                                                             {"bogus", 1}});
  EXPECT_EQ(bad_order.status, 400);
  EXPECT_EQ(bad_order.body["field"], "bogus");
  EXPECT_EQ(Post("/api/v1/bots/alpha/orders",
                 {{"symbol", "BTCUSDC"}, {"venue", "kraken"}, {"side", "up"}, {"quantity", "1"}})
                .body["field"],
            "side");
  EXPECT_EQ(Post("/api/v1/bots/nobody/orders", {{"side", "buy"}, {"quantity", "1"}}).status, 404);
  EXPECT_EQ(Post("/api/v1/bots/alpha/signals",
                 {{"symbol", "BTCUSDC"},
                  {"venue", "kraken"},
                  {"side", "buy"},
                  {"components", {{{"name", "a"}, {"signal", "buy"}, {"extra", 1}}}}})
                .body["field"],
            "components[0].extra");
  // A body over the limit is 413 with the API's error body.
  const std::string huge =
      R"({"component":"c","event_type":"e","message":")" + std::string(2 << 20, 'x') + R"("})";
  const auto res = client_->Post("/api/v1/system-events", huge, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(json::parse(res->body)["error"], "invalid_argument");
  EXPECT_EQ(Rows("fills"), fills);
  EXPECT_EQ(Rows("orders"), orders);
  EXPECT_EQ(Rows("accounts"), accounts);
  EXPECT_EQ(Rows("system-events"), 0);
}

// A server of its own on `url`, with the test token.
std::unique_ptr<Server> StartOn(const std::string& url) {
  ServerOptions o;
  o.store_url = url;
  o.port = 0;
  o.token = kToken;
  o.threads = 2;
  auto server = std::make_unique<Server>(o);
  server->Start();
  return server;
}

// --read-replica: the server's GETs are routed reads (to the test replica,
// or to the primary where the replica has not replayed the server's last
// write within read_wait_ms: another test may pause its replay), and each
// write is read back at once through whichever pooled store serves the GET.
// A URL without a replica is refused at start, saying why.
TEST(ApiReplica, ReadsGoToTheReplicaAndSeeTheServersWrites) {
  const std::string url = testing::PgReplica::Get().CreateDatabase() + "&read_wait_ms=2000";
  ServerOptions o;
  o.store_url = url;
  o.port = 0;
  o.token = kToken;
  o.threads = 4;
  o.read_replica = true;
  Server server(o);
  server.Start();
  const sql::PgReadStats before = sql::PostgresReadStats(url);
  std::vector<std::thread> clients;
  std::atomic<int> seen{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server.port());
      c.set_bearer_token_auth(kToken);
      for (int i = 0; i < 5; ++i) {
        const std::string name = "bot-" + std::to_string(t) + "-" + std::to_string(i);
        const auto made = c.Post("/api/v1/bots", json{{"name", name}}.dump(), "application/json");
        if (!made || made->status != 201) continue;
        const auto got = c.Get("/api/v1/bots?bot=" + name);
        if (!got || got->status != 200) continue;
        const json page = json::parse(got->body);
        if (page["data"].size() == 1 && page["data"][0]["name"] == name) ++seen;
      }
    });
  }
  for (std::thread& c : clients) c.join();
  EXPECT_EQ(seen.load(), 20);
  const sql::PgReadStats after = sql::PostgresReadStats(url);
  EXPECT_GE(after.replica_reads + after.primary_reads - before.replica_reads - before.primary_reads,
            20);

  ServerOptions plain = o;
  plain.store_url = testing::PgServer::Get().CreateDatabase();
  try {
    Server refused(plain);
    ADD_FAILURE() << "--read-replica without read_host was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("read_host"), std::string::npos) << e.what();
  }
}

// A store that cannot take the write (another process holds SQLite's write
// lock past busy_timeout_ms and retry_ms): 503 "unavailable" with
// Retry-After, nothing written; once the lock is gone the same request
// succeeds.
TEST(ApiErrors, BusyStoreIs503WithRetryAfter) {
  const std::string dir = NewStoreUrl("sqlite").substr(7);
  const std::string url = "sqlite:" + dir + "?busy_timeout_ms=50&retry_ms=0";
  auto server = StartOn(url);
  httplib::Client c("127.0.0.1", server->port());
  c.set_bearer_token_auth(kToken);
  {
    Store other = Store::Open("sqlite:" + dir);
    UnitOfWork holding = other.BeginTrading();
    Bot b;
    b.name = "holder";
    other.bots().Create(b);  // the write lock is held until `holding` ends
    const auto res = c.Post("/api/v1/bots", R"({"name":"alpha"})", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 503) << res->body;
    EXPECT_EQ(res->get_header_value("Retry-After"), "1");
    EXPECT_EQ(json::parse(res->body)["error"], "unavailable") << res->body;
  }  // rolled back
  const auto again = c.Post("/api/v1/bots", R"({"name":"alpha"})", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 201) << again->body;
  Store check = Store::Open("sqlite:" + dir);
  EXPECT_EQ(check.bots().List().size(), 1u);
  server.reset();
  fs::remove_all(dir);
}

// A store broken behind the server's back (a table dropped): 500 with the
// error kind "internal" (the schema is not the one the library wrote) and
// the database's message, and the server goes on answering what does not
// need that table.
TEST(ApiErrors, BrokenStoreIs500WithTheDatabasesMessage) {
  const std::string url = NewStoreUrl("postgres");
  auto server = StartOn(url);
  httplib::Client c("127.0.0.1", server->port());
  c.set_bearer_token_auth(kToken);
  ASSERT_EQ(c.Get("/api/v1/signals")->status, 200);
  sql::OpenPostgres(url)->ExecuteScript("DROP TABLE trading.signals CASCADE");
  const auto res = c.Get("/api/v1/signals");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500) << res->body;
  const json body = json::parse(res->body);
  EXPECT_EQ(body["error"], "internal") << res->body;
  EXPECT_NE(body["message"].get<std::string>().find("relation \"trading.signals\" does not exist"),
            std::string::npos)
      << res->body;
  EXPECT_EQ(c.Get("/api/v1/bots")->status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, Api, ::testing::Values("sqlite", "postgres", "citus"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tradestore
