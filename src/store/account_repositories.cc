// Bots, accounts, balances and the ledger (signals: signal_repository.cc;
// portfolio snapshots: portfolio_repository.cc).
#include <algorithm>
#include <functional>
#include <string>

#include "store/domain_queries.h"
#include "store/fill_statements.h"
#include "store/ledger_internal.h"
#include "store/query_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/fill_accounting.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindParams;
using detail::BindRange;
using detail::BoundQuery;
using detail::Database;
using detail::RangeSql;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::RowWriter;
namespace tables = detail::schema::tables;

namespace {

constexpr auto kBotRow = Columns<tables::kBots>::All();

Bot ReadBot(const sql::Statement& st) {
  const RowReader<tables::kBots> r(st, kBotRow);
  Bot b;
  b.id = r.Get<std::int64_t>("id");
  b.name = r.Get<std::string>("name");
  b.version = r.Get<std::string>("version");
  b.strategy = r.Get<std::string>("strategy");
  b.mode = ParseRunMode(r.Get<std::string>("mode"));
  b.is_test = r.Get<bool>("is_test");
  b.created_at = r.Get<Timestamp>("created_at");
  b.status = ParseBotStatus(r.Get<std::string>("status"));
  b.equity = r.Get<std::optional<Decimal>>("equity");
  b.equity_currency = r.Get<std::string>("equity_currency");
  b.max_position = r.Get<std::optional<Decimal>>("max_position");
  b.max_daily_loss = r.Get<std::optional<Decimal>>("max_daily_loss");
  if (auto at = r.Get<std::optional<Timestamp>>("last_heartbeat_at")) b.last_heartbeat_at = *at;
  b.runtime_state = r.Get<std::string>("runtime_state");
  b.runtime_message = r.Get<std::string>("runtime_message");
  if (auto at = r.Get<std::optional<Timestamp>>("updated_at")) b.updated_at = *at;
  return b;
}

constexpr auto kAccountRow = Columns<tables::kAccounts>::All();

Account ReadAccount(const sql::Statement& st) {
  const RowReader<tables::kAccounts> r(st, kAccountRow);
  Account a;
  a.id = r.Get<std::int64_t>("id");
  a.bot_id = r.Get<std::int64_t>("bot_id");
  a.name = r.Get<std::string>("name");
  a.created_at = r.Get<Timestamp>("created_at");
  a.kind = ParseAccountKind(r.Get<std::string>("kind"));
  a.mode = ParseRunMode(r.Get<std::string>("mode"));
  a.is_test = r.Get<bool>("is_test");
  return a;
}

// What an account's insert writes; bot_id, mode and is_test come from the
// bot's row, kind is the statement's.
constexpr auto kAccountInsert = Columns<tables::kAccounts>::Only({"name", "created_at"});

// INSERT INTO trading.accounts ... SELECT ... FROM trading.bots WHERE id = ?
// ON CONFLICT (bot_id, name) DO NOTHING, then `tail`.
std::string AccountInsertSql(std::string_view kind, std::string_view tail) {
  const std::string quoted_kind = "'" + std::string(kind) + "'";
  return kAccountInsert.InsertSelectSql(
             {{"bot_id", "id"}, {"kind", quoted_kind}, {"mode", "mode"}, {"is_test", "is_test"}},
             " FROM trading.bots WHERE id = ? ON CONFLICT (bot_id, name) DO NOTHING") +
         std::string(tail);
}

constexpr auto kLedgerRow = Columns<tables::kLedgerEntries>::All();

LedgerEntry ReadLedgerEntry(const sql::Statement& st) {
  const RowReader<tables::kLedgerEntries> r(st, kLedgerRow);
  LedgerEntry e;
  e.id = r.Get<std::int64_t>("id");
  e.bot_id = r.Get<std::int64_t>("bot_id");
  e.account_id = r.Get<std::int64_t>("account_id");
  e.time = r.Get<Timestamp>("time");
  e.type = ParseLedgerEntryType(r.Get<std::string>("type"));
  e.currency = r.Get<std::string>("currency");
  e.amount = r.Get<Decimal>("amount");
  e.balance_after = r.Get<Decimal>("balance_after");
  e.order_id = r.Get<std::optional<std::int64_t>>("order_id");
  e.fill_id = r.Get<std::optional<std::int64_t>>("fill_id");
  e.trade_id = r.Get<std::optional<std::int64_t>>("trade_id");
  e.description = r.Get<std::string>("description");
  e.journal_id = r.Get<std::int64_t>("journal_id");
  e.mode = ParseRunMode(r.Get<std::string>("mode"));
  e.is_test = r.Get<bool>("is_test");
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
  constexpr auto kInsert = Columns<tables::kBots>::Insertable();
  static const std::string kSql = kInsert.InsertSql(" RETURNING id");
  RowWriter<tables::kBots> row(impl_->connection(Database::kTrading).Prepare(kSql), kInsert);
  Bot out = bot;
  if (out.created_at == Timestamp()) out.created_at = Timestamp::Now();
  if (!out.updated_at) out.updated_at = out.created_at;
  row.Set("name", out.name).Set("version", out.version).Set("strategy", out.strategy);
  row.Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
  row.Set("created_at", out.created_at).Set("status", ToString(out.status));
  row.Set("equity", out.equity).Set("equity_currency", out.equity_currency);
  row.Set("max_position", out.max_position).Set("max_daily_loss", out.max_daily_loss);
  row.Set("last_heartbeat_at", out.last_heartbeat_at).Set("runtime_state", out.runtime_state);
  row.Set("runtime_message", out.runtime_message).Set("updated_at", out.updated_at);
  sql::Statement& st = row.Done();
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
  static const std::string kSql = kBotRow.SelectSql(" WHERE name = ?");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, name);
  std::optional<Bot> out;
  if (st.Step()) out = ReadBot(st);
  st.Reset();
  return out;
}

