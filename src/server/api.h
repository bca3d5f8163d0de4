// Internals of the HTTP server shared by its route files: the state every
// handler sees, the pool of open stores, strict JSON bodies and query
// parameters, and the error shape. Not part of the public API.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/metrics.h"
#include "tradestore/decimal.h"
#include "tradestore/fill.h"
#include "tradestore/server.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore::server {

// An error with its HTTP status and the offending field (may be empty).
// Handlers throw it (or tradestore::Error, mapped by kind) and the server
// renders {"error": kind, "message": ..., "field": ...}.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string kind, const std::string& message, std::string field = {})
      : std::runtime_error(message),
        status_(status),
        kind_(std::move(kind)),
        field_(std::move(field)) {}
  int status() const { return status_; }
  const std::string& kind() const { return kind_; }
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string kind_;
  std::string field_;
};

// 400 invalid_argument naming the field.
[[noreturn]] void BadField(std::string_view field, const std::string& message);

// A fixed set of open stores, one lent to each request at a time.
class StorePool {
 public:
  // The pool's stores are opened with StoreOptions::read_replica as given.
  StorePool(std::string url, std::size_t size, bool read_replica = false);
  class Lease {
   public:
    Lease(StorePool& pool, std::unique_ptr<Store> store, bool writer = false)
        : pool_(&pool), store_(std::move(store)), writer_(writer) {}
    Lease(Lease&&) = default;
    ~Lease();
    Store& operator*() { return *store_; }
    Store* operator->() { return store_.get(); }

   private:
    StorePool* pool_;
    std::unique_ptr<Store> store_;
    bool writer_ = false;
  };
  // Waits for a free store (opening one lazily, up to `size`).
  Lease Acquire();
  // The one store that writes (SQLite), kept apart from the readers' so
  // that its page cache stays warm: SQLite drops a connection's cache when
  // another connection has written, so writes that took turns on pooled
  // stores each started cold. Callers hold ServerState::write_mutex.
  Lease AcquireWriter();
  // Closes the stores not lent out; later returns are closed too.
  void Close();
  const std::string& url() const { return url_; }
  bool is_sqlite() const { return url_.rfind("sqlite:", 0) == 0; }

 private:
  void Return(std::unique_ptr<Store> store, bool writer);
  std::string url_;
  StoreOptions options_;
  std::size_t size_;
  std::size_t opened_ = 0;
  bool closed_ = false;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Store>> free_;
  std::unique_ptr<Store> writer_;
};

class EventHub;  // events.h

// SQLite: POSTed fills waiting for the writer store (write_routes.cc). The
// request that next takes the write mutex records every waiting fill in one
// unit of work (one commit for the group), or, if any of them is refused,
// each again in its own, so that a refusal stays its own request's.
struct PendingFill {
  std::string bot;  // the path's bot name or id
  Fill fill;
  // Set under the write mutex by whichever request recorded it.
  bool done = false;
  int status = 0;
  std::string body;
  std::exception_ptr error;
};
struct FillQueue {
  std::mutex mutex;
  std::vector<PendingFill*> waiting;  // each owned by a request blocked on the write mutex
};

// What every handler sees.
struct ServerState {
  ServerOptions options;
  StorePool pool;
  std::mutex write_mutex;  // SQLite: one in-process writer at a time
  FillQueue fill_queue;    // SQLite: fills recorded in groups
  Metrics metrics;
  std::unique_ptr<EventHub> events;
  std::atomic<bool> stopping{false};

  ServerState(ServerOptions o, std::string url);
  ~ServerState();
};

// Runs `work` with a pooled store; for writes, also under the write mutex
// with the pool's writer store (SQLite), and with the event hub woken
// afterwards.
template <typename F>
auto WithStore(ServerState& state, F&& work) {
  StorePool::Lease lease = state.pool.Acquire();
  return work(*lease);
}
void AfterWrite(ServerState& state);
template <typename F>
auto WithWriteStore(ServerState& state, F&& work) {
  const bool sqlite = state.pool.is_sqlite();
  std::unique_lock<std::mutex> lock(state.write_mutex, std::defer_lock);
  if (sqlite) lock.lock();
  StorePool::Lease lease = sqlite ? state.pool.AcquireWriter() : state.pool.Acquire();
  struct Wake {
    ServerState& s;
    ~Wake() { AfterWrite(s); }
  } wake{state};
  return work(*lease);
}

