// PostgreSQL throughput of tradestore's hot write paths and its candle reads,
// each beside the plainest way to do the same work, in the same run on the
// same server:
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
//      BEGIN..COMMIT per lifecycle, and the same loop in libpq's pipeline
//      mode;
//   3. range reads of 1,000 candles: CandleRepository::Range on a store
//      holding the file's candles as rows, versus a libpq loop running the
//      store's statement for those rows, text results parsed into Candles,
//      and the same loop with binary results (tradestore asks for binary
//      results; this row has no target).
//
// The server is a throwaway one started by the test harness (initdb into a
// temporary directory, unix socket, fsync off) unless --url names one.
// Prints "workload | tradestore | baseline | ratio"; rates are medians over
// the repetitions, the ratio the median of per-repetition ratios (each pair
// runs back to back, alternating which goes first). No targets are set.
// See docs/benchmarks.md.
//
// Usage: tradestore_pg_bench [--candles FILE] [--reps N] [--orders N]
//                            [--range-reads N] [--url postgresql://...]
//                            [--psql PATH]
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
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
#include "raw_fill_loop.h"
#include "result_line.h"
#include "sql/postgres/pg_connection.h"
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
  int range_reads = 500;
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

// ---- 3. candle range reads -------------------------------------------------

constexpr int kRangeCandles = 1000;

// The start of read k: spread over the series (a 1m series from `first`
// holding `count` candles), the same for both sides.
Timestamp RangeStart(Timestamp first, std::int64_t count, int k) {
  const std::int64_t slots = count - kRangeCandles;
  return Timestamp(first.micros() + (std::int64_t{k} * 7919 % slots) * 60'000'000);
}

// "YYYY-MM-DD HH:MM:SS[.ffffff]+00" (timestamptz as text, TimeZone UTC) in
// microseconds.
std::int64_t ParseUtcText(std::string_view t) {
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    std::from_chars(t.data() + at, t.data() + at + n, v);
    return v;
  };
  const std::chrono::sys_days day = std::chrono::year(num(0, 4)) /
                                    std::chrono::month(static_cast<unsigned>(num(5, 2))) /
                                    std::chrono::day(static_cast<unsigned>(num(8, 2)));
  std::int64_t micros =
      std::int64_t{day.time_since_epoch().count()} * 86'400'000'000 +
      (std::int64_t{num(11, 2)} * 3600 + num(14, 2) * 60 + num(17, 2)) * 1'000'000;
  if (t.size() > 19 && t[19] == '.') {
    std::size_t end = 20;
    std::int64_t fraction = 0;
    int digits = 0;
    for (; end < t.size() && t[end] >= '0' && t[end] <= '9'; ++end, ++digits) {
      fraction = fraction * 10 + (t[end] - '0');
    }
    for (; digits < 6; ++digits) fraction *= 10;
    micros += fraction;
  }
  return micros;
}

struct RangeTimes {
  double ours = 0, raw = 0;  // seconds for all the reads
  double raw_binary = 0;     // the loop with binary results
};

// A big-endian value of a binary result.
template <typename T>
T BigEndianAt(const PGresult* r, int row, int col) {
  T v = 0;
  const char* p = PQgetvalue(r, row, col);
  for (int i = 0; i < PQgetlength(r, row, col); ++i) {
    v = static_cast<T>(v << 8 | static_cast<unsigned char>(p[i]));
  }
  return v;
}

