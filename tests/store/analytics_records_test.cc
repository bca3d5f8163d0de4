// Pattern cache, ML results, execution latency and news deduplication, on
// both backends.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "store/records_test_util.h"
#include "tradestore/execution_latency.h"
#include "tradestore/ml_result.h"
#include "tradestore/news.h"
#include "tradestore/pattern.h"

namespace tradestore {
namespace {

using testing::RecordsTest;

class Patterns : public RecordsTest {
 protected:
  PatternDetection Detection(const std::string& pattern, double confidence, Timestamp at,
                             Micros ttl) {
    PatternDetection d;
    d.instrument_id = s_.instrument.id;
    d.timeframe = Timeframe::k15m;
    d.pattern = pattern;
    d.confidence = confidence;
    d.detected_at = at;
    d.expires_at = at + ttl;
    d.details = R"({"neckline": 101.5})";
    return d;
  }
};

TEST_P(Patterns, ActiveReturnsUnexpiredDetectionsMostConfidentFirst) {
  store().patterns().Record(Detection("double_bottom", 0.6, t0_, kMicrosPerHour));
  store().patterns().Record(Detection("bull_flag", 0.9, t0_ + 10, kMicrosPerHour));
  store().patterns().Record(Detection("head_shoulders", 0.95, t0_, kMicrosPerMinute));
  PatternDetection test = Detection("wedge", 0.99, t0_, kMicrosPerHour);
  test.is_test = true;
  store().patterns().Record(test);
  PatternQuery q;
  q.instrument_id = s_.instrument.id;
  q.at = t0_ + 2 * kMicrosPerMinute;  // head_shoulders has expired
  const auto active = store().patterns().Active(q);
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].pattern, "bull_flag");
  EXPECT_EQ(active[1].pattern, "double_bottom");
  EXPECT_EQ(active[1].details, R"({"neckline":101.5})");
  EXPECT_EQ(active[1].timeframe, Timeframe::k15m);
  q.min_confidence = 0.7;
  EXPECT_EQ(store().patterns().Active(q).size(), 1u);
  q.min_confidence = 0;
  q.include_test = true;
  EXPECT_EQ(store().patterns().Active(q).size(), 3u);
  q.timeframe = Timeframe::k1h;
  EXPECT_TRUE(store().patterns().Active(q).empty());
  q.timeframe.reset();
  q.at = t0_ + 5;  // bull_flag not detected yet
  EXPECT_EQ(store().patterns().Active(q).size(), 3u);
  // Same key: replaced, not duplicated.
  store().patterns().Record(Detection("double_bottom", 0.65, t0_, 2 * kMicrosPerHour));
  q.at = t0_ + 90 * kMicrosPerMinute;
  q.include_test = false;
  const auto later = store().patterns().Active(q);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].confidence, 0.65);
  EXPECT_EQ(store().patterns().PurgeExpired(t0_ + 90 * kMicrosPerMinute), 3);
  q.include_test = true;
  q.at = t0_ + 10;
  EXPECT_EQ(store().patterns().Active(q).size(), 1u);
}

TEST_P(Patterns, RefusesBadDetections) {
  PatternDetection d = Detection("double_bottom", 0.6, t0_, kMicrosPerHour);
  d.expires_at = d.detected_at - 1;
  EXPECT_STORE_ERROR(store().patterns().Record(d), ErrorKind::kInvalidArgument,
                     "is not after detected_at");
  d.expires_at = d.detected_at;
  EXPECT_STORE_ERROR(store().patterns().Record(d), ErrorKind::kInvalidArgument, "expires_at");
  d = Detection("double_bottom", 1.2, t0_, kMicrosPerHour);
  EXPECT_STORE_ERROR(store().patterns().Record(d), ErrorKind::kInvalidArgument, "confidence");
  d = Detection("", 0.5, t0_, kMicrosPerHour);
  EXPECT_STORE_ERROR(store().patterns().Record(d), ErrorKind::kInvalidArgument, "pattern");
  d = Detection("x", 0.5, t0_, kMicrosPerHour);
  d.details = "not json";
  EXPECT_STORE_ERROR(store().patterns().Record(d), ErrorKind::kInvalidArgument, "details");
  d = Detection("x", 0.5, t0_, kMicrosPerHour);
  d.instrument_id = 9090;
  EXPECT_STORE_ERROR(store().patterns().Record(d), ErrorKind::kNotFound, "9090");
  PatternQuery q;
  q.instrument_id = s_.instrument.id;
  q.at = t0_;
  q.include_test = true;
  EXPECT_TRUE(store().patterns().Active(q).empty());
}

