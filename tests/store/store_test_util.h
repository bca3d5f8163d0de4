// Helpers for store tests: a temporary directory and a seeded store.
#pragma once

#include <filesystem>
#include <random>
#include <string>

#include "tradestore/store.h"

namespace tradestore::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("tradestore-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A store with one instrument (BTCUSDC, 2 price and 5 size decimals), one
// bot and one account.
struct Seeded {
  explicit Seeded(const std::string& url) : store(Store::Open(url)) {
    Instrument in;
    in.venue = "test";
    in.symbol = "BTCUSDC";
    in.base_asset = "BTC";
    in.quote_asset = "USDC";
    in.price_precision = 2;
    in.size_precision = 5;
    instrument = store.instruments().Upsert(in);
    Bot b;
    b.name = "bot-a";
    b.mode = RunMode::kBacktest;
    bot = store.bots().Create(b);
    account = store.accounts().Create(bot.id, "main");
  }
  Store store;
  Instrument instrument;
  Bot bot;
  Account account;
};

}  // namespace tradestore::testing
