// The PostgreSQL module tradestore_pg (docs/storage.md, "Reading compacted candles with
// SQL"): compacted candles (market.candle_chunks) as rows, for psql, Grafana and any SQL
// client. `tradestore candles sql-functions` creates, from this file's library:
//
//   market.candle_chunk_rows(data bytea) RETURNS TABLE (open_time timestamptz,
//       open, high, low, close, volume double precision, trades bigint)
//   market.all_candles: a view of every candle, from market.candles and the chunks.
//
// candle_chunk_rows gives one row per candle of the chunk, oldest first, every value as
// stored (bit for bit; trades NULL when unknown). A corrupt chunk, or one of a newer format,
// is an ERROR with SQLSTATE data_corrupted (XX001) and the decoder's message.
//
// C++ and PostgreSQL's error handling (longjmp) meet here: every C++ object is gone before
// any call that may raise a PostgreSQL ERROR, and no C++ exception leaves a function.
// The module is built with hidden visibility; what PostgreSQL looks up (the
// magic block, the function and its info record) is marked for export.
// PostgreSQL 15 leaves PGDLLEXPORT empty on Unix unless defined first.
#define PGDLLEXPORT __attribute__((visibility("default")))
extern "C" {
#include <postgres.h>
// postgres.h first
#include <datatype/timestamp.h>
#include <fmgr.h>
#include <funcapi.h>
#include <utils/timestamp.h>
#include <utils/tuplestore.h>
}

#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>
#include <vector>

#include "core/candle_chunk.h"

extern "C" {
PG_MODULE_MAGIC;
PG_FUNCTION_INFO_V1(tradestore_candle_chunk_rows);
}

namespace {

// µs between the Unix epoch and PostgreSQL's (2000-01-01).
constexpr std::int64_t kPostgresEpochMicros =
    static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

// Decodes `bytes` into a palloc'd array (*out, *count), or writes the decoder's message to
// `error`. No PostgreSQL call inside, so no longjmp can skip a C++ destructor.
bool DecodeChunk(std::string_view bytes, tradestore::Candle** out, std::size_t* count, char* error,
                 std::size_t error_size) noexcept {
  std::size_t n = 0;
  tradestore::Candle* copy = nullptr;
  try {
    std::vector<tradestore::Candle> candles;
    tradestore::internal::candle_chunk::DecodeAppend(bytes, candles);
    n = candles.size();
    // MemoryContextAllocExtended with NO_OOM returns NULL instead of raising.
    if (n > 0) {
      copy = static_cast<tradestore::Candle*>(MemoryContextAllocExtended(
          CurrentMemoryContext, n * sizeof(tradestore::Candle), MCXT_ALLOC_NO_OOM));
      if (copy == nullptr) {
        std::snprintf(error, error_size, "out of memory decoding %zu candles", n);
        return false;
      }
      std::memcpy(copy, candles.data(), n * sizeof(tradestore::Candle));
    }
  } catch (const std::exception& e) {
    std::snprintf(error, error_size, "%s", e.what());
    return false;
  } catch (...) {
    std::snprintf(error, error_size, "unknown error decoding the chunk");
    return false;
  }
  *out = copy;
  *count = n;
  return true;
}

}  // namespace

extern "C" PGDLLEXPORT Datum tradestore_candle_chunk_rows(PG_FUNCTION_ARGS) {
  bytea* data = PG_GETARG_BYTEA_PP(0);
  tradestore::Candle* candles = nullptr;
  std::size_t count = 0;
  char error[512] = {0};
  if (!DecodeChunk(std::string_view(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data)), &candles, &count,
                   error, sizeof(error))) {
    ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("candle_chunk_rows: %s", error)));
  }
  InitMaterializedSRF(fcinfo, 0);
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (std::size_t i = 0; i < count; ++i) {
    const tradestore::Candle& c = candles[i];
    Datum values[7];
    bool nulls[7] = {false, false, false, false, false, false, false};
    values[0] = TimestampTzGetDatum(c.open_time.micros() - kPostgresEpochMicros);
    values[1] = Float8GetDatum(c.open);
    values[2] = Float8GetDatum(c.high);
    values[3] = Float8GetDatum(c.low);
    values[4] = Float8GetDatum(c.close);
    values[5] = Float8GetDatum(c.volume);
    values[6] = Int64GetDatum(c.trades);
    nulls[6] = c.trades < 0;
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  if (candles != nullptr) pfree(candles);
  return static_cast<Datum>(0);
}
