// Compares a store's database with the schema description; see
// schema_check.h.
#include "store/schema_check.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "store/query_util.h"
#include "store/schema.h"

namespace tradestore::detail {
namespace {

// A column as a database has it.
struct FoundColumn {
  std::string name;
  std::string type;  // SQLite's declared type, PostgreSQL's data_type
  bool not_null = false;
};

struct FoundTable {
  std::vector<FoundColumn> columns;
  std::vector<std::string> primary_key;
};

// (schema, name) -> table, for one database.
using Found = std::map<std::pair<std::string, std::string>, FoundTable>;

bool TypeMatches(schema::Type type, std::string_view found, sql::Dialect dialect) {
  using schema::Type;
  if (dialect == sql::Dialect::kSqlite) {
    switch (type) {
      case Type::kInteger:
      case Type::kBool:
      case Type::kTimestamp:
        return found == "INTEGER";
      case Type::kReal:
        return found == "REAL";
      case Type::kText:
      case Type::kDecimal:
        return found == "TEXT";
      case Type::kBlob:
        return found == "BLOB";
    }
    return false;
  }
  switch (type) {
    case Type::kInteger:
      return found == "bigint" || found == "integer" || found == "smallint";
    case Type::kBool:
      return found == "integer";
    case Type::kReal:
      return found == "double precision";
    case Type::kText:
      return found == "text";
    case Type::kDecimal:
      return found == "numeric";
    case Type::kTimestamp:
      return found == "timestamp with time zone";
    case Type::kBlob:
      return found == "bytea";
  }
  return false;
}

std::string_view TypeName(schema::Type type) {
  switch (type) {
    case schema::Type::kInteger:
      return "integer";
    case schema::Type::kBool:
      return "bool";
    case schema::Type::kReal:
      return "real";
    case schema::Type::kText:
      return "text";
    case schema::Type::kDecimal:
      return "decimal";
    case schema::Type::kTimestamp:
      return "timestamp";
    case schema::Type::kBlob:
      return "blob";
  }
  return "?";
}

// The tables of one SQLite database file holding `dbs` (SQLite names them
// without a schema), each under the schema the description gives it.
Found ReadSqlite(sql::Connection& c, const std::vector<Database>& dbs) {
  Found out;
  std::vector<std::string> names;
  sql::Statement& list = c.Prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
      "AND name <> 'schema_migrations' ORDER BY name");
  while (list.Step()) names.push_back(list.GetText(0));
  list.Reset();
  for (const std::string& name : names) {
    // An unknown table is named under the file's (first) database.
    std::string schema_name = dbs.front() == Database::kMarket      ? "market"
                              : dbs.front() == Database::kAnalytics ? "analytics"
                                                                    : "trading";
    for (const schema::Table& t : schema::kTables) {
      if (t.name == name && std::find(dbs.begin(), dbs.end(), t.database) != dbs.end()) {
        schema_name = std::string(t.schema);
      }
    }
    FoundTable& table = out[{schema_name, name}];
    std::vector<std::pair<std::int64_t, std::string>> key;
    sql::Statement& info = c.Prepare(
        "SELECT name, upper(type), \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid");
    BindParams(info, name);
    while (info.Step()) {
      const std::int64_t pk = info.GetInt64(3);
      table.columns.push_back({info.GetText(0), info.GetText(1), info.GetInt64(2) != 0 || pk > 0});
      if (pk > 0) key.emplace_back(pk, info.GetText(0));
    }
    info.Reset();
    std::sort(key.begin(), key.end());
    for (auto& [position, column] : key) table.primary_key.push_back(std::move(column));
  }
  return out;
}

Found ReadPostgres(sql::Connection& c) {
  Found out;
  sql::Statement& tables = c.Prepare(
      "SELECT table_schema, table_name FROM information_schema.tables "
      "WHERE table_schema IN ('trading', 'market', 'analytics', 'config', 'audit') "
      "AND table_type = 'BASE TABLE'");
  while (tables.Step()) out[{tables.GetText(0), tables.GetText(1)}];
  tables.Reset();
  sql::Statement& columns = c.Prepare(
      "SELECT table_schema, table_name, column_name, data_type, is_nullable "
      "FROM information_schema.columns "
      "WHERE table_schema IN ('trading', 'market', 'analytics', 'config', 'audit') "
      "ORDER BY table_schema, table_name, ordinal_position");
  while (columns.Step()) {
    auto it = out.find({columns.GetText(0), columns.GetText(1)});
    if (it == out.end()) continue;  // a view's columns
    it->second.columns.push_back(
        {columns.GetText(2), columns.GetText(3), columns.GetText(4) == "NO"});
  }
  columns.Reset();
  sql::Statement& keys = c.Prepare(
      "SELECT k.table_schema, k.table_name, k.column_name "
      "FROM information_schema.table_constraints tc "
      "JOIN information_schema.key_column_usage k ON k.constraint_schema = tc.constraint_schema "
      "AND k.constraint_name = tc.constraint_name "
      "WHERE tc.constraint_type = 'PRIMARY KEY' "
      "AND tc.table_schema IN ('trading', 'market', 'analytics', 'config', 'audit') "
      "ORDER BY k.table_schema, k.table_name, k.ordinal_position");
  while (keys.Step()) {
    auto it = out.find({keys.GetText(0), keys.GetText(1)});
    if (it != out.end()) it->second.primary_key.push_back(keys.GetText(2));
  }
  keys.Reset();
  return out;
}

void CompareTable(const schema::Table& t, const FoundTable& found, sql::Dialect dialect,
                  std::vector<std::string>& out) {
  const std::string table = fmt::format("{}.{}", t.schema, t.name);
  std::vector<const schema::Column*> expected;
  for (const schema::Column& c : t.columns) {
    if (dialect == sql::Dialect::kPostgres || c.dialects == schema::Dialects::kBoth) {
      expected.push_back(&c);
    }
  }
  for (const FoundColumn& f : found.columns) {
    const bool known = std::any_of(expected.begin(), expected.end(),
                                   [&](const schema::Column* c) { return c->name == f.name; });
    if (!known) {
      out.push_back(
          fmt::format("column {}.{} ({}) is in the database but not in src/store/schema.h", table,
                      f.name, f.type));
    }
  }
  std::vector<std::string> common_found;
  for (const FoundColumn& f : found.columns) common_found.push_back(f.name);
  std::vector<std::string> common_expected;
  for (const schema::Column* c : expected) {
    auto it = std::find_if(found.columns.begin(), found.columns.end(),
                           [&](const FoundColumn& f) { return f.name == c->name; });
    if (it == found.columns.end()) {
      out.push_back(fmt::format("column {}.{} is in src/store/schema.h but not in the database",
                                table, c->name));
      continue;
    }
    common_expected.emplace_back(c->name);
    if (!TypeMatches(c->type, it->type, dialect)) {
      out.push_back(fmt::format("column {}.{}: the database's type {} is not the description's {}",
                                table, c->name, it->type, TypeName(c->type)));
    }
    if (it->not_null == c->nullable) {
      out.push_back(fmt::format("column {}.{}: the database has it {}, the description {}", table,
                                c->name, it->not_null ? "NOT NULL" : "nullable",
                                c->nullable ? "nullable" : "NOT NULL"));
    }
  }
  std::erase_if(common_found, [&](const std::string& name) {
    return std::find(common_expected.begin(), common_expected.end(), name) == common_expected.end();
  });
  if (common_found != common_expected) {
    out.push_back(fmt::format("table {}: the columns are in another order in the database", table));
  }
  std::vector<std::string> key;
  if (dialect == sql::Dialect::kPostgres && !t.postgres_key_prefix.empty()) {
    key.emplace_back(t.postgres_key_prefix);
  }
  key.insert(key.end(), t.primary_key.begin(), t.primary_key.end());
  if (key != found.primary_key) {
    out.push_back(
        fmt::format("table {}: the database's primary key ({}) is not the description's ({})",
                    table, fmt::join(found.primary_key, ", "), fmt::join(key, ", ")));
  }
}

// Foreign keys whose referenced table comes later in the description (copy
// and restore insert in its order).
void CheckForeignKeyOrder(sql::Connection& c, std::vector<std::string>& out) {
  sql::Statement& st = c.Prepare(
      "SELECT DISTINCT n.nspname || '.' || t.relname, rn.nspname || '.' || r.relname "
      "FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid "
      "JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_class r ON r.oid = k.confrelid "
      "JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE k.contype = 'f' ORDER BY 1, 2");
  std::vector<std::pair<std::string, std::string>> references;
  while (st.Step()) references.emplace_back(st.GetText(0), st.GetText(1));
  st.Reset();
  auto position = [](const std::string& qualified) {
    for (std::size_t i = 0; i < schema::kTables.size(); ++i) {
      const schema::Table& t = schema::kTables[i];
      if (fmt::format("{}.{}", t.schema, t.name) == qualified) return static_cast<int>(i);
    }
    return -1;
  };
  for (const auto& [from, to] : references) {
    if (from != to && position(from) >= 0 && position(from) < position(to)) {
      out.push_back(fmt::format(
          "table {} references {}, which comes after it in src/store/schema.h", from, to));
    }
  }
}

}  // namespace

