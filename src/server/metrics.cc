// Metrics; see metrics.h.
#include "server/metrics.h"

#include <fmt/format.h>

#include <cmath>

#include "tradestore/order_types.h"
#include "tradestore/overview.h"
#include "tradestore/status.h"
#include "tradestore/store.h"

namespace tradestore::server {
namespace {

// A label value with \, " and newline escaped (exposition format).
std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

class Exposition {
 public:
  // Starts a metric family with its HELP and TYPE lines.
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void Sample(std::string_view name, std::string_view labels, double value) {
    out_ += name;
    if (!labels.empty()) out_ += fmt::format("{{{}}}", labels);
    out_ += ' ';
    out_ += Number(value);
    out_ += '\n';
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

void Metrics::ObserveRequest(double seconds, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
  }
  ++count_;
  sum_ += seconds;
  if (status >= 500)
    ++errors_5xx_;
  else if (status >= 400)
    ++errors_4xx_;
}

void Metrics::ObserveFillCommit(std::size_t fills) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++fill_commits_;
  fills_committed_ += fills;
}

std::string Metrics::Render(Store& store, const std::string& url) {
  Exposition e;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    e.Family("tradestore_http_request_duration_seconds", "histogram",
             "Time from receiving a request to its response, all routes.");
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      e.Sample("tradestore_http_request_duration_seconds_bucket",
               fmt::format("le=\"{}\"", Number(kBuckets[i])),
               static_cast<double>(bucket_counts_[i]));
    }
    e.Sample("tradestore_http_request_duration_seconds_bucket", "le=\"+Inf\"",
             static_cast<double>(count_));
    e.Sample("tradestore_http_request_duration_seconds_sum", "", sum_);
    e.Sample("tradestore_http_request_duration_seconds_count", "", static_cast<double>(count_));
    e.Family("tradestore_http_client_errors_total", "counter", "Responses with a 4xx status.");
    e.Sample("tradestore_http_client_errors_total", "", static_cast<double>(errors_4xx_));
    e.Family("tradestore_http_server_errors_total", "counter", "Responses with a 5xx status.");
    e.Sample("tradestore_http_server_errors_total", "", static_cast<double>(errors_5xx_));
    e.Family("tradestore_http_fill_commits_total", "counter",
             "Units of work that committed POSTed fills (on SQLite, fills waiting for the "
             "writer share one).");
    e.Sample("tradestore_http_fill_commits_total", "", static_cast<double>(fill_commits_));
    e.Family("tradestore_http_fills_committed_total", "counter",
             "POSTed fills committed, resends of stored fills included.");
    e.Sample("tradestore_http_fills_committed_total", "", static_cast<double>(fills_committed_));
  }

  const StoreStatus status = GetStatus(url);
  std::int64_t bytes = 0;
  for (const DatabaseStatus& d : status.databases) bytes += d.bytes + d.wal_bytes.value_or(0);
  e.Family("tradestore_database_size_bytes", "gauge",
           "Size of the store's databases (SQLite: files with their WAL; PostgreSQL: relations).");
  e.Sample("tradestore_database_size_bytes", "", static_cast<double>(bytes));

  OverviewOptions options;
  options.include_test = false;
  const std::vector<BotOverview> bots = LoadOverview(store, options);
  struct Gauge {
    const char* name;
    const char* type;
    const char* help;
  };
  const auto family = [&](const Gauge& g, auto value) {
    e.Family(g.name, g.type, g.help);
    for (const BotOverview& b : bots) {
      const std::optional<std::pair<std::string, double>> v = value(b);
      if (!v) continue;
      std::string labels = fmt::format("bot=\"{}\"", Escape(b.bot.name));
      if (!v->first.empty()) labels += fmt::format(",currency=\"{}\"", Escape(v->first));
      e.Sample(g.name, labels, v->second);
    }
  };
  using Value = std::optional<std::pair<std::string, double>>;
  family({"tradestore_bot_equity", "gauge", "Last known equity of the bot, in its currency."},
         [](const BotOverview& b) -> Value {
           if (!b.equity) return std::nullopt;
           return std::pair{b.currency, b.equity->ToDouble()};
         });
  family({"tradestore_bot_realized_pnl", "gauge",
          "Cumulative realized P&L net of fees (sum of realized_pnl and fee postings)."},
         [](const BotOverview& b) -> Value {
           return std::pair{b.currency, b.net_realized_pnl().ToDouble()};
         });
  family({"tradestore_bot_today_pnl", "gauge", "Net P&L of trades closed since 00:00 UTC."},
         [](const BotOverview& b) -> Value {
           return std::pair{b.currency, b.today_net_pnl.ToDouble()};
         });
  family({"tradestore_bot_open_positions", "gauge", "Positions that are not flat."},
         [](const BotOverview& b) -> Value {
           return std::pair{std::string(), static_cast<double>(b.open_positions)};
         });
  family({"tradestore_bot_fills_total", "counter", "Fills recorded."},
         [](const BotOverview& b) -> Value {
           return std::pair{std::string(), static_cast<double>(b.fills)};
         });
  family({"tradestore_bot_trades_total", "counter", "Trades closed (the journal)."},
         [](const BotOverview& b) -> Value {
           return std::pair{std::string(), static_cast<double>(b.trades)};
         });
  // Orders by status, one family each (labels are bot and currency only).
  // A terminal status is reached once and kept, so its count only grows: a
  // counter (tradestore_bot_orders_filled_total). The open statuses come and
  // go (accepted becomes filled): gauges without _total
  // (tradestore_bot_orders_accepted). A prune of old orders lowers the
  // counters; Prometheus reads that as a counter reset.
  for (OrderStatus s : {OrderStatus::kNew, OrderStatus::kAccepted, OrderStatus::kPartiallyFilled,
                        OrderStatus::kFilled, OrderStatus::kCancelled, OrderStatus::kRejected,
                        OrderStatus::kExpired}) {
    const std::string status_name(ToString(s));
    const bool terminal = IsTerminal(s);
    const std::string name =
        fmt::format("tradestore_bot_orders_{}{}", status_name, terminal ? "_total" : "");
    const std::string help =
        terminal ? fmt::format("Orders that ended {} (terminal status).", status_name)
                 : fmt::format("Open orders whose status is now {}.", status_name);
    family({name.c_str(), terminal ? "counter" : "gauge", help.c_str()},
           [&](const BotOverview& b) -> Value {
             const auto it = b.orders_by_status.find(status_name);
             return std::pair{std::string(), it == b.orders_by_status.end()
                                                 ? 0.0
                                                 : static_cast<double>(it->second)};
           });
  }
  family({"tradestore_bot_drawdown_ratio", "gauge",
          "Drawdown from the peak of the equity curve (portfolio snapshots), a fraction."},
         [](const BotOverview& b) -> Value {
           if (!b.drawdown) return std::nullopt;
           return std::pair{std::string(), *b.drawdown};
         });
  family({"tradestore_bot_last_heartbeat_timestamp_seconds", "gauge",
          "Unix time of the bot's last heartbeat."},
         [](const BotOverview& b) -> Value {
           if (!b.bot.last_heartbeat_at) return std::nullopt;
           return std::pair{std::string(),
                            static_cast<double>(b.bot.last_heartbeat_at->micros()) / 1e6};
         });
  return e.Take();
}

}  // namespace tradestore::server
