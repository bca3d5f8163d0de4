// Bots, accounts, balances and the ledger (signals: signal_repository.cc;
// portfolio snapshots: portfolio_repository.cc).
#include <algorithm>
#include <functional>
#include <string>

#include "store/domain_queries.h"
#include "store/ledger_internal.h"
#include "store/query_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/fill_accounting.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindRange;
using detail::BoundQuery;
using detail::Database;
using detail::RangeSql;

namespace {

constexpr std::string_view kBotColumns =
    "id, name, version, strategy, mode, is_test, created_at, status, equity, equity_currency, "
    "max_position, max_daily_loss, last_heartbeat_at, runtime_state, runtime_message, updated_at";

Bot ReadBot(const sql::Statement& st) {
  Bot b;
  b.id = st.GetInt64(0);
  b.name = st.GetText(1);
  b.version = st.GetText(2);
  b.strategy = st.GetText(3);
  b.mode = ParseRunMode(st.GetText(4));
  b.is_test = st.GetBool(5);
  b.created_at = st.GetTimestamp(6);
  b.status = ParseBotStatus(st.GetText(7));
  b.equity = st.GetOptionalDecimal(8);
  b.equity_currency = st.GetText(9);
  b.max_position = st.GetOptionalDecimal(10);
  b.max_daily_loss = st.GetOptionalDecimal(11);
  if (!st.IsNull(12)) b.last_heartbeat_at = st.GetTimestamp(12);
  b.runtime_state = st.GetText(13);
  b.runtime_message = st.GetText(14);
  if (!st.IsNull(15)) b.updated_at = st.GetTimestamp(15);
  return b;
}

constexpr std::string_view kAccountColumns = "id, bot_id, name, created_at, kind, mode, is_test";

Account ReadAccount(const sql::Statement& st) {
  Account a;
  a.id = st.GetInt64(0);
  a.bot_id = st.GetInt64(1);
  a.name = st.GetText(2);
  a.created_at = st.GetTimestamp(3);
  a.kind = ParseAccountKind(st.GetText(4));
  a.mode = ParseRunMode(st.GetText(5));
  a.is_test = st.GetBool(6);
  return a;
}

constexpr std::string_view kLedgerColumns =
    "id, bot_id, account_id, time, type, currency, amount, balance_after, order_id, fill_id, "
    "trade_id, description, journal_id, mode, is_test";

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
  e.journal_id = st.GetInt64(12);
  e.mode = ParseRunMode(st.GetText(13));
  e.is_test = st.GetBool(14);
  return e;
}

}  // namespace

// ---- bots ------------------------------------------------------------------

