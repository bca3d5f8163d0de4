// The change feed (change_feed.h) on SQLite, PostgreSQL and a store
// distributed by Citus: every kind from the library calls that make it,
// exact resumption from any cursor, nothing from a rolled-back unit of work,
// commits of another process, the bot filter, waiting, a transaction that
// took its ids first but commits last (PostgreSQL and Citus), and (Citus) a
// bot's shards moving to another node between its events.
#include "tradestore/change_feed.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "sql/connection.h"
#include "store/change_feed_test_util.h"
#include "store/store_impl.h"
#include "store/store_test_util.h"
#include "support/citus_harness.h"
#include "tradestore/error.h"
#include "tradestore/risk.h"

extern char** environ;

namespace tradestore {
namespace {

using literals::operator""_d;
using testing::Backend;
using testing::HeartbeatOf;
using testing::ReadUntil;
using testing::Seeded;
using testing::TempDir;
using namespace std::chrono_literals;

Timestamp T(std::int64_t minutes) { return Timestamp(minutes * kMicrosPerMinute); }

std::string Describe(const std::vector<ChangeEvent>& events) {
  std::string s;
  for (const ChangeEvent& e : events) {
    s += e.cursor + " " + e.kind + " " + e.entity + " " + std::to_string(e.row_id) + "/" +
         e.sub_key + " bot " + (e.bot ? std::to_string(*e.bot) : "-") + "\n";
  }
  return s;
}

class ChangeFeedTest : public ::testing::TestWithParam<Backend> {
 protected:
  ChangeFeedTest() : s_(testing::FreshStoreUrl(GetParam())) {}

  Order NewOrder(Side side, Decimal qty, Timestamp at) {
    Order o;
    o.bot_id = s_.bot.id;
    o.account_id = s_.account.id;
    o.instrument_id = s_.instrument.id;
    o.side = side;
    o.type = OrderType::kMarket;
    o.quantity = qty;
    o.mode = s_.bot.mode;
    o.created_at = at;
    return o;
  }

  FillOutcome Trade(Side side, Decimal qty, Decimal price, Timestamp at, std::string fill_id) {
    Order o = s_.store.orders().Create(NewOrder(side, qty, at));
    s_.store.orders().Accept(s_.bot.id, o.id, at);
    Fill f;
    f.bot_id = s_.bot.id;
    f.order_id = o.id;
    f.venue = "test";
    f.venue_fill_id = std::move(fill_id);
    f.quantity = qty;
    f.price = price;
    f.fee = "0.1"_d;
    f.time = at;
    return s_.store.orders().RecordFill(f);
  }

  void Heartbeat(BotId bot, std::int64_t minute) {
    s_.store.bots().Heartbeat(bot, T(minute), "running");
  }

  Bot OtherBot(const std::string& name) {
    Bot b;
    b.name = name;
    b.mode = RunMode::kPaper;
    return s_.store.bots().Create(b);
  }

  ChangeFeed& feed() { return s_.store.changes(); }

