// Portfolio snapshots: per bot and account, with exposure and VaR; the
// latest snapshot of each and their sum across bots.
#include <cmath>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindParams;
using detail::BindRange;
using detail::Database;
using detail::RangeSql;
using detail::schema::Columns;
using detail::schema::tables::kPortfolioSnapshots;

namespace {

constexpr auto kSnapshotRow = Columns<kPortfolioSnapshots>::All();

PortfolioSnapshot ReadSnapshot(const sql::Statement& st) {
  const detail::schema::RowReader<kPortfolioSnapshots> r(st, kSnapshotRow);
  PortfolioSnapshot s;
  s.bot_id = r.Get<std::int64_t>("bot_id");
  s.account_id = r.Get<std::int64_t>("account_id");
  s.time = r.Get<Timestamp>("time");
  s.equity = r.Get<Decimal>("equity");
  s.cash = r.Get<Decimal>("cash");
  s.unrealized_pnl = r.Get<Decimal>("unrealized_pnl");
  s.open_positions = static_cast<int>(r.Get<std::int64_t>("open_positions"));
  s.exposure_gross = r.Get<Decimal>("exposure_gross");
  s.exposure_net = r.Get<Decimal>("exposure_net");
  s.var = r.Get<std::optional<Decimal>>("var");
  s.var_confidence = r.Get<std::optional<double>>("var_confidence");
  s.mode = ParseRunMode(r.Get<std::string>("mode"));
  s.is_test = r.Get<bool>("is_test");
  s.bot_version = r.Get<std::string>("bot_version");
  return s;
}

void ValidateSnapshot(const PortfolioSnapshot& s) {
  const std::string what = "portfolio snapshot (bot " + std::to_string(s.bot_id) + ", account " +
                           std::to_string(s.account_id) + ", time " + s.time.ToIso() + ")";
  if (s.open_positions < 0) {
    throw InvalidArgument(
        what + ": field 'open_positions' is negative: " + std::to_string(s.open_positions));
  }
  if (s.exposure_gross.IsNegative()) {
    throw InvalidArgument(what +
                          ": field 'exposure_gross' is negative: " + s.exposure_gross.ToString());
  }
  if (s.exposure_net.Abs() > s.exposure_gross) {
    throw InvalidArgument(what + ": |exposure_net| " + s.exposure_net.ToString() +
                          " exceeds exposure_gross " + s.exposure_gross.ToString());
  }
  if (s.var && s.var->IsNegative()) {
    throw InvalidArgument(what + ": field 'var' is negative: " + s.var->ToString());
  }
  if (s.var_confidence &&
      !(std::isfinite(*s.var_confidence) && *s.var_confidence > 0 && *s.var_confidence < 1)) {
    throw InvalidArgument(what + ": field 'var_confidence' must be in (0, 1), got " +
                          std::to_string(*s.var_confidence));
  }
}

}  // namespace

void PortfolioRepository::Record(const PortfolioSnapshot& s) {
  ValidateSnapshot(s);
  const detail::BotProvenance bot = detail::BotProvenanceOf(*impl_, s.bot_id);
  auto& c = impl_->connection(Database::kTrading);
  {
    auto& acc = c.Prepare("SELECT 1 FROM trading.accounts WHERE bot_id = ? AND id = ?");
    BindParams(acc, s.bot_id, s.account_id);
    const bool found = acc.Step();
    acc.Reset();
    if (!found) {
      throw NotFound("account " + std::to_string(s.account_id) + " of bot " +
                     std::to_string(s.bot_id) + " does not exist");
    }
  }
  static const std::string kSql =
      kSnapshotRow.UpsertSql(Columns<kPortfolioSnapshots>::Only({"bot_id", "account_id", "time"}));
  detail::schema::RowWriter<kPortfolioSnapshots> row(c.Prepare(kSql), kSnapshotRow);
  row.Set("bot_id", s.bot_id).Set("account_id", s.account_id).Set("time", s.time);
  row.Set("equity", s.equity).Set("cash", s.cash).Set("unrealized_pnl", s.unrealized_pnl);
  row.Set("open_positions", s.open_positions).Set("exposure_gross", s.exposure_gross);
  row.Set("exposure_net", s.exposure_net).Set("var", s.var);
  row.Set("var_confidence", s.var_confidence).Set("mode", ToString(bot.mode));
  row.Set("is_test", bot.is_test);
  row.Set("bot_version", s.bot_version.empty() ? bot.version : s.bot_version).Done().Execute();
}

std::vector<PortfolioSnapshot> PortfolioRepository::Curve(BotId bot, AccountId account,
                                                          const TimeRange& range) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kSnapshotRow.SelectSql(" WHERE bot_id = ? AND account_id = ?") +
                          RangeSql("time", range) + " ORDER BY time");
  BindRange(st, BindParams(st, bot, account), range);
  std::vector<PortfolioSnapshot> out;
  while (st.Step()) out.push_back(ReadSnapshot(st));
  return out;
}

std::vector<PortfolioSnapshot> PortfolioRepository::Latest(Timestamp at, bool include_test) {
  static const std::string columns = kSnapshotRow.List("s.");
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + columns +
                          " FROM trading.portfolio_snapshots s JOIN (SELECT bot_id, account_id, "
                          "max(time) AS last FROM trading.portfolio_snapshots WHERE time <= ? "
                          "GROUP BY bot_id, account_id) m ON s.bot_id = m.bot_id AND "
                          "s.account_id = m.account_id AND s.time = m.last "
                          "WHERE s.is_test = 0 OR ? ORDER BY s.bot_id, s.account_id");
  BindParams(st, at, include_test);
  std::vector<PortfolioSnapshot> out;
  while (st.Step()) out.push_back(ReadSnapshot(st));
  return out;
}

PortfolioTotal PortfolioRepository::Total(Timestamp at, bool include_test) {
  PortfolioTotal total;
  total.at = at;
  for (const PortfolioSnapshot& s : Latest(at, include_test)) {
    ++total.snapshots;
    total.equity += s.equity;
    total.cash += s.cash;
    total.unrealized_pnl += s.unrealized_pnl;
    total.exposure_gross += s.exposure_gross;
    total.exposure_net += s.exposure_net;
    total.open_positions += s.open_positions;
  }
  return total;
}

}  // namespace tradestore
