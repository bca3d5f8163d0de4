// Bots, accounts, balances and the ledger (signals: signal_repository.cc;
// portfolio snapshots: portfolio_repository.cc).
#include <string>

#include "store/ledger_internal.h"
#include "store/query_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindRange;
using detail::Database;
using detail::RangeSql;

namespace {

constexpr std::string_view kBotColumns = "id, name, version, strategy, mode, is_test, created_at";

Bot ReadBot(const sql::Statement& st) {
  Bot b;
  b.id = st.GetInt64(0);
  b.name = st.GetText(1);
  b.version = st.GetText(2);
  b.strategy = st.GetText(3);
  b.mode = ParseRunMode(st.GetText(4));
  b.is_test = st.GetBool(5);
  b.created_at = st.GetTimestamp(6);
  return b;
}

Account ReadAccount(const sql::Statement& st) {
  Account a;
  a.id = st.GetInt64(0);
  a.bot_id = st.GetInt64(1);
  a.name = st.GetText(2);
  a.created_at = st.GetTimestamp(3);
  return a;
}

constexpr std::string_view kLedgerColumns =
    "id, bot_id, account_id, time, type, currency, amount, balance_after, order_id, fill_id, "
    "trade_id, description";

LedgerEntry ReadLedgerEntry(const sql::Statement& st) {
  LedgerEntry e;
  e.id = st.GetInt64(0);
  e.bot_id = st.GetInt64(1);
  e.account_id = st.GetInt64(2);
  e.time = st.GetTimestamp(3);
  e.type = ParseLedgerEntryType(st.GetText(4));
  e.currency = st.GetText(5);
  e.amount = st.GetDecimal(6);
  e.balance_after = st.GetDecimal(7);
  e.order_id = st.GetOptionalInt64(8);
  e.fill_id = st.GetOptionalInt64(9);
  e.trade_id = st.GetOptionalInt64(10);
  e.description = st.GetText(11);
  return e;
}

}  // namespace

// ---- bots ------------------------------------------------------------------

Bot BotRepository::Create(const Bot& bot) {
  if (bot.name.empty()) throw InvalidArgument("bot: field 'name' is empty");
  if (FindByName(bot.name)) throw Conflict("bot '" + bot.name + "' already exists");
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "INSERT INTO trading.bots (name, version, strategy, mode, is_test, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
  Bot out = bot;
  if (out.created_at == Timestamp()) out.created_at = Timestamp::Now();
  st.Bind(1, out.name).Bind(2, out.version).Bind(3, out.strategy).Bind(4, ToString(out.mode));
  st.Bind(5, out.is_test).Bind(6, out.created_at);
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

Bot BotRepository::GetOrCreate(const Bot& bot) {
  if (auto found = FindByName(bot.name)) return *found;
  return Create(bot);
}

std::optional<Bot> BotRepository::FindByName(std::string_view name) {
  auto& st =
      impl_->connection(Database::kTrading)
          .Prepare("SELECT " + std::string(kBotColumns) + " FROM trading.bots WHERE name = ?");
  st.Bind(1, name);
  std::optional<Bot> out;
  if (st.Step()) out = ReadBot(st);
  st.Reset();
  return out;
}

Bot BotRepository::Get(BotId id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kBotColumns) + " FROM trading.bots WHERE id = ?");
  st.Bind(1, id);
  if (!st.Step()) throw NotFound("bot " + std::to_string(id) + " does not exist");
  Bot out = ReadBot(st);
  st.Reset();
  return out;
}

std::vector<Bot> BotRepository::List(bool include_test) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kBotColumns) +
                          " FROM trading.bots WHERE is_test = 0 OR ? ORDER BY name");
  st.Bind(1, include_test);
  std::vector<Bot> out;
  while (st.Step()) out.push_back(ReadBot(st));
  return out;
}

// ---- accounts and balances -------------------------------------------------

