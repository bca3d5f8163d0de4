// The SQL of the domain's indexed list queries, for the repositories and
// for the tests that check their plans (EXPLAIN QUERY PLAN). Not part of
// the public API.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sql/connection.h"
#include "tradestore/store.h"

namespace tradestore::detail {

// A query's text and the binding of its parameters, in order.
struct BoundQuery {
  std::string sql;
  std::vector<std::function<void(sql::Statement&, int)>> binds;
  void BindAll(sql::Statement& st) const {
    for (std::size_t i = 0; i < binds.size(); ++i) binds[i](st, static_cast<int>(i) + 1);
  }
};

// TradeRepository::List's query (its WHERE names only the filters set, so
// that the planner can pick the index of each). Throws kInvalidArgument for
// an unknown outcome.
BoundQuery TradeListQuery(const TradeFilter& filter);

// OrderRepository::List, ListFills and LedgerRepository::Query of one bot
// over a time range.
std::string OrdersByBotTimeSql();  // binds: bot, from, to
std::string FillsByBotTimeSql();   // binds: bot, from, to
std::string LedgerByBotTimeSql();  // binds: bot, from, to

}  // namespace tradestore::detail