  Seeded s_;
};
// Not through PgBouncer: the feed needs a session of its own (LISTEN),
// refused there (pgbouncer_test.cc).
#define TRADESTORE_ON_FEED_BACKENDS(suite)                                                       \
  INSTANTIATE_TEST_SUITE_P(                                                                      \
      Backends, suite, ::testing::Values(Backend::kSqlite, Backend::kPostgres, Backend::kCitus), \
      ::tradestore::testing::BackendName)
TRADESTORE_ON_FEED_BACKENDS(ChangeFeedTest);

TEST_P(ChangeFeedTest, EveryKindComesFromTheLibraryCallsWithItsBotAndRow) {
  std::string cursor = feed().Head();
  LedgerEntry deposit;
  deposit.bot_id = s_.bot.id;
  deposit.account_id = s_.account.id;
  deposit.time = T(1);
  deposit.type = LedgerEntryType::kDeposit;
  deposit.currency = "USDC";
  deposit.amount = "1000"_d;
  s_.store.ledger().Post(deposit);
  const FillOutcome open = Trade(Side::kBuy, "1"_d, "100"_d, T(2), "f-1");
  const FillOutcome close = Trade(Side::kSell, "1"_d, "110"_d, T(3), "f-2");
  ASSERT_TRUE(close.closed_trade.has_value());
  Heartbeat(s_.bot.id, 4);
  RiskEvent risk;
  risk.bot_id = s_.bot.id;
  risk.time = T(5);
  risk.limit = RiskLimitKind::kMaxDailyLoss;
  risk.value = "120"_d;
  risk.threshold = "100"_d;
  risk.action = "halt_trading";
  const RiskEvent recorded = s_.store.risk().RecordEvent(risk);
  const std::vector<Candle> candles = {{T(0), 1, 2, 0.5, 1.5, 10}, {T(1), 1.5, 2, 1, 1.8, 5}};
  s_.store.candles().Upsert(s_.instrument.id, Timeframe::k1m, candles);
  s_.store.candles().RefreshCoverage(s_.instrument.id, Timeframe::k1m);

  const auto events =
      ReadUntil(feed(), cursor, [](const ChangeEvent& e) { return e.kind == "candles-imported"; });
  SCOPED_TRACE(Describe(events));
  auto has = [&](std::string_view kind, std::string_view entity, std::int64_t row,
                 std::string_view sub_key, std::optional<BotId> bot) {
    for (const ChangeEvent& e : events) {
      if (e.kind == kind && e.entity == entity && e.row_id == row && e.sub_key == sub_key &&
          e.bot == bot) {
        return true;
      }
    }
    return false;
  };
  const BotId b = s_.bot.id;
  const std::string instrument = std::to_string(s_.instrument.id);
  EXPECT_TRUE(has("balance", "balances", s_.account.id, "USDC", b));
  for (const FillOutcome* f : {&open, &close}) {
    EXPECT_TRUE(has("order", "orders", f->order.id, "", b));
    EXPECT_TRUE(has("fill", "fills", f->fill.id, "", b));
  }
  EXPECT_TRUE(has("position", "positions", s_.account.id, instrument, b));
  EXPECT_TRUE(has("trade-closed", "trades", close.closed_trade->id, "", b));
  EXPECT_TRUE(has("bot-heartbeat", "bots", b, "", b));
  EXPECT_TRUE(has("risk-event", "risk-events", recorded.id, "", b));
  EXPECT_TRUE(has("candles-imported", "candle-coverage", s_.instrument.id, "1m", std::nullopt));

  // An order: created, accepted, filled; each a change of its status.
  int order_events = 0;
  for (const ChangeEvent& e : events)
    order_events += e.kind == "order" && e.row_id == open.order.id;
  EXPECT_EQ(order_events, 3);
  // In commit order: the closing fill before the trade it closed, and the
  // heartbeat after both; cursors distinct.
  auto index_of = [&](std::string_view kind, std::int64_t row) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i].kind == kind && events[i].row_id == row) return i;
    }
    return events.size();
  };
  EXPECT_LT(index_of("fill", close.fill.id), index_of("trade-closed", close.closed_trade->id));
  EXPECT_LT(index_of("trade-closed", close.closed_trade->id), index_of("bot-heartbeat", b));
  std::set<std::string> cursors;
  for (const ChangeEvent& e : events) EXPECT_TRUE(cursors.insert(e.cursor).second) << e.cursor;
  for (const ChangeEvent& e : events) EXPECT_GT(e.time.micros(), 0);

  // Heartbeat at the same time again: last_heartbeat_at does not change.
  const std::string head = feed().Head();
  s_.store.bots().Heartbeat(b, T(4), "running", "same time");
  Heartbeat(b, 6);
  std::string after = head;
  const auto again = ReadUntil(feed(), after, HeartbeatOf(b));
  EXPECT_EQ(again.size(), 1u) << Describe(again);
}

