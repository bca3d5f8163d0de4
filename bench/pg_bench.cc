// PostgreSQL throughput of tradestore's two hot write paths, each beside the
// plainest way to do the same work, in the same run on the same server:
//
//   1. candle import: ImportCandles() of a CSV file into a fresh PostgreSQL
//      store (parsing, COPY into a staging table, INSERT ... ON CONFLICT into
//      market.candles, coverage), versus psql's `\copy market.candles_raw
//      FROM 'file' CSV` of the same candles into an identical table (same
//      columns, primary key and foreign key to market.instruments) in a
//      database of the same schema (the CSV written from the parsed candles
//      before the clock starts; psql's start-up and connection are inside
//      its time);
//   2. order lifecycles: one unit of work per lifecycle through the public
//      API (OrderRepository::Create, Transition to accepted, RecordFill),
//      versus a plain libpq loop running the same INSERT and UPDATE
//      statements (prepared once, text parameters) inside one
//      BEGIN..COMMIT per lifecycle.
//
// The server is a throwaway one started by the test harness (initdb into a
// temporary directory, unix socket, fsync off) unless --url names one.
// Prints "workload | tradestore | baseline | ratio"; rates are medians over
// the repetitions, the ratio the median of per-repetition ratios (each pair
// runs back to back, alternating which goes first). No targets are set.
// See docs/benchmarks.md.
//
// Usage: tradestore_pg_bench [--candles FILE] [--reps N] [--orders N]
//                            [--url postgresql://...] [--psql PATH]
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fill_plan.h"
#include "support/pg_harness.h"
#include "tradestore/candle_import.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace {

namespace fs = std::filesystem;
using tradestore::Timestamp;
using tradestore::bench::kFee;
using tradestore::bench::kQuantity;
using tradestore::bench::PlanRawFills;
using tradestore::bench::PriceOf;
using tradestore::bench::RawFillValues;
using tradestore::bench::TimeOf;

#ifndef TRADESTORE_BENCH_CANDLES
#define TRADESTORE_BENCH_CANDLES ""
#endif

struct Options {
  std::string candles = TRADESTORE_BENCH_CANDLES;
  std::string url;  // an existing server's admin database; "" = throwaway server
  std::string psql;
  int reps = 5;
  int orders = 2000;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string FindPsql() {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(e.path() / "bin" / "psql")) found.push_back(e.path() / "bin" / "psql");
  }
  if (found.empty()) return "psql";
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().parent_path().filename().string()) <
           std::stoi(b.parent_path().parent_path().filename().string());
  });
  return found.back().string();
}

// Fresh databases: on the throwaway server, or CREATE DATABASE on --url.
class Databases {
 public:
  explicit Databases(std::string admin_url) : admin_url_(std::move(admin_url)) {}
  std::string Create() {
    if (admin_url_.empty()) return tradestore::testing::PgServer::Get().CreateDatabase();
    const std::string name =
        "tradestore_bench_" + std::to_string(getpid()) + "_" + std::to_string(++next_);
    PGconn* c = PQconnectdb(admin_url_.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      const std::string m = PQerrorMessage(c);
      PQfinish(c);
      throw std::runtime_error("cannot connect to " + admin_url_ + ": " + m);
    }
    PQclear(PQexec(c, ("DROP DATABASE IF EXISTS " + name).c_str()));
    PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    PQfinish(c);
    if (!ok) throw std::runtime_error("CREATE DATABASE " + name + " failed");
    // Replace the database name of a postgresql://host/db?params URL.
    const std::string_view u = admin_url_;
    const auto slash = u.find('/', u.find("://") + 3);
    const auto query = u.find('?');
    return std::string(u.substr(0, slash)) + "/" + name +
           (query == std::string_view::npos ? "" : std::string(u.substr(query)));
  }

 private:
  std::string admin_url_;
  int next_ = 0;
};

// ---- libpq helpers ----------------------------------------------------------

PGconn* Connect(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    const std::string m = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot connect to " + url + ": " + m);
  }
  PQclear(PQexec(c, "SET TimeZone = 'UTC'"));
  return c;
}

