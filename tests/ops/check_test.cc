// tradestore check: a clean store passes; stores corrupted on purpose fail
// with findings that name the rows; repairs only where safe.
#include "tradestore/check.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ops/ops_test_util.h"
#include "sql/connection.h"
#include "store/store_impl.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using testing::Backend;
using testing::FreshUrl;
using testing::OpsTempDir;
using testing::SeedTrading;
using testing::TradingSeed;

const CheckOutcome& Outcome(const CheckReport& r, const std::string& name) {
  for (const CheckOutcome& c : r.checks) {
    if (c.name == name) return c;
  }
  static const CheckOutcome none;
  ADD_FAILURE() << "no check " << name;
  return none;
}

bool HasFinding(const CheckOutcome& c, const std::string& table, const std::string& row_part) {
  for (const CheckFinding& f : c.findings) {
    if (f.table == table && f.row.find(row_part) != std::string::npos) return true;
  }
  return false;
}

std::string Dump(const CheckReport& r) {
  std::string out;
  for (const CheckOutcome& c : r.checks) {
    out += c.name + ": " + c.status + "\n";
    for (const CheckFinding& f : c.findings)
      out += "  " + f.table + " [" + f.row + "] " + f.message + "\n";
  }
  return out;
}

void Exec(Store& s, detail::Database db, const std::string& sql) {
  detail::ImplOf(s).connection(db).ExecuteScript(sql);
}

class CheckTest : public ::testing::TestWithParam<Backend> {
 protected:
  OpsTempDir dir_;
  std::string url_ = FreshUrl(GetParam(), dir_, "store");
};

TEST_P(CheckTest, ACleanStorePassesEveryCheck) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
  }
  const CheckReport r = CheckStore(url_);
  EXPECT_TRUE(r.ok()) << Dump(r);
  EXPECT_EQ(Outcome(r, "ledger-double-entry").status, "passed") << Dump(r);
  EXPECT_EQ(Outcome(r, "stale-bots").status, "passed") << Dump(r);
  for (const CheckOutcome& c : r.checks) {
    EXPECT_TRUE(c.status == "passed" || c.status == "skipped" || c.name == "candle-gaps" ||
                c.name == "amcheck")
        << Dump(r);
  }
  // The gap is listed, as information.
  const CheckOutcome& gaps = Outcome(r, "candle-gaps");
  ASSERT_EQ(gaps.findings.size(), 1u) << Dump(r);
  EXPECT_EQ(gaps.findings[0].severity, FindingSeverity::kInfo);
  EXPECT_NE(gaps.findings[0].message.find("3 missing"), std::string::npos);
  const auto j = nlohmann::json::parse(CheckReportToJson(r));
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["checks"].size(), r.checks.size());
}

TEST_P(CheckTest, ADeletedFillIsReportedWithTheRowsInvolved) {
  std::int64_t order_id = 0;
  {
    Store s = Store::Open(url_);
    const auto seed = SeedTrading(s);
    const Fill& victim = seed.fills[2];  // the second round trip's buy
    order_id = victim.order_id;
    Exec(s, detail::Database::kTrading,
         "DELETE FROM trading.fills WHERE id = " + std::to_string(victim.id));
  }
  const CheckReport r = CheckStore(url_);
  EXPECT_FALSE(r.ok());
  const CheckOutcome& orders = Outcome(r, "order-fills");
  EXPECT_EQ(orders.status, "failed") << Dump(r);
  EXPECT_TRUE(HasFinding(orders, "trading.orders", "id=" + std::to_string(order_id))) << Dump(r);
  const CheckOutcome& positions = Outcome(r, "positions");
  EXPECT_EQ(positions.status, "failed") << Dump(r);
  EXPECT_TRUE(HasFinding(positions, "trading.positions", "instrument_id=")) << Dump(r);
  EXPECT_EQ(Outcome(r, "trades").status, "failed") << Dump(r);
  // Its fee entry in the ledger now points nowhere.
  EXPECT_TRUE(HasFinding(Outcome(r, "ledger-references"), "trading.ledger_entries", "id="))
      << Dump(r);
  // The balances still equal the ledger.
  EXPECT_EQ(Outcome(r, "balances").status, "passed") << Dump(r);
}