Bot BotRepository::Get(BotId id) {
  static const std::string kSql = kBotRow.SelectSql(" WHERE id = ?");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, id);
  if (!st.Step()) throw NotFound("bot " + std::to_string(id) + " does not exist");
  Bot out = ReadBot(st);
  st.Reset();
  return out;
}

std::vector<Bot> BotRepository::List(bool include_test) {
  static const std::string kSql = kBotRow.SelectSql(" WHERE is_test = 0 OR ? ORDER BY name");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, include_test);
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
  constexpr auto kUpdate =
      Columns<tables::kBots>::Only({"version", "strategy", "mode", "equity", "equity_currency",
                                    "max_position", "max_daily_loss", "updated_at"});
  static const std::string kSql = kUpdate.UpdateSql(" WHERE id = ?");
  RowWriter<tables::kBots> row(c.Prepare(kSql), kUpdate);
  row.Set("version", b.version).Set("strategy", b.strategy).Set("mode", ToString(b.mode));
  row.Set("equity", b.equity).Set("equity_currency", b.equity_currency);
  row.Set("max_position", b.max_position).Set("max_daily_loss", b.max_daily_loss);
  row.Set("updated_at", time).Where(b.id).Done().Execute();
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
  constexpr auto kUpdate = Columns<tables::kBots>::Only(
      {"last_heartbeat_at", "runtime_state", "runtime_message", "equity", "updated_at"});
  static const std::string kSql = kUpdate.UpdateSql(" WHERE id = ?");
  RowWriter<tables::kBots> row(c.Prepare(kSql), kUpdate);
  row.Set("last_heartbeat_at", time).Set("runtime_state", b.runtime_state);
  row.Set("runtime_message", b.runtime_message).Set("equity", b.equity);
  row.Set("updated_at", time).Where(id).Done().Execute();
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
  constexpr auto kUpdate =
      Columns<tables::kBots>::Only({"status", "runtime_message", "updated_at"});
  static const std::string kSql = kUpdate.UpdateSql(" WHERE id = ?");
  RowWriter<tables::kBots> row(c.Prepare(kSql), kUpdate);
  row.Set("status", ToString(status)).Set("runtime_message", b.runtime_message);
  row.Set("updated_at", time).Where(id).Done().Execute();
  tx.Commit();
  return b;
}