// `reads` range reads of 1,000 candles from a store holding the file's
// candles as rows: CandleRepository::Range, then the same reads by a raw
// libpq loop: tradestore's statement for the rows (the same columns,
// filter and order), prepared once, text results parsed into Candles; then
// the loop again with binary results (as tradestore asks for), decoded
// into Candles. All must return the same candles.
RangeTimes RangeReads(const std::string& url, tradestore::InstrumentId instrument, Timestamp first,
                      std::int64_t count, int reads, bool ours_first) {
  RangeTimes t;
  std::vector<tradestore::Candle> ours_last, raw_last;
  auto ours = [&] {
    auto store = tradestore::Store::Open(url);
    auto& candles = store.candles();
    (void)candles.Range(instrument, tradestore::Timeframe::k1m,
                        {RangeStart(first, count, 0), std::nullopt});  // warm: prepared
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < reads; ++k) {
      const Timestamp from = RangeStart(first, count, k);
      ours_last = candles.Range(
          instrument, tradestore::Timeframe::k1m,
          {from, Timestamp(from.micros() + std::int64_t{kRangeCandles} * 60'000'000)});
      if (ours_last.size() != static_cast<std::size_t>(kRangeCandles)) {
        throw std::runtime_error("tradestore read " + std::to_string(ours_last.size()) +
                                 " candles");
      }
    }
    t.ours = Seconds(start);
  };
  std::vector<tradestore::Candle> binary_last;
  auto raw = [&](bool binary) {
    PGconn* c = Connect(url);
    PQclear(Check(c,
                  PQprepare(c, "range",
                            "SELECT open_time, open, high, low, close, volume, trades FROM "
                            "market.candles WHERE instrument_id = $1 AND timeframe = $2 AND "
                            "open_time >= $3 AND open_time < $4 ORDER BY open_time",
                            0, nullptr),
                  "prepare range"));
    const std::string id = std::to_string(instrument);
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < reads; ++k) {
      const Timestamp from = RangeStart(first, count, k);
      const std::string lo = from.ToIso();
      const std::string hi =
          Timestamp(from.micros() + std::int64_t{kRangeCandles} * 60'000'000).ToIso();
      const char* params[] = {id.c_str(), "1m", lo.c_str(), hi.c_str()};
      PGresult* r = Check(
          c, PQexecPrepared(c, "range", 4, params, nullptr, nullptr, binary ? 1 : 0), "range read");
      const int n = PQntuples(r);
      std::vector<tradestore::Candle>& out = binary ? binary_last : raw_last;
      out.clear();
      out.reserve(static_cast<std::size_t>(n));
      for (int row = 0; row < n && binary; ++row) {
        // timestamptz: µs since 2000-01-01; float8: IEEE bits; int8.
        tradestore::Candle candle;
        candle.open_time = Timestamp(
            static_cast<std::int64_t>(BigEndianAt<std::uint64_t>(r, row, 0)) + 946'684'800'000'000);
        double* fields[] = {&candle.open, &candle.high, &candle.low, &candle.close, &candle.volume};
        for (int col = 1; col <= 5; ++col) {
          *fields[col - 1] = std::bit_cast<double>(BigEndianAt<std::uint64_t>(r, row, col));
        }
        if (!PQgetisnull(r, row, 6)) {
          candle.trades = static_cast<std::int64_t>(BigEndianAt<std::uint64_t>(r, row, 6));
        }
        out.push_back(candle);
      }
      for (int row = 0; row < n && !binary; ++row) {
        tradestore::Candle candle;
        candle.open_time = Timestamp(ParseUtcText(PQgetvalue(r, row, 0)));
        double* fields[] = {&candle.open, &candle.high, &candle.low, &candle.close, &candle.volume};
        for (int col = 1; col <= 5; ++col) {
          const char* v = PQgetvalue(r, row, col);
          std::from_chars(v, v + PQgetlength(r, row, col), *fields[col - 1]);
        }
        if (!PQgetisnull(r, row, 6)) {
          const char* v = PQgetvalue(r, row, 6);
          std::from_chars(v, v + PQgetlength(r, row, 6), candle.trades);
        }
        out.push_back(candle);
      }
      PQclear(r);
    }
    (binary ? t.raw_binary : t.raw) = Seconds(start);
    PQfinish(c);
  };
  if (ours_first) {
    ours();
    raw(false);
    raw(true);
  } else {
    raw(true);
    raw(false);
    ours();
  }
  const auto same = [](const tradestore::Candle& a, const tradestore::Candle& b) {
    return a.open_time == b.open_time && a.open == b.open && a.high == b.high && a.low == b.low &&
           a.close == b.close && a.volume == b.volume && a.trades == b.trades;
  };
  if (!std::equal(ours_last.begin(), ours_last.end(), raw_last.begin(), raw_last.end(), same) ||
      !std::equal(ours_last.begin(), ours_last.end(), binary_last.begin(), binary_last.end(),
                  same)) {
    throw std::runtime_error("the range reads differ between tradestore and libpq");
  }
  return t;
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

