// What every repository header shares: the Store's internal state that a
// repository points to, and the time filter of list queries.
#pragma once

#include <optional>

#include "tradestore/timestamp.h"

namespace tradestore {

namespace detail {
class StoreImpl;
}  // namespace detail

// Filters shared by list queries. Test data is excluded unless asked for.
struct TimeRange {
  std::optional<Timestamp> from;  // inclusive
  std::optional<Timestamp> to;    // exclusive
};

}  // namespace tradestore
