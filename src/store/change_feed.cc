// The change feed (change_feed.h): reads the change logs that the triggers
// of the */0004_change_log.sql and postgres/all/0007_change_log.sql
// migrations write.
//
// SQLite: two logs (audit.change_log in the trading file,
// market.market_change_log in the market file), each in commit order by
// id; a cursor is a position in each ("t<id>.m<id>"). The newest position
// is the largest id: every id up to it is committed, and it never moves
// back (prune keeps the newest row).
//
// PostgreSQL: both tables take ids from one sequence and record their
// transaction's xid; rows are handed out in (xid, id) order, only those
// whose xid is below the snapshot's xmin (see the migration); a cursor is
// "x<xid>.<id>".
//
// Each read first takes the bound (the newest position that may be handed
// out), then the rows between the cursor and the bound: every row up to the
// bound was committed (SQLite) or its transaction had ended (PostgreSQL)
// when the bound was read, so the second read sees all of them.
#include "tradestore/change_feed.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <thread>

#include "sql/postgres/pg_connection.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using detail::Database;
using detail::schema::Columns;
using detail::schema::tables::kChangeLog;

constexpr const char* kChannel = "tradestore_changes";
// An event's columns; on PostgreSQL also its transaction id. Both logs
// (audit.change_log, market.market_change_log) have these columns.
constexpr auto kEventColumns =
    Columns<kChangeLog>::Only({"id", "kind", "bot_id", "entity", "row_id", "sub_key", "time"});
constexpr auto kPgEventColumns = Columns<kChangeLog>::Only(
    {"id", "xid", "kind", "bot_id", "entity", "row_id", "sub_key", "time"});

// A position in the logs: SQLite (t, m) = last ids of the trading and market
// logs; PostgreSQL (t, m) = (xid, id).
struct LogPos {
  std::int64_t t = 0;
  std::int64_t m = 0;
  bool operator==(const LogPos&) const = default;
  bool operator<(const LogPos& o) const { return t != o.t ? t < o.t : m < o.m; }
};

std::string Format(sql::Dialect d, const LogPos& p) {
  // fmt rather than string concatenation: GCC 12 at -O3 warns (-Wrestrict,
  // a false positive) on the concatenated temporaries.
  return d == sql::Dialect::kPostgres ? fmt::format("x{}.{}", p.t, p.m)
                                      : fmt::format("t{}.m{}", p.t, p.m);
}

// Reads a non-negative integer at the front of `s`, after `prefix`.
bool Take(std::string_view& s, std::string_view prefix, std::int64_t& out) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end == s.data() || out < 0) return false;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return true;
}

LogPos Parse(sql::Dialect d, std::string_view cursor) {
  if (cursor.empty()) return {};
  LogPos p;
  std::string_view s = cursor;
  const bool ok = d == sql::Dialect::kPostgres
                      ? Take(s, "x", p.t) && Take(s, ".", p.m) && s.empty()
                      : Take(s, "t", p.t) && Take(s, ".m", p.m) && s.empty();
  if (!ok) {
    throw InvalidArgument("malformed change feed cursor '" + std::string(cursor) + "' (expected " +
                          (d == sql::Dialect::kPostgres ? "x<xid>.<id>" : "t<id>.m<id>") +
                          " from this store's Head() or an event, or \"\")");
  }
  return p;
}

ChangeEvent ReadEvent(const detail::schema::RowReader<kChangeLog>& r) {
  ChangeEvent e;
  e.kind = r.Get<std::string>("kind");
  e.bot = r.Get<std::optional<std::int64_t>>("bot_id");
  e.entity = r.Get<std::string>("entity");
  e.row_id = r.Get<std::int64_t>("row_id");
  e.sub_key = r.Get<std::string>("sub_key");
  e.time = r.Get<Timestamp>("time");
  return e;
}

// Rows of one log between two positions, oldest first: (log position, event).
using Rows = std::vector<std::pair<std::int64_t, ChangeEvent>>;

