// Table-level access for copy and verification; see table_io.h.
#include "store/table_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "store/schema.h"
#include "tradestore/error.h"

namespace tradestore::detail {
namespace {

// The catalog: the description's copied tables (schema.h), in its order
// (referenced tables first), each column with the kind its values travel as.
ColumnKind KindOf(schema::Type type) {
  switch (type) {
    case schema::Type::kInteger:
    case schema::Type::kBool:
      return ColumnKind::kInt;
    case schema::Type::kReal:
      return ColumnKind::kDouble;
    case schema::Type::kText:
      return ColumnKind::kText;
    case schema::Type::kDecimal:
      return ColumnKind::kDecimal;
    case schema::Type::kTimestamp:
      return ColumnKind::kTime;
    case schema::Type::kBlob:
      return ColumnKind::kBlob;
  }
  return ColumnKind::kText;
}

std::vector<TableInfo> BuildCatalog() {
  std::vector<TableInfo> out;
  for (const schema::Table& t : schema::kTables) {
    if (t.role != schema::Role::kCopied) continue;
    TableInfo info{std::string(t.schema),  std::string(t.name), t.database, {}, {},
                   std::string(t.identity)};
    for (const schema::Column& c : t.columns) {
      info.columns.push_back(ColumnInfo{std::string(c.name), KindOf(c.type)});
    }
    for (std::string_view k : t.primary_key) info.key.emplace_back(k);
    out.push_back(std::move(info));
  }
  return out;
}

const ColumnInfo& Column(const TableInfo& t, std::string_view name) {
  for (const ColumnInfo& c : t.columns) {
    if (c.name == name) return c;
  }
  throw Error(ErrorKind::kInternal, fmt::format("{}: no column {}", t.QualifiedName(), name));
}

std::size_t ColumnIndex(const TableInfo& t, std::string_view name) {
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].name == name) return i;
  }
  throw Error(ErrorKind::kInternal, fmt::format("{}: no column {}", t.QualifiedName(), name));
}

// Appends the canonical rendering of `v` (see ChecksumTable).
void Render(const Value& v, std::string& out) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "N";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out += 'i';
          out += std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[64];
          const auto r = std::to_chars(buf, buf + sizeof buf, x);
          out += 'f';
          out.append(buf, r.ptr);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out += 's';
          out += std::to_string(x.size());
          out += ':';
          out += x;
        } else if constexpr (std::is_same_v<T, Decimal>) {
          out += 'd';
          out += x.ToString();
        } else if constexpr (std::is_same_v<T, sql::Blob>) {
          out += 'b';
          out += std::to_string(x.bytes.size());
          out += ':';
          out += x.bytes;
        } else {
          out += 't';
          out += std::to_string(x.micros());
        }
      },
      v);
  out += '|';
}

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t Fnv1a(std::uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

std::string KeyTuple(const TableInfo& t) { return "(" + Join(t.key, ", ") + ")"; }

std::vector<std::string> StringColumn(sql::Connection& c, std::string_view sql,
                                      const std::vector<std::string>& params) {
  sql::Statement& st = c.Prepare(sql);
  for (std::size_t i = 0; i < params.size(); ++i) st.Bind(static_cast<int>(i + 1), params[i]);
  std::vector<std::string> out;
  while (st.Step()) out.push_back(st.GetText(0));
  st.Reset();
  return out;
}

std::int64_t CountQualified(sql::Connection& c, const std::string& qualified) {
  sql::Statement& st = c.Prepare("SELECT count(*) FROM " + qualified);
  std::int64_t n = st.Step() ? st.GetInt64(0) : 0;
  st.Reset();
  return n;
}

}  // namespace

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::string ColumnList(const TableInfo& t) {
  std::vector<std::string> names;
  for (const ColumnInfo& c : t.columns) names.push_back(c.name);
  return Join(names, ", ");
}

std::string Placeholders(std::size_t n) {
  std::string out = "(";
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

void BindValue(sql::Statement& st, int index, const Value& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          st.BindNull(index);
        } else {
          st.Bind(index, x);
        }
      },
      v);
}

Value ReadValue(const sql::Statement& st, int column, ColumnKind kind) {
  if (st.IsNull(column)) return std::monostate{};
  switch (kind) {
    case ColumnKind::kInt:
      return st.GetInt64(column);
    case ColumnKind::kDouble:
      return st.GetDouble(column);
    case ColumnKind::kText:
      return st.GetText(column);
    case ColumnKind::kDecimal:
      return st.GetDecimal(column);
    case ColumnKind::kTime:
      return st.GetTimestamp(column);
    case ColumnKind::kBlob:
      return sql::Blob{std::string(st.GetBlob(column))};
  }
  return std::monostate{};
}

const std::vector<TableInfo>& StoreTables() {
  static const std::vector<TableInfo> tables = BuildCatalog();
  return tables;
}