std::vector<Bot> BotRepository::ListStale(Timestamp now, Micros max_age, bool include_test) {
  if (max_age < 0) {
    throw InvalidArgument("ListStale: field 'max_age' value " + std::to_string(max_age) +
                          " µs is negative");
  }
  static const std::string kSql = kBotRow.SelectSql(
      " WHERE status = 'active' AND (last_heartbeat_at IS NULL OR last_heartbeat_at < ?) AND "
      "(is_test = 0 OR ?) ORDER BY last_heartbeat_at IS NOT NULL, last_heartbeat_at, id");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, now - max_age, include_test);
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
  static const std::string kSql = AccountInsertSql("bot", " RETURNING " + kAccountRow.List());
  RowWriter<tables::kAccounts> row(c.Prepare(kSql), kAccountInsert);
  row.Set("name", name).Set("created_at", Timestamp::Now()).Where(bot);
  sql::Statement& st = row.Done();
  if (!st.Step()) {
    throw Conflict("account '" + std::string(name) + "' of bot " + std::to_string(bot) +
                   " already exists");
  }
  Account out = ReadAccount(st);
  st.Reset();
  return out;
}

Account AccountRepository::GetOrCreate(BotId bot, std::string_view name) {
  static const std::string kSql = kAccountRow.SelectSql(" WHERE bot_id = ? AND name = ?");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot, name);
  if (st.Step()) {
    Account out = ReadAccount(st);
    st.Reset();
    return out;
  }
  return Create(bot, name);
}

Account AccountRepository::Get(BotId bot, AccountId id) {
  static const std::string kSql = kAccountRow.SelectSql(" WHERE bot_id = ? AND id = ?");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot, id);
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
      kAccountRow.SelectSql(" WHERE bot_id = ? AND (kind = 'bot' OR ?) ORDER BY id");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot, include_system);
  std::vector<Account> out;
  while (st.Step()) out.push_back(ReadAccount(st));
  return out;
}

std::vector<Balance> AccountRepository::Balances(BotId bot, AccountId account) {
  constexpr auto kBalance = Columns<tables::kBalances>::Only(
      {"account_id", "currency", "amount", "updated_at", "locked"});
  static const std::string kSql =
      kBalance.SelectSql(" WHERE bot_id = ? AND account_id = ? ORDER BY currency");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot, account);
  std::vector<tradestore::Balance> out;
  while (st.Step()) {
    const RowReader<tables::kBalances> r(st, kBalance);
    tradestore::Balance b;
    b.account_id = r.Get<std::int64_t>("account_id");
    b.currency = r.Get<std::string>("currency");
    b.amount = r.Get<Decimal>("amount");
    b.updated_at = r.Get<Timestamp>("updated_at");
    b.locked = r.Get<Decimal>("locked");
    out.push_back(std::move(b));
  }
  return out;
}

Decimal AccountRepository::BalanceOf(BotId bot, AccountId account, std::string_view currency) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT amount FROM trading.balances WHERE bot_id = ? AND "
                     "account_id = ? AND currency = ?");
  BindParams(st, bot, account, currency);
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

namespace {

// The balance of the account after `entry`: the read of a read-modify-write,
// locked (the caller holds the account lock, which also covers a balance
// row that does not exist yet).
Decimal BalanceAfter(sql::Connection& c, const LedgerEntry& entry) {
  static const std::string kBalanceSql =
      "SELECT amount FROM trading.balances WHERE bot_id = ? AND account_id = ? AND currency = ?";
  auto& read = c.PrepareForUpdate(kBalanceSql);
  BindParams(read, entry.bot_id, entry.account_id, entry.currency);
  Decimal balance = entry.amount;
  if (read.Step()) balance += read.GetDecimal(0);
  read.Reset();
  return balance;
}

}  // namespace