Bot BotRepository::Create(const Bot& bot) {
  if (bot.name.empty()) throw InvalidArgument("bot: field 'name' is empty");
  for (const auto& [field, value] :
       {std::pair{"max_position", bot.max_position}, {"max_daily_loss", bot.max_daily_loss}}) {
    if (value && !value->IsPositive()) {
      throw InvalidArgument("bot '" + bot.name + "': field '" + field + "' value '" +
                            value->ToString() + "' must be positive");
    }
  }
  if (FindByName(bot.name)) throw Conflict("bot '" + bot.name + "' already exists");
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "INSERT INTO trading.bots (name, version, strategy, mode, is_test, "
                     "created_at, status, equity, equity_currency, max_position, max_daily_loss, "
                     "last_heartbeat_at, runtime_state, runtime_message, updated_at) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  Bot out = bot;
  if (out.created_at == Timestamp()) out.created_at = Timestamp::Now();
  if (!out.updated_at) out.updated_at = out.created_at;
  st.Bind(1, out.name).Bind(2, out.version).Bind(3, out.strategy).Bind(4, ToString(out.mode));
  st.Bind(5, out.is_test).Bind(6, out.created_at).Bind(7, ToString(out.status));
  st.Bind(8, out.equity).Bind(9, out.equity_currency).Bind(10, out.max_position);
  st.Bind(11, out.max_daily_loss).Bind(12, out.last_heartbeat_at).Bind(13, out.runtime_state);
  st.Bind(14, out.runtime_message).Bind(15, out.updated_at);
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

Bot BotRepository::Update(const Bot& bot, Timestamp time) {
  for (const auto& [field, value] :
       {std::pair{"max_position", bot.max_position}, {"max_daily_loss", bot.max_daily_loss}}) {
    if (value && !value->IsPositive()) {
      throw InvalidArgument("bot " + std::to_string(bot.id) + ": field '" + field + "' value '" +
                            value->ToString() + "' must be positive");
    }
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Bot b = Get(bot.id);
  b.version = bot.version;
  b.strategy = bot.strategy;
  b.mode = bot.mode;
  b.equity = bot.equity;
  b.equity_currency = bot.equity_currency;
  b.max_position = bot.max_position;
  b.max_daily_loss = bot.max_daily_loss;
  b.updated_at = time;
  c.Prepare(
       "UPDATE trading.bots SET version = ?, strategy = ?, mode = ?, equity = ?, "
       "equity_currency = ?, max_position = ?, max_daily_loss = ?, updated_at = ? WHERE id = ?")
      .Bind(1, b.version)
      .Bind(2, b.strategy)
      .Bind(3, ToString(b.mode))
      .Bind(4, b.equity)
      .Bind(5, b.equity_currency)
      .Bind(6, b.max_position)
      .Bind(7, b.max_daily_loss)
      .Bind(8, time)
      .Bind(9, b.id)
      .Execute();
  tx.Commit();
  return b;
}

Bot BotRepository::Heartbeat(BotId id, Timestamp time, std::string_view state,
                             std::string_view message, std::optional<Decimal> equity) {
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Bot b = Get(id);
  if (b.status == BotStatus::kRetired) {
    throw Conflict("bot " + std::to_string(id) + " ('" + b.name +
                   "') is retired and cannot send heartbeats");
  }
  b.last_heartbeat_at = time;
  b.runtime_state = std::string(state);
  b.runtime_message = std::string(message);
  if (equity) b.equity = equity;
  b.updated_at = time;
  c.Prepare(
       "UPDATE trading.bots SET last_heartbeat_at = ?, runtime_state = ?, runtime_message = ?, "
       "equity = ?, updated_at = ? WHERE id = ?")
      .Bind(1, time)
      .Bind(2, b.runtime_state)
      .Bind(3, b.runtime_message)
      .Bind(4, b.equity)
      .Bind(5, time)
      .Bind(6, id)
      .Execute();
  tx.Commit();
  return b;
}

Bot BotRepository::SetStatus(BotId id, BotStatus status, Timestamp time, std::string_view message) {
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Bot b = Get(id);
  if (b.status == BotStatus::kRetired && status != BotStatus::kRetired) {
    throw Conflict("bot " + std::to_string(id) + " ('" + b.name +
                   "') is retired and cannot become " + std::string(ToString(status)));
  }
  b.status = status;
  b.runtime_message = std::string(message);
  b.updated_at = time;
  c.Prepare("UPDATE trading.bots SET status = ?, runtime_message = ?, updated_at = ? WHERE id = ?")
      .Bind(1, ToString(status))
      .Bind(2, b.runtime_message)
      .Bind(3, time)
      .Bind(4, id)
      .Execute();
  tx.Commit();
  return b;
}

std::vector<Bot> BotRepository::ListStale(Timestamp now, Micros max_age, bool include_test) {
  if (max_age < 0) {
    throw InvalidArgument("ListStale: field 'max_age' value " + std::to_string(max_age) +
                          " µs is negative");
  }
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kBotColumns) +
                          " FROM trading.bots WHERE status = 'active' AND (last_heartbeat_at IS "
                          "NULL OR last_heartbeat_at < ?) AND (is_test = 0 OR ?) ORDER BY "
                          "last_heartbeat_at IS NOT NULL, last_heartbeat_at, id");
  st.Bind(1, now - max_age).Bind(2, include_test);
  std::vector<Bot> out;
  while (st.Step()) out.push_back(ReadBot(st));
  return out;
}

// ---- accounts and balances -------------------------------------------------