const TableInfo& FindTable(std::string_view name) {
  std::vector<std::string> known;
  for (const TableInfo& t : StoreTables()) {
    if (t.QualifiedName() == name || t.name == name) return t;
    known.push_back(t.QualifiedName());
  }
  throw InvalidArgument(
      fmt::format("unknown table '{}'; the store's tables are: {}", name, Join(known, ", ")));
}

namespace {

// Tables the catalog leaves out on purpose: the description's transient
// tables (schema::Role::kTransient: the change feed's logs and the per-bot
// counters), written by triggers in whichever store the rows land in, and
// not copied, backed up table by table, exported or checked. (SQLite names
// them without a schema, hence by name.)
bool IsTransientTable(std::string_view name) {
  return std::any_of(schema::kTables.begin(), schema::kTables.end(), [&](const schema::Table& t) {
    return t.role == schema::Role::kTransient && t.name == name;
  });
}

}  // namespace

std::vector<std::string> CatalogDifferences(StoreImpl& store) {
  std::vector<std::string> out;
  // (schema, table) -> columns as the database has them.
  std::vector<std::pair<std::pair<std::string, std::string>, std::vector<std::string>>> found;
  auto add_unknown = [&](sql::Connection& c, const std::string& schema, const std::string& name,
                         const std::string& qualified) {
    const std::int64_t rows = CountQualified(c, qualified);
    out.push_back(fmt::format("table {}.{} is not known to tradestore copy{}", schema, name,
                              rows == 0 ? " (empty)" : fmt::format(" ({} rows)", rows)));
  };
  if (store.dialect() == sql::Dialect::kPostgres) {
    sql::Connection& c = store.connection(Database::kTrading);
    sql::Statement& st = c.Prepare(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('trading', 'market', 'analytics', 'config', 'audit') "
        "AND table_type = 'BASE TABLE' ORDER BY table_schema, table_name");
    std::vector<std::pair<std::string, std::string>> tables;
    while (st.Step()) tables.emplace_back(st.GetText(0), st.GetText(1));
    st.Reset();
    for (const auto& [schema, name] : tables) {
      found.push_back({{schema, name},
                       StringColumn(c,
                                    "SELECT column_name FROM information_schema.columns "
                                    "WHERE table_schema = ? AND table_name = ? "
                                    "ORDER BY ordinal_position",
                                    {schema, name})});
    }
  } else {
    const Database dbs[] = {Database::kTrading, Database::kMarket, Database::kAnalytics};
    const char* schemas[] = {"trading", "market", "analytics"};
    std::set<sql::Connection*> seen;
    for (int i = 0; i < 3; ++i) {
      sql::Connection& c = store.connection(dbs[i]);
      if (!seen.insert(&c).second) continue;
      for (const std::string& name :
           StringColumn(c,
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                        "'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
                        {})) {
        // The schema is the catalog's for a known table; else the file's.
        std::string schema = schemas[i];
        for (const TableInfo& t : StoreTables()) {
          if (t.name == name && &store.connection(t.database) == &c) schema = t.schema;
        }
        found.push_back(
            {{schema, name},
             StringColumn(c, "SELECT name FROM pragma_table_info(?) ORDER BY cid", {name})});
      }
    }
  }
  for (const auto& [id, columns] : found) {
    const auto& [schema, name] = id;
    if (IsTransientTable(name)) continue;
    const TableInfo* known = nullptr;
    for (const TableInfo& t : StoreTables()) {
      if (t.schema == schema && t.name == name) known = &t;
    }
    if (known == nullptr) {
      sql::Connection& c = store.dialect() == sql::Dialect::kPostgres
                               ? store.connection(Database::kTrading)
                               : store.connection(schema == "market"      ? Database::kMarket
                                                  : schema == "analytics" ? Database::kAnalytics
                                                                          : Database::kTrading);
      add_unknown(c, schema, name,
                  store.dialect() == sql::Dialect::kPostgres ? schema + "." + name : name);
      continue;
    }
    for (const std::string& column : columns) {
      const bool in_catalog = std::any_of(known->columns.begin(), known->columns.end(),
                                          [&](const ColumnInfo& ci) { return ci.name == column; });
      if (!in_catalog) {
        out.push_back(fmt::format("column {}.{} is not known to tradestore copy",
                                  known->QualifiedName(), column));
      }
    }
    for (const ColumnInfo& ci : known->columns) {
      if (std::find(columns.begin(), columns.end(), ci.name) == columns.end()) {
        out.push_back(
            fmt::format("column {}.{} is missing from the store", known->QualifiedName(), ci.name));
      }
    }
  }
  for (const TableInfo& t : StoreTables()) {
    const bool present = std::any_of(found.begin(), found.end(), [&](const auto& f) {
      return f.first.first == t.schema && f.first.second == t.name;
    });
    if (!present)
      out.push_back(fmt::format("table {} is missing from the store", t.QualifiedName()));
  }
  return out;
}

