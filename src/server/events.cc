// EventHub and GET /api/v1/events; see events.h.
#include "server/events.h"

#include <fmt/format.h>

#include <chrono>
#include <set>

#include "server/api.h"
#include "tradestore/change_feed.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"

namespace tradestore::server {
namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kBatch = 500;
constexpr int kKeepAliveMs = 15'000;

// The row an event names, as the lists render it ("null" when it is gone).
std::string EventRow(Store& store, const ChangeEvent& e) {
  if (e.entity == "positions") {
    // row_id: account id; sub_key: instrument id.
    return PositionRow(store, *e.bot, e.row_id, std::stoll(e.sub_key));
  }
  if (e.entity == "balances") {
    // row_id: account id; sub_key: currency. Balances have no id: the bot's
    // rows, then the account and currency.
    ExportFilter f;
    f.bot = std::to_string(*e.bot);
    f.include_test = true;
    f.include_system = true;
    for (const std::string& row : ReadEntityPage(store, "balances", f, "", kMaxPageLimit).rows) {
      const nlohmann::json r = nlohmann::json::parse(row);
      if (r.value("account_id", std::int64_t{0}) == e.row_id &&
          r.value("currency", std::string()) == e.sub_key)
        return row;
    }
    return "null";
  }
  if (e.entity == "candle-coverage") {
    const std::optional<Timeframe> tf = TryParseTimeframe(e.sub_key);
    if (!tf) return "null";
    for (const CandleCoverage& c : store.candles().Coverage(e.row_id, *tf)) {
      return CoverageToJson(c, store.instruments().Get(c.instrument_id));
    }
    return "null";
  }
  return EntityRow(store, e.entity, e.bot, e.row_id);
}

// One Server-Sent Events message.
std::string Message(const ChangeEvent& e, const std::string& row) {
  std::string data =
      fmt::format(R"({{"kind":{},"bot_id":{},"entity":{},"id":{},"time":"{}","row":{}}})",
                  nlohmann::json(e.kind).dump(), e.bot ? std::to_string(*e.bot) : "null",
                  nlohmann::json(e.entity).dump(), e.row_id, e.time.ToIso(), row);
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.cursor, e.kind, data);
}

}  // namespace

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

// Commits of other processes: one feed of a store of its own waits for them
// (LISTEN on PostgreSQL, polling on SQLite) and wakes the streams.
void EventHub::Run() {
  std::unique_ptr<Store> store;
  while (!stopped()) {
    try {
      if (!store) store = std::make_unique<Store>(Store::Open(state_.pool.url()));
      if (store->changes().WaitForChange(std::chrono::milliseconds(250))) Wake();
    } catch (const std::exception&) {
      // The database went away (a restart): reopen after a pause; streams
      // keep their cursors and resume.
      store.reset();
      WaitFor(generation(), 1000);
    }
  }
}

bool EventHub::TryOpenStream() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (streams_ >= max_streams_) return false;
  ++streams_;
  return true;
}

void EventHub::CloseStream() {
  std::lock_guard<std::mutex> lock(mutex_);
  --streams_;
}

void AddEventRoutes(httplib::Server& http, ServerState& state) {
  http.Get("/api/v1/events", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    const std::optional<std::string> bot_name = q.Text("bot");
    const std::optional<std::string> kinds_text = q.Text("kinds");
    std::optional<std::string> cursor = q.Text("last_event_id");
    q.Text("token");  // checked before routing
    q.Finish();
    if (req.has_header("Last-Event-ID")) cursor = req.get_header_value("Last-Event-ID");
    std::set<std::string, std::less<>> kinds;
    if (kinds_text) {
      const std::set<std::string_view> known = {
          kChangeOrder,   kChangeFill,      kChangePosition,     kChangeTradeClosed,
          kChangeBalance, kChangeRiskEvent, kChangeBotHeartbeat, kChangeCandlesImported};
      std::string_view rest = *kinds_text;
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view k = rest.substr(0, comma);
        if (!known.contains(k)) BadField("kinds", fmt::format("'{}' is not an event kind", k));
        kinds.emplace(k);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
    // Resolve the bot and the starting cursor now, so that a bad request is
    // an ordinary error response rather than a broken stream.
    std::optional<BotId> bot;
    std::string start;
    WithStore(state, [&](Store& store) {
      if (bot_name) bot = ResolveBot(store, *bot_name).id;
      // Head first: a store without a feed (distributed by Citus with an
      // older tradestore) is refused as such, whatever the cursor.
      start = store.changes().Head();
      if (cursor) {
        try {
          store.changes().After(*cursor, 0, bot);  // validates it
        } catch (const Error& e) {
          if (e.kind() != ErrorKind::kInvalidArgument) throw;
          BadField("last_event_id", e.what());
        }
        start = *cursor;
      }
    });
    if (!state.events->TryOpenStream()) {
      throw ApiError(503, "unavailable",
                     "too many event streams are open; try again later (each holds a worker "
                     "thread: raise --threads)");
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    struct Stream {
      std::string cursor;
      std::uint64_t seen = ~std::uint64_t{0};  // forces a first read
      bool opened = false;
    };
    auto stream = std::make_shared<Stream>();
    stream->cursor = start;
    res.set_chunked_content_provider(
        "text/event-stream",
        [&state, stream, bot, kinds](std::size_t, httplib::DataSink& sink) {
          if (!stream->opened) {
            // The retry hint, and a first byte so clients see the stream open.
            stream->opened = true;
            const std::string hello = "retry: 1000\n: stream open\n\n";
            return sink.write(hello.data(), hello.size());
          }
          EventHub& hub = *state.events;
          const std::uint64_t now = hub.WaitFor(stream->seen, kKeepAliveMs);
          if (hub.stopped()) {
            sink.done();
            return true;
          }
          if (now == stream->seen) {  // quiet: a comment keeps proxies and clients alive
            const std::string ping = ": keep-alive\n\n";
            return sink.write(ping.data(), ping.size());
          }
          stream->seen = now;
          std::string out;
          // Each batch's events are appended to `out` before the cursor
          // moves past them, so an error midway loses nothing.
          try {
            WithStore(state, [&](Store& store) {
              for (;;) {
                const ChangeBatch batch = store.changes().After(stream->cursor, kBatch, bot);
                for (const ChangeEvent& e : batch.events) {
                  if (!kinds.empty() && !kinds.contains(e.kind)) continue;
                  out += Message(e, EventRow(store, e));
                }
                stream->cursor = batch.cursor;
                if (batch.events.size() < kBatch) break;
              }
            });
          } catch (const Error&) {
            // The store is busy or away: send what was read (the cursor has
            // moved past exactly that) and try again at the next wake.
            stream->seen = ~std::uint64_t{0};
          }
          if (out.empty()) return true;
          return sink.write(out.data(), out.size());
        },
        [&state](bool) { state.events->CloseStream(); });
  });
}

}  // namespace tradestore::server