// EXPLAIN QUERY PLAN is SQLite's: the plan tests run on SQLite only.
class PatternsPlan : public Patterns {};
INSTANTIATE_TEST_SUITE_P(Sqlite, PatternsPlan,
                         ::testing::Values(::tradestore::testing::Backend::kSqlite),
                         ::tradestore::testing::BackendName);

TEST_P(PatternsPlan, ActiveUsesItsIndex) {
  EXPECT_NE(Plan(detail::Database::kAnalytics,
                 "SELECT id FROM analytics.pattern_cache WHERE instrument_id = 1 AND "
                 "timeframe = '15m' AND expires_at > 5 AND detected_at <= 5")
                .find("INDEX pattern_cache_active"),
            std::string::npos);
  EXPECT_NE(Plan(detail::Database::kAnalytics,
                 "SELECT id FROM analytics.ml_results WHERE model = 'm' AND "
                 "model_version = '1' AND time >= 5")
                .find("INDEX ml_results_model_time"),
            std::string::npos);
  EXPECT_NE(Plan(detail::Database::kAnalytics,
                 "SELECT order_id FROM analytics.execution_latency WHERE bot_id = 1 AND "
                 "order_time >= 5")
                .find("INDEX execution_latency_bot_time"),
            std::string::npos);
  EXPECT_NE(Plan(detail::Database::kAnalytics,
                 "SELECT order_id FROM analytics.execution_latency WHERE order_time >= 5")
                .find("INDEX execution_latency_time"),
            std::string::npos);
  EXPECT_NE(Plan(detail::Database::kAnalytics,
                 "SELECT item_key FROM analytics.seen_news WHERE bot_id = 1 AND time >= 5")
                .find("INDEX seen_news_bot_time"),
            std::string::npos);
  EXPECT_NE(Plan(detail::Database::kAnalytics,
                 "SELECT 1 FROM analytics.seen_news WHERE bot_id = 1 AND feed_id = 2 AND "
                 "item_key = 'k'")
                .find("INDEX sqlite_autoindex_seen_news"),
            std::string::npos);
}

TRADESTORE_ON_ALL_BACKENDS(Patterns);

class MlResults : public RecordsTest {
 protected:
  MlResult Result(const std::string& hash, Timestamp t, double prediction) {
    MlResult r;
    r.model = "direction";
    r.model_version = "2024.05";
    r.instrument_id = s_.instrument.id;
    r.time = t;
    r.features_hash = hash;
    r.prediction = prediction;
    r.metrics = R"({"auc": 0.61})";
    return r;
  }
};

TEST_P(MlResults, RecordsPredictionsSetsActualsLaterAndMeasuresErrors) {
  const MlResult a = store().ml_results().Record(Result("h1", t0_, 0.5));
  const MlResult b = store().ml_results().Record(Result("h2", t0_ + 1, 2.0));
  store().ml_results().Record(Result("h3", t0_ + 2, 1.0));
  EXPECT_EQ(a.metrics, R"({"auc":0.61})");
  const MlResult set =
      store().ml_results().SetActual(a.id, 1.5, t0_ + kMicrosPerHour, R"({"hit": true})");
  EXPECT_EQ(set.actual, std::optional<double>(1.5));
  EXPECT_EQ(store().ml_results().Get(a.id).metrics, R"({"hit":true})");
  store().ml_results().SetActual(b.id, -1.0, t0_ + kMicrosPerHour);
  EXPECT_EQ(store().ml_results().Get(b.id).metrics, R"({"auc":0.61})");  // kept
  MlResultFilter f;
  f.model = "direction";
  EXPECT_EQ(store().ml_results().List(f).size(), 3u);
  f.only_with_actual = true;
  EXPECT_EQ(store().ml_results().List(f).size(), 2u);
  // Errors: (0.5 - 1.5) = -1 and (2 - (-1)) = 3.
  const MlErrorStats e = store().ml_results().Errors(f);
  EXPECT_EQ(e.count, 2);
  EXPECT_DOUBLE_EQ(e.mae, (1.0 + 3.0) / 2);
  EXPECT_DOUBLE_EQ(e.rmse, std::sqrt((1.0 + 9.0) / 2));
  f.model_version = "other";
  EXPECT_TRUE(std::isnan(store().ml_results().Errors(f).mae));
}

