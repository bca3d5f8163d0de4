#include "tradestore/candle_import.h"

#include <array>
#include <chrono>

#include "io/candle_reader.h"
#include "tradestore/error.h"

namespace tradestore {

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

  CandleWriter writer = store.candles().OpenWriter(instrument.id, options.timeframe);
  io::CandleRow row;
  while (reader.Next(row)) {
    writer.Add(row.candle);
    const Timestamp t = row.candle.open_time;
    if (!summary.first || t < *summary.first) summary.first = t;
    if (!summary.last || t > *summary.last) summary.last = t;
    if (options.progress && (reader.rows_read() & 4095) == 0) {
      options.progress(reader.bytes_read(), reader.file_size());
    }
  }
  writer.Commit();
  uow.Commit();
  if (options.progress) options.progress(reader.file_size(), reader.file_size());
  summary.rows_read = reader.rows_read();
  summary.newest_first = reader.order() == io::CandleOrder::kDescending;
  summary.rows_in_store = store.candles().Info(instrument.id, options.timeframe).count;
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace tradestore
