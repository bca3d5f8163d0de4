#include "tradestore/candle_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "io/candle_reader.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

// Parses a candle file on a second thread while the caller's thread writes
// the rows, so that parsing and validation overlap the SQLite inserts. Rows
// come in batches, in file order; the first error the reader throws is
// rethrown by Next() at that row's position, as the reader itself would.
// The reader is used only by the worker until it ends; the store and the
// progress callback stay on the caller's thread.
class PrefetchingReader {
 public:
  struct Batch {
    std::vector<io::CandleRow> rows;
    // (index in rows, bytes read then) for rows whose running count is a
    // multiple of 4096: where the progress callback is due.
    std::vector<std::pair<std::size_t, std::uint64_t>> progress;
    std::exception_ptr error;  // after the rows, when reading failed
    bool last = false;
  };

  explicit PrefetchingReader(io::CandleFileReader& reader, bool want_progress)
      : reader_(reader), want_progress_(want_progress), worker_([this] { Work(); }) {}
  ~PrefetchingReader() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }
  PrefetchingReader(const PrefetchingReader&) = delete;
  PrefetchingReader& operator=(const PrefetchingReader&) = delete;

  // The next batch; its `last` is set at the end of the file.
  Batch Next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !ready_.empty(); });
    Batch b = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return b;
  }

 private:
  static constexpr std::size_t kFirstBatchRows = 128;
  static constexpr std::size_t kBatchRows = 2048;
  static constexpr std::size_t kMaxBatches = 4;  // bounds the memory ahead

  void Work() {
    bool done = false;
    // The first batches are small, so that the writer starts soon; then
    // they double up to kBatchRows.
    std::size_t batch_rows = kFirstBatchRows;
    while (!done) {
      Batch b;
      b.rows.reserve(batch_rows);
      try {
        io::CandleRow row;
        while (b.rows.size() < batch_rows) {
          if (!reader_.Next(row)) {
            b.last = done = true;
            break;
          }
          b.rows.push_back(row);
          if (want_progress_ && (reader_.rows_read() & 4095) == 0) {
            b.progress.emplace_back(b.rows.size() - 1, reader_.bytes_read());
          }
        }
      } catch (...) {
        b.error = std::current_exception();
        b.last = done = true;
      }
      batch_rows = std::min(batch_rows * 2, kBatchRows);
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stop_ || ready_.size() < kMaxBatches; });
      if (stop_) return;
      ready_.push_back(std::move(b));
      changed_.notify_all();
    }
  }

  io::CandleFileReader& reader_;
  const bool want_progress_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> ready_;
  bool stop_ = false;
  std::thread worker_;  // last: starts once the members above exist
};

// The fields in which two candles of one time differ ("open 1 vs 2, volume
// 3 vs 4"), "" when none does.
std::string Differences(const Candle& a, const Candle& b) {
  std::string out;
  auto field = [&out](const char* name, auto x, auto y) {
    if (x == y) return;
    out += fmt::format("{}{} {} vs {}", out.empty() ? "" : ", ", name, x, y);
  };
  field("open", a.open, b.open);
  field("high", a.high, b.high);
  field("low", a.low, b.low);
  field("close", a.close, b.close);
  field("volume", a.volume, b.volume);
  field("trades", a.trades, b.trades);
  return out;
}

}  // namespace

std::vector<std::string> CandleLayouts() { return io::KnownCandleLayouts(); }

std::pair<std::string, std::string> SplitSymbol(const std::string& symbol) {
  for (char sep : {'/', '-', '_', ':'}) {
    if (const auto pos = symbol.find(sep); pos != std::string::npos && pos > 0) {
      return {symbol.substr(0, pos), symbol.substr(pos + 1)};
    }
  }
  static constexpr std::array<std::string_view, 10> kQuotes = {
      "USDC", "USDT", "BUSD", "USD", "EUR", "GBP", "JPY", "BTC", "ETH", "XBT"};
  for (std::string_view quote : kQuotes) {
    if (symbol.size() > quote.size() && symbol.ends_with(quote)) {
      return {symbol.substr(0, symbol.size() - quote.size()), std::string(quote)};
    }
  }
  return {symbol, ""};
}

