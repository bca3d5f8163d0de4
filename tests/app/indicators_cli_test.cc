// `tradestore candles indicators`: the CLI over a real import, run twice
// (the second run writes nothing), JSON output, and refusals.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "store/store_test_util.h"

namespace tradestore {
namespace {

std::string Cli(const std::string& args, int* exit_code, bool with_stderr = true) {
  const std::string command =
      std::string(TRADESTORE_CLI) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  std::FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(IndicatorsCli, CachesOnceAndPrintsJson) {
  testing::TempDir dir;
  const std::string store = " --store sqlite:" + dir.Sub("store");
  int code = 0;
  std::string out = Cli("import candles " + std::string(TRADESTORE_SOURCE_DIR) +
                            "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_1440.csv --symbol "
                            "BTCUSDC --venue kraken --timeframe 1d" +
                            store,
                        &code);
  ASSERT_EQ(code, 0) << out;
  const std::string series = "candles indicators --symbol BTCUSDC --timeframe 1d" + store;

  // A bad name among good ones: refused before anything is written.
  out = Cli(series + " --indicator rsi 'bogus(3)'", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("indicator 'bogus(3)': unknown indicator"), std::string::npos) << out;

  out = Cli(series + " --indicator rsi 'macd(12,26,9)' regime --last 3", &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("rsi(14): 76 of 90 bars defined, 76 written, 0 already cached"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("2023-03-31T00:00:00Z"), std::string::npos) << out;

  out = Cli(series + " --indicator RSI --json --last 2", &code, false);
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["indicator"], "rsi(14)");
  EXPECT_EQ(j[0]["written"], 0);
  EXPECT_EQ(j[0]["cached"], 76);
  ASSERT_EQ(j[0]["values"].size(), 2u);
  EXPECT_EQ(j[0]["values"][1]["open_time"], "2023-03-31T00:00:00Z");
  const double rsi = j[0]["values"][1]["value"];
  EXPECT_GT(rsi, 0);
  EXPECT_LT(rsi, 100);

  out = Cli("candles indicators --symbol BTCUSDC --timeframe 1h --indicator rsi" + store, &code);
  EXPECT_EQ(code, 3) << out;
  EXPECT_NE(out.find("no 1h candles of BTCUSDC"), std::string::npos) << out;
}

}  // namespace
}  // namespace tradestore
