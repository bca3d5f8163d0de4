// The writes of order lifecycles exactly as tradestore's fill path runs them
// (store/fill_statements.h), for the benchmarks' raw baselines: the SQLite
// loop of bench/store_bench.cc and the libpq loops of bench/pg_bench.cc run
// this one function over their own driver, so every baseline issues the
// same statements in the same order.
//
// Per lifecycle, inside one transaction: OrderRepository::Create (the order
// and its creation event), Transition to accepted (status update, event),
// RecordFill (the fill, its event, on every second fill the closed trade,
// the position upsert and its event, the order's fill state, and for the fee
// and, on a closing fill, the realized P&L one double-entry journal: the bot
// account's balance and leg, the system account's leg and balance). All
// values are computed before the clock starts (fill_plan.h); the loop does
// none of tradestore's reads (order, account, position, balance) and takes
// no row locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "fill_plan.h"
#include "store/fill_statements.h"
#include "store/schema_row.h"

namespace tradestore::bench {

namespace schema = tradestore::detail::schema;

// The 1-based parameter of `column` in a statement of `columns`.
template <const schema::Table& kTable>
int P(schema::Columns<kTable> columns, std::type_identity_t<schema::Col<kTable>> column) {
  return columns.Position(column.index) + 1;
}

// Runs the lifecycles of `plan` on `db`, a raw driver over a database with
// tradestore's schema holding bot 1 with accounts 1 (main), 2 (system:fees)
// and 3 (system:pnl) and instrument 1. `Db` provides:
//   using Stmt = ...;
//   Stmt Prepare(const std::string& sql)  tradestore's text; the driver
//                                         adapts it (schema prefixes,
//                                         placeholders) and prepares it once
//   void Int(Stmt, int param, std::int64_t), Text(Stmt, int, std::string_view),
//        Null(Stmt, int), Double(Stmt, int, double),
//        Time(Stmt, int, std::int64_t micros_utc)
//        (a bound text must stay alive until the statement has been sent)
//   void Run(Stmt)                 its result is not needed (a pipelining
//                                  driver need not wait for it)
//   std::int64_t RunForId(Stmt)    the id of the row it inserted
//   void Begin(), Commit()
// `prepared` runs once every statement is prepared, just before the first
// lifecycle: the caller starts its clock there.
template <typename Db, typename Prepared>
void RunRawFills(Db& db, sql::Dialect dialect, const std::vector<RawFillValues>& plan,
                 Prepared&& prepared) {
  namespace statements = tradestore::detail::statements;
  using Stmt = typename Db::Stmt;
  const std::int64_t bot = 1, account = 1, instrument = 1;
  const std::int64_t system_fees = 2, system_pnl = 3;
  std::int64_t entry_order = 0;  // the order that opened the current trade

  // The fill path's statements as tradestore runs them (store/fill_statements.h).
  using statements::kBalanceAmount;
  using statements::kFillInsert;
  using statements::kLedgerLeg;
  using statements::kLedgerSystemLeg;
  using statements::kOrderEventInsert;
  using statements::kOrderFillUpdate;
  using statements::kOrderInsert;
  using statements::kOrderStatusUpdate;
  using statements::kPositionEventInsert;
  using statements::kPositionRow;
  using statements::kTradeInsert;
  Stmt ins_order = db.Prepare(statements::OrderInsertSql(dialect));
  Stmt ins_event = db.Prepare(statements::OrderEventInsertSql());
  Stmt upd_status = db.Prepare(statements::OrderStatusUpdateSql());
  Stmt ins_fill = db.Prepare(statements::FillInsertSql());
  Stmt upd_filled = db.Prepare(statements::OrderFillUpdateSql());
  Stmt ins_trade = db.Prepare(statements::TradeInsertSql());
  Stmt upsert_position = db.Prepare(statements::PositionUpsertSql());
  Stmt upsert_balance = db.Prepare(statements::BalanceAmountUpsertSql());
  // The bot account's leg starts each journal; the system account's leg
  // (its id cached, as the store does on SQLite) balances it.
  Stmt ins_ledger = db.Prepare(statements::LedgerFirstLegSql(dialect));
  Stmt ins_system_leg = db.Prepare(statements::LedgerSystemLegSql());
  Stmt ins_position_event = db.Prepare(statements::PositionEventInsertSql());
  const std::string quantity = kQuantity.ToString();
  const std::string fee = kFee.ToString();
  const std::string neg_fee = (-kFee).ToString();

  auto event = [&](std::int64_t order, std::int64_t t, const char* from, const char* to,
                   std::string_view reason) {
    const auto c = kOrderEventInsert;
    Stmt st = ins_event;
    db.Int(st, P(c, "bot_id"), bot);
    db.Int(st, P(c, "order_id"), order);
    db.Time(st, P(c, "time"), t);
    if (from != nullptr) {
      db.Text(st, P(c, "from_status"), from);
      db.Null(st, P(c, "quantity"));
    } else {
      db.Null(st, P(c, "from_status"));
      db.Text(st, P(c, "quantity"), quantity);  // the creation event records the terms
    }
    db.Text(st, P(c, "to_status"), to);
    db.Text(st, P(c, "reason"), reason);
    db.Text(st, P(c, "kind"), "status");
    db.Null(st, P(c, "limit_price"));
    db.Null(st, P(c, "stop_price"));
    db.Text(st, P(c, "mode"), "paper");
    db.Int(st, P(c, "is_test"), 0);
    db.Run(st);
  };
  // A balance's new amount (detail::WriteBalance).
  auto balance_of = [&](std::int64_t t, const std::string& balance, std::int64_t leg_account) {
    const auto c = kBalanceAmount;
    Stmt st = upsert_balance;
    db.Int(st, P(c, "account_id"), leg_account);
    db.Text(st, P(c, "currency"), "USDC");
    db.Text(st, P(c, "amount"), balance);
    db.Time(st, P(c, "updated_at"), t);
    db.Int(st, c.size() + 1, bot);  // WHERE id = ? (the bot's row)
    db.Run(st);
  };
  // One journal: the bot account's leg (its balance written first, its id
  // the journal's), then the system account's leg and its balance, as
  // detail::PostValidatedLedgerEntry does on SQLite. Returns the journal id.
  auto ledger = [&](std::int64_t t, const char* type, const std::string& amount,
                    const std::string& balance, const std::string& neg_amount,
                    const std::string& system_balance, std::int64_t order, std::int64_t fill,
                    std::optional<std::int64_t> trade, const std::string& description,
                    std::int64_t system_account, const char* system_name) {
    // The values both legs share, bound by name.
    auto bind_leg = [&](Stmt st, auto c, const std::string& leg_amount,
                        const std::string& leg_balance) {
      db.Time(st, P(c, "time"), t);
      db.Text(st, P(c, "type"), type);
      db.Text(st, P(c, "currency"), "USDC");
      db.Text(st, P(c, "amount"), leg_amount);
      db.Text(st, P(c, "balance_after"), leg_balance);
      db.Int(st, P(c, "order_id"), order);
      db.Int(st, P(c, "fill_id"), fill);
      if (trade) {
        db.Int(st, P(c, "trade_id"), *trade);
      } else {
        db.Null(st, P(c, "trade_id"));
      }
      db.Text(st, P(c, "description"), description);
    };
    balance_of(t, balance, account);
    bind_leg(ins_ledger, kLedgerLeg, amount, balance);
    db.Int(ins_ledger, P(kLedgerLeg, "account_id"), account);
    db.Int(ins_ledger, kLedgerLeg.size() + 1, bot);  // WHERE b.id = ?
    const std::int64_t journal = db.RunForId(ins_ledger);
    const auto c = kLedgerSystemLeg;
    bind_leg(ins_system_leg, c, neg_amount, system_balance);
    db.Int(ins_system_leg, P(c, "journal_id"), journal);
    // WHERE a.bot_id = ? AND a.id = ? AND a.name = ?
    db.Int(ins_system_leg, c.size() + 1, bot);
    db.Int(ins_system_leg, c.size() + 2, system_account);
    db.Text(ins_system_leg, c.size() + 3, system_name);
    db.Run(ins_system_leg);
    balance_of(t, system_balance, system_account);
    return journal;
  };

  prepared();
  for (int i = 0; i < static_cast<int>(plan.size()); ++i) {
    const RawFillValues& v = plan[static_cast<std::size_t>(i)];
    const std::int64_t t = TimeOf(i).micros();
    db.Begin();
    // OrderRepository::Create: the order and its creation event.
    Stmt st = ins_order;
    {
      const auto c = kOrderInsert;
      db.Int(st, P(c, "bot_id"), bot);
      db.Int(st, P(c, "account_id"), account);
      db.Int(st, P(c, "instrument_id"), instrument);
      db.Text(st, P(c, "client_order_id"), v.client_order_id);
      db.Text(st, P(c, "venue_order_id"), "");
      db.Null(st, P(c, "signal_id"));
      db.Text(st, P(c, "strategy"), "bench");
      db.Text(st, P(c, "side"), v.side);
      db.Text(st, P(c, "type"), "market");
      db.Text(st, P(c, "time_in_force"), "gtc");
      db.Text(st, P(c, "quantity"), quantity);
      db.Null(st, P(c, "limit_price"));
      db.Null(st, P(c, "stop_price"));
      db.Text(st, P(c, "status"), "new");
      db.Text(st, P(c, "filled_quantity"), "0");
      db.Null(st, P(c, "average_fill_price"));
      db.Text(st, P(c, "reason"), "");
      db.Text(st, P(c, "exit_reason"), "");
      db.Text(st, P(c, "mode"), "paper");
      db.Int(st, P(c, "is_test"), 0);
      db.Time(st, P(c, "created_at"), t);
      db.Time(st, P(c, "updated_at"), t);
      db.Null(st, P(c, "expected_price"));
      db.Text(st, P(c, "strategy_version"), "");
      db.Text(st, P(c, "bot_version"), "");
      db.Int(st, c.size() + 1, bot);  // the bot_version default's bot id
    }
    const std::int64_t order = db.RunForId(st);
    if (!v.closes) entry_order = order;
    event(order, t, nullptr, "new", "created");
    // OrderRepository::Transition to accepted.
    {
      const auto c = kOrderStatusUpdate;
      db.Text(upd_status, P(c, "status"), "accepted");
      db.Time(upd_status, P(c, "updated_at"), t);
      db.Text(upd_status, P(c, "reason"), "");
      db.Text(upd_status, P(c, "reserved"), "0");  // a market order reserves nothing
      db.Int(upd_status, c.size() + 1, bot);
      db.Int(upd_status, c.size() + 2, order);
    }
    db.Run(upd_status);
    event(order, t, "new", "accepted", "");
    // OrderRepository::RecordFill: fill, order, event, [trade], position,
    // ledger.
    st = ins_fill;
    {
      const auto c = kFillInsert;
      db.Int(st, P(c, "bot_id"), bot);
      db.Int(st, P(c, "order_id"), order);
      db.Int(st, P(c, "account_id"), account);
      db.Int(st, P(c, "instrument_id"), instrument);
      db.Text(st, P(c, "venue"), "paper");
      db.Text(st, P(c, "venue_fill_id"), v.fill_id);
      db.Text(st, P(c, "side"), v.side);
      db.Text(st, P(c, "quantity"), quantity);
      db.Text(st, P(c, "price"), v.price);
      db.Text(st, P(c, "fee"), fee);
      db.Text(st, P(c, "fee_currency"), "USDC");
      db.Text(st, P(c, "liquidity"), "taker");
      db.Time(st, P(c, "time"), t);
      db.Text(st, P(c, "mode"), "paper");
      db.Int(st, P(c, "is_test"), 0);
    }
    const std::int64_t fill = db.RunForId(st);
    event(order, t, "accepted", "filled", v.fill_event_reason);
    std::optional<std::int64_t> trade;
    if (v.closes) {
      st = ins_trade;
      const auto c = kTradeInsert;
      db.Int(st, P(c, "bot_id"), bot);
      db.Int(st, P(c, "account_id"), account);
      db.Int(st, P(c, "instrument_id"), instrument);
      db.Text(st, P(c, "strategy"), "bench");
      db.Text(st, P(c, "side"), "buy");
      db.Time(st, P(c, "entry_time"), v.opened_at);
      db.Time(st, P(c, "exit_time"), t);
      db.Text(st, P(c, "entry_price"), v.entry_price);
      db.Text(st, P(c, "exit_price"), v.price);
      db.Text(st, P(c, "quantity"), quantity);
      db.Text(st, P(c, "gross_pnl"), v.gross);
      db.Text(st, P(c, "fees"), v.fees);
      db.Text(st, P(c, "net_pnl"), v.net);
      db.Text(st, P(c, "mae"), v.mae);
      db.Text(st, P(c, "mfe"), v.mfe);
      db.Text(st, P(c, "exit_reason"), "signal");
      db.Null(st, P(c, "signal_id"));
      db.Text(st, P(c, "mode"), "paper");
      db.Int(st, P(c, "is_test"), 0);
      db.Text(st, P(c, "strategy_version"), "");
      db.Text(st, P(c, "bot_version"), "");
      db.Int(st, P(c, "entry_order_id"), entry_order);
      db.Int(st, P(c, "exit_order_id"), order);
      db.Text(st, P(c, "entry_fees"), fee);
      db.Text(st, P(c, "exit_fees"), fee);
      db.Text(st, P(c, "entry_slippage"), "0");
      db.Text(st, P(c, "exit_slippage"), "0");
      db.Double(st, P(c, "pnl_percent"), 0);
      db.Text(st, P(c, "outcome"), "win");
      db.Null(st, P(c, "initial_stop"));
      db.Null(st, P(c, "target"));
      db.Null(st, P(c, "risk_amount"));
      db.Text(st, P(c, "position_size_rule"), "");
      db.Null(st, P(c, "r_multiple"));
      db.Null(st, P(c, "mae_r"));
      db.Null(st, P(c, "mfe_r"));
      db.Text(st, P(c, "regime"), "");
      db.Null(st, P(c, "volatility"));
      db.Null(st, P(c, "atr"));
      db.Text(st, P(c, "session"), "");
      db.Text(st, P(c, "trend"), "");
      db.Text(st, P(c, "setup"), "");
      trade = db.RunForId(st);
    }
    st = upsert_position;
    {
      const auto c = kPositionRow;
      db.Int(st, P(c, "bot_id"), bot);
      db.Int(st, P(c, "account_id"), account);
      db.Int(st, P(c, "instrument_id"), instrument);
      db.Text(st, P(c, "quantity"), v.pos_quantity);
      db.Text(st, P(c, "average_entry_price"), v.pos_avg);
      db.Text(st, P(c, "realized_pnl"), v.pos_realized);
      db.Text(st, P(c, "fees"), v.pos_fees);
      db.Time(st, P(c, "opened_at"), v.opened_at);
      db.Time(st, P(c, "updated_at"), t);
      db.Text(st, P(c, "trade_max_quantity"), v.trade_max);
      db.Text(st, P(c, "trade_exit_quantity"), v.trade_exit_qty);
      db.Text(st, P(c, "trade_exit_notional"), v.trade_exit_notional);
      db.Text(st, P(c, "trade_gross_pnl"), v.trade_gross);
      db.Text(st, P(c, "trade_fees"), v.trade_fees);
      if (v.closes) {
        db.Null(st, P(c, "trade_high"));
        db.Null(st, P(c, "trade_low"));
        db.Null(st, P(c, "trade_entry_order_id"));
        db.Text(st, P(c, "trade_entry_fees"), "0");
      } else {
        db.Text(st, P(c, "trade_high"), v.trade_high);
        db.Text(st, P(c, "trade_low"), v.trade_low);
        db.Int(st, P(c, "trade_entry_order_id"), order);
        db.Text(st, P(c, "trade_entry_fees"), fee);
      }
      db.Null(st, P(c, "trade_signal_id"));
      db.Text(st, P(c, "trade_strategy"), "bench");
      for (const char* name : {"stop_loss", "take_profit", "trailing_distance", "trailing_percent",
                               "last_price", "last_price_at", "trade_initial_stop", "trade_target",
                               "trade_risk_amount", "trade_volatility", "trade_atr"}) {
        db.Null(st, kPositionRow.Position(schema::tables::kPositions.IndexOf(name)) + 1);
      }
      db.Text(st, P(c, "unrealized_pnl"), "0");
      db.Text(st, P(c, "mode"), "paper");
      db.Int(st, P(c, "is_test"), 0);
      db.Text(st, P(c, "trade_entry_slippage"), "0");
      db.Text(st, P(c, "trade_exit_slippage"), "0");
      for (const char* name : {"trade_strategy_version", "trade_position_size_rule", "trade_regime",
                               "trade_session", "trade_trend", "trade_setup"}) {
        db.Text(st, kPositionRow.Position(schema::tables::kPositions.IndexOf(name)) + 1, "");
      }
      db.Run(st);
    }
    st = ins_position_event;
    {
      const auto c = kPositionEventInsert;
      db.Int(st, P(c, "bot_id"), bot);
      db.Int(st, P(c, "account_id"), account);
      db.Int(st, P(c, "instrument_id"), instrument);
      db.Time(st, P(c, "time"), t);
      db.Text(st, P(c, "type"), v.position_event);
      db.Text(st, P(c, "quantity_change"), v.quantity_change);
      db.Text(st, P(c, "quantity"), v.pos_quantity);
      db.Text(st, P(c, "price"), v.price);
      db.Text(st, P(c, "average_entry_price"), v.pos_avg);
      db.Text(st, P(c, "realized_pnl"), v.closes ? v.pnl : std::string("0"));
      db.Null(st, P(c, "stop_loss"));
      db.Null(st, P(c, "take_profit"));
      db.Int(st, P(c, "fill_id"), fill);
      if (trade) {
        db.Int(st, P(c, "trade_id"), *trade);
      } else {
        db.Null(st, P(c, "trade_id"));
      }
      db.Text(st, P(c, "message"), v.fill_event_reason);
      db.Text(st, P(c, "mode"), "paper");
      db.Int(st, P(c, "is_test"), 0);
      db.Run(st);
    }
    // The order's fill state, once the trade's id is known.
    st = upd_filled;
    {
      const auto c = kOrderFillUpdate;
      db.Text(st, P(c, "filled_quantity"), quantity);
      db.Text(st, P(c, "average_fill_price"), v.price);
      db.Text(st, P(c, "status"), "filled");
      db.Time(st, P(c, "updated_at"), t);
      db.Text(st, P(c, "reserved"), "0");
      if (trade) {
        db.Int(st, P(c, "trade_id"), *trade);
      } else {
        db.Null(st, P(c, "trade_id"));
      }
      db.Int(st, c.size() + 1, bot);
      db.Int(st, c.size() + 2, order);
    }
    db.Run(st);
    ledger(t, "fee", neg_fee, v.fee_balance, fee, v.system_fees_balance, order, fill, std::nullopt,
           v.fee_description, system_fees, "system:fees");
    if (v.closes) {
      ledger(t, "realized_pnl", v.pnl, v.pnl_balance, v.neg_pnl, v.system_pnl_balance, order, fill,
             trade, v.pnl_description, system_pnl, "system:pnl");
    }
    db.Commit();
  }
}

}  // namespace tradestore::bench
