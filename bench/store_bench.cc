// Throughput of tradestore's two hot write paths, each beside a plain loop on
// the sqlite3 C API that does the same inserts in the same run:
//
//   1. candle import: ImportCandles() of a CSV file into a fresh directory
//      store, versus a raw loop inserting the same candles (parsed into
//      memory before the clock starts) into an identical candles table with
//      the same pragmas, in one transaction, with one prepared statement;
//   2. fills: one unit of work per fill through the public API
//      (OrderRepository::Create, Transition to accepted, RecordFill), versus
//      a raw loop issuing the same INSERT and UPDATE statements against the
//      same schema inside one BEGIN IMMEDIATE..COMMIT per fill, with the
//      same synchronous setting.
//
// Prints a table "workload | tradestore | raw sqlite3 | ratio | target | ok?":
// the rates are medians over several repetitions; the ratio is the median of
// the per-repetition ratios (each pair runs back to back, alternating which
// goes first), which is steadier than a ratio of medians on a busy machine.
// See docs/benchmarks.md.
//
// Usage: tradestore_bench [--candles FILE] [--dir DIR] [--reps N]
//                         [--fills N] [--full-fills N] [--no-full]
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "fill_plan.h"
#include "raw_fill_loop.h"
#include "result_line.h"
#include "store/fill_statements.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/candle_import.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace {

namespace fs = std::filesystem;
namespace schema = tradestore::detail::schema;
namespace statements = tradestore::detail::statements;
using tradestore::Decimal;
using tradestore::Timestamp;
using tradestore::bench::kFee;
using tradestore::bench::kQuantity;
using tradestore::bench::P;
using tradestore::bench::PlanRawFills;
using tradestore::bench::PriceOf;
using tradestore::bench::RawFillValues;
using tradestore::bench::TimeOf;

#ifndef TRADESTORE_BENCH_CANDLES
#define TRADESTORE_BENCH_CANDLES ""
#endif
#ifndef TRADESTORE_SOURCE_DIR
#define TRADESTORE_SOURCE_DIR "."
#endif

struct Options {
  std::string candles = TRADESTORE_BENCH_CANDLES;
  std::string dir;
  int reps = 7;
  int fills = 3000;
  int full_fills = 200;
  bool full = true;
  // "import" or "fills": run one workload; "fills-ours" or "fills-raw": one
  // side of it, unchecked (for profiling); "import-raw": the raw import loop
  // alone on `rows` synthetic candles (the row-storage ceiling that
  // bench/python/bench_python.py prints beside DataFrame writes).
  std::string only;
  std::int64_t rows = 1'000'000;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- a minimal raw sqlite3 helper -------------------------------------------

void Check(sqlite3* db, int rc, std::string_view what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
  }
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error("exec: " + msg);
  }
}

// Opens `path` (a new file) with the pragmas tradestore's driver sets:
// `page_size` bytes per page, as the store gives its trading.db
// (detail::kTradingPageSize), or SQLite's default when 0.
sqlite3* OpenRaw(const std::string& path, std::string_view synchronous, int page_size = 0) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Check(db, rc, "open");
  sqlite3_busy_timeout(db, 5000);
  if (page_size != 0) Exec(db, "PRAGMA page_size=" + std::to_string(page_size));
  Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + std::string(synchronous) +
               "; PRAGMA foreign_keys=ON");
  return db;
}

sqlite3_stmt* PrepareRaw(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  Check(db,
        sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &st, nullptr),
        sql);
  return st;
}

void BindText(sqlite3_stmt* st, int i, std::string_view v) {
  sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

void Run(sqlite3* db, sqlite3_stmt* st) {
  const int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string("step: ") + sqlite3_errmsg(db) + " in " + sqlite3_sql(st));
  }
  sqlite3_reset(st);
}

