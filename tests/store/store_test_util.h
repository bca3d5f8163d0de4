// Helpers for store tests: a temporary directory, the backends every
// repository test runs on, and a seeded store.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <random>
#include <string>

#include "support/citus_store.h"
#include "support/pg_harness.h"
#include "support/pgbouncer_harness.h"
#include "tradestore/store.h"

namespace tradestore::testing {

// The backends of the conformance tests: the same test, the same results.
// kCitus: a store distributed on the test Citus cluster (coordinator and 2
// workers, docs/scale-out.md). kPgBouncer: a PostgreSQL store reached
// through PgBouncer in transaction mode (prepared_statements=off, pool of
// PgBouncerServer::kPoolSize sessions per database).
enum class Backend { kSqlite, kPostgres, kCitus, kPgBouncer };

inline const char* ToString(Backend backend) {
  switch (backend) {
    case Backend::kSqlite:
      return "sqlite";
    case Backend::kPostgres:
      return "postgres";
    case Backend::kCitus:
      return "citus";
    case Backend::kPgBouncer:
      return "pgbouncer";
  }
  return "?";
}
// gtest prints the parameter in test names and messages.
inline void PrintTo(Backend backend, std::ostream* os) { *os << ToString(backend); }
inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return ToString(info.param);
}

// With TRADESTORE_TEST_SQLITE_FULL set (the ctest entry
// store.sqlite_full), the SQLite backend is a directory store on disk at
// synchronous=full, so that every conformance test also runs through group
// commit's shared transactions (docs/storage.md, "Group commit"). The
// directories go when the process exits.
inline std::string FullSqliteStoreUrl() {
  struct Root {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("tradestore-full-" + std::to_string(std::random_device{}()));
    int next = 0;
    ~Root() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static Root root;
  return "sqlite:" + (root.path / ("store-" + std::to_string(root.next++))).string() +
         "?synchronous=full";
}

// A URL of a fresh, empty store: a private in-memory SQLite store (or, see
// FullSqliteStoreUrl, one on disk), a new database on the test PostgreSQL
// server (directly or through the test PgBouncer), or a new distributed
// store on the test Citus cluster.
inline std::string FreshStoreUrl(Backend backend) {
  switch (backend) {
    case Backend::kSqlite:
      if (const char* full = std::getenv("TRADESTORE_TEST_SQLITE_FULL"); full && *full) {
        return FullSqliteStoreUrl();
      }
      return "sqlite::memory:";
    case Backend::kPostgres:
      return PgServer::Get().CreateDatabase();
    case Backend::kCitus:
      return FreshCitusStoreUrl();
    case Backend::kPgBouncer:
      return PgBouncerServer::Get().CreateDatabase();
  }
  return "";
}

// Instantiates a value-parameterized suite over SQLite and PostgreSQL.
#define TRADESTORE_ON_BOTH_BACKENDS(suite)                                               \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                              \
                           ::testing::Values(::tradestore::testing::Backend::kSqlite,    \
                                             ::tradestore::testing::Backend::kPostgres), \
                           ::tradestore::testing::BackendName)

// The same over SQLite, PostgreSQL, Citus and PostgreSQL through PgBouncer.
#define TRADESTORE_ON_ALL_BACKENDS(suite)                                                 \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                               \
                           ::testing::Values(::tradestore::testing::Backend::kSqlite,     \
                                             ::tradestore::testing::Backend::kPostgres,   \
                                             ::tradestore::testing::Backend::kCitus,      \
                                             ::tradestore::testing::Backend::kPgBouncer), \
                           ::tradestore::testing::BackendName)

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("tradestore-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A store with one instrument (BTCUSDC, 2 price and 5 size decimals), one
// bot and one account.
struct Seeded {
  explicit Seeded(const std::string& url) : store(Store::Open(url)) {
    Instrument in;
    in.venue = "test";
    in.symbol = "BTCUSDC";
    in.base_asset = "BTC";
    in.quote_asset = "USDC";
    in.price_precision = 2;
    in.size_precision = 5;
    instrument = store.instruments().Upsert(in);
    Bot b;
    b.name = "bot-a";
    b.mode = RunMode::kBacktest;
    bot = store.bots().Create(b);
    account = store.accounts().Create(bot.id, "main");
  }
  Store store;
  Instrument instrument;
  Bot bot;
  Account account;
};

}  // namespace tradestore::testing