Account AccountRepository::Create(BotId bot, std::string_view name) {
  if (name.empty()) throw InvalidArgument("account: field 'name' is empty");
  impl_->bots.Get(bot);
  auto& c = impl_->connection(Database::kTrading);
  auto& st = c.Prepare(
      "INSERT INTO trading.accounts (bot_id, name, created_at) VALUES (?, ?, ?) "
      "ON CONFLICT (bot_id, name) DO NOTHING RETURNING id, bot_id, name, created_at");
  st.Bind(1, bot).Bind(2, name).Bind(3, Timestamp::Now());
  if (!st.Step()) {
    throw Conflict("account '" + std::string(name) + "' of bot " + std::to_string(bot) +
                   " already exists");
  }
  Account out = ReadAccount(st);
  st.Reset();
  return out;
}

Account AccountRepository::GetOrCreate(BotId bot, std::string_view name) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT id, bot_id, name, created_at FROM trading.accounts WHERE "
                     "bot_id = ? AND name = ?");
  st.Bind(1, bot).Bind(2, name);
  if (st.Step()) {
    Account out = ReadAccount(st);
    st.Reset();
    return out;
  }
  return Create(bot, name);
}

Account AccountRepository::Get(BotId bot, AccountId id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT id, bot_id, name, created_at FROM trading.accounts WHERE "
                     "bot_id = ? AND id = ?");
  st.Bind(1, bot).Bind(2, id);
  if (!st.Step()) {
    throw NotFound("account " + std::to_string(id) + " of bot " + std::to_string(bot) +
                   " does not exist");
  }
  Account out = ReadAccount(st);
  st.Reset();
  return out;
}

std::vector<Account> AccountRepository::List(BotId bot) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT id, bot_id, name, created_at FROM trading.accounts WHERE "
                     "bot_id = ? ORDER BY id");
  st.Bind(1, bot);
  std::vector<Account> out;
  while (st.Step()) out.push_back(ReadAccount(st));
  return out;
}

std::vector<Balance> AccountRepository::Balances(BotId bot, AccountId account) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT account_id, currency, amount, updated_at FROM trading.balances "
                     "WHERE bot_id = ? AND account_id = ? ORDER BY currency");
  st.Bind(1, bot).Bind(2, account);
  std::vector<tradestore::Balance> out;
  while (st.Step()) {
    out.push_back({st.GetInt64(0), st.GetText(1), st.GetDecimal(2), st.GetTimestamp(3)});
  }
  return out;
}

Decimal AccountRepository::BalanceOf(BotId bot, AccountId account, std::string_view currency) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT amount FROM trading.balances WHERE bot_id = ? AND "
                     "account_id = ? AND currency = ?");
  st.Bind(1, bot).Bind(2, account).Bind(3, currency);
  Decimal out;
  if (st.Step()) out = st.GetDecimal(0);
  st.Reset();
  return out;
}

// ---- ledger ----------------------------------------------------------------