std::int64_t CountRows(sqlite3* db, const std::string& table) {
  sqlite3_stmt* st = PrepareRaw(db, "SELECT COUNT(*) FROM " + table);
  sqlite3_step(st);
  const std::int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

std::string QueryText(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = PrepareRaw(db, sql);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  return out;
}

// Every migration of one SQLite database, in order: the raw loops run on the
// schema tradestore runs on (its indexes, change-log triggers and counters).
std::string Migration(std::string_view database) {
  const fs::path dir =
      fs::path(TRADESTORE_SOURCE_DIR) / "src/sql/migrations/sqlite" / std::string(database);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string sql;
  for (const fs::path& f : files) sql += ReadFile(f.string());
  return sql;
}

// A statement of tradestore's as its SQLite driver runs it on one file:
// without the schema prefixes.
std::string Unqualified(std::string sql) {
  for (std::string_view prefix : {"trading.", "market."}) {
    for (auto at = sql.find(prefix); at != std::string::npos; at = sql.find(prefix, at)) {
      sql.erase(at, prefix.size());
    }
  }
  return sql;
}

// A fresh, empty directory under the work directory.
class Scratch {
 public:
  explicit Scratch(const std::string& root) : root_(root) { fs::create_directories(root_); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string Fresh(const std::string& name) {
    const fs::path p = root_ / (name + "-" + std::to_string(next_++));
    fs::remove_all(p);
    fs::create_directories(p);
    return p.string();
  }

 private:
  fs::path root_;
  int next_ = 0;
};

// ---- 1. candle import -------------------------------------------------------

struct RawCandle {
  std::int64_t open_time;
  double open, high, low, close, volume;
};

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// The trivial parse of the baseline: "YYYY-MM-DD HH:MM:SS+00:00,o,h,l,c,v"
// lines after a header, no validation. Not timed.
std::vector<RawCandle> ParseCandlesTrivially(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<RawCandle> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const char* p = line.c_str();
    auto num = [&p](int n) {
      int v = 0;
      for (int i = 0; i < n; ++i) v = v * 10 + (*p++ - '0');
      ++p;  // the separator
      return v;
    };
    const int y = num(4), mo = num(2), d = num(2), h = num(2), mi = num(2), s = num(2);
    RawCandle c;
    c.open_time = ((DaysFromCivil(y, mo, d) * 24 + h) * 3600 + mi * 60 + s) * 1'000'000LL;
    const char* q = std::strchr(line.c_str(), ',') + 1;
    double* fields[] = {&c.open, &c.high, &c.low, &c.close, &c.volume};
    for (double* f : fields) {
      char* end = nullptr;
      *f = std::strtod(q, &end);
      q = end + 1;
    }
    out.push_back(c);
  }
  return out;
}

double OursImport(Scratch& scratch, const std::string& file, std::int64_t* rows) {
  const std::string dir = scratch.Fresh("ours-import");
  auto store = tradestore::Store::Open("sqlite:" + dir);
  tradestore::CandleImportOptions options;
  options.symbol = "BTCUSDC";
  options.venue = "binanceus";
  options.timeframe = tradestore::Timeframe::k1m;
  const auto start = std::chrono::steady_clock::now();
  const auto summary = tradestore::ImportCandles(store, file, options);
  const double s = Seconds(start);
  *rows = summary.rows_in_store;
  return s;
}

double RawImport(Scratch& scratch, const std::vector<RawCandle>& candles, std::int64_t* rows) {
  const std::string dir = scratch.Fresh("raw-import");
  sqlite3* db = OpenRaw(dir + "/market.db", "NORMAL");
  Exec(db, Migration("market"));
  const auto start = std::chrono::steady_clock::now();
  Exec(db, "BEGIN IMMEDIATE");
  Exec(db,
       "INSERT INTO instruments (venue, symbol, base_asset, quote_asset, price_precision, "
       "size_precision, tick_size, lot_size, created_at) VALUES ('binanceus', 'BTCUSDC', 'BTC', "
       "'USDC', 8, 8, '0', '0', 0)");
  const std::int64_t instrument = sqlite3_last_insert_rowid(db);
  constexpr auto kCandle = schema::Columns<schema::tables::kCandles>::All();
  sqlite3_stmt* st = PrepareRaw(db, Unqualified(kCandle.InsertSql()));
  for (const RawCandle& c : candles) {
    sqlite3_bind_int64(st, P(kCandle, "instrument_id"), instrument);
    BindText(st, P(kCandle, "timeframe"), "1m");
    sqlite3_bind_int64(st, P(kCandle, "open_time"), c.open_time);
    sqlite3_bind_double(st, P(kCandle, "open"), c.open);
    sqlite3_bind_double(st, P(kCandle, "high"), c.high);
    sqlite3_bind_double(st, P(kCandle, "low"), c.low);
    sqlite3_bind_double(st, P(kCandle, "close"), c.close);
    sqlite3_bind_double(st, P(kCandle, "volume"), c.volume);
    sqlite3_bind_null(st, P(kCandle, "trades"));
    Run(db, st);
  }
  sqlite3_finalize(st);
  Exec(db, "COMMIT");
  const double s = Seconds(start);
  *rows = CountRows(db, "candles");
  sqlite3_close_v2(db);
  return s;
}

// `n` one-minute candles of a random walk in cents from 2000-01-01, for the
// raw loop alone (--only import-raw): the shape of the Python bench's frame.
std::vector<RawCandle> SyntheticCandles(std::int64_t n) {
  std::vector<RawCandle> out;
  out.reserve(static_cast<std::size_t>(n));
  std::uint64_t state = 88172645463325252ULL;  // xorshift64
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::int64_t cents = 2'000'000;
  const std::int64_t t0 = DaysFromCivil(2000, 1, 1) * 86'400'000'000LL;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t open = cents;
    cents += static_cast<std::int64_t>(next() % 1001) - 500;
    RawCandle c;
    c.open_time = t0 + i * 60'000'000LL;
    c.open = static_cast<double>(open) / 100;
    c.close = static_cast<double>(cents) / 100;
    c.high = std::max(c.open, c.close) + static_cast<double>(next() % 100) / 100;
    c.low = std::min(c.open, c.close) - static_cast<double>(next() % 100) / 100;
    c.volume = static_cast<double>(next() % 1'000'000) / 1e5;
    out.push_back(c);
  }
  return out;
}

