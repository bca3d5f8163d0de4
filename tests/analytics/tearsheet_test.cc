// The HTML tearsheet: markup, escaping, empty inputs, validation, the series
// helpers and the atomic file write. The rendered page in a real browser is
// checked by tearsheet_browser.cc.
#include "tradestore/tearsheet.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

Timestamp Day(int y, unsigned m, unsigned d, int h = 0) { return Timestamp::FromCivil(y, m, d, h); }

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

TearsheetData Sample() {
  TearsheetData d;
  d.title = "sample bot";
  d.subtitle = "sma-cross(10,30)";
  d.equity = {{Day(2023, 1, 1), 1000},
              {Day(2023, 1, 15), 1100},
              {Day(2023, 2, 1), 990},
              {Day(2023, 3, 1), 1200}};
  d.drawdown = {
      {Day(2023, 1, 1), 0}, {Day(2023, 1, 15), 0}, {Day(2023, 2, 1), -0.1}, {Day(2023, 3, 1), 0}};
  d.monthly_returns = {{2023, 1, 0.1}, {2023, 2, -0.1}, {2023, 3, 0.2121}};
  d.trade_returns = {0.01, -0.02, 0.03, 0.05, -0.01};
  d.r_multiples = {1.5, -1, 2.2, -0.5};
  d.tables = {ReportTable{"Performance", {}, {{"Sharpe ratio", "1.23"}}}};
  return d;
}

TEST(HtmlEscape, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&#39;d");
  EXPECT_EQ(HtmlEscape("plain é"), "plain é");
  EXPECT_EQ(HtmlEscape(""), "");
}

TEST(Tearsheet, SelfContainedDocumentWithEveryChart) {
  const std::string html = RenderTearsheet(Sample());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(html.ends_with("</html>\n"));
  // Offline: no scripts, no links to anything outside the file.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // The only URLs are the SVG namespace names (identifiers, never fetched).
  EXPECT_EQ(Count(html, "http://"), Count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(Count(html, "https://"), 0u);
  // Five charts: equity, underwater, heat map, two histograms.
  EXPECT_EQ(Count(html, "<svg "), 5u);
  EXPECT_EQ(Count(html, "class=\"nodata\""), 0u);
  EXPECT_NE(html.find("stroke=\"#1f77b4\""), std::string::npos);  // equity line
  EXPECT_NE(html.find("fill=\"#d62728\""), std::string::npos);    // drawdown area
  EXPECT_NE(html.find("fill=\"#ff7f0e\""), std::string::npos);    // trade histogram
  EXPECT_NE(html.find("fill=\"#9467bd\""), std::string::npos);    // R histogram
  // Heat map: the values are printed, and the year total compounds them:
  // 1.1 * 0.9 * 1.2121 - 1 = 0.1999790 -> 20.00%.
  EXPECT_NE(html.find(">10.00%<"), std::string::npos);
  EXPECT_NE(html.find(">-10.00%<"), std::string::npos);
  EXPECT_NE(html.find(">21.21%<"), std::string::npos);
  EXPECT_NE(html.find(">20.00%<"), std::string::npos);
  // Histogram captions: n, mean of the trade returns (0.06 / 5 = 1.20 %).
  EXPECT_NE(html.find("n = 5, mean 1.20%, median 1.00%, min -2.00%, max 5.00%"), std::string::npos);
  EXPECT_NE(html.find("n = 4, mean 0.55R"), std::string::npos);
  EXPECT_NE(html.find("<th>Sharpe ratio</th><td>1.23</td>"), std::string::npos);
}

TEST(Tearsheet, HeatMapColoursGainsGreenAndLossesRed) {
  TearsheetData d;
  d.monthly_returns = {{2022, 12, 0.5}, {2023, 1, -0.5}};
  const std::string html = RenderTearsheet(d);
  // The largest absolute return gets the full colour.
  EXPECT_NE(html.find("fill=\"#1a9850\""), std::string::npos);
  EXPECT_NE(html.find("fill=\"#d73027\""), std::string::npos);
  EXPECT_NE(html.find(">2022<"), std::string::npos);
  EXPECT_NE(html.find(">2023<"), std::string::npos);
}

TEST(Tearsheet, InjectionThroughAnyTextIsEscaped) {
  const std::string evil = "<script>alert('x')</script><img src=x onerror=\"alert(1)\">";
  TearsheetData d = Sample();
  d.title = evil;
  d.subtitle = evil;
  d.tables = {ReportTable{evil, {evil, "b"}, {{evil, evil}}},
              ReportTable{"kv " + evil, {}, {{evil, evil}}}};
  const std::string html = RenderTearsheet(d);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("onerror=\""), std::string::npos);
  EXPECT_EQ(html.find("alert('x')"), std::string::npos);
  const std::string escaped = HtmlEscape(evil);
  // title element, h1, subtitle, 2 table titles, header cell, 4 body cells.
  EXPECT_EQ(Count(html, escaped), 10u);
  // No text can close the page's own elements early.
  EXPECT_EQ(Count(html, "</title>"), 1u);
  EXPECT_EQ(Count(html, "</style>"), 1u);
}

