// The entity catalog, filters and entity reads and inserts; see entities.h.
#include "store/entities.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <utility>

#include "store/candle_chunks.h"
#include "store/query_util.h"
#include "tradestore/error.h"

namespace tradestore::detail {
namespace {

bool HasColumn(const TableInfo& t, std::string_view name) {
  return std::any_of(t.columns.begin(), t.columns.end(),
                     [&](const ColumnInfo& c) { return c.name == name; });
}

const TableInfo* CatalogTable(std::string_view qualified) {
  for (const TableInfo& t : StoreTables()) {
    if (t.QualifiedName() == qualified) return &t;
  }
  return nullptr;
}

std::string_view EntityOf(const TableInfo& table) {
  for (const EntityName& e : EntityNames()) {
    if (e.table == table.QualifiedName()) return e.entity;
  }
  return table.name;
}

std::optional<std::int64_t> AsId(std::string_view text) {
  std::int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || text.empty()) return {};
  return v;
}

std::vector<std::int64_t> Ids(sql::Connection& c, const std::string& sql,
                              const std::vector<std::string>& params) {
  sql::Statement& st = c.Prepare(sql);
  for (std::size_t i = 0; i < params.size(); ++i) st.Bind(static_cast<int>(i + 1), params[i]);
  std::vector<std::int64_t> ids;
  while (st.Step()) ids.push_back(st.GetInt64(0));
  st.Reset();
  return ids;
}

// A bot name or id -> the bot ids it names.
std::vector<std::int64_t> ResolveBot(StoreImpl& store, const std::string& bot) {
  sql::Connection& c = store.connection(Database::kTrading);
  std::vector<std::int64_t> ids =
      Ids(c, "SELECT id FROM trading.bots WHERE name = ? ORDER BY id", {bot});
  if (ids.empty()) {
    if (const auto id = AsId(bot)) {
      ids = Ids(c, "SELECT id FROM trading.bots WHERE id = ?", {std::to_string(*id)});
    }
  }
  if (ids.empty()) throw NotFound(fmt::format("no bot named or numbered '{}'", bot));
  return ids;
}

void AddIn(ResolvedFilter& f, std::vector<std::string>& where, const std::string& column,
           const std::vector<std::int64_t>& ids) {
  where.push_back(column + " IN " + Placeholders(ids.size()));
  for (std::int64_t id : ids) f.params.emplace_back(id);
}

void Refuse(const TableInfo& table, std::string_view option, std::string_view why) {
  throw InvalidArgument(fmt::format("{} does not apply to {} ({})", option, EntityOf(table), why));
}

bool IsCandles(const TableInfo& table) { return table.QualifiedName() == "market.candles"; }

using Series = std::pair<std::int64_t, std::string>;

bool Selects(const ResolvedFilter::Candles& sel, const Series& series) {
  if (sel.instruments && std::find(sel.instruments->begin(), sel.instruments->end(),
                                   series.first) == sel.instruments->end()) {
    return false;
  }
  return !sel.timeframe || *sel.timeframe == series.second;
}

// The first series after `after` (every series when nullopt) in key order,
// among those with rows and those with chunks that `sel` selects.
std::optional<Series> NextCandleSeries(sql::Connection& c, const ResolvedFilter::Candles& sel,
                                       const std::optional<Series>& after) {
  std::vector<std::string> conds;
  if (after) conds.emplace_back("(instrument_id, timeframe) > (?, ?)");
  if (sel.instruments) conds.push_back("instrument_id IN " + Placeholders(sel.instruments->size()));
  if (sel.timeframe) conds.emplace_back("timeframe = ?");
  const std::string where = conds.empty() ? "" : " WHERE " + Join(conds, " AND ");
  const auto first = [&where](const std::string& table) {
    return "SELECT * FROM (SELECT instrument_id, timeframe FROM " + table + where +
           " ORDER BY instrument_id, timeframe LIMIT 1)";
  };
  sql::Statement& st = c.Prepare(first("market.candles") + " r UNION ALL " +
                                 first("market.candle_chunks") + " k ORDER BY 1, 2 LIMIT 1");
  int index = 1;
  for (int part = 0; part < 2; ++part) {
    if (after) {
      st.Bind(index++, after->first);
      st.Bind(index++, after->second);
    }
    if (sel.instruments) {
      for (std::int64_t id : *sel.instruments) st.Bind(index++, id);
    }
    if (sel.timeframe) st.Bind(index++, *sel.timeframe);
  }
  std::optional<Series> out;
  if (st.Step()) out.emplace(st.GetInt64(0), st.GetText(1));
  st.Reset();
  return out;
}

Row CandleRow(const TableInfo& table, const Series& series, const Candle& k) {
  Row row;
  row.reserve(table.columns.size());
  for (const ColumnInfo& col : table.columns) {
    const std::string_view n = col.name;
    if (n == "instrument_id") {
      row.emplace_back(series.first);
    } else if (n == "timeframe") {
      row.emplace_back(series.second);
    } else if (n == "open_time") {
      row.emplace_back(k.open_time);
    } else if (n == "open") {
      row.emplace_back(k.open);
    } else if (n == "high") {
      row.emplace_back(k.high);
    } else if (n == "low") {
      row.emplace_back(k.low);
    } else if (n == "close") {
      row.emplace_back(k.close);
    } else if (n == "volume") {
      row.emplace_back(k.volume);
    } else if (n == "trades" && k.trades >= 0) {
      row.emplace_back(k.trades);
    } else {
      row.emplace_back(std::monostate{});
    }
  }
  return row;
}

// Candles as rows, rows and chunks merged (candle_chunks.h), in key order
// after `after`, at most `batch`.
std::vector<Row> ReadMergedCandles(StoreImpl& store, const TableInfo& table,
                                   const ResolvedFilter::Candles& sel,
                                   const std::optional<Row>& after, std::int64_t batch) {
  sql::Connection& c = store.connection(Database::kMarket);
  std::optional<Series> series;
  std::optional<Timestamp> resume;  // continue the first series after this open time
  if (after) {
    const auto* id = after->size() == 3 ? std::get_if<std::int64_t>(&(*after)[0]) : nullptr;
    const auto* tf = id ? std::get_if<std::string>(&(*after)[1]) : nullptr;
    const auto* t = tf ? std::get_if<Timestamp>(&(*after)[2]) : nullptr;
    if (t == nullptr) throw InvalidArgument("candles: malformed position to continue after");
    series.emplace(*id, *tf);
    resume = *t;
  } else {
    series = NextCandleSeries(c, sel, std::nullopt);
  }
  std::vector<Row> rows;
  while (series && static_cast<std::int64_t>(rows.size()) < batch) {
    if (Selects(sel, *series)) {
      TimeRange range;
      range.from = sel.from;
      range.to = sel.to;
      if (resume && (!range.from || resume->micros() + 1 > range.from->micros())) {
        range.from = Timestamp(resume->micros() + 1);
      }
      ForEachCandle(c, series->first, series->second, range, [&](const Candle& k) {
        rows.push_back(CandleRow(table, *series, k));
        return static_cast<std::int64_t>(rows.size()) < batch;
      });
    }
    resume.reset();
    if (static_cast<std::int64_t>(rows.size()) >= batch) break;
    series = NextCandleSeries(c, sel, series);
  }
  return rows;
}

// Candles an import inserted as rows into the range of a chunk are folded
// into it; one already in the chunk is refused like a duplicate row.
void FoldImportedCandles(sql::Connection& c, int chunk_format,
                         const std::vector<std::string>& columns, const std::vector<Row>& rows,
                         const std::function<std::string(std::size_t)>& where) {
  const auto index = [&columns](std::string_view name) {
    const auto it = std::find(columns.begin(), columns.end(), name);
    return it == columns.end() ? columns.size() : static_cast<std::size_t>(it - columns.begin());
  };
  const std::size_t id_at = index("instrument_id");
  const std::size_t tf_at = index("timeframe");
  const std::size_t time_at = index("open_time");
  if (id_at == columns.size() || tf_at == columns.size() || time_at == columns.size()) return;
  std::map<Series, std::pair<Timestamp, Timestamp>> spans;
  for (const Row& row : rows) {
    const auto* id = std::get_if<std::int64_t>(&row[id_at]);
    const auto* tf = std::get_if<std::string>(&row[tf_at]);
    const auto* t = std::get_if<Timestamp>(&row[time_at]);
    if (id == nullptr || tf == nullptr || t == nullptr) continue;  // the insert refused it
    const auto [it, added] = spans.try_emplace(Series(*id, *tf), *t, *t);
    if (!added) {
      it->second.first = std::min(it->second.first, *t);
      it->second.second = std::max(it->second.second, *t);
    }
  }
  for (const auto& entry : spans) {
    // Not a structured binding: clang before 16 cannot capture one.
    const auto& series = entry.first;
    const auto& span = entry.second;
    if (!HasChunks(c, series.first, series.second)) continue;
    FoldRowsIntoChunks(
        c, series.first, series.second, span.first, span.second, chunk_format, [&](Timestamp t) {
          std::size_t i = 0;
          while (i + 1 < rows.size()) {
            const Row& r = rows[i];
            const auto* id = std::get_if<std::int64_t>(&r[id_at]);
            const auto* tf = std::get_if<std::string>(&r[tf_at]);
            const auto* at = std::get_if<Timestamp>(&r[time_at]);
            if (id && tf && at && *id == series.first && *tf == series.second && *at == t) {
              break;
            }
            ++i;
          }
          throw Conflict(
              fmt::format("{}: the candle of instrument_id={}, timeframe={}, open_time={} "
                          "is already stored (compacted)",
                          where(i), series.first, series.second, t.ToIso()));
        });
  }
}

}  // namespace

