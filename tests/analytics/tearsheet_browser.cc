// The tearsheet in a real browser: a paper-trading backtest of a real sample
// file (Kraken BTC/USDC 1h candles, the demo session) is recorded by the CLI,
// its tearsheet rendered, opened in headless Chromium and screenshotted; the
// PNG is decoded with libpng and must show the charts (a good share of
// non-white pixels, and the chart colours). A blank page and a tearsheet
// without data must fail the same check.
//
// Its own executable and ctest (tearsheet.browser) with a time limit; every
// child process (CLI, Chromium) runs under a watchdog that kills its whole
// process group, so a stuck browser can never hang the suite.
//
// The screenshot of the real backtest is kept in the build directory as the
// CI artifact (path printed): TEARSHEET_ARTIFACT_DIR/tearsheet.png.
#include <gtest/gtest.h>
#include <png.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tradestore/store.h"
#include "tradestore/tearsheet.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;

struct RunResult {
  bool timed_out = false;
  int exit_code = -1;
  std::string output;
};

// Runs argv with stdout and stderr to `log`, killing its process group after
// `timeout`.
RunResult RunProcess(const std::vector<std::string>& argv, const fs::path& log,
                     std::chrono::seconds timeout) {
  RunResult result;
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.output = "fork failed";
    return result;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    std::FILE* f = std::fopen(log.c_str(), "w");
    if (f) {
      ::dup2(fileno(f), 1);
      ::dup2(fileno(f), 2);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::perror("execvp");
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // helpers Chromium left behind, if any
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  std::ifstream in(log);
  std::stringstream s;
  s << in.rdbuf();
  result.output = s.str();
  return result;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tearsheet-browser-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Screenshots file://html into png with headless Chromium (one retry: a
// cold start under load can fail). Returns "" or what went wrong.
std::string Screenshot(const fs::path& html, const fs::path& png) {
  std::string failure;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    TempDir profile;
    fs::remove(png);
    const RunResult r =
        RunProcess({"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage",
                    "--user-data-dir=" + profile.path().string(), "--screenshot=" + png.string(),
                    "--window-size=1280,2400", "file://" + fs::absolute(html).string()},
                   profile.path() / "chromium.log", std::chrono::seconds(90));
    if (!r.timed_out && r.exit_code == 0 && fs::exists(png) && fs::file_size(png) > 0) return "";
    failure = "attempt " + std::to_string(attempt) + ": " +
              (r.timed_out ? std::string("timed out after 90 s")
                           : "exit code " + std::to_string(r.exit_code)) +
              "\n" + r.output;
  }
  return failure;
}

// What a screenshot shows.
struct Pixels {
  int width = 0, height = 0;
  double non_background = 0;  // share of pixels that are not near-white
  long equity_blue = 0, drawdown_red = 0, trade_orange = 0;
};

bool Near(const png_byte* p, int r, int g, int b) {
  return std::abs(p[0] - r) <= 6 && std::abs(p[1] - g) <= 6 && std::abs(p[2] - b) <= 6;
}

Pixels Decode(const fs::path& png) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, png.c_str())) {
    throw std::runtime_error("cannot read " + png.string() + ": " + image.message);
  }
  image.format = PNG_FORMAT_RGB;
  std::vector<png_byte> buf(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, buf.data(), 0, nullptr)) {
    throw std::runtime_error("cannot decode " + png.string() + ": " + image.message);
  }
  Pixels px;
  px.width = static_cast<int>(image.width);
  px.height = static_cast<int>(image.height);
  long busy = 0;
  for (std::size_t i = 0; i + 2 < buf.size(); i += 3) {
    const png_byte* p = &buf[i];
    if (p[0] < 245 || p[1] < 245 || p[2] < 245) ++busy;
    if (Near(p, 0x1f, 0x77, 0xb4)) ++px.equity_blue;
    if (Near(p, 0xd6, 0x27, 0x28)) ++px.drawdown_red;
    if (Near(p, 0xff, 0x7f, 0x0e)) ++px.trade_orange;
  }
  px.non_background = static_cast<double>(busy) / (static_cast<double>(px.width) * px.height);
  return px;
}

// "" when the screenshot shows a rendered tearsheet, else why not.
std::string CheckRendered(const Pixels& px) {
  std::ostringstream why;
  if (px.width != 1280 || px.height != 2400) {
    why << "size " << px.width << "x" << px.height << ", expected 1280x2400; ";
  }
  if (px.non_background < 0.04) why << "only " << px.non_background * 100 << " % non-white; ";
  if (px.equity_blue < 1000) why << "equity line colour on " << px.equity_blue << " px; ";
  if (px.drawdown_red < 3000) why << "drawdown colour on " << px.drawdown_red << " px; ";
  if (px.trade_orange < 500) why << "trade histogram colour on " << px.trade_orange << " px; ";
  return why.str();
}