TEST_P(ChangeFeedTest, ResumingFromAnyCursorGivesExactlyTheLaterEvents) {
  const Bot other = OtherBot("other");
  const std::string start = feed().Head();
  for (int i = 1; i <= 12; ++i) Heartbeat(i % 3 == 0 ? other.id : s_.bot.id, i);
  Trade(Side::kBuy, "1"_d, "100"_d, T(13), "f-1");  // several events in one commit
  Heartbeat(other.id, 100);
  std::string cursor = start;
  int heartbeats = 0;
  const auto all = ReadUntil(feed(), cursor, [&](const ChangeEvent& e) {
    return e.kind == "bot-heartbeat" && ++heartbeats == 13;
  });
  SCOPED_TRACE(Describe(all));
  ASSERT_GT(all.size(), 14u);
  EXPECT_EQ(cursor, all.back().cursor);

  // From each event's cursor: exactly the events after it, none twice, in
  // the same order. On Citus the order is each node's: a bot's events come
  // in the same order, but how the two workers' events interleave depends
  // on when each node's rows could be handed out (change_feed.h), so there
  // the sequences are compared bot by bot (here each bot's events are on
  // one worker) and the cursors, which name every node's position, not at
  // all.
  const bool per_node = GetParam() == Backend::kCitus;
  auto same = [&](const ChangeEvent& a, const ChangeEvent& b) {
    return (per_node || a.cursor == b.cursor) && a.kind == b.kind && a.bot == b.bot &&
           a.entity == b.entity && a.row_id == b.row_id && a.sub_key == b.sub_key &&
           a.time == b.time;
  };
  auto in_order = [&](std::vector<ChangeEvent> a, std::vector<ChangeEvent> b) {
    if (per_node) {
      const auto by_bot = [](const ChangeEvent& x, const ChangeEvent& y) { return x.bot < y.bot; };
      std::stable_sort(a.begin(), a.end(), by_bot);
      std::stable_sort(b.begin(), b.end(), by_bot);
    }
    if (a.size() != b.size())
      return ::testing::AssertionFailure() << a.size() << " vs " << b.size();
    for (std::size_t k = 0; k < a.size(); ++k) {
      if (!same(a[k], b[k])) return ::testing::AssertionFailure() << "differs at " << k;
    }
    return ::testing::AssertionSuccess();
  };
  for (std::size_t i = 0; i < all.size(); ++i) {
    const ChangeBatch rest = feed().After(all[i].cursor, 1000);
    ASSERT_EQ(rest.events.size(), all.size() - i - 1) << "after " << all[i].cursor;
    EXPECT_TRUE(
        in_order(rest.events, {all.begin() + static_cast<std::ptrdiff_t>(i) + 1, all.end()}))
        << "after " << all[i].cursor;
    EXPECT_EQ(rest.cursor, all.back().cursor);
  }
  // Page by page, three at a time: the same sequence.
  std::vector<ChangeEvent> paged;
  std::string page = start;
  for (;;) {
    const ChangeBatch b = feed().After(page, 3);
    ASSERT_LE(b.events.size(), 3u);
    if (b.events.empty()) break;
    EXPECT_EQ(b.cursor, b.events.back().cursor);
    page = b.cursor;
    paged.insert(paged.end(), b.events.begin(), b.events.end());
  }
  ASSERT_EQ(paged.size(), all.size());
  EXPECT_TRUE(in_order(paged, all));

  // Head() is the newest: nothing after it.
  const std::string head = feed().Head();
  EXPECT_EQ(head, all.back().cursor);
  EXPECT_TRUE(feed().After(head, 1000).events.empty());
  EXPECT_EQ(feed().After(head, 1000).cursor, head);
  // "" is the beginning.
  EXPECT_GE(feed().After("", 1000).events.size(), all.size());

  // Malformed cursors, named in the error.
  const std::string foreign = GetParam() == Backend::kSqlite ? "x1.2" : "t1.m2";
  for (const std::string& bad : {std::string("nope"), std::string("t1"), foreign,
                                 std::string("t-1.m0"), std::string("x1.2.3"), head + " "}) {
    try {
      feed().After(bad, 10);
      ADD_FAILURE() << "accepted cursor '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + bad + "'"), std::string::npos) << e.what();
    }
  }
}

TEST_P(ChangeFeedTest, ARolledBackUnitOfWorkLeavesNoEvent) {
  std::string cursor = feed().Head();
  {
    UnitOfWork uow = s_.store.BeginTrading();
    Heartbeat(s_.bot.id, 1);
    s_.store.orders().Create(NewOrder(Side::kBuy, "1"_d, T(1)));
    // Inside a unit of work the feed refuses to read.
    EXPECT_THROW(feed().After(cursor, 10), Error);
  }  // rolled back
  try {
    UnitOfWork uow = s_.store.BeginTrading();
    s_.store.orders().Create(NewOrder(Side::kBuy, "1"_d, T(1)));
    s_.store.orders().Create(NewOrder(Side::kBuy, "-1"_d, T(1)));  // throws
    uow.Commit();
    ADD_FAILURE() << "a negative quantity was accepted";
  } catch (const Error&) {
  }
  Heartbeat(s_.bot.id, 2);
  const auto events = ReadUntil(feed(), cursor, HeartbeatOf(s_.bot.id));
  ASSERT_EQ(events.size(), 1u) << Describe(events);
  EXPECT_EQ(events[0].kind, "bot-heartbeat");
}

