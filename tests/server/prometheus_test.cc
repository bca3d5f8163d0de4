// /metrics against the real thing: the Debian Prometheus server
// (/usr/bin/prometheus) scrapes a `tradestore serve` started here on a store
// built with the CLI (a candle import and an SMA-cross backtest), every
// second, on loopback; the values read back through Prometheus' own query
// API must equal what the store says (the CLI's JSON and the server's
// overview). promtool lints the exposition, and every PromQL expression of
// the Grafana dashboard (docs/grafana/tradestore.json) must parse and return
// data from that Prometheus.
//
// Each test runs the whole setup in its own process (ctest runs them apart);
// a setup takes a few seconds. Nothing is skipped: a missing prometheus or
// promtool is a failure.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts argv[0] with stdin from /dev/null and stdout and stderr appended to
// `log`; returns the pid (-1 on failure, reported).
pid_t Spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << args[0] << ": " << std::strerror(rc);
    return -1;
  }
  return pid;
}

// Runs to completion; returns the exit code (-1 if it did not exit normally).
int RunToEnd(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = Spawn(args, log);
  if (pid < 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void Terminate(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid = -1;
}

// A loopback port that was free a moment ago (Prometheus needs its port on
// the command line).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

double ParseNumber(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

bool Near(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); }

class PrometheusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kPrometheus)) << kPrometheus << " missing: scripts/install-deps.sh";
    ASSERT_TRUE(fs::exists(kPromtool)) << kPromtool << " missing: scripts/install-deps.sh";
    std::string tmpl = (fs::temp_directory_path() / "tradestore-prometheus-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    store_url_ = "sqlite:" + (dir_ / "store").string();
    log_ = dir_ / "cli.log";

    const std::string source = TRADESTORE_SOURCE_DIR;
    ASSERT_EQ(
        Cli({"import", "candles", source + "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv",
             "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "1h", "--price-precision",
             "2", "--size-precision", "8"}),
        0)
        << ReadFile(log_);
    ASSERT_EQ(Cli({"backtest", "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "1h",
                   "--strategy", "sma-cross", "--fast", "10", "--slow", "30", "--cash", "10000",
                   "--bot", "demo"}),
              0)
        << ReadFile(log_);

    // The server on a port of its choosing (it prints it).
    const fs::path serve_log = dir_ / "serve.log";
    serve_pid_ = Spawn({TRADESTORE_CLI, "serve", "--store", store_url_, "--listen", "127.0.0.1:0",
                        "--threads", "4"},
                       serve_log);
    ASSERT_GT(serve_pid_, 0);
    const std::regex listening("http://127\\.0\\.0\\.1:([0-9]+)/");
    for (const auto deadline = Clock::now() + std::chrono::seconds(15);
         serve_port_ == 0 && Clock::now() < deadline;) {
      std::smatch m;
      const std::string text = ReadFile(serve_log);
      if (std::regex_search(text, m, listening)) serve_port_ = std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_NE(serve_port_, 0) << "tradestore serve did not start:\n" << ReadFile(serve_log);
    api_ = std::make_unique<httplib::Client>("127.0.0.1", serve_port_);
    // A heartbeat, so that the heartbeat gauge has a sample.
    const auto hb =
        api_->Post("/api/v1/bots/demo/heartbeat", R"({"state":"running"})", "application/json");
    ASSERT_TRUE(hb) << httplib::to_string(hb.error());
    ASSERT_EQ(hb->status, 200) << hb->body;

    // Prometheus: a 1 s scrape of that server, its own storage in dir_.
    prom_port_ = FreePort();
    ASSERT_NE(prom_port_, 0);
    const fs::path config = dir_ / "prometheus.yml";
    std::ofstream(config) << "global:\n"
                             "  scrape_interval: 1s\n"
                             "  scrape_timeout: 1s\n"
                             "  evaluation_interval: 1s\n"
                             "scrape_configs:\n"
                             "  - job_name: tradestore\n"
                             "    static_configs:\n"
                             "      - targets: ['127.0.0.1:"
                          << serve_port_ << "']\n";
    prom_log_ = dir_ / "prometheus.log";
    prom_pid_ =
        Spawn({kPrometheus, "--config.file=" + config.string(),
               "--storage.tsdb.path=" + (dir_ / "tsdb").string(),
               "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_), "--log.level=warn"},
              prom_log_);
    ASSERT_GT(prom_pid_, 0);
    prom_ = std::make_unique<httplib::Client>("127.0.0.1", prom_port_);
    prom_->set_connection_timeout(std::chrono::seconds(2));
    bool ready = false;
    for (const auto deadline = Clock::now() + std::chrono::seconds(20);
         !ready && Clock::now() < deadline;) {
      const auto r = prom_->Get("/-/ready");
      ready = r && r->status == 200;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(ready) << "prometheus did not become ready:\n" << ReadFile(prom_log_);
  }

  void TearDown() override {
    Terminate(prom_pid_);
    Terminate(serve_pid_);
    if (!HasFailure() && !dir_.empty()) fs::remove_all(dir_);
    if (HasFailure()) std::cerr << "kept " << dir_ << " for inspection\n";
  }

  int Cli(std::vector<std::string> args) {
    args.insert(args.begin(), TRADESTORE_CLI);
    args.push_back("--store");
    args.push_back(store_url_);
    return RunToEnd(args, log_);
  }

  // The CLI's stdout (its JSON), stderr to the log.
  std::string CliOutput(std::vector<std::string> args) {
    const fs::path out = dir_ / "cli.out";
    fs::remove(out);
    args.insert(args.begin(), TRADESTORE_CLI);
    args.push_back("--store");
    args.push_back(store_url_);
    EXPECT_EQ(RunToEnd(args, out), 0) << ReadFile(out);
    return ReadFile(out);
  }

  // GET on the tradestore server, parsed.
  json ApiGet(const std::string& path) {
    const auto r = api_->Get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
    return json::parse(r->body);
  }

  // An instant query through Prometheus' HTTP API: the whole answer.
  json Query(const std::string& promql) {
    const auto r = prom_->Get("/api/v1/query", httplib::Params{{"query", promql}}, {});
    if (!r) return json{{"status", "error"}, {"error", httplib::to_string(r.error())}};
    return json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  }

  // Polls `promql` until it has a result (the first scrapes take a moment);
  // returns the result vector (empty on timeout).
  json QueryUntilData(const std::string& promql, std::chrono::seconds timeout) {
    json answer;
    for (const auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      answer = Query(promql);
      if (answer.value("status", "") == "success" && !answer["data"]["result"].empty())
        return answer["data"]["result"];
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "no data for " << promql << ": " << answer.dump();
    return json::array();
  }

  // The one sample of an instant vector query.
  std::optional<double> Value(const std::string& promql) {
    const json result = QueryUntilData(promql, std::chrono::seconds(20));
    if (result.size() != 1) {
      ADD_FAILURE() << promql << ": expected one series, got " << result.dump();
      return std::nullopt;
    }
    return ParseNumber(result[0]["value"][1].get<std::string>());
  }

  fs::path dir_;
  fs::path log_;
  fs::path prom_log_;
  std::string store_url_;
  pid_t serve_pid_ = -1;
  pid_t prom_pid_ = -1;
  int serve_port_ = 0;
  int prom_port_ = 0;
  std::unique_ptr<httplib::Client> api_;
  std::unique_ptr<httplib::Client> prom_;
};

TEST_F(PrometheusTest, PromtoolAcceptsTheExposition) {
  const auto r = api_->Get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const fs::path metrics = dir_ / "metrics.txt";
  std::ofstream(metrics) << r->body;
  const fs::path lint = dir_ / "promtool.log";
  // promtool reads the exposition on stdin.
  const int rc = RunToEnd(
      {"/bin/sh", "-c", std::string(kPromtool) + " check metrics < '" + metrics.string() + "'"},
      lint);
  EXPECT_EQ(rc, 0) << ReadFile(lint);
  EXPECT_EQ(ReadFile(lint), "") << "promtool lint findings";

  // The naming rules: every family prefixed tradestore_, counters (and only
  // they) end in _total, only the labels bot and currency (le on buckets).
  const std::regex type_line("# TYPE ([a-z_:][a-z0-9_:]*) (counter|gauge|histogram)");
  const std::regex label("[{,]([a-z_]+)=");
  std::istringstream lines(r->body);
  int families = 0;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, type_line)) {
      ++families;
      const std::string name = m[1];
      EXPECT_EQ(name.rfind("tradestore_", 0), 0u) << name;
      const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
      EXPECT_EQ(total, m[2] == "counter") << name << " is a " << m[2];
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), label);
         it != std::sregex_iterator(); ++it) {
      const std::string l = (*it)[1];
      EXPECT_TRUE(l == "bot" || l == "currency" ||
                  (l == "le" && line.find("_bucket{") != std::string::npos))
          << line;
    }
  }
  EXPECT_GE(families, 15);
}

