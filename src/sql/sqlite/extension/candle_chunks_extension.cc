// The SQLite loadable extension libtradestore_sqlite (docs/storage.md, "Reading compacted
// candles with SQL"): compacted candles (market.candle_chunks) as rows, for the sqlite3 shell
// and any SQLite client that can load extensions.
//
//   sqlite3 STORE/market.db
//   sqlite> .load PATH/libtradestore_sqlite
//   sqlite> SELECT * FROM all_candles WHERE instrument_id = 1 AND timeframe = '1m';
//
// It registers, on the connection that loads it:
//   - candle_chunk_rows(data [, first_open_time, last_open_time]): a table-valued function
//     over one chunk's bytes (with, optionally, the times of its index row), one row per
//     candle, oldest first: open_time (µs UTC), open, high, low, close, volume (REAL, bit for
//     bit as stored) and trades (INTEGER, NULL = unknown). A NULL argument gives no rows; a
//     corrupt chunk (or one of a newer format) fails the statement with the decoder's message
//     ("candle chunk: ..."), never a crash;
//   - where the database holds candles and candle_chunks (a market.db, or a single-file
//     store), the TEMP view all_candles: every candle of the store, as rows of the candles
//     table's columns, from the table and the chunks. A WHERE on instrument_id and timeframe
//     reaches both sides (SQLite pushes it into the UNION ALL), so the chunks of other series
//     are not decoded, and bounds on open_time skip the chunks outside them unread.
//
// Read-only: nothing in the database changes. Writes go through tradestore (a candle written
// straight into a compacted range of the candles table would break the rule that each candle
// is stored once; `tradestore check` reports it).
//
// Compiled apart from the library's SQLite driver: an extension calls SQLite through the
// routines the loading process hands it (sqlite3ext.h), not through a linked libsqlite3.
#include <sqlite3ext.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "core/candle_chunk.h"

SQLITE_EXTENSION_INIT1

namespace {

namespace chunk = tradestore::internal::candle_chunk;

enum Column { kOpenTime, kOpen, kHigh, kLow, kClose, kVolume, kTrades, kData, kFirst, kLast };

struct ChunkRowsTable {
  sqlite3_vtab base;  // first: SQLite casts between the two
};

struct ChunkRowsCursor {
  sqlite3_vtab_cursor base;  // first
  std::vector<tradestore::Candle> candles;
  std::size_t at = 0;
};

int Connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char**) {
  const int rc = sqlite3_declare_vtab(
      db,
      "CREATE TABLE x(open_time INTEGER, open REAL, high REAL, low REAL, close REAL, "
      "volume REAL, trades INTEGER, data BLOB HIDDEN, first_open_time INTEGER HIDDEN, "
      "last_open_time INTEGER HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  auto* table = static_cast<ChunkRowsTable*>(sqlite3_malloc(sizeof(ChunkRowsTable)));
  if (table == nullptr) return SQLITE_NOMEM;
  std::memset(table, 0, sizeof(*table));
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *out = &table->base;
  return SQLITE_OK;
}

int Disconnect(sqlite3_vtab* table) {
  sqlite3_free(table);
  return SQLITE_OK;
}

// idxNum bits of the plan: which arguments Filter gets, in this order.
constexpr int kHasData = 1;   // the chunk's bytes (always)
constexpr int kHasFirst = 2;  // the chunk's first and last open times, as its index row says
constexpr int kHasLast = 4;
constexpr int kHasLower = 8;  // bounds on open_time from the query
constexpr int kHasUpper = 16;
constexpr int kLowerIsEq = 32;  // the lower bound is `open_time = X`: also the upper one

// The hidden `data` column must be bound by equality (the function's first argument);
// without it the function has nothing to read, and SQLite reports "no query solution". The
// optional second and third arguments are the chunk's first and last open times
// (candle_chunks.first_open_time, last_open_time), and bounds on open_time (>, >=, =, <=, <)
// are passed on too: a chunk whose [first, last] lies outside the bounds is skipped without
// touching its bytes (without the times, after reading its header). SQLite still checks the
// bounds on every row (omit stays 0): they are only used inclusively here.
int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  int data = -1, first = -1, last = -1, lower = -1, upper = -1;
  bool lower_is_eq = false;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    const bool eq = c.op == SQLITE_INDEX_CONSTRAINT_EQ;
    if (c.iColumn == kData || c.iColumn == kFirst || c.iColumn == kLast) {
      if (!eq) continue;
      if (!c.usable) return SQLITE_CONSTRAINT;  // a function argument not yet known
      (c.iColumn == kData ? data : c.iColumn == kFirst ? first : last) = i;
    } else if (c.iColumn == kOpenTime && c.usable) {
      const bool is_lower =
          eq || c.op == SQLITE_INDEX_CONSTRAINT_GE || c.op == SQLITE_INDEX_CONSTRAINT_GT;
      const bool is_upper =
          c.op == SQLITE_INDEX_CONSTRAINT_LE || c.op == SQLITE_INDEX_CONSTRAINT_LT;
      if (is_lower && lower < 0) {
        lower = i;
        lower_is_eq = eq;
      } else if (is_upper && upper < 0) {
        upper = i;
      }
    }
  }
  if (data < 0) return SQLITE_CONSTRAINT;
  int arg = 0;
  info->idxNum = 0;
  const auto pass = [&](int constraint, int bit, bool omit) {
    if (constraint < 0) return;
    info->aConstraintUsage[constraint].argvIndex = ++arg;
    info->aConstraintUsage[constraint].omit = omit ? 1 : 0;
    info->idxNum |= bit;
  };
  pass(data, kHasData, true);
  pass(first, kHasFirst, true);
  pass(last, kHasLast, true);
  pass(lower, kHasLower, false);
  pass(upper, kHasUpper, false);
  if (lower >= 0 && lower_is_eq) info->idxNum |= kLowerIsEq;
  info->estimatedCost = 2048;
  info->estimatedRows = lower >= 0 || upper >= 0 ? 256 : 2048;
  info->orderByConsumed =
      info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kOpenTime && info->aOrderBy[0].desc == 0;
  return SQLITE_OK;
}