// The raw loops' driver (raw_fill_loop.h) over libpq: each statement
// prepared once (PQprepare, server-inferred types, text parameters). Run
// one at a time, every statement waits for its result (PQexecPrepared); in
// pipeline mode (libpq 14+) statements are only sent, and the loop waits
// (PQpipelineSync) where it needs a result: an inserted row's id, and
// COMMIT.
class PgRaw {
 public:
  struct Statement {
    std::string name;
    std::vector<std::string> values;
    std::vector<char> is_null;
  };
  using Stmt = Statement*;

  PgRaw(PGconn* c, bool pipeline) : c_(c), pipeline_(pipeline) {}
  ~PgRaw() {
    if (PQpipelineStatus(c_) != PQ_PIPELINE_OFF) PQexitPipelineMode(c_);
  }
  PgRaw(const PgRaw&) = delete;
  PgRaw& operator=(const PgRaw&) = delete;

  Stmt Prepare(const std::string& sql) {
    const tradestore::sql::NumberedSql numbered = tradestore::sql::NumberPlaceholders(sql);
    auto st = std::make_unique<Statement>();
    st->name = "raw" + std::to_string(statements_.size());
    st->values.resize(static_cast<std::size_t>(numbered.parameters));
    st->is_null.assign(static_cast<std::size_t>(numbered.parameters), 1);
    PQclear(Check(c_, PQprepare(c_, st->name.c_str(), numbered.text.c_str(), 0, nullptr),
                  numbered.text));
    statements_.push_back(std::move(st));
    return statements_.back().get();
  }
  void Int(Stmt st, int i, std::int64_t v) { Set(st, i, std::to_string(v)); }
  void Text(Stmt st, int i, std::string_view v) { Set(st, i, std::string(v)); }
  void Null(Stmt st, int i) { st->is_null[static_cast<std::size_t>(i - 1)] = 1; }
  void Double(Stmt st, int i, double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    Set(st, i, std::string(buf, r.ptr));
  }
  void Time(Stmt st, int i, std::int64_t micros) { Set(st, i, Timestamp(micros).ToIso()); }

  void Run(Stmt st) {
    if (pipeline_) {
      Send(st);
    } else {
      PQclear(ExecPrepared(st));
    }
  }
  std::int64_t RunForId(Stmt st) {
    PGresult* r = nullptr;
    if (pipeline_) {
      Send(st);
      r = Sync();
    } else {
      r = ExecPrepared(st);
    }
    std::int64_t id = 0;
    if (PQntuples(r) > 0) {
      const char* text = PQgetvalue(r, 0, 0);
      std::from_chars(text, text + PQgetlength(r, 0, 0), id);
    }
    PQclear(r);
    if (id == 0) throw std::runtime_error(st->name + " returned no id");
    return id;
  }
  void Begin() { Simple("BEGIN"); }
  void Commit() {
    Simple("COMMIT");
    if (pipeline_) PQclear(Sync());
  }

 private:
  void Set(Stmt st, int i, std::string v) {
    st->values[static_cast<std::size_t>(i - 1)] = std::move(v);
    st->is_null[static_cast<std::size_t>(i - 1)] = 0;
  }
  std::vector<const char*> Params(const Statement& st) const {
    std::vector<const char*> p(st.values.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
      p[i] = st.is_null[i] != 0 ? nullptr : st.values[i].c_str();
    }
    return p;
  }
  PGresult* ExecPrepared(Stmt st) {
    const std::vector<const char*> p = Params(*st);
    return Check(c_,
                 PQexecPrepared(c_, st->name.c_str(), static_cast<int>(p.size()),
                                p.empty() ? nullptr : p.data(), nullptr, nullptr, 0),
                 st->name);
  }
  // Pipeline mode: queues `st` (libpq copies the parameters now).
  void Send(Stmt st) {
    EnterPipeline();
    const std::vector<const char*> p = Params(*st);
    if (PQsendQueryPrepared(c_, st->name.c_str(), static_cast<int>(p.size()),
                            p.empty() ? nullptr : p.data(), nullptr, nullptr, 0) != 1) {
      throw std::runtime_error(st->name + ": " + PQerrorMessage(c_));
    }
    ++pending_;
  }
  void Simple(const char* sql) {
    if (!pipeline_) {
      Exec(c_, sql);
      return;
    }
    EnterPipeline();
    if (PQsendQueryParams(c_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
      throw std::runtime_error(std::string(sql) + ": " + PQerrorMessage(c_));
    }
    ++pending_;
  }
  void EnterPipeline() {
    if (PQpipelineStatus(c_) == PQ_PIPELINE_OFF && PQenterPipelineMode(c_) != 1) {
      throw std::runtime_error(std::string("pipeline mode: ") + PQerrorMessage(c_));
    }
  }
  // Ends the queued batch with a sync point and reads every result; returns
  // the last statement's (the caller clears it), throws on any error.
  PGresult* Sync() {
    if (PQpipelineSync(c_) != 1) throw std::runtime_error(PQerrorMessage(c_));
    PGresult* last = nullptr;
    std::string error;
    for (; pending_ > 0; --pending_) {
      while (PGresult* r = PQgetResult(c_)) {
        const ExecStatusType s = PQresultStatus(r);
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && error.empty()) {
          error = s == PGRES_PIPELINE_ABORTED ? "pipeline aborted" : PQresultErrorMessage(r);
        }
        PQclear(last);
        last = r;
      }
    }
    PGresult* sync = PQgetResult(c_);
    const bool synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!error.empty() || !synced) {
      PQclear(last);
      throw std::runtime_error("pipeline: " + (error.empty() ? "no sync result" : error));
    }
    return last;
  }

  PGconn* c_;
  bool pipeline_;
  int pending_ = 0;
  std::vector<std::unique_ptr<Statement>> statements_;
};