TEST_F(PrometheusTest, ScrapedValuesEqualTheStore) {
  // The target is up and scraped without error.
  ASSERT_TRUE(Value("up{job=\"tradestore\"}").has_value());
  EXPECT_EQ(*Value("up{job=\"tradestore\"}"), 1.0);
  const auto targets = prom_->Get("/api/v1/targets");
  ASSERT_TRUE(targets);
  const json active = json::parse(targets->body)["data"]["activeTargets"];
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0]["health"], "up");
  EXPECT_EQ(active[0]["lastError"], "");

  // The CLI's view.
  const json trades = json::parse(CliOutput({"show", "trades", "--bot", "demo", "--json"}));
  const json fills = json::parse(CliOutput({"show", "fills", "--bot", "demo", "--json"}));
  ASSERT_GT(trades.size(), 10u);
  ASSERT_GT(fills.size(), trades.size());
  // The server's overview.
  const json overview = ApiGet("/api/v1/overview");
  ASSERT_EQ(overview["bots"].size(), 1u);
  const json& bot = overview["bots"][0];
  ASSERT_EQ(bot["bot"], "demo");
  const std::string currency = bot["currency"];
  ASSERT_EQ(currency, "USDC");

  const std::string sel = "{bot=\"demo\"}";
  const std::string money_sel = "{bot=\"demo\",currency=\"" + currency + "\"}";
  EXPECT_EQ(Value("tradestore_bot_trades_total" + sel), static_cast<double>(trades.size()));
  EXPECT_EQ(Value("tradestore_bot_fills_total" + sel), static_cast<double>(fills.size()));
  EXPECT_EQ(Value("tradestore_bot_trades_total" + sel), bot["trades"].get<double>());
  EXPECT_EQ(Value("tradestore_bot_open_positions" + sel), bot["open_positions"].get<double>());
  // The backtest's orders are all filled.
  EXPECT_EQ(Value("tradestore_bot_orders_filled_total" + sel),
            bot["orders_by_status"]["filled"].get<double>());
  EXPECT_EQ(Value("tradestore_bot_orders_cancelled_total" + sel), 0.0);
  EXPECT_EQ(Value("tradestore_bot_orders_accepted" + sel), 0.0);
  EXPECT_EQ(Value("tradestore_bot_orders_partially_filled" + sel), 0.0);

  const std::optional<double> equity = Value("tradestore_bot_equity" + money_sel);
  ASSERT_TRUE(equity);
  EXPECT_TRUE(Near(*equity, ParseNumber(bot["equity"]))) << *equity << " vs " << bot["equity"];
  const std::optional<double> pnl = Value("tradestore_bot_realized_pnl" + money_sel);
  ASSERT_TRUE(pnl);
  EXPECT_TRUE(Near(*pnl, ParseNumber(bot["net_realized_pnl"])))
      << *pnl << " vs " << bot["net_realized_pnl"];
  const std::optional<double> today = Value("tradestore_bot_today_pnl" + money_sel);
  ASSERT_TRUE(today);
  EXPECT_TRUE(Near(*today, ParseNumber(bot["today_net_pnl"])));
  const std::optional<double> drawdown = Value("tradestore_bot_drawdown_ratio" + sel);
  ASSERT_TRUE(drawdown);
  EXPECT_TRUE(Near(*drawdown, bot["drawdown"].get<double>()));
  EXPECT_GT(*drawdown, 0.0);
  EXPECT_LT(*drawdown, 1.0);

  // The heartbeat posted in SetUp, to the microsecond.
  const json bots = json::parse(CliOutput({"show", "bots", "--json"}));
  ASSERT_EQ(bots.size(), 1u);
  const std::optional<double> heartbeat =
      Value("tradestore_bot_last_heartbeat_timestamp_seconds" + sel);
  ASSERT_TRUE(heartbeat);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LT(std::fabs(*heartbeat - now), 120.0) << *heartbeat;
  EXPECT_FALSE(bots[0]["last_heartbeat_at"].is_null());

  // Database size: the status route's files (with WAL) within a scrape's
  // drift; positive.
  const std::optional<double> size = Value("tradestore_database_size_bytes");
  ASSERT_TRUE(size);
  EXPECT_GT(*size, 100'000.0);

  // The request histogram counts requests (our own and the scrapes).
  // (a comparison in PromQL: no result until it holds).
  const std::optional<double> count = Value("tradestore_http_request_duration_seconds_count >= 3");
  ASSERT_TRUE(count);
  // The +Inf bucket is the count.
  const json differ = Query(
      "tradestore_http_request_duration_seconds_count != ignoring(le) "
      "tradestore_http_request_duration_seconds_bucket{le=\"+Inf\"}");
  EXPECT_EQ(differ.value("status", ""), "success") << differ.dump();
  EXPECT_TRUE(differ["data"]["result"].empty()) << differ.dump();
}