// A store distributed by Citus has no change log triggers (`distribute`
// drops them: docs/scale-out.md): a feed there would report no changes,
// so it is refused instead.
void RefuseOnCitus(sql::Connection& c) {
  sql::Statement& citus = c.Prepare("SELECT 1 FROM pg_extension WHERE extname = 'citus'");
  const bool has_citus = citus.Step();
  citus.Reset();
  if (!has_citus) return;
  sql::Statement& st =
      c.Prepare("SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'trading.fills'::regclass");
  const bool distributed = st.Step();
  st.Reset();
  if (distributed) {
    throw InvalidArgument(
        "the change feed is not available on a store distributed by Citus: `tradestore "
        "distribute` removes the change log's triggers, which Citus cannot run (docs/scale-out.md, "
        "\"What differs on Citus\"); poll the lists instead (e.g. GET /api/v1/fills?from=...)");
  }
}

}  // namespace

struct ChangeFeed::State {
  std::optional<LogPos> seen;  // SQLite: the bound at the last call
  std::unique_ptr<sql::PgListener> listener;
  bool distribution_checked = false;

  // PostgreSQL: RefuseOnCitus, once per feed.
  void CheckDistribution(sql::Connection& c) {
    if (distribution_checked) return;
    RefuseOnCitus(c);
    distribution_checked = true;
  }
};

ChangeFeed::ChangeFeed() : state_(std::make_unique<State>()) {}
ChangeFeed::~ChangeFeed() = default;

namespace {

sql::Connection& Outside(detail::StoreImpl& impl, Database db) {
  sql::Connection& c = impl.connection(db);
  if (c.transaction_depth() > 0) {
    throw Conflict(
        "the change feed reads committed changes: call it outside a unit of work (it would "
        "see the unit's own uncommitted changes)");
  }
  return c;
}

std::int64_t SqliteLast(sql::Connection& c, const char* log) {
  sql::Statement& st = c.Prepare(std::string("SELECT COALESCE(MAX(id), 0) FROM ") + log);
  const std::int64_t n = st.Step() ? st.GetInt64(0) : 0;
  st.Reset();
  return n;
}

LogPos SqliteBound(detail::StoreImpl& impl) {
  return {SqliteLast(Outside(impl, Database::kTrading), "audit.change_log"),
          SqliteLast(Outside(impl, Database::kMarket), "market.market_change_log")};
}

Rows SqliteRows(sql::Connection& c, const std::string& table, std::int64_t after, std::int64_t upto,
                std::size_t limit, std::optional<BotId> bot) {
  Rows out;
  if (upto <= after || limit == 0) return out;
  sql::Statement& st =
      c.Prepare("SELECT " + kEventColumns.List() + " FROM " + table + " WHERE id > ? AND id <= ?" +
                (bot ? " AND bot_id = ?" : "") + " ORDER BY id LIMIT ?");
  int i = 1;
  st.Bind(i++, after);
  st.Bind(i++, upto);
  if (bot) st.Bind(i++, *bot);
  st.Bind(i, static_cast<std::int64_t>(limit));
  while (st.Step()) {
    const detail::schema::RowReader<kChangeLog> r(st, kEventColumns);
    out.emplace_back(r.Get<std::int64_t>("id"), ReadEvent(r));
  }
  st.Reset();
  return out;
}

// The newest (xid, id) that may be handed out (none: nullopt).
std::optional<LogPos> PgBound(sql::Connection& c) {
  static const std::string kSql = [] {
    const std::string safe =
        " WHERE xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint ORDER BY xid DESC, "
        "id DESC LIMIT 1";
    return "SELECT xid, id FROM ((SELECT xid, id FROM audit.change_log" + safe +
           ") UNION ALL (SELECT xid, id FROM market.market_change_log" + safe +
           ")) b ORDER BY xid DESC, id DESC LIMIT 1";
  }();
  sql::Statement& st = c.Prepare(kSql);
  std::optional<LogPos> out;
  if (st.Step()) out = LogPos{st.GetInt64(0), st.GetInt64(1)};
  st.Reset();
  return out;
}

}  // namespace

std::string ChangeFeed::Head() {
  const sql::Dialect d = impl_->dialect();
  if (d == sql::Dialect::kPostgres) {
    state_->CheckDistribution(Outside(*impl_, Database::kTrading));
    if (!state_->listener) state_->listener = sql::ListenPostgres(impl_->url(), kChannel);
    return Format(d, PgBound(Outside(*impl_, Database::kTrading)).value_or(LogPos{}));
  }
  state_->seen = SqliteBound(*impl_);
  return Format(d, *state_->seen);
}