LifecycleResult RawLifecycles(Databases& dbs, int n, bool pipeline) {
  const std::vector<RawFillValues> plan = PlanRawFills(n);
  const std::string url = dbs.Create();
  Ids ids;
  {
    auto store = tradestore::Store::Open(url);
    ids = Seed(store);
  }
  if (ids.bot != 1 || ids.account != 1 || ids.instrument != 1) {
    throw std::runtime_error("the raw loop expects bot, account and instrument 1");
  }
  PGconn* c = Connect(url);
  // The system accounts the journals balance against (2 and 3), which
  // tradestore creates at its first fill.
  Exec(c,
       "INSERT INTO trading.accounts (bot_id, name, created_at, kind) VALUES (1, 'system:fees', "
       "now(), 'system'), (1, 'system:pnl', now(), 'system')");
  std::chrono::steady_clock::time_point start;
  {
    PgRaw raw(c, pipeline);
    tradestore::bench::RunRawFills(raw, tradestore::sql::Dialect::kPostgres, plan,
                                   [&] { start = std::chrono::steady_clock::now(); });
  }
  const double s = Seconds(start);
  PQfinish(c);
  return Outcome(url, ids, s);
}

// ---- the table ----------------------------------------------------------------

// `target`: the least ratio issue 12 asks for; 0 for none.
struct Row {
  std::string workload, unit, baseline;
  double ours = 0, base = 0, ratio = 0;
  double target = 0;
};