PGresult* Check(PGconn* c, PGresult* r, std::string_view what) {
  const ExecStatusType s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    const std::string m = PQresultErrorMessage(r);
    PQclear(r);
    throw std::runtime_error(std::string(what) + ": " + m + PQerrorMessage(c));
  }
  return r;
}

void Exec(PGconn* c, const std::string& sql) { PQclear(Check(c, PQexec(c, sql.c_str()), sql)); }

std::int64_t QueryInt(PGconn* c, const std::string& sql) {
  PGresult* r = Check(c, PQexec(c, sql.c_str()), sql);
  const std::int64_t v = std::stoll(PQgetvalue(r, 0, 0));
  PQclear(r);
  return v;
}

// A statement prepared once; Run binds text parameters (nullptr = NULL).
class Prepared {
 public:
  Prepared(PGconn* c, std::string name, const std::string& sql) : c_(c), name_(std::move(name)) {
    PQclear(Check(c, PQprepare(c, name_.c_str(), sql.c_str(), 0, nullptr), sql));
  }
  // Returns the first column of the first row (RETURNING id), or 0.
  std::int64_t Run(std::initializer_list<const char*> params) {
    const std::vector<const char*> p(params);
    PGresult* r = Check(c_,
                        PQexecPrepared(c_, name_.c_str(), static_cast<int>(p.size()), p.data(),
                                       nullptr, nullptr, 0),
                        name_);
    std::int64_t v = 0;
    if (PQntuples(r) > 0) {
      const char* text = PQgetvalue(r, 0, 0);
      std::from_chars(text, text + PQgetlength(r, 0, 0), v);
    }
    PQclear(r);
    return v;
  }

 private:
  PGconn* c_;
  std::string name_;
};

// ---- 1. candle import -------------------------------------------------------

tradestore::CandleImportOptions ImportOptions() {
  tradestore::CandleImportOptions options;
  options.symbol = "BTCUSDC";
  options.venue = "binanceus";
  options.timeframe = tradestore::Timeframe::k1m;
  return options;
}

// The candles of `file`, parsed by tradestore (into a scratch in-memory
// store), written as the CSV psql's \copy reads into market.candles_raw.
std::int64_t WritePsqlCsv(const std::string& file, const std::string& csv) {
  auto store = tradestore::Store::Open("sqlite::memory:");
  const auto summary = tradestore::ImportCandles(store, file, ImportOptions());
  const auto candles = store.candles().Range(summary.instrument.id, tradestore::Timeframe::k1m);
  std::ofstream out(csv);
  char buf[64];
  auto number = [&](double v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.write(buf, r.ptr - buf);
  };
  for (const auto& c : candles) {
    out << "1,1m," << c.open_time.ToIso() << ',';
    number(c.open);
    out << ',';
    number(c.high);
    out << ',';
    number(c.low);
    out << ',';
    number(c.close);
    out << ',';
    number(c.volume);
    out << ',';
    if (c.trades >= 0) out << c.trades;  // empty: NULL
    out << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + csv);
  return static_cast<std::int64_t>(candles.size());
}