Account AccountRepository::Create(BotId bot, std::string_view name) {
  if (name.empty()) throw InvalidArgument("account: field 'name' is empty");
  if (name.starts_with(detail::kSystemAccountPrefix)) {
    throw InvalidArgument("account: field 'name' value '" + std::string(name) +
                          "' is reserved for system accounts");
  }
  impl_->bots.Get(bot);
  auto& c = impl_->connection(Database::kTrading);
  static const std::string kSql =
      "INSERT INTO trading.accounts (bot_id, name, created_at, kind, mode, is_test) "
      "SELECT id, ?, ?, 'bot', mode, is_test FROM trading.bots WHERE id = ? "
      "ON CONFLICT (bot_id, name) DO NOTHING RETURNING " +
      std::string(kAccountColumns);
  auto& st = c.Prepare(kSql);
  st.Bind(1, name).Bind(2, Timestamp::Now()).Bind(3, bot);
  if (!st.Step()) {
    throw Conflict("account '" + std::string(name) + "' of bot " + std::to_string(bot) +
                   " already exists");
  }
  Account out = ReadAccount(st);
  st.Reset();
  return out;
}

Account AccountRepository::GetOrCreate(BotId bot, std::string_view name) {
  static const std::string kSql = "SELECT " + std::string(kAccountColumns) +
                                  " FROM trading.accounts WHERE bot_id = ? AND name = ?";
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  st.Bind(1, bot).Bind(2, name);
  if (st.Step()) {
    Account out = ReadAccount(st);
    st.Reset();
    return out;
  }
  return Create(bot, name);
}

Account AccountRepository::Get(BotId bot, AccountId id) {
  static const std::string kSql = "SELECT " + std::string(kAccountColumns) +
                                  " FROM trading.accounts WHERE bot_id = ? AND id = ?";
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  st.Bind(1, bot).Bind(2, id);
  if (!st.Step()) {
    throw NotFound("account " + std::to_string(id) + " of bot " + std::to_string(bot) +
                   " does not exist");
  }
  Account out = ReadAccount(st);
  st.Reset();
  return out;
}

std::vector<Account> AccountRepository::List(BotId bot, bool include_system) {
  static const std::string kSql =
      "SELECT " + std::string(kAccountColumns) +
      " FROM trading.accounts WHERE bot_id = ? AND (kind = 'bot' OR ?) ORDER BY id";
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  st.Bind(1, bot).Bind(2, include_system);
  std::vector<Account> out;
  while (st.Step()) out.push_back(ReadAccount(st));
  return out;
}

std::vector<Balance> AccountRepository::Balances(BotId bot, AccountId account) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT account_id, currency, amount, updated_at, locked FROM "
                     "trading.balances WHERE bot_id = ? AND account_id = ? ORDER BY currency");
  st.Bind(1, bot).Bind(2, account);
  std::vector<tradestore::Balance> out;
  while (st.Step()) {
    tradestore::Balance b;
    b.account_id = st.GetInt64(0);
    b.currency = st.GetText(1);
    b.amount = st.GetDecimal(2);
    b.updated_at = st.GetTimestamp(3);
    b.locked = st.GetDecimal(4);
    out.push_back(std::move(b));
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
  if (entry.type == LedgerEntryType::kTransfer) {
    fail(": field 'type' value 'transfer' is posted by LedgerRepository::Transfer");
  }
}

// Inserts one leg and updates its account's balance. journal_id 0 = this
// leg starts a journal (its id becomes the journal id). The caller holds the
// account's lock.
namespace {

// The balance of the account after `entry`: the read of a read-modify-write,
// locked (the caller holds the account lock, which also covers a balance
// row that does not exist yet).
Decimal BalanceAfter(sql::Connection& c, const LedgerEntry& entry) {
  static const std::string kBalanceSql =
      "SELECT amount FROM trading.balances WHERE bot_id = ? AND account_id = ? AND currency = ?";
  auto& read = c.PrepareForUpdate(kBalanceSql);
  read.Bind(1, entry.bot_id).Bind(2, entry.account_id).Bind(3, entry.currency);
  Decimal balance = entry.amount;
  if (read.Step()) balance += read.GetDecimal(0);
  read.Reset();
  return balance;
}

}  // namespace

