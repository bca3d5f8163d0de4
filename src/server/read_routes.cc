// GET routes: health, ping, status, check, entity lists with cursor
// pagination, an order with its fills and events, overview, portfolio,
// report, equity, candles, coverage, gaps and indicators.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "server/api.h"
#include "tradestore/check.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/indicator_cache.h"
#include "tradestore/overview.h"
#include "tradestore/performance_report_input.h"
#include "tradestore/status.h"

#ifndef TRADESTORE_VERSION
#define TRADESTORE_VERSION "0.1.0"
#endif

namespace tradestore::server {
namespace {

using json = nlohmann::ordered_json;

json TimeOrNull(const std::optional<Timestamp>& t) { return t ? json(t->ToIso()) : json(nullptr); }
json MoneyOrNull(const std::optional<Decimal>& d) {
  return d ? json(d->ToString()) : json(nullptr);
}
json NumberOrNull(const std::optional<double>& d) {
  return d && std::isfinite(*d) ? json(*d) : json(nullptr);
}

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The filters of `tradestore show` from the query string.
ExportFilter ReadFilter(Query& q) {
  ExportFilter f;
  f.bot = q.Text("bot");
  f.symbol = q.Text("symbol");
  f.venue = q.Text("venue");
  f.timeframe = q.Text("timeframe");
  f.strategy = q.Text("strategy");
  f.from = q.Time("from");
  f.to = q.Time("to");
  f.include_test = q.Flag("include_test");
  f.include_system = q.Flag("include_system");
  return f;
}

std::int64_t ReadLimit(Query& q) { return q.Int("limit", 1, kMaxPageLimit).value_or(100); }

// An instrument by symbol (and venue when several venues list it).
Instrument ResolveInstrument(Store& store, const std::optional<std::string>& symbol,
                             const std::optional<std::string>& venue) {
  if (!symbol) BadField("symbol", "is required");
  std::vector<Instrument> matches;
  for (const Instrument& i : store.instruments().List()) {
    if (i.symbol == *symbol && (!venue || i.venue == *venue)) matches.push_back(i);
  }
  if (matches.empty()) {
    throw ApiError(404, "not_found",
                   fmt::format("no instrument with symbol '{}'{}", *symbol,
                               venue ? " on venue '" + *venue + "'" : ""),
                   "symbol");
  }
  if (matches.size() > 1) {
    std::vector<std::string> venues;
    for (const Instrument& i : matches) venues.push_back("'" + i.venue + "'");
    BadField("venue", fmt::format("symbol '{}' is listed on several venues ({}); name one", *symbol,
                                  fmt::join(venues, ", ")));
  }
  return matches.front();
}

Timeframe ReadTimeframe(Query& q) {
  const std::optional<std::string> text = q.Text("timeframe");
  if (!text) BadField("timeframe", "is required");
  const std::optional<Timeframe> tf = TryParseTimeframe(*text);
  if (!tf)
    BadField("timeframe", fmt::format("'{}' is not a timeframe (1m, 5m, 1h, 1d, ...)", *text));
  return *tf;
}

json OverviewJson(const BotOverview& o) {
  json j;
  j["bot_id"] = o.bot.id;
  j["bot"] = o.bot.name;
  j["strategy"] = o.bot.strategy;
  j["mode"] = ToString(o.bot.mode);
  j["status"] = ToString(o.bot.status);
  j["is_test"] = o.bot.is_test;
  j["currency"] = o.currency;
  j["equity"] = MoneyOrNull(o.equity);
  j["equity_time"] = TimeOrNull(o.equity_time);
  j["peak_equity"] = MoneyOrNull(o.peak_equity);
  j["drawdown"] = NumberOrNull(o.drawdown);
  j["realized_pnl"] = o.realized_pnl.ToString();
  j["fees"] = o.fees.ToString();
  j["net_realized_pnl"] = o.net_realized_pnl().ToString();
  j["today_net_pnl"] = o.today_net_pnl.ToString();
  j["today_trades"] = o.today_trades;
  j["trades"] = o.trades;
  j["fills"] = o.fills;
  j["open_positions"] = o.open_positions;
  json orders = json::object();
  for (const auto& [status, n] : o.orders_by_status) orders[status] = n;
  j["orders_by_status"] = std::move(orders);
  j["last_heartbeat_at"] = TimeOrNull(o.bot.last_heartbeat_at);
  j["runtime_state"] = o.bot.runtime_state;
  j["runtime_message"] = o.bot.runtime_message;
  j["health"] = o.health;
  return j;
}

void Ping(const httplib::Request& req, httplib::Response& res) {
  Query q(req);
  q.Finish();
  SendJson(res, Dump(json{{"pong", true}, {"time", Timestamp::Now().ToIso()}}));
}

}  // namespace

void AddReadRoutes(httplib::Server& http, ServerState& state) {
  http.Get("/api/v1/ping", Ping);

  // Health in the shape seed 000 describes: overall status, and per
  // database whether it is reachable, its schema version and last write.
  http.Get("/api/v1/health", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    q.Finish();
    const StoreStatus s = GetStatus(state.pool.url());
    json j;
    bool healthy = s.error.empty();
    json dbs = json::array();
    for (const DatabaseStatus& d : s.databases) {
      const bool ok = d.error.empty() && d.pending_migrations.empty();
      healthy = healthy && ok;
      json db;
      db["name"] = d.name;
      db["status"] = d.error.empty() ? (ok ? "ok" : "migrations_pending") : "unreachable";
      db["schema_version"] = d.schema_version;
      db["pending_migrations"] = d.pending_migrations;
      db["bytes"] = d.bytes;
      db["last_write"] = TimeOrNull(d.last_write);
      db["error"] = d.error.empty() ? json(nullptr) : json(d.error);
      dbs.push_back(std::move(db));
    }
    j["status"] = healthy ? "ok" : "unhealthy";
    j["time"] = Timestamp::Now().ToIso();
    j["version"] = TRADESTORE_VERSION;
    j["backend"] = s.backend;
    j["error"] = s.error.empty() ? json(nullptr) : json(s.error);
    j["databases"] = std::move(dbs);
    SendJson(res, Dump(j), healthy ? 200 : 503);
  });

