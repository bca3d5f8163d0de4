// tradestore: the command-line tool. Exit codes: 0 success; 2 bad input
// (including usage errors); 3 not found; 4 conflict; 5 unavailable (busy);
// 6 storage failure; 70 internal error.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "commands.h"
#include "tradestore/error.h"
#include "tradestore/store.h"
#include "tradestore/text.h"

namespace tradestore::cli {

std::string GlobalOptions::ResolvedUrl() const {
  return store_url.empty() ? Store::DefaultUrl() : store_url;
}

void AddCommonOptions(CLI::App& sub, GlobalOptions& global, bool with_json) {
  sub.add_option("--store", global.store_url,
                 "Store URL: sqlite:DIR or sqlite:FILE.db (default: $TRADESTORE_URL, else "
                 "sqlite:tradestore-data)");
  if (with_json) sub.add_flag("--json", global.json, "Print results as JSON");
}

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
  if (enabled_ && last_percent_ >= 0) std::fputs("\n", stderr);
}

void ProgressBar::Update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_ || total == 0) return;
  const int percent = static_cast<int>(done * 100 / total);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  constexpr int kWidth = 40;
  const int filled = percent * kWidth / 100;
  std::fprintf(stderr, "\r%s [%s%s] %3d%%", label_.c_str(), std::string(filled, '#').c_str(),
               std::string(kWidth - filled, ' ').c_str(), percent);
  std::fflush(stderr);
}

}  // namespace tradestore::cli

int main(int argc, char** argv) {
  using namespace tradestore;
  CLI::App app{"tradestore: the persistence and analytics core of a trading system"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tradestore 0.1.0");
  cli::GlobalOptions global;
  std::function<int()> run;
  cli::AddImportCommand(app, global, run);
  cli::AddBacktestCommand(app, global, run);
  cli::AddReportCommand(app, global, run);
  cli::AddInstrumentsCommand(app, global, run);
  cli::AddCandlesCommand(app, global, run);
  cli::AddCopyCommand(app, global, run);
  cli::AddViewsCommands(app, global, run);
  cli::AddShowCommand(app, global, run);
  cli::AddExportCommand(app, global, run);
  cli::AddEntityImportCommands(app, global, run);
  cli::AddAnalyzeCommand(app, global, run);
  cli::AddOpsCommands(app, global, run);
  cli::AddServeCommand(app, global, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : ExitCode(ErrorKind::kInvalidArgument);
  }
  try {
    // Text enters the store only as valid UTF-8 without NUL (tradestore/text.h):
    // an argument that breaks the rule is refused before anything runs.
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      if (!FindInvalidText(arg)) continue;
      std::string field = "argument " + std::to_string(i);
      if (arg.starts_with("--") && arg.find('=') != std::string_view::npos) {
        field += " (" + std::string(arg.substr(0, arg.find('='))) + "=)";
      } else if (i > 1 && std::string_view(argv[i - 1]).starts_with("--")) {
        field += " (after " + std::string(argv[i - 1]) + ")";
      }
      CheckText(field, arg);
    }
    return run ? run() : 0;
  } catch (const Error& e) {
    std::cerr << "tradestore: " << ToString(e.kind()) << ": " << e.what();
    if (!e.native_code().empty()) std::cerr << " [" << e.native_code() << "]";
    std::cerr << "\n";
    return ExitCode(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "tradestore: internal: " << e.what() << "\n";
    return ExitCode(ErrorKind::kInternal);
  }
}