void WriteBalance(sql::Connection& c, const LedgerEntry& entry, const Decimal& balance,
                  Timestamp time) {
  auto& upsert = c.Prepare(
      "INSERT INTO trading.balances (bot_id, account_id, currency, amount, updated_at, locked, "
      "mode, is_test) SELECT id, ?, ?, ?, ?, '0', mode, is_test FROM trading.bots WHERE id = ? "
      "ON CONFLICT (bot_id, account_id, currency) DO UPDATE SET "
      "amount = excluded.amount, updated_at = excluded.updated_at");
  upsert.Bind(1, entry.account_id).Bind(2, entry.currency).Bind(3, balance).Bind(4, time);
  upsert.Bind(5, entry.bot_id).Execute();
}

LedgerEntry InsertLeg(StoreImpl& impl, const LedgerEntry& entry, std::int64_t journal_id) {
  auto& c = impl.connection(Database::kTrading);
  const Timestamp time = entry.time == Timestamp() ? Timestamp::Now() : entry.time;
  const Decimal balance = BalanceAfter(c, entry);
  WriteBalance(c, entry, balance, time);
  // The first leg of a journal takes its own id as the journal id: the id
  // is drawn before the insert (the next rowid under SQLite's serialized
  // writers, the identity sequence on PostgreSQL) so that no UPDATE follows.
  static const std::string kColumns =
      "INSERT INTO trading.ledger_entries (id, bot_id, account_id, time, type, currency, amount, "
      "balance_after, order_id, fill_id, trade_id, description, journal_id, mode, is_test) ";
  static const std::string kFirstLegSqlite =
      kColumns +
      "SELECT n.m, b.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, n.m, b.mode, b.is_test FROM trading.bots "
      "b, (SELECT COALESCE(MAX(id), 0) + 1 AS m FROM trading.ledger_entries) n WHERE b.id = ? "
      "RETURNING id, journal_id, mode, is_test";
  static const std::string kFirstLegPostgres =
      kColumns +
      "SELECT n.m, b.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, n.m, b.mode, b.is_test FROM trading.bots "
      "b, (SELECT nextval(pg_get_serial_sequence('trading.ledger_entries', 'id')) AS m) n "
      "WHERE b.id = ? RETURNING id, journal_id, mode, is_test";
  static const std::string kNextLeg =
      "INSERT INTO trading.ledger_entries (bot_id, account_id, time, type, currency, amount, "
      "balance_after, order_id, fill_id, trade_id, description, journal_id, mode, is_test) "
      "SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, mode, is_test FROM trading.bots WHERE id = ? "
      "RETURNING id, journal_id, mode, is_test";
  const bool first = journal_id == 0;
  auto& st = c.Prepare(!first                                      ? kNextLeg
                       : impl.dialect() == sql::Dialect::kPostgres ? kFirstLegPostgres
                                                                   : kFirstLegSqlite);
  st.Bind(1, entry.account_id).Bind(2, time).Bind(3, ToString(entry.type));
  st.Bind(4, entry.currency).Bind(5, entry.amount).Bind(6, balance).Bind(7, entry.order_id);
  st.Bind(8, entry.fill_id).Bind(9, entry.trade_id).Bind(10, entry.description);
  if (first) {
    st.Bind(11, entry.bot_id);
  } else {
    st.Bind(11, journal_id).Bind(12, entry.bot_id);
  }
  if (!st.Step()) {
    st.Reset();
    throw NotFound("bot " + std::to_string(entry.bot_id) + " does not exist");
  }
  LedgerEntry out = entry;
  out.id = st.GetInt64(0);
  out.journal_id = st.GetInt64(1);
  out.mode = ParseRunMode(st.GetText(2));
  out.is_test = st.GetBool(3);
  out.time = time;
  out.balance_after = balance;
  st.Reset();
  return out;
}

