// News feeds (analytics.news_feeds) and seen-news deduplication
// (analytics.seen_news).
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/news.h"

namespace tradestore {

using detail::Database;

namespace {

constexpr std::string_view kFeedColumns =
    "id, bot_id, name, url, category, enabled, mode, is_test, created_at, updated_at";

NewsFeed ReadFeed(const sql::Statement& st) {
  NewsFeed f;
  f.id = st.GetInt64(0);
  f.bot_id = st.GetInt64(1);
  f.name = st.GetText(2);
  f.url = st.GetText(3);
  f.category = st.GetText(4);
  f.enabled = st.GetBool(5);
  f.mode = ParseRunMode(st.GetText(6));
  f.is_test = st.GetBool(7);
  f.created_at = st.GetTimestamp(8);
  f.updated_at = st.GetTimestamp(9);
  return f;
}

constexpr std::string_view kSeenColumns =
    "bot_id, feed_id, item_key, title, url, published_at, time, mode, is_test";

SeenNewsItem ReadSeen(const sql::Statement& st) {
  SeenNewsItem s;
  s.bot_id = st.GetInt64(0);
  s.feed_id = st.GetInt64(1);
  s.item_key = st.GetText(2);
  s.title = st.GetText(3);
  s.url = st.GetText(4);
  if (!st.IsNull(5)) s.published_at = st.GetTimestamp(5);
  s.time = st.GetTimestamp(6);
  s.mode = ParseRunMode(st.GetText(7));
  s.is_test = st.GetBool(8);
  return s;
}

std::string FeedName(BotId bot, std::int64_t id) {
  return "news feed " + std::to_string(id) + " of bot " + std::to_string(bot);
}

}  // namespace

NewsFeed NewsRepository::AddFeed(const NewsFeed& feed) {
  const std::string what = "news feed of bot " + std::to_string(feed.bot_id);
  detail::RequireNonEmpty(feed.name, what, "name");
  detail::RequireNonEmpty(feed.url, what, "url");
  const detail::BotProvenance bot = detail::BotProvenanceOf(*impl_, feed.bot_id);
  NewsFeed out = feed;
  out.mode = bot.mode;
  out.is_test = bot.is_test;
  out.created_at = out.updated_at = Timestamp::Now();
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(
                     "INSERT INTO analytics.news_feeds (bot_id, name, url, category, enabled, "
                     "mode, is_test, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (bot_id, name) DO NOTHING RETURNING id");
  st.Bind(1, out.bot_id).Bind(2, out.name).Bind(3, out.url).Bind(4, out.category);
  st.Bind(5, out.enabled).Bind(6, ToString(out.mode)).Bind(7, out.is_test);
  st.Bind(8, out.created_at).Bind(9, out.updated_at);
  if (!st.Step()) {
    st.Reset();
    throw Conflict("bot " + std::to_string(feed.bot_id) + " already has a news feed named '" +
                   feed.name + "'");
  }
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

NewsFeed NewsRepository::GetFeed(BotId bot, std::int64_t feed_id) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare("SELECT " + std::string(kFeedColumns) +
                          " FROM analytics.news_feeds WHERE bot_id = ? AND id = ?");
  st.Bind(1, bot).Bind(2, feed_id);
  if (!st.Step()) {
    st.Reset();
    throw NotFound(FeedName(bot, feed_id) + " does not exist");
  }
  NewsFeed out = ReadFeed(st);
  st.Reset();
  return out;
}

NewsFeed NewsRepository::SetFeedEnabled(BotId bot, std::int64_t feed_id, bool enabled) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(
                     "UPDATE analytics.news_feeds SET enabled = ?, updated_at = ? "
                     "WHERE bot_id = ? AND id = ?");
  if (st.Bind(1, enabled).Bind(2, Timestamp::Now()).Bind(3, bot).Bind(4, feed_id).Execute() == 0) {
    throw NotFound(FeedName(bot, feed_id) + " does not exist");
  }
  return GetFeed(bot, feed_id);
}

std::vector<NewsFeed> NewsRepository::Feeds(BotId bot, bool include_disabled) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare("SELECT " + std::string(kFeedColumns) +
                          " FROM analytics.news_feeds WHERE bot_id = ? AND (enabled = 1 OR ?) "
                          "ORDER BY name");
  st.Bind(1, bot).Bind(2, include_disabled);
  std::vector<NewsFeed> out;
  while (st.Step()) out.push_back(ReadFeed(st));
  return out;
}

std::vector<NewsFeed> NewsRepository::AllFeeds(bool include_test) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare("SELECT " + std::string(kFeedColumns) +
                          " FROM analytics.news_feeds WHERE is_test = 0 OR ? ORDER BY bot_id, "
                          "name");
  st.Bind(1, include_test);
  std::vector<NewsFeed> out;
  while (st.Step()) out.push_back(ReadFeed(st));
  return out;
}

bool NewsRepository::MarkSeen(const SeenNewsItem& item) {
  detail::RequireNonEmpty(item.item_key, FeedName(item.bot_id, item.feed_id) + " item", "item_key");
  const NewsFeed feed = GetFeed(item.bot_id, item.feed_id);  // kNotFound (bot or feed)
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(
                     "INSERT INTO analytics.seen_news (bot_id, feed_id, item_key, title, url, "
                     "published_at, time, mode, is_test) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (bot_id, feed_id, item_key) DO NOTHING RETURNING bot_id");
  st.Bind(1, item.bot_id).Bind(2, item.feed_id).Bind(3, item.item_key).Bind(4, item.title);
  st.Bind(5, item.url).Bind(6, item.published_at);
  st.Bind(7, item.time == Timestamp() ? Timestamp::Now() : item.time);
  st.Bind(8, ToString(feed.mode)).Bind(9, feed.is_test);
  const bool inserted = st.Step();
  st.Reset();
  return inserted;
}

bool NewsRepository::IsSeen(BotId bot, std::int64_t feed_id, std::string_view item_key) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(
                     "SELECT 1 FROM analytics.seen_news WHERE bot_id = ? AND feed_id = ? AND "
                     "item_key = ?");
  st.Bind(1, bot).Bind(2, feed_id).Bind(3, item_key);
  const bool seen = st.Step();
  st.Reset();
  return seen;
}

std::vector<SeenNewsItem> NewsRepository::Seen(std::optional<BotId> bot, const TimeRange& range,
                                               bool include_test) {
  std::string sql =
      "SELECT " + std::string(kSeenColumns) + " FROM analytics.seen_news WHERE (is_test = 0 OR ?)";
  if (bot) sql += " AND bot_id = ?";
  sql += detail::RangeSql("time", range) + " ORDER BY time, bot_id, feed_id, item_key";
  auto& st = impl_->connection(Database::kAnalytics).Prepare(sql);
  int i = 1;
  st.Bind(i++, include_test);
  if (bot) st.Bind(i++, *bot);
  detail::BindRange(st, i, range);
  std::vector<SeenNewsItem> out;
  while (st.Step()) out.push_back(ReadSeen(st));
  return out;
}

std::int64_t NewsRepository::ForgetSeenBefore(BotId bot, Timestamp before) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare("DELETE FROM analytics.seen_news WHERE bot_id = ? AND time < ?");
  return st.Bind(1, bot).Bind(2, before).Execute();
}

}  // namespace tradestore
