#include "tradestore/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "sql/migrations.h"
#include "sql/postgres/pg_connection.h"
#include "sql/sqlite/sqlite_connection.h"
#include "store/store_impl.h"
#include "tradestore/error.h"

namespace tradestore {
namespace detail {
namespace {

constexpr const char* kDatabaseNames[] = {"trading", "market", "analytics"};

// In a directory store while its databases are being created (StoreImpl's
// constructor): a store holding it is a new one whose creation was cut off.
constexpr const char* kCreatingMarker = ".tradestore-creating";

// fsync of a directory, so that a file created or removed in it stays so
// after a power loss; best effort (a failure leaves the marker's effect to
// the page cache, which a killed process does not lose).
void SyncDirectory(const std::string& dir) noexcept {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}
// How long the start of a unit of work refused as busy is retried (store.h).
constexpr int kDefaultRetryMs = 30000;

// A non-negative integer URL parameter.
int ParseMillis(std::string_view url, const std::string& key, const std::string& value) {
  try {
    std::size_t used = 0;
    const int ms = std::stoi(value, &used);
    if (used != value.size() || ms < 0) throw std::exception();
    return ms;
  } catch (const std::exception&) {
    throw InvalidArgument("store URL '" + std::string(url) + "': " + key +
                          " must be a non-negative integer, got '" + value + "'");
  }
}

// The retry policy of every connection's unit-of-work start (store.h).
sql::RetryPolicy BeginRetry(int retry_ms) {
  sql::RetryPolicy policy;
  policy.budget = std::chrono::milliseconds(retry_ms);
  policy.first_delay = std::chrono::milliseconds(10);
  policy.max_delay = std::chrono::seconds(1);
  return policy;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "normal" or "full" in any case, as SQLite's PRAGMA spells it ("NORMAL",
// "FULL"); `where` names the source (the URL, or StoreOptions) in the error.
std::string ParseSynchronous(const std::string& where, const std::string& value) {
  std::string upper = value;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != "NORMAL" && upper != "FULL") {
    throw InvalidArgument(where + ": synchronous must be normal or full, got '" + value + "'");
  }
  return upper;
}

// A chunk format version a store may write: 3 (the current one) or 2 (what
// builds before format 3 read); `where` names the source in the error.
int ParseChunkFormat(const std::string& where, const std::string& value) {
  if (value == "2" || value == "3") return value[0] - '0';
  throw InvalidArgument(where + ": chunk_format must be 2 or 3, got '" + value + "'");
}

// StoreOptions::chunk_format, checked as the URL's parameter is.
int ChunkFormatOption(int format) {
  return ParseChunkFormat("StoreOptions", std::to_string(format));
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Splits "sqlite:PATH?k=v&k=v" into its parts.
struct ParsedUrl {
  std::string path;
  sql::SqliteOptions options;
  int retry_ms = kDefaultRetryMs;
  int chunk_format = internal::candle_chunk::kFormatVersion;
};

ParsedUrl ParseSqliteUrl(std::string_view url, const StoreOptions& overrides) {
  ParsedUrl parsed;
  std::string_view rest = url.substr(std::string_view("sqlite:").size());
  if (rest.starts_with("//")) rest.remove_prefix(2);  // sqlite://path
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.empty()) throw InvalidArgument("store URL '" + std::string(url) + "' has no path");
  parsed.path = std::string(rest);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string key(pair.substr(0, eq));
    const std::string value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (key == "synchronous") {
      parsed.options.synchronous = ParseSynchronous("store URL '" + std::string(url) + "'", value);
    } else if (key == "busy_timeout_ms") {
      parsed.options.busy_timeout_ms = ParseMillis(url, key, value);
    } else if (key == "retry_ms") {
      parsed.retry_ms = ParseMillis(url, key, value);
    } else if (key == "group_commit") {
      const std::string v = Lower(value);
      if (v != "on" && v != "off") {
        throw InvalidArgument("store URL '" + std::string(url) +
                              "': group_commit must be on or off, got '" + value + "'");
      }
      parsed.options.group_commit = v == "on";
    } else if (key == "chunk_format") {
      parsed.chunk_format = ParseChunkFormat("store URL '" + std::string(url) + "'", value);
    } else {
      throw InvalidArgument("store URL '" + std::string(url) + "': unknown parameter '" + key +
                            "'");
    }
  }
  if (overrides.synchronous) {
    parsed.options.synchronous = ParseSynchronous("StoreOptions", *overrides.synchronous);
  }
  if (overrides.busy_timeout_ms) parsed.options.busy_timeout_ms = *overrides.busy_timeout_ms;
  if (overrides.retry_ms) parsed.retry_ms = *overrides.retry_ms;
  if (overrides.group_commit) parsed.options.group_commit = *overrides.group_commit;
  return parsed;
}

}  // namespace

void StoreImpl::Open(std::string_view url, const StoreOptions& options) {
  url_ = std::string(url);
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    // One connection serves the three databases (one PostgreSQL database
    // with real schemas); a connection pool comes later.
    dialect_ = sql::Dialect::kPostgres;
    // chunk_format=2|3 in the URL: the driver checks it and leaves it to us.
    chunk_format_ = sql::PostgresChunkFormat(url_).value_or(chunk_format_);
    if (options.chunk_format) chunk_format_ = ChunkFormatOption(*options.chunk_format);
    connections_[0] = sql::OpenPostgres(url_, sql::PgOpenOptions{options.read_replica});
    // A server restarting: units of work wait for it (store.h, retry_ms).
    connections_[0]->set_begin_retry(BeginRetry(options.retry_ms.value_or(kDefaultRetryMs)));
    if (options.migrate) sql::Migrate(*connections_[0], "postgres", "all");
    WireRepositories();
    return;
  }
  if (!url.starts_with("sqlite:")) {
    throw InvalidArgument("store URL '" + url_ +
                          "' must start with sqlite: or postgresql:// (e.g. "
                          "sqlite:tradestore-data)");
  }
  ParsedUrl parsed = ParseSqliteUrl(url, options);
  chunk_format_ =
      options.chunk_format ? ChunkFormatOption(*options.chunk_format) : parsed.chunk_format;
  namespace fs = std::filesystem;
  const std::string& path = parsed.path;
  if (path == ":memory:") {
    single_file_ = true;
  } else {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (fs::exists(status)) {
      single_file_ = !fs::is_directory(status);
    } else {
      const std::string lower = Lower(path);
      single_file_ =
          EndsWith(lower, ".db") || EndsWith(lower, ".sqlite") || EndsWith(lower, ".sqlite3");
      if (!single_file_) {
        fs::create_directories(path, ec);
        if (ec) {
          throw Error(ErrorKind::kStorage,
                      "cannot create store directory '" + path + "': " + ec.message());
        }
      }
    }
  }
  if (single_file_) {
    paths_[0] = paths_[1] = paths_[2] = path == ":memory:" ? "" : path;
    connections_[0] = sql::OpenSqlite(path, parsed.options);
  } else {
    // A directory store is its three databases: one missing (market.db
    // deleted or never copied) must not be replaced by an empty one, which
    // would leave orders and fills naming instruments that no longer exist.
    // None there: a new store. Creating one leaves a marker file until all
    // three exist, so a creation cut off (kill -9) between two files is
    // finished by the next open instead of refused.
    std::vector<std::string> present, missing;
    for (int i = 0; i < 3; ++i) {
      const std::string name = std::string(kDatabaseNames[i]) + ".db";
      std::error_code ec;
      (fs::exists(fs::path(path) / name, ec) ? present : missing).push_back(name);
    }
    const fs::path creating = fs::path(path) / kCreatingMarker;
    std::error_code marker_ec;
    const bool unfinished = fs::exists(creating, marker_ec);
    if (!present.empty() && !missing.empty() && !unfinished) {
      std::string list;
      for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
      throw NotFound("store '" + path + "' is missing " + list +
                     " (a directory store holds trading.db, market.db and analytics.db): "
                     "restore it from a backup (tradestore restore), or move the store's "
                     "files away to start a new one");
    }
    if (!missing.empty() && !unfinished) {
      if (!std::ofstream(creating)) {
        throw Error(ErrorKind::kStorage, "cannot create '" + creating.string() + "'");
      }
      SyncDirectory(path);
    }
    for (int i = 0; i < 3; ++i) {
      paths_[i] = (fs::path(path) / (std::string(kDatabaseNames[i]) + ".db")).string();
      sql::SqliteOptions db_options = parsed.options;
      // A fill nests savepoints in the caller's unit of work; keep their
      // journals off the disk (see SqliteOptions::temp_store_memory).
      db_options.temp_store_memory = i == static_cast<int>(Database::kTrading);
      // A new trading.db gets 2048-byte pages: a fill's unit of work
      // touches ~36 pages of ~40 b-trees and writes each whole, to the WAL
      // and again at the checkpoint (docs/storage.md, "Page size").
      if (i == static_cast<int>(Database::kTrading)) db_options.page_size = kTradingPageSize;
      connections_[i] = sql::OpenSqlite(paths_[i], db_options);
    }
    if (!missing.empty() || unfinished) {
      fs::remove(creating, marker_ec);
      SyncDirectory(path);
    }
  }
  for (auto& c : connections_) {
    if (c) c->set_begin_retry(BeginRetry(parsed.retry_ms));
  }
  for (int i = 0; options.migrate && i < 3; ++i) {
    sql::Migrate(connection(static_cast<Database>(i)), "sqlite", kDatabaseNames[i]);
  }
  WireRepositories();
}