int Open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* cursor = new (std::nothrow) ChunkRowsCursor{};
  if (cursor == nullptr) return SQLITE_NOMEM;
  *out = &cursor->base;
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* base) {
  delete reinterpret_cast<ChunkRowsCursor*>(base);
  return SQLITE_OK;
}

void SetError(sqlite3_vtab* table, const char* message) {
  sqlite3_free(table->zErrMsg);
  table->zErrMsg = sqlite3_mprintf("candle_chunk_rows: %s", message);
}

// A bound given as an integer or a real (rounded outwards); anything else
// (text, NULL) bounds nothing here and is left to SQLite's own check.
bool BoundOf(sqlite3_value* v, bool lower, std::int64_t& out) {
  if (sqlite3_value_type(v) == SQLITE_INTEGER) {
    out = sqlite3_value_int64(v);
    return true;
  }
  if (sqlite3_value_type(v) == SQLITE_FLOAT) {
    const double d =
        lower ? std::floor(sqlite3_value_double(v)) : std::ceil(sqlite3_value_double(v));
    if (!(d > -9.2e18 && d < 9.2e18)) return false;  // NaN, or beyond int64: no bound
    out = static_cast<std::int64_t>(d);
    return true;
  }
  return false;
}

int Filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
  auto* cursor = reinterpret_cast<ChunkRowsCursor*>(base);
  cursor->candles.clear();
  cursor->at = 0;
  // The arguments in BestIndex's order; absent ones are nullptr.
  sqlite3_value* args[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
  for (int bit = 0, i = 0; bit < 5; ++bit) {
    if ((idx_num & (1 << bit)) != 0 && i < argc) args[bit] = argv[i++];
  }
  sqlite3_value* data = args[0];
  if (data == nullptr || sqlite3_value_type(data) == SQLITE_NULL) return SQLITE_OK;
  if (sqlite3_value_type(data) != SQLITE_BLOB) {
    SetError(base->pVtab, "the argument must be a chunk's data (a BLOB of candle_chunks.data)");
    return SQLITE_MISMATCH;
  }
  std::int64_t lo = INT64_MIN;
  std::int64_t hi = INT64_MAX;
  std::int64_t b = 0;
  if (args[3] != nullptr && BoundOf(args[3], true, b)) {
    lo = b;
    if ((idx_num & kLowerIsEq) != 0 && BoundOf(args[3], false, b)) hi = b;
  }
  if (args[4] != nullptr && BoundOf(args[4], false, b)) hi = std::min(hi, b);
  const bool bounded = lo != INT64_MIN || hi != INT64_MAX;
  // The index row's times: a chunk outside the bounds is not read at all.
  if (bounded && args[1] != nullptr && args[2] != nullptr &&
      sqlite3_value_type(args[1]) == SQLITE_INTEGER &&
      sqlite3_value_type(args[2]) == SQLITE_INTEGER &&
      (sqlite3_value_int64(args[2]) < lo || sqlite3_value_int64(args[1]) > hi)) {
    return SQLITE_OK;
  }
  const auto* p = static_cast<const char*>(sqlite3_value_blob(data));
  const std::string_view bytes(p == nullptr ? "" : p,
                               static_cast<std::size_t>(sqlite3_value_bytes(data)));
  try {
    const chunk::ChunkHeader header = chunk::ReadHeader(bytes);
    if (header.count == 0 || header.last.micros() < lo || header.first.micros() > hi) {
      return SQLITE_OK;  // nothing of this chunk can match
    }
    chunk::DecodeAppend(bytes, cursor->candles);
  } catch (const std::bad_alloc&) {
    cursor->candles.clear();
    return SQLITE_NOMEM;
  } catch (const std::exception& e) {
    cursor->candles.clear();
    SetError(base->pVtab, e.what());
    return SQLITE_CORRUPT;
  }
  if (bounded) {
    std::erase_if(cursor->candles, [&](const tradestore::Candle& c) {
      return c.open_time.micros() < lo || c.open_time.micros() > hi;
    });
  }
  return SQLITE_OK;
}