CandleImportSummary ImportCandles(Store& store, const std::string& path,
                                  const CandleImportOptions& options) {
  if (options.symbol.empty()) throw InvalidArgument("import candles: --symbol is required");
  const auto started = std::chrono::steady_clock::now();
  io::CandleFileOptions file_options;
  file_options.timeframe = options.timeframe;
  file_options.format = options.format;
  file_options.price_divisor = options.price_divisor;
  file_options.column_prefix = options.column_prefix;
  file_options.time_offset = options.time_offset;
  file_options.allow_missing_volume = options.allow_missing_volume;
  // Opening the reader detects the layout before anything is written.
  io::CandleFileReader reader(path, file_options);

  CandleImportSummary summary;
  summary.file = path;
  summary.layout = reader.layout_name();
  summary.price_divisor = reader.price_divisor();

  // Parsing starts now, beside the store's setup below.
  PrefetchingReader rows(reader, static_cast<bool>(options.progress));
  UnitOfWork uow = store.BeginMarket();
  Instrument instrument;
  if (auto existing = store.instruments().Find(options.venue, options.symbol)) {
    instrument = *existing;
  } else {
    const auto [base, quote] = SplitSymbol(options.symbol);
    instrument.symbol = options.symbol;
    instrument.venue = options.venue;
    instrument.base_asset = base;
    instrument.quote_asset = quote;
  }
  const bool changed = options.base_asset || options.quote_asset || options.price_precision ||
                       options.size_precision || instrument.id == 0;
  if (options.base_asset) instrument.base_asset = *options.base_asset;
  if (options.quote_asset) instrument.quote_asset = *options.quote_asset;
  if (options.price_precision) instrument.price_precision = *options.price_precision;
  if (options.size_precision) instrument.size_precision = *options.size_precision;
  if (changed) instrument = store.instruments().Upsert(instrument);
  summary.instrument = instrument;

  // Whether the series had candles before: if not, its count afterwards is
  // the number of distinct times read, known without counting the rows. The
  // reader keeps one direction, so equal times can only be consecutive.
  bool series_existed = false;
  store.candles().ForEach(instrument.id, options.timeframe, {}, [&](const Candle&) {
    series_existed = true;
    return false;
  });
  std::int64_t repeated_times = 0;
  std::int64_t gaps = 0;  // steps between consecutive distinct times > one bucket
  const Micros bucket = Duration(options.timeframe);
  std::optional<Timestamp> previous;
  Candle kept;                 // the row written for `previous`
  std::int64_t kept_line = 0;  // its line

  // With compaction, ascending candles go straight into chunks as they are
  // read; the rest become rows that the writer compacts at Commit.
  CandleWriterOptions writer_options;
  writer_options.compact_before = options.compact_before;
  if (!writer_options.compact_before && options.apply_compaction_policy) {
    // The store's policy (CandleRepository::SetCompactionPolicy), read in
    // the import's unit of work.
    writer_options.compact_before = store.candles().CompactionCutoffFor(options.timeframe);
  }
  CandleWriter writer =
      store.candles().OpenWriter(instrument.id, options.timeframe, writer_options);
  {
    for (bool last = false; !last;) {
      PrefetchingReader::Batch batch = rows.Next();
      auto progress = batch.progress.begin();
      for (std::size_t i = 0; i < batch.rows.size(); ++i) {
        const io::CandleRow& row = batch.rows[i];
        const Timestamp t = row.candle.open_time;
        bool write = true;
        if (previous && t == *previous) {
          const std::string differences = Differences(kept, row.candle);
          if (differences.empty()) {
            ++summary.identical_duplicates;
            write = false;
          } else if (options.on_duplicate == CandleDuplicatePolicy::kRefuse) {
            throw InvalidArgument(fmt::format(
                "{}:{}: candle at {} repeats line {} with other values: {} (nothing was "
                "imported; --on-duplicate first or last keeps one of them)",
                path, row.line, t.ToIso(), kept_line, differences));
          } else {
            ++summary.conflicting_duplicates;
            write = options.on_duplicate == CandleDuplicatePolicy::kLast;
          }
          ++repeated_times;
        }
        if (write) {
          // The bulk writer keeps the last row of equal keys.
          writer.Add(row.candle);
          kept = row.candle;
          kept_line = row.line;
        }
        if (previous && t != *previous && std::abs(t - *previous) > bucket) ++gaps;
        previous = t;
        if (!summary.first || t < *summary.first) summary.first = t;
        if (!summary.last || t > *summary.last) summary.last = t;
        if (progress != batch.progress.end() && progress->first == i) {
          options.progress(progress->second, reader.file_size());
          ++progress;
        }
      }
      if (batch.error) std::rethrow_exception(batch.error);
      last = batch.last;
    }
  }
  // A file without a single candle (a header alone, blank lines, "[]") is
  // almost certainly a mistake: refuse it before anything is committed, so
  // that no empty instrument is created and no coverage rewritten.
  if (reader.rows_read() == 0) throw InvalidArgument(path + ": no candles");
  writer.Commit();
  // Coverage, in the same unit of work. A new series holds exactly the
  // file's candles, whose times arrived in one direction: its coverage is
  // known from the pass above. Otherwise it is recomputed from the store.
  if (series_existed || !previous) {
    store.candles().RefreshCoverage(instrument.id, options.timeframe);
  } else {
    CandleCoverage coverage;
    coverage.instrument_id = instrument.id;
    coverage.timeframe = options.timeframe;
    coverage.first = *summary.first;
    coverage.last = *summary.last;
    coverage.count = reader.rows_read() - repeated_times;
    coverage.expected_count = (coverage.last - coverage.first) / bucket + 1;
    coverage.gap_count = gaps;
    coverage.updated_at = Timestamp::Now();
    store.candles().SaveCoverage(coverage);
  }
  summary.compact_before = writer_options.compact_before;
  summary.candles_compacted = writer.compaction().candles;
  summary.chunks_written = writer.compaction().chunks;
  uow.Commit();
  if (options.progress) options.progress(reader.file_size(), reader.file_size());
  summary.rows_read = reader.rows_read();
  summary.newest_first = reader.order() == io::CandleOrder::kDescending;
  summary.rows_in_store = series_existed
                              ? store.candles().Info(instrument.id, options.timeframe).count
                              : reader.rows_read() - repeated_times;
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace tradestore
