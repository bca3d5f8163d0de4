// Compacted candles (docs/storage.md "Candle chunks") beside row storage, in
// the same run, on a SQLite directory store: for the Kraken and Binance 1m
// sample series and a synthetic 2,000,000-candle 1m series,
//   - bytes per candle of market.db (after VACUUM, both stores);
//   - the p50 of a 1,000-candle CandleRepository::Range at random places,
//     with the decoded-chunk cache off (every chunk decoded), and of the
//     same range read a second time with the cache on;
//   - the rate of a full CandleRepository::ForEach scan (cache off);
//   - the import rate, candles/s: rows only (ImportCandles or a
//     CandleWriter), or straight into chunks (compact_before).
//   - the chunk codec alone (src/core/candle_chunk.h, no database): each
//     series cut into chunks of 2,048 as the store cuts them, encoded in
//     format version 3 (what the store writes) and version 2 (the format
//     before it), bytes per candle of the chunks and the best decode time
//     per candle of each, the two decoded alternately in one run.
// Every compacted store must read back the same candles as its row store,
// and both formats the candles they were given, or the program fails.
//
// Usage: tradestore_chunk_bench [--dir DIR] [--synthetic N] [--reads N]
#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "core/candle_chunk.h"
#include "result_line.h"
#include "tradestore/candle_import.h"
#include "tradestore/store.h"

namespace {

namespace fs = std::filesystem;
using tradestore::Candle;
using tradestore::Store;
using tradestore::Timeframe;
using tradestore::Timestamp;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Series {
  std::string name;
  std::string file;            // a CSV, or "" for the synthetic series
  std::int64_t synthetic = 0;  // candles of the synthetic series
};

struct Result {
  std::string name;
  std::string storage;
  std::int64_t candles = 0;
  double bytes_per_candle = 0;
  double range_p50_us = 0;       // decoded-chunk cache off: every chunk decoded
  double range_warm_p50_us = 0;  // the same range read a second time (cache on)
  double foreach_per_s = 0;
  double import_per_s = 0;
  // The codec alone, format version 3 and version 2 (chunks only, no database).
  double codec_bytes_per_candle[2] = {0, 0};
  double decode_ns_per_candle[2] = {0, 0};
};

std::vector<Candle> Synthetic(std::int64_t n) {
  std::vector<Candle> out;
  out.reserve(static_cast<std::size_t>(n));
  std::mt19937_64 rng(12345);
  std::int64_t cents = 2'500'000;
  const std::int64_t t0 = Timestamp::FromCivil(2020, 1, 1).micros();
  for (std::int64_t i = 0; i < n; ++i) {
    Candle c;
    c.open_time = Timestamp(t0 + i * 60'000'000);
    const std::int64_t o = cents;
    cents += static_cast<std::int64_t>(rng() % 401) - 200;
    if (cents < 100'000) cents = 100'000;
    const std::int64_t h = std::max(o, cents) + static_cast<std::int64_t>(rng() % 300);
    const std::int64_t l = std::min(o, cents) - static_cast<std::int64_t>(rng() % 300);
    c.open = static_cast<double>(o) / 100;
    c.high = static_cast<double>(h) / 100;
    c.low = static_cast<double>(l) / 100;
    c.close = static_cast<double>(cents) / 100;
    c.volume = static_cast<double>(rng() % 5'000'000'000ULL) / 1e8;
    c.trades = static_cast<std::int64_t>(rng() % 2000);
    out.push_back(c);
  }
  return out;
}

// Imports `s` into a fresh store at `dir`; compacted storage when `compact`
// (candles written straight into chunks: CandleImportOptions::compact_before,
// CandleWriterOptions::compact_before). Returns the seconds taken and the
// instrument id.
double Load(const Series& s, const std::vector<Candle>& synthetic, const std::string& dir,
            bool compact, tradestore::InstrumentId* id) {
  fs::remove_all(dir);
  Store store = Store::Open("sqlite:" + dir);
  const auto start = Clock::now();
  if (!s.file.empty()) {
    tradestore::CandleImportOptions options;
    options.symbol = s.name;
    options.venue = "bench";
    options.timeframe = Timeframe::k1m;
    if (compact) options.compact_before = Timestamp(std::numeric_limits<std::int64_t>::max());
    *id = tradestore::ImportCandles(store, s.file, options).instrument.id;
  } else {
    tradestore::Instrument in;
    in.venue = "bench";
    in.symbol = s.name;
    *id = store.instruments().Upsert(in).id;
    tradestore::CandleWriterOptions options;
    if (compact) options.compact_before = Timestamp(std::numeric_limits<std::int64_t>::max());
    tradestore::CandleWriter w = store.candles().OpenWriter(*id, Timeframe::k1m, options);
    for (const Candle& c : synthetic) w.Add(c);
    w.Commit();
  }
  return Seconds(start);
}

double BytesPerCandle(const std::string& dir, std::int64_t candles) {
  const std::string path = dir + "/market.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) std::abort();
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return static_cast<double>(fs::file_size(path)) / static_cast<double>(candles);
}

bool Same(const std::vector<Candle>& a, const std::vector<Candle>& b) {
  if (a.size() != b.size()) return false;
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].open_time != b[i].open_time || bits(a[i].open) != bits(b[i].open) ||
        bits(a[i].high) != bits(b[i].high) || bits(a[i].low) != bits(b[i].low) ||
        bits(a[i].close) != bits(b[i].close) || bits(a[i].volume) != bits(b[i].volume) ||
        a[i].trades != b[i].trades) {
      return false;
    }
  }
  return true;
}

