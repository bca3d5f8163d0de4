// Row helpers of the execution path (orders, fills, positions, trades)
// shared by order_repository.cc, fill_recording.cc, position_repository.cc
// and trade_repository.cc. Not part of the public API.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sql/connection.h"
#include "tradestore/fill_accounting.h"
#include "tradestore/store.h"

namespace tradestore::detail {

// A position row: the public Position plus the running state of its trade.
using PositionRow = PositionState;

// The order `id` of `bot`. `lock`: the read of a read-modify-write inside a
// unit of work (Connection::ForUpdate). Throws kNotFound.
Order LoadOrder(sql::Connection& c, BotId bot, OrderId id, bool lock);

// "order <id> (<client_order_id>)".
std::string OrderName(const Order& o);

// Records an order event (trading.order_events) of `o` as it is after the
// change. The quantity and prices are kept for creation and amend events.
void InsertOrderEvent(sql::Connection& c, const Order& o, std::optional<OrderStatus> from,
                      OrderStatus to, Timestamp time, std::string_view reason,
                      OrderEventKind kind = OrderEventKind::kStatus);

// The position row of (bot, account, instrument), nullopt when none was
// ever stored. `lock` as LoadOrder.
std::optional<PositionRow> LoadPositionRow(sql::Connection& c, BotId bot, AccountId account,
                                           InstrumentId instrument, bool lock = false);

// Inserts or replaces the position row.
void SavePositionRow(sql::Connection& c, const PositionRow& r);

// Records a position event (its id is ignored).
void InsertPositionEvent(sql::Connection& c, const PositionEvent& e);

// Inserts a closed trade's journal row (all fields but id and the review
// ones) and returns its id.
TradeId InsertTrade(sql::Connection& c, const Trade& t);

}  // namespace tradestore::detail
