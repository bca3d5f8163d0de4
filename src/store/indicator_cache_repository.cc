// SQL of the indicator cache: market.indicator_cache (sqlite/market/0003,
// postgres/all/0006).
#include <memory>
#include <string>

#include "sql/connection.h"
#include "store/indicator_cache_internal.h"
#include "store/query_util.h"
#include "store/store_impl.h"
#include "tradestore/indicator_cache.h"

namespace tradestore {

using detail::Database;

namespace detail {

std::vector<Timestamp> CachedIndicatorTimes(Store& store, InstrumentId instrument, Timeframe tf,
                                            std::string_view indicator) {
  sql::Statement& st = detail::ImplOf(store)
                           .connection(Database::kMarket)
                           .Prepare(
                               "SELECT open_time FROM market.indicator_cache WHERE instrument_id = "
                               "? AND timeframe = ? "
                               "AND indicator = ? ORDER BY open_time");
  st.Bind(1, instrument).Bind(2, ToString(tf)).Bind(3, indicator);
  std::vector<Timestamp> out;
  while (st.Step()) out.push_back(st.GetTimestamp(0));
  return out;
}

void WriteIndicatorValues(Store& store, InstrumentId instrument, Timeframe tf,
                          std::string_view indicator, std::span<const IndicatorValue> values,
                          bool replace_all) {
  sql::Connection& c = detail::ImplOf(store).connection(Database::kMarket);
  sql::Transaction tx(c);
  if (replace_all) {
    c.Prepare(
         "DELETE FROM market.indicator_cache WHERE instrument_id = ? AND timeframe = ? AND "
         "indicator = ?")
        .Bind(1, instrument)
        .Bind(2, ToString(tf))
        .Bind(3, indicator)
        .Execute();
  }
  // COPY through a staging table on PostgreSQL, the cached prepared upsert
  // on SQLite.
  sql::BulkUpsertSpec spec;
  spec.table = "market.indicator_cache";
  spec.columns = {"instrument_id", "timeframe", "open_time", "indicator", "value",
                  "value2",        "value3",    "value4",    "label"};
  spec.conflict_columns = {"instrument_id", "timeframe", "indicator", "open_time"};
  spec.update_columns = {"value", "value2", "value3", "value4", "label"};
  std::unique_ptr<sql::BulkWriter> bulk = c.BeginBulkUpsert(std::move(spec));
  const std::string timeframe(ToString(tf));
  for (const IndicatorValue& v : values) {
    bulk->AddRow(instrument, timeframe, v.open_time, indicator, v.value, v.value2, v.value3,
                 v.value4, v.label);
  }
  bulk->Finish();
  tx.Commit();
}

}  // namespace detail

std::vector<IndicatorValue> CachedIndicator(Store& store, InstrumentId instrument, Timeframe tf,
                                            std::string_view indicator, const TimeRange& range) {
  sql::Statement& st =
      detail::ImplOf(store)
          .connection(Database::kMarket)
          .Prepare(
              "SELECT open_time, value, value2, value3, value4, label FROM market.indicator_cache "
              "WHERE instrument_id = ? AND timeframe = ? AND indicator = ?" +
              detail::RangeSql("open_time", range) + " ORDER BY open_time");
  st.Bind(1, instrument).Bind(2, ToString(tf)).Bind(3, indicator);
  detail::BindRange(st, 4, range);
  std::vector<IndicatorValue> out;
  while (st.Step()) {
    IndicatorValue v;
    v.open_time = st.GetTimestamp(0);
    v.value = st.GetDouble(1);
    v.value2 = st.GetOptionalDouble(2);
    v.value3 = st.GetOptionalDouble(3);
    v.value4 = st.GetOptionalDouble(4);
    if (!st.IsNull(5)) v.label = st.GetText(5);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace tradestore