// The per-bot counters follow every insert and delete of fills and trades
// (triggers), and a counter that drifts is reported.
TEST_P(CheckTest, BotCountersFollowTheRowsAndDriftIsReported) {
  std::int64_t bot = 0;
  {
    Store s = Store::Open(url_);
    const auto seed = SeedTrading(s);
    bot = seed.fills[0].bot_id;
    sql::Connection& c = detail::ImplOf(s).connection(detail::Database::kTrading);
    const auto count = [&](const std::string& sql) {
      sql::Statement& st = c.Prepare(sql);
      st.Bind(1, bot);
      const std::int64_t n = st.Step() ? st.GetInt64(0) : -1;
      st.Reset();
      return n;
    };
    const std::int64_t fills = count("SELECT count(*) FROM trading.fills WHERE bot_id = ?");
    ASSERT_GT(fills, 0);
    EXPECT_EQ(count("SELECT fills FROM trading.bot_counters WHERE bot_id = ?"), fills);
    EXPECT_EQ(count("SELECT trades FROM trading.bot_counters WHERE bot_id = ?"),
              count("SELECT count(*) FROM trading.trades WHERE bot_id = ?"));
    c.ExecuteScript("DELETE FROM trading.fills WHERE id = " + std::to_string(seed.fills.back().id));
    EXPECT_EQ(count("SELECT fills FROM trading.bot_counters WHERE bot_id = ?"), fills - 1);
    EXPECT_EQ(Outcome(CheckStore(url_), "bot-counters").status, "passed");
    c.ExecuteScript("UPDATE trading.bot_counters SET fills = fills + 5 WHERE bot_id = " +
                    std::to_string(bot));
  }
  const CheckReport r = CheckStore(url_);
  const CheckOutcome& counters = Outcome(r, "bot-counters");
  EXPECT_EQ(counters.status, "failed") << Dump(r);
  EXPECT_TRUE(HasFinding(counters, "trading.bot_counters", "bot_id=" + std::to_string(bot)))
      << Dump(r);
}

TEST_P(CheckTest, OrphanFillsAndOrderEventsAreReported) {
  std::int64_t order_id = 0;
  std::int64_t fill_id = 0;
  {
    Store s = Store::Open(url_);
    const auto seed = SeedTrading(s);
    order_id = seed.fills[0].order_id;
    fill_id = seed.fills[0].id;
    const std::string del = "DELETE FROM trading.orders WHERE id = " + std::to_string(order_id);
    sql::Connection& c = detail::ImplOf(s).connection(detail::Database::kTrading);
    if (GetParam() == Backend::kSqlite) {
      c.ExecuteScript("PRAGMA foreign_keys = OFF; " + del + "; PRAGMA foreign_keys = ON;");
    } else {
      sql::Transaction tx(c);  // one session: foreign key triggers off for this delete only
      c.ExecuteScript("SET LOCAL session_replication_role = replica; " + del);
      tx.Commit();
    }
  }
  const CheckReport r = CheckStore(url_);
  EXPECT_FALSE(r.ok());
  const CheckOutcome& fills = Outcome(r, "orphan-fills");
  EXPECT_EQ(fills.status, "failed") << Dump(r);
  EXPECT_TRUE(HasFinding(fills, "trading.fills", "id=" + std::to_string(fill_id))) << Dump(r);
  EXPECT_NE(fills.findings[0].message.find("order " + std::to_string(order_id)), std::string::npos);
  EXPECT_EQ(Outcome(r, "orphan-order-events").status, "failed") << Dump(r);
  // SQLite foreign_key_check; PostgreSQL re-verifies each foreign key.
  const CheckOutcome& fk = Outcome(r, "constraints");
  EXPECT_EQ(fk.status, "failed") << Dump(r);
  bool names_fills = false;
  for (const CheckFinding& f : fk.findings) {
    names_fills = names_fills || f.message.find("fills") != std::string::npos;
  }
  EXPECT_TRUE(names_fills) << Dump(r);
}