std::string Rate(double v, const std::string& unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f %s", v, unit.c_str());
  return buf;
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--candles FILE] [--reps N] [--orders N] [--range-reads N] [--url URL] "
               "[--psql PATH]\n",
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
      } else if (a == "--range-reads") {
        opt.range_reads = std::stoi(value);
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
  if (opt.reps < 1 || opt.orders < 2 || opt.range_reads < 1) return Usage(argv[0]);
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
                    Median(ratios), 1.0});
    fs::remove(csv);

    // Three sides per repetition (tradestore, the libpq loop one statement
    // at a time, the same loop pipelined), rotating which goes first.
    std::vector<double> ours_tx, loop_tx, pipe_tx, loop_ratios, pipe_ratios;
    for (int r = 0; r < opt.reps; ++r) {
      LifecycleResult o, w, p;
      for (int k = 0; k < 3; ++k) {
        switch ((r + k) % 3) {
          case 0:
            o = OursLifecycles(dbs, opt.orders);
            break;
          case 1:
            w = RawLifecycles(dbs, opt.orders, /*pipeline=*/false);
            break;
          default:
            p = RawLifecycles(dbs, opt.orders, /*pipeline=*/true);
            break;
        }
      }
      for (const LifecycleResult* raw : {&w, &p}) {
        if (o.trades != raw->trades || o.balance != raw->balance) {
          throw std::runtime_error("lifecycles differ: tradestore " + std::to_string(o.trades) +
                                   " trades, balance " + o.balance + "; libpq " +
                                   std::to_string(raw->trades) + " trades, balance " +
                                   raw->balance);
        }
      }
      ours_tx.push_back(opt.orders / o.seconds);
      loop_tx.push_back(opt.orders / w.seconds);
      pipe_tx.push_back(opt.orders / p.seconds);
      loop_ratios.push_back(w.seconds / o.seconds);
      pipe_ratios.push_back(p.seconds / o.seconds);
      std::printf(
          "  lifecycles rep %d (%d): tradestore %.1f ms, libpq loop %.1f ms, libpq pipeline "
          "%.1f ms\n",
          r + 1, opt.orders, o.seconds * 1e3, w.seconds * 1e3, p.seconds * 1e3);
    }
    rows.push_back({"order lifecycle (1 tx each)", "tx/s", "libpq loop", Median(ours_tx),
                    Median(loop_tx), Median(loop_ratios)});
    rows.push_back({"order lifecycle (1 tx each)", "tx/s", "libpq pipeline", Median(ours_tx),
                    Median(pipe_tx), Median(pipe_ratios), 0.9});

    // Range reads of 1,000 candles, on one store holding the file as rows.
    {
      const std::string url = dbs.Create();
      auto store = tradestore::Store::Open(url);
      tradestore::CandleImportOptions options = ImportOptions();
      options.apply_compaction_policy = false;
      const auto summary = tradestore::ImportCandles(store, opt.candles, options);
      const auto info = store.candles().Info(summary.instrument.id, tradestore::Timeframe::k1m);
      if (info.count < 2 * kRangeCandles || !info.first) {
        throw std::runtime_error("the candle file is too short for range reads");
      }
      std::vector<double> ours_reads, raw_reads, read_ratios, binary_reads, binary_ratios;
      for (int r = 0; r < opt.reps; ++r) {
        const RangeTimes t = RangeReads(url, summary.instrument.id, *info.first, info.count,
                                        opt.range_reads, r % 2 == 0);
        ours_reads.push_back(opt.range_reads / t.ours);
        raw_reads.push_back(opt.range_reads / t.raw);
        read_ratios.push_back(t.raw / t.ours);
        binary_reads.push_back(opt.range_reads / t.raw_binary);
        binary_ratios.push_back(t.raw_binary / t.ours);
        std::printf(
            "  range reads rep %d (%d of %d candles): tradestore %.1f us, libpq %.1f us, libpq "
            "binary %.1f us each\n",
            r + 1, opt.range_reads, kRangeCandles, t.ours * 1e6 / opt.range_reads,
            t.raw * 1e6 / opt.range_reads, t.raw_binary * 1e6 / opt.range_reads);
      }
      // At most 1.2 times the loop's time: at least 1/1.2 of its rate.
      rows.push_back({"range read, 1000 candles", "reads/s", "libpq loop", Median(ours_reads),
                      Median(raw_reads), Median(read_ratios), 1 / 1.2});
      rows.push_back({"range read, 1000 candles", "reads/s", "libpq binary loop",
                      Median(ours_reads), Median(binary_reads), Median(binary_ratios), 0});
    }

    std::printf("\n%-30s | %-18s | %-18s | %-15s | %s\n", "workload", "tradestore", "baseline",
                "baseline is", "ratio");
    std::printf("%s\n", std::string(96, '-').c_str());
    for (const Row& row : rows) {
      std::printf("%-30s | %-18s | %-18s | %-15s | %5.2f\n", row.workload.c_str(),
                  Rate(row.ours, row.unit).c_str(), Rate(row.base, row.unit).c_str(),
                  row.baseline.c_str(), row.ratio);
      tradestore::bench::PrintResultLine(
          "PostgreSQL " + row.workload, Rate(row.ours, row.unit),
          Rate(row.base, row.unit) + " (" + row.baseline + ")",
          tradestore::bench::Fixed(row.ratio, 2),
          row.target > 0 ? ">= " + tradestore::bench::Fixed(row.target, 3) : "",
          row.target > 0 ? tradestore::bench::Met(row.ratio >= row.target) : "");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tradestore_pg_bench: %s\n", e.what());
    rc = 2;
  }
  if (opt.url.empty()) tradestore::testing::PgServer::Get().Stop();
  return rc;
}