TEST_P(MlResults, RefusesDuplicatesBadValuesAndSecondActuals) {
  const MlResult a = store().ml_results().Record(Result("h1", t0_, 0.5));
  EXPECT_STORE_ERROR(store().ml_results().Record(Result("h1", t0_, 0.7)), ErrorKind::kConflict,
                     "already recorded");
  EXPECT_STORE_ERROR(store().ml_results().Record(Result("h9", t0_, std::nan(""))),
                     ErrorKind::kInvalidArgument, "prediction");
  MlResult bad = Result("h8", t0_, 1);
  bad.metrics = "[";
  EXPECT_STORE_ERROR(store().ml_results().Record(bad), ErrorKind::kInvalidArgument, "metrics");
  bad = Result("", t0_, 1);
  EXPECT_STORE_ERROR(store().ml_results().Record(bad), ErrorKind::kInvalidArgument,
                     "features_hash");
  store().ml_results().SetActual(a.id, 1, t0_ + 1);
  EXPECT_STORE_ERROR(store().ml_results().SetActual(a.id, 2, t0_ + 2), ErrorKind::kConflict,
                     "already has its actual");
  EXPECT_STORE_ERROR(store().ml_results().SetActual(4040, 2, t0_), ErrorKind::kNotFound, "4040");
  EXPECT_STORE_ERROR(store().ml_results().SetActual(a.id, 2, t0_, "{bad"),
                     ErrorKind::kInvalidArgument, "metrics");
  EXPECT_EQ(store().ml_results().Get(a.id).actual, std::optional<double>(1));
}

TRADESTORE_ON_ALL_BACKENDS(MlResults);

TEST(NearestRank, MatchesTheTextbookExample) {
  // Wikipedia "Percentile", nearest-rank method: {15, 20, 35, 40, 50}.
  const std::vector<Micros> v = {15, 20, 35, 40, 50};
  EXPECT_EQ(NearestRankPercentile(v, 5), 15);
  EXPECT_EQ(NearestRankPercentile(v, 30), 20);
  EXPECT_EQ(NearestRankPercentile(v, 40), 20);
  EXPECT_EQ(NearestRankPercentile(v, 50), 35);
  EXPECT_EQ(NearestRankPercentile(v, 100), 50);
  EXPECT_THROW(NearestRankPercentile(v, 0), Error);
  EXPECT_THROW(NearestRankPercentile(v, 101), Error);
  EXPECT_THROW(NearestRankPercentile({}, 50), Error);
}

class Latency : public RecordsTest {
 protected:
  ExecutionLatency Row(BotId b, OrderId order, Micros to_order, Micros to_ack, Micros to_fill) {
    ExecutionLatency r;
    r.bot_id = b;
    r.order_id = order;
    r.signal_time = t0_ + order * kMicrosPerSecond;
    r.order_time = *r.signal_time + to_order;
    r.ack_time = r.order_time + to_ack;
    r.fill_time = *r.ack_time + to_fill;
    r.venue = "paper";
    return r;
  }
};