namespace {

// The id of the bot's system account `name`, created on first use. Throws
// Error(kNotFound) for an unknown bot.
AccountId FindOrCreateSystemAccount(StoreImpl& impl, BotId bot, std::string_view name) {
  auto& c = impl.connection(Database::kTrading);
  static const std::string kFind =
      "SELECT id FROM trading.accounts WHERE bot_id = ? AND name = ? AND kind = 'system'";
  auto& find = c.Prepare(kFind);
  find.Bind(1, bot).Bind(2, name);
  if (find.Step()) {
    const AccountId id = find.GetInt64(0);
    find.Reset();
    return id;
  }
  find.Reset();
  // Two writers may create it at once (PostgreSQL): the second inserts
  // nothing and reads the first's.
  auto& ins = c.Prepare(
      "INSERT INTO trading.accounts (bot_id, name, created_at, kind, mode, is_test) "
      "SELECT id, ?, ?, 'system', mode, is_test FROM trading.bots WHERE id = ? "
      "ON CONFLICT (bot_id, name) DO NOTHING");
  ins.Bind(1, name).Bind(2, Timestamp::Now()).Bind(3, bot).Execute();
  auto& again = c.Prepare(kFind);
  again.Bind(1, bot).Bind(2, name);
  if (!again.Step()) {
    again.Reset();
    throw NotFound("bot " + std::to_string(bot) + " does not exist");
  }
  const AccountId id = again.GetInt64(0);
  again.Reset();
  return id;
}

// The balancing leg on a system account whose id came from the cache
// (StoreImpl::system_account_ids): the INSERT selects the account row by
// bot, id, name and kind, so it inserts nothing when the cached id is stale
// (the unit of work that created the account rolled back, or the database
// was restored); the balance is written only after the leg went in.
// Returns false, having written nothing, for a stale id.
bool InsertCachedSystemLeg(StoreImpl& impl, const LedgerEntry& leg, std::string_view name,
                           std::int64_t journal_id) {
  auto& c = impl.connection(Database::kTrading);
  const Timestamp time = leg.time == Timestamp() ? Timestamp::Now() : leg.time;
  const Decimal balance = BalanceAfter(c, leg);
  auto& st = c.Prepare(
      "INSERT INTO trading.ledger_entries (bot_id, account_id, time, type, currency, amount, "
      "balance_after, order_id, fill_id, trade_id, description, journal_id, mode, is_test) "
      "SELECT a.bot_id, a.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, b.mode, b.is_test FROM "
      "trading.accounts a JOIN trading.bots b ON b.id = a.bot_id WHERE a.bot_id = ? AND a.id = ? "
      "AND a.name = ? AND a.kind = 'system'");
  st.Bind(1, time).Bind(2, ToString(leg.type)).Bind(3, leg.currency).Bind(4, leg.amount);
  st.Bind(5, balance).Bind(6, leg.order_id).Bind(7, leg.fill_id).Bind(8, leg.trade_id);
  st.Bind(9, leg.description).Bind(10, journal_id).Bind(11, leg.bot_id);
  st.Bind(12, leg.account_id).Bind(13, name);
  if (st.Execute() == 0) return false;
  WriteBalance(c, leg, balance, time);
  return true;
}

}  // namespace

LedgerEntry PostValidatedLedgerEntry(StoreImpl& impl, const LedgerEntry& entry,
                                     std::string_view name) {
  LedgerEntry out = InsertLeg(impl, entry, 0);
  // The balancing leg on the bot's system account.
  LedgerEntry leg = out;
  leg.amount = -entry.amount;
  if (impl.dialect() == sql::Dialect::kPostgres) {
    // Where writers are not serialized by the database (PostgreSQL), the
    // system account's lock orders the read-modify-write of its balance;
    // the lock's read is needed anyway, so the id is not cached.
    leg.account_id = FindOrCreateSystemAccount(impl, entry.bot_id, name);
    LockAccount(impl, leg.bot_id, leg.account_id);
    InsertLeg(impl, leg, out.journal_id);
    return out;
  }
  // SQLite (writers serialized): the id from the cache, checked by the
  // insert itself; on a miss or a stale id, looked up (or created) and
  // cached.
  const auto key = std::make_pair(entry.bot_id, std::string(name));
  const auto cached = impl.system_account_ids.find(key);
  if (cached != impl.system_account_ids.end()) {
    leg.account_id = cached->second;
    if (InsertCachedSystemLeg(impl, leg, name, out.journal_id)) return out;
    impl.system_account_ids.erase(cached);
  }
  leg.account_id = FindOrCreateSystemAccount(impl, entry.bot_id, name);
  InsertLeg(impl, leg, out.journal_id);
  impl.system_account_ids[key] = leg.account_id;
  return out;
}

