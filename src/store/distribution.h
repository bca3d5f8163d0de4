// The store's layout on Citus (include/tradestore/distribute.h,
// docs/scale-out.md): where each table of src/store/schema.h goes, and the
// SQL that puts it there. Not part of the public API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/schema.h"
#include "store/store_impl.h"
#include "tradestore/distribute.h"

namespace tradestore::detail {

enum class Placement { kReference, kByBot, kByInstrument, kCoordinator };

// "reference", "by bot_id", "by instrument_id", "coordinator".
std::string_view PlacementName(Placement placement);

// Where `table` goes. Per-bot (kByBot) is every table not named otherwise:
// tests/store/distribution_test.cc checks that each of them has bot_id in
// its PostgreSQL primary key, as Citus requires.
Placement PlacementOf(const schema::Table& table);

// The column a distributed table is distributed by: "bot_id",
// "instrument_id", or "row_id" (market.market_change_log, whose row_id is
// the instrument); "" for reference and coordinator tables.
std::string_view DistributionColumn(const schema::Table& table);

// Applies the layout to the store's PostgreSQL database (see Distribute()).
DistributeResult DistributeStore(StoreImpl& store);

}  // namespace tradestore::detail
