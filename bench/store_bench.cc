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
  // side of it, unchecked (for profiling).
  std::string only;
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

// The 1-based parameter of `column` in a statement of `columns`.
template <const schema::Table& kTable>
int P(schema::Columns<kTable> columns, std::type_identity_t<schema::Col<kTable>> column) {
  return columns.Position(column.index) + 1;
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
  const std::int64_t bot = 1, account = 1, instrument = 1;
  const std::int64_t system_fees = 2, system_pnl = 3;
  std::int64_t entry_order = 0;  // the order that opened the current trade

  // The fill path's statements as tradestore runs them (store/fill_statements.h).
  using statements::kBalanceAmount;
  using statements::kFillInsert;
  using statements::kLedgerLeg;
  using statements::kLedgerSystemLeg;
  using statements::kOrderEventInsert;
  using statements::kOrderFillUpdate;
  using statements::kOrderInsert;
  using statements::kOrderStatusUpdate;
  using statements::kPositionEventInsert;
  using statements::kPositionRow;
  using statements::kTradeInsert;
  sqlite3_stmt* ins_order =
      PrepareRaw(db, Unqualified(statements::OrderInsertSql(tradestore::sql::Dialect::kSqlite)));
  sqlite3_stmt* ins_event = PrepareRaw(db, Unqualified(statements::OrderEventInsertSql()));
  sqlite3_stmt* upd_status = PrepareRaw(db, Unqualified(statements::OrderStatusUpdateSql()));
  sqlite3_stmt* ins_fill = PrepareRaw(db, Unqualified(statements::FillInsertSql()));
  sqlite3_stmt* upd_filled = PrepareRaw(db, Unqualified(statements::OrderFillUpdateSql()));
  sqlite3_stmt* ins_trade = PrepareRaw(db, Unqualified(statements::TradeInsertSql()));
  sqlite3_stmt* upsert_position = PrepareRaw(db, Unqualified(statements::PositionUpsertSql()));
  sqlite3_stmt* upsert_balance = PrepareRaw(db, Unqualified(statements::BalanceAmountUpsertSql()));
  // The bot account's leg starts each journal; the system account's leg
  // (its id cached, as the store does on SQLite) balances it.
  sqlite3_stmt* ins_ledger =
      PrepareRaw(db, Unqualified(statements::LedgerFirstLegSql(tradestore::sql::Dialect::kSqlite)));
  sqlite3_stmt* ins_system_leg = PrepareRaw(db, Unqualified(statements::LedgerSystemLegSql()));
  sqlite3_stmt* ins_position_event =
      PrepareRaw(db, Unqualified(statements::PositionEventInsertSql()));
  sqlite3_stmt* begin = PrepareRaw(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = PrepareRaw(db, "COMMIT");
  const std::string quantity = kQuantity.ToString();
  const std::string fee = kFee.ToString();
  const std::string neg_fee = (-kFee).ToString();

  auto event = [&](std::int64_t order, std::int64_t t, const char* from, const char* to,
                   std::string_view reason) {
    const auto c = kOrderEventInsert;
    sqlite3_stmt* st = ins_event;
    sqlite3_bind_int64(st, P(c, "bot_id"), bot);
    sqlite3_bind_int64(st, P(c, "order_id"), order);
    sqlite3_bind_int64(st, P(c, "time"), t);
    if (from != nullptr) {
      BindText(st, P(c, "from_status"), from);
      sqlite3_bind_null(st, P(c, "quantity"));
    } else {
      sqlite3_bind_null(st, P(c, "from_status"));
      BindText(st, P(c, "quantity"), quantity);  // the creation event records the terms
    }
    BindText(st, P(c, "to_status"), to);
    BindText(st, P(c, "reason"), reason);
    BindText(st, P(c, "kind"), "status");
    sqlite3_bind_null(st, P(c, "limit_price"));
    sqlite3_bind_null(st, P(c, "stop_price"));
    BindText(st, P(c, "mode"), "paper");
    sqlite3_bind_int64(st, P(c, "is_test"), 0);
    Run(db, st);
  };
  // A balance's new amount (detail::WriteBalance).
  auto balance_of = [&](std::int64_t t, const std::string& balance, std::int64_t leg_account) {
    const auto c = kBalanceAmount;
    sqlite3_stmt* st = upsert_balance;
    sqlite3_bind_int64(st, P(c, "account_id"), leg_account);
    BindText(st, P(c, "currency"), "USDC");
    BindText(st, P(c, "amount"), balance);
    sqlite3_bind_int64(st, P(c, "updated_at"), t);
    sqlite3_bind_int64(st, c.size() + 1, bot);  // WHERE id = ? (the bot's row)
    Run(db, st);
  };
  // One journal: the bot account's leg (its balance written first, its id
  // the journal's), then the system account's leg and its balance, as
  // detail::PostValidatedLedgerEntry does on SQLite. Returns the journal id.
  auto ledger = [&](std::int64_t t, const char* type, const std::string& amount,
                    const std::string& balance, const std::string& neg_amount,
                    const std::string& system_balance, std::int64_t order, std::int64_t fill,
                    std::optional<std::int64_t> trade, const std::string& description,
                    std::int64_t system_account, const char* system_name) {
    // The values both legs share, bound by name.
    auto bind_leg = [&](sqlite3_stmt* st, auto c, const std::string& leg_amount,
                        const std::string& leg_balance) {
      sqlite3_bind_int64(st, P(c, "time"), t);
      BindText(st, P(c, "type"), type);
      BindText(st, P(c, "currency"), "USDC");
      BindText(st, P(c, "amount"), leg_amount);
      BindText(st, P(c, "balance_after"), leg_balance);
      sqlite3_bind_int64(st, P(c, "order_id"), order);
      sqlite3_bind_int64(st, P(c, "fill_id"), fill);
      if (trade) {
        sqlite3_bind_int64(st, P(c, "trade_id"), *trade);
      } else {
        sqlite3_bind_null(st, P(c, "trade_id"));
      }
      BindText(st, P(c, "description"), description);
    };
    balance_of(t, balance, account);
    bind_leg(ins_ledger, kLedgerLeg, amount, balance);
    sqlite3_bind_int64(ins_ledger, P(kLedgerLeg, "account_id"), account);
    sqlite3_bind_int64(ins_ledger, kLedgerLeg.size() + 1, bot);  // WHERE b.id = ?
    Run(db, ins_ledger);
    const std::int64_t journal = sqlite3_last_insert_rowid(db);
    const auto c = kLedgerSystemLeg;
    bind_leg(ins_system_leg, c, neg_amount, system_balance);
    sqlite3_bind_int64(ins_system_leg, P(c, "journal_id"), journal);
    // WHERE a.bot_id = ? AND a.id = ? AND a.name = ?
    sqlite3_bind_int64(ins_system_leg, c.size() + 1, bot);
    sqlite3_bind_int64(ins_system_leg, c.size() + 2, system_account);
    BindText(ins_system_leg, c.size() + 3, system_name);
    Run(db, ins_system_leg);
    balance_of(t, system_balance, system_account);
    return journal;
  };

  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    const RawFillValues& v = plan[i];
    const std::int64_t t = TimeOf(i).micros();
    Run(db, begin);
    // OrderRepository::Create: the order and its creation event.
    sqlite3_stmt* st = ins_order;
    {
      const auto c = kOrderInsert;
      sqlite3_bind_int64(st, P(c, "bot_id"), bot);
      sqlite3_bind_int64(st, P(c, "account_id"), account);
      sqlite3_bind_int64(st, P(c, "instrument_id"), instrument);
      BindText(st, P(c, "client_order_id"), v.client_order_id);
      BindText(st, P(c, "venue_order_id"), "");
      sqlite3_bind_null(st, P(c, "signal_id"));
      BindText(st, P(c, "strategy"), "bench");
      BindText(st, P(c, "side"), v.side);
      BindText(st, P(c, "type"), "market");
      BindText(st, P(c, "time_in_force"), "gtc");
      BindText(st, P(c, "quantity"), quantity);
      sqlite3_bind_null(st, P(c, "limit_price"));
      sqlite3_bind_null(st, P(c, "stop_price"));
      BindText(st, P(c, "status"), "new");
      BindText(st, P(c, "filled_quantity"), "0");
      sqlite3_bind_null(st, P(c, "average_fill_price"));
      BindText(st, P(c, "reason"), "");
      BindText(st, P(c, "exit_reason"), "");
      BindText(st, P(c, "mode"), "paper");
      sqlite3_bind_int64(st, P(c, "is_test"), 0);
      sqlite3_bind_int64(st, P(c, "created_at"), t);
      sqlite3_bind_int64(st, P(c, "updated_at"), t);
      sqlite3_bind_null(st, P(c, "expected_price"));
      BindText(st, P(c, "strategy_version"), "");
      BindText(st, P(c, "bot_version"), "");
      sqlite3_bind_int64(st, c.size() + 1, bot);  // the bot_version default's bot id
    }
    Run(db, st);
    const std::int64_t order = sqlite3_last_insert_rowid(db);
    if (!v.closes) entry_order = order;
    event(order, t, nullptr, "new", "created");
    // OrderRepository::Transition to accepted.
    {
      const auto c = kOrderStatusUpdate;
      BindText(upd_status, P(c, "status"), "accepted");
      sqlite3_bind_int64(upd_status, P(c, "updated_at"), t);
      BindText(upd_status, P(c, "reason"), "");
      BindText(upd_status, P(c, "reserved"), "0");  // a market order reserves nothing
      sqlite3_bind_int64(upd_status, c.size() + 1, bot);
      sqlite3_bind_int64(upd_status, c.size() + 2, order);
    }
    Run(db, upd_status);
    event(order, t, "new", "accepted", "");
    // OrderRepository::RecordFill: fill, order, event, [trade], position,
    // ledger.
    st = ins_fill;
    {
      const auto c = kFillInsert;
      sqlite3_bind_int64(st, P(c, "bot_id"), bot);
      sqlite3_bind_int64(st, P(c, "order_id"), order);
      sqlite3_bind_int64(st, P(c, "account_id"), account);
      sqlite3_bind_int64(st, P(c, "instrument_id"), instrument);
      BindText(st, P(c, "venue"), "paper");
      BindText(st, P(c, "venue_fill_id"), v.fill_id);
      BindText(st, P(c, "side"), v.side);
      BindText(st, P(c, "quantity"), quantity);
      BindText(st, P(c, "price"), v.price);
      BindText(st, P(c, "fee"), fee);
      BindText(st, P(c, "fee_currency"), "USDC");
      BindText(st, P(c, "liquidity"), "taker");
      sqlite3_bind_int64(st, P(c, "time"), t);
      BindText(st, P(c, "mode"), "paper");
      sqlite3_bind_int64(st, P(c, "is_test"), 0);
    }
    Run(db, st);
    const std::int64_t fill = sqlite3_last_insert_rowid(db);
    event(order, t, "accepted", "filled", v.fill_event_reason);
    std::optional<std::int64_t> trade;
    if (v.closes) {
      st = ins_trade;
      const auto c = kTradeInsert;
      sqlite3_bind_int64(st, P(c, "bot_id"), bot);
      sqlite3_bind_int64(st, P(c, "account_id"), account);
      sqlite3_bind_int64(st, P(c, "instrument_id"), instrument);
      BindText(st, P(c, "strategy"), "bench");
      BindText(st, P(c, "side"), "buy");
      sqlite3_bind_int64(st, P(c, "entry_time"), v.opened_at);
      sqlite3_bind_int64(st, P(c, "exit_time"), t);
      BindText(st, P(c, "entry_price"), v.entry_price);
      BindText(st, P(c, "exit_price"), v.price);
      BindText(st, P(c, "quantity"), quantity);
      BindText(st, P(c, "gross_pnl"), v.gross);
      BindText(st, P(c, "fees"), v.fees);
      BindText(st, P(c, "net_pnl"), v.net);
      BindText(st, P(c, "mae"), v.mae);
      BindText(st, P(c, "mfe"), v.mfe);
      BindText(st, P(c, "exit_reason"), "signal");
      sqlite3_bind_null(st, P(c, "signal_id"));
      BindText(st, P(c, "mode"), "paper");
      sqlite3_bind_int64(st, P(c, "is_test"), 0);
      BindText(st, P(c, "strategy_version"), "");
      BindText(st, P(c, "bot_version"), "");
      sqlite3_bind_int64(st, P(c, "entry_order_id"), entry_order);
      sqlite3_bind_int64(st, P(c, "exit_order_id"), order);
      BindText(st, P(c, "entry_fees"), fee);
      BindText(st, P(c, "exit_fees"), fee);
      BindText(st, P(c, "entry_slippage"), "0");
      BindText(st, P(c, "exit_slippage"), "0");
      sqlite3_bind_double(st, P(c, "pnl_percent"), 0);
      BindText(st, P(c, "outcome"), "win");
      sqlite3_bind_null(st, P(c, "initial_stop"));
      sqlite3_bind_null(st, P(c, "target"));
      sqlite3_bind_null(st, P(c, "risk_amount"));
      BindText(st, P(c, "position_size_rule"), "");
      sqlite3_bind_null(st, P(c, "r_multiple"));
      sqlite3_bind_null(st, P(c, "mae_r"));
      sqlite3_bind_null(st, P(c, "mfe_r"));
      BindText(st, P(c, "regime"), "");
      sqlite3_bind_null(st, P(c, "volatility"));
      sqlite3_bind_null(st, P(c, "atr"));
      BindText(st, P(c, "session"), "");
      BindText(st, P(c, "trend"), "");
      BindText(st, P(c, "setup"), "");
      Run(db, st);
      trade = sqlite3_last_insert_rowid(db);
    }
    st = upsert_position;
    {
      const auto c = kPositionRow;
      sqlite3_bind_int64(st, P(c, "bot_id"), bot);
      sqlite3_bind_int64(st, P(c, "account_id"), account);
      sqlite3_bind_int64(st, P(c, "instrument_id"), instrument);
      BindText(st, P(c, "quantity"), v.pos_quantity);
      BindText(st, P(c, "average_entry_price"), v.pos_avg);
      BindText(st, P(c, "realized_pnl"), v.pos_realized);
      BindText(st, P(c, "fees"), v.pos_fees);
      sqlite3_bind_int64(st, P(c, "opened_at"), v.opened_at);
      sqlite3_bind_int64(st, P(c, "updated_at"), t);
      BindText(st, P(c, "trade_max_quantity"), v.trade_max);
      BindText(st, P(c, "trade_exit_quantity"), v.trade_exit_qty);
      BindText(st, P(c, "trade_exit_notional"), v.trade_exit_notional);
      BindText(st, P(c, "trade_gross_pnl"), v.trade_gross);
      BindText(st, P(c, "trade_fees"), v.trade_fees);
      if (v.closes) {
        sqlite3_bind_null(st, P(c, "trade_high"));
        sqlite3_bind_null(st, P(c, "trade_low"));
        sqlite3_bind_null(st, P(c, "trade_entry_order_id"));
        BindText(st, P(c, "trade_entry_fees"), "0");
      } else {
        BindText(st, P(c, "trade_high"), v.trade_high);
        BindText(st, P(c, "trade_low"), v.trade_low);
        sqlite3_bind_int64(st, P(c, "trade_entry_order_id"), order);
        BindText(st, P(c, "trade_entry_fees"), fee);
      }
      sqlite3_bind_null(st, P(c, "trade_signal_id"));
      BindText(st, P(c, "trade_strategy"), "bench");
      for (const char* name : {"stop_loss", "take_profit", "trailing_distance", "trailing_percent",
                               "last_price", "last_price_at", "trade_initial_stop", "trade_target",
                               "trade_risk_amount", "trade_volatility", "trade_atr"}) {
        sqlite3_bind_null(st, kPositionRow.Position(schema::tables::kPositions.IndexOf(name)) + 1);
      }
      BindText(st, P(c, "unrealized_pnl"), "0");
      BindText(st, P(c, "mode"), "paper");
      sqlite3_bind_int64(st, P(c, "is_test"), 0);
      BindText(st, P(c, "trade_entry_slippage"), "0");
      BindText(st, P(c, "trade_exit_slippage"), "0");
      for (const char* name : {"trade_strategy_version", "trade_position_size_rule", "trade_regime",
                               "trade_session", "trade_trend", "trade_setup"}) {
        BindText(st, kPositionRow.Position(schema::tables::kPositions.IndexOf(name)) + 1, "");
      }
      Run(db, st);
    }
    st = ins_position_event;
    {
      const auto c = kPositionEventInsert;
      sqlite3_bind_int64(st, P(c, "bot_id"), bot);
      sqlite3_bind_int64(st, P(c, "account_id"), account);
      sqlite3_bind_int64(st, P(c, "instrument_id"), instrument);
      sqlite3_bind_int64(st, P(c, "time"), t);
      BindText(st, P(c, "type"), v.position_event);
      BindText(st, P(c, "quantity_change"), v.quantity_change);
      BindText(st, P(c, "quantity"), v.pos_quantity);
      BindText(st, P(c, "price"), v.price);
      BindText(st, P(c, "average_entry_price"), v.pos_avg);
      BindText(st, P(c, "realized_pnl"), v.closes ? v.pnl : std::string("0"));
      sqlite3_bind_null(st, P(c, "stop_loss"));
      sqlite3_bind_null(st, P(c, "take_profit"));
      sqlite3_bind_int64(st, P(c, "fill_id"), fill);
      if (trade) {
        sqlite3_bind_int64(st, P(c, "trade_id"), *trade);
      } else {
        sqlite3_bind_null(st, P(c, "trade_id"));
      }
      BindText(st, P(c, "message"), v.fill_event_reason);
      BindText(st, P(c, "mode"), "paper");
      sqlite3_bind_int64(st, P(c, "is_test"), 0);
      Run(db, st);
    }
    // The order's fill state, once the trade's id is known.
    st = upd_filled;
    {
      const auto c = kOrderFillUpdate;
      BindText(st, P(c, "filled_quantity"), quantity);
      BindText(st, P(c, "average_fill_price"), v.price);
      BindText(st, P(c, "status"), "filled");
      sqlite3_bind_int64(st, P(c, "updated_at"), t);
      BindText(st, P(c, "reserved"), "0");
      if (trade) {
        sqlite3_bind_int64(st, P(c, "trade_id"), *trade);
      } else {
        sqlite3_bind_null(st, P(c, "trade_id"));
      }
      sqlite3_bind_int64(st, c.size() + 1, bot);
      sqlite3_bind_int64(st, c.size() + 2, order);
    }
    Run(db, st);
    ledger(t, "fee", neg_fee, v.fee_balance, fee, v.system_fees_balance, order, fill, std::nullopt,
           v.fee_description, system_fees, "system:fees");
    if (v.closes) {
      ledger(t, "realized_pnl", v.pnl, v.pnl_balance, v.neg_pnl, v.system_pnl_balance, order, fill,
             trade, v.pnl_description, system_pnl, "system:pnl");
    }
    Run(db, commit);
  }
  FillResult r;
  r.seconds = Seconds(start);
  for (sqlite3_stmt* st :
       {ins_order, ins_event, upd_status, ins_fill, upd_filled, ins_trade, upsert_position,
        upsert_balance, ins_ledger, ins_system_leg, ins_position_event, begin, commit}) {
    sqlite3_finalize(st);
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
  }
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--candles FILE] [--dir DIR] [--reps N] [--fills N] "
               "[--full-fills N] [--no-full] [--only import|fills]\n",
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
  if (opt.reps < 1 || opt.fills < 2 || opt.full_fills < 2) return Usage(argv[0]);
  if (opt.dir.empty()) {
    opt.dir = (fs::current_path() / ("tradestore-bench-" + std::to_string(getpid()))).string();
  }

  try {
    Scratch scratch(opt.dir);
    std::printf("tradestore_bench: sqlite %s, %d repetitions (median), scratch %s\n",
                sqlite3_libversion(), opt.reps, opt.dir.c_str());
    std::vector<Row> rows;

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
