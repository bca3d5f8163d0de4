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
#include <iterator>
#include <map>
#include <set>
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

// How the store's PostgreSQL database is laid out, for the feed.
enum class Layout { kPlain, kCitus };

// kCitus when the store is distributed by Citus (`tradestore distribute`).
// A store distributed before the change feed ran on Citus has local change
// logs and no triggers: it is refused until distribute runs again.
Layout LayoutOf(sql::Connection& c) {
  sql::Statement& citus = c.Prepare("SELECT 1 FROM pg_extension WHERE extname = 'citus'");
  const bool has_citus = citus.Step();
  citus.Reset();
  if (!has_citus) return Layout::kPlain;
  sql::Statement& st = c.Prepare(
      "SELECT count(*) FILTER (WHERE logicalrelid = 'trading.fills'::regclass), "
      "count(*) FILTER (WHERE logicalrelid = 'audit.change_log'::regclass) "
      "FROM pg_dist_partition WHERE partmethod = 'h'");
  st.Step();
  const bool distributed = st.GetInt64(0) > 0;
  const bool feed = st.GetInt64(1) > 0;
  st.Reset();
  if (!distributed) return Layout::kPlain;
  if (!feed) {
    throw InvalidArgument(
        "the change feed of this Citus store is not installed: it was distributed by an older "
        "tradestore, which removed the change log's triggers; run `tradestore distribute` "
        "again to install them (docs/scale-out.md, \"The change feed on Citus\")");
  }
  return Layout::kCitus;
}

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

// Citus (docs/scale-out.md, "The change feed on Citus"). The logs are
// distributed (audit.change_log by bot_id, market.market_change_log by
// row_id, the instrument) and written by the triggers on the shards, in the
// worker's own transaction: each row's xid is the worker's, and its id comes
// from the worker's range of the sequence (Citus starts a worker's range at
// its node group << 48), so id >> 48 names the node that wrote the row (its
// "group"), even after the row's shard has moved to another node.
// Transaction ids are comparable only within one node, so the position of
// a cursor is kept per group: "c" followed by "_<group>.<xid>.<id>" per
// group ("c" alone is the beginning, as "" is). A group's rows are handed
// out in (xid, id) order, only those whose xid is below that node's
// snapshot xmin (read on every node first: run_command_on_all_nodes); the
// groups are merged by the time each event was recorded. A group whose
// node has left the cluster has no transaction running: all its rows are
// handed out.
using GroupPos = std::map<std::int64_t, LogPos>;

constexpr int kGroupShift = 48;

std::string FormatCitus(const GroupPos& groups) {
  std::string out = "c";
  for (const auto& [g, p] : groups) out += fmt::format("_{}.{}.{}", g, p.t, p.m);
  return out;
}

GroupPos ParseCitus(std::string_view cursor) {
  GroupPos out;
  if (cursor.empty()) return out;
  std::string_view s = cursor;
  bool ok = s.starts_with('c');
  if (ok) s.remove_prefix(1);
  while (ok && !s.empty()) {
    std::int64_t g = 0;
    LogPos p;
    ok = Take(s, "_", g) && Take(s, ".", p.t) && Take(s, ".", p.m) && out.emplace(g, p).second;
  }
  if (!ok) {
    throw InvalidArgument("malformed change feed cursor '" + std::string(cursor) +
                          "' (expected c_<group>.<xid>.<id>... from this store's Head() or an "
                          "event, or \"\")");
  }
  return out;
}

// The snapshot xmin of every primary node, by node group: transactions of
// that node with a lower xid have ended.
std::map<std::int64_t, std::int64_t> NodeXmins(sql::Connection& c) {
  sql::Statement& st = c.Prepare(
      "SELECT n.groupid, r.success, r.result FROM run_command_on_all_nodes("
      "'SELECT pg_snapshot_xmin(pg_current_snapshot())') r "
      "JOIN pg_dist_node n ON n.nodeid = r.nodeid WHERE n.noderole = 'primary' ORDER BY 1");
  std::map<std::int64_t, std::int64_t> out;
  std::string failed;
  while (st.Step()) {
    if (!st.GetBool(1)) {
      failed = fmt::format("node group {}: {}", st.GetInt64(0), st.GetText(2));
      continue;
    }
    out[st.GetInt64(0)] = std::stoll(st.GetText(2));
  }
  st.Reset();
  if (!failed.empty()) {
    throw Error(ErrorKind::kUnavailable,
                "the change feed cannot read a Citus node's transactions: " + failed, {}, true);
  }
  return out;
}