double OursImport(Databases& dbs, const std::string& file, std::int64_t* rows) {
  const std::string url = dbs.Create();
  auto store = tradestore::Store::Open(url);  // migrations before the clock
  const auto start = std::chrono::steady_clock::now();
  const auto summary = tradestore::ImportCandles(store, file, ImportOptions());
  const double s = Seconds(start);
  PGconn* c = Connect(url);
  *rows = QueryInt(c, "SELECT count(*) FROM market.candles");
  PQfinish(c);
  if (summary.rows_in_store != *rows) throw std::runtime_error("import summary disagrees");
  return s;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

double PsqlImport(Databases& dbs, const Options& opt, const std::string& csv, std::int64_t* rows) {
  const std::string url = dbs.Create();
  { auto store = tradestore::Store::Open(url); }  // the same schema and table definition
  PGconn* c = Connect(url);
  // market.candles' columns, defaults, checks, primary key and foreign key,
  // with the instrument it references.
  Exec(c,
       "CREATE TABLE market.candles_raw (LIKE market.candles INCLUDING ALL, FOREIGN KEY "
       "(instrument_id) REFERENCES market.instruments (id))");
  Exec(c,
       "INSERT INTO market.instruments (id, venue, symbol, base_asset, quote_asset, "
       "price_precision, size_precision, tick_size, lot_size, created_at) VALUES (1, "
       "'binanceus', 'BTCUSDC', 'BTC', 'USDC', 8, 8, 0, 0, now())");
  const std::string command = ShellQuote(opt.psql) + " -X -q -v ON_ERROR_STOP=1 -d " +
                              ShellQuote(url) + " -c " +
                              ShellQuote("\\copy market.candles_raw FROM '" + csv + "' CSV");
  const auto start = std::chrono::steady_clock::now();
  const int rc = std::system(command.c_str());
  const double s = Seconds(start);
  if (rc != 0) throw std::runtime_error("psql failed (" + std::to_string(rc) + "): " + command);
  *rows = QueryInt(c, "SELECT count(*) FROM market.candles_raw");
  PQfinish(c);
  return s;
}

// ---- 2. order lifecycles ----------------------------------------------------

struct Ids {
  std::int64_t bot = 0, account = 0, instrument = 0;
};

Ids Seed(tradestore::Store& store) {
  tradestore::Instrument in;
  in.venue = "paper";
  in.symbol = "BTCUSDC";
  in.base_asset = "BTC";
  in.quote_asset = "USDC";
  in = store.instruments().Upsert(in);
  tradestore::Bot bot_in;
  bot_in.name = "bench";
  const tradestore::Bot bot = store.bots().Create(bot_in);
  const tradestore::Account account = store.accounts().Create(bot.id, "main");
  return {bot.id, account.id, in.id};
}

struct LifecycleResult {
  double seconds = 0;
  std::int64_t trades = 0;
  std::string balance;
};

LifecycleResult Outcome(const std::string& url, const Ids& ids, double seconds) {
  auto store = tradestore::Store::Open(url);
  LifecycleResult r;
  r.seconds = seconds;
  r.trades = static_cast<std::int64_t>(store.trades().List({}).size());
  r.balance = store.accounts().BalanceOf(ids.bot, ids.account, "USDC").ToString();
  return r;
}

LifecycleResult OursLifecycles(Databases& dbs, int n) {
  const std::string url = dbs.Create();
  auto store = tradestore::Store::Open(url);
  const Ids ids = Seed(store);
  auto& orders = store.orders();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    const Timestamp t = TimeOf(i);
    tradestore::UnitOfWork uow = store.BeginTrading();
    tradestore::Order o;
    o.bot_id = ids.bot;
    o.account_id = ids.account;
    o.instrument_id = ids.instrument;
    o.client_order_id = "o-" + std::to_string(i);
    o.strategy = "bench";
    o.side = i % 2 == 0 ? tradestore::Side::kBuy : tradestore::Side::kSell;
    o.quantity = kQuantity;
    o.created_at = t;
    o = orders.Create(o);
    orders.Transition(ids.bot, o.id, tradestore::OrderStatus::kAccepted, t);
    tradestore::Fill f;
    f.bot_id = ids.bot;
    f.order_id = o.id;
    f.venue = "paper";
    f.venue_fill_id = "f-" + std::to_string(i);
    f.quantity = kQuantity;
    f.price = PriceOf(i);
    f.fee = kFee;
    f.time = t;
    orders.RecordFill(f);
    uow.Commit();
  }
  const double s = Seconds(start);
  return Outcome(url, ids, s);
}