TEST_P(CheckTest, AnEditedBalanceIsReportedAndRepairedFromAnIntactLedger) {
  std::string account_row;
  {
    Store s = Store::Open(url_);
    const TradingSeed seed = SeedTrading(s);
    account_row = "bot_id=" + std::to_string(seed.bot.id) +
                  ", account_id=" + std::to_string(seed.account.id) + ", currency=USDC";
    // The bot's own account only: its system accounts (system:external,
    // system:fees, system:pnl) hold USDC balances too, and stay intact.
    Exec(s, detail::Database::kTrading,
         "UPDATE trading.balances SET amount = " +
             std::string(GetParam() == Backend::kSqlite ? "'123.45'" : "123.45") +
             " WHERE currency = 'USDC' AND account_id = " + std::to_string(seed.account.id));
  }
  const CheckReport r = CheckStore(url_);
  EXPECT_FALSE(r.ok());
  const CheckOutcome& b = Outcome(r, "balances");
  ASSERT_EQ(b.status, "failed") << Dump(r);
  ASSERT_EQ(b.findings.size(), 1u) << Dump(r);
  EXPECT_EQ(b.findings[0].table, "trading.balances");
  EXPECT_EQ(b.findings[0].row, account_row);
  EXPECT_NE(b.findings[0].message.find("123.45"), std::string::npos) << b.findings[0].message;

  CheckOptions repair;
  repair.repair = true;
  const CheckReport fixed = CheckStore(url_, repair);
  EXPECT_TRUE(fixed.ok()) << Dump(fixed);
  ASSERT_EQ(Outcome(fixed, "balances").repairs.size(), 1u);
  EXPECT_NE(Outcome(fixed, "balances").repairs[0].action.find("123.45 -> "), std::string::npos);
  EXPECT_TRUE(CheckStore(url_).ok());
  Store s = Store::Open(url_);
  const Bot bot = *s.bots().FindByName("ops-bot");
  const Account acc = s.accounts().List(bot.id).front();
  EXPECT_EQ(s.accounts().BalanceOf(bot.id, acc.id, "USDC"),
            s.ledger().SumEntries(bot.id, acc.id, "USDC"));
}

TEST_P(CheckTest, ABalanceIsNotRepairedFromABrokenLedger) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
    Exec(s, detail::Database::kTrading,
         "UPDATE trading.ledger_entries SET amount = " +
             std::string(GetParam() == Backend::kSqlite ? "'9000'" : "9000") +
             " WHERE type = 'deposit'");
  }
  CheckOptions repair;
  repair.repair = true;
  const CheckReport r = CheckStore(url_, repair);
  EXPECT_FALSE(r.ok());
  const CheckOutcome& b = Outcome(r, "balances");
  EXPECT_EQ(b.status, "failed") << Dump(r);
  EXPECT_TRUE(b.repairs.empty());
  ASSERT_FALSE(b.findings.empty());
  EXPECT_NE(b.findings[0].message.find("not repaired"), std::string::npos);
  EXPECT_TRUE(HasFinding(Outcome(r, "ledger-running-balance"), "trading.ledger_entries", "id="))
      << Dump(r);
  EXPECT_FALSE(CheckStore(url_).ok());  // still broken: nothing was changed
}