const std::vector<EntityName>& EntityNames() {
  static const std::vector<EntityName> names = {
      {"instruments", "market.instruments", "created_at"},
      {"candles", "market.candles", "open_time"},
      {"bots", "trading.bots", "created_at"},
      {"accounts", "trading.accounts", "created_at"},
      {"balances", "trading.balances", "updated_at"},
      {"ledger", "trading.ledger_entries", "time"},
      {"balance-history", "trading.balance_history", "time"},
      {"signals", "trading.signals", "time"},
      // A signal's components (child rows keyed by bot_id, signal_id, name);
      // no time of their own: filter the signals by time instead.
      {"signal-components", "trading.signal_components", ""},
      {"orders", "trading.orders", "created_at"},
      {"order-events", "trading.order_events", "time"},
      {"fills", "trading.fills", "time"},
      {"positions", "trading.positions", "updated_at"},
      {"position-events", "trading.position_events", "time"},
      {"trades", "trading.trades", "exit_time"},
      {"portfolio-snapshots", "trading.portfolio_snapshots", "time"},
      {"risk-limits", "trading.risk_limits", "effective_from"},
      {"risk-events", "audit.risk_events", "time"},
      {"daily-pnl", "analytics.daily_pnl", "date"},
      {"configs", "config.configs", "effective_from"},
      {"strategies", "config.strategies", "created_at"},
      {"system-events", "audit.system_events", "time"},
      {"errors", "audit.error_log", "time"},
      {"patterns", "analytics.pattern_cache", "detected_at"},
      {"ml-results", "analytics.ml_results", "time"},
      {"latency", "analytics.execution_latency", "order_time"},
      {"news-feeds", "analytics.news_feeds", "created_at"},
      {"seen-news", "analytics.seen_news", "time"},
  };
  return names;
}