TEST(Tearsheet, EmptyInputsShowNoDataPanels) {
  TearsheetData d;
  d.title = "empty bot";
  const std::string html = RenderTearsheet(d);
  EXPECT_EQ(Count(html, "<svg "), 0u);
  EXPECT_EQ(Count(html, "class=\"nodata\""), 6u);  // 5 charts + tables
  EXPECT_NE(html.find("No data: the equity curve has no points"), std::string::npos);
  EXPECT_NE(html.find("No data: no closed trades"), std::string::npos);
  EXPECT_NE(html.find("<h1>empty bot</h1>"), std::string::npos);
  // A title-less sheet still has a title.
  EXPECT_NE(RenderTearsheet({}).find("<title>Tearsheet</title>"), std::string::npos);
}

TEST(Tearsheet, DegenerateSeriesStillDraw) {
  TearsheetData d;
  d.equity = {{Day(2023, 1, 1), 500}};  // one point: zero time span, zero range
  d.drawdown = {{Day(2023, 1, 1), 0}};
  d.trade_returns = {0.02};  // one trade: zero-width range
  d.r_multiples = {0, 0, 0};
  const std::string html = RenderTearsheet(d);
  EXPECT_EQ(Count(html, "<svg "), 4u);
  EXPECT_EQ(html.find("nan"), std::string::npos);
  EXPECT_EQ(html.find("inf"), std::string::npos);
}

TEST(Tearsheet, LongSeriesAreReducedKeepingExtremes) {
  TearsheetData d;
  for (int i = 0; i < 100000; ++i) {
    d.equity.push_back({Timestamp(std::int64_t{i} * kMicrosPerMinute), 1000.0 + (i % 7)});
  }
  d.equity[54321].value = 5000;  // a single spike must survive
  const std::string html = RenderTearsheet(d);
  EXPECT_LT(html.size(), 100000u);
  // The y axis reaches the spike: a tick at 5000 or above.
  EXPECT_NE(html.find(">5000<"), std::string::npos);
}