TEST_P(CheckTest, AnUnbalancedJournalIsReportedWithItsLegs) {
  std::int64_t journal = 0;
  std::int64_t edited_leg = 0;
  {
    Store s = Store::Open(url_);
    const TradingSeed seed = SeedTrading(s);
    LedgerFilter deposits;
    deposits.bot = seed.bot.id;
    deposits.type = LedgerEntryType::kDeposit;
    deposits.include_system = true;
    const std::vector<LedgerEntry> legs = s.ledger().Query(deposits);
    ASSERT_EQ(legs.size(), 2u);  // the bot account's +10000, system:external's -10000
    ASSERT_EQ(legs[0].journal_id, legs[1].journal_id);
    journal = legs[0].journal_id;
    const LedgerEntry& system_leg = legs[0].account_id == seed.account.id ? legs[1] : legs[0];
    edited_leg = system_leg.id;
    // One leg edited behind the store's back (balance_after too, so only the
    // journal, not the running balance, gives it away).
    const std::string v = GetParam() == Backend::kSqlite ? "'-9000'" : "-9000";
    Exec(s, detail::Database::kTrading,
         "UPDATE trading.ledger_entries SET amount = " + v + ", balance_after = " + v +
             " WHERE id = " + std::to_string(edited_leg));
  }
  const CheckReport r = CheckStore(url_);
  EXPECT_FALSE(r.ok());
  const CheckOutcome& j = Outcome(r, "ledger-double-entry");
  ASSERT_EQ(j.status, "failed") << Dump(r);
  ASSERT_EQ(j.findings.size(), 1u) << Dump(r);
  EXPECT_EQ(j.findings[0].severity, FindingSeverity::kError);
  EXPECT_EQ(j.findings[0].table, "trading.ledger_entries");
  EXPECT_NE(j.findings[0].row.find("journal_id=" + std::to_string(journal)), std::string::npos)
      << j.findings[0].row;
  EXPECT_NE(j.findings[0].row.find("currency=USDC"), std::string::npos) << j.findings[0].row;
  // The sum and both legs, by id.
  EXPECT_NE(j.findings[0].message.find("sum to 1000 USDC"), std::string::npos)
      << j.findings[0].message;
  EXPECT_NE(j.findings[0].message.find("id=" + std::to_string(edited_leg) + " deposit -9000"),
            std::string::npos)
      << j.findings[0].message;
  EXPECT_NE(j.findings[0].message.find("on system account"), std::string::npos);
  // The system account's balance no longer equals its entries either.
  EXPECT_EQ(Outcome(r, "balances").status, "failed") << Dump(r);
  // Only that check is asked for: it alone runs, and still fails.
  CheckOptions only;
  only.only = {"ledger-double-entry"};
  const CheckReport alone = CheckStore(url_, only);
  EXPECT_FALSE(alone.ok());
  EXPECT_EQ(alone.checks.back().name, "ledger-double-entry");
}

TEST_P(CheckTest, ALegacySingleLegJournalIsInformation) {
  {
    Store s = Store::Open(url_);
    const TradingSeed seed = SeedTrading(s);
    // What migration trading/0002 left of a pre-double-entry deposit: one
    // leg, journal_id = id (its balancing leg and the system balance gone).
    Exec(s, detail::Database::kTrading,
         "DELETE FROM trading.ledger_entries WHERE type = 'deposit' AND account_id <> " +
             std::to_string(seed.account.id));
  }
  const CheckReport r = CheckStore(url_);
  const CheckOutcome& j = Outcome(r, "ledger-double-entry");
  EXPECT_EQ(j.status, "passed") << Dump(r);
  ASSERT_EQ(j.findings.size(), 1u) << Dump(r);
  EXPECT_EQ(j.findings[0].severity, FindingSeverity::kInfo);
  EXPECT_NE(j.findings[0].message.find("single-leg"), std::string::npos);
  // A deleted balancing leg is still caught by the balances check.
  EXPECT_EQ(Outcome(r, "balances").status, "failed") << Dump(r);
}