// The groups (id >> 48) of every row in the logs: where a feed starts from
// the beginning, rows written by nodes that have since left.
std::vector<std::int64_t> LoggedGroups(sql::Connection& c) {
  sql::Statement& st = c.Prepare(
      fmt::format("SELECT DISTINCT id >> {0} FROM audit.change_log UNION SELECT DISTINCT id >> {0} "
                  "FROM market.market_change_log",
                  kGroupShift));
  std::vector<std::int64_t> out;
  while (st.Step()) out.push_back(st.GetInt64(0));
  st.Reset();
  return out;
}

// Rows of `table` written by group `g` after `from`, whose xid is below
// `xmin` (if set), in (xid, id) order: (position, event).
std::vector<std::pair<LogPos, ChangeEvent>> CitusRows(sql::Connection& c, const char* table,
                                                      std::int64_t g, LogPos from,
                                                      std::optional<std::int64_t> xmin,
                                                      std::size_t limit, std::optional<BotId> bot) {
  std::vector<std::pair<LogPos, ChangeEvent>> out;
  if (limit == 0) return out;
  sql::Statement& st =
      c.Prepare("SELECT " + kPgEventColumns.List() + " FROM " + table +
                " WHERE id >= ? AND id < ? AND (xid, id) > (?, ?)" + (xmin ? " AND xid < ?" : "") +
                (bot ? " AND bot_id = ?" : "") + " ORDER BY xid, id LIMIT ?");
  int i = 1;
  st.Bind(i++, g << kGroupShift);
  st.Bind(i++, (g + 1) << kGroupShift);
  st.Bind(i++, from.t);
  st.Bind(i++, from.m);
  if (xmin) st.Bind(i++, *xmin);
  if (bot) st.Bind(i++, *bot);
  st.Bind(i, static_cast<std::int64_t>(limit));
  while (st.Step()) {
    const detail::schema::RowReader<kChangeLog> r(st, kPgEventColumns);
    out.emplace_back(LogPos{r.Get<std::int64_t>("xid"), r.Get<std::int64_t>("id")}, ReadEvent(r));
  }
  st.Reset();
  return out;
}

// The newest position of group `g` that may be handed out: the largest
// (xid, id) of its rows in both logs below `xmin` (all of them for a group
// whose node has left), or nullopt when there is none.
std::optional<LogPos> CitusBound(sql::Connection& c, std::int64_t g,
                                 std::optional<std::int64_t> xmin) {
  std::optional<LogPos> out;
  for (const char* table : {"audit.change_log", "market.market_change_log"}) {
    sql::Statement& st =
        c.Prepare(std::string("SELECT xid, id FROM ") + table + " WHERE id >= ? AND id < ?" +
                  (xmin ? " AND xid < ?" : "") + " ORDER BY xid DESC, id DESC LIMIT 1");
    st.Bind(1, g << kGroupShift);
    st.Bind(2, (g + 1) << kGroupShift);
    if (xmin) st.Bind(3, *xmin);
    if (st.Step()) {
      const LogPos p{st.GetInt64(0), st.GetInt64(1)};
      if (!out || *out < p) out = p;
    }
    st.Reset();
  }
  return out;
}

std::string CitusHead(sql::Connection& c, const std::map<std::int64_t, std::int64_t>& xmins) {
  GroupPos groups;
  for (const auto& [g, xmin] : xmins) {
    if (const auto bound = CitusBound(c, g, xmin)) groups[g] = *bound;
  }
  return FormatCitus(groups);
}