TEST_P(ChangeFeedTest, TheBotFilterKeepsOneBotsEventsAndMovesOn) {
  const Bot other = OtherBot("other");
  const std::string start = feed().Head();
  Heartbeat(s_.bot.id, 1);
  Heartbeat(other.id, 2);
  s_.store.candles().Upsert(s_.instrument.id, Timeframe::k1m,
                            std::vector<Candle>{{T(0), 1, 2, 0.5, 1.5, 10}});
  s_.store.candles().RefreshCoverage(s_.instrument.id, Timeframe::k1m);
  Heartbeat(s_.bot.id, 3);
  Heartbeat(other.id, 4);
  // Everything, to know when all is visible.
  std::string all_cursor = start;
  int seen = 0;
  const auto all = ReadUntil(feed(), all_cursor, [&](const ChangeEvent& e) {
    return e.kind == "bot-heartbeat" && ++seen == 4;
  });
  SCOPED_TRACE(Describe(all));

  const ChangeBatch mine = feed().After(start, 1000, other.id);
  ASSERT_EQ(mine.events.size(), 2u) << Describe(mine.events);
  for (const ChangeEvent& e : mine.events) {
    EXPECT_EQ(e.bot, std::optional<BotId>(other.id));
    EXPECT_EQ(e.kind, "bot-heartbeat");
  }
  // The batch's cursor is past everything examined: nothing more, filtered
  // or not.
  EXPECT_EQ(mine.cursor, all.back().cursor);
  EXPECT_TRUE(feed().After(mine.cursor, 1000, other.id).events.empty());
  EXPECT_TRUE(feed().After(mine.cursor, 1000).events.empty());
  // One at a time: the same two, then none. (A cursor may differ from the
  // one read unfiltered and still name the same place: on SQLite its market
  // part moves past market events, which have no bot.)
  ChangeBatch one = feed().After(start, 1, other.id);
  ASSERT_EQ(one.events.size(), 1u);
  EXPECT_EQ(one.events[0].time, mine.events[0].time);
  one = feed().After(one.cursor, 1, other.id);
  ASSERT_EQ(one.events.size(), 1u);
  EXPECT_EQ(one.events[0].time, mine.events[1].time);
  one = feed().After(one.cursor, 1, other.id);
  EXPECT_TRUE(one.events.empty());
}

pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0) << args[0];
  return pid;
}

// A store that another process and thread can open too (not in memory).
class SharedChangeFeed : public ::testing::TestWithParam<Backend> {
 protected:
  std::string Url() {
    return GetParam() == Backend::kSqlite ? "sqlite:" + dir_.Sub("store")
                                          : testing::FreshStoreUrl(GetParam());
  }
  TempDir dir_;
};
TRADESTORE_ON_FEED_BACKENDS(SharedChangeFeed);

TEST_P(SharedChangeFeed, CommitsOfAnotherProcessAppear) {
  const std::string url = Url();
  Store store = Store::Open(url);
  ChangeFeed& feed = store.changes();
  std::string cursor = feed.Head();
  const pid_t pid = Spawn({TRADESTORE_CHANGE_FEED_DRIVER, url, "driver", "25"});
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "driver status " << status;
  const Bot bot = *store.bots().FindByName("driver");
  int heartbeats = 0;
  const auto events = ReadUntil(
      feed, cursor,
      [&](const ChangeEvent& e) { return e.kind == "bot-heartbeat" && ++heartbeats == 25; }, 7);
  EXPECT_EQ(events.size(), 25u) << Describe(events);
  for (const ChangeEvent& e : events) {
    EXPECT_EQ(e.bot, std::optional<BotId>(bot.id));
    EXPECT_EQ(e.row_id, bot.id);
  }
  EXPECT_TRUE(feed.After(cursor, 100).events.empty());
}