TEST_P(CheckTest, StaleBotsAreAWarningNamingThem) {
  const Timestamp now = Timestamp::Now();
  BotId silent = 0;
  BotId quiet = 0;
  {
    Store s = Store::Open(url_);
    SeedTrading(s);  // ops-bot: heartbeat now
    auto bot = [&](const char* name, RunMode mode, bool is_test = false) {
      Bot b;
      b.name = name;
      b.mode = mode;
      b.is_test = is_test;
      b.created_at = now - 3 * kMicrosPerHour;
      return s.bots().Create(b).id;
    };
    silent = bot("never-reported", RunMode::kLive);
    quiet = bot("quiet-for-2h", RunMode::kPaper);
    s.bots().Heartbeat(quiet, now - 2 * kMicrosPerHour, "running", "last words");
    const BotId fresh = bot("fresh", RunMode::kLive);
    s.bots().Heartbeat(fresh, now - kMicrosPerMinute, "running");
    bot("a-backtest", RunMode::kBacktest);  // simulated time: never heartbeats
    const BotId stopped = bot("stopped", RunMode::kLive);
    s.bots().SetStatus(stopped, BotStatus::kStopped, now - 2 * kMicrosPerHour);
    bot("TEST-silent", RunMode::kPaper, /*is_test=*/true);  // test data
  }
  const CheckReport r = CheckStore(url_);
  EXPECT_TRUE(r.ok()) << Dump(r);  // a warning does not fail the check
  const CheckOutcome& c = Outcome(r, "stale-bots");
  EXPECT_EQ(c.status, "warning") << Dump(r);
  ASSERT_EQ(c.findings.size(), 2u) << Dump(r);
  // Never reported first, then the oldest heartbeat.
  EXPECT_EQ(c.findings[0].table, "trading.bots");
  EXPECT_EQ(c.findings[0].row, "id=" + std::to_string(silent) + ", name=never-reported");
  EXPECT_EQ(c.findings[0].severity, FindingSeverity::kWarning);
  EXPECT_NE(c.findings[0].message.find("never sent a heartbeat"), std::string::npos);
  EXPECT_EQ(c.findings[1].row, "id=" + std::to_string(quiet) + ", name=quiet-for-2h");
  EXPECT_NE(c.findings[1].message.find("more than --stale-after 900 s"), std::string::npos)
      << c.findings[1].message;
  EXPECT_NE(c.note.find("1 active backtest bot not checked"), std::string::npos) << c.note;

  // A longer threshold keeps the bot quiet for 2 hours.
  CheckOptions lenient;
  lenient.stale_after = 3 * kMicrosPerHour;
  const CheckReport lenient_report = CheckStore(url_, lenient);
  const CheckOutcome& l = Outcome(lenient_report, "stale-bots");
  ASSERT_EQ(l.findings.size(), 1u);
  EXPECT_EQ(l.findings[0].row, "id=" + std::to_string(silent) + ", name=never-reported");

  CheckOptions negative;
  negative.stale_after = -1;
  EXPECT_THROW(CheckStore(url_, negative), Error);
}

TEST(CheckDuration, ParsesUnitsAndRefusesTheRest) {
  EXPECT_EQ(ParseCheckDuration("90s"), 90 * kMicrosPerSecond);
  EXPECT_EQ(ParseCheckDuration("15m"), 15 * kMicrosPerMinute);
  EXPECT_EQ(ParseCheckDuration("2h"), 2 * kMicrosPerHour);
  EXPECT_EQ(ParseCheckDuration("1d"), kMicrosPerDay);
  for (const char* bad : {"", "m", "15", "0m", "-5m", "1.5h", "15 m", "15min", "99999999999999d"}) {
    try {
      ParseCheckDuration(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST_P(CheckTest, ADuplicatedCandleIsReported) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
    if (GetParam() == Backend::kSqlite) {
      // The key is the table's clustered primary key: rebuild the table
      // without it, as a damaged or hand-edited file could be.
      Exec(s, detail::Database::kMarket,
           "PRAGMA foreign_keys = OFF;"
           "CREATE TABLE candles_copy AS SELECT * FROM candles;"
           "DROP TABLE candles;"
           "ALTER TABLE candles_copy RENAME TO candles;");
    } else {
      Exec(s, detail::Database::kMarket, "ALTER TABLE market.candles DROP CONSTRAINT candles_pkey");
    }
    Exec(s, detail::Database::kMarket,
         "INSERT INTO market.candles SELECT * FROM market.candles WHERE open_time = (SELECT "
         "min(open_time) FROM market.candles)");
  }
  const CheckReport r = CheckStore(url_);
  EXPECT_FALSE(r.ok());
  const CheckOutcome& d = Outcome(r, "duplicate-candles");
  ASSERT_EQ(d.status, "failed") << Dump(r);
  EXPECT_TRUE(HasFinding(d, "market.candles", "open_time=2023-03-01T00:00:00")) << Dump(r);
  EXPECT_NE(d.findings[0].message.find("2 candles"), std::string::npos);
}

TEST_P(CheckTest, StaleCoverageIsAWarningAndRebuiltByRepair) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
    Exec(s, detail::Database::kMarket, "UPDATE market.candle_coverage SET count = 7");
  }
  const CheckReport r = CheckStore(url_);
  EXPECT_TRUE(r.ok()) << Dump(r);
  EXPECT_EQ(Outcome(r, "candle-coverage").status, "warning");
  CheckOptions repair;
  repair.repair = true;
  const CheckReport fixed = CheckStore(url_, repair);
  EXPECT_EQ(Outcome(fixed, "candle-coverage").repairs.size(), 1u);
  EXPECT_EQ(Outcome(CheckStore(url_), "candle-coverage").status, "passed");
}

