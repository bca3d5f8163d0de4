// Fuzzes the legacy bot importer (tradestore import legacy-json DIR) into an
// in-memory store: the first byte picks which of the legacy files
// (trades.json, signals.json, holdings.json, bot.json) the rest becomes, in
// a directory of its own. Any input is imported or refused with
// tradestore::Error, and a refused import changes nothing (the number of
// bots is the same).
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_support.h"
#include "tradestore/error.h"
#include "tradestore/legacy_import.h"
#include "tradestore/store.h"

using namespace tradestore;

namespace {

constexpr const char* kFiles[] = {"trades.json", "signals.json", "holdings.json", "bot.json"};

// A directory for the run's file, removed at exit.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ts-fuzz-legacy-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ScratchDir dir;
  static Store store = Store::Open("sqlite::memory:");
  static int run = 0;
  if (size < 1) return 0;
  for (const char* f : kFiles) std::filesystem::remove(dir.path / f);
  {
    std::ofstream out(dir.path / kFiles[data[0] % std::size(kFiles)], std::ios::binary);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  LegacyImportOptions options;
  options.bot_name = "fuzz-" + std::to_string(++run);  // a new bot each run
  const std::size_t before = store.bots().List(true).size();
  try {
    ImportLegacyJson(store, dir.path.string(), options);
  } catch (const Error&) {
    fuzz::Check(store.bots().List(true).size() == before, "a refused import changes nothing");
  }
  return 0;
}