TEST_P(SharedChangeFeed, WaitForChangeWakesOnACommitElsewhere) {
  const std::string url = Url();
  Store store = Store::Open(url);
  Bot b;
  b.name = "waker";
  const Bot bot = store.bots().Create(b);
  ChangeFeed& feed = store.changes();
  std::string cursor = feed.Head();
  EXPECT_FALSE(feed.WaitForChange(30ms));
  std::thread writer([&] {
    std::this_thread::sleep_for(200ms);
    Store other = Store::Open(url);
    other.bots().Heartbeat(bot.id, T(1), "running");
  });
  const auto begin = std::chrono::steady_clock::now();
  const bool woken = feed.WaitForChange(10s);
  const auto waited = std::chrono::steady_clock::now() - begin;
  writer.join();
  EXPECT_TRUE(woken);
  EXPECT_LT(waited, 5s);
  const auto events = ReadUntil(feed, cursor, HeartbeatOf(bot.id));
  EXPECT_EQ(events.size(), 1u) << Describe(events);
}

// PostgreSQL: A takes its change-log id first, B second; B commits, then A.
// A reader going by id would hand out B's and then skip A's; the feed must
// hold B's back until A has ended, then give A's before B's.
TEST(ChangeFeedPostgres, ATransactionWithALowerIdCommittingLaterIsNotSkipped) {
  const std::string url = testing::FreshStoreUrl(Backend::kPostgres);
  Store reader = Store::Open(url);
  Store a = Store::Open(url);
  Store b = Store::Open(url);
  Bot ba, bb;
  ba.name = "a";
  bb.name = "b";
  const BotId bot_a = a.bots().Create(ba).id;
  const BotId bot_b = b.bots().Create(bb).id;
  ChangeFeed& feed = reader.changes();
  std::string cursor = feed.Head();

  UnitOfWork ua = a.BeginTrading();
  a.bots().Heartbeat(bot_a, T(1), "running");  // the lower id
  {
    UnitOfWork ub = b.BeginTrading();
    b.bots().Heartbeat(bot_b, T(2), "running");
    ub.Commit();
  }
  // B's event is committed but A, older, still runs: nothing yet.
  const ChangeBatch early = feed.After(cursor, 100);
  EXPECT_TRUE(early.events.empty()) << Describe(early.events);
  cursor = early.cursor;
  ua.Commit();

  const auto events = ReadUntil(feed, cursor, HeartbeatOf(bot_b));
  ASSERT_EQ(events.size(), 2u) << Describe(events);
  EXPECT_EQ(events[0].bot, std::optional<BotId>(bot_a));
  EXPECT_EQ(events[1].bot, std::optional<BotId>(bot_b));
  // A's id ("x<xid>.<id>") is the lower one: the case the xid rule is for.
  auto id_of = [](const std::string& c) { return std::stoll(c.substr(c.find('.') + 1)); };
  EXPECT_LT(id_of(events[0].cursor), id_of(events[1].cursor));
  EXPECT_TRUE(feed.After(cursor, 100).events.empty());
}

// Citus helpers: the node group of a bot's shards, and a query's integer.
std::int64_t IntOf(Store& store, const std::string& query) {
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kTrading);
  sql::Statement& st = c.Prepare(query);
  const std::int64_t v = st.Step() ? st.GetInt64(0) : -1;
  st.Reset();
  return v;
}

std::string ShardOf(BotId bot) {
  return "get_shard_id_for_distribution_column('audit.change_log', " + std::to_string(bot) + ")";
}

std::int64_t GroupOf(Store& store, BotId bot) {
  return IntOf(store, "SELECT groupid FROM pg_dist_placement WHERE shardid = " + ShardOf(bot));
}

// A risk event of `bot` (a per-bot table: written on the bot's worker).
void RecordRisk(Store& store, BotId bot, std::int64_t minute) {
  RiskEvent risk;
  risk.bot_id = bot;
  risk.time = T(minute);
  risk.limit = RiskLimitKind::kMaxDailyLoss;
  risk.value = "120"_d;
  risk.threshold = "100"_d;
  risk.action = "halt_trading";
  store.risk().RecordEvent(risk);
}

