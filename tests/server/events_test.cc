// The live event stream (Server-Sent Events) over a real socket, on SQLite,
// PostgreSQL and a store distributed by Citus: events of writes through the server, of another
// process (the CLI), resume with Last-Event-ID (nothing lost, nothing repeated), the bot and kind
// filters, bad cursors, and shutdown ending the stream.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "support/citus_store.h"
#include "support/pg_harness.h"
#include "tradestore/server.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Message {
  std::string id;
  std::string event;
  json data;
};

// Reads a stream until `count` messages arrived or `timeout` passed.
std::vector<Message> Collect(int port, const std::string& path, std::size_t count,
                             std::chrono::milliseconds timeout,
                             const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(static_cast<time_t>(timeout.count() / 1000 + 1), 0);
  std::vector<Message> out;
  std::string buffer;
  const auto deadline = Clock::now() + timeout;
  client.Get(path, headers, [&](const char* data, std::size_t size) {
    buffer.append(data, size);
    std::size_t end;
    while ((end = buffer.find("\n\n")) != std::string::npos) {
      const std::string block = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      Message m;
      std::size_t pos = 0;
      while (pos < block.size()) {
        std::size_t nl = block.find('\n', pos);
        if (nl == std::string::npos) nl = block.size();
        const std::string line = block.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.rfind("id: ", 0) == 0) m.id = line.substr(4);
        if (line.rfind("event: ", 0) == 0) m.event = line.substr(7);
        if (line.rfind("data: ", 0) == 0) m.data = json::parse(line.substr(6));
      }
      if (!m.event.empty()) out.push_back(std::move(m));
    }
    return out.size() < count && Clock::now() < deadline;
  });
  return out;
}

class Events : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      url_ = testing::PgServer::Get().CreateDatabase();
    } else if (GetParam() == "citus") {
      url_ = testing::FreshCitusStoreUrl();  // distributed by bot
    } else {
      dir_ = fs::temp_directory_path() / ("ts-events-" + std::to_string(std::random_device{}()));
      url_ = "sqlite:" + dir_.string();
    }
    ServerOptions o;
    o.store_url = url_;
    o.port = 0;
    o.threads = 8;
    server_ = std::make_unique<Server>(o);
    server_->Start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    Post("/api/v1/bots", {{"name", "alpha"}});
    Post("/api/v1/bots", {{"name", "beta"}});
    Post("/api/v1/instruments", {{"symbol", "BTCUSDC"}, {"venue", "k"}, {"quote_asset", "USDC"}});
    for (const char* bot : {"alpha", "beta"}) {
      Post(std::string("/api/v1/bots/") + bot + "/ledger",
           {{"type", "deposit"}, {"currency", "USDC"}, {"amount", "1000"}});
    }
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  json Post(const std::string& path, const json& body) {
    const auto res = client_->Post(path, body.dump(), "application/json");
    EXPECT_TRUE(res);
    EXPECT_LT(res->status, 300) << path << ": " << res->body;
    return json::parse(res->body);
  }
  // Creates, accepts and fills an order of `bot`: order, fill, position and
  // balance events.
  void Trade(const std::string& bot, const std::string& fill_id) {
    const json order =
        Post("/api/v1/bots/" + bot + "/orders",
             {{"symbol", "BTCUSDC"}, {"venue", "k"}, {"side", "buy"}, {"quantity", "0.01"}});
    const std::string o =
        "/api/v1/bots/" + bot + "/orders/" + std::to_string(order["id"].get<int>());
    Post(o + "/accept", json::object());
    Post("/api/v1/bots/" + bot + "/fills", {{"order_id", order["id"]},
                                            {"venue", "k"},
                                            {"venue_fill_id", fill_id},
                                            {"quantity", "0.01"},
                                            {"price", "20000"},
                                            {"fee", "0.2"}});
  }

  fs::path dir_;
  std::string url_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_P(Events, WritesThroughTheServerStreamInCommitOrder) {
  std::vector<Message> got;
  std::thread reader([&] {
    got =
        Collect(server_->port(), "/api/v1/events?bot=alpha", 100, std::chrono::milliseconds(3000));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the stream starts "from now"
  const auto t0 = Clock::now();
  Trade("alpha", "A1");
  Trade("beta", "B1");  // filtered out
  Post("/api/v1/bots/alpha/heartbeat", {{"state", "running"}});
  reader.join();
  ASSERT_FALSE(got.empty());
  std::set<std::string> kinds;
  std::set<std::string> ids;
  for (const Message& m : got) {
    kinds.insert(m.event);
    EXPECT_TRUE(ids.insert(m.id).second) << "event id repeated: " << m.id;
    EXPECT_EQ(m.data["kind"], m.event);
    EXPECT_EQ(m.data["bot_id"], 1) << "another bot's event passed the filter: " << m.data.dump();
    EXPECT_FALSE(m.data["row"].is_null()) << m.data.dump();
  }
  for (const char* k : {"order", "fill", "position", "balance", "bot-heartbeat"}) {
    EXPECT_TRUE(kinds.contains(k)) << "no " << k << " event";
  }
  const auto fill =
      std::find_if(got.begin(), got.end(), [](const Message& m) { return m.event == "fill"; });
  ASSERT_NE(fill, got.end());
  EXPECT_EQ(fill->data["row"]["venue_fill_id"], "A1");
  EXPECT_EQ(fill->data["row"]["price"], "20000");
  (void)t0;
}

TEST_P(Events, ResumeWithLastEventIdLosesAndRepeatsNothing) {
  // Everything from the beginning of the feed (an empty cursor is not
  // "now": last_event_id= resumes from the oldest event kept).
  Trade("alpha", "A1");
  Trade("alpha", "A2");
  // Each read collects for a fixed window. On Citus an event is handed out
  // only once every node's oldest snapshot has passed it, and the cluster's
  // other databases (tests running beside this one) hold those back: a
  // longer window there (change_feed.h).
  const auto window = std::chrono::milliseconds(GetParam() == "citus" ? 6000 : 1500);
  const std::vector<Message> all =
      Collect(server_->port(), "/api/v1/events?last_event_id=", 1000, window);
  ASSERT_GE(all.size(), 8u);
  // Resume after the third: exactly the rest, in the same order (on Citus
  // each bot's events in the same order: how two workers' events interleave
  // may differ between reads, and with it the ids, which name every node's
  // position; change_feed.h).
  const std::vector<Message> rest =
      Collect(server_->port(), "/api/v1/events", 1000, window, {{"Last-Event-ID", all[2].id}});
  ASSERT_EQ(rest.size(), all.size() - 3);
  const bool per_node = GetParam() == "citus";
  auto bot_order = [&](std::vector<Message> v) {
    if (per_node) {
      std::stable_sort(v.begin(), v.end(), [](const Message& a, const Message& b) {
        return a.data["bot_id"].dump() < b.data["bot_id"].dump();
      });
    }
    return v;
  };
  const std::vector<Message> got = bot_order(rest);
  const std::vector<Message> want = bot_order({all.begin() + 3, all.end()});
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!per_node) {
      EXPECT_EQ(got[i].id, want[i].id);
    }
    EXPECT_EQ(got[i].data, want[i].data);
  }
  // The kinds filter.
  const std::vector<Message> fills =
      Collect(server_->port(), "/api/v1/events?last_event_id=&kinds=fill", 1000, window);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].data["row"]["venue_fill_id"], "A1");
  EXPECT_EQ(fills[1].data["row"]["venue_fill_id"], "A2");
}

