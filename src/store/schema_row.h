// Statements and typed rows from the schema description (schema.h): the
// column list and INSERT / SELECT text of a statement come from the
// description, and values are bound and read by column name, never by a
// hand-numbered position.
//
//   constexpr auto kInsert = schema::Columns<schema::tables::kFills>::Insertable();
//   static const std::string kSql = kInsert.InsertSql(" RETURNING id");
//   sql::Statement& st = c.Prepare(kSql);
//   schema::RowWriter<schema::tables::kFills> row(st, kInsert);
//   row.Set("price", fill.price).Set("fee", fill.fee) ...;
//   row.Done().Step();
//
// A column name is resolved to its position at compile time: a name the
// table lacks does not compile. At run time each Set / Get checks, at the
// cost of a comparison, that the column is one of the statement's and that
// the C++ type suits the column's logical type, and Done() that every column
// of the statement was set; a failure is Error(kInternal) naming the table
// and the column. The statement text is the same on SQLite and PostgreSQL
// (both drivers take "?" placeholders and RETURNING).
//
// Not part of the public API.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "sql/connection.h"
#include "store/schema.h"
#include "tradestore/decimal.h"
#include "tradestore/timestamp.h"

namespace tradestore::detail::schema {

// A column of table `kTable`, named by a string literal and resolved to its
// index in the description at compile time.
template <const Table& kTable>
struct Col {
  // NOLINTNEXTLINE(google-explicit-constructor): a literal names the column
  consteval Col(const char* name) : index(kTable.IndexOf(name)) {
    if (index < 0) throw "no such column of this table in src/store/schema.h";
  }
  int index;
};

// Throws Error(kInternal): `column` of `table` is not among a statement's
// columns, or `what` (a C++ type) does not suit its logical type.
[[noreturn]] void ThrowNotInStatement(const Table& table, int column);
[[noreturn]] void ThrowWrongType(const Table& table, int column, std::string_view what);
[[noreturn]] void ThrowNotSet(const Table& table, int column);
[[noreturn]] void ThrowBadValue(const Table& table, int column, std::string_view expression);
[[noreturn]] void ThrowBadComputed(const Table& table, int column, std::string_view expression);
[[noreturn]] void ThrowUnknownColumn(const Table& table, std::string_view name);
[[noreturn]] void ThrowOutOfOrder(const Table& table, int column);

template <class V>
struct IsOptional : std::false_type {};
template <class V>
struct IsOptional<std::optional<V>> : std::true_type {};

// Whether a C++ value of type V may be bound to or read from a column of
// logical type `type` (std::optional<V>: the same, NULL for nullopt).
template <class V>
constexpr bool Suits(Type type) {
  using U = std::remove_cvref_t<V>;
  if constexpr (std::is_same_v<U, bool>) {
    return type == Type::kBool;
  } else if constexpr (std::is_same_v<U, std::int64_t> || std::is_same_v<U, int>) {
    return type == Type::kInteger || type == Type::kBool;
  } else if constexpr (std::is_same_v<U, double>) {
    return type == Type::kReal;
  } else if constexpr (std::is_same_v<U, Decimal>) {
    return type == Type::kDecimal;
  } else if constexpr (std::is_same_v<U, Timestamp>) {
    return type == Type::kTimestamp;
  } else if constexpr (std::is_same_v<U, sql::Blob>) {
    return type == Type::kBlob;
  } else if constexpr (std::is_convertible_v<const U&, std::string_view>) {
    return type == Type::kText;
  } else {
    static_assert(!std::is_same_v<U, U>, "no column type takes this C++ type");
    return false;
  }
}
template <class V>
constexpr bool SuitsValue(Type type) {
  using U = std::remove_cvref_t<V>;
  if constexpr (IsOptional<U>::value) {
    return Suits<typename U::value_type>(type);
  } else if constexpr (std::is_array_v<U>) {
    return type == Type::kText;
  } else {
    return Suits<U>(type);
  }
}

// A C++ type's name for messages.
template <class V>
constexpr std::string_view CppTypeName() {
  using U = std::remove_cvref_t<V>;
  if constexpr (IsOptional<U>::value) {
    return "an optional";
  } else if constexpr (std::is_same_v<U, bool>) {
    return "bool";
  } else if constexpr (std::is_integral_v<U>) {
    return "an integer";
  } else if constexpr (std::is_same_v<U, double>) {
    return "double";
  } else if constexpr (std::is_same_v<U, Decimal>) {
    return "Decimal";
  } else if constexpr (std::is_same_v<U, Timestamp>) {
    return "Timestamp";
  } else if constexpr (std::is_same_v<U, sql::Blob>) {
    return "Blob";
  } else {
    return "text";
  }
}

// The columns of one statement on table `kTable`: a subset of the table's,
// always in the table's order.
template <const Table& kTable>
class Columns {
  static_assert(kTable.columns.size() <= 64, "a statement's columns are a 64-bit mask");