// Grafana's variables replaced by what Grafana would send for a short range.
std::string Instantiate(std::string expr) {
  const std::pair<const char*, const char*> vars[] = {
      {"$__rate_interval", "15s"}, {"$__interval", "5s"}, {"$__range", "1m"},
      {"${bot:regex}", ".*"},      {"${bot}", ".*"},      {"$bot", ".*"}};
  for (const auto& [from, to] : vars) {
    for (std::size_t at; (at = expr.find(from)) != std::string::npos;)
      expr.replace(at, std::strlen(from), to);
  }
  return expr;
}

TEST_F(PrometheusTest, GrafanaDashboardQueriesReturnData) {
  const fs::path file = fs::path(TRADESTORE_SOURCE_DIR) / "docs/grafana/tradestore.json";
  const json dashboard = json::parse(ReadFile(file), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(dashboard.is_discarded()) << file << " is not valid JSON";
  // An importable dashboard: the data source is an input, every panel uses it.
  ASSERT_TRUE(dashboard.contains("__inputs"));
  EXPECT_EQ(dashboard["__inputs"][0]["name"], "DS_PROMETHEUS");
  EXPECT_EQ(dashboard["__inputs"][0]["pluginId"], "prometheus");
  EXPECT_GE(dashboard.value("schemaVersion", 0), 36);
  EXPECT_FALSE(dashboard.value("title", "").empty());
  EXPECT_FALSE(dashboard.value("uid", "").empty());

  // Load for the rates and the latency histogram: a few requests between
  // scrapes (the scrapes themselves are requests too).
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(api_->Get("/api/v1/overview"));
    api_->Post("/api/v1/bots/demo/heartbeat", "{}", "application/json");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::vector<std::string> exprs;
  std::set<int> ids;
  for (const json& panel : dashboard["panels"]) {
    if (panel.value("type", "") == "row") continue;
    EXPECT_TRUE(ids.insert(panel.value("id", 0)).second) << "duplicate panel id " << panel["id"];
    EXPECT_EQ(panel["datasource"]["uid"], "${DS_PROMETHEUS}") << panel["title"];
    ASSERT_TRUE(panel.contains("targets")) << panel["title"];
    for (const json& target : panel["targets"]) {
      EXPECT_EQ(target["datasource"]["uid"], "${DS_PROMETHEUS}") << panel["title"];
      exprs.push_back(target["expr"]);
    }
  }
  for (const json& var : dashboard["templating"]["list"]) {
    if (var.value("type", "") != "query") continue;
    // label_values(metric, label) is Grafana's, not PromQL: query the metric.
    std::smatch m;
    const std::string q = var["query"].is_object() ? var["query"].value("query", "")
                                                   : var["query"].get<std::string>();
    static const std::regex label_values(R"(label_values\(([^,]+),\s*([a-z_]+)\))");
    ASSERT_TRUE(std::regex_match(q, m, label_values)) << q;
    exprs.push_back(m[1]);
  }
  ASSERT_GE(exprs.size(), 10u);
  for (const std::string& expr : exprs) {
    SCOPED_TRACE(expr);
    const std::string promql = Instantiate(expr);
    // Parses (status success) and has data once enough scrapes are in.
    EXPECT_FALSE(QueryUntilData(promql, std::chrono::seconds(20)).empty()) << promql;
  }
}

}  // namespace