int Next(sqlite3_vtab_cursor* base) {
  ++reinterpret_cast<ChunkRowsCursor*>(base)->at;
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* base) {
  const auto* cursor = reinterpret_cast<ChunkRowsCursor*>(base);
  return cursor->at >= cursor->candles.size();
}

int ColumnValue(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int column) {
  const auto* cursor = reinterpret_cast<ChunkRowsCursor*>(base);
  const tradestore::Candle& c = cursor->candles[cursor->at];
  switch (column) {
    case kOpenTime:
      sqlite3_result_int64(ctx, c.open_time.micros());
      break;
    case kOpen:
      sqlite3_result_double(ctx, c.open);
      break;
    case kHigh:
      sqlite3_result_double(ctx, c.high);
      break;
    case kLow:
      sqlite3_result_double(ctx, c.low);
      break;
    case kClose:
      sqlite3_result_double(ctx, c.close);
      break;
    case kVolume:
      sqlite3_result_double(ctx, c.volume);
      break;
    case kTrades:
      if (c.trades < 0) {
        sqlite3_result_null(ctx);
      } else {
        sqlite3_result_int64(ctx, c.trades);
      }
      break;
    default:
      sqlite3_result_null(ctx);
      break;  // the hidden argument
  }
  return SQLITE_OK;
}

int RowId(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(reinterpret_cast<ChunkRowsCursor*>(base)->at);
  return SQLITE_OK;
}

sqlite3_module MakeModule() {
  sqlite3_module m;
  std::memset(&m, 0, sizeof(m));
  m.iVersion = 0;
  m.xCreate = nullptr;  // eponymous-only: usable as candle_chunk_rows(...), never CREATEd
  m.xConnect = Connect;
  m.xBestIndex = BestIndex;
  m.xDisconnect = Disconnect;
  m.xOpen = Open;
  m.xClose = Close;
  m.xFilter = Filter;
  m.xNext = Next;
  m.xEof = Eof;
  m.xColumn = ColumnValue;
  m.xRowid = RowId;
  return m;
}

const sqlite3_module kChunkRowsModule = MakeModule();

// Whether the main database has a table of that name.
bool HasTable(sqlite3* db, const char* name) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?1",
                         -1, &st, nullptr) != SQLITE_OK) {
    return false;
  }
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  const bool found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

// Every candle of the store as rows. A WHERE on the view is pushed into both arms; in the
// chunk arm, instrument_id and timeframe select the series' chunks by the primary key, and
// bounds on open_time reach candle_chunk_rows, which skips the chunks outside them by their
// index rows' first and last open times, without reading their bytes.
constexpr const char* kAllCandlesView =
    "CREATE TEMP VIEW IF NOT EXISTS all_candles AS "
    "SELECT instrument_id, timeframe, open_time, open, high, low, close, volume, trades "
    "FROM main.candles "
    "UNION ALL "
    "SELECT c.instrument_id, c.timeframe, r.open_time, r.open, r.high, r.low, r.close, "
    "r.volume, r.trades "
    "FROM main.candle_chunks AS c, "
    "candle_chunk_rows(c.data, c.first_open_time, c.last_open_time) AS r";

}  // namespace

extern "C" {

// Entry point; SQLite derives the name from the file name libtradestore_sqlite.so.
__attribute__((visibility("default"))) int sqlite3_tradestoresqlite_init(
    sqlite3* db, char** error, const sqlite3_api_routines* api) {
  SQLITE_EXTENSION_INIT2(api);
  int rc = sqlite3_create_module(db, "candle_chunk_rows", &kChunkRowsModule, nullptr);
  if (rc != SQLITE_OK) return rc;
  if (HasTable(db, "candles") && HasTable(db, "candle_chunks")) {
    rc = sqlite3_exec(db, kAllCandlesView, nullptr, nullptr, error);
  }
  return rc;
}

}  // extern "C"
