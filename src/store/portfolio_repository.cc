// Portfolio snapshots: per bot and account, with exposure and VaR; the
// latest snapshot of each and their sum across bots.
#include <cmath>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindRange;
using detail::Database;
using detail::RangeSql;

namespace {

constexpr std::string_view kSnapshotColumns =
    "bot_id, account_id, time, equity, cash, unrealized_pnl, open_positions, exposure_gross, "
    "exposure_net, var, var_confidence, mode, is_test, bot_version";

PortfolioSnapshot ReadSnapshot(const sql::Statement& st) {
  PortfolioSnapshot s;
  s.bot_id = st.GetInt64(0);
  s.account_id = st.GetInt64(1);
  s.time = st.GetTimestamp(2);
  s.equity = st.GetDecimal(3);
  s.cash = st.GetDecimal(4);
  s.unrealized_pnl = st.GetDecimal(5);
  s.open_positions = static_cast<int>(st.GetInt64(6));
  s.exposure_gross = st.GetDecimal(7);
  s.exposure_net = st.GetDecimal(8);
  s.var = st.GetOptionalDecimal(9);
  s.var_confidence = st.GetOptionalDouble(10);
  s.mode = ParseRunMode(st.GetText(11));
  s.is_test = st.GetBool(12);
  s.bot_version = st.GetText(13);
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
    acc.Bind(1, s.bot_id).Bind(2, s.account_id);
    const bool found = acc.Step();
    acc.Reset();
    if (!found) {
      throw NotFound("account " + std::to_string(s.account_id) + " of bot " +
                     std::to_string(s.bot_id) + " does not exist");
    }
  }
  auto& st = c.Prepare(
      "INSERT INTO trading.portfolio_snapshots (bot_id, account_id, time, equity, cash, "
      "unrealized_pnl, open_positions, exposure_gross, exposure_net, var, var_confidence, mode, "
      "is_test, bot_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (bot_id, account_id, time) DO UPDATE SET equity = excluded.equity, "
      "cash = excluded.cash, unrealized_pnl = excluded.unrealized_pnl, "
      "open_positions = excluded.open_positions, exposure_gross = excluded.exposure_gross, "
      "exposure_net = excluded.exposure_net, var = excluded.var, "
      "var_confidence = excluded.var_confidence, mode = excluded.mode, "
      "is_test = excluded.is_test, bot_version = excluded.bot_version");
  st.Bind(1, s.bot_id).Bind(2, s.account_id).Bind(3, s.time).Bind(4, s.equity).Bind(5, s.cash);
  st.Bind(6, s.unrealized_pnl).Bind(7, s.open_positions).Bind(8, s.exposure_gross);
  st.Bind(9, s.exposure_net).Bind(10, s.var).Bind(11, s.var_confidence);
  st.Bind(12, ToString(bot.mode)).Bind(13, bot.is_test);
  st.Bind(14, s.bot_version.empty() ? bot.version : s.bot_version).Execute();
}

std::vector<PortfolioSnapshot> PortfolioRepository::Curve(BotId bot, AccountId account,
                                                          const TimeRange& range) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kSnapshotColumns) +
                          " FROM trading.portfolio_snapshots WHERE bot_id = ? AND "
                          "account_id = ?" +
                          RangeSql("time", range) + " ORDER BY time");
  st.Bind(1, bot).Bind(2, account);
  BindRange(st, 3, range);
  std::vector<PortfolioSnapshot> out;
  while (st.Step()) out.push_back(ReadSnapshot(st));
  return out;
}

std::vector<PortfolioSnapshot> PortfolioRepository::Latest(Timestamp at, bool include_test) {
  std::string columns;
  for (std::string_view rest = kSnapshotColumns; !rest.empty();) {
    const auto comma = rest.find(", ");
    columns += (columns.empty() ? "s." : ", s.") + std::string(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
  }
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + columns +
                          " FROM trading.portfolio_snapshots s JOIN (SELECT bot_id, account_id, "
                          "max(time) AS last FROM trading.portfolio_snapshots WHERE time <= ? "
                          "GROUP BY bot_id, account_id) m ON s.bot_id = m.bot_id AND "
                          "s.account_id = m.account_id AND s.time = m.last "
                          "WHERE s.is_test = 0 OR ? ORDER BY s.bot_id, s.account_id");
  st.Bind(1, at).Bind(2, include_test);
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