 public:
  // Every column of the table.
  static consteval Columns All() { return Columns(Bits(kTable.columns.size())); }
  // Every column but the identity column and `omitted` (columns the
  // database fills with their defaults): what an INSERT writes.
  static consteval Columns Insertable(std::initializer_list<const char*> omitted = {}) {
    std::uint64_t mask = Bits(kTable.columns.size());
    if (!kTable.identity.empty()) mask &= ~Bit(kTable.IndexOf(kTable.identity));
    for (const char* name : omitted) mask &= ~Bit(Col<kTable>(name).index);
    return Columns(mask);
  }
  // Just `names` (in the table's order, whatever the order given).
  static consteval Columns Only(std::initializer_list<const char*> names) {
    std::uint64_t mask = 0;
    for (const char* name : names) mask |= Bit(Col<kTable>(name).index);
    return Columns(mask);
  }

  constexpr bool Has(int column) const { return (mask_ & Bit(column)) != 0; }
  // The 0-based position of a column (Has) among the statement's columns.
  constexpr int Position(int column) const { return std::popcount(mask_ & (Bit(column) - 1)); }
  constexpr int size() const { return std::popcount(mask_); }
  constexpr std::uint64_t mask() const { return mask_; }

  // "a, b, c"; with a prefix "t.a, t.b, t.c".
  std::string List(std::string_view prefix = {}) const {
    std::string out;
    for (std::size_t i = 0; i < kTable.columns.size(); ++i) {
      if (!Has(static_cast<int>(i))) continue;
      if (!out.empty()) out += ", ";
      out.append(prefix).append(kTable.columns[i].name);
    }
    return out;
  }
  // "schema.table".
  static std::string QualifiedName() {
    return std::string(kTable.schema) + "." + std::string(kTable.name);
  }
  // "INSERT INTO schema.table (a, b) VALUES (?, ?)" followed by `tail`.
  // `values` replaces the "?" of a column by an expression whose first "?"
  // is the column's value; more "?" are allowed in the statement's last
  // column only (they are bound after all the columns'), else kInternal.
  std::string InsertSql(
      std::string_view tail = {},
      std::initializer_list<std::pair<std::string_view, std::string_view>> values = {}) const {
    std::string out = "INSERT INTO " + QualifiedName() + " (" + List() + ") VALUES (";
    int n = 0;
    for (std::size_t i = 0; i < kTable.columns.size(); ++i) {
      if (!Has(static_cast<int>(i))) continue;
      std::string_view value = "?";
      for (const auto& [column, expression] : values) {
        if (column == kTable.columns[i].name) value = expression;
      }
      if (value != "?" && n + 1 < size() && std::count(value.begin(), value.end(), '?') != 1) {
        ThrowBadValue(kTable, static_cast<int>(i), value);
      }
      out.append(n++ ? ", " : "").append(value);
    }
    return out.append(")").append(tail);
  }
  // InsertSql for an upsert: a row whose `key` columns match an existing
  // row's updates the statement's other columns but those of `kept`:
  // "INSERT ... ON CONFLICT (k1, k2) DO UPDATE SET a = excluded.a, ..."
  // followed by `tail`.
  std::string UpsertSql(Columns key, Columns kept = Columns(0), std::string_view tail = {}) const {
    return InsertSql(" ON CONFLICT (" + key.List() + ") DO UPDATE SET " +
                     ExcludedAssignments(Columns(key.mask_ | kept.mask_)) + std::string(tail));
  }
  // "a = excluded.a, b = excluded.b" for the statement's columns that are
  // not in `except` (an upsert's conflict key), for ON CONFLICT DO UPDATE.
  std::string ExcludedAssignments(Columns except) const {
    std::string out;
    for (std::size_t i = 0; i < kTable.columns.size(); ++i) {
      if (!Has(static_cast<int>(i)) || except.Has(static_cast<int>(i))) continue;
      const std::string_view name = kTable.columns[i].name;
      out.append(out.empty() ? "" : ", ").append(name).append(" = excluded.").append(name);
    }
    return out;
  }
  // "SELECT a, b FROM schema.table" followed by `tail`.
  std::string SelectSql(std::string_view tail = {}) const {
    return "SELECT " + List() + " FROM " + QualifiedName() + std::string(tail);
  }
  // "UPDATE schema.table SET a = ?, b = ?" followed by `tail` (a WHERE
  // clause, whose parameters RowWriter::Where binds).
  std::string UpdateSql(std::string_view tail = {}) const {
    std::string out = "UPDATE " + QualifiedName() + " SET ";
    for (std::size_t i = 0, n = 0; i < kTable.columns.size(); ++i) {
      if (!Has(static_cast<int>(i))) continue;
      out.append(n++ ? ", " : "").append(kTable.columns[i].name).append(" = ?");
    }
    return out.append(tail);
  }
  // "INSERT INTO schema.table (a, b, c) SELECT ?, x.b, ?" followed by
  // `from` (" FROM ... WHERE ..."): the statement's columns take a
  // parameter each, in the table's order; `computed` adds columns (not of
  // the statement) whose values are expressions over `from` without
  // parameters. A computed name the table lacks, one of the statement's or
  // an expression with a "?" is kInternal.
  std::string InsertSelectSql(
      std::initializer_list<std::pair<std::string_view, std::string_view>> computed,
      std::string_view from) const {
    std::string names, values;
    for (std::size_t i = 0; i < kTable.columns.size(); ++i) {
      std::string_view value = Has(static_cast<int>(i)) ? "?" : "";
      for (const auto& [column, expression] : computed) {
        if (column != kTable.columns[i].name) continue;
        if (!value.empty() || expression.find('?') != std::string_view::npos) {
          ThrowBadComputed(kTable, static_cast<int>(i), expression);
        }
        value = expression;
      }
      if (value.empty()) continue;
      names.append(names.empty() ? "" : ", ").append(kTable.columns[i].name);
      values.append(values.empty() ? "" : ", ").append(value);
    }
    for (const auto& computed_column : computed) {
      if (kTable.IndexOf(computed_column.first) < 0)
        ThrowUnknownColumn(kTable, computed_column.first);
    }
    return "INSERT INTO " + QualifiedName() + " (" + names + ") SELECT " + values +
           std::string(from);
  }
  // A bulk write (Connection::BeginBulkUpsert) of the statement's columns;
  // rows whose `conflict` columns match update the others.
  sql::BulkUpsertSpec BulkUpsert(Columns conflict) const {
    sql::BulkUpsertSpec spec{QualifiedName(), {}, {}, {}};
    for (std::size_t i = 0; i < kTable.columns.size(); ++i) {
      if (!Has(static_cast<int>(i))) continue;
      const std::string name(kTable.columns[i].name);
      spec.columns.push_back(name);
      (conflict.Has(static_cast<int>(i)) ? spec.conflict_columns : spec.update_columns)
          .push_back(name);
    }
    return spec;
  }

