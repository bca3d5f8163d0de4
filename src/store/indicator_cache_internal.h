// Store-layer writes of the indicator cache (indicator_cache.h), used by
// UpdateIndicatorCache in the market layer. Internal: not part of the
// public API.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "tradestore/indicator_cache.h"

namespace tradestore::detail {

// Open times of the cached rows of one indicator of a series, oldest first.
std::vector<Timestamp> CachedIndicatorTimes(Store& store, InstrumentId instrument, Timeframe tf,
                                            std::string_view indicator);

// In one transaction on the market database: deletes every row of the
// indicator of the series when `replace_all`, then inserts (or replaces)
// `values`.
void WriteIndicatorValues(Store& store, InstrumentId instrument, Timeframe tf,
                          std::string_view indicator, std::span<const IndicatorValue> values,
                          bool replace_all);

}  // namespace tradestore::detail
