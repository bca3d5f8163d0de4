// `tradestore candles compact` and every command that reads candles after
// it: export, resample (into a compacted range), indicators, backtest,
// coverage, gaps, check and status give what they gave over rows.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "store/store_test_util.h"

namespace tradestore {
namespace {

using nlohmann::json;

std::string Cli(const std::string& args, int* exit_code) {
  const std::string command = std::string(TRADESTORE_CLI) + " " + args + " 2>/dev/null";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// What the commands print, with what differs between two runs by design
// (bot names, what the indicator cache already held) left out.
struct Outputs {
  std::string hourly;  // export candles --timeframe 1h
  std::string daily;   // export candles --timeframe 1d, after resampling
  json indicators;
  json backtest;
  std::string coverage;
  std::string gaps;
};

Outputs RunAll(const std::string& store, const std::string& bot) {
  Outputs o;
  int code = 0;
  std::string out =
      Cli("candles resample --symbol BTCUSDC --venue kraken --from 1h --to 1d" + store, &code);
  EXPECT_EQ(code, 0) << out;
  o.hourly = Cli("export candles --timeframe 1h --format jsonl" + store, &code);
  EXPECT_EQ(code, 0) << o.hourly;
  o.daily = Cli("export candles --timeframe 1d --format csv" + store, &code);
  EXPECT_EQ(code, 0) << o.daily;
  out =
      Cli("candles indicators --symbol BTCUSDC --timeframe 1h --indicator rsi 'macd(12,26,9)' "
          "--recompute --last 50 --json" +
              store,
          &code);
  EXPECT_EQ(code, 0) << out;
  o.indicators = json::array();
  for (const json& i : json::parse(out)) {
    o.indicators.push_back({i["candles"], i["defined"], i["values"]});
  }
  out = Cli("backtest --symbol BTCUSDC --venue kraken --timeframe 1h --fast 5 --slow 20 --bot " +
                bot + " --json" + store,
            &code);
  EXPECT_EQ(code, 0) << out;
  o.backtest = json::parse(out);
  o.backtest.erase("bot");
  o.backtest.erase("analytics_days_written");
  o.coverage = Cli("candles coverage --json" + store, &code);
  EXPECT_EQ(code, 0) << o.coverage;
  json coverage = json::parse(o.coverage);
  for (json& c : coverage) c.erase("updated_at");
  o.coverage = coverage.dump();
  o.gaps = Cli("candles gaps --symbol BTCUSDC --venue kraken --timeframe 1h --json" + store, &code);
  EXPECT_EQ(code, 0) << o.gaps;
  return o;
}

TEST(CompactedCli, EveryReaderSeesTheSameCandlesAfterCompact) {
  testing::TempDir dir;
  const std::string store = " --store sqlite:" + dir.Sub("store");
  int code = 0;
  std::string out = Cli("import candles " + std::string(TRADESTORE_SOURCE_DIR) +
                            "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv --symbol "
                            "BTCUSDC --venue kraken --timeframe 1h" +
                            store,
                        &code);
  ASSERT_EQ(code, 0) << out;
  const Outputs rows = RunAll(store, "before");

  out = Cli("candles compact --older-than all --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  const json done = json::parse(out);
  EXPECT_EQ(done["series"], 2);  // 1h and the resampled 1d
  EXPECT_GT(done["candles"].get<std::int64_t>(), 2000);

  out = Cli("status --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  const json status = json::parse(out);
  ASSERT_EQ(status["candle_series"].size(), 2u);
  for (const json& s : status["candle_series"]) {
    EXPECT_EQ(s["row_candles"], 0) << s;
    EXPECT_GT(s["chunk_candles"].get<std::int64_t>(), 0) << s;
  }

  // Resampling again writes the same daily candles into their chunks.
  const Outputs chunks = RunAll(store, "after");
  EXPECT_EQ(chunks.hourly, rows.hourly);
  EXPECT_EQ(chunks.daily, rows.daily);
  EXPECT_EQ(chunks.indicators, rows.indicators);
  EXPECT_EQ(chunks.backtest, rows.backtest);
  EXPECT_EQ(chunks.coverage, rows.coverage);
  EXPECT_EQ(chunks.gaps, rows.gaps);
  out = Cli("check" + store, &code);
  EXPECT_EQ(code, 0) << out;

  // --upgrade-chunks rewrites chunks of older formats (tests/store/
  // candle_chunks_test.cc writes some); these are all current.
  out = Cli("candles compact --upgrade-chunks --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(json::parse(out)["upgraded"]["chunks"], 0) << out;
  out = Cli("candles compact --upgrade-chunks" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("rewrote 0 chunks of another format (0 candles of 0 series), 0 -> 0 bytes"),
            std::string::npos)
      << out;

  // --chunk-format 2 rewrites every chunk for a build before format 3, and
  // --chunk-format 3 back; the candles and what is computed from them stay.
  out = Cli("candles compact --chunk-format 2 --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  const json down = json::parse(out)["upgraded"];
  EXPECT_GT(down["chunks"].get<std::int64_t>(), 0) << out;
  out = Cli("candles compact --chunk-format 2 --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(json::parse(out)["upgraded"]["chunks"], 0) << out;
  out = Cli("check" + store, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("format 2"), std::string::npos) << out;
  out = Cli("candles compact --chunk-format 3 --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(json::parse(out)["upgraded"]["chunks"], down["chunks"]) << out;
  const Outputs back = RunAll(store, "back");
  EXPECT_EQ(back.hourly, rows.hourly);
  EXPECT_EQ(back.daily, rows.daily);
  EXPECT_EQ(back.backtest, rows.backtest);
  // Another version is refused (CLI11 names it on stderr) before the store
  // is opened: nothing is rewritten.
  out = Cli("candles compact --chunk-format 4 --json" + store, &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_EQ(out, "");
  out = Cli("candles compact --upgrade-chunks --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(json::parse(out)["upgraded"]["chunks"], 0) << out;
}

// Compaction as part of the import (`import candles --compact`): the same
// candles as import + `candles compact`, in one unit of work; importing the
// file again upserts into the chunks; a bad cutoff is refused before
// anything is stored.
TEST(CompactedCli, ImportCompactsInTheSameUnitOfWork) {
  testing::TempDir dir;
  const std::string file = std::string(TRADESTORE_SOURCE_DIR) +
                           "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv --symbol "
                           "BTCUSDC --venue kraken --timeframe 1h";
  const std::string plain = " --store sqlite:" + dir.Sub("plain");
  const std::string compacted = " --store sqlite:" + dir.Sub("compacted");
  int code = 0;
  std::string out = Cli("import candles " + file + plain, &code);
  ASSERT_EQ(code, 0) << out;
  // The sample ends long before today: --compact (complete UTC days) takes
  // every candle.
  out = Cli("import candles " + file + " --compact --json" + compacted, &code);
  ASSERT_EQ(code, 0) << out;
  const json summary = json::parse(out);
  EXPECT_EQ(summary["candles_compacted"], summary["rows_read"]) << out;
  EXPECT_GT(summary["chunks_written"].get<std::int64_t>(), 0) << out;
  EXPECT_EQ(summary["rows_in_store"], summary["rows_read"]) << out;
  const auto hourly = [&](const std::string& store) {
    const std::string text = Cli("export candles --timeframe 1h --format csv" + store, &code);
    EXPECT_EQ(code, 0) << text;
    return text;
  };
  EXPECT_EQ(hourly(compacted), hourly(plain));
  out = Cli("status --json" + compacted, &code);
  ASSERT_EQ(code, 0) << out;
  ASSERT_EQ(json::parse(out)["candle_series"].size(), 1u);
  EXPECT_EQ(json::parse(out)["candle_series"][0]["row_candles"], 0) << out;

  // Again, with an explicit cutoff: an upsert of every candle into the chunks.
  out = Cli("import candles " + file + " --compact-older-than all --json" + compacted, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(json::parse(out)["rows_in_store"], summary["rows_read"]) << out;
  EXPECT_EQ(json::parse(out)["compact_before"], "all") << out;
  EXPECT_EQ(hourly(compacted), hourly(plain));
  out = Cli("check" + compacted, &code);
  EXPECT_EQ(code, 0) << out;

  // A cutoff that is not one: refused, nothing stored.
  const std::string fresh = " --store sqlite:" + dir.Sub("fresh");
  out = Cli("import candles " + file + " --compact-older-than soon" + fresh, &code);
  EXPECT_NE(code, 0) << out;
  out = Cli("candles coverage --json" + fresh, &code);
  EXPECT_TRUE(code != 0 || json::parse(out).empty()) << out;
}

// The compaction policy kept in the store (`candles policy`): imports apply
// it without a flag, --no-compact opts one out, a timeframe's own policy
// beats the default, and bad ages are refused naming the value.
TEST(CompactedCli, ImportsApplyTheStoresCompactionPolicy) {
  testing::TempDir dir;
  const std::string file = std::string(TRADESTORE_SOURCE_DIR) +
                           "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv --symbol "
                           "BTCUSDC --venue kraken --timeframe 1h";
  const std::string store = " --store sqlite:" + dir.Sub("store");
  int code = 0;
  std::string out = Cli("candles policy --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_TRUE(json::parse(out)["policies"].empty()) << out;
  // A default of a week: the sample ended long ago, so every candle.
  out = Cli("candles policy --compact-older-than 1w --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  ASSERT_EQ(json::parse(out)["policies"].size(), 1u) << out;
  EXPECT_EQ(json::parse(out)["policies"][0]["timeframe"], "default") << out;
  EXPECT_EQ(json::parse(out)["policies"][0]["older_than_us"], 7 * kMicrosPerDay) << out;

  // --no-compact: rows, whatever the policy.
  out = Cli("import candles " + file + " --no-compact --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_TRUE(json::parse(out)["compact_before"].is_null()) << out;
  EXPECT_EQ(json::parse(out)["candles_compacted"], 0) << out;
  // Without a flag: the policy, the stored rows moved into chunks too.
  out = Cli("import candles " + file + " --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  json summary = json::parse(out);
  EXPECT_FALSE(summary["compact_before"].is_null()) << out;
  EXPECT_EQ(summary["candles_compacted"], summary["rows_read"]) << out;
  out = Cli("status --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(json::parse(out)["candle_series"][0]["row_candles"], 0) << out;
  // status shows the policy too.
  ASSERT_EQ(json::parse(out)["compaction_policies"].size(), 1u) << out;
  EXPECT_EQ(json::parse(out)["compaction_policies"][0]["timeframe"], "default") << out;
  EXPECT_EQ(json::parse(out)["compaction_policies"][0]["older_than_us"], 7 * kMicrosPerDay) << out;
  out = Cli("status" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("compaction policy: default imports compact candles older than 1w"),
            std::string::npos)
      << out;

  // A timeframe's own policy beats the default: 1h candles younger than
  // 100,000 weeks (all of them) stay rows.
  out = Cli("candles policy --timeframe 1h --compact-older-than 100000w" + store, &code);
  ASSERT_EQ(code, 0) << out;
  const std::string other = " --store sqlite:" + dir.Sub("other");
  out = Cli("candles policy --compact-older-than all" + other, &code);
  ASSERT_EQ(code, 0) << out;
  out = Cli("candles policy --timeframe 1h --compact-older-than 100000w" + other, &code);
  ASSERT_EQ(code, 0) << out;
  out = Cli("import candles " + file + " --json" + other, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(json::parse(out)["candles_compacted"], 0) << out;
  // Cleared: the default applies again.
  out = Cli("candles policy --timeframe 1h --clear --json" + other, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(json::parse(out)["cleared"], true) << out;
  EXPECT_EQ(json::parse(out)["policies"].size(), 1u) << out;
  out = Cli("import candles " + file + " --json" + other, &code);
  ASSERT_EQ(code, 0) << out;
  summary = json::parse(out);
  EXPECT_EQ(summary["candles_compacted"], summary["rows_read"]) << out;
  out = Cli("check" + other, &code);
  EXPECT_EQ(code, 0) << out;

  // Refused: a bad age, --clear with a new age, --no-compact with --compact.
  for (const std::string& bad : {std::string("candles policy --compact-older-than 3x"),
                                 std::string("candles policy --compact-older-than=-1d"),
                                 std::string("candles policy --clear --compact-older-than 1d"),
                                 "import candles " + file + " --no-compact --compact"}) {
    out = Cli(bad + other, &code);
    EXPECT_EQ(code, 2) << bad << ": " << out;
  }
  out = Cli("candles policy --json" + other, &code);
  ASSERT_EQ(code, 0) << out;
  ASSERT_EQ(json::parse(out)["policies"].size(), 1u) << out;
  EXPECT_EQ(json::parse(out)["policies"][0]["older_than_us"], 0) << out;
}

}  // namespace
}  // namespace tradestore