// ---- 2. fills -----------------------------------------------------------------

struct FillResult {
  double seconds = 0;
  std::int64_t trades = 0;
  std::string balance;
};

FillResult OursFills(Scratch& scratch, int n, std::string_view synchronous) {
  const std::string dir = scratch.Fresh("ours-fills");
  tradestore::StoreOptions so;
  so.synchronous = std::string(synchronous);
  auto store = tradestore::Store::Open("sqlite:" + dir, so);
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

  auto& orders = store.orders();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    const Timestamp t = TimeOf(i);
    tradestore::UnitOfWork uow = store.BeginTrading();
    tradestore::Order o;
    o.bot_id = bot.id;
    o.account_id = account.id;
    o.instrument_id = in.id;
    o.client_order_id = "o-" + std::to_string(i);
    o.strategy = "bench";
    o.side = i % 2 == 0 ? tradestore::Side::kBuy : tradestore::Side::kSell;
    o.quantity = kQuantity;
    o.created_at = t;
    o = orders.Create(o);
    orders.Transition(bot.id, o.id, tradestore::OrderStatus::kAccepted, t);
    tradestore::Fill f;
    f.bot_id = bot.id;
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
  FillResult r;
  r.seconds = Seconds(start);
  r.trades = static_cast<std::int64_t>(store.trades().List({}).size());
  r.balance = store.accounts().BalanceOf(bot.id, account.id, "USDC").ToString();
  return r;
}

// The raw loop's driver (raw_fill_loop.h): sqlite3 itself, on one file.
class SqliteRaw {
 public:
  using Stmt = sqlite3_stmt*;
  explicit SqliteRaw(sqlite3* db) : db_(db) {
    begin_ = PrepareRaw(db_, "BEGIN IMMEDIATE");
    commit_ = PrepareRaw(db_, "COMMIT");
  }
  ~SqliteRaw() {
    for (sqlite3_stmt* st : statements_) sqlite3_finalize(st);
    sqlite3_finalize(begin_);
    sqlite3_finalize(commit_);
  }
  SqliteRaw(const SqliteRaw&) = delete;
  SqliteRaw& operator=(const SqliteRaw&) = delete;