ChangeBatch CitusAfter(sql::Connection& c, std::string_view cursor, std::size_t limit,
                       std::optional<BotId> bot,
                       const std::map<std::int64_t, std::int64_t>& xmins) {
  GroupPos at = ParseCitus(cursor);
  // Every group of a live node is read (one missing from the cursor had no
  // row to hand out when the cursor was made: from its first row); a group
  // of the cursor whose node has left is read without a bound; from the
  // beginning, also the groups of nodes gone.
  std::set<std::int64_t> groups;
  for (const auto& [g, xmin] : xmins) groups.insert(g);
  for (const auto& [g, p] : at) groups.insert(g);
  if (at.empty()) {
    for (std::int64_t g : LoggedGroups(c)) groups.insert(g);
  }
  struct Group {
    std::int64_t id;
    std::optional<std::int64_t> xmin;
    std::vector<std::pair<LogPos, ChangeEvent>> rows;  // both logs, (xid, id) order
    std::size_t next = 0;
    bool complete = false;  // rows hold every row (of the bot) below the bound
  };
  std::vector<Group> read;
  for (std::int64_t g : groups) {
    Group gr{g, std::nullopt, {}, 0, false};
    if (const auto x = xmins.find(g); x != xmins.end()) gr.xmin = x->second;
    const auto known = at.find(g);
    const LogPos from = known == at.end() ? LogPos{} : known->second;
    auto t = CitusRows(c, "audit.change_log", g, from, gr.xmin, limit, bot);
    // Market events belong to no bot.
    auto m = bot ? decltype(t){}
                 : CitusRows(c, "market.market_change_log", g, from, gr.xmin, limit, bot);
    gr.complete = t.size() < limit && m.size() < limit;
    gr.rows.reserve(t.size() + m.size());
    std::merge(std::make_move_iterator(t.begin()), std::make_move_iterator(t.end()),
               std::make_move_iterator(m.begin()), std::make_move_iterator(m.end()),
               std::back_inserter(gr.rows),
               [](const auto& a, const auto& b) { return a.first < b.first; });
    read.push_back(std::move(gr));
  }
  ChangeBatch batch;
  while (batch.events.size() < limit) {
    // The group whose next event was recorded first (lowest group on a tie).
    Group* pick = nullptr;
    for (Group& gr : read) {
      if (gr.next < gr.rows.size() &&
          (!pick || gr.rows[gr.next].second.time < pick->rows[pick->next].second.time)) {
        pick = &gr;
      }
    }
    if (!pick) break;
    auto& [pos, event] = pick->rows[pick->next++];
    at[pick->id] = pos;
    batch.events.push_back(std::move(event));
    batch.events.back().cursor = FormatCitus(at);
  }
  // With a bot filter, a group whose rows were all handed out moves on to
  // its bound, past the other bots' events. (Without one, its last row is
  // its bound.)
  if (bot) {
    for (const Group& gr : read) {
      if (gr.next < gr.rows.size() || !gr.complete) continue;
      if (const auto bound = CitusBound(c, gr.id, gr.xmin)) {
        const auto known = at.find(gr.id);
        if (known == at.end() || known->second < *bound) at[gr.id] = *bound;
      }
    }
  }
  batch.cursor = FormatCitus(at);
  return batch;
}

// What changes when a transaction that wrote events commits: the number of
// rows in each log written by transactions at or after `marks` (per group,
// the node's xmin when the marks were taken; a group above them, a node
// that joined since, counts whole). Rows of transactions that began before
// the marks ended before them, so only recent rows are counted.
using XidMarks = std::map<std::int64_t, std::int64_t>;
std::pair<std::int64_t, std::int64_t> CitusRecentRows(sql::Connection& c, const XidMarks& marks) {
  // Bound values, not literals: the statement's text depends only on the
  // number of groups, so the connection's statement cache stays small.
  std::string where;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    where += "(id >= ? AND id < ? AND xid >= ?) OR ";
  }
  where += "id >= ?";
  sql::Statement& st =
      c.Prepare("SELECT (SELECT count(*) FROM audit.change_log WHERE " + where +
                "), (SELECT count(*) FROM market.market_change_log WHERE " + where + ")");
  const std::int64_t above = marks.empty() ? 0 : marks.rbegin()->first + 1;
  int i = 1;
  for (int table = 0; table < 2; ++table) {
    for (const auto& [g, xmin] : marks) {
      st.Bind(i++, g << kGroupShift);
      st.Bind(i++, (g + 1) << kGroupShift);
      st.Bind(i++, xmin);
    }
    st.Bind(i++, above << kGroupShift);
  }
  std::pair<std::int64_t, std::int64_t> out{0, 0};
  if (st.Step()) out = {st.GetInt64(0), st.GetInt64(1)};
  st.Reset();
  return out;
}

}  // namespace