TEST_P(Events, CommitsOfAnotherProcessArrive) {
  std::vector<Message> got;
  Clock::time_point arrived;
  std::thread reader([&] {
    got = Collect(server_->port(), "/api/v1/events?kinds=candles-imported", 1,
                  std::chrono::milliseconds(8000));
    arrived = Clock::now();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The CLI imports candles into the same store: another process.
  const fs::path csv =
      fs::temp_directory_path() / ("ts-events-" + std::to_string(std::random_device{}()) + ".csv");
  {
    std::ofstream out(csv);
    out << "time,open,high,low,close,volume\n"
        << "2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n"
        << "2024-01-01T00:01:00Z,1.5,2,1,1.8,12\n";
  }
  const auto t0 = Clock::now();
  const std::string cmd = std::string(TRADESTORE_CLI) + " import candles " + csv.string() +
                          " --symbol ETHUSD --venue k --timeframe 1m --store '" + url_ +
                          "' > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const auto committed = Clock::now();
  reader.join();
  fs::remove(csv);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data["row"]["symbol"], "ETHUSD");
  EXPECT_EQ(got[0].data["row"]["count"], 2);
  // Within a second of the other process's commit.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(arrived - committed).count(),
            1000);
  (void)t0;
}

TEST_P(Events, BadRequestsAreRefusedBeforeTheStream) {
  auto res = client_->Get("/api/v1/events?last_event_id=zz-not-a-cursor");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["field"], "last_event_id");
  res = client_->Get("/api/v1/events?kinds=fill,explosion");
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["field"], "kinds");
  res = client_->Get("/api/v1/events?bot=nobody");
  EXPECT_EQ(res->status, 404);
}

TEST_P(Events, StopEndsOpenStreams) {
  std::thread reader(
      [&] { Collect(server_->port(), "/api/v1/events", 1000, std::chrono::milliseconds(20000)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = Clock::now();
  server_->Stop();
  server_->Wait();
  reader.join();
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count(), 5000);
}

INSTANTIATE_TEST_SUITE_P(Backends, Events, ::testing::Values("sqlite", "postgres", "citus"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tradestore