LifecycleResult RawLifecycles(Databases& dbs, int n) {
  const std::vector<RawFillValues> plan = PlanRawFills(n);
  const std::string url = dbs.Create();
  Ids ids;
  {
    auto store = tradestore::Store::Open(url);
    ids = Seed(store);
  }
  std::vector<std::string> times(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) times[static_cast<std::size_t>(i)] = TimeOf(i).ToIso();
  PGconn* c = Connect(url);
  const std::string bot = std::to_string(ids.bot), account = std::to_string(ids.account),
                    instrument = std::to_string(ids.instrument);
  Prepared ins_order(
      c, "ins_order",
      "INSERT INTO trading.orders (bot_id, account_id, instrument_id, client_order_id, "
      "venue_order_id, signal_id, strategy, side, type, time_in_force, quantity, limit_price, "
      "stop_price, status, filled_quantity, average_fill_price, reason, exit_reason, mode, "
      "is_test, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
      "$12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id");
  Prepared ins_event(c, "ins_event",
                     "INSERT INTO trading.order_events (bot_id, order_id, time, from_status, "
                     "to_status, reason) VALUES ($1, $2, $3, $4, $5, $6)");
  Prepared upd_status(c, "upd_status",
                      "UPDATE trading.orders SET status = $1, updated_at = $2, reason = $3 "
                      "WHERE bot_id = $4 AND id = $5");
  Prepared ins_fill(c, "ins_fill",
                    "INSERT INTO trading.fills (bot_id, order_id, account_id, instrument_id, "
                    "venue, venue_fill_id, side, quantity, price, fee, fee_currency, liquidity, "
                    "time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                    "RETURNING id");
  Prepared upd_filled(c, "upd_filled",
                      "UPDATE trading.orders SET filled_quantity = $1, average_fill_price = $2, "
                      "status = $3, updated_at = $4 WHERE bot_id = $5 AND id = $6");
  Prepared ins_trade(
      c, "ins_trade",
      "INSERT INTO trading.trades (bot_id, account_id, instrument_id, strategy, side, "
      "entry_time, exit_time, entry_price, exit_price, quantity, gross_pnl, fees, net_pnl, mae, "
      "mfe, exit_reason, signal_id, mode, is_test) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
      "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id");
  Prepared upsert_position(
      c, "upsert_position",
      "INSERT INTO trading.positions (bot_id, account_id, instrument_id, quantity, "
      "average_entry_price, realized_pnl, fees, opened_at, updated_at, trade_max_quantity, "
      "trade_exit_quantity, trade_exit_notional, trade_gross_pnl, trade_fees, trade_high, "
      "trade_low, trade_signal_id, trade_strategy) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
      "$10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT (bot_id, account_id, "
      "instrument_id) DO UPDATE SET quantity = excluded.quantity, average_entry_price = "
      "excluded.average_entry_price, realized_pnl = excluded.realized_pnl, fees = excluded.fees, "
      "opened_at = excluded.opened_at, updated_at = excluded.updated_at, trade_max_quantity = "
      "excluded.trade_max_quantity, trade_exit_quantity = excluded.trade_exit_quantity, "
      "trade_exit_notional = excluded.trade_exit_notional, trade_gross_pnl = "
      "excluded.trade_gross_pnl, trade_fees = excluded.trade_fees, trade_high = "
      "excluded.trade_high, trade_low = excluded.trade_low, trade_signal_id = "
      "excluded.trade_signal_id, trade_strategy = excluded.trade_strategy");
  Prepared upsert_balance(
      c, "upsert_balance",
      "INSERT INTO trading.balances (bot_id, account_id, currency, amount, updated_at) VALUES "
      "($1, $2, $3, $4, $5) ON CONFLICT (bot_id, account_id, currency) DO UPDATE SET amount = "
      "excluded.amount, updated_at = excluded.updated_at");
  Prepared ins_ledger(c, "ins_ledger",
                      "INSERT INTO trading.ledger_entries (id, bot_id, account_id, time, type, "
                      "currency, amount, balance_after, order_id, fill_id, trade_id, "
                      "description, journal_id) SELECT n.m, $1, $2, $3, $4, $5, $6, $7, $8, $9, "
                      "$10, $11, n.m FROM (SELECT nextval(pg_get_serial_sequence("
                      "'trading.ledger_entries', 'id')) AS m) n");
  const std::string quantity = kQuantity.ToString();
  const std::string fee = kFee.ToString();
  const std::string neg_fee = (-kFee).ToString();

  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    const RawFillValues& v = plan[static_cast<std::size_t>(i)];
    const char* t = times[static_cast<std::size_t>(i)].c_str();
    const std::string opened = Timestamp(v.opened_at).ToIso();
    Exec(c, "BEGIN");
    const std::string order = std::to_string(ins_order.Run({bot.c_str(),
                                                            account.c_str(),
                                                            instrument.c_str(),
                                                            v.client_order_id.c_str(),
                                                            "",
                                                            nullptr,
                                                            "bench",
                                                            v.side.c_str(),
                                                            "market",
                                                            "gtc",
                                                            quantity.c_str(),
                                                            nullptr,
                                                            nullptr,
                                                            "new",
                                                            "0",
                                                            nullptr,
                                                            "",
                                                            "",
                                                            "paper",
                                                            "0",
                                                            t,
                                                            t}));
    ins_event.Run({bot.c_str(), order.c_str(), t, nullptr, "new", "created"});
    upd_status.Run({"accepted", t, "", bot.c_str(), order.c_str()});
    ins_event.Run({bot.c_str(), order.c_str(), t, "new", "accepted", ""});
    const std::string fill = std::to_string(
        ins_fill.Run({bot.c_str(), order.c_str(), account.c_str(), instrument.c_str(), "paper",
                      v.fill_id.c_str(), v.side.c_str(), quantity.c_str(), v.price.c_str(),
                      fee.c_str(), "USDC", "taker", t}));
    upd_filled.Run({quantity.c_str(), v.price.c_str(), "filled", t, bot.c_str(), order.c_str()});
    ins_event.Run(
        {bot.c_str(), order.c_str(), t, "accepted", "filled", v.fill_event_reason.c_str()});
    std::string trade;
    if (v.closes) {
      trade = std::to_string(
          ins_trade.Run({bot.c_str(), account.c_str(), instrument.c_str(), "bench", "buy",
                         opened.c_str(), t, v.entry_price.c_str(), v.price.c_str(),
                         quantity.c_str(), v.gross.c_str(), v.fees.c_str(), v.net.c_str(),
                         v.mae.c_str(), v.mfe.c_str(), "signal", nullptr, "paper", "0"}));
    }
    upsert_position.Run({bot.c_str(), account.c_str(), instrument.c_str(), v.pos_quantity.c_str(),
                         v.pos_avg.c_str(), v.pos_realized.c_str(), v.pos_fees.c_str(),
                         opened.c_str(), t, v.trade_max.c_str(), v.trade_exit_qty.c_str(),
                         v.trade_exit_notional.c_str(), v.trade_gross.c_str(), v.trade_fees.c_str(),
                         v.closes ? nullptr : v.trade_high.c_str(),
                         v.closes ? nullptr : v.trade_low.c_str(), nullptr, "bench"});
    upsert_balance.Run({bot.c_str(), account.c_str(), "USDC", v.fee_balance.c_str(), t});
    ins_ledger.Run({bot.c_str(), account.c_str(), t, "fee", "USDC", neg_fee.c_str(),
                    v.fee_balance.c_str(), order.c_str(), fill.c_str(), nullptr,
                    v.fee_description.c_str()});
    if (v.closes) {
      upsert_balance.Run({bot.c_str(), account.c_str(), "USDC", v.pnl_balance.c_str(), t});
      ins_ledger.Run({bot.c_str(), account.c_str(), t, "realized_pnl", "USDC", v.pnl.c_str(),
                      v.pnl_balance.c_str(), order.c_str(), fill.c_str(), trade.c_str(),
                      v.pnl_description.c_str()});
    }
    Exec(c, "COMMIT");
  }
  const double s = Seconds(start);
  PQfinish(c);
  return Outcome(url, ids, s);
}

