// The change feed: what was committed to the store, in commit order, for a
// live stream (the server's GET /api/v1/events) that a client can resume.
//
// Every change below is recorded by database triggers in the same
// transaction as the change itself (migrations */0004_change_log.sql,
// postgres/all/0007_change_log.sql), so commits of every writer are in the
// feed: this process, other processes (a bot, the CLI), imports. A unit of
// work that rolls back leaves no event.
//
// Kinds (ChangeEvent::kind), with the entity as `tradestore show` names it
// and the row they name (row_id, sub_key):
//   order             orders       an order inserted, or its status or
//                                  filled quantity changed   id
//   fill              fills        a fill inserted           id
//   position          positions    a position inserted, or its quantity or
//                                  stops changed (not marks) account id, instrument id
//   trade-closed      trades       a closed trade inserted   id
//   balance           balances     a balance inserted or updated, system
//                                  accounts' too (filter by account kind)
//                                                            account id, currency
//   risk-event        risk-events  a risk event inserted     id
//   bot-heartbeat     bots         a bot's last_heartbeat_at changed   id
//   candles-imported  candle-coverage  a coverage row inserted or updated (an
//                                  import, a resample, a refresh; no bot)
//                                                            instrument id, timeframe
// row_id is the row's id or, for a composite key, its first column after
// bot_id; sub_key holds the rest of the key as text ("" for an id).
//
// Cursors are opaque strings: resume with the cursor of the last event seen
// (or ChangeBatch::cursor) and After() returns exactly the events committed
// after it: none lost, none twice. "" is the beginning (the oldest event
// still kept). Today "t<id>.m<id>" on SQLite (positions in the trading and
// market databases' logs), "x<xid>.<id>" on PostgreSQL and
// "c_<group>.<xid>.<id>..." (a position per Citus node group) on a store
// distributed by Citus; a cursor of one layout is malformed on another.
//
// Order: commit order. On PostgreSQL across all kinds (one log, read in
// (transaction id, id) order, handing out only rows of transactions older
// than every transaction still running, so a transaction that took its ids
// earlier but commits later is never skipped; a long-running writing
// transaction anywhere on the server — e.g. a bulk candle import in one
// unit of work — therefore delays, never loses, the events committed after
// it began). On SQLite commit order within each database file; the trading
// and market logs are merged by the time each event was recorded
// (millisecond resolution). On Citus commit order per node (the same
// (transaction id, id) rule, with each worker's own transaction ids; a
// bot's events are all written on the node of its shards), the nodes'
// events merged by the time each was recorded (µs) among those that can be
// handed out when read: a resumed read gives exactly the same events, each
// node's in the same order, but two nodes' events may interleave otherwise
// than in the first read (a node's rows wait while a transaction older than
// them runs there). See docs/scale-out.md, "The change feed on Citus".
//
// Retention: `tradestore prune --what change-log --before T` (prune.h)
// deletes events recorded before T (but the newest of each log, so that an
// id is never reused). A server should keep at least as long
// as a client may stay disconnected and resume; the suggested default is
// 7 days, pruned daily. A cursor older than the retention resumes at the
// oldest event kept (the pruned ones are gone).
//
// Waiting: WaitForChange() returns when something may have been committed.
// PostgreSQL: the triggers NOTIFY tradestore_changes at commit and the feed
// LISTENs on a session of its own (not behind PgBouncer in transaction mode).
// SQLite has no notifications: it polls the logs' last ids every
// kSqlitePollInterval (two indexed reads). Citus cannot NOTIFY from a
// worker's prepared transaction: the feed polls the logs' newest
// transaction ids every kCitusPollInterval (one index read per shard); a
// commit that does not raise them (a transaction that took its xid before
// the newest one, or the end of a transaction that held events back) is
// seen at the latest when the caller's timeout passes.
//
// Call the feed outside a unit of work (Error(kConflict) otherwise: it
// would see the unit's own uncommitted events). Units: times are µs UTC.
// Errors: Error(kInvalidArgument) for a malformed cursor (naming it), or a
// Citus store distributed by a tradestore older than the feed on Citus
// (run `tradestore distribute` again); kUnavailable when the database stays
// locked or a server (on Citus: any node) is unreachable.
// Thread safety: as the Store (one per thread). A server with many clients
// should read with one feed and fan the events out, rather than poll with a
// feed per client.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

// The kinds of ChangeEvent::kind.
inline constexpr std::string_view kChangeOrder = "order";
inline constexpr std::string_view kChangeFill = "fill";
inline constexpr std::string_view kChangePosition = "position";
inline constexpr std::string_view kChangeTradeClosed = "trade-closed";
inline constexpr std::string_view kChangeBalance = "balance";
inline constexpr std::string_view kChangeRiskEvent = "risk-event";
inline constexpr std::string_view kChangeBotHeartbeat = "bot-heartbeat";
inline constexpr std::string_view kChangeCandlesImported = "candles-imported";

struct ChangeEvent {
  std::string cursor;        // After(cursor) continues after this event
  std::string kind;          // see above
  std::optional<BotId> bot;  // unset for candles-imported
  std::string entity;        // "orders", "fills", ..., "candle-coverage"
  std::int64_t row_id = 0;   // see above
  std::string sub_key;       // see above
  Timestamp time;            // when recorded (µs UTC)
};

struct ChangeBatch {
  std::vector<ChangeEvent> events;  // in commit order
  // Where the next After() continues: after every event examined, those the
  // bot filter left out included (so a filtered stream moves on even when
  // none matched). Equal to the last event's cursor without a filter, or
  // the cursor given when nothing was new.
  std::string cursor;
};

class ChangeFeed {
 public:
  static constexpr std::chrono::milliseconds kSqlitePollInterval{10};
  static constexpr std::chrono::milliseconds kCitusPollInterval{100};

  ChangeFeed();
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // The cursor of the newest committed event: After(Head()) returns what is
  // committed from now on.
  std::string Head();
  // At most `limit` events committed after `cursor`, in commit order; with
  // `bot`, only that bot's events (events of no bot, candles-imported, are
  // left out).
  ChangeBatch After(std::string_view cursor, std::size_t limit,
                    std::optional<BotId> bot = std::nullopt);
  // Waits until something may have been committed since the last call of
  // Head, After or WaitForChange of this feed, or the timeout passes;
  // true when woken (possibly for changes that are not events, or other
  // bots' events: call After to see), false on timeout. A timeout of about
  // a second also bounds the delay of events held back on PostgreSQL by a
  // transaction that commits without notifying.
  bool WaitForChange(std::chrono::milliseconds timeout);

 private:
  friend class detail::StoreImpl;
  struct State;
  detail::StoreImpl* impl_ = nullptr;
  std::unique_ptr<State> state_;
};

}  // namespace tradestore
