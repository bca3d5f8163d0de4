// Compares a store's database with the schema description (schema.h).
//
// Not part of the public API.
#pragma once

#include <string>
#include <vector>

#include "store/store_impl.h"

namespace tradestore::detail {

// One message per difference between what the store's databases hold and
// schema.h, in either direction, with no tolerance: a table or column that
// is in the database but not in the description (empty or not) or the
// other way round; a table in the wrong database of a SQLite directory
// store; a column whose position, type class or nullability differs; a
// primary key that differs; and (PostgreSQL) a foreign key to a table that
// comes later in the description's order. Type classes: SQLite's declared
// type (INTEGER, REAL, TEXT) and PostgreSQL's data_type, per the table in
// schema.h. Nullability: SQLite's primary key columns count as NOT NULL.
// The migrations bookkeeping table (schema_migrations) is not part of the
// schema. Empty when the store matches.
std::vector<std::string> SchemaDifferences(StoreImpl& store);

}  // namespace tradestore::detail