void WriteBalance(sql::Connection& c, const LedgerEntry& entry, const Decimal& balance,
                  Timestamp time) {
  using statements::kBalanceAmount;
  RowWriter<tables::kBalances> row(c.Prepare(statements::BalanceAmountUpsertSql()), kBalanceAmount);
  row.Set("account_id", entry.account_id).Set("currency", entry.currency);
  row.Set("amount", balance).Set("updated_at", time).Where(entry.bot_id).Done().ExecuteDeferred();
}

namespace {

// A leg's time (now when the entry has none) and the balance it leaves its
// account with.
struct LegBalance {
  Timestamp time;
  Decimal balance;
};

// Reads and writes the balance `entry` moves (the write deferred); the
// caller then inserts the leg. The caller holds the account's lock.
LegBalance MoveBalance(sql::Connection& c, const LedgerEntry& entry) {
  const Timestamp time = entry.time == Timestamp() ? Timestamp::Now() : entry.time;
  const Decimal balance = BalanceAfter(c, entry);
  WriteBalance(c, entry, balance, time);
  return {time, balance};
}

// Sets the columns every leg has from `entry`, at `time` with the balance
// after it.
void SetLeg(RowWriter<tables::kLedgerEntries>& row, const LedgerEntry& entry, Timestamp time,
            const Decimal& balance) {
  row.Set("account_id", entry.account_id).Set("time", time).Set("type", ToString(entry.type));
  row.Set("currency", entry.currency).Set("amount", entry.amount).Set("balance_after", balance);
  row.Set("order_id", entry.order_id).Set("fill_id", entry.fill_id);
  row.Set("trade_id", entry.trade_id).Set("description", entry.description);
}

// The balancing leg of journal `journal_id`, whose first leg has just gone
// in (so the bot exists), and its balance: nothing of either is read back,
// so both are sent without waiting (Statement::ExecuteDeferred: on
// PostgreSQL in the pipeline, read with the next statement or at Commit).
// The caller holds the account's lock.
void InsertBalancingLeg(StoreImpl& impl, const LedgerEntry& entry, std::int64_t journal_id) {
  auto& c = impl.connection(Database::kTrading);
  const auto [time, balance] = MoveBalance(c, entry);
  RowWriter<tables::kLedgerEntries> row(c.Prepare(statements::LedgerNextLegSql()),
                                        statements::kLedgerNextLeg);
  SetLeg(row, entry, time, balance);
  row.Set("journal_id", journal_id).Where(entry.bot_id).Done().ExecuteDeferred();
}

}  // namespace

LedgerEntry InsertLeg(StoreImpl& impl, const LedgerEntry& entry, std::int64_t journal_id) {
  auto& c = impl.connection(Database::kTrading);
  const auto [time, balance] = MoveBalance(c, entry);
  // The first leg of a journal takes its own id as the journal id: the id
  // is drawn before the insert (the next rowid under SQLite's serialized
  // writers, the identity sequence on PostgreSQL) so that no UPDATE follows.
  const bool first = journal_id == 0;
  const auto columns = first ? statements::kLedgerLeg : statements::kLedgerNextLeg;
  RowWriter<tables::kLedgerEntries> row(
      c.Prepare(first ? statements::LedgerFirstLegSql(impl.dialect())
                      : statements::LedgerNextLegSql()),
      columns);
  SetLeg(row, entry, time, balance);
  if (!first) row.Set("journal_id", journal_id);
  sql::Statement& st = row.Where(entry.bot_id).Done();
  if (!st.Step()) {
    st.Reset();
    throw NotFound("bot " + std::to_string(entry.bot_id) + " does not exist");
  }
  const RowReader<tables::kLedgerEntries> r(st, statements::kLedgerReturning);
  LedgerEntry out = entry;
  out.id = r.Get<std::int64_t>("id");
  out.journal_id = r.Get<std::int64_t>("journal_id");
  out.mode = ParseRunMode(r.Get<std::string>("mode"));
  out.is_test = r.Get<bool>("is_test");
  out.time = time;
  out.balance_after = balance;
  st.Reset();
  return out;
}