 private:
  constexpr explicit Columns(std::uint64_t mask) : mask_(mask) {}
  static constexpr std::uint64_t Bit(int i) { return std::uint64_t{1} << i; }
  static constexpr std::uint64_t Bits(std::size_t n) {
    return n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  }
  std::uint64_t mask_;
};

// Binds the parameters of a statement whose columns are `columns`, from
// parameter `first` on (1-based; later parameters, a WHERE clause's, are
// the caller's).
template <const Table& kTable>
class RowWriter {
 public:
  RowWriter(sql::Statement& st, Columns<kTable> columns, int first = 1)
      : st_(st), columns_(columns), first_(first) {}

  template <class V>
  RowWriter& Set(Col<kTable> column, const V& value) {
    const int i = Checked<V>(column.index);
    st_.Bind(i, value);
    return *this;
  }
  RowWriter& SetNull(Col<kTable> column) {
    st_.BindNull(Index(column.index));
    return *this;
  }
  // Binds the parameters that follow the statement's columns (a WHERE
  // clause's, or a value expression's extra ones), in order.
  template <class... V>
  RowWriter& Where(const V&... values) {
    int i = first_ + columns_.size();
    (st_.Bind(i++, values), ...);
    return *this;
  }
  // The statement, once every column was set (else kInternal naming the
  // first that was not).
  sql::Statement& Done() {
    const std::uint64_t missing = columns_.mask() & ~set_;
    if (missing != 0) ThrowNotSet(kTable, std::countr_zero(missing));
    return st_;
  }