void AdjustLocked(StoreImpl& impl, BotId bot, AccountId account, std::string_view currency,
                  const Decimal& delta, Timestamp time) {
  if (delta.IsZero() || currency.empty()) return;
  auto& c = impl.connection(Database::kTrading);
  static const std::string kRead =
      "SELECT locked FROM trading.balances WHERE bot_id = ? AND account_id = ? AND currency = ?";
  auto& read = c.PrepareForUpdate(kRead);
  read.Bind(1, bot).Bind(2, account).Bind(3, currency);
  Decimal locked = delta;
  if (read.Step()) locked += read.GetDecimal(0);
  read.Reset();
  if (locked.IsNegative()) {
    throw Error(ErrorKind::kInternal,
                "account " + std::to_string(account) + " of bot " + std::to_string(bot) +
                    ": locked " + std::string(currency) + " would become " + locked.ToString());
  }
  auto& upsert = c.Prepare(
      "INSERT INTO trading.balances (bot_id, account_id, currency, amount, updated_at, locked, "
      "mode, is_test) SELECT id, ?, ?, '0', ?, ?, mode, is_test FROM trading.bots WHERE id = ? "
      "ON CONFLICT (bot_id, account_id, currency) DO UPDATE SET locked = excluded.locked, "
      "updated_at = excluded.updated_at");
  upsert.Bind(1, account).Bind(2, currency).Bind(3, time).Bind(4, locked).Bind(5, bot).Execute();
}

std::string LedgerByBotTimeSql() {
  return "SELECT " + std::string(kLedgerColumns) +
         " FROM trading.ledger_entries WHERE bot_id = ? AND time >= ? AND time < ? ORDER BY "
         "time, id";
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
  const Account account = impl_->accounts.Get(entry.bot_id, entry.account_id);
  if (account.kind == AccountKind::kSystem) {
    throw InvalidArgument("ledger entry: account " + std::to_string(account.id) + " ('" +
                          account.name + "') is a system account; post to a bot account");
  }
  detail::LockAccount(*impl_, entry.bot_id, entry.account_id);
  LedgerEntry out = detail::PostValidatedLedgerEntry(*impl_, entry, SystemAccountFor(entry.type));
  tx.Commit();
  return out;
}

std::pair<LedgerEntry, LedgerEntry> LedgerRepository::Transfer(BotId bot, AccountId from,
                                                               AccountId to,
                                                               std::string_view currency,
                                                               Decimal amount, Timestamp time,
                                                               std::string_view description) {
  const std::string what = "transfer of " + amount.ToString() + " " + std::string(currency) +
                           " from account " + std::to_string(from) + " to " + std::to_string(to);
  if (currency.empty()) throw InvalidArgument(what + ": field 'currency' is empty");
  if (!amount.IsPositive()) throw InvalidArgument(what + ": field 'amount' must be positive");
  if (from == to) throw InvalidArgument(what + ": the accounts are the same");
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  // Locks in id order, so that two opposite transfers cannot deadlock.
  detail::LockAccount(*impl_, bot, std::min(from, to));
  detail::LockAccount(*impl_, bot, std::max(from, to));
  LedgerEntry leg;
  leg.bot_id = bot;
  leg.account_id = from;
  leg.time = time;
  leg.type = LedgerEntryType::kTransfer;
  leg.currency = std::string(currency);
  leg.amount = -amount;
  leg.description = std::string(description);
  LedgerEntry out_leg = detail::InsertLeg(*impl_, leg, 0);
  leg.account_id = to;
  leg.amount = amount;
  LedgerEntry in_leg = detail::InsertLeg(*impl_, leg, out_leg.journal_id);
  tx.Commit();
  return {out_leg, in_leg};
}