std::string Describe(const Pixels& px) {
  std::ostringstream s;
  s << px.width << "x" << px.height << ", " << px.non_background * 100 << " % non-white, blue "
    << px.equity_blue << " px, red " << px.drawdown_red << " px, orange " << px.trade_orange
    << " px";
  return s.str();
}

TEST(TearsheetBrowser, RealBacktestRendersEveryChart) {
  TempDir dir;
  const std::string url = "sqlite:" + (dir.path() / "store").string();
  const fs::path data =
      fs::path(TRADESTORE_SOURCE_DIR) / "examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv";
  // The demo session (scripts/demo.sh): import, then the paper broker's backtest.
  RunResult r = RunProcess({TRADESTORE_CLI, "import", "candles", data.string(), "--symbol",
                            "BTCUSDC", "--venue", "kraken", "--timeframe", "1h",
                            "--price-precision", "2", "--size-precision", "8", "--store", url},
                           dir.path() / "import.log", std::chrono::seconds(300));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunProcess(
      {TRADESTORE_CLI, "backtest", "--symbol",   "BTCUSDC",   "--venue", "kraken",
       "--timeframe",  "1h",       "--strategy", "sma-cross", "--fast",  "10",
       "--slow",       "30",       "--cash",     "10000",     "--bot",   "demo-sma-cross",
       "--store",      url},
      dir.path() / "backtest.log", std::chrono::seconds(300));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // The tearsheet as a user makes it: `tradestore report --html FILE`.
  const fs::path out_dir = TEARSHEET_ARTIFACT_DIR;
  const fs::path html = out_dir / "tearsheet.html";
  const fs::path png = out_dir / "tearsheet.png";
  fs::remove(html);
  r = RunProcess({TRADESTORE_CLI, "report", "--bot", "demo-sma-cross", "--periods-per-year", "365",
                  "--html", html.string(), "--store", url},
                 dir.path() / "report.log", std::chrono::seconds(300));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(fs::exists(html));

  // The same data through the library: the series the charts are drawn from.
  Store store = Store::Open(url);
  const auto bot = store.bots().FindByName("demo-sma-cross");
  ASSERT_TRUE(bot);
  StatisticsOptions options;
  options.periods_per_year = kCalendarDaysPerYear;
  const TearsheetData sheet = BuildBotTearsheet(store, bot->id, options);
  ASSERT_GT(sheet.equity.size(), 2000u);  // one snapshot per candle
  ASSERT_GE(sheet.trade_returns.size(), 10u);
  // 2023-Q1, plus April: the last snapshot is the close of the last candle,
  // 2023-04-01T00:00Z.
  ASSERT_EQ(sheet.monthly_returns.size(), 4u);
  std::ifstream in(html);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(page, RenderTearsheet(sheet));  // the CLI renders exactly this data
  const std::string failure = Screenshot(html, png);
  ASSERT_EQ(failure, "");
  std::cout << "tearsheet: " << html.string() << "\nscreenshot: " << png.string() << "\n";
  const Pixels px = Decode(png);
  std::cout << "screenshot: " << Describe(px) << "\n";
  EXPECT_EQ(CheckRendered(px), "") << Describe(px);
}

TEST(TearsheetBrowser, BlankPageFailsTheCheck) {
  TempDir dir;
  const fs::path html = dir.path() / "blank.html";
  std::ofstream(html) << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
                         "</body></html>\n";
  const fs::path png = dir.path() / "blank.png";
  ASSERT_EQ(Screenshot(html, png), "");
  const Pixels px = Decode(png);
  EXPECT_LT(px.non_background, 0.001) << Describe(px);
  EXPECT_NE(CheckRendered(px), "") << Describe(px);
}

TEST(TearsheetBrowser, TearsheetWithoutDataFailsTheCheck) {
  // "No data" panels only: text and grey boxes, none of the chart colours.
  TempDir dir;
  TearsheetData empty;
  empty.title = "no data";
  const fs::path html = dir.path() / "empty.html";
  WriteTearsheet(empty, html.string());
  const fs::path png = dir.path() / "empty.png";
  ASSERT_EQ(Screenshot(html, png), "");
  const Pixels px = Decode(png);
  EXPECT_GT(px.non_background, 0.001) << Describe(px);  // the page did render
  EXPECT_EQ(px.equity_blue + px.drawdown_red + px.trade_orange, 0) << Describe(px);
  EXPECT_NE(CheckRendered(px), "") << Describe(px);
}

TEST(TearsheetBrowser, UnreadablePngIsAnError) {
  TempDir dir;
  const fs::path bogus = dir.path() / "bogus.png";
  std::ofstream(bogus) << "not a png";
  EXPECT_THROW(Decode(bogus), std::runtime_error);
}

}  // namespace
}  // namespace tradestore