// Fills r.codec_* and r.decode_* from `candles` (see the file comment).
void MeasureCodec(const std::vector<Candle>& candles, Result& r) {
  namespace chunk = tradestore::internal::candle_chunk;
  std::vector<std::string> encoded[2];
  for (int v = 0; v < 2; ++v) {
    chunk::EncodeOptions options;
    options.version = v == 0 ? chunk::kFormatVersion : chunk::kFormatVersion2;
    std::size_t bytes = 0;
    for (std::size_t at = 0; at < candles.size(); at += 2048) {
      const std::size_t n = std::min<std::size_t>(2048, candles.size() - at);
      encoded[v].push_back(chunk::Encode(std::span(candles).subspan(at, n), options));
      bytes += encoded[v].back().size();
    }
    r.codec_bytes_per_candle[v] = static_cast<double>(bytes) / static_cast<double>(candles.size());
  }
  std::vector<Candle> out;
  for (int v = 0; v < 2; ++v) {
    out.clear();
    for (const std::string& bytes : encoded[v]) chunk::DecodeAppend(bytes, out);
    if (!Same(out, candles)) {
      std::fprintf(stderr, "%s: format %d does not decode to its candles\n", r.name.c_str(),
                   v == 0 ? 3 : 2);
      std::exit(1);
    }
  }
  // The best of at least 5 decodes of the whole series in each format, and
  // of more (up to 50) until a second has been spent.
  double best[2] = {1e99, 1e99};
  double spent = 0;
  for (int rep = 0; rep < 5 || (rep < 50 && spent < 1.0); ++rep) {
    for (int v = 0; v < 2; ++v) {
      const auto start = Clock::now();
      for (const std::string& bytes : encoded[v]) {
        out.clear();
        chunk::DecodeAppend(bytes, out);
      }
      const double seconds = Seconds(start);
      best[v] = std::min(best[v], seconds);
      spent += seconds;
    }
  }
  for (int v = 0; v < 2; ++v) {
    r.decode_ns_per_candle[v] = best[v] * 1e9 / static_cast<double>(candles.size());
  }
}