struct ChangeFeed::State {
  std::optional<LogPos> seen;  // SQLite: the bound at the last call
  std::unique_ptr<sql::PgListener> listener;
  std::optional<Layout> layout;  // PostgreSQL: read once per feed
  // Citus: the nodes' xmins and the recent rows counted at the last call.
  XidMarks citus_marks;
  std::optional<std::pair<std::int64_t, std::int64_t>> citus_seen;

  Layout LayoutFor(sql::Connection& c) {
    if (!layout) layout = LayoutOf(c);
    return *layout;
  }
  // Citus: the nodes' xmins now, remembered with the rows counted after
  // them, so that WaitForChange wakes on commits from here on.
  XidMarks CitusMark(sql::Connection& c) {
    citus_marks = NodeXmins(c);
    citus_seen = CitusRecentRows(c, citus_marks);
    return citus_marks;
  }
};

ChangeFeed::ChangeFeed() : state_(std::make_unique<State>()) {}
ChangeFeed::~ChangeFeed() = default;

std::string ChangeFeed::Head() {
  const sql::Dialect d = impl_->dialect();
  if (d == sql::Dialect::kPostgres) {
    sql::Connection& c = Outside(*impl_, Database::kTrading);
    if (state_->LayoutFor(c) == Layout::kCitus) return CitusHead(c, state_->CitusMark(c));
    if (!state_->listener) state_->listener = sql::ListenPostgres(impl_->url(), kChannel);
    return Format(d, PgBound(Outside(*impl_, Database::kTrading)).value_or(LogPos{}));
  }
  state_->seen = SqliteBound(*impl_);
  return Format(d, *state_->seen);
}

ChangeBatch ChangeFeed::After(std::string_view cursor, std::size_t limit,
                              std::optional<BotId> bot) {
  const sql::Dialect d = impl_->dialect();
  if (d == sql::Dialect::kPostgres &&
      state_->LayoutFor(Outside(*impl_, Database::kTrading)) == Layout::kCitus) {
    sql::Connection& c = Outside(*impl_, Database::kTrading);
    return CitusAfter(c, cursor, limit, bot, state_->CitusMark(c));
  }
  const LogPos from = Parse(d, cursor);
  ChangeBatch batch;
  if (d == sql::Dialect::kPostgres) {
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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto sleep_until_next = [&](std::chrono::milliseconds interval) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, interval));
    return true;
  };
  if (impl_->dialect() == sql::Dialect::kPostgres &&
      state_->LayoutFor(Outside(*impl_, Database::kTrading)) == Layout::kCitus) {
    sql::Connection& c = Outside(*impl_, Database::kTrading);
    if (!state_->citus_seen) state_->CitusMark(c);
    for (;;) {
      if (CitusRecentRows(c, state_->citus_marks) != *state_->citus_seen) {
        // New marks before returning: what commits after them wakes the
        // next call, and the caller's read comes after them.
        state_->CitusMark(c);
        return true;
      }
      if (!sleep_until_next(kCitusPollInterval)) return false;
    }
  }
  if (impl_->dialect() == sql::Dialect::kPostgres) {
    if (!state_->listener) state_->listener = sql::ListenPostgres(impl_->url(), kChannel);
    return state_->listener->Wait(timeout);
  }
  if (!state_->seen) state_->seen = SqliteBound(*impl_);
  for (;;) {
    const LogPos now = SqliteBound(*impl_);
    if (now != *state_->seen) {
      state_->seen = now;
      return true;
    }
    if (!sleep_until_next(kSqlitePollInterval)) return false;
  }
}

}  // namespace tradestore
