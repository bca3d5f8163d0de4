// SQL of the indicator cache: market.indicator_cache (sqlite/market/0003,
// postgres/all/0006).
#include <memory>
#include <string>

#include "sql/connection.h"
#include "store/indicator_cache_internal.h"
#include "store/query_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/indicator_cache.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::tables::kIndicatorCache;

namespace {

constexpr auto kCacheRow = Columns<kIndicatorCache>::All();
// A cached value: the row but its key's instrument, timeframe and indicator.
constexpr auto kValueRead =
    Columns<kIndicatorCache>::Only({"open_time", "value", "value2", "value3", "value4", "label"});
// One indicator's series (binds: instrument, timeframe, indicator).
constexpr std::string_view kSeries = " WHERE instrument_id = ? AND timeframe = ? AND indicator = ?";

}  // namespace

namespace detail {

std::vector<Timestamp> CachedIndicatorTimes(Store& store, InstrumentId instrument, Timeframe tf,
                                            std::string_view indicator) {
  constexpr auto kTime = Columns<kIndicatorCache>::Only({"open_time"});
  static const std::string kSql = kTime.SelectSql(std::string(kSeries) + " ORDER BY open_time");
  sql::Statement& st = detail::ImplOf(store).connection(Database::kMarket).Prepare(kSql);
  BindParams(st, instrument, ToString(tf), indicator);
  std::vector<Timestamp> out;
  while (st.Step()) {
    out.push_back(schema::RowReader<kIndicatorCache>(st, kTime).Get<Timestamp>("open_time"));
  }
  return out;
}

void WriteIndicatorValues(Store& store, InstrumentId instrument, Timeframe tf,
                          std::string_view indicator, std::span<const IndicatorValue> values,
                          bool replace_all) {
  sql::Connection& c = detail::ImplOf(store).connection(Database::kMarket);
  sql::Transaction tx(c);
  if (replace_all) {
    static const std::string kDelete = "DELETE FROM market.indicator_cache" + std::string(kSeries);
    sql::Statement& del = c.Prepare(kDelete);
    BindParams(del, instrument, ToString(tf), indicator);
    del.Execute();
  }
  // COPY through a staging table on PostgreSQL, the cached prepared upsert
  // on SQLite.
  std::unique_ptr<sql::BulkWriter> bulk = c.BeginBulkUpsert(kCacheRow.BulkUpsert(
      Columns<kIndicatorCache>::Only({"instrument_id", "timeframe", "indicator", "open_time"})));
  const std::string timeframe(ToString(tf));
  for (const IndicatorValue& v : values) {
    schema::BulkRow<kIndicatorCache>(*bulk, kCacheRow)
        .Add("instrument_id", instrument)
        .Add("timeframe", timeframe)
        .Add("open_time", v.open_time)
        .Add("indicator", indicator)
        .Add("value", v.value)
        .Add("value2", v.value2)
        .Add("value3", v.value3)
        .Add("value4", v.value4)
        .Add("label", v.label)
        .End();
  }
  bulk->Finish();
  tx.Commit();
}

}  // namespace detail

std::vector<IndicatorValue> CachedIndicator(Store& store, InstrumentId instrument, Timeframe tf,
                                            std::string_view indicator, const TimeRange& range) {
  sql::Statement& st = detail::ImplOf(store)
                           .connection(Database::kMarket)
                           .Prepare(kValueRead.SelectSql(kSeries) +
                                    detail::RangeSql("open_time", range) + " ORDER BY open_time");
  detail::BindRange(st, BindParams(st, instrument, ToString(tf), indicator), range);
  std::vector<IndicatorValue> out;
  while (st.Step()) {
    const detail::schema::RowReader<kIndicatorCache> r(st, kValueRead);
    IndicatorValue v;
    v.open_time = r.Get<Timestamp>("open_time");
    v.value = r.Get<double>("value");
    v.value2 = r.Get<std::optional<double>>("value2");
    v.value3 = r.Get<std::optional<double>>("value3");
    v.value4 = r.Get<std::optional<double>>("value4");
    v.label = r.Get<std::optional<std::string>>("label");
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace tradestore