namespace {

// WHERE clause of a LedgerFilter (entries aliased e, accounts a), with
// the values to bind in order.

BoundQuery BuildLedgerWhere(const LedgerFilter& f) {
  BoundQuery w;
  w.sql = " WHERE 1 = 1";
  if (f.bot) {
    w.sql += " AND e.bot_id = ?";
    w.binds.push_back([v = *f.bot](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (f.account) {
    w.sql += " AND e.account_id = ?";
    w.binds.push_back([v = *f.account](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (f.type) {
    w.sql += " AND e.type = ?";
    w.binds.push_back(
        [v = std::string(ToString(*f.type))](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (f.currency) {
    w.sql += " AND e.currency = ?";
    w.binds.push_back([v = *f.currency](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (f.from) {
    w.sql += " AND e.time >= ?";
    w.binds.push_back([v = *f.from](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (f.to) {
    w.sql += " AND e.time < ?";
    w.binds.push_back([v = *f.to](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (!f.include_test) w.sql += " AND e.is_test = 0";
  if (!f.include_system) {
    w.sql +=
        " AND EXISTS (SELECT 1 FROM trading.accounts a WHERE a.bot_id = e.bot_id AND a.id = "
        "e.account_id AND a.kind = 'bot')";
  }
  return w;
}

std::string PrefixedLedgerColumns() {
  std::string out;
  std::string_view cols = kLedgerColumns;
  while (!cols.empty()) {
    const auto comma = cols.find(',');
    std::string_view col = cols.substr(0, comma);
    while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out += "e." + std::string(col);
    if (comma == std::string_view::npos) break;
    cols.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

std::vector<LedgerEntry> LedgerRepository::Query(const LedgerFilter& filter) {
  const BoundQuery w = BuildLedgerWhere(filter);
  static const std::string kColumns = PrefixedLedgerColumns();
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + kColumns + " FROM trading.ledger_entries e" + w.sql +
                          " ORDER BY e.time, e.id");
  w.BindAll(st);
  std::vector<LedgerEntry> out;
  while (st.Step()) out.push_back(ReadLedgerEntry(st));
  return out;
}

std::vector<LedgerSum> LedgerRepository::Sums(const LedgerFilter& filter) {
  // Text decimals are summed exactly here, not by SQL's floating-point SUM.
  const BoundQuery w = BuildLedgerWhere(filter);
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT e.type, e.currency, e.amount FROM trading.ledger_entries e" +
                          w.sql + " ORDER BY e.type, e.currency");
  w.BindAll(st);
  std::vector<LedgerSum> out;
  while (st.Step()) {
    const LedgerEntryType type = ParseLedgerEntryType(st.GetText(0));
    std::string currency = st.GetText(1);
    if (out.empty() || out.back().type != type || out.back().currency != currency) {
      out.push_back(LedgerSum{type, std::move(currency), Decimal(), 0});
    }
    out.back().amount += st.GetDecimal(2);
    ++out.back().count;
  }
  return out;
}

std::vector<LedgerEntry> LedgerRepository::Journal(BotId bot, std::int64_t journal_id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kLedgerColumns) +
                          " FROM trading.ledger_entries WHERE bot_id = ? AND journal_id = ? "
                          "ORDER BY id");
  st.Bind(1, bot).Bind(2, journal_id);
  std::vector<LedgerEntry> out;
  while (st.Step()) out.push_back(ReadLedgerEntry(st));
  return out;
}

Decimal LedgerRepository::BalanceAt(BotId bot, AccountId account, std::string_view currency,
                                    Timestamp at) {
  if (currency.empty()) throw InvalidArgument("BalanceAt: field 'currency' is empty");
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT amount FROM trading.ledger_entries WHERE bot_id = ? AND "
                     "account_id = ? AND currency = ? AND time <= ?");
  st.Bind(1, bot).Bind(2, account).Bind(3, currency).Bind(4, at);
  Decimal sum;
  while (st.Step()) sum += st.GetDecimal(0);
  return sum;
}

namespace {

constexpr std::string_view kSnapshotColumns =
    "bot_id, account_id, currency, time, kind, amount, locked, available, unrealized_pnl, "
    "equity, margin_used, free_margin, margin_level, mode, is_test";

BalanceSnapshot ReadSnapshot(const sql::Statement& st) {
  BalanceSnapshot s;
  s.bot_id = st.GetInt64(0);
  s.account_id = st.GetInt64(1);
  s.currency = st.GetText(2);
  s.time = st.GetTimestamp(3);
  s.kind = ParseSnapshotKind(st.GetText(4));
  s.amount = st.GetDecimal(5);
  s.locked = st.GetDecimal(6);
  s.available = st.GetDecimal(7);
  s.unrealized_pnl = st.GetDecimal(8);
  s.equity = st.GetDecimal(9);
  s.margin_used = st.GetDecimal(10);
  s.free_margin = st.GetDecimal(11);
  s.margin_level = st.GetOptionalDouble(12);
  s.mode = ParseRunMode(st.GetText(13));
  s.is_test = st.GetBool(14);
  return s;
}

}  // namespace

std::vector<BalanceSnapshot> LedgerRepository::Snapshot(BotId bot, AccountId account,
                                                        Timestamp time, SnapshotKind kind) {
  if (kind == SnapshotKind::kDaily && time.micros() % kMicrosPerDay != 0) {
    throw InvalidArgument("balance snapshot: field 'time' value '" + time.ToIso() +
                          "' of a daily snapshot must be a UTC midnight");
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  const Account acct = impl_->accounts.Get(bot, account);
  std::vector<BalanceSnapshot> out;
  for (const auto& b : impl_->accounts.Balances(bot, account)) {
    BalanceSnapshot s;
    s.bot_id = bot;
    s.account_id = account;
    s.currency = b.currency;
    s.time = time;
    s.kind = kind;
    s.amount = b.amount;
    s.locked = b.locked;
    s.available = b.available();
    s.mode = acct.mode;
    s.is_test = acct.is_test;
    out.push_back(std::move(s));
  }
  // Open positions add their unrealized P&L and notional to their quote
  // currency's row.
  for (const Position& p : impl_->positions.ListOpen(bot)) {
    if (p.account_id != account) continue;
    const std::string& quote = impl_->QuoteAsset(p.instrument_id);
    for (auto& s : out) {
      if (s.currency != quote) continue;
      s.unrealized_pnl += p.unrealized_pnl;
      s.margin_used += p.quantity.Abs().Mul(p.last_price.value_or(p.average_entry_price));
    }
  }
  auto& st = c.Prepare("INSERT INTO trading.balance_history (" + std::string(kSnapshotColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                       "(bot_id, account_id, currency, kind, time) DO UPDATE SET amount = "
                       "excluded.amount, locked = excluded.locked, available = "
                       "excluded.available, unrealized_pnl = excluded.unrealized_pnl, equity = "
                       "excluded.equity, margin_used = excluded.margin_used, free_margin = "
                       "excluded.free_margin, margin_level = excluded.margin_level");
  for (auto& s : out) {
    s.equity = s.amount + s.unrealized_pnl;
    s.margin_used += s.locked;
    s.free_margin = s.equity - s.margin_used;
    if (!s.margin_used.IsZero()) s.margin_level = s.equity.ToDouble() / s.margin_used.ToDouble();
    st.Bind(1, s.bot_id).Bind(2, s.account_id).Bind(3, s.currency).Bind(4, s.time);
    st.Bind(5, ToString(s.kind)).Bind(6, s.amount).Bind(7, s.locked).Bind(8, s.available);
    st.Bind(9, s.unrealized_pnl).Bind(10, s.equity).Bind(11, s.margin_used);
    st.Bind(12, s.free_margin).Bind(13, s.margin_level).Bind(14, ToString(s.mode));
    st.Bind(15, s.is_test).Execute();
  }
  tx.Commit();
  return out;
}

std::vector<BalanceSnapshot> LedgerRepository::History(BotId bot, AccountId account,
                                                       std::string_view currency,
                                                       const TimeRange& range,
                                                       std::optional<SnapshotKind> kind) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kSnapshotColumns) +
                          " FROM trading.balance_history WHERE bot_id = ? AND account_id = ? "
                          "AND (? = '' OR currency = ?) AND (? = '' OR kind = ?)" +
                          RangeSql("time", range) + " ORDER BY time, currency, kind");
  const std::string k = kind ? std::string(ToString(*kind)) : std::string();
  st.Bind(1, bot).Bind(2, account).Bind(3, currency).Bind(4, currency).Bind(5, k).Bind(6, k);
  BindRange(st, 7, range);
  std::vector<BalanceSnapshot> out;
  while (st.Step()) out.push_back(ReadSnapshot(st));
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
