// News feeds a bot polls and the items it has already seen (seed 001's
// rss_feeds and seen_news): MarkSeen says whether an item is new, so a bot
// acts on each news item once, however often the feed repeats it.
//
// An item is identified per (bot, feed) by its key: the feed's guid, or a
// hash of the item's link or title when it has none (the caller chooses).
//
// Errors: kInvalidArgument for an empty name, url or item key; kNotFound for
// an unknown bot or feed; kConflict for a feed name the bot already uses.
// Thread safety: as the Store; MarkSeen is atomic, so two processes of the
// same bot marking the same item see exactly one "new".
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

struct NewsFeed {
  std::int64_t id = 0;  // assigned by the store
  BotId bot_id = 0;
  std::string name;  // unique per bot
  std::string url;
  std::string category;
  bool enabled = true;
  RunMode mode = RunMode::kPaper;  // copied from the bot
  bool is_test = false;            // copied from the bot
  Timestamp created_at;            // assigned by the store
  Timestamp updated_at;
};

struct SeenNewsItem {
  BotId bot_id = 0;
  std::int64_t feed_id = 0;
  std::string item_key;
  std::string title;
  std::string url;
  std::optional<Timestamp> published_at;
  Timestamp time;                  // first seen; now when left at the epoch
  RunMode mode = RunMode::kPaper;  // copied from the bot
  bool is_test = false;            // copied from the bot
};

class NewsRepository {
 public:
  NewsFeed AddFeed(const NewsFeed& feed);
  NewsFeed SetFeedEnabled(BotId bot, std::int64_t feed_id, bool enabled);
  NewsFeed GetFeed(BotId bot, std::int64_t feed_id);  // throws kNotFound
  // A bot's feeds by name; disabled ones only with include_disabled.
  std::vector<NewsFeed> Feeds(BotId bot, bool include_disabled = false);
  // Every feed of every bot (test bots' only with include_test), by bot and name.
  std::vector<NewsFeed> AllFeeds(bool include_test = false);

  // Records the item as seen; returns true if it was new, false if this bot
  // had already seen it on this feed (the stored row is left unchanged).
  bool MarkSeen(const SeenNewsItem& item);
  bool IsSeen(BotId bot, std::int64_t feed_id, std::string_view item_key);
  // Items seen by a bot (every bot when nullopt), oldest first.
  std::vector<SeenNewsItem> Seen(std::optional<BotId> bot, const TimeRange& range = {},
                                 bool include_test = false);
  // Forgets items first seen before `before`; returns how many.
  std::int64_t ForgetSeenBefore(BotId bot, Timestamp before);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