TEST_P(CheckTest, UnknownCheckNamesAreRefused) {
  CheckOptions o;
  o.only = {"no-such-check"};
  EXPECT_THROW(CheckStore(url_, o), Error);
  o.only = {"balances"};
  { Store s = Store::Open(url_); }
  const CheckReport r = CheckStore(url_, o);
  EXPECT_EQ(r.checks.size(), 2u);  // open + balances
}

TRADESTORE_OPS_ON_BOTH_BACKENDS(CheckTest);

// ---- File-level corruption (SQLite only) ----------------------------------

class CorruptFile : public ::testing::Test {
 protected:
  void SetUp() override {
    Store s = Store::Open(url_);
    SeedTrading(s, 40);
  }  // closed: the WAL is checkpointed into the files
  OpsTempDir dir_;
  std::string url_ = "sqlite:" + dir_.Sub("store");
  std::string file(const char* name) const { return dir_.Sub("store") + "/" + name; }
};

TEST_F(CorruptFile, ATruncatedFileFailsTheCheck) {
  const std::string path = file("trading.db");
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  const CheckReport r = CheckStore(url_);
  EXPECT_FALSE(r.ok());
  const CheckOutcome& integrity = Outcome(r, "integrity");
  EXPECT_EQ(integrity.status, "failed") << Dump(r);
  EXPECT_TRUE(HasFinding(integrity, "trading", "trading.db")) << Dump(r);
}

TEST_F(CorruptFile, APageOfGarbageFailsTheCheck) {
  const std::string path = file("trading.db");
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 4096u * 6);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 2 * 4096));  // a data page near the end
    std::string garbage(4096, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i)
      garbage[i] = static_cast<char>((i * 131 + 7) % 251);
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const CheckReport r = CheckStore(url_);
  EXPECT_FALSE(r.ok()) << Dump(r);
  EXPECT_EQ(Outcome(r, "integrity").status, "failed") << Dump(r);
}

TEST_F(CorruptFile, TheCliExitsNonZeroOnACorruptStoreAndZeroOnACleanOne) {
  const std::string cli = TRADESTORE_CLI;
  EXPECT_EQ(WEXITSTATUS(std::system((cli + " check --store " + url_ + " > /dev/null").c_str())), 0);
  std::filesystem::resize_file(file("market.db"), 4096 * 2);
  EXPECT_EQ(WEXITSTATUS(std::system(
                (cli + " check --json --store " + url_ + " > " + dir_.Sub("out.json")).c_str())),
            1);
  std::ifstream in(dir_.Sub("out.json"));
  const auto j = nlohmann::json::parse(in);
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(WEXITSTATUS(std::system(
                (cli + " check --store sqlite:" + dir_.Sub("missing") + " 2> /dev/null").c_str())),
            3);
}

}  // namespace
}  // namespace tradestore