  http.Get("/api/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, std::string(OpenApiDocument()));
  });

  http.Get("/api/v1/status", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    q.Finish();
    SendJson(res, StatusToJson(GetStatus(state.pool.url())));
  });

  http.Get("/api/v1/check", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    CheckOptions o;
    if (const std::optional<std::string> only = q.Text("only")) {
      std::string_view rest = *only;
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        o.only.emplace_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
    q.Finish();
    const CheckReport report = CheckStore(state.pool.url(), o);
    SendJson(res, CheckReportToJson(report));
  });

  http.Get("/api/v1/entities", [](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    q.Finish();
    SendJson(res, Dump(json{{"data", KnownEntities()}}));
  });

  http.Get("/api/v1/overview", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    OverviewOptions o;
    o.include_test = q.Flag("include_test");
    if (const auto s = q.Int("stale_after_seconds", 1, 366 * 86400))
      o.stale_after = *s * kMicrosPerSecond;
    const std::optional<std::string> bot = q.Text("bot");
    q.Finish();
    WithStore(state, [&](Store& store) {
      if (bot) o.bot = ResolveBot(store, *bot).id;
      json bots = json::array();
      for (const BotOverview& b : LoadOverview(store, o)) bots.push_back(OverviewJson(b));
      SendJson(res, Dump(json{{"time", o.now.ToIso()}, {"bots", std::move(bots)}}));
    });
  });

  http.Get("/api/v1/portfolio", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    const Timestamp at = q.Time("at").value_or(Timestamp::Now());
    const bool include_test = q.Flag("include_test");
    q.Finish();
    WithStore(state, [&](Store& store) {
      const PortfolioTotal t = store.portfolio().Total(at, include_test);
      json j;
      j["at"] = t.at.ToIso();
      j["snapshots"] = t.snapshots;
      j["equity"] = t.equity.ToString();
      j["cash"] = t.cash.ToString();
      j["unrealized_pnl"] = t.unrealized_pnl.ToString();
      j["exposure_gross"] = t.exposure_gross.ToString();
      j["exposure_net"] = t.exposure_net.ToString();
      j["open_positions"] = t.open_positions;
      json latest = json::array();
      for (const PortfolioSnapshot& p : store.portfolio().Latest(at, include_test)) {
        latest.push_back(json{{"bot_id", p.bot_id},
                              {"account_id", p.account_id},
                              {"time", p.time.ToIso()},
                              {"equity", p.equity.ToString()},
                              {"cash", p.cash.ToString()},
                              {"unrealized_pnl", p.unrealized_pnl.ToString()},
                              {"open_positions", p.open_positions}});
      }
      j["latest"] = std::move(latest);
      SendJson(res, Dump(j));
    });
  });

  // The same JSON as `tradestore report --json`.
  http.Get("/api/v1/report", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    StatisticsSelection s;
    s.bot = q.Text("bot").value_or("");
    s.strategy = q.Text("strategy").value_or("");
    s.all_bots = q.Flag("all");
    s.range.from = q.Time("from");
    s.range.to = q.Time("to");
    StatisticsOptions o;
    o.periods_per_year = q.Double("periods_per_year").value_or(kTradingDaysPerYear);
    o.rolling_trades = static_cast<std::size_t>(q.Int("rolling_trades", 0, 1'000'000).value_or(0));
    o.rolling_days = static_cast<std::size_t>(q.Int("rolling_days", 0, 100'000).value_or(0));
    q.Finish();
    WithStore(state, [&](Store& store) { SendJson(res, ReportJson(store, s, o, -1)); });
  });

  // A bot's equity curve (portfolio snapshots, all its accounts summed) and
  // its drawdown from the running peak (fraction).
  http.Get(R"(/api/v1/bots/([^/]+)/equity)",
           [&state](const httplib::Request& req, httplib::Response& res) {
             Query q(req);
             StatisticsSelection s;
             s.range.from = q.Time("from");
             s.range.to = q.Time("to");
             q.Finish();
             WithStore(state, [&](Store& store) {
               s.bot = ResolveBot(store, req.matches[1]).name;
               const StatisticsInput in = LoadStatisticsInput(store, s);
               json points = json::array();
               double peak = -INFINITY;
               for (const EquityPoint& p : in.equity) {
                 peak = std::max(peak, p.equity);
                 const double dd = peak > 0 ? (peak - p.equity) / peak : 0.0;
                 points.push_back(json::array({p.time.ToIso(), p.equity, dd}));
               }
               SendJson(res, Dump(json{{"bot", s.bot},
                                       {"columns", {"time", "equity", "drawdown"}},
                                       {"data", std::move(points)}}));
             });
           });

  // An order with its events and fills (the drill-down).
  http.Get(R"(/api/v1/bots/([^/]+)/orders/(\d+))",
           [&state](const httplib::Request& req, httplib::Response& res) {
             Query q(req);
             q.Finish();
             WithStore(state, [&](Store& store) {
               const Bot bot = ResolveBot(store, req.matches[1]);
               const std::int64_t id = std::stoll(req.matches[2]);
               const std::string order = EntityRow(store, "orders", bot.id, id);
               if (order == "null") {
                 throw ApiError(404, "not_found",
                                fmt::format("bot '{}' has no order {}", bot.name, id), "id");
               }
               // Each event and fill as its entity row (the same shape as the lists).
               std::string out = "{\"order\":" + order + ",\"events\":[";
               for (const OrderEvent& e : store.orders().Events(bot.id, id)) {
                 if (out.back() != '[') out += ',';
                 out += EntityRow(store, "order-events", bot.id, e.id);
               }
               out += "],\"fills\":[";
               for (const Fill& x : store.orders().Fills(bot.id, id)) {
                 if (out.back() != '[') out += ',';
                 out += EntityRow(store, "fills", bot.id, x.id);
               }
               out += ']';
               out += '}';
               SendJson(res, out);
             });
           });

  // Candles in the compact form of freqtrade's pair_candles: column names
  // and one array per candle; times as ISO-8601 and as epoch milliseconds.
  http.Get("/api/v1/candles", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    const std::optional<std::string> symbol = q.Text("symbol");
    const std::optional<std::string> venue = q.Text("venue");
    const Timeframe tf = ReadTimeframe(q);
    TimeRange range;
    range.from = q.Time("from");
    range.to = q.Time("to");
    const std::int64_t limit = q.Int("limit", 1, 100'000).value_or(10'000);
    q.Finish();
    WithStore(state, [&](Store& store) {
      const Instrument inst = ResolveInstrument(store, symbol, venue);
      json data = json::array();
      std::int64_t n = 0;
      bool more = false;
      store.candles().ForEach(inst.id, tf, range, [&](const Candle& c) {
        if (n == limit) {
          more = true;
          return false;
        }
        ++n;
        data.push_back(json::array({c.open_time.ToIso(), c.open_time.micros() / 1000, c.open,
                                    c.high, c.low, c.close, c.volume}));
        return true;
      });
      json j;
      j["symbol"] = inst.symbol;
      j["venue"] = inst.venue;
      j["instrument_id"] = inst.id;
      j["timeframe"] = ToString(tf);
      j["columns"] = {"date", "date_ms", "open", "high", "low", "close", "volume"};
      j["data"] = std::move(data);
      j["length"] = n;
      j["truncated"] = more;
      SendJson(res, Dump(j));
    });
  });

  http.Get("/api/v1/coverage", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    const std::optional<std::string> symbol = q.Text("symbol");
    const std::optional<std::string> venue = q.Text("venue");
    const std::optional<std::string> tf_text = q.Text("timeframe");
    q.Finish();
    std::optional<Timeframe> tf;
    if (tf_text) {
      tf = TryParseTimeframe(*tf_text);
      if (!tf) BadField("timeframe", fmt::format("'{}' is not a timeframe", *tf_text));
    }
    WithStore(state, [&](Store& store) {
      std::optional<InstrumentId> id;
      if (symbol) id = ResolveInstrument(store, symbol, venue).id;
      std::map<InstrumentId, Instrument> by_id;
      for (const Instrument& i : store.instruments().List()) by_id[i.id] = i;
      json rows = json::array();
      for (const CandleCoverage& c : store.candles().Coverage(id, tf)) {
        rows.push_back(json::parse(CoverageToJson(c, by_id[c.instrument_id])));
      }
      SendJson(res, Dump(json{{"data", std::move(rows)}}));
    });
  });

  http.Get("/api/v1/gaps", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    const std::optional<std::string> symbol = q.Text("symbol");
    const std::optional<std::string> venue = q.Text("venue");
    const Timeframe tf = ReadTimeframe(q);
    const std::int64_t limit = q.Int("limit", 1, 100'000).value_or(1000);
    q.Finish();
    WithStore(state, [&](Store& store) {
      const Instrument inst = ResolveInstrument(store, symbol, venue);
      json rows = json::array();
      for (const CandleGap& g : store.candles().Gaps(inst.id, tf, limit)) {
        rows.push_back(
            json{{"start", g.start.ToIso()}, {"end", g.end.ToIso()}, {"missing", g.missing}});
      }
      SendJson(res, Dump(json{{"symbol", inst.symbol},
                              {"venue", inst.venue},
                              {"timeframe", ToString(tf)},
                              {"data", std::move(rows)}}));
    });
  });

  // An indicator over a series: the cached values when the cache has them,
  // else computed from the candles (not cached by a GET).
  http.Get("/api/v1/indicators", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    const std::optional<std::string> symbol = q.Text("symbol");
    const std::optional<std::string> venue = q.Text("venue");
    const Timeframe tf = ReadTimeframe(q);
    const std::optional<std::string> name = q.Text("indicator");
    TimeRange range;
    range.from = q.Time("from");
    range.to = q.Time("to");
    q.Finish();
    if (!name) BadField("indicator", "is required (e.g. rsi(14), sma(20), macd(12,26,9))");
    IndicatorSpec spec;
    try {
      spec = ParseIndicator(*name);
    } catch (const Error& e) {
      BadField("indicator", e.what());
    }
    WithStore(state, [&](Store& store) {
      const Instrument inst = ResolveInstrument(store, symbol, venue);
      std::vector<IndicatorValue> values = CachedIndicator(store, inst.id, tf, spec.name, range);
      const bool cached = !values.empty();
      if (!cached) {
        values = ComputeIndicator(store, inst.id, tf, spec);
        std::erase_if(values, [&](const IndicatorValue& v) {
          return (range.from && v.open_time < *range.from) ||
                 (range.to && !(v.open_time < *range.to));
        });
      }
      json rows = json::array();
      for (const IndicatorValue& v : values) {
        rows.push_back(
            json::array({v.open_time.ToIso(), NumberOrNull(v.value), NumberOrNull(v.value2),
                         NumberOrNull(v.value3), NumberOrNull(v.value4),
                         v.label ? json(*v.label) : json(nullptr)}));
      }
      SendJson(res, Dump(json{{"symbol", inst.symbol},
                              {"venue", inst.venue},
                              {"timeframe", ToString(tf)},
                              {"indicator", spec.name},
                              {"cached", cached},
                              {"columns", {"time", "value", "value2", "value3", "value4", "label"}},
                              {"data", std::move(rows)}}));
    });
  });

  // Every entity of `tradestore show`, as pages of rows (the JSON Lines
  // rendering of export), with show's filters and cursor pagination.
  http.Get(R"(/api/v1/([a-z][a-z-]*))",
           [&state](const httplib::Request& req, httplib::Response& res) {
             const std::string entity = req.matches[1];
             const std::vector<std::string> known = KnownEntities();
             if (std::find(known.begin(), known.end(), entity) == known.end()) {
               throw ApiError(
                   404, "not_found",
                   fmt::format("no route GET {} (entities: {})", req.path, fmt::join(known, ", ")));
             }
             Query q(req);
             ExportFilter f = ReadFilter(q);
             const std::int64_t limit = ReadLimit(q);
             const std::string cursor = q.Text("cursor").value_or("");
             q.Finish();
             WithStore(state, [&](Store& store) {
               const EntityPage page = ReadEntityPage(store, entity, f, cursor, limit);
               SendJson(res, ListJson(page.rows, page.next));
             });
           });
}

}  // namespace tradestore::server
