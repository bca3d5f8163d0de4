// Resampling stored candles into a coarser stored timeframe.
#include <vector>

#include "tradestore/resample.h"
#include "tradestore/store.h"

namespace tradestore {

ResampleStoredSummary ResampleStored(Store& store, InstrumentId instrument,
                                     const ResampleOptions& options) {
  ValidateResample(options.from, options.to);
  store.instruments().Get(instrument);  // kNotFound for an unknown id
  ResampleStoredSummary summary;
  UnitOfWork uow = store.BeginMarket();
  // The output is collected first (it is smaller than the source by the
  // timeframe ratio) so that no read cursor is open while writing.
  std::vector<Candle> out;
  Resampler resampler(options, [&](const ResampledCandle& r) {
    out.push_back(r.candle);
    if (!r.complete) ++summary.incomplete_written;
  });
  store.candles().ForEach(instrument, options.from, {}, [&](const Candle& c) {
    ++summary.source_candles;
    resampler.Add(c);
    return true;
  });
  resampler.Finish();
  summary.skipped_zero_volume = resampler.candles_skipped();
  summary.incomplete_dropped = resampler.incomplete_dropped();
  CandleWriter writer = store.candles().OpenWriter(instrument, options.to);
  for (const Candle& c : out) writer.Add(c);
  writer.Commit();
  summary.written = static_cast<std::int64_t>(out.size());
  summary.coverage = store.candles().RefreshCoverage(instrument, options.to);
  uow.Commit();
  return summary;
}

}  // namespace tradestore