namespace detail {

void ValidateLedgerEntry(const LedgerEntry& entry) {
  // The message's prefix is built only when there is something to report.
  auto fail = [&entry](std::string_view reason) {
    throw InvalidArgument("ledger entry (" + std::string(ToString(entry.type)) + " " +
                          entry.amount.ToString() + " " + entry.currency + ")" +
                          std::string(reason));
  };
  if (entry.currency.empty()) fail(": field 'currency' is empty");
  if (entry.amount.IsZero()) fail(": field 'amount' is zero");
  if (entry.type == LedgerEntryType::kDeposit && entry.amount.IsNegative()) {
    fail(": a deposit must be positive");
  }
  if (entry.type == LedgerEntryType::kWithdrawal && entry.amount.IsPositive()) {
    fail(": a withdrawal must be negative");
  }
}

LedgerEntry PostValidatedLedgerEntry(StoreImpl& impl, const LedgerEntry& entry) {
  auto& c = impl.connection(Database::kTrading);
  const Timestamp time = entry.time == Timestamp() ? Timestamp::Now() : entry.time;
  // The read of a read-modify-write: locked (the caller holds the account
  // lock, which also covers a balance row that does not exist yet).
  static const std::string kBalanceSql =
      "SELECT amount FROM trading.balances WHERE bot_id = ? AND account_id = ? AND currency = ?";
  auto& read = c.PrepareForUpdate(kBalanceSql);
  read.Bind(1, entry.bot_id).Bind(2, entry.account_id).Bind(3, entry.currency);
  Decimal balance = entry.amount;
  if (read.Step()) balance += read.GetDecimal(0);
  read.Reset();
  auto& upsert = c.Prepare(
      "INSERT INTO trading.balances (bot_id, account_id, currency, amount, updated_at) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (bot_id, account_id, currency) DO UPDATE SET "
      "amount = excluded.amount, updated_at = excluded.updated_at");
  upsert.Bind(1, entry.bot_id).Bind(2, entry.account_id).Bind(3, entry.currency);
  upsert.Bind(4, balance).Bind(5, time).Execute();
  auto& st = c.Prepare(
      "INSERT INTO trading.ledger_entries (bot_id, account_id, time, type, currency, amount, "
      "balance_after, order_id, fill_id, trade_id, description) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  st.Bind(1, entry.bot_id).Bind(2, entry.account_id).Bind(3, time).Bind(4, ToString(entry.type));
  st.Bind(5, entry.currency).Bind(6, entry.amount).Bind(7, balance).Bind(8, entry.order_id);
  st.Bind(9, entry.fill_id).Bind(10, entry.trade_id).Bind(11, entry.description);
  st.Step();
  LedgerEntry out = entry;
  out.id = st.GetInt64(0);
  out.time = time;
  out.balance_after = balance;
  st.Reset();
  return out;
}

void LockAccount(StoreImpl& impl, BotId bot, AccountId account) {
  auto& c = impl.connection(Database::kTrading);
  static const std::string kSql = "SELECT id FROM trading.accounts WHERE bot_id = ? AND id = ?";
  auto& st = c.PrepareForUpdate(kSql);
  st.Bind(1, bot).Bind(2, account);
  const bool found = st.Step();
  st.Reset();
  if (!found) {
    throw NotFound("account " + std::to_string(account) + " of bot " + std::to_string(bot) +
                   " does not exist");
  }
}

}  // namespace detail

LedgerEntry LedgerRepository::Post(const LedgerEntry& entry) {
  detail::ValidateLedgerEntry(entry);
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  detail::LockAccount(*impl_, entry.bot_id, entry.account_id);
  LedgerEntry out = detail::PostValidatedLedgerEntry(*impl_, entry);
  tx.Commit();
  return out;
}

std::vector<LedgerEntry> LedgerRepository::Entries(BotId bot, AccountId account,
                                                   std::string_view currency,
                                                   const TimeRange& range) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kLedgerColumns) +
                          " FROM trading.ledger_entries WHERE bot_id = ? AND account_id = ? AND "
                          "(? = '' OR currency = ?)" +
                          RangeSql("time", range) + " ORDER BY id");
  st.Bind(1, bot).Bind(2, account).Bind(3, currency).Bind(4, currency);
  BindRange(st, 5, range);
  std::vector<LedgerEntry> out;
  while (st.Step()) out.push_back(ReadLedgerEntry(st));
  return out;
}

Decimal LedgerRepository::SumEntries(BotId bot, AccountId account, std::string_view currency) {
  if (currency.empty()) throw InvalidArgument("SumEntries: field 'currency' is empty");
  // Text decimals are summed exactly here, not by SQL's floating-point SUM.
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT amount FROM trading.ledger_entries WHERE bot_id = ? AND "
                     "account_id = ? AND currency = ?");
  st.Bind(1, bot).Bind(2, account).Bind(3, currency);
  Decimal sum;
  while (st.Step()) sum += st.GetDecimal(0);
  return sum;
}

}  // namespace tradestore
