// Prometheus metrics of `tradestore serve` (text exposition format 0.0.4):
// request durations as a histogram kept in memory, and the store's state
// (equity, realized P&L, positions, orders, fills, drawdown, heartbeats,
// database size) read from the store at each scrape. Names follow
// Prometheus' rules: prefix tradestore_, base units, _total counters,
// _seconds, _bytes, _ratio; labels bot and currency only.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace tradestore {
class Store;
}

namespace tradestore::server {

class Metrics {
 public:
  // Upper bounds of the request-duration buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  // Records one finished request (any route, any status).
  void ObserveRequest(double seconds, int status);
  // Records one unit of work that committed `fills` POSTed fills (SQLite
  // records the fills waiting for the writer together).
  void ObserveFillCommit(std::size_t fills);
  // The exposition text: request metrics, then the store's, read through
  // `store` (throws the store's errors).
  std::string Render(Store& store, const std::string& url);

 private:
  std::mutex mutex_;
  std::array<std::uint64_t, kBuckets.size()> bucket_counts_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
  std::uint64_t errors_5xx_ = 0;
  std::uint64_t errors_4xx_ = 0;
  std::uint64_t fill_commits_ = 0;
  std::uint64_t fills_committed_ = 0;
};

}  // namespace tradestore::server