sql::Connection& StoreImpl::connection(Database db) {
  if (single_file_ || dialect_ == sql::Dialect::kPostgres) return *connections_[0];
  return *connections_[static_cast<int>(db)];
}

const std::string& StoreImpl::QuoteAsset(InstrumentId id) {
  if (auto it = quote_assets_.find(id); it != quote_assets_.end()) return it->second;
  std::string quote = instruments.Get(id).quote_asset;
  if (quote.empty()) {
    static const std::string kUnknown;
    return kUnknown;  // not cached: it may still be filled in
  }
  return quote_assets_.emplace(id, std::move(quote)).first->second;
}

std::string StoreImpl::path(Database db) const { return paths_[static_cast<int>(db)]; }

void StoreImpl::WireRepositories() {
  instruments.impl_ = this;
  candles.impl_ = this;
  bots.impl_ = this;
  accounts.impl_ = this;
  ledger.impl_ = this;
  signals.impl_ = this;
  orders.impl_ = this;
  positions.impl_ = this;
  trades.impl_ = this;
  portfolio.impl_ = this;
  risk.impl_ = this;
  configs.impl_ = this;
  strategies.impl_ = this;
  audit.impl_ = this;
  daily_pnl.impl_ = this;
  patterns.impl_ = this;
  ml_results.impl_ = this;
  latency.impl_ = this;
  news.impl_ = this;
  changes.impl_ = this;
}

}  // namespace detail