TEST_P(Latency, PercentilesOfEachLegAreExactNearestRank) {
  // 100 orders: signal->order i µs, order->ack 10*i µs, ack->fill 1000 µs,
  // recorded in shuffled order.
  std::vector<int> ids(100);
  for (int i = 0; i < 100; ++i) ids[i] = i + 1;
  std::rotate(ids.begin(), ids.begin() + 37, ids.end());
  for (int i : ids) store().latency().Record(Row(bot(), i, i, 10 * i, 1000));
  store().latency().Record(Row(test_bot_.id, 1, 999999, 999999, 999999));  // test: excluded
  const auto p = store().latency().Percentiles();
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].leg, LatencyLeg::kSignalToOrder);
  EXPECT_EQ(p[0].count, 100);
  EXPECT_EQ(p[0].min, 1);
  EXPECT_EQ(p[0].p50, 50);  // rank ceil(0.5 * 100) = 50
  EXPECT_EQ(p[0].p90, 90);
  EXPECT_EQ(p[0].p99, 99);
  EXPECT_EQ(p[0].max, 100);
  EXPECT_EQ(p[1].leg, LatencyLeg::kOrderToAck);
  EXPECT_EQ(p[1].p90, 900);
  EXPECT_EQ(p[2].p50, 1000);
  EXPECT_EQ(p[3].p99, 990 + 1000);       // order->fill = 10 i + 1000
  EXPECT_EQ(p[4].p50, 50 + 500 + 1000);  // signal->fill = 11 i + 1000
  LatencyFilter f;
  f.include_test = true;
  EXPECT_EQ(store().latency().Percentiles(f)[0].max, 999999);
  f.bot = test_bot_.id;
  EXPECT_EQ(store().latency().Percentiles(f)[0].count, 1);
  LatencyFilter none;
  none.bot = 123456;
  EXPECT_EQ(store().latency().Percentiles(none)[0].count, 0);
}

TEST_P(Latency, RecordingAgainCompletesTheRowAndOutOfOrderTimesAreRefused) {
  ExecutionLatency r = Row(bot(), 7, 100, 200, 300);
  r.ack_time.reset();
  r.fill_time.reset();
  store().latency().Record(r);
  auto p = store().latency().Percentiles();
  EXPECT_EQ(p[0].count, 1);
  EXPECT_EQ(p[1].count, 0);  // no ack yet
  r = Row(bot(), 7, 100, 200, 300);
  store().latency().Record(r);
  ASSERT_TRUE(store().latency().Find(bot(), 7)->fill_time.has_value());
  EXPECT_EQ(store().latency().List().size(), 1u);
  EXPECT_EQ(store().latency().Find(bot(), 7)->mode, RunMode::kBacktest);

  ExecutionLatency bad = Row(bot(), 8, 100, 200, 300);
  bad.signal_time = bad.order_time + 1;
  EXPECT_STORE_ERROR(store().latency().Record(bad), ErrorKind::kInvalidArgument, "'order_time'");
  bad = Row(bot(), 8, 100, 200, 300);
  bad.fill_time = *bad.ack_time - 1;
  EXPECT_STORE_ERROR(store().latency().Record(bad), ErrorKind::kInvalidArgument, "'fill_time'");
  bad = Row(bot(), 8, 100, 200, 300);
  bad.ack_time = bad.order_time - 1;
  bad.fill_time.reset();
  EXPECT_STORE_ERROR(store().latency().Record(bad), ErrorKind::kInvalidArgument, "'ack_time'");
  EXPECT_STORE_ERROR(store().latency().Record(Row(5150, 8, 1, 1, 1)), ErrorKind::kNotFound,
                     "bot 5150");
  EXPECT_FALSE(store().latency().Find(bot(), 8).has_value());
}

TRADESTORE_ON_ALL_BACKENDS(Latency);

class News : public RecordsTest {
 protected:
  NewsFeed Feed(BotId b, const std::string& name) {
    NewsFeed f;
    f.bot_id = b;
    f.name = name;
    f.url = "https://example.org/" + name + ".rss";
    f.category = "crypto";
    return store().news().AddFeed(f);
  }
  SeenNewsItem Item(BotId b, std::int64_t feed, const std::string& key, Timestamp t) {
    SeenNewsItem i;
    i.bot_id = b;
    i.feed_id = feed;
    i.item_key = key;
    i.title = "title " + key;
    i.time = t;
    return i;
  }
};