Result Measure(const Series& s, const std::vector<Candle>& synthetic, const std::string& dir,
               bool compact, int reads, std::vector<Candle>* all) {
  Result r;
  r.name = s.name;
  r.storage = compact ? "chunks" : "rows";
  tradestore::InstrumentId id = 0;
  const double load_s = Load(s, synthetic, dir, compact, &id);
  {
    Store store = Store::Open("sqlite:" + dir);
    auto& candles = store.candles();
    const std::vector<Candle> got = candles.Range(id, Timeframe::k1m);
    if (all->empty()) {
      *all = got;
    } else if (!Same(*all, got)) {
      std::fprintf(stderr, "%s: compacted candles differ from the row store's\n", s.name.c_str());
      std::exit(1);
    }
    r.candles = static_cast<std::int64_t>(got.size());
    r.import_per_s = static_cast<double>(r.candles) / load_s;
    if (compact) MeasureCodec(got, r);
    // 1,000-candle ranges at random places: with the decoded-chunk cache
    // off (every read decodes its chunks), then each range read twice with
    // the cache on and the second read timed.
    std::mt19937_64 rng(7);
    std::vector<double> cold;
    std::vector<double> warm;
    const std::size_t span = std::min<std::size_t>(1000, got.size());
    const auto read = [&](const Timestamp from, const Timestamp to) {
      const auto start = Clock::now();
      const auto range = candles.Range(id, Timeframe::k1m, {from, to});
      const double took = Seconds(start) * 1e6;
      if (range.size() != span) {
        std::fprintf(stderr, "%s: a range read %zu candles, not %zu\n", s.name.c_str(),
                     range.size(), span);
        std::exit(1);
      }
      return took;
    };
    const auto p50 = [](std::vector<double>& us) {
      std::nth_element(us.begin(), us.begin() + static_cast<std::ptrdiff_t>(us.size() / 2),
                       us.end());
      return us[us.size() / 2];
    };
    for (int i = 0; i < 2 * reads; ++i) {
      const std::size_t at = rng() % (got.size() - span + 1);
      const Timestamp from = got[at].open_time;
      const Timestamp to = at + span < got.size() ? got[at + span].open_time
                                                  : Timestamp(got.back().open_time.micros() + 1);
      if (i < reads) {
        tradestore::SetCandleChunkCacheCapacity(0);
        cold.push_back(read(from, to));
      } else {
        tradestore::SetCandleChunkCacheCapacity(std::int64_t{64} << 20);
        read(from, to);
        warm.push_back(read(from, to));
      }
    }
    r.range_p50_us = p50(cold);
    r.range_warm_p50_us = p50(warm);
    tradestore::SetCandleChunkCacheCapacity(0);
    // The best of at least 7 scans, and of more for a small series (up to
    // 50, or until half a second of scanning): one scan of the Kraken file
    // takes a few ms, which a shared machine's scheduler easily disturbs.
    double best = 1e99;
    double scanned = 0;
    for (int rep = 0; rep < 7 || (rep < 50 && scanned < 0.5); ++rep) {
      std::int64_t n = 0;
      double sum = 0;
      const auto start = Clock::now();
      candles.ForEach(id, Timeframe::k1m, {}, [&](const Candle& c) {
        ++n;
        sum += c.close;
        return true;
      });
      const double seconds = Seconds(start);
      best = std::min(best, seconds);
      scanned += seconds;
      if (n != r.candles || sum == 0) std::exit(1);
    }
    r.foreach_per_s = static_cast<double>(r.candles) / best;
    tradestore::SetCandleChunkCacheCapacity(std::int64_t{64} << 20);
  }
  r.bytes_per_candle = BytesPerCandle(dir, r.candles);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = (fs::temp_directory_path() / "tradestore-chunk-bench").string();
  std::int64_t synthetic_n = 2'000'000;
  int reads = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--synthetic") synthetic_n = std::atoll(argv[i + 1]);
    if (a == "--reads") reads = std::atoi(argv[i + 1]);
  }
  const std::string data = std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/ohlcv/";
  const std::vector<Series> series = {
      {"XBTUSDC", data + "kraken/BTC_USDC/XBTUSDC_1.csv", 0},
      {"BTCUSDC", data + "binanceus/BTCUSDC_1m_20230301_20230321.csv", 0},
      {"SYNTH", "", synthetic_n},
  };
  std::vector<Result> results;
  for (const Series& s : series) {
    const std::vector<Candle> synthetic =
        s.file.empty() ? Synthetic(s.synthetic) : std::vector<Candle>{};
    std::vector<Candle> all;
    results.push_back(Measure(s, synthetic, dir + "/rows", false, reads, &all));
    results.push_back(Measure(s, synthetic, dir + "/chunks", true, reads, &all));
  }
  fs::remove_all(dir);
  std::printf("%-8s %-7s %9s %12s %16s %16s %16s %18s\n", "series", "storage", "candles",
              "bytes/candle", "range 1000 p50", "again (cached)", "ForEach", "import");
  for (const Result& r : results) {
    std::printf("%-8s %-7s %9lld %12.2f %13.1f us %13.1f us %12.2f M/s %14.3f M/s\n",
                r.name.c_str(), r.storage.c_str(), static_cast<long long>(r.candles),
                r.bytes_per_candle, r.range_p50_us, r.range_warm_p50_us, r.foreach_per_s / 1e6,
                r.import_per_s / 1e6);
  }
  // Issue 12's targets for compacted storage, each beside the same series
  // stored as rows (results come in pairs: rows, then chunks).
  using tradestore::bench::Fixed;
  using tradestore::bench::Met;
  using tradestore::bench::PrintResultLine;
  for (std::size_t i = 0; i + 1 < results.size(); i += 2) {
    const Result& rows = results[i];
    const Result& chunks = results[i + 1];
    const std::string series = " (" + chunks.name + ", compacted)";
    PrintResultLine("bytes per candle" + series, Fixed(chunks.bytes_per_candle, 2),
                    Fixed(rows.bytes_per_candle, 2) + " (rows)",
                    Fixed(rows.bytes_per_candle / chunks.bytes_per_candle, 2), "<= 12",
                    Met(chunks.bytes_per_candle <= 12));
    PrintResultLine("range read of 1000, p50, uncached" + series,
                    Fixed(chunks.range_p50_us, 1, "us"),
                    Fixed(rows.range_p50_us, 1, "us") + " (rows)",
                    Fixed(rows.range_p50_us / chunks.range_p50_us, 2), "<= 25 us",
                    Met(chunks.range_p50_us <= 25));
    PrintResultLine("ForEach scan" + series, Fixed(chunks.foreach_per_s / 1e6, 2, "M/s"),
                    Fixed(rows.foreach_per_s / 1e6, 2, "M/s") + " (rows)",
                    Fixed(chunks.foreach_per_s / rows.foreach_per_s, 2), ">= 20 M/s",
                    Met(chunks.foreach_per_s >= 20e6));
    PrintResultLine("chunk decode, format 3 vs 2" + series.substr(0, series.find(',')) + ")",
                    Fixed(chunks.decode_ns_per_candle[0], 1, "ns/candle"),
                    Fixed(chunks.decode_ns_per_candle[1], 1, "ns/candle") + " (format 2)",
                    Fixed(chunks.decode_ns_per_candle[1] / chunks.decode_ns_per_candle[0], 2), "-",
                    "-");
    PrintResultLine(
        "chunk bytes per candle, format 3 vs 2" + series.substr(0, series.find(',')) + ")",
        Fixed(chunks.codec_bytes_per_candle[0], 2),
        Fixed(chunks.codec_bytes_per_candle[1], 2) + " (format 2)",
        Fixed(chunks.codec_bytes_per_candle[1] / chunks.codec_bytes_per_candle[0], 2), "-", "-");
    PrintResultLine("import into storage" + series, Fixed(chunks.import_per_s / 1e6, 3, "M/s"),
                    Fixed(rows.import_per_s / 1e6, 3, "M/s") + " (rows)",
                    Fixed(chunks.import_per_s / rows.import_per_s, 2), ">= 1 M/s",
                    Met(chunks.import_per_s >= 1e6));
  }
  return 0;
}