const TableInfo& EntityTable(std::string_view entity) {
  std::vector<std::string> known;
  for (const EntityName& e : EntityNames()) {
    if (e.entity == entity) {
      if (const TableInfo* t = CatalogTable(e.table)) return *t;
      throw NotFound(fmt::format("entity '{}' (table {}) is not available in this store version",
                                 entity, e.table));
    }
    known.emplace_back(e.entity);
  }
  throw InvalidArgument(
      fmt::format("unknown entity '{}'; the entities are: {}", entity, Join(known, ", ")));
}

std::vector<std::string> AvailableEntities() {
  std::vector<std::string> out;
  for (const TableInfo& t : StoreTables()) {
    for (const EntityName& e : EntityNames()) {
      if (e.table == t.QualifiedName()) out.emplace_back(e.entity);
    }
  }
  return out;
}

std::string TimeColumn(const TableInfo& table) {
  for (const EntityName& e : EntityNames()) {
    if (e.table != table.QualifiedName()) continue;
    if (e.time_column.empty() || !HasColumn(table, e.time_column)) return {};
    return std::string(e.time_column);
  }
  for (const char* name : {"time", "exit_time", "date", "detected_at", "effective_from",
                           "created_at", "open_time", "updated_at"}) {
    if (HasColumn(table, name)) return name;
  }
  return {};
}