namespace {

// The id of the bot's system account `name`, created on first use; with
// `lock`, the account's row is locked by the same read (as LockAccount
// would, without its round trip). Throws Error(kNotFound) for an unknown
// bot.
AccountId FindOrCreateSystemAccount(StoreImpl& impl, BotId bot, std::string_view name,
                                    bool lock = false) {
  auto& c = impl.connection(Database::kTrading);
  static const std::string kFind =
      "SELECT id FROM trading.accounts WHERE bot_id = ? AND name = ? AND kind = 'system'";
  auto prepare_find = [&]() -> sql::Statement& {
    return lock ? c.PrepareForUpdate(kFind) : c.Prepare(kFind);
  };
  auto& find = prepare_find();
  BindParams(find, bot, name);
  if (find.Step()) {
    const AccountId id = find.GetInt64(0);
    find.Reset();
    return id;
  }
  find.Reset();
  // Two writers may create it at once (PostgreSQL): the second inserts
  // nothing and reads the first's.
  static const std::string kInsert = AccountInsertSql("system", "");
  RowWriter<tables::kAccounts> row(c.Prepare(kInsert), kAccountInsert);
  row.Set("name", name).Set("created_at", Timestamp::Now()).Where(bot).Done().Execute();
  auto& again = prepare_find();
  BindParams(again, bot, name);
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
  RowWriter<tables::kLedgerEntries> row(c.Prepare(statements::LedgerSystemLegSql()),
                                        statements::kLedgerSystemLeg);
  row.Set("time", time).Set("type", ToString(leg.type)).Set("currency", leg.currency);
  row.Set("amount", leg.amount).Set("balance_after", balance).Set("order_id", leg.order_id);
  row.Set("fill_id", leg.fill_id).Set("trade_id", leg.trade_id);
  row.Set("description", leg.description).Set("journal_id", journal_id);
  if (row.Where(leg.bot_id, leg.account_id, name).Done().Execute() == 0) return false;
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
    // the lock's read is needed anyway (it finds the id too), so the id is
    // not cached.
    leg.account_id = FindOrCreateSystemAccount(impl, entry.bot_id, name, /*lock=*/true);
    InsertBalancingLeg(impl, leg, out.journal_id);
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
  InsertBalancingLeg(impl, leg, out.journal_id);
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
  BindParams(read, bot, account, currency);
  Decimal locked = delta;
  if (read.Step()) locked += read.GetDecimal(0);
  read.Reset();
  if (locked.IsNegative()) {
    throw Error(ErrorKind::kInternal,
                "account " + std::to_string(account) + " of bot " + std::to_string(bot) +
                    ": locked " + std::string(currency) + " would become " + locked.ToString());
  }
  RowWriter<tables::kBalances> row(c.Prepare(statements::BalanceLockedUpsertSql()),
                                   statements::kBalanceLocked);
  row.Set("account_id", account).Set("currency", currency).Set("updated_at", time);
  row.Set("locked", locked).Where(bot).Done().ExecuteDeferred();
}

std::string LedgerByBotTimeSql() {
  return kLedgerRow.SelectSql(" WHERE bot_id = ? AND time >= ? AND time < ? ORDER BY time, id");
}

void LockAccount(StoreImpl& impl, BotId bot, AccountId account) {
  auto& c = impl.connection(Database::kTrading);
  static const std::string kSql = "SELECT id FROM trading.accounts WHERE bot_id = ? AND id = ?";
  auto& st = c.PrepareForUpdate(kSql);
  BindParams(st, bot, account);
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

}  // namespace

std::vector<LedgerEntry> LedgerRepository::Query(const LedgerFilter& filter) {
  const BoundQuery w = BuildLedgerWhere(filter);
  static const std::string kColumns = kLedgerRow.List("e.");
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
  static const std::string kSql =
      kLedgerRow.SelectSql(" WHERE bot_id = ? AND journal_id = ? ORDER BY id");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot, journal_id);
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
  BindParams(st, bot, account, currency, at);
  Decimal sum;
  while (st.Step()) sum += st.GetDecimal(0);
  return sum;
}

