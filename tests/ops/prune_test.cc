// prune: old data of the named kinds, in batches, never open orders,
// positions or the ledger.
#include "tradestore/prune.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "ops/ops_test_util.h"
#include "sql/postgres/pg_connection.h"
#include "store/store_impl.h"
#include "store/table_io.h"
#include "tradestore/change_feed.h"
#include "tradestore/check.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using testing::Backend;
using testing::FreshUrl;
using testing::kOpsT0;
using testing::OpsTempDir;
using testing::SeedTrading;

std::int64_t Rows(Store& s, const char* table) {
  return detail::CountRows(detail::ImplOf(s), detail::FindTable(table));
}

class PruneTest : public ::testing::TestWithParam<Backend> {
 protected:
  OpsTempDir dir_;
  std::string url_ = FreshUrl(GetParam(), dir_, "store");
};

TEST_P(PruneTest, DeletesOldDataInBatchesAndKeepsOpenOrdersAndTheLedger) {
  Store s = Store::Open(url_);
  const auto seed = SeedTrading(s);
  // The open order's events are older than the cut-off too.
  const Timestamp cut = kOpsT0 + 46 * kMicrosPerHour;
  const std::int64_t events = Rows(s, "trading.order_events");
  const std::int64_t open_events =
      static_cast<std::int64_t>(s.orders().Events(seed.bot.id, seed.open_order.id).size());
  ASSERT_EQ(open_events, 2);
  const std::int64_t ledger = Rows(s, "trading.ledger_entries");
  const std::int64_t fills = Rows(s, "trading.fills");

  PruneOptions dry;
  dry.before = cut;
  dry.kinds = {"order-events", "candles"};
  dry.dry_run = true;
  const PruneResult d = Prune(s, dry);
  ASSERT_EQ(d.kinds.size(), 2u);
  EXPECT_EQ(d.kinds[0].matched, events - open_events);
  EXPECT_EQ(d.kinds[0].deleted, 0);
  EXPECT_EQ(d.kinds[1].matched, 43);  // 45 candles, 2 at or after the cut
  EXPECT_EQ(Rows(s, "trading.order_events"), events);

  PruneOptions real = dry;
  real.dry_run = false;
  real.batch_rows = 7;
  const PruneResult r = Prune(s, real);
  EXPECT_EQ(r.kinds[0].deleted, events - open_events);
  EXPECT_EQ(r.kinds[0].batches, (events - open_events + 6) / 7);
  EXPECT_EQ(r.kinds[1].deleted, 43);
  EXPECT_EQ(Rows(s, "trading.order_events"), open_events);
  EXPECT_EQ(s.orders().Events(seed.bot.id, seed.open_order.id).size(), 2u);
  EXPECT_EQ(Rows(s, "trading.ledger_entries"), ledger);
  EXPECT_EQ(Rows(s, "trading.fills"), fills);
  EXPECT_EQ(Rows(s, "market.candles"), 2);
  // Coverage follows the candles, and the store still checks clean.
  const auto coverage = s.candles().Coverage(seed.instrument.id, Timeframe::k1h);
  ASSERT_EQ(coverage.size(), 1u);
  EXPECT_EQ(coverage[0].count, 2);
  EXPECT_TRUE(CheckStore(url_).ok());
  const auto j = nlohmann::json::parse(PruneResultToJson(r));
  EXPECT_EQ(j["kinds"][1]["deleted"], 43);
}

TEST_P(PruneTest, KeepsSignalsThatOrdersReferTo) {
  Store s = Store::Open(url_);
  const auto seed = SeedTrading(s);
  auto signal = [&](int hour) {
    Signal sig;
    sig.bot_id = seed.bot.id;
    sig.instrument_id = seed.instrument.id;
    sig.strategy = "test";
    sig.time = kOpsT0 + hour * kMicrosPerHour;
    return s.signals().Record(sig);
  };
  const Signal used = signal(1);
  signal(2);
  signal(3);
  signal(50);  // after the cut-off
  Order o;
  o.bot_id = seed.bot.id;
  o.account_id = seed.account.id;
  o.instrument_id = seed.instrument.id;
  o.quantity = Decimal::Parse("1");
  o.signal_id = used.id;
  o.created_at = kOpsT0;
  s.orders().Create(o);
  PruneOptions p;
  p.before = kOpsT0 + 10 * kMicrosPerHour;
  p.kinds = {"signals"};
  const PruneResult r = Prune(s, p);
  EXPECT_EQ(r.kinds[0].deleted, 2);
  EXPECT_EQ(Rows(s, "trading.signals"), 2);
  EXPECT_EQ(s.signals().Get(seed.bot.id, used.id).id, used.id);
}

