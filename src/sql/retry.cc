#include "sql/retry.h"

#include <algorithm>
#include <random>
#include <thread>

namespace tradestore::sql {
namespace {

std::minstd_rand& Generator() {
  thread_local std::minstd_rand generator(std::random_device{}());
  return generator;
}

}  // namespace

Backoff::Backoff(const RetryPolicy& policy)
    : policy_(policy), start_(std::chrono::steady_clock::now()), delay_(policy.first_delay) {
  if (delay_.count() < 2) delay_ = std::chrono::microseconds(2);
}

std::optional<std::chrono::microseconds> Backoff::Next() {
  using std::chrono::microseconds;
  const auto spent =
      std::chrono::duration_cast<microseconds>(std::chrono::steady_clock::now() - start_);
  const microseconds left = policy_.budget - spent;
  if (left.count() <= 0) return std::nullopt;
  std::uniform_int_distribution<std::int64_t> jitter(delay_.count() / 2, delay_.count());
  const microseconds delay = std::min(microseconds(jitter(Generator())), left);
  delay_ = std::min(delay_ * 2, std::max(policy_.max_delay, policy_.first_delay));
  ++attempts_;
  return delay;
}

bool Backoff::Wait() {
  const auto delay = Next();
  if (!delay) return false;
  std::this_thread::sleep_for(*delay);
  return true;
}

}  // namespace tradestore::sql