TEST(Tearsheet, RefusesBadSeriesNamingIndexAndValue) {
  const auto expect_refused = [](const TearsheetData& d, const std::string& fragment) {
    try {
      RenderTearsheet(d);
      ADD_FAILURE() << "accepted, expected refusal mentioning " << fragment;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  TearsheetData d = Sample();
  d.equity[2].value = std::numeric_limits<double>::quiet_NaN();
  expect_refused(d, "equity[2]");
  d = Sample();
  std::swap(d.equity[1], d.equity[2]);
  expect_refused(d, "equity[2] at 2023-01-15T00:00:00Z is earlier");
  d = Sample();
  d.drawdown[1].value = 0.05;
  expect_refused(d, "drawdown[1] is 0.05");
  d = Sample();
  d.monthly_returns[1].month = 13;
  expect_refused(d, "monthly_returns[1] has month 13");
  d = Sample();
  d.monthly_returns[2].month = 1;
  expect_refused(d, "monthly_returns[2] repeats 2023-01");
  d = Sample();
  d.trade_returns[3] = std::numeric_limits<double>::infinity();
  expect_refused(d, "trade_returns[3]");
  d = Sample();
  d.r_multiples[0] = -std::numeric_limits<double>::infinity();
  expect_refused(d, "r_multiples[0]");
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tearsheet-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WriteTearsheet, WritesWholeFileAndLeavesNoTemporary) {
  TempDir dir;
  const auto path = dir.path() / "sheet.html";
  std::ofstream(path) << "old";
  WriteTearsheet(Sample(), path.string());
  EXPECT_EQ(ReadAll(path), RenderTearsheet(Sample()));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(WriteTearsheet, FailureChangesNothing) {
  TempDir dir;
  const auto path = dir.path() / "sheet.html";
  std::ofstream(path) << "old";
  // Invalid data: refused before anything is written.
  TearsheetData bad = Sample();
  bad.monthly_returns[0].month = 0;
  EXPECT_THROW(WriteTearsheet(bad, path.string()), Error);
  EXPECT_EQ(ReadAll(path), "old");
  // A directory that does not exist: kStorage naming the path.
  const std::string missing = (dir.path() / "no-such-dir" / "sheet.html").string();
  try {
    WriteTearsheet(Sample(), missing);
    ADD_FAILURE() << "wrote into a missing directory";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kStorage);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(BuildBotTearsheet, FillsSeriesAndTablesFromTheStatisticsSuite) {
  Store store = Store::Open("sqlite::memory:");
  Bot b;
  b.name = "bot <b>";
  b.strategy = "s&p";
  b.mode = RunMode::kBacktest;
  b = store.bots().Create(b);
  const Account account = store.accounts().Create(b.id, "main");
  const std::vector<std::pair<Timestamp, const char*>> curve = {{Day(2023, 1, 1), "1000"},
                                                                {Day(2023, 1, 31), "1100"},
                                                                {Day(2023, 2, 15), "880"},
                                                                {Day(2023, 2, 28), "990"}};
  for (const auto& [t, v] : curve) {
    PortfolioSnapshot s;
    s.bot_id = b.id;
    s.account_id = account.id;
    s.time = t;
    s.equity = Decimal::Parse(v);
    s.cash = Decimal::Parse(v);
    store.portfolio().Record(s);
  }
  const TearsheetData d = BuildBotTearsheet(store, b.id);
  EXPECT_NE(d.title.find("bot <b>"), std::string::npos);
  EXPECT_NE(d.subtitle.find("2023-01-01"), std::string::npos);
  ASSERT_EQ(d.equity.size(), 4u);
  EXPECT_DOUBLE_EQ(d.equity[2].value, 880);
  // Underwater: E / running peak - 1.
  ASSERT_EQ(d.drawdown.size(), 4u);
  EXPECT_DOUBLE_EQ(d.drawdown[1].value, 0);
  EXPECT_DOUBLE_EQ(d.drawdown[2].value, 880.0 / 1100.0 - 1);
  // January 1100 / 1000 - 1 = 10 %, February 990 / 1100 - 1 = -10 %.
  ASSERT_EQ(d.monthly_returns.size(), 2u);
  EXPECT_NEAR(d.monthly_returns[0].value, 0.10, 1e-12);
  EXPECT_NEAR(d.monthly_returns[1].value, -0.10, 1e-12);
  EXPECT_TRUE(d.trade_returns.empty());
  EXPECT_TRUE(d.r_multiples.empty());
  // The same tables as `tradestore report`.
  StatisticsSelection selection;
  selection.bot = b.name;
  const StatisticsInput in = LoadStatisticsInput(store, selection);
  const std::vector<ReportTable> expected =
      BuildReportTables(ComputeStatistics(in.samples, in.equity, in.ledger));
  ASSERT_EQ(d.tables.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(d.tables[i].title, expected[i].title);
    EXPECT_EQ(d.tables[i].rows, expected[i].rows);
  }
  const std::string html = RenderTearsheet(d);
  EXPECT_NE(html.find("bot &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("bot <b>"), std::string::npos);
  EXPECT_NE(html.find("No data: no closed trades"), std::string::npos);
  EXPECT_THROW(BuildBotTearsheet(store, b.id + 100), Error);
}

}  // namespace
}  // namespace tradestore