std::vector<Row> ReadRows(StoreImpl& store, const TableInfo& table, const std::optional<Row>& after,
                          const std::optional<Row>& upto, std::int64_t limit) {
  const std::string key = KeyTuple(table);
  std::string sql = "SELECT " + ColumnList(table) + " FROM " + table.QualifiedName();
  std::vector<std::string> where;
  if (after) where.push_back(key + " > " + Placeholders(table.key.size()));
  if (upto) where.push_back(key + " <= " + Placeholders(table.key.size()));
  if (!where.empty()) sql += " WHERE " + Join(where, " AND ");
  sql += " ORDER BY " + Join(table.key, ", ") + " LIMIT ?";
  sql::Statement& st = store.connection(table.database).Prepare(sql);
  int index = 1;
  if (after) {
    for (const Value& v : *after) BindValue(st, index++, v);
  }
  if (upto) {
    for (const Value& v : *upto) BindValue(st, index++, v);
  }
  st.Bind(index, limit);
  return StepRows(st, table);
}

std::vector<Row> StepRows(sql::Statement& st, const TableInfo& table) {
  std::vector<Row> rows;
  try {
    while (st.Step()) {
      Row row;
      row.reserve(table.columns.size());
      for (std::size_t i = 0; i < table.columns.size(); ++i) {
        row.push_back(ReadValue(st, static_cast<int>(i), table.columns[i].kind));
      }
      rows.push_back(std::move(row));
    }
  } catch (...) {
    st.Reset();
    throw;
  }
  st.Reset();
  return rows;
}

Row KeyOf(const TableInfo& table, const Row& row) {
  Row key;
  for (const std::string& k : table.key) key.push_back(row[ColumnIndex(table, k)]);
  return key;
}

std::optional<Row> LastKey(StoreImpl& store, const TableInfo& table) {
  std::vector<std::string> desc;
  for (const std::string& k : table.key) desc.push_back(k + " DESC");
  sql::Statement& st =
      store.connection(table.database)
          .Prepare("SELECT " + Join(table.key, ", ") + " FROM " + table.QualifiedName() +
                   " ORDER BY " + Join(desc, ", ") + " LIMIT 1");
  std::optional<Row> key;
  if (st.Step()) {
    key.emplace();
    for (std::size_t i = 0; i < table.key.size(); ++i) {
      key->push_back(ReadValue(st, static_cast<int>(i), Column(table, table.key[i]).kind));
    }
  }
  st.Reset();
  return key;
}

std::int64_t CountRows(StoreImpl& store, const TableInfo& table) {
  return CountQualified(store.connection(table.database), table.QualifiedName());
}

void InsertRows(StoreImpl& store, const TableInfo& table, const std::vector<Row>& rows) {
  if (rows.empty()) return;
  sql::Connection& c = store.connection(table.database);
  // The bulk path: COPY on PostgreSQL, one reused statement on SQLite. A
  // plain insert (no conflict columns): a row that exists already is a
  // unique violation, which the resume rule has ruled out beforehand.
  sql::BulkUpsertSpec spec;
  spec.table = table.QualifiedName();
  for (const ColumnInfo& column : table.columns) spec.columns.push_back(column.name);
  sql::Transaction tx(c);
  std::unique_ptr<sql::BulkWriter> writer = c.BeginBulkUpsert(spec);
  for (const Row& row : rows) {
    for (const Value& v : row) {
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              writer->AddNull();
            } else {
              writer->Add(x);
            }
          },
          v);
    }
    writer->EndRow();
  }
  writer->Finish();
  tx.Commit();
}

void SyncIdentity(StoreImpl& store, const TableInfo& table) {
  if (store.dialect() != sql::Dialect::kPostgres || table.identity.empty()) return;
  sql::Statement& st =
      store.connection(table.database)
          .Prepare(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', '{1}'), "
                               "COALESCE(max({1}), 0) + 1, false) FROM {0}",
                               table.QualifiedName(), table.identity));
  while (st.Step()) {
  }
  st.Reset();
}

TableChecksum ChecksumTable(StoreImpl& store, const TableInfo& table,
                            const std::optional<Row>& upto, std::int64_t batch_rows) {
  TableChecksum result;
  std::uint64_t h = kFnvOffset;
  std::optional<Row> after;
  std::string text;
  for (;;) {
    const std::vector<Row> rows = ReadRows(store, table, after, upto, batch_rows);
    for (const Row& row : rows) {
      text.clear();
      for (const Value& v : row) Render(v, text);
      text += '\n';
      h = Fnv1a(h, text);
    }
    result.rows += static_cast<std::int64_t>(rows.size());
    if (static_cast<std::int64_t>(rows.size()) < batch_rows) break;
    after = KeyOf(table, rows.back());
  }
  result.checksum = fmt::format("{:016x}", h);
  return result;
}

std::string ValueToString(const Value& value) {
  std::string out;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out = "NULL";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out = std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          out = fmt::format("{}", x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out = "'" + x + "'";
        } else if constexpr (std::is_same_v<T, Decimal>) {
          out = x.ToString();
        } else if constexpr (std::is_same_v<T, sql::Blob>) {
          out = fmt::format("<{} bytes>", x.bytes.size());
        } else {
          out = x.ToIso();
        }
      },
      value);
  return out;
}

}  // namespace tradestore::detail
