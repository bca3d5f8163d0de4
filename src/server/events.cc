// EventHub; see events.h.
#include "server/events.h"

#include <chrono>

#include "server/api.h"

namespace tradestore::server {

void EventHub::Wake() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  cv_.notify_all();
}

std::uint64_t EventHub::generation() {
  std::lock_guard<std::mutex> lock(mutex_);
  return generation_;
}

std::uint64_t EventHub::WaitFor(std::uint64_t seen, int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
               [&] { return stopped_ || generation_ != seen; });
  return generation_;
}

void EventHub::Stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  cv_.notify_all();
}

bool EventHub::stopped() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopped_;
}

void EventHub::Run() {
  while (!stopped()) WaitFor(generation(), 1000);
}

void AddEventRoutes(httplib::Server&, ServerState&) {}

}  // namespace tradestore::server
