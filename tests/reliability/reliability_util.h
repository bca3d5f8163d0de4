// Helpers for the reliability tests: running the CLI and helper programs as
// separate processes, with their output captured, and a scratch directory.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace tradestore::testing {

// A fresh directory under the system temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("tradestore-rel-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string ReadWhole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One finished process: its arguments, exit code (128 + signal when killed)
// and output.
struct ProcessRun {
  std::vector<std::string> args;
  int code = -1;
  std::string out;
  std::string err;
  std::string Describe() const {
    std::string s;
    for (const std::string& a : args) s += a + " ";
    return s + "-> exit " + std::to_string(code) + "\nstdout: " + out + "\nstderr: " + err;
  }
};

// Starts `args` (args[0] a path) with stdout and stderr going to
// `out_prefix`.out / .err; returns its pid (0 if it could not start).
inline pid_t StartProcess(const std::vector<std::string>& args, const std::string& out_prefix) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = out_prefix + ".out";
  const std::string err = out_prefix + ".err";
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : 0;
}

// Waits for `pid` started by StartProcess(args, out_prefix).
inline ProcessRun WaitProcess(pid_t pid, const std::vector<std::string>& args,
                              const std::string& out_prefix) {
  ProcessRun run;
  run.args = args;
  if (pid == 0) {
    run.err = "could not start";
    return run;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = ReadWhole(out_prefix + ".out");
  run.err = ReadWhole(out_prefix + ".err");
  return run;
}

inline ProcessRun RunProcess(const std::vector<std::string>& args, const std::string& out_prefix) {
  return WaitProcess(StartProcess(args, out_prefix), args, out_prefix);
}

// A backtest's or report's JSON without what names the bot or the moment
// (bot, bot_id, bots, generated_at) and without `also_drop`, at every depth:
// what two runs of one strategy on the same candles must agree on.
inline nlohmann::json WithoutBot(nlohmann::json j, const std::vector<std::string>& also_drop = {}) {
  if (j.is_object()) {
    for (const char* key : {"bot", "bot_id", "bots", "generated_at"}) j.erase(key);
    for (const std::string& key : also_drop) j.erase(key);
    for (auto& [k, v] : j.items()) v = WithoutBot(v, also_drop);
  } else if (j.is_array()) {
    for (auto& v : j) v = WithoutBot(v, also_drop);
  }
  return j;
}

// Imports the Binance.US BTCUSDC 1m sample (examples/data, 3 weeks) into
// `url` with the CLI `cli` and resamples it to `timeframe`: the candles the
// reliability tests' backtests trade. Returns the failed run, or nullopt.
inline std::optional<ProcessRun> SeedBtcusdc(const std::string& cli, const std::string& url,
                                             const std::string& timeframe, const ScratchDir& dir) {
  ProcessRun run = RunProcess(
      {cli, "import", "candles", "--store", url,
       TRADESTORE_SOURCE_DIR "/examples/data/ohlcv/binanceus/BTCUSDC_1m_20230301_20230321.csv",
       "--symbol", "BTCUSDC", "--timeframe", "1m", "--quote", "USDC", "--price-precision", "2",
       "--size-precision", "5"},
      dir.Sub("seed-import"));
  if (run.code != 0) return run;
  run = RunProcess({cli, "candles", "resample", "--store", url, "--symbol", "BTCUSDC", "--from",
                    "1m", "--to", timeframe},
                   dir.Sub("seed-resample"));
  if (run.code != 0) return run;
  return std::nullopt;
}

}  // namespace tradestore::testing
