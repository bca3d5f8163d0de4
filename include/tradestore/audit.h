// The audit trail: system events (audit.system_events; seed 004) and the
// structured error log (audit.error_log; seed 001's error_logs). Either may
// belong to a bot or to the whole system (bot_id unset).
//
// Errors: kInvalidArgument for an empty component, event type or message,
// or details/context that are not a JSON object (the message names the
// field and the parser's position); kNotFound for an unknown bot.
// Thread safety: as the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

enum class Severity { kDebug, kInfo, kWarning, kError, kCritical };
// "debug", "info", "warning", "error", "critical"
std::string_view ToString(Severity s) noexcept;
Severity ParseSeverity(std::string_view text);  // throws Error(kInvalidArgument)

struct SystemEvent {
  std::int64_t id = 0;          // assigned by the store
  Timestamp time;               // now when left at the epoch
  std::optional<BotId> bot_id;  // unset: the whole system
  std::string component;        // "broker", "ingest", "scheduler", ...
  std::string event_type;       // "startup", "shutdown", "config_change", ...
  Severity severity = Severity::kInfo;
  std::string message;
  std::string details = "{}";     // a JSON object, stored in canonical form
  RunMode mode = RunMode::kLive;  // the bot's when bot_id is set
  bool is_test = false;           // the bot's when bot_id is set (or this value)
};

struct ErrorLogEntry {
  std::int64_t id = 0;          // assigned by the store
  Timestamp time;               // now when left at the epoch
  std::optional<BotId> bot_id;  // unset: the whole system
  std::string component;
  Severity severity = Severity::kError;
  std::string code;            // a stable error code, e.g. "ORDER_REJECTED", "E1042"
  std::string message;         // non-empty
  std::string context = "{}";  // a JSON object, stored in canonical form
  RunMode mode = RunMode::kLive;
  bool is_test = false;
};

struct AuditFilter {
  std::optional<BotId> bot;  // all (bots and system-wide) when empty
  std::optional<std::string> component;
  std::optional<Severity> min_severity;  // at least this severe
  TimeRange range;                       // on time
  bool include_test = false;
  std::int64_t limit = 0;  // the most recent `limit` when > 0 (still oldest first)
};

class AuditRepository {
 public:
  SystemEvent RecordEvent(const SystemEvent& event);
  // Events oldest first.
  std::vector<SystemEvent> Events(const AuditFilter& filter = {});
  ErrorLogEntry LogError(const ErrorLogEntry& entry);
  // Errors oldest first.
  std::vector<ErrorLogEntry> Errors(const AuditFilter& filter = {});

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