// The same on Citus, where transaction ids are per node: two bots whose
// shards are on the same worker, so that both events are written there.
// Risk events rather than heartbeats: Citus serialises writes to a
// reference table (trading.bots), so B's heartbeat would wait for A.
TEST(ChangeFeedCitus, ATransactionWithALowerIdCommittingLaterIsNotSkipped) {
  const std::string url = testing::FreshStoreUrl(Backend::kCitus);
  Store reader = Store::Open(url);
  Store a = Store::Open(url);
  Store b = Store::Open(url);
  Bot ba;
  ba.name = "a";
  const BotId bot_a = a.bots().Create(ba).id;
  BotId bot_b = 0;
  for (int i = 0; i < 32 && bot_b == 0; ++i) {
    Bot bb;
    bb.name = "b" + std::to_string(i);
    const BotId id = b.bots().Create(bb).id;
    if (GroupOf(reader, id) == GroupOf(reader, bot_a)) bot_b = id;
  }
  ASSERT_NE(bot_b, 0) << "no second bot on the first one's worker";
  ChangeFeed& feed = reader.changes();
  std::string cursor = feed.Head();

  UnitOfWork ua = a.BeginTrading();
  RecordRisk(a, bot_a, 1);  // the lower xid on that worker
  {
    UnitOfWork ub = b.BeginTrading();
    RecordRisk(b, bot_b, 2);
    ub.Commit();
  }
  const ChangeBatch early = feed.After(cursor, 100);
  EXPECT_TRUE(early.events.empty()) << Describe(early.events);
  cursor = early.cursor;
  ua.Commit();

  const auto events = ReadUntil(feed, cursor, [&](const ChangeEvent& e) {
    return e.kind == "risk-event" && e.bot == std::optional<BotId>(bot_b);
  });
  ASSERT_EQ(events.size(), 2u) << Describe(events);
  EXPECT_EQ(events[0].bot, std::optional<BotId>(bot_a));
  EXPECT_EQ(events[1].bot, std::optional<BotId>(bot_b));
  EXPECT_TRUE(feed.After(cursor, 100).events.empty());
}

// A bot's shards move to the other worker between its events (as the
// rebalancer does): the rows written before keep the node group of the
// worker that wrote them (id >> 48), the later ones take the new worker's,
// and the feed hands out each event once, in order, from any cursor.
TEST(ChangeFeedCitus, EventsBeforeAndAfterAShardMoveComeOnceInOrder) {
  const std::string url = testing::FreshStoreUrl(Backend::kCitus);
  Store store = Store::Open(url);
  Bot b;
  b.name = "mover";
  const BotId bot = store.bots().Create(b).id;
  ChangeFeed& feed = store.changes();
  const std::string start = feed.Head();
  for (int i = 1; i <= 3; ++i) store.bots().Heartbeat(bot, T(i), "running");

  const std::int64_t from_group = GroupOf(store, bot);
  const std::string move = fmt::format(
      "SELECT citus_move_shard_placement({}, s.nodename, s.nodeport, t.nodename, t.nodeport, "
      "shard_transfer_mode => 'block_writes') FROM pg_dist_node s, pg_dist_node t "
      "WHERE s.groupid = {} AND t.groupid <> {} AND t.groupid <> 0 AND t.noderole = 'primary' "
      "LIMIT 1",
      ShardOf(bot), from_group, from_group);
  detail::ImplOf(store).connection(detail::Database::kTrading).ExecuteScript(move);
  const std::int64_t to_group = GroupOf(store, bot);
  ASSERT_NE(to_group, from_group);
  for (int i = 4; i <= 6; ++i) store.bots().Heartbeat(bot, T(i), "running");

  std::string cursor = start;
  int seen = 0;
  const auto events = ReadUntil(
      feed, cursor, [&](const ChangeEvent& e) { return e.kind == "bot-heartbeat" && ++seen == 6; });
  SCOPED_TRACE(Describe(events));
  ASSERT_EQ(events.size(), 6u);
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_LT(events[i - 1].time, events[i].time) << i;
  }
  // The cursor names both groups; from each event's cursor, the rest.
  EXPECT_NE(cursor.find("_" + std::to_string(from_group) + "."), std::string::npos) << cursor;
  EXPECT_NE(cursor.find("_" + std::to_string(to_group) + "."), std::string::npos) << cursor;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const ChangeBatch rest = feed.After(events[i].cursor, 100);
    ASSERT_EQ(rest.events.size(), events.size() - i - 1) << events[i].cursor;
    for (std::size_t k = 0; k < rest.events.size(); ++k) {
      EXPECT_EQ(rest.events[k].cursor, events[i + 1 + k].cursor);
    }
  }
  // From the beginning: all six; from Head: none.
  int from_beginning = 0;
  for (const ChangeEvent& e : feed.After("", 1000).events) {
    from_beginning += e.kind == "bot-heartbeat" && e.bot == std::optional<BotId>(bot);
  }
  EXPECT_EQ(from_beginning, 6);
  EXPECT_TRUE(feed.After(feed.Head(), 100).events.empty());
}

}  // namespace
}  // namespace tradestore
