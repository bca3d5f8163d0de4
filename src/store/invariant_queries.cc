// The domain invariant queries of `tradestore check`; see ops_queries.h.
// Sums of exact decimals are taken here in C++ (Decimal), never in SQL: a
// SQLite sum() over TEXT would go through floating point.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "store/ledger_internal.h"
#include "store/ops_queries.h"
#include "store/query_util.h"
#include "store/table_io.h"
#include "tradestore/error.h"
#include "tradestore/timeframe.h"

namespace tradestore::detail {
namespace {

using Key3 = std::tuple<std::int64_t, std::int64_t, std::int64_t>;

std::string Row3(const char* a, const char* b, const char* c, const Key3& k) {
  return fmt::format("{}={}, {}={}, {}={}", a, std::get<0>(k), b, std::get<1>(k), c,
                     std::get<2>(k));
}

std::vector<RowFinding> Orphans(StoreImpl& store, const std::string& table,
                                const std::string& what) {
  std::vector<RowFinding> out;
  sql::Statement& st = store.connection(Database::kTrading)
                           .Prepare("SELECT x.id, x.bot_id, x.order_id FROM " + table +
                                    " x WHERE NOT EXISTS (SELECT 1 FROM trading.orders o WHERE "
                                    "o.bot_id = x.bot_id AND o.id = x.order_id) ORDER BY x.id");
  while (st.Step()) {
    out.push_back({table, fmt::format("id={}", st.GetInt64(0)),
                   fmt::format("{} of order {} (bot {}), which does not exist", what,
                               st.GetInt64(2), st.GetInt64(1))});
  }
  st.Reset();
  return out;
}

struct FillRow {
  Timestamp time;
  bool buy = false;
  Decimal quantity;
};

}  // namespace

std::vector<RowFinding> InstrumentReferences(StoreImpl& store) {
  std::vector<RowFinding> out;
  sql::Statement& exists =
      store.connection(Database::kMarket).Prepare("SELECT 1 FROM market.instruments WHERE id = ?");
  for (const TableInfo& t : StoreTables()) {
    if (t.database == Database::kMarket) continue;
    const bool has = std::any_of(t.columns.begin(), t.columns.end(),
                                 [](const ColumnInfo& c) { return c.name == "instrument_id"; });
    if (!has) continue;
    sql::Statement& ids = store.connection(t.database)
                              .Prepare("SELECT instrument_id, count(*) FROM " + t.QualifiedName() +
                                       " WHERE instrument_id IS NOT NULL GROUP BY instrument_id "
                                       "ORDER BY instrument_id");
    std::vector<std::pair<std::int64_t, std::int64_t>> counts;
    while (ids.Step()) counts.emplace_back(ids.GetInt64(0), ids.GetInt64(1));
    ids.Reset();
    for (const auto& [id, rows] : counts) {
      BindParams(exists, id);
      const bool found = exists.Step();
      exists.Reset();
      if (found) continue;
      out.push_back({t.QualifiedName(), fmt::format("instrument_id={}", id),
                     fmt::format("{} row(s) refer to instrument {}, which market.instruments does "
                                 "not have (a lost or replaced market database?)",
                                 rows, id)});
    }
  }
  return out;
}

namespace {

// Every fill, grouped by (bot, account, instrument), in time order.
std::map<Key3, std::vector<FillRow>> FillsByPosition(StoreImpl& store) {
  std::map<Key3, std::vector<FillRow>> out;
  sql::Statement& st = store.connection(Database::kTrading)
                           .Prepare(
                               "SELECT bot_id, account_id, instrument_id, time, side, quantity "
                               "FROM trading.fills ORDER BY bot_id, account_id, instrument_id, "
                               "time, id");
  while (st.Step()) {
    out[{st.GetInt64(0), st.GetInt64(1), st.GetInt64(2)}].push_back(
        {st.GetTimestamp(3), st.GetText(4) == "buy", st.GetDecimal(5)});
  }
  st.Reset();
  return out;
}

}  // namespace

std::vector<RowFinding> OrphanFills(StoreImpl& store) {
  return Orphans(store, "trading.fills", "fill");
}

std::vector<RowFinding> BotCounterMismatches(StoreImpl& store) {
  std::vector<RowFinding> out;
  sql::Statement& st = store.connection(Database::kTrading)
                           .Prepare(
                               // Counts grouped by bot, not correlated subqueries:
                               // Citus plans these (bots is a reference table).
                               "SELECT b.id, coalesce(c.fills, 0), coalesce(c.trades, 0), "
                               "coalesce(f.n, 0), coalesce(t.n, 0) "
                               "FROM trading.bots b LEFT JOIN trading.bot_counters c "
                               "ON c.bot_id = b.id "
                               "LEFT JOIN (SELECT bot_id, count(*) AS n FROM trading.fills "
                               "GROUP BY bot_id) f ON f.bot_id = b.id "
                               "LEFT JOIN (SELECT bot_id, count(*) AS n FROM trading.trades "
                               "GROUP BY bot_id) t ON t.bot_id = b.id ORDER BY b.id");
  while (st.Step()) {
    const std::int64_t fills = st.GetInt64(1), trades = st.GetInt64(2);
    const std::int64_t real_fills = st.GetInt64(3), real_trades = st.GetInt64(4);
    if (fills != real_fills || trades != real_trades) {
      out.push_back({"trading.bot_counters", fmt::format("bot_id={}", st.GetInt64(0)),
                     fmt::format("counters say {} fills and {} trades; the store holds {} and {}",
                                 fills, trades, real_fills, real_trades)});
    }
  }
  st.Reset();
  return out;
}

std::vector<RowFinding> OrphanOrderEvents(StoreImpl& store) {
  return Orphans(store, "trading.order_events", "status event");
}

std::vector<RowFinding> LedgerReferences(StoreImpl& store) {
  std::vector<RowFinding> out;
  sql::Connection& c = store.connection(Database::kTrading);
  for (const auto& [column, table, what] : {std::tuple{"order_id", "trading.orders", "order"},
                                            std::tuple{"fill_id", "trading.fills", "fill"},
                                            std::tuple{"trade_id", "trading.trades", "trade"}}) {
    sql::Statement& st = c.Prepare(fmt::format(
        "SELECT l.id, l.{0} FROM trading.ledger_entries l WHERE l.{0} IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM {1} x WHERE x.bot_id = l.bot_id AND x.id = l.{0}) ORDER BY l.id",
        column, table));
    while (st.Step()) {
      out.push_back({"trading.ledger_entries", fmt::format("id={}", st.GetInt64(0)),
                     fmt::format("refers to {} {}, which does not exist", what, st.GetInt64(1))});
    }
    st.Reset();
  }
  return out;
}

std::vector<RowFinding> OrderFillTotals(StoreImpl& store) {
  sql::Connection& c = store.connection(Database::kTrading);
  std::map<std::pair<std::int64_t, std::int64_t>, std::pair<Decimal, std::int64_t>> sums;
  {
    sql::Statement& st = c.Prepare("SELECT bot_id, order_id, quantity FROM trading.fills");
    while (st.Step()) {
      auto& s = sums[{st.GetInt64(0), st.GetInt64(1)}];
      s.first += st.GetDecimal(2);
      ++s.second;
    }
    st.Reset();
  }
  std::vector<RowFinding> out;
  sql::Statement& st =
      c.Prepare("SELECT id, bot_id, filled_quantity FROM trading.orders ORDER BY id");
  while (st.Step()) {
    const auto it = sums.find({st.GetInt64(1), st.GetInt64(0)});
    const Decimal filled = st.GetDecimal(2);
    const Decimal sum = it == sums.end() ? Decimal() : it->second.first;
    if (filled != sum) {
      out.push_back(
          {"trading.orders", fmt::format("id={}", st.GetInt64(0)),
           fmt::format("filled_quantity is {} but its {} fills sum to {}", filled.ToString(),
                       it == sums.end() ? 0 : it->second.second, sum.ToString())});
    }
  }
  st.Reset();
  return out;
}

std::vector<RowFinding> FillRuleViolations(StoreImpl& store) {
  sql::Connection& c = store.connection(Database::kTrading);
  struct OrderFacts {
    std::int64_t account = 0, instrument = 0;
    std::string side;
    Decimal quantity, filled;
  };
  std::map<std::pair<std::int64_t, std::int64_t>, OrderFacts> orders;
  std::vector<RowFinding> out;
  {
    sql::Statement& st = c.Prepare(
        "SELECT bot_id, id, account_id, instrument_id, side, quantity, filled_quantity "
        "FROM trading.orders ORDER BY id");
    while (st.Step()) {
      OrderFacts& o = orders[{st.GetInt64(0), st.GetInt64(1)}];
      o.account = st.GetInt64(2);
      o.instrument = st.GetInt64(3);
      o.side = st.GetText(4);
      o.quantity = st.GetDecimal(5);
      o.filled = st.GetDecimal(6);
      const std::string row = fmt::format("id={}", st.GetInt64(1));
      if (!o.quantity.IsPositive()) {
        out.push_back(
            {"trading.orders", row, fmt::format("quantity is {}, not > 0", o.quantity.ToString())});
      } else if (o.filled.IsNegative() || o.filled > o.quantity) {
        out.push_back({"trading.orders", row,
                       fmt::format("filled_quantity {} is outside 0..quantity {}",
                                   o.filled.ToString(), o.quantity.ToString())});
      }
    }
    st.Reset();
  }
  std::map<std::pair<std::int64_t, std::int64_t>, Decimal> sums;
  sql::Statement& st = c.Prepare(
      "SELECT id, bot_id, order_id, account_id, instrument_id, side, quantity, price FROM "
      "trading.fills ORDER BY id");
  while (st.Step()) {
    const std::string row = fmt::format("id={}", st.GetInt64(0));
    const auto key = std::pair{st.GetInt64(1), st.GetInt64(2)};
    const Decimal quantity = st.GetDecimal(6), price = st.GetDecimal(7);
    if (!quantity.IsPositive() || !price.IsPositive()) {
      out.push_back({"trading.fills", row,
                     fmt::format("quantity {} and price {} must both be > 0", quantity.ToString(),
                                 price.ToString())});
    }
    const auto it = orders.find(key);
    if (it == orders.end()) continue;  // orphan-fills reports it
    const OrderFacts& o = it->second;
    if (st.GetInt64(3) != o.account || st.GetInt64(4) != o.instrument || st.GetText(5) != o.side) {
      out.push_back({"trading.fills", row,
                     fmt::format("account {}, instrument {}, side {} differ from its order {}'s "
                                 "({}, {}, {})",
                                 st.GetInt64(3), st.GetInt64(4), st.GetText(5), key.second,
                                 o.account, o.instrument, o.side)});
    }
    Decimal& sum = sums[key];
    sum += quantity;
    if (sum > o.quantity) {
      out.push_back({"trading.fills", row,
                     fmt::format("takes order {}'s fills to {}, more than its quantity {}",
                                 key.second, sum.ToString(), o.quantity.ToString())});
    }
  }
  st.Reset();
  return out;
}

std::vector<RowFinding> PositionNets(StoreImpl& store) {
  std::map<Key3, Decimal> nets;
  for (const auto& [key, fills] : FillsByPosition(store)) {
    Decimal net;
    for (const FillRow& f : fills) net += f.buy ? f.quantity : -f.quantity;
    nets[key] = net;
  }
  std::vector<RowFinding> out;
  sql::Statement& st = store.connection(Database::kTrading)
                           .Prepare(
                               "SELECT bot_id, account_id, instrument_id, quantity FROM "
                               "trading.positions ORDER BY bot_id, account_id, instrument_id");
  std::map<Key3, bool> seen;
  while (st.Step()) {
    const Key3 key{st.GetInt64(0), st.GetInt64(1), st.GetInt64(2)};
    seen[key] = true;
    const Decimal quantity = st.GetDecimal(3);
    const auto it = nets.find(key);
    const Decimal net = it == nets.end() ? Decimal() : it->second;
    if (quantity != net) {
      out.push_back({"trading.positions", Row3("bot_id", "account_id", "instrument_id", key),
                     fmt::format("quantity is {} but its fills net to {} (buys minus sells)",
                                 quantity.ToString(), net.ToString())});
    }
  }
  st.Reset();
  for (const auto& [key, net] : nets) {
    if (!seen.count(key)) {
      out.push_back({"trading.positions", Row3("bot_id", "account_id", "instrument_id", key),
                     fmt::format("no position row, but fills net to {}", net.ToString())});
    }
  }
  return out;
}

std::vector<RowFinding> TradeReconciliation(StoreImpl& store) {
  const auto fills = FillsByPosition(store);
  std::vector<RowFinding> out;
  sql::Statement& st = store.connection(Database::kTrading)
                           .Prepare(
                               "SELECT id, bot_id, account_id, instrument_id, side, entry_time, "
                               "exit_time, quantity, gross_pnl, fees, net_pnl FROM trading.trades "
                               "ORDER BY id");
  while (st.Step()) {
    const std::string row = fmt::format("id={}", st.GetInt64(0));
    const Key3 key{st.GetInt64(1), st.GetInt64(2), st.GetInt64(3)};
    const bool long_trade = st.GetText(4) == "buy";
    const Timestamp entry = st.GetTimestamp(5);
    const Timestamp exit = st.GetTimestamp(6);
    const Decimal quantity = st.GetDecimal(7);
    const Decimal gross = st.GetDecimal(8);
    const Decimal fees = st.GetDecimal(9);
    const Decimal net = st.GetDecimal(10);
    if (net != gross - fees) {
      out.push_back({"trading.trades", row,
                     fmt::format("net_pnl {} is not gross_pnl {} minus fees {}", net.ToString(),
                                 gross.ToString(), fees.ToString())});
    }
    Decimal entered;
    Decimal exited;
    bool entry_fill = false;
    bool exit_fill = false;
    if (const auto it = fills.find(key); it != fills.end()) {
      for (const FillRow& f : it->second) {
        if (f.time < entry || f.time > exit) continue;
        const bool entry_side = f.buy == long_trade;
        (entry_side ? entered : exited) += f.quantity;
        if (entry_side && f.time == entry) entry_fill = true;
        if (!entry_side && f.time == exit) exit_fill = true;
      }
    }
    std::vector<std::string> problems;
    if (!entry_fill) problems.push_back("no entry fill at entry_time " + entry.ToIso());
    if (!exit_fill) problems.push_back("no exit fill at exit_time " + exit.ToIso());
    if (entered < quantity) {
      problems.push_back(fmt::format("entry fills sum to {}, less than the quantity {}",
                                     entered.ToString(), quantity.ToString()));
    }
    if (exited < quantity) {
      problems.push_back(fmt::format("exit fills sum to {}, less than the quantity {}",
                                     exited.ToString(), quantity.ToString()));
    }
    for (const std::string& p : problems) out.push_back({"trading.trades", row, p});
  }
  st.Reset();
  return out;
}

namespace {

struct LedgerSeries {
  Decimal sum;
  std::int64_t entries = 0;
  bool consistent = true;
  std::string first_bad;
};

using BalanceKey = std::tuple<std::int64_t, std::int64_t, std::string>;

std::map<BalanceKey, LedgerSeries> ReadLedger(StoreImpl& store) {
  std::map<BalanceKey, LedgerSeries> out;
  sql::Statement& st = store.connection(Database::kTrading)
                           .Prepare(
                               "SELECT id, bot_id, account_id, currency, amount, balance_after "
                               "FROM trading.ledger_entries ORDER BY id");
  while (st.Step()) {
    LedgerSeries& s = out[{st.GetInt64(1), st.GetInt64(2), st.GetText(3)}];
    s.sum += st.GetDecimal(4);
    ++s.entries;
    const Decimal after = st.GetDecimal(5);
    if (s.consistent && after != s.sum) {
      s.consistent = false;
      s.first_bad = fmt::format("id={}: balance_after {} but the entries up to it sum to {}",
                                st.GetInt64(0), after.ToString(), s.sum.ToString());
    }
  }
  st.Reset();
  return out;
}

}  // namespace

std::vector<BalanceMismatch> BalanceLedgerMismatches(StoreImpl& store) {
  const auto ledger = ReadLedger(store);
  std::vector<BalanceMismatch> out;
  std::map<BalanceKey, bool> seen;
  sql::Statement& st = store.connection(Database::kTrading)
                           .Prepare(
                               "SELECT bot_id, account_id, currency, amount FROM trading.balances "
                               "ORDER BY bot_id, account_id, currency");
  while (st.Step()) {
    const BalanceKey key{st.GetInt64(0), st.GetInt64(1), st.GetText(2)};
    seen[key] = true;
    const Decimal amount = st.GetDecimal(3);
    const auto it = ledger.find(key);
    const Decimal sum = it == ledger.end() ? Decimal() : it->second.sum;
    if (amount != sum) {
      BalanceMismatch m;
      m.bot_id = std::get<0>(key);
      m.account_id = std::get<1>(key);
      m.currency = std::get<2>(key);
      m.balance = amount;
      m.ledger_sum = sum;
      if (it != ledger.end()) {
        m.ledger_consistent = it->second.consistent;
        m.first_inconsistent_entry = it->second.first_bad;
      }
      out.push_back(std::move(m));
    }
  }
  st.Reset();
  for (const auto& [key, series] : ledger) {
    if (seen.count(key)) continue;
    BalanceMismatch m;
    m.bot_id = std::get<0>(key);
    m.account_id = std::get<1>(key);
    m.currency = std::get<2>(key);
    m.ledger_sum = series.sum;
    m.ledger_consistent = series.consistent;
    m.first_inconsistent_entry = series.first_bad;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<RowFinding> LedgerRunningBalances(StoreImpl& store) {
  std::vector<RowFinding> out;
  for (const auto& [key, series] : ReadLedger(store)) {
    if (series.consistent) continue;
    out.push_back({"trading.ledger_entries", series.first_bad.substr(0, series.first_bad.find(':')),
                   fmt::format("bot {}, account {}, {}: {}", std::get<0>(key), std::get<1>(key),
                               std::get<2>(key), series.first_bad)});
  }
  return out;
}

std::vector<JournalImbalance> JournalImbalances(StoreImpl& store) {
  // Streamed in journal order: one journal's legs in memory at a time.
  std::vector<JournalImbalance> out;
  JournalImbalance current;
  bool open = false;
  const auto close = [&] {
    if (!open || current.sum == Decimal()) return;
    current.single_leg = current.legs.size() == 1 && current.legs[0].id == current.journal_id &&
                         current.legs[0].account_kind == "bot";
    out.push_back(std::move(current));
  };
  sql::Statement& st = store.connection(Database::kTrading)
                           .Prepare(
                               "SELECT l.bot_id, l.journal_id, l.currency, l.id, l.account_id, "
                               "a.kind, l.type, l.amount FROM trading.ledger_entries l LEFT JOIN "
                               "trading.accounts a ON a.bot_id = l.bot_id AND a.id = l.account_id "
                               "ORDER BY l.bot_id, l.journal_id, l.currency, l.id");
  while (st.Step()) {
    const std::int64_t bot = st.GetInt64(0);
    const std::int64_t journal = st.GetInt64(1);
    std::string currency = st.GetText(2);
    if (!open || bot != current.bot_id || journal != current.journal_id ||
        currency != current.currency) {
      close();
      current = JournalImbalance{};
      current.bot_id = bot;
      current.journal_id = journal;
      current.currency = std::move(currency);
      open = true;
    }
    JournalLeg leg;
    leg.id = st.GetInt64(3);
    leg.account_id = st.GetInt64(4);
    leg.account_kind = st.IsNull(5) ? std::string() : st.GetText(5);
    leg.type = st.GetText(6);
    leg.amount = st.GetDecimal(7);
    current.sum += leg.amount;
    current.legs.push_back(std::move(leg));
  }
  st.Reset();
  close();
  return out;
}

std::optional<BalanceRepair> RepairBalanceFromLedger(StoreImpl& store, std::int64_t bot,
                                                     std::int64_t account,
                                                     const std::string& currency) {
  sql::Connection& c = store.connection(Database::kTrading);
  sql::Transaction tx(c);
  // As every balance change: the account's lock first (it covers a balance
  // row that does not exist yet).
  LockAccount(store, bot, account);
  std::optional<Decimal> old_amount;
  {
    sql::Statement& st = c.PrepareForUpdate(
        "SELECT amount FROM trading.balances WHERE bot_id = ? AND account_id = ? AND currency = "
        "?");
    BindParams(st, bot, account, currency);
    if (st.Step()) old_amount = st.GetDecimal(0);
    st.Reset();
  }
  Decimal sum;
  {
    sql::Statement& st = c.Prepare(
        "SELECT id, amount, balance_after FROM trading.ledger_entries WHERE bot_id = ? AND "
        "account_id = ? AND currency = ? ORDER BY id");
    BindParams(st, bot, account, currency);
    while (st.Step()) {
      sum += st.GetDecimal(1);
      if (st.GetDecimal(2) != sum) {
        const std::string message = fmt::format(
            "ledger entry {} of bot {}, account {}, {} has balance_after {} but the entries up "
            "to it sum to {}: the ledger is not intact, the balance is not repaired",
            st.GetInt64(0), bot, account, currency, st.GetDecimal(2).ToString(), sum.ToString());
        st.Reset();
        throw Conflict(message);
      }
    }
    st.Reset();
  }
  if (old_amount && *old_amount == sum) {
    tx.Commit();
    return std::nullopt;
  }
  LedgerEntry target;
  target.bot_id = bot;
  target.account_id = account;
  target.currency = currency;
  WriteBalance(c, target, sum, Timestamp::Now());
  tx.Commit();
  return BalanceRepair{old_amount, sum};
}

std::vector<RowFinding> DuplicateCandles(StoreImpl& store) {
  sql::Connection& c = store.connection(Database::kMarket);
  std::vector<RowFinding> out;
  {
    sql::Statement& st = c.Prepare(
        "SELECT instrument_id, timeframe, open_time, count(*) FROM market.candles GROUP BY "
        "instrument_id, timeframe, open_time HAVING count(*) > 1 ORDER BY 1, 2, 3");
    while (st.Step()) {
      out.push_back({"market.candles",
                     fmt::format("instrument_id={}, timeframe={}, open_time={}", st.GetInt64(0),
                                 st.GetText(1), st.GetTimestamp(2).ToIso()),
                     fmt::format("{} candles share this key", st.GetInt64(3))});
    }
    st.Reset();
  }
  sql::Statement& st =
      c.Prepare("SELECT instrument_id, timeframe, open_time FROM market.candles ORDER BY 1, 2, 3");
  while (st.Step()) {
    const std::string tf_text = st.GetText(1);
    const Timestamp t = st.GetTimestamp(2);
    const auto tf = TryParseTimeframe(tf_text);
    const std::string row = fmt::format("instrument_id={}, timeframe={}, open_time={}",
                                        st.GetInt64(0), tf_text, t.ToIso());
    if (!tf) {
      out.push_back({"market.candles", row, "unknown timeframe '" + tf_text + "'"});
    } else if (!IsAligned(t, *tf)) {
      out.push_back({"market.candles", row,
                     fmt::format("not the start of a {} bucket: a second candle for the bucket "
                                 "starting {}",
                                 tf_text, FloorToTimeframe(t, *tf).ToIso())});
    }
  }
  st.Reset();
  return out;
}

std::vector<CandleSeriesKey> CandleSeriesKeys(StoreImpl& store) {
  std::vector<CandleSeriesKey> out;
  sql::Statement& st = store.connection(Database::kMarket)
                           .Prepare(
                               "SELECT DISTINCT instrument_id, timeframe FROM market.candles "
                               "UNION SELECT instrument_id, timeframe FROM market.candle_chunks "
                               "UNION SELECT instrument_id, timeframe FROM market.candle_coverage "
                               "ORDER BY 1, 2");
  while (st.Step()) out.push_back({st.GetInt64(0), st.GetText(1)});
  st.Reset();
  return out;
}

}  // namespace tradestore::detail