ResolvedFilter ResolveFilter(StoreImpl& store, const TableInfo& table, const EntityFilter& filter) {
  ResolvedFilter f;
  std::vector<std::string> where;
  std::optional<std::vector<std::int64_t>> instrument_ids;
  if (filter.bot) {
    const std::vector<std::int64_t> ids = ResolveBot(store, *filter.bot);
    if (HasColumn(table, "bot_id")) {
      AddIn(f, where, "bot_id", ids);
    } else if (table.QualifiedName() == "trading.bots") {
      AddIn(f, where, "id", ids);
    } else {
      Refuse(table, "--bot", "it has no bot_id column");
    }
  }
  if (filter.symbol || filter.venue) {
    if (HasColumn(table, "instrument_id")) {
      std::string sql = "SELECT id FROM market.instruments WHERE 1 = 1";
      std::vector<std::string> params;
      if (filter.symbol) {
        sql += " AND symbol = ?";
        params.push_back(*filter.symbol);
      }
      if (filter.venue) {
        sql += " AND venue = ?";
        params.push_back(*filter.venue);
      }
      const std::vector<std::int64_t> ids =
          Ids(store.connection(Database::kMarket), sql + " ORDER BY id", params);
      if (ids.empty()) {
        throw NotFound(fmt::format("no instrument{}{}",
                                   filter.symbol ? " with symbol '" + *filter.symbol + "'" : "",
                                   filter.venue ? " on venue '" + *filter.venue + "'" : ""));
      }
      AddIn(f, where, "instrument_id", ids);
      instrument_ids = ids;
    } else {
      for (const auto& [option, column, value] : {std::tuple{"--symbol", "symbol", filter.symbol},
                                                  std::tuple{"--venue", "venue", filter.venue}}) {
        if (!value) continue;
        if (!HasColumn(table, column))
          Refuse(table, option, "it has no instrument or " + std::string(column));
        where.push_back(std::string(column) + " = ?");
        f.params.emplace_back(*value);
      }
    }
  }
  if (filter.timeframe) {
    if (!HasColumn(table, "timeframe")) Refuse(table, "--timeframe", "it has no timeframe column");
    where.push_back("timeframe = ?");
    f.params.emplace_back(*filter.timeframe);
  }
  if (filter.strategy) {
    if (!HasColumn(table, "strategy")) Refuse(table, "--strategy", "it has no strategy column");
    where.push_back("strategy = ?");
    f.params.emplace_back(*filter.strategy);
  }
  if (filter.id) {
    if (!HasColumn(table, "id")) Refuse(table, "id", "it has no id column");
    where.push_back("id = ?");
    f.params.emplace_back(*filter.id);
  }
  if (filter.from || filter.to) {
    const std::string column = TimeColumn(table);
    if (column.empty()) Refuse(table, filter.from ? "--from" : "--to", "it has no time column");
    if (filter.from) {
      where.push_back(column + " >= ?");
      f.params.emplace_back(*filter.from);
    }
    if (filter.to) {
      where.push_back(column + " < ?");
      f.params.emplace_back(*filter.to);
    }
  }
  if (!filter.include_test && HasColumn(table, "is_test")) where.push_back("is_test = 0");
  if (!filter.include_system) {
    if (table.QualifiedName() == "trading.accounts") {
      where.push_back("kind <> 'system'");
    } else if (table.database == Database::kTrading && HasColumn(table, "account_id")) {
      where.push_back("account_id NOT IN (SELECT id FROM trading.accounts WHERE kind = 'system')");
    }
  }
  if (filter.limit) {
    if (*filter.limit < 0) throw InvalidArgument("--limit must not be negative");
    f.limit = *filter.limit;
  }
  f.where = Join(where, " AND ");
  if (IsCandles(table)) {
    // Every filter that applies to candles, as series and times (the others
    // were refused above: candles have no bot, strategy, id or is_test).
    f.candles.emplace();
    f.candles->instruments = std::move(instrument_ids);
    f.candles->timeframe = filter.timeframe;
    f.candles->from = filter.from;
    f.candles->to = filter.to;
  }
  return f;
}

std::vector<Row> ReadFilteredRows(StoreImpl& store, const TableInfo& table,
                                  const ResolvedFilter& filter, const std::optional<Row>& after,
                                  std::int64_t batch) {
  if (IsCandles(table) && filter.candles && AnyChunks(store.connection(table.database))) {
    return ReadMergedCandles(store, table, *filter.candles, after, batch);
  }
  std::string sql = "SELECT " + ColumnList(table) + " FROM " + table.QualifiedName();
  std::vector<std::string> where;
  if (!filter.where.empty()) where.push_back(filter.where);
  if (after) {
    where.push_back(
        fmt::format("({}) > {}", Join(table.key, ", "), Placeholders(table.key.size())));
  }
  if (!where.empty()) sql += " WHERE " + Join(where, " AND ");
  sql += " ORDER BY " + Join(table.key, ", ") + " LIMIT ?";
  sql::Statement& st = store.connection(table.database).Prepare(sql);
  int index = 1;
  for (const Value& v : filter.params) BindValue(st, index++, v);
  if (after) {
    for (const Value& v : *after) BindValue(st, index++, v);
  }
  st.Bind(index, batch);
  return StepRows(st, table);
}