  Stmt Prepare(const std::string& sql) {
    statements_.push_back(PrepareRaw(db_, Unqualified(sql)));
    return statements_.back();
  }
  void Int(Stmt st, int i, std::int64_t v) { sqlite3_bind_int64(st, i, v); }
  void Text(Stmt st, int i, std::string_view v) { BindText(st, i, v); }
  void Null(Stmt st, int i) { sqlite3_bind_null(st, i); }
  void Double(Stmt st, int i, double v) { sqlite3_bind_double(st, i, v); }
  void Time(Stmt st, int i, std::int64_t micros) { sqlite3_bind_int64(st, i, micros); }
  void Run(Stmt st) { ::Run(db_, st); }
  std::int64_t RunForId(Stmt st) {
    ::Run(db_, st);
    return sqlite3_last_insert_rowid(db_);
  }
  void Begin() { ::Run(db_, begin_); }
  void Commit() { ::Run(db_, commit_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
};

FillResult RawFills(Scratch& scratch, int n, std::string_view synchronous) {
  const std::vector<RawFillValues> plan = PlanRawFills(n);
  const std::string dir = scratch.Fresh("raw-fills");
  sqlite3* db = OpenRaw(dir + "/trading.db", synchronous, tradestore::detail::kTradingPageSize);
  Exec(db, Migration("trading"));
  Exec(db,
       "INSERT INTO bots (name, mode, created_at) VALUES ('bench', 'paper', 0); "
       "INSERT INTO accounts (bot_id, name, created_at) VALUES (1, 'main', 0); "
       "INSERT INTO accounts (bot_id, name, created_at, kind) VALUES (1, 'system:fees', 0, "
       "'system'); "
       "INSERT INTO accounts (bot_id, name, created_at, kind) VALUES (1, 'system:pnl', 0, "
       "'system')");
  FillResult r;
  {
    SqliteRaw raw(db);
    std::chrono::steady_clock::time_point start;
    tradestore::bench::RunRawFills(raw, tradestore::sql::Dialect::kSqlite, plan,
                                   [&] { start = std::chrono::steady_clock::now(); });
    r.seconds = Seconds(start);
  }
  r.trades = CountRows(db, "trades");
  r.balance = QueryText(db, "SELECT amount FROM balances WHERE account_id = 1");
  sqlite3_close_v2(db);
  return r;
}

// ---- the table ---------------------------------------------------------------

struct Row {
  std::string workload;
  std::string unit;
  double ours = 0;
  double raw = 0;
  double ratio = 0;  // median of the per-repetition ratios
  double target = 0;
};

std::string Rate(double v, const std::string& unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f %s", v, unit.c_str());
  return buf;
}

void PrintTable(const std::vector<Row>& rows) {
  std::printf("\n%-34s | %-18s | %-18s | %-5s | %-6s | %s\n", "workload", "tradestore",
              "raw sqlite3", "ratio", "target", "ok?");
  std::printf("%s\n", std::string(100, '-').c_str());
  for (const Row& r : rows) {
    const double ratio = r.ratio;
    std::printf("%-34s | %-18s | %-18s | %5.2f | >=%.2f | %s\n", r.workload.c_str(),
                Rate(r.ours, r.unit).c_str(), Rate(r.raw, r.unit).c_str(), ratio, r.target,
                ratio >= r.target ? "yes" : "NO");
    tradestore::bench::PrintResultLine(
        r.workload, Rate(r.ours, r.unit), Rate(r.raw, r.unit) + " (raw sqlite3)",
        tradestore::bench::Fixed(ratio, 2), ">= " + tradestore::bench::Fixed(r.target, 2),
        tradestore::bench::Met(ratio >= r.target));
  }
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--candles FILE] [--dir DIR] [--reps N] [--fills N] "
               "[--full-fills N] [--no-full] [--only import|fills|import-raw] [--rows N]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(std::string(a) + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--candles") {
        opt.candles = value();
      } else if (a == "--dir") {
        opt.dir = value();
      } else if (a == "--reps") {
        opt.reps = std::stoi(value());
      } else if (a == "--fills") {
        opt.fills = std::stoi(value());
      } else if (a == "--full-fills") {
        opt.full_fills = std::stoi(value());
      } else if (a == "--only") {
        opt.only = value();
      } else if (a == "--rows") {
        opt.rows = std::stoll(value());
      } else if (a == "--no-full") {
        opt.full = false;
      } else if (!a.starts_with("-")) {
        opt.candles = std::string(a);
      } else {
        return Usage(argv[0]);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return Usage(argv[0]);
    }
  }
  if (opt.reps < 1 || opt.fills < 2 || opt.full_fills < 2 || opt.rows < 1) return Usage(argv[0]);
  if (opt.dir.empty()) {
    opt.dir = (fs::current_path() / ("tradestore-bench-" + std::to_string(getpid()))).string();
  }

  try {
    Scratch scratch(opt.dir);
    std::printf("tradestore_bench: sqlite %s, %d repetitions (median), scratch %s\n",
                sqlite3_libversion(), opt.reps, opt.dir.c_str());
    std::vector<Row> rows;

    // The raw import loop alone, on synthetic candles: its median rate.
    if (opt.only == "import-raw") {
      const std::vector<RawCandle> candles = SyntheticCandles(opt.rows);
      std::vector<double> rates;
      for (int r = 0; r < opt.reps; ++r) {
        std::int64_t stored = 0;
        const double s = RawImport(scratch, candles, &stored);
        if (stored != opt.rows) throw std::runtime_error("the raw import lost rows");
        rates.push_back(static_cast<double>(stored) / s);
      }
      std::printf("import-raw: %.0f rows/s (%lld rows, median of %d)\n", Median(rates),
                  static_cast<long long>(opt.rows), opt.reps);
      return 0;
    }

    // 1. Candle import.
    std::vector<double> ours, raw, ratios;
    if (opt.only.empty() || opt.only == "import") {
      const std::vector<RawCandle> parsed = ParseCandlesTrivially(opt.candles);
      std::printf("candles: %s (%zu rows)\n", opt.candles.c_str(), parsed.size());
      for (int r = 0; r < opt.reps; ++r) {
        std::int64_t ours_rows = 0, raw_rows = 0;
        double o = 0, w = 0;
        if (r % 2 == 0) {
          o = OursImport(scratch, opt.candles, &ours_rows);
          w = RawImport(scratch, parsed, &raw_rows);
        } else {
          w = RawImport(scratch, parsed, &raw_rows);
          o = OursImport(scratch, opt.candles, &ours_rows);
        }
        if (ours_rows != raw_rows || raw_rows != static_cast<std::int64_t>(parsed.size())) {
          throw std::runtime_error("row counts differ: tradestore " + std::to_string(ours_rows) +
                                   ", raw " + std::to_string(raw_rows));
        }
        ours.push_back(static_cast<double>(ours_rows) / o);
        raw.push_back(static_cast<double>(raw_rows) / w);
        ratios.push_back(w / o);
        std::printf("  import rep %d: tradestore %.1f ms, raw %.1f ms\n", r + 1, o * 1e3, w * 1e3);
      }
      rows.push_back({"candle import (CSV -> store)", "rows/s", Median(ours), Median(raw),
                      Median(ratios), 0.9});
    }

    // 2. Fills, per synchronous setting.
    struct FillCase {
      std::string sync;
      int n;
    };
    std::vector<FillCase> cases;
    if (opt.only.empty() || opt.only.starts_with("fills")) {
      cases.push_back({"NORMAL", opt.fills});
      if (opt.full) cases.push_back({"FULL", opt.full_fills});
    }
    for (const FillCase& fc : cases) {
      ours.clear();
      raw.clear();
      ratios.clear();
      for (int r = 0; r < opt.reps; ++r) {
        FillResult o, w;
        if (opt.only == "fills-ours" || opt.only == "fills-raw") {
          (opt.only == "fills-ours" ? o : w) = opt.only == "fills-ours"
                                                   ? OursFills(scratch, fc.n, fc.sync)
                                                   : RawFills(scratch, fc.n, fc.sync);
          std::printf("  %s %s: %.1f ms\n", opt.only.c_str(), fc.sync.c_str(),
                      (o.seconds + w.seconds) * 1e3);
          continue;
        }
        if (r % 2 == 0) {
          o = OursFills(scratch, fc.n, fc.sync);
          w = RawFills(scratch, fc.n, fc.sync);
        } else {
          w = RawFills(scratch, fc.n, fc.sync);
          o = OursFills(scratch, fc.n, fc.sync);
        }
        // The raw loop must have written what tradestore wrote.
        if (o.trades != w.trades || o.balance != w.balance) {
          throw std::runtime_error("fills differ: tradestore " + std::to_string(o.trades) +
                                   " trades, balance " + o.balance + "; raw " +
                                   std::to_string(w.trades) + " trades, balance " + w.balance);
        }
        ours.push_back(fc.n / o.seconds);
        raw.push_back(fc.n / w.seconds);
        ratios.push_back(w.seconds / o.seconds);
        std::printf("  fills %s rep %d (%d fills): tradestore %.1f ms, raw %.1f ms\n",
                    fc.sync.c_str(), r + 1, fc.n, o.seconds * 1e3, w.seconds * 1e3);
      }
      if (!ours.empty()) {
        rows.push_back({"fills, synchronous=" + fc.sync, "fills/s", Median(ours), Median(raw),
                        Median(ratios), 0.8});
      }
    }
    PrintTable(rows);
    bool ok = true;
    for (const Row& r : rows) ok = ok && r.ratio >= r.target;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tradestore_bench: %s\n", e.what());
    return 2;
  }
}
