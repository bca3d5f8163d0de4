// POST/PUT routes: everything a bot records over its life. Each request is
// one library call (one unit of work): it commits whole or changes nothing.
// Responses carry the rows written, in the same JSON shape as the lists.
#include <fmt/format.h>

#include <charconv>

#include "server/api.h"
#include "tradestore/audit.h"
#include "tradestore/config.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/risk.h"

namespace tradestore::server {
namespace {

using json = nlohmann::json;

Timestamp TimeOrNow(Body& b, std::string_view name = "time") {
  return b.Time(name).value_or(Timestamp::Now());
}

// An account of the bot by name (created on first use) or id.
Account ResolveAccount(Store& store, const Bot& bot, Body& b) {
  const std::optional<std::string> name = b.Text("account");
  const std::optional<std::int64_t> id = b.Int("account_id", false, 1);
  if (name && id) BadField("account", "give account or account_id, not both");
  if (id) return store.accounts().Get(bot.id, *id);
  return store.accounts().GetOrCreate(bot.id, name.value_or("main"));
}

InstrumentId ResolveInstrumentId(Store& store, Body& b) {
  const std::optional<std::int64_t> id = b.Int("instrument_id", false, 1);
  const std::optional<std::string> symbol = b.Text("symbol");
  const std::optional<std::string> venue = b.Text("venue");
  if (id) {
    if (symbol || venue) BadField("symbol", "give instrument_id or symbol (and venue), not both");
    return store.instruments().Get(*id).id;
  }
  if (!symbol) BadField("instrument_id", "is required (or symbol and venue)");
  if (const std::optional<Instrument> i = store.instruments().Find(venue.value_or(""), *symbol))
    return i->id;
  throw ApiError(404, "not_found",
                 fmt::format("no instrument '{}' on venue '{}' (POST /api/v1/instruments first)",
                             *symbol, venue.value_or("")),
                 "symbol");
}

std::int64_t PathId(const httplib::Request& req, std::size_t index, std::string_view field) {
  const std::string text = req.matches[index];
  std::int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) BadField(field, "is out of range");
  return v;
}

// Records `p`'s fill inside the caller's unit of work and builds its
// response: the rows are the state right after this fill, read in the
// fill's transaction (on SQLite that halves the system calls of a fill:
// its WAL locks). Throws what RecordFill throws.
void RecordFillInto(Store& store, PendingFill& p) {
  const Bot bot = ResolveBot(store, p.bot);
  p.fill.bot_id = bot.id;
  const FillOutcome out = store.orders().RecordFill(p.fill);
  std::string body = fmt::format("{{\"duplicate\":{},\"fill\":{},\"order\":{}", out.duplicate,
                                 EntityRow(store, "fills", bot.id, out.fill.id),
                                 EntityRow(store, "orders", bot.id, out.order.id));
  body += ",\"position\":" + PositionRow(store, out.position.bot_id, out.position.account_id,
                                         out.position.instrument_id);
  body += ",\"closed_trade\":" + (out.closed_trade
                                      ? EntityRow(store, "trades", bot.id, out.closed_trade->id)
                                      : std::string("null"));
  body += ",\"ledger_entries\":[";
  for (std::size_t i = 0; i < out.ledger_entries.size(); ++i) {
    if (i > 0) body += ',';
    body += EntityRow(store, "ledger", bot.id, out.ledger_entries[i].id);
  }
  body += "]}";
  p.body = std::move(body);
  p.status = out.duplicate ? 200 : 201;
}

// One fill in its own unit of work; a refusal is kept for its request.
void RecordFillAlone(Store& store, Metrics& metrics, PendingFill& p) {
  try {
    UnitOfWork uow = store.BeginTrading();
    RecordFillInto(store, p);
    uow.Commit();
    metrics.ObserveFillCommit(1);
  } catch (...) {
    p.error = std::current_exception();
    p.body.clear();
  }
  p.done = true;
}

// The waiting fills in one unit of work, in arrival order (a resend of a
// fill earlier in the group is its duplicate, as when sent one by one). If
// any is refused, or the commit fails, nothing of the group is kept and
// each is recorded again alone.
void RecordFillGroup(Store& store, Metrics& metrics, const std::vector<PendingFill*>& group) {
  if (group.size() > 1) {
    try {
      UnitOfWork uow = store.BeginTrading();
      for (PendingFill* p : group) RecordFillInto(store, *p);
      uow.Commit();
      metrics.ObserveFillCommit(group.size());
      for (PendingFill* p : group) p->done = true;
      return;
    } catch (...) {
      for (PendingFill* p : group) p->body.clear();
    }
  }
  for (PendingFill* p : group) RecordFillAlone(store, metrics, *p);
}

void Created(httplib::Response& res, const std::string& row) { SendJson(res, row, 201); }

void AddBotRoutes(httplib::Server& http, ServerState& state) {
  // Registers a bot; registering an existing name returns it (200), so a
  // bot can register at every start.
  http.Post("/api/v1/bots", [&state](const httplib::Request& req, httplib::Response& res) {
    Body b(req);
    Bot bot;
    bot.name = *b.Text("name", true);
    bot.version = b.Text("version").value_or("");
    bot.strategy = b.Text("strategy").value_or("");
    bot.mode = b.Enum<RunMode>("mode", ParseRunMode).value_or(RunMode::kPaper);
    bot.is_test = b.Bool("is_test").value_or(false);
    bot.equity_currency = b.Text("equity_currency").value_or("");
    bot.max_position = b.Money("max_position");
    bot.max_daily_loss = b.Money("max_daily_loss");
    b.Finish();
    WithWriteStore(state, [&](Store& store) {
      const std::optional<Bot> existing = store.bots().FindByName(bot.name);
      const Bot saved = existing ? *existing : store.bots().Create(bot);
      SendJson(res, EntityRow(store, "bots", std::nullopt, saved.id), existing ? 200 : 201);
    });
  });

  http.Post(R"(/api/v1/bots/([^/]+)/heartbeat)",
            [&state](const httplib::Request& req, httplib::Response& res) {
              Body b(req);
              const Timestamp time = TimeOrNow(b);
              const std::string st = b.Text("state").value_or("running");
              const std::string message = b.Text("message").value_or("");
              const std::optional<Decimal> equity = b.Money("equity");
              b.Finish();
              WithWriteStore(state, [&](Store& store) {
                const Bot bot = ResolveBot(store, req.matches[1]);
                store.bots().Heartbeat(bot.id, time, st, message, equity);
                SendJson(res, EntityRow(store, "bots", std::nullopt, bot.id));
              });
            });

  http.Post(R"(/api/v1/bots/([^/]+)/status)",
            [&state](const httplib::Request& req, httplib::Response& res) {
              Body b(req);
              const BotStatus status = *b.Enum<BotStatus>("status", ParseBotStatus, true);
              const Timestamp time = TimeOrNow(b);
              const std::string message = b.Text("message").value_or("");
              b.Finish();
              WithWriteStore(state, [&](Store& store) {
                const Bot bot = ResolveBot(store, req.matches[1]);
                store.bots().SetStatus(bot.id, status, time, message);
                SendJson(res, EntityRow(store, "bots", std::nullopt, bot.id));
              });
            });

  http.Post(R"(/api/v1/bots/([^/]+)/accounts)",
            [&state](const httplib::Request& req, httplib::Response& res) {
              Body b(req);
              const std::string name = *b.Text("name", true);
              b.Finish();
              WithWriteStore(state, [&](Store& store) {
                const Bot bot = ResolveBot(store, req.matches[1]);
                const Account a = store.accounts().GetOrCreate(bot.id, name);
                SendJson(res, EntityRow(store, "accounts", bot.id, a.id), 201);
              });
            });

  // A ledger movement (deposit, withdrawal, fee, funding, adjustment) on
  // one of the bot's accounts, with its balancing leg (ledger.h).
  http.Post(R"(/api/v1/bots/([^/]+)/ledger)",
            [&state](const httplib::Request& req, httplib::Response& res) {
              Body b(req);
              WithWriteStore(state, [&](Store& store) {
                const Bot bot = ResolveBot(store, req.matches[1]);
                // Nothing it creates on the way (an account) outlives a refusal.
                UnitOfWork uow = store.BeginTrading();
                LedgerEntry e;
                e.bot_id = bot.id;
                e.account_id = ResolveAccount(store, bot, b).id;
                e.type = *b.Enum<LedgerEntryType>("type", ParseLedgerEntryType, true);
                e.currency = *b.Text("currency", true);
                e.amount = *b.Money("amount", true);
                e.time = TimeOrNow(b);
                e.description = b.Text("description").value_or("");
                b.Finish();
                const LedgerEntry saved = store.ledger().Post(e);
                uow.Commit();
                Created(res, EntityRow(store, "ledger", bot.id, saved.id));
              });
            });
}

void AddOrderRoutes(httplib::Server& http, ServerState& state) {
  http.Post("/api/v1/instruments", [&state](const httplib::Request& req, httplib::Response& res) {
    Body b(req);
    Instrument i;
    i.symbol = *b.Text("symbol", true);
    i.venue = b.Text("venue").value_or("");
    i.base_asset = b.Text("base_asset").value_or("");
    i.quote_asset = b.Text("quote_asset").value_or("");
    i.price_precision = static_cast<int>(b.Int("price_precision", false, 0, 18).value_or(8));
    i.size_precision = static_cast<int>(b.Int("size_precision", false, 0, 18).value_or(8));
    i.tick_size = b.Money("tick_size").value_or(Decimal());
    i.lot_size = b.Money("lot_size").value_or(Decimal());
    b.Finish();
    WithWriteStore(state, [&](Store& store) {
      const Instrument saved = store.instruments().Upsert(i);
      SendJson(res, EntityRow(store, "instruments", std::nullopt, saved.id));
    });
  });

  http.Post(R"(/api/v1/bots/([^/]+)/orders)", [&state](const httplib::Request& req,
                                                       httplib::Response& res) {
    Body b(req);
    WithWriteStore(state, [&](Store& store) {
      const Bot bot = ResolveBot(store, req.matches[1]);
      // Nothing it creates on the way (an account) outlives a refusal.
      UnitOfWork uow = store.BeginTrading();
      Order o;
      o.bot_id = bot.id;
      o.account_id = ResolveAccount(store, bot, b).id;
      o.instrument_id = ResolveInstrumentId(store, b);
      o.client_order_id = b.Text("client_order_id").value_or("");
      o.signal_id = b.Int("signal_id", false, 1);
      o.strategy = b.Text("strategy").value_or(bot.strategy);
      o.side = *b.Enum<Side>("side", ParseSide, true);
      o.type = b.Enum<OrderType>("type", ParseOrderType).value_or(OrderType::kMarket);
      o.time_in_force =
          b.Enum<TimeInForce>("time_in_force", ParseTimeInForce).value_or(TimeInForce::kGtc);
      o.quantity = *b.Money("quantity", true);
      o.limit_price = b.Money("limit_price");
      o.stop_price = b.Money("stop_price");
      o.expected_price = b.Money("expected_price");
      o.exit_reason = b.Text("exit_reason").value_or("");
      o.strategy_version = b.Text("strategy_version").value_or("");
      o.bot_version = b.Text("bot_version").value_or("");
      o.mode = b.Enum<RunMode>("mode", ParseRunMode).value_or(bot.mode);
      o.is_test = b.Bool("is_test").value_or(bot.is_test);
      o.created_at = TimeOrNow(b, "created_at");
      o.updated_at = o.created_at;
      b.Finish();
      // A resent create with the same client_order_id returns the
      // stored order (so a bot can retry a timed-out request).
      if (!o.client_order_id.empty()) {
        if (const auto existing = store.orders().FindByClientId(bot.id, o.client_order_id)) {
          SendJson(res, EntityRow(store, "orders", bot.id, existing->id), 200);
          return;
        }
      }
      const Order saved = store.orders().Create(o);
      uow.Commit();
      Created(res, EntityRow(store, "orders", bot.id, saved.id));
    });
  });

  // Lifecycle: accept, cancel, expire, reject, trigger, retry, amend.
  http.Post(
      R"(/api/v1/bots/([^/]+)/orders/(\d+)/(accept|cancel|expire|reject|trigger|retry|amend))",
      [&state](const httplib::Request& req, httplib::Response& res) {
        const std::int64_t id = PathId(req, 2, "id");
        const std::string action = req.matches[3];
        Body b(req);
        const Timestamp time = TimeOrNow(b);
        std::optional<std::string> venue_order_id, reason, error;
        OrderAmendment amend;
        if (action == "accept") venue_order_id = b.Text("venue_order_id");
        if (action == "cancel" || action == "expire" || action == "reject" || action == "amend")
          reason = b.Text("reason", action == "reject");
        if (action == "retry") error = b.Text("error", true);
        if (action == "amend") {
          amend.quantity = b.Money("quantity");
          amend.limit_price = b.Money("limit_price");
          amend.stop_price = b.Money("stop_price");
        }
        b.Finish();
        WithWriteStore(state, [&](Store& store) {
          const Bot bot = ResolveBot(store, req.matches[1]);
          OrderRepository& orders = store.orders();
          const std::string r = reason.value_or("");
          if (action == "accept") orders.Accept(bot.id, id, time, venue_order_id.value_or(""));
          if (action == "cancel") orders.Cancel(bot.id, id, time, r);
          if (action == "expire") orders.Expire(bot.id, id, time, r);
          if (action == "reject") orders.Reject(bot.id, id, time, r);
          if (action == "trigger") orders.MarkTriggered(bot.id, id, time);
          if (action == "retry") orders.RecordRetry(bot.id, id, time, *error);
          if (action == "amend") orders.Amend(bot.id, id, amend, time, r);
          SendJson(res, EntityRow(store, "orders", bot.id, id));
        });
      });

  // A fill, idempotent on (bot, venue, venue_fill_id): a resend returns the
  // stored fill (200, "duplicate": true); a resend whose content differs is
  // 409 naming the fields that differ. On SQLite, fills that arrive while
  // another is being written are recorded together (PendingFill).
  http.Post(R"(/api/v1/bots/([^/]+)/fills)", [&state](const httplib::Request& req,
                                                      httplib::Response& res) {
    Body b(req);
    PendingFill mine;
    mine.bot = req.matches[1];
    Fill& f = mine.fill;
    f.order_id = *b.Int("order_id", true, 1);
    f.venue = *b.Text("venue", true);
    f.venue_fill_id = *b.Text("venue_fill_id", true);
    f.quantity = *b.Money("quantity", true);
    f.price = *b.Money("price", true);
    f.fee = b.Money("fee").value_or(Decimal());
    f.fee_currency = b.Text("fee_currency").value_or("");
    f.liquidity = b.Enum<Liquidity>("liquidity", ParseLiquidity).value_or(Liquidity::kTaker);
    // Unset: the store records now and a resend is not compared on time.
    f.time = b.Time("time").value_or(Timestamp());
    b.Finish();
    if (!state.pool.is_sqlite()) {
      // PostgreSQL: concurrent requests write at once on pooled connections.
      WithWriteStore(state, [&](Store& store) { RecordFillAlone(store, state.metrics, mine); });
    } else {
      {
        std::lock_guard<std::mutex> lock(state.fill_queue.mutex);
        state.fill_queue.waiting.push_back(&mine);
      }
      try {
        WithWriteStore(state, [&](Store& store) {
          std::vector<PendingFill*> group;
          {
            std::lock_guard<std::mutex> lock(state.fill_queue.mutex);
            group.swap(state.fill_queue.waiting);
          }
          // Empty when the previous holder of the write mutex took this
          // request's fill with its own.
          if (!group.empty()) RecordFillGroup(store, state.metrics, group);
        });
      } catch (...) {
        // No writer store (the server stopping): this request's fill must
        // not stay queued once the request is gone. A group that took it
        // is recorded under the write mutex, so it is done or still queued.
        std::lock_guard<std::mutex> writing(state.write_mutex);
        {
          std::lock_guard<std::mutex> lock(state.fill_queue.mutex);
          std::erase(state.fill_queue.waiting, &mine);
        }
        if (!mine.done) throw;
      }
    }
    if (mine.error) std::rethrow_exception(mine.error);
    SendJson(res, mine.body, mine.status);
  });
}

void AddRecordRoutes(httplib::Server& http, ServerState& state) {
  http.Post(R"(/api/v1/bots/([^/]+)/signals)",
            [&state](const httplib::Request& req, httplib::Response& res) {
              Body b(req);
              WithWriteStore(state, [&](Store& store) {
                const Bot bot = ResolveBot(store, req.matches[1]);
                // Nothing it creates on the way (an account) outlives a refusal.
                UnitOfWork uow = store.BeginTrading();
                Signal s;
                s.bot_id = bot.id;
                s.instrument_id = ResolveInstrumentId(store, b);
                s.strategy = b.Text("strategy").value_or(bot.strategy);
                s.time = TimeOrNow(b);
                s.side = *b.Enum<Side>("side", ParseSide, true);
                s.strength = b.Double("strength").value_or(0.0);
                s.price = b.Double("price");
                s.note = b.Text("note").value_or("");
                s.confidence = b.Double("confidence");
                s.aggregation_method = b.Text("aggregation_method").value_or("");
                s.strategy_version = b.Text("strategy_version").value_or("");
                s.bot_version = b.Text("bot_version").value_or("");
                s.mode = b.Enum<RunMode>("mode", ParseRunMode).value_or(bot.mode);
                s.is_test = b.Bool("is_test").value_or(bot.is_test);
                if (const auto components = b.Json("components")) {
                  if (!components->is_array()) BadField("components", "must be an array");
                  for (std::size_t i = 0; i < components->size(); ++i) {
                    Body c((*components)[i], fmt::format("components[{}].", i));
                    SignalComponent sc;
                    sc.name = *c.Text("name", true);
                    sc.signal = *c.Enum<SignalAction>("signal", ParseSignalAction, true);
                    sc.confidence = c.Double("confidence").value_or(0.0);
                    sc.weight = c.Double("weight").value_or(1.0);
                    c.Finish();
                    s.components.push_back(std::move(sc));
                  }
                }
                for (const auto& [field, out] : {std::pair{"filters_passed", &s.filters_passed},
                                                 std::pair{"filters_failed", &s.filters_failed}}) {
                  if (const auto names = b.Json(field)) {
                    if (!names->is_array()) BadField(field, "must be an array of strings");
                    for (const auto& n : *names) {
                      if (!n.is_string()) BadField(field, "must be an array of strings");
                      out->push_back(n.get<std::string>());
                    }
                  }
                }
                b.Finish();
                const Signal saved = store.signals().Record(s);
                uow.Commit();
                Created(res, EntityRow(store, "signals", bot.id, saved.id));
              });
            });

  http.Post(R"(/api/v1/bots/([^/]+)/risk-events)",
            [&state](const httplib::Request& req, httplib::Response& res) {
              Body b(req);
              RiskEvent e;
              e.time = TimeOrNow(b);
              e.limit = *b.Enum<RiskLimitKind>("limit", ParseRiskLimitKind, true);
              if (const auto v = b.Int("limits_version", false, 1, INT32_MAX))
                e.limits_version = static_cast<int>(*v);
              e.value = *b.Money("value", true);
              e.threshold = *b.Money("threshold", true);
              e.action = *b.Text("action", true);
              e.message = b.Text("message").value_or("");
              b.Finish();
              WithWriteStore(state, [&](Store& store) {
                const Bot bot = ResolveBot(store, req.matches[1]);
                e.bot_id = bot.id;
                const RiskEvent saved = store.risk().RecordEvent(e);
                Created(res, EntityRow(store, "risk-events", bot.id, saved.id));
              });
            });

  // System events and errors: system-wide, or a bot's when "bot" is given.
  http.Post("/api/v1/system-events", [&state](const httplib::Request& req, httplib::Response& res) {
    Body b(req);
    const std::optional<std::string> bot_name = b.Text("bot");
    SystemEvent e;
    e.time = TimeOrNow(b);
    e.component = *b.Text("component", true);
    e.event_type = *b.Text("event_type", true);
    e.severity = b.Enum<Severity>("severity", ParseSeverity).value_or(Severity::kInfo);
    e.message = b.Text("message").value_or("");
    if (const auto details = b.Json("details")) {
      if (!details->is_object()) BadField("details", "must be a JSON object");
      e.details = details->dump();
    }
    b.Finish();
    WithWriteStore(state, [&](Store& store) {
      if (bot_name) e.bot_id = ResolveBot(store, *bot_name).id;
      const SystemEvent saved = store.audit().RecordEvent(e);
      Created(res, EntityRow(store, "system-events", std::nullopt, saved.id));
    });
  });

  http.Post("/api/v1/errors", [&state](const httplib::Request& req, httplib::Response& res) {
    Body b(req);
    const std::optional<std::string> bot_name = b.Text("bot");
    ErrorLogEntry e;
    e.time = TimeOrNow(b);
    e.component = *b.Text("component", true);
    e.severity = b.Enum<Severity>("severity", ParseSeverity).value_or(Severity::kError);
    e.code = b.Text("code").value_or("");
    e.message = *b.Text("message", true);
    if (const auto context = b.Json("context")) {
      if (!context->is_object()) BadField("context", "must be a JSON object");
      e.context = context->dump();
    }
    b.Finish();
    WithWriteStore(state, [&](Store& store) {
      if (bot_name) e.bot_id = ResolveBot(store, *bot_name).id;
      const ErrorLogEntry saved = store.audit().LogError(e);
      Created(res, EntityRow(store, "errors", std::nullopt, saved.id));
    });
  });

  // A new version of a bot's or strategy's configuration document.
  http.Put(R"(/api/v1/bots/([^/]+)/configs/(bot|strategy)/([^/]+))",
           [&state](const httplib::Request& req, httplib::Response& res) {
             Body b(req);
             ConfigVersion c;
             c.kind = ParseConfigKind(std::string(req.matches[2]));
             c.name = req.matches[3];
             const auto document = b.Json("document", true);
             if (!document->is_object()) BadField("document", "must be a JSON object");
             c.document = document->dump();
             c.note = b.Text("note").value_or("");
             if (const auto from = b.Time("effective_from")) c.effective_from = *from;
             b.Finish();
             WithWriteStore(state, [&](Store& store) {
               const Bot bot = ResolveBot(store, req.matches[1]);
               c.bot_id = bot.id;
               const ConfigVersion saved = store.configs().Save(c);
               Created(res, EntityRow(store, "configs", bot.id, saved.id));
             });
           });
}

}  // namespace

void AddWriteRoutes(httplib::Server& http, ServerState& state) {
  AddBotRoutes(http, state);
  AddOrderRoutes(http, state);
  AddRecordRoutes(http, state);
}

}  // namespace tradestore::server