UnitOfWork::~UnitOfWork() {
  if (!done_ && connection_ != nullptr) static_cast<sql::Connection*>(connection_)->Rollback();
}
UnitOfWork::UnitOfWork(UnitOfWork&& other) noexcept
    : connection_(other.connection_), done_(other.done_) {
  other.connection_ = nullptr;
}
void UnitOfWork::Commit() {
  if (done_ || connection_ == nullptr)
    throw Error(ErrorKind::kInternal, "unit of work already ended");
  static_cast<sql::Connection*>(connection_)->Commit();
  done_ = true;
}

Store Store::Open(std::string_view url, const StoreOptions& options) {
  auto impl = std::make_unique<detail::StoreImpl>();
  impl->Open(url, options);
  return Store(std::move(impl));
}

std::string Store::DefaultUrl() {
  const char* env = std::getenv("TRADESTORE_URL");
  if (env != nullptr && *env != '\0') return env;
  return "sqlite:tradestore-data";
}

Store::Store(std::unique_ptr<detail::StoreImpl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

const std::string& Store::url() const { return impl_->url(); }
InstrumentRepository& Store::instruments() { return impl_->instruments; }
CandleRepository& Store::candles() { return impl_->candles; }
BotRepository& Store::bots() { return impl_->bots; }
AccountRepository& Store::accounts() { return impl_->accounts; }
LedgerRepository& Store::ledger() { return impl_->ledger; }
SignalRepository& Store::signals() { return impl_->signals; }
OrderRepository& Store::orders() { return impl_->orders; }
PositionRepository& Store::positions() { return impl_->positions; }
TradeRepository& Store::trades() { return impl_->trades; }
PortfolioRepository& Store::portfolio() { return impl_->portfolio; }
RiskRepository& Store::risk() { return impl_->risk; }
ConfigRepository& Store::configs() { return impl_->configs; }
StrategyRepository& Store::strategies() { return impl_->strategies; }
AuditRepository& Store::audit() { return impl_->audit; }
DailyPnlRepository& Store::daily_pnl() { return impl_->daily_pnl; }
PatternRepository& Store::patterns() { return impl_->patterns; }
MlResultRepository& Store::ml_results() { return impl_->ml_results; }
LatencyRepository& Store::latency() { return impl_->latency; }
NewsRepository& Store::news() { return impl_->news; }
ChangeFeed& Store::changes() { return impl_->changes; }

UnitOfWork Store::BeginTrading() {
  auto& c = impl_->connection(detail::Database::kTrading);
  c.Begin();
  return UnitOfWork(&c);
}
UnitOfWork Store::BeginMarket() {
  auto& c = impl_->connection(detail::Database::kMarket);
  c.Begin();
  return UnitOfWork(&c);
}

}  // namespace tradestore