namespace {

constexpr auto kSnapshotRow = Columns<tables::kBalanceHistory>::All();
constexpr auto kSnapshotKey = Columns<tables::kBalanceHistory>::Only(
    {"bot_id", "account_id", "currency", "kind", "time", "mode", "is_test"});

BalanceSnapshot ReadSnapshot(const sql::Statement& st) {
  const RowReader<tables::kBalanceHistory> r(st, kSnapshotRow);
  BalanceSnapshot s;
  s.bot_id = r.Get<std::int64_t>("bot_id");
  s.account_id = r.Get<std::int64_t>("account_id");
  s.currency = r.Get<std::string>("currency");
  s.time = r.Get<Timestamp>("time");
  s.kind = ParseSnapshotKind(r.Get<std::string>("kind"));
  s.amount = r.Get<Decimal>("amount");
  s.locked = r.Get<Decimal>("locked");
  s.available = r.Get<Decimal>("available");
  s.unrealized_pnl = r.Get<Decimal>("unrealized_pnl");
  s.equity = r.Get<Decimal>("equity");
  s.margin_used = r.Get<Decimal>("margin_used");
  s.free_margin = r.Get<Decimal>("free_margin");
  s.margin_level = r.Get<std::optional<double>>("margin_level");
  s.mode = ParseRunMode(r.Get<std::string>("mode"));
  s.is_test = r.Get<bool>("is_test");
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
  static const std::string kSql = kSnapshotRow.InsertSql(
      " ON CONFLICT (bot_id, account_id, currency, kind, time) DO UPDATE SET " +
      kSnapshotRow.ExcludedAssignments(kSnapshotKey));
  auto& st = c.Prepare(kSql);
  for (auto& s : out) {
    s.equity = s.amount + s.unrealized_pnl;
    s.margin_used += s.locked;
    s.free_margin = s.equity - s.margin_used;
    if (!s.margin_used.IsZero()) s.margin_level = s.equity.ToDouble() / s.margin_used.ToDouble();
    RowWriter<tables::kBalanceHistory> row(st, kSnapshotRow);
    row.Set("bot_id", s.bot_id).Set("account_id", s.account_id).Set("currency", s.currency);
    row.Set("time", s.time).Set("kind", ToString(s.kind)).Set("amount", s.amount);
    row.Set("locked", s.locked).Set("available", s.available);
    row.Set("unrealized_pnl", s.unrealized_pnl).Set("equity", s.equity);
    row.Set("margin_used", s.margin_used).Set("free_margin", s.free_margin);
    row.Set("margin_level", s.margin_level).Set("mode", ToString(s.mode));
    row.Set("is_test", s.is_test).Done().Execute();
  }
  tx.Commit();
  return out;
}

std::vector<BalanceSnapshot> LedgerRepository::History(BotId bot, AccountId account,
                                                       std::string_view currency,
                                                       const TimeRange& range,
                                                       std::optional<SnapshotKind> kind) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kSnapshotRow.SelectSql(
                              " WHERE bot_id = ? AND account_id = ? AND (? = '' OR currency = ?) "
                              "AND (? = '' OR kind = ?)") +
                          RangeSql("time", range) + " ORDER BY time, currency, kind");
  const std::string k = kind ? std::string(ToString(*kind)) : std::string();
  BindRange(st, BindParams(st, bot, account, currency, currency, k, k), range);
  std::vector<BalanceSnapshot> out;
  while (st.Step()) out.push_back(ReadSnapshot(st));
  return out;
}

std::vector<LedgerEntry> LedgerRepository::Entries(BotId bot, AccountId account,
                                                   std::string_view currency,
                                                   const TimeRange& range) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kLedgerRow.SelectSql(
                              " WHERE bot_id = ? AND account_id = ? AND (? = '' OR currency = ?)") +
                          RangeSql("time", range) + " ORDER BY id");
  BindRange(st, BindParams(st, bot, account, currency, currency), range);
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
  BindParams(st, bot, account, currency);
  Decimal sum;
  while (st.Step()) sum += st.GetDecimal(0);
  return sum;
}

}  // namespace tradestore