// ---- the table ----------------------------------------------------------------

struct Row {
  std::string workload, unit, baseline;
  double ours = 0, base = 0, ratio = 0;
};

std::string Rate(double v, const std::string& unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f %s", v, unit.c_str());
  return buf;
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--candles FILE] [--reps N] [--orders N] [--url URL] [--psql PATH]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return Usage(argv[0]);
    const std::string value = argv[++i];
    try {
      if (a == "--candles") {
        opt.candles = value;
      } else if (a == "--reps") {
        opt.reps = std::stoi(value);
      } else if (a == "--orders") {
        opt.orders = std::stoi(value);
      } else if (a == "--url") {
        opt.url = value;
      } else if (a == "--psql") {
        opt.psql = value;
      } else {
        return Usage(argv[0]);
      }
    } catch (const std::exception&) {
      return Usage(argv[0]);
    }
  }
  if (opt.reps < 1 || opt.orders < 2) return Usage(argv[0]);
  if (opt.psql.empty()) opt.psql = FindPsql();
  int rc = 0;
  try {
    Databases dbs(opt.url);
    const std::string csv =
        (fs::temp_directory_path() / ("tradestore-pg-bench-" + std::to_string(getpid()) + ".csv"))
            .string();
    // Before any clock: the psql-ready CSV from the parsed candles.
    const std::int64_t candles = WritePsqlCsv(opt.candles, csv);
    {
      const std::string probe = dbs.Create();
      PGconn* c = Connect(probe);
      std::printf("tradestore_pg_bench: PostgreSQL %s, %s, %d repetitions (median)\n",
                  PQparameterStatus(c, "server_version"),
                  opt.url.empty() ? "throwaway server (fsync off)" : opt.url.c_str(), opt.reps);
      PQfinish(c);
    }
    std::printf("candles: %s (%lld rows; psql CSV %s written before timing)\n", opt.candles.c_str(),
                static_cast<long long>(candles), csv.c_str());
    std::vector<Row> rows;
    std::vector<double> ours, base, ratios;
    for (int r = 0; r < opt.reps; ++r) {
      std::int64_t ours_rows = 0, psql_rows = 0;
      double o = 0, p = 0;
      if (r % 2 == 0) {
        o = OursImport(dbs, opt.candles, &ours_rows);
        p = PsqlImport(dbs, opt, csv, &psql_rows);
      } else {
        p = PsqlImport(dbs, opt, csv, &psql_rows);
        o = OursImport(dbs, opt.candles, &ours_rows);
      }
      if (ours_rows != psql_rows || psql_rows != candles) {
        throw std::runtime_error("row counts differ: tradestore " + std::to_string(ours_rows) +
                                 ", psql " + std::to_string(psql_rows));
      }
      ours.push_back(static_cast<double>(ours_rows) / o);
      base.push_back(static_cast<double>(psql_rows) / p);
      ratios.push_back(p / o);
      std::printf("  import rep %d: tradestore %.1f ms, psql \\copy %.1f ms\n", r + 1, o * 1e3,
                  p * 1e3);
    }
    rows.push_back({"candle import (COPY)", "candles/s", "psql \\copy", Median(ours), Median(base),
                    Median(ratios)});
    fs::remove(csv);

    ours.clear();
    base.clear();
    ratios.clear();
    for (int r = 0; r < opt.reps; ++r) {
      LifecycleResult o, w;
      if (r % 2 == 0) {
        o = OursLifecycles(dbs, opt.orders);
        w = RawLifecycles(dbs, opt.orders);
      } else {
        w = RawLifecycles(dbs, opt.orders);
        o = OursLifecycles(dbs, opt.orders);
      }
      if (o.trades != w.trades || o.balance != w.balance) {
        throw std::runtime_error("lifecycles differ: tradestore " + std::to_string(o.trades) +
                                 " trades, balance " + o.balance + "; libpq " +
                                 std::to_string(w.trades) + " trades, balance " + w.balance);
      }
      ours.push_back(opt.orders / o.seconds);
      base.push_back(opt.orders / w.seconds);
      ratios.push_back(w.seconds / o.seconds);
      std::printf("  lifecycles rep %d (%d): tradestore %.1f ms, libpq %.1f ms\n", r + 1,
                  opt.orders, o.seconds * 1e3, w.seconds * 1e3);
    }
    rows.push_back({"order lifecycle (1 tx each)", "tx/s", "libpq loop", Median(ours), Median(base),
                    Median(ratios)});

    std::printf("\n%-30s | %-18s | %-18s | %-12s | %s\n", "workload", "tradestore", "baseline",
                "baseline is", "ratio");
    std::printf("%s\n", std::string(92, '-').c_str());
    for (const Row& row : rows) {
      std::printf("%-30s | %-18s | %-18s | %-12s | %5.2f\n", row.workload.c_str(),
                  Rate(row.ours, row.unit).c_str(), Rate(row.base, row.unit).c_str(),
                  row.baseline.c_str(), row.ratio);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tradestore_pg_bench: %s\n", e.what());
    rc = 2;
  }
  if (opt.url.empty()) tradestore::testing::PgServer::Get().Stop();
  return rc;
}