ChangeBatch ChangeFeed::After(std::string_view cursor, std::size_t limit,
                              std::optional<BotId> bot) {
  const sql::Dialect d = impl_->dialect();
  const LogPos from = Parse(d, cursor);
  ChangeBatch batch;
  if (d == sql::Dialect::kPostgres) {
    state_->CheckDistribution(Outside(*impl_, Database::kTrading));
    // LISTEN before reading, so that a commit after this read wakes the
    // next WaitForChange.
    if (!state_->listener) state_->listener = sql::ListenPostgres(impl_->url(), kChannel);
    sql::Connection& c = Outside(*impl_, Database::kTrading);
    const LogPos bound = std::max(from, PgBound(c).value_or(LogPos{}));
    std::vector<LogPos> positions;
    if (from < bound && limit > 0) {
      const std::string where = std::string(" WHERE (xid, id) > (?, ?) AND (xid, id) <= (?, ?)") +
                                (bot ? " AND bot_id = ?" : "");
      const std::string columns = kPgEventColumns.List();
      sql::Statement& st =
          c.Prepare("SELECT * FROM (SELECT " + columns + " FROM audit.change_log" + where +
                    " UNION ALL SELECT " + columns + " FROM market.market_change_log" + where +
                    ") l ORDER BY xid, id LIMIT ?");
      int i = 1;
      for (int table = 0; table < 2; ++table) {
        for (std::int64_t v : {from.t, from.m, bound.t, bound.m}) st.Bind(i++, v);
        if (bot) st.Bind(i++, *bot);
      }
      st.Bind(i, static_cast<std::int64_t>(limit));
      while (st.Step()) {
        const detail::schema::RowReader<kChangeLog> r(st, kPgEventColumns);
        const LogPos p{r.Get<std::int64_t>("xid"), r.Get<std::int64_t>("id")};
        ChangeEvent e = ReadEvent(r);
        e.cursor = Format(d, p);
        batch.events.push_back(std::move(e));
        positions.push_back(p);
      }
      st.Reset();
    }
    // A full batch stops at its last event; a short one saw everything up
    // to the bound.
    batch.cursor = Format(d, batch.events.size() == limit && limit > 0 ? positions.back() : bound);
    return batch;
  }

  const LogPos bound = SqliteBound(*impl_);
  state_->seen = bound;
  sql::Connection& tc = impl_->connection(Database::kTrading);
  sql::Connection& mc = impl_->connection(Database::kMarket);
  const Rows t = SqliteRows(tc, "audit.change_log", from.t, bound.t, limit, bot);
  // Market events belong to no bot.
  const Rows m =
      bot ? Rows{} : SqliteRows(mc, "market.market_change_log", from.m, bound.m, limit, bot);
  // Merge by recorded time (trading first on a tie), keeping each log in id
  // order.
  LogPos at = from;
  std::size_t ti = 0, mi = 0;
  while (batch.events.size() < limit && (ti < t.size() || mi < m.size())) {
    const bool take_t = mi == m.size() || (ti < t.size() && t[ti].second.time <= m[mi].second.time);
    const auto& [id, event] = take_t ? t[ti++] : m[mi++];
    (take_t ? at.t : at.m) = id;
    batch.events.push_back(event);
    batch.events.back().cursor = Format(d, at);
  }
  // A log whose rows were all handed out, fewer than the limit, saw
  // everything up to its bound.
  if (ti == t.size() && t.size() < limit) at.t = std::max(at.t, bound.t);
  if (mi == m.size() && (bot || m.size() < limit)) at.m = std::max(at.m, bound.m);
  batch.cursor = Format(d, at);
  return batch;
}

bool ChangeFeed::WaitForChange(std::chrono::milliseconds timeout) {
  if (impl_->dialect() == sql::Dialect::kPostgres) {
    if (!state_->listener) state_->listener = sql::ListenPostgres(impl_->url(), kChannel);
    return state_->listener->Wait(timeout);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!state_->seen) state_->seen = SqliteBound(*impl_);
  for (;;) {
    const LogPos now = SqliteBound(*impl_);
    if (now != *state_->seen) {
      state_->seen = now;
      return true;
    }
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return false;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, kSqlitePollInterval));
  }
}

}  // namespace tradestore
