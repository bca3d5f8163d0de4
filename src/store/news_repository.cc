// News feeds (analytics.news_feeds) and seen-news deduplication
// (analytics.seen_news).
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/news.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::RowWriter;
using detail::schema::tables::kNewsFeeds;
using detail::schema::tables::kSeenNews;

namespace {

constexpr auto kFeedRow = Columns<kNewsFeeds>::All();

NewsFeed ReadFeed(const sql::Statement& st) {
  const RowReader<kNewsFeeds> r(st, kFeedRow);
  NewsFeed f;
  f.id = r.Get<std::int64_t>("id");
  f.bot_id = r.Get<std::int64_t>("bot_id");
  f.name = r.Get<std::string>("name");
  f.url = r.Get<std::string>("url");
  f.category = r.Get<std::string>("category");
  f.enabled = r.Get<bool>("enabled");
  f.mode = ParseRunMode(r.Get<std::string>("mode"));
  f.is_test = r.Get<bool>("is_test");
  f.created_at = r.Get<Timestamp>("created_at");
  f.updated_at = r.Get<Timestamp>("updated_at");
  return f;
}

constexpr auto kSeenRow = Columns<kSeenNews>::All();

SeenNewsItem ReadSeen(const sql::Statement& st) {
  const RowReader<kSeenNews> r(st, kSeenRow);
  SeenNewsItem s;
  s.bot_id = r.Get<std::int64_t>("bot_id");
  s.feed_id = r.Get<std::int64_t>("feed_id");
  s.item_key = r.Get<std::string>("item_key");
  s.title = r.Get<std::string>("title");
  s.url = r.Get<std::string>("url");
  s.published_at = r.Get<std::optional<Timestamp>>("published_at");
  s.time = r.Get<Timestamp>("time");
  s.mode = ParseRunMode(r.Get<std::string>("mode"));
  s.is_test = r.Get<bool>("is_test");
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
  constexpr auto kInsert = Columns<kNewsFeeds>::Insertable();
  static const std::string kSql =
      kInsert.InsertSql(" ON CONFLICT (bot_id, name) DO NOTHING RETURNING id");
  RowWriter<kNewsFeeds> row(impl_->connection(Database::kAnalytics).Prepare(kSql), kInsert);
  row.Set("bot_id", out.bot_id).Set("name", out.name).Set("url", out.url);
  row.Set("category", out.category).Set("enabled", out.enabled);
  row.Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
  row.Set("created_at", out.created_at).Set("updated_at", out.updated_at);
  sql::Statement& st = row.Done();
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
                 .Prepare(kFeedRow.SelectSql(" WHERE bot_id = ? AND id = ?"));
  BindParams(st, bot, feed_id);
  if (!st.Step()) {
    st.Reset();
    throw NotFound(FeedName(bot, feed_id) + " does not exist");
  }
  NewsFeed out = ReadFeed(st);
  st.Reset();
  return out;
}

NewsFeed NewsRepository::SetFeedEnabled(BotId bot, std::int64_t feed_id, bool enabled) {
  constexpr auto kUpdate = Columns<kNewsFeeds>::Only({"enabled", "updated_at"});
  static const std::string kSql = kUpdate.UpdateSql(" WHERE bot_id = ? AND id = ?");
  RowWriter<kNewsFeeds> row(impl_->connection(Database::kAnalytics).Prepare(kSql), kUpdate);
  row.Set("enabled", enabled).Set("updated_at", Timestamp::Now()).Where(bot, feed_id);
  if (row.Done().Execute() == 0) {
    throw NotFound(FeedName(bot, feed_id) + " does not exist");
  }
  return GetFeed(bot, feed_id);
}

std::vector<NewsFeed> NewsRepository::Feeds(BotId bot, bool include_disabled) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(kFeedRow.SelectSql(" WHERE bot_id = ? AND (enabled = 1 OR ?) "
                                             "ORDER BY name"));
  BindParams(st, bot, include_disabled);
  std::vector<NewsFeed> out;
  while (st.Step()) out.push_back(ReadFeed(st));
  return out;
}

std::vector<NewsFeed> NewsRepository::AllFeeds(bool include_test) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(kFeedRow.SelectSql(" WHERE is_test = 0 OR ? ORDER BY bot_id, "
                                             "name"));
  BindParams(st, include_test);
  std::vector<NewsFeed> out;
  while (st.Step()) out.push_back(ReadFeed(st));
  return out;
}

bool NewsRepository::MarkSeen(const SeenNewsItem& item) {
  detail::RequireNonEmpty(item.item_key, FeedName(item.bot_id, item.feed_id) + " item", "item_key");
  const NewsFeed feed = GetFeed(item.bot_id, item.feed_id);  // kNotFound (bot or feed)
  static const std::string kSql =
      kSeenRow.InsertSql(" ON CONFLICT (bot_id, feed_id, item_key) DO NOTHING RETURNING bot_id");
  RowWriter<kSeenNews> row(impl_->connection(Database::kAnalytics).Prepare(kSql), kSeenRow);
  row.Set("bot_id", item.bot_id).Set("feed_id", item.feed_id).Set("item_key", item.item_key);
  row.Set("title", item.title).Set("url", item.url).Set("published_at", item.published_at);
  row.Set("time", item.time == Timestamp() ? Timestamp::Now() : item.time);
  row.Set("mode", ToString(feed.mode)).Set("is_test", feed.is_test);
  sql::Statement& st = row.Done();
  const bool inserted = st.Step();
  st.Reset();
  return inserted;
}

bool NewsRepository::IsSeen(BotId bot, std::int64_t feed_id, std::string_view item_key) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(
                     "SELECT 1 FROM analytics.seen_news WHERE bot_id = ? AND feed_id = ? AND "
                     "item_key = ?");
  BindParams(st, bot, feed_id, item_key);
  const bool seen = st.Step();
  st.Reset();
  return seen;
}

std::vector<SeenNewsItem> NewsRepository::Seen(std::optional<BotId> bot, const TimeRange& range,
                                               bool include_test) {
  std::string sql = kSeenRow.SelectSql(" WHERE (is_test = 0 OR ?)");
  if (bot) sql += " AND bot_id = ?";
  sql += detail::RangeSql("time", range) + " ORDER BY time, bot_id, feed_id, item_key";
  auto& st = impl_->connection(Database::kAnalytics).Prepare(sql);
  int i = BindParams(st, include_test);
  if (bot) st.Bind(i++, *bot);
  detail::BindRange(st, i, range);
  std::vector<SeenNewsItem> out;
  while (st.Step()) out.push_back(ReadSeen(st));
  return out;
}

std::int64_t NewsRepository::ForgetSeenBefore(BotId bot, Timestamp before) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare("DELETE FROM analytics.seen_news WHERE bot_id = ? AND time < ?");
  BindParams(st, bot, before);
  return st.Execute();
}

}  // namespace tradestore