// Query parameters, each read at most once by name; Finish() refuses any
// parameter not read (400 naming it) and repeated parameters.
class Query {
 public:
  explicit Query(const httplib::Request& request);
  std::optional<std::string> Text(std::string_view name);
  std::optional<std::int64_t> Int(std::string_view name, std::int64_t min, std::int64_t max);
  std::optional<double> Double(std::string_view name);
  std::optional<Timestamp> Time(std::string_view name);
  bool Flag(std::string_view name);  // absent, "true"/"1" or "false"/"0"
  void Finish();

 private:
  const httplib::Request& request_;
  std::set<std::string, std::less<>> read_;
};

// A JSON request body (an object), read field by field; Finish() refuses
// unknown fields (400 naming the first). Decimal fields take a JSON string
// ("0.1") or a JSON number, read from its literal text, so no float ever
// touches money; times take ISO-8601 text or integer µs since the epoch.
class Body {
 public:
  explicit Body(const httplib::Request& request);  // 400 for malformed JSON or a non-object
  explicit Body(nlohmann::json object, std::string prefix = {});
  std::optional<std::string> Text(std::string_view name, bool required = false);
  std::optional<Decimal> Money(std::string_view name, bool required = false);
  std::optional<Timestamp> Time(std::string_view name, bool required = false);
  std::optional<std::int64_t> Int(std::string_view name, bool required = false,
                                  std::int64_t min = INT64_MIN, std::int64_t max = INT64_MAX);
  std::optional<double> Double(std::string_view name, bool required = false);
  std::optional<bool> Bool(std::string_view name);
  // A nested object or array, returned as JSON (the caller reads it).
  std::optional<nlohmann::json> Json(std::string_view name, bool required = false);
  // Parses an enum-like text field with `parse` (which throws
  // Error(kInvalidArgument)); the error names the field.
  template <typename T, typename Parse>
  std::optional<T> Enum(std::string_view name, Parse parse, bool required = false) {
    const std::optional<std::string> text = Text(name, required);
    if (!text) return std::nullopt;
    try {
      return parse(*text);
    } catch (const std::exception& e) {
      BadField(Name(name), e.what());
    }
  }
  void Finish();
  std::string Name(std::string_view field) const { return prefix_ + std::string(field); }

 private:
  const nlohmann::json* Get(std::string_view name, bool required);
  nlohmann::json object_;
  std::string prefix_;
  std::set<std::string, std::less<>> read_;
};

// Sends `json_text` with status and Content-Type application/json.
void SendJson(httplib::Response& response, const std::string& json_text, int status = 200);
// {"data": [rows...], "next": cursor|null} from JSON object texts.
std::string ListJson(const std::vector<std::string>& rows, const std::string& next);

// The row of `entity` with this id as the lists render it (test and system
// rows included), or "null" when there is none.
std::string EntityRow(Store& store, std::string_view entity, std::optional<BotId> bot,
                      std::int64_t id);
// The positions row of (bot, account, instrument), or "null".
std::string PositionRow(Store& store, BotId bot, AccountId account, InstrumentId instrument);

// A bot named or numbered by a path parameter; 404 if unknown.
Bot ResolveBot(Store& store, const std::string& name_or_id);

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
// Routes: each file registers its own.
void AddReadRoutes(httplib::Server& http, ServerState& state);
void AddWriteRoutes(httplib::Server& http, ServerState& state);
void AddEventRoutes(httplib::Server& http, ServerState& state);
void AddMetricsRoutes(httplib::Server& http, ServerState& state);
void AddDashboardRoutes(httplib::Server& http, ServerState& state);

// The OpenAPI document (src/server/openapi.json, embedded at build time).
std::string_view OpenApiDocument();

}  // namespace tradestore::server