 private:
  int Index(int column) {
    if (!columns_.Has(column)) ThrowNotInStatement(kTable, column);
    set_ |= std::uint64_t{1} << column;
    return first_ + columns_.Position(column);
  }
  template <class V>
  int Checked(int column) {
    if (!SuitsValue<V>(kTable.columns[column].type)) {
      ThrowWrongType(kTable, column, CppTypeName<V>());
    }
    return Index(column);
  }

  sql::Statement& st_;
  Columns<kTable> columns_;
  int first_;
  std::uint64_t set_ = 0;
};

// Reads the current row of a statement whose result columns are `columns`,
// from result column `first` on (0-based).
template <const Table& kTable>
class RowReader {
 public:
  RowReader(const sql::Statement& st, Columns<kTable> columns, int first = 0)
      : st_(st), columns_(columns), first_(first) {}

  // The column's value as V: std::int64_t, bool, double, std::string,
  // Decimal, Timestamp, or std::optional of one (nullopt for NULL).
  template <class V>
  V Get(Col<kTable> column) const {
    if (!SuitsValue<V>(kTable.columns[column.index].type)) {
      ThrowWrongType(kTable, column.index, CppTypeName<V>());
    }
    const int i = Index(column.index);
    if constexpr (IsOptional<V>::value) {
      if (st_.IsNull(i)) return std::nullopt;
      return Read<typename V::value_type>(i);
    } else {
      return Read<V>(i);
    }
  }
  bool IsNull(Col<kTable> column) const { return st_.IsNull(Index(column.index)); }
  // A blob column's bytes without a copy; valid until the statement moves on
  // (sql::Statement::GetBlob).
  std::string_view GetBlobView(Col<kTable> column) const {
    if (kTable.columns[column.index].type != Type::kBlob) {
      ThrowWrongType(kTable, column.index, "a blob view");
    }
    return st_.GetBlob(Index(column.index));
  }

 private:
  int Index(int column) const {
    if (!columns_.Has(column)) ThrowNotInStatement(kTable, column);
    return first_ + columns_.Position(column);
  }
  template <class V>
  V Read(int i) const {
    if constexpr (std::is_same_v<V, bool>) {
      return st_.GetBool(i);
    } else if constexpr (std::is_same_v<V, std::int64_t>) {
      return st_.GetInt64(i);
    } else if constexpr (std::is_same_v<V, double>) {
      return st_.GetDouble(i);
    } else if constexpr (std::is_same_v<V, std::string>) {
      return st_.GetText(i);
    } else if constexpr (std::is_same_v<V, Decimal>) {
      return st_.GetDecimal(i);
    } else if constexpr (std::is_same_v<V, sql::Blob>) {
      return sql::Blob{std::string(st_.GetBlob(i))};
    } else {
      static_assert(std::is_same_v<V, Timestamp>, "no column type reads as this C++ type");
      return st_.GetTimestamp(i);
    }
  }

  const sql::Statement& st_;
  Columns<kTable> columns_;
  int first_;
};

// Streams rows of `columns` into a bulk write (Columns::BulkUpsert): each
// row's values are added by name in the table's order (a value out of that
// order, or of a type that does not suit its column, is kInternal), then
// End() ends the row (BulkWriter::EndRow checks that none is missing).
template <const Table& kTable>
class BulkRow {
 public:
  BulkRow(sql::BulkWriter& bulk, Columns<kTable> columns) : bulk_(bulk), columns_(columns) {}

  template <class V>
  BulkRow& Add(Col<kTable> column, const V& value) {
    if (!SuitsValue<V>(kTable.columns[column.index].type)) {
      ThrowWrongType(kTable, column.index, CppTypeName<V>());
    }
    if (!columns_.Has(column.index)) ThrowNotInStatement(kTable, column.index);
    if (columns_.Position(column.index) != next_) ThrowOutOfOrder(kTable, column.index);
    ++next_;
    bulk_.Add(value);
    return *this;
  }
  void End() {
    next_ = 0;
    bulk_.EndRow();
  }

 private:
  sql::BulkWriter& bulk_;
  Columns<kTable> columns_;
  int next_ = 0;
};

}  // namespace tradestore::detail::schema