TEST_P(PruneTest, RefusesUnknownKindsBeforeDeletingAnything) {
  Store s = Store::Open(url_);
  SeedTrading(s);
  PruneOptions o;
  o.before = kOpsT0 + 100 * kMicrosPerHour;
  o.kinds = {"candles", "ledger"};
  try {
    Prune(s, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("order-events"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Rows(s, "market.candles"), 45);
  o.kinds = {};
  EXPECT_THROW(Prune(s, o), Error);
  o.kinds = {"candles"};
  o.batch_rows = 0;
  EXPECT_THROW(Prune(s, o), Error);
}

TEST_P(PruneTest, PrunesTheChangeLogAndTheFeedGoesOn) {
  Store s = Store::Open(url_);
  // On PostgreSQL the feed holds back events of transactions newer than the
  // oldest one still running on the server (another test's, on the shared
  // server). Two such transactions, opened by this test: the first holds
  // back every seed event at Head (so the seed's heartbeat comes after the
  // prune), the second only the heartbeat sent below, for a while.
  const bool pg = GetParam() == Backend::kPostgres;
  std::unique_ptr<sql::Connection> first, second;
  const auto open_holding = [this] {
    std::unique_ptr<sql::Connection> c = sql::OpenPostgres(url_);
    c->Begin();
    c->ExecuteScript("SELECT pg_current_xact_id()");  // takes an xid
    return c;
  };
  if (pg) first = open_holding();
  const auto seed = SeedTrading(s);  // orders, fills, candles: events in both logs
  s.candles().RefreshCoverage(seed.instrument.id, Timeframe::k1h);  // a second market event
  ChangeFeed& feed = s.changes();
  const std::string head = feed.Head();
  if (pg) first->Rollback();
  PruneOptions o;
  o.before = Timestamp::Now() - kMicrosPerHour;  // events are recorded now: none older
  o.kinds = {"change-log"};
  o.dry_run = true;
  PruneResult r = Prune(s, o);
  ASSERT_EQ(r.kinds.size(), 2u);  // one per log
  EXPECT_EQ(r.kinds[0].table, "audit.change_log");
  EXPECT_EQ(r.kinds[1].table, "market.market_change_log");
  EXPECT_EQ(r.kinds[0].matched + r.kinds[1].matched, 0);
  o.before = Timestamp::Now() + kMicrosPerHour;
  r = Prune(s, o);
  EXPECT_GT(r.kinds[0].matched, 10);
  EXPECT_EQ(r.kinds[1].matched, 1);  // the newest of each log stays
  o.dry_run = false;
  o.batch_rows = 4;
  r = Prune(s, o);
  EXPECT_GT(r.kinds[0].deleted, 10);
  EXPECT_GT(r.kinds[0].batches, 2);
  EXPECT_EQ(r.kinds[1].deleted, 1);
  EXPECT_LE(feed.After("", 100).events.size(), 2u);  // the newest of each log stays
  EXPECT_EQ(PruneKindNames().back(), "change-log");  // listed once

  // A client resuming from before the prune gets what came after it. On
  // PostgreSQL a transaction of another test on the shared server may have
  // held this test's last events back when Head() was read: they come now,
  // before the heartbeat (delayed, never lost), so look for the heartbeat.
  // The seed's own heartbeat may be among the held-back events: ours is the
  // one recorded after `sent` (the loop once stopped at the seed's, before
  // ours was handed out, and found another held-back event after it).
  // SQLite records times to the millisecond, rounded: 1 ms of slack.
  const Timestamp sent(Timestamp::Now().micros() - 1000);
  if (pg) second = open_holding();
  s.bots().Heartbeat(seed.bot.id, kOpsT0, "running");
  std::vector<ChangeEvent> events;
  std::string cursor = head;
  const auto heartbeats = [&] {
    return std::count_if(events.begin(), events.end(),
                         [](const ChangeEvent& e) { return e.kind == "bot-heartbeat"; });
  };
  const auto ours = [&] {
    return std::any_of(events.begin(), events.end(), [&](const ChangeEvent& e) {
      return e.kind == "bot-heartbeat" && e.time >= sent;
    });
  };
  for (int i = 0; i < 400 && !ours(); ++i) {
    ChangeBatch b = feed.After(cursor, 100);
    cursor = b.cursor;
    events.insert(events.end(), b.events.begin(), b.events.end());
    if (second && i == 2) {
      // Held back so far: the seed's heartbeat may have come, ours not.
      EXPECT_FALSE(ours());
      second->Rollback();
      second.reset();
    }
    if (!ours()) feed.WaitForChange(std::chrono::milliseconds(50));
  }
  // Ours is the last event: nothing was written after it. There can be two
  // heartbeats (the seed's, held back), but never one twice.
  ASSERT_TRUE(ours());
  EXPECT_EQ(events.back().kind, "bot-heartbeat");
  EXPECT_GE(events.back().time, sent);
  std::set<std::string> cursors;
  for (const ChangeEvent& e : events) EXPECT_TRUE(cursors.insert(e.cursor).second) << e.cursor;
  if (GetParam() == Backend::kSqlite) {
    EXPECT_EQ(heartbeats(), 1);
    EXPECT_EQ(events.size(), 1u);
  }
  EXPECT_TRUE(CheckStore(url_).ok());
}

TRADESTORE_OPS_ON_BOTH_BACKENDS(PruneTest);

}  // namespace
}  // namespace tradestore