TEST_P(News, MarkSeenSaysWhetherAnItemIsNewPerBotAndFeed) {
  const NewsFeed a = Feed(bot(), "coindesk");
  const NewsFeed b = Feed(bot(), "reuters");
  const NewsFeed other = Feed(test_bot_.id, "coindesk");
  EXPECT_TRUE(store().news().MarkSeen(Item(bot(), a.id, "guid-1", t0_)));
  EXPECT_FALSE(store().news().MarkSeen(Item(bot(), a.id, "guid-1", t0_ + 5)));
  EXPECT_TRUE(store().news().MarkSeen(Item(bot(), b.id, "guid-1", t0_ + 1)));  // other feed
  EXPECT_TRUE(store().news().MarkSeen(Item(test_bot_.id, other.id, "guid-1", t0_)));
  EXPECT_TRUE(store().news().IsSeen(bot(), a.id, "guid-1"));
  EXPECT_FALSE(store().news().IsSeen(bot(), a.id, "guid-2"));
  const auto seen = store().news().Seen(bot());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].time, t0_);  // the first sighting is kept
  EXPECT_EQ(store().news().Seen(std::nullopt).size(), 2u);
  EXPECT_EQ(store().news().Seen(std::nullopt, {}, true).size(), 3u);
  EXPECT_EQ(store().news().ForgetSeenBefore(bot(), t0_ + 1), 1);
  EXPECT_TRUE(store().news().MarkSeen(Item(bot(), a.id, "guid-1", t0_ + 9)));
}

TEST_P(News, FeedsAreUniquePerBotAndCanBeDisabled) {
  const NewsFeed a = Feed(bot(), "coindesk");
  Feed(bot(), "reuters");
  EXPECT_STORE_ERROR(Feed(bot(), "coindesk"), ErrorKind::kConflict, "already has a news feed");
  EXPECT_EQ(Feed(test_bot_.id, "coindesk").mode, RunMode::kPaper);
  EXPECT_EQ(store().news().SetFeedEnabled(bot(), a.id, false).enabled, false);
  ASSERT_EQ(store().news().Feeds(bot()).size(), 1u);
  EXPECT_EQ(store().news().Feeds(bot(), true).size(), 2u);
  EXPECT_EQ(store().news().AllFeeds().size(), 2u);
  EXPECT_EQ(store().news().AllFeeds(true).size(), 3u);
  EXPECT_STORE_ERROR(store().news().SetFeedEnabled(test_bot_.id, a.id, true), ErrorKind::kNotFound,
                     "news feed");
  NewsFeed bad;
  bad.bot_id = bot();
  bad.name = "x";
  EXPECT_STORE_ERROR(store().news().AddFeed(bad), ErrorKind::kInvalidArgument, "url");
  bad.url = "u";
  bad.bot_id = 3030;
  EXPECT_STORE_ERROR(store().news().AddFeed(bad), ErrorKind::kNotFound, "bot 3030");
  EXPECT_STORE_ERROR(store().news().MarkSeen(Item(bot(), a.id, "", t0_)),
                     ErrorKind::kInvalidArgument, "item_key");
  EXPECT_STORE_ERROR(store().news().MarkSeen(Item(bot(), 777, "k", t0_)), ErrorKind::kNotFound,
                     "news feed 777");
}

TRADESTORE_ON_ALL_BACKENDS(News);

// Two connections (threads) mark the same items: each item is new exactly once.
class NewsConcurrency : public ::testing::TestWithParam<testing::Backend> {};

TEST_P(NewsConcurrency, EachItemIsNewExactlyOnce) {
  testing::TempDir dir;
  const std::string url = GetParam() == testing::Backend::kSqlite
                              ? "sqlite:" + dir.Sub("store")
                              : testing::PgServer::Get().CreateDatabase();
  std::int64_t feed_id = 0;
  BotId bot_id = 0;
  {
    testing::Seeded s(url);
    bot_id = s.bot.id;
    NewsFeed f;
    f.bot_id = bot_id;
    f.name = "wire";
    f.url = "https://example.org/wire";
    feed_id = s.store.news().AddFeed(f).id;
  }
  constexpr int kItems = 40;
  std::atomic<int> fresh{0};
  auto worker = [&] {
    Store store = Store::Open(url);
    for (int i = 0; i < kItems; ++i) {
      SeenNewsItem item;
      item.bot_id = bot_id;
      item.feed_id = feed_id;
      item.item_key = "item-" + std::to_string(i);
      if (store.news().MarkSeen(item)) ++fresh;
    }
  };
  std::thread t1(worker);
  std::thread t2(worker);
  t1.join();
  t2.join();
  EXPECT_EQ(fresh.load(), kItems);
  Store store = Store::Open(url);
  EXPECT_EQ(store.news().Seen(bot_id).size(), static_cast<std::size_t>(kItems));
}

TRADESTORE_ON_ALL_BACKENDS(NewsConcurrency);

}  // namespace
}  // namespace tradestore