std::vector<Row> ReadRowsWhereEqual(
    StoreImpl& store, const TableInfo& table,
    const std::vector<std::pair<std::string, std::int64_t>>& equal) {
  if (IsCandles(table)) {
    throw Error(ErrorKind::kInternal, "ReadRowsWhereEqual: not for market.candles");
  }
  std::vector<std::string> where;
  for (const auto& [column, value] : equal) {
    if (!HasColumn(table, column)) {
      throw InvalidArgument(fmt::format("{} has no column '{}'", table.QualifiedName(), column));
    }
    where.push_back(column + " = ?");
  }
  std::string sql = "SELECT " + ColumnList(table) + " FROM " + table.QualifiedName();
  if (!where.empty()) sql += " WHERE " + Join(where, " AND ");
  sql += " ORDER BY " + Join(table.key, ", ");
  sql::Statement& st = store.connection(table.database).Prepare(sql);
  int index = 1;
  for (const auto& [column, value] : equal) st.Bind(index++, value);
  return StepRows(st, table);
}

std::int64_t CountFilteredRows(StoreImpl& store, const TableInfo& table,
                               const ResolvedFilter& filter) {
  std::string sql = "SELECT count(*) FROM " + table.QualifiedName();
  if (!filter.where.empty()) sql += " WHERE " + filter.where;
  sql::Statement& st = store.connection(table.database).Prepare(sql);
  int index = 1;
  for (const Value& v : filter.params) BindValue(st, index++, v);
  std::int64_t n = st.Step() ? st.GetInt64(0) : 0;
  st.Reset();
  if (IsCandles(table) && filter.candles) {
    sql::Connection& c = store.connection(table.database);
    TimeRange range;
    range.from = filter.candles->from;
    range.to = filter.candles->to;
    for (const Series& series : SeriesWithChunks(c)) {
      if (Selects(*filter.candles, series))
        n += CountChunked(c, series.first, series.second, range);
    }
  }
  return n;
}

void InsertEntityRows(StoreImpl& store, const TableInfo& table,
                      const std::vector<std::string>& columns, const std::vector<Row>& rows,
                      const std::function<std::string(std::size_t)>& where,
                      const std::function<void(std::size_t)>& progress,
                      const std::function<void()>& before_commit) {
  for (const std::string& c : columns) {
    if (!HasColumn(table, c)) {
      throw InvalidArgument(fmt::format("{} has no column '{}'", table.QualifiedName(), c));
    }
  }
  if (columns.empty()) throw InvalidArgument("no columns to insert");
  sql::Connection& c = store.connection(table.database);
  const std::string sql = "INSERT INTO " + table.QualifiedName() + " (" + Join(columns, ", ") +
                          ") VALUES " + Placeholders(columns.size());
  {
    sql::Transaction tx(c);
    sql::Statement& st = c.Prepare(sql);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& row = rows[i];
      if (row.size() != columns.size()) {
        throw Error(ErrorKind::kInternal, fmt::format("{}: {} values for {} columns", where(i),
                                                      row.size(), columns.size()));
      }
      try {
        for (std::size_t k = 0; k < row.size(); ++k) BindValue(st, static_cast<int>(k + 1), row[k]);
        st.Execute();
        st.Reset();
      } catch (const Error& e) {
        st.Reset();
        throw Error(e.kind(), fmt::format("{}: {}", where(i), e.what()), e.native_code());
      }
      if (progress && (i + 1) % 1000 == 0) progress(i + 1);
    }
    if (IsCandles(table)) FoldImportedCandles(c, store.chunk_format(), columns, rows, where);
    if (before_commit) before_commit();
    tx.Commit();
  }
  if (progress) progress(rows.size());
  SyncIdentity(store, table);
}

void DeleteUnusedInstruments(StoreImpl& store, const std::vector<std::int64_t>& ids) noexcept {
  try {
    sql::Connection& c = store.connection(Database::kMarket);
    sql::Statement& st = c.Prepare(
        "DELETE FROM market.instruments WHERE id = ? AND NOT EXISTS "
        "(SELECT 1 FROM market.candles WHERE instrument_id = ?) AND NOT EXISTS "
        "(SELECT 1 FROM market.candle_chunks WHERE instrument_id = ?)");
    for (std::int64_t id : ids) {
      BindParams(st, id, id, id);
      st.Execute();
      st.Reset();
    }
  } catch (...) {
  }
}

}  // namespace tradestore::detail