std::vector<std::string> SchemaDifferences(StoreImpl& store) {
  std::vector<std::string> out;
  const sql::Dialect dialect = store.dialect();
  // Each distinct connection with the databases it holds.
  std::vector<std::pair<sql::Connection*, std::vector<Database>>> files;
  for (Database db : {Database::kTrading, Database::kMarket, Database::kAnalytics}) {
    sql::Connection* c = &store.connection(db);
    auto it = std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.first == c; });
    if (it == files.end()) {
      files.push_back({c, {db}});
    } else {
      it->second.push_back(db);
    }
  }
  for (const auto& [connection, dbs] : files) {
    const Found found = dialect == sql::Dialect::kPostgres ? ReadPostgres(*connection)
                                                           : ReadSqlite(*connection, dbs);
    std::set<std::pair<std::string, std::string>> expected;
    for (const schema::Table& t : schema::kTables) {
      if (std::find(dbs.begin(), dbs.end(), t.database) == dbs.end()) continue;
      const std::pair<std::string, std::string> id{std::string(t.schema), std::string(t.name)};
      expected.insert(id);
      auto it = found.find(id);
      if (it == found.end()) {
        out.push_back(fmt::format("table {}.{} is in src/store/schema.h but not in the database",
                                  t.schema, t.name));
      } else {
        CompareTable(t, it->second, dialect, out);
      }
    }
    for (const auto& [id, table] : found) {
      if (!expected.contains(id)) {
        out.push_back(fmt::format("table {}.{} is in the database but not in src/store/schema.h",
                                  id.first, id.second));
      }
    }
    if (dialect == sql::Dialect::kPostgres) CheckForeignKeyOrder(*connection, out);
  }
  return out;
}

}  // namespace tradestore::detail
