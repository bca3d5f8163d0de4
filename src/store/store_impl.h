// Internals of the Store shared by the repositories and by tradestore's own
// higher layers (ops). Not part of the public API.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/candle_chunk.h"
#include "sql/connection.h"
#include "store/database.h"
#include "tradestore/audit.h"
#include "tradestore/change_feed.h"
#include "tradestore/config.h"
#include "tradestore/daily_pnl.h"
#include "tradestore/execution_latency.h"
#include "tradestore/ml_result.h"
#include "tradestore/news.h"
#include "tradestore/pattern.h"
#include "tradestore/risk.h"
#include "tradestore/store.h"
#include "tradestore/strategy.h"

namespace tradestore::detail {

// The page size of a new trading.db in a directory store, in bytes
// (market.db and analytics.db keep SQLite's 4096): docs/storage.md, "Page
// size".
inline constexpr int kTradingPageSize = 2048;

class StoreImpl {
 public:
  StoreImpl() = default;
  StoreImpl(const StoreImpl&) = delete;
  StoreImpl& operator=(const StoreImpl&) = delete;

  // Opens the connections and migrates them; see Store::Open.
  void Open(std::string_view url, const StoreOptions& options);

  sql::Connection& connection(Database db);
  sql::Dialect dialect() const { return dialect_; }
  const std::string& url() const { return url_; }
  // For SQLite: the file behind each database ("" for in-memory; "" for
  // PostgreSQL, whose one connection serves all three).
  std::string path(Database db) const;
  bool single_file() const { return single_file_; }
  // The chunk format version this store writes candle chunks in
  // (StoreOptions::chunk_format; candle_chunk::kFormatVersion by default).
  int chunk_format() const { return chunk_format_; }

  // The quote asset of an instrument, cached: it never changes once set
  // (InstrumentRepository::Upsert refuses to change it). "" if unknown.
  const std::string& QuoteAsset(InstrumentId id);

  InstrumentRepository instruments;
  CandleRepository candles;
  BotRepository bots;
  AccountRepository accounts;
  LedgerRepository ledger;
  SignalRepository signals;
  OrderRepository orders;
  PositionRepository positions;
  TradeRepository trades;
  PortfolioRepository portfolio;
  RiskRepository risk;
  ConfigRepository configs;
  StrategyRepository strategies;
  AuditRepository audit;
  DailyPnlRepository daily_pnl;
  PatternRepository patterns;
  MlResultRepository ml_results;
  LatencyRepository latency;
  NewsRepository news;
  ChangeFeed changes;

  // System account ids by (bot, name), SQLite only: an entry may name an
  // account of a unit of work that later rolled back, so every use checks
  // it (see PostValidatedLedgerEntry in account_repositories.cc).
  std::map<std::pair<BotId, std::string>, AccountId> system_account_ids;

 private:
  void WireRepositories();
  std::unordered_map<InstrumentId, std::string> quote_assets_;
  std::string url_;
  sql::Dialect dialect_ = sql::Dialect::kSqlite;
  bool single_file_ = false;
  int chunk_format_ = internal::candle_chunk::kFormatVersion;
  std::string paths_[3];
  std::unique_ptr<sql::Connection> connections_[3];
};

// The internals of a Store (its connections, dialect and repositories), for
// tradestore's own layers that need the connection: the store's read models,
// io, ops, and tests. Not part of the public API: Store declares this struct
// its friend, and only code that includes this internal header can use it.
struct StoreAccess {
  static StoreImpl& Impl(Store& store) { return *store.impl_; }
};
inline StoreImpl& ImplOf(Store& store) { return StoreAccess::Impl(store); }

}  // namespace tradestore::detail
