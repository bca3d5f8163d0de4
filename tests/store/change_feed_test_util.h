// Reading the change feed in tests until an awaited event has come: on
// PostgreSQL a transaction of another test on the shared server, and on
// Citus one on any node of the cluster (in any database), may hold events
// back for a moment (change_feed.h).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/change_feed.h"

namespace tradestore::testing {

// Reads from `cursor` until `done` holds for an event (or 20 s pass, a
// failure). Returns every event read; `cursor` moves past them.
inline std::vector<ChangeEvent> ReadUntil(ChangeFeed& feed, std::string& cursor,
                                          const std::function<bool(const ChangeEvent&)>& done,
                                          std::size_t limit = 1000, std::optional<BotId> bot = {}) {
  using namespace std::chrono_literals;
  std::vector<ChangeEvent> out;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    ChangeBatch b = feed.After(cursor, limit, bot);
    cursor = b.cursor;
    bool found = false;
    for (ChangeEvent& e : b.events) {
      found = found || done(e);
      out.push_back(std::move(e));
    }
    if (found) return out;
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "the awaited event did not come; " << out.size() << " events read";
      return out;
    }
    if (b.events.empty()) feed.WaitForChange(50ms);
  }
}

inline std::function<bool(const ChangeEvent&)> HeartbeatOf(BotId bot) {
  return [bot](const ChangeEvent& e) { return e.kind == "bot-heartbeat" && e.bot == bot; };
}

}  // namespace tradestore::testing
