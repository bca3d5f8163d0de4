// No behaviour change from one statistics pipeline (issue 14 item 3): the
// CLI of today records the demo store and a three-bot store from
// examples/data exactly as tests/fixtures/report_before/generate.sh did with
// the CLI of before, and its output is compared with the files kept there:
//  * backtest output, report text and report --csv: byte-identical;
//  * report --json: identical after the documented key changes
//    (docs/statistics.md, "JSON keys"): the old top-level copies of the
//    statistics are gone, each found once under "statistics" (the old
//    top-level value, computed from exact sums, is the new one exactly), and
//    the money sums inside "statistics" are now exact Decimal sums, so they
//    and the ratios built on them may differ from the old double sums in the
//    last bits only (relative 1e-12); every other value is identical.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFixtures = fs::path(TRADESTORE_SOURCE_DIR) / "tests/fixtures/report_before";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The old top-level keys of report --json and where each statistic is now.
const std::map<std::string, std::string>& MovedKeys() {
  static const std::map<std::string, std::string> moved = [] {
    std::map<std::string, std::string> m;
    for (const char* k : {"trade_count", "long_count", "short_count", "wins", "losses", "breakeven",
                          "win_rate", "gross_profit", "gross_loss", "net_profit", "total_fees",
                          "profit_factor", "average_win", "average_loss", "expectancy"}) {
      m[k] = std::string("/statistics/trades/") + k;
    }
    for (const char* k : {"start_time", "end_time", "starting_equity", "ending_equity",
                          "total_return", "max_drawdown", "max_drawdown_fraction",
                          "drawdown_peak_time", "drawdown_trough_time", "drawdown_recovery_time",
                          "return_count", "periods_per_year", "sharpe_ratio", "sortino_ratio"}) {
      m[k] = std::string("/statistics/equity/") + k;
    }
    m["annualized_return"] = "/statistics/equity/cagr";
    return m;
  }();
  return moved;
}

// Keys of a trade summary whose value is a money sum or built on one: exact
// Decimal sums now, double sums before.
bool MoneyDerived(const std::string& key) {
  static const std::set<std::string> keys = {"gross_profit",
                                             "gross_loss",
                                             "net_profit",
                                             "total_fees",
                                             "profit_factor",
                                             "average_win",
                                             "average_loss",
                                             "payoff_ratio",
                                             "expectancy",
                                             "kelly_fraction",
                                             "fees_fraction_of_gross_profit"};
  return keys.count(key) > 0;
}

// Compares the old "statistics" object with the new one: same keys, same
// order, same values, except MoneyDerived numbers within 1e-12 relative.
void CompareStatistics(const json& before, const json& after, const std::string& path,
                       const std::string& key) {
  if (before.is_object()) {
    ASSERT_TRUE(after.is_object()) << path;
    std::vector<std::string> kb, ka;
    for (const auto& [k, v] : before.items()) kb.push_back(k);
    for (const auto& [k, v] : after.items()) ka.push_back(k);
    ASSERT_EQ(kb, ka) << path;
    for (const auto& [k, v] : before.items()) CompareStatistics(v, after[k], path + "/" + k, k);
  } else if (before.is_array()) {
    ASSERT_TRUE(after.is_array()) << path;
    ASSERT_EQ(before.size(), after.size()) << path;
    for (std::size_t i = 0; i < before.size(); ++i) {
      CompareStatistics(before[i], after[i], path + "/" + std::to_string(i), key);
    }
  } else if (MoneyDerived(key) && before.is_number_float() && after.is_number_float()) {
    const double b = before.get<double>();
    const double a = after.get<double>();
    EXPECT_NEAR(a, b, std::abs(b) * 1e-12) << path;
  } else {
    EXPECT_EQ(before, after) << path;
  }
}

void CompareReportJson(const std::string& name, const fs::path& out) {
  SCOPED_TRACE(name);
  const json before = json::parse(ReadFile(kFixtures / name));
  const json after = json::parse(ReadFile(out / name));
  // The top level now says only what was selected.
  for (const auto& [k, v] : after.items()) {
    EXPECT_TRUE(k == "bot" || k == "bots" || k == "strategy" || k == "from" || k == "to" ||
                k == "statistics")
        << "unexpected top-level key " << k;
  }
  for (const auto& [k, v] : before.items()) {
    if (k == "statistics") continue;
    const auto moved = MovedKeys().find(k);
    if (moved == MovedKeys().end()) {
      EXPECT_EQ(after.at(k), v) << k;  // bot, bots, strategy, from, to
      continue;
    }
    EXPECT_FALSE(after.contains(k)) << k << " is still at the top level";
    // Exactly the old top-level value (it was computed from exact sums).
    EXPECT_EQ(after.at(json::json_pointer(moved->second)), v) << k << " -> " << moved->second;
  }
  // Every key of the mapping was in the old report (the mapping is complete).
  for (const auto& [k, path] : MovedKeys()) EXPECT_TRUE(before.contains(k)) << k;
  CompareStatistics(before.at("statistics"), after.at("statistics"), "/statistics", "");
}

TEST(ReportFixtureTest, OutputAsBeforeExceptTheDocumentedKeys) {
  const fs::path out =
      fs::temp_directory_path() / ("tradestore-report-fixture-" + std::to_string(::getpid()));
  fs::remove_all(out);
  const std::string command = "cd '" + std::string(TRADESTORE_SOURCE_DIR) +
                              "' && bash tests/fixtures/report_before/generate.sh '" +
                              TRADESTORE_CLI + "' '" + out.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  for (const char* name : {"demo_backtest.txt", "demo_report.csv", "demo_report.txt",
                           "multi_backtest_a.json", "multi_backtest_b.json", "multi_backtest_c.txt",
                           "multi_report_all.csv", "multi_report_b.txt"}) {
    EXPECT_EQ(ReadFile(out / name), ReadFile(kFixtures / name)) << name;
  }
  for (const char* name : {"demo_report.json", "multi_report_all.json",
                           "multi_report_strategy.json", "multi_report_a_feb.json"}) {
    CompareReportJson(name, out);
  }
  // The files the script wrote are exactly the fixtures' (none forgotten).
  std::set<std::string> written, kept;
  for (const auto& e : fs::directory_iterator(out)) written.insert(e.path().filename().string());
  for (const auto& e : fs::directory_iterator(kFixtures)) {
    if (e.path().extension() != ".sh") kept.insert(e.path().filename().string());
  }
  EXPECT_EQ(written, kept);
  fs::remove_all(out);
}

}  // namespace
}  // namespace tradestore
