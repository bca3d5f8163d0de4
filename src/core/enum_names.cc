// Names of the small enums declared in bot.h, ledger.h and fill.h.
#include "core/enum_names.h"

#include <string>

#include "tradestore/bot.h"
#include "tradestore/error.h"
#include "tradestore/fill.h"
#include "tradestore/ledger.h"
#include "tradestore/order.h"
#include "tradestore/position.h"

namespace tradestore {
std::string_view ToString(RunMode m) noexcept {
  switch (m) {
    case RunMode::kLive:
      return "live";
    case RunMode::kPaper:
      return "paper";
    case RunMode::kBacktest:
      return "backtest";
  }
  return "unknown";
}

RunMode ParseRunMode(std::string_view text) {
  return internal::ParseEnumName<RunMode>(
      text, {RunMode::kLive, RunMode::kPaper, RunMode::kBacktest}, "run mode");
}

std::string_view ToString(LedgerEntryType t) noexcept {
  switch (t) {
    case LedgerEntryType::kDeposit:
      return "deposit";
    case LedgerEntryType::kWithdrawal:
      return "withdrawal";
    case LedgerEntryType::kFee:
      return "fee";
    case LedgerEntryType::kRealizedPnl:
      return "realized_pnl";
    case LedgerEntryType::kTransfer:
      return "transfer";
    case LedgerEntryType::kAdjustment:
      return "adjustment";
    case LedgerEntryType::kFunding:
      return "funding";
  }
  return "unknown";
}

LedgerEntryType ParseLedgerEntryType(std::string_view text) {
  return internal::ParseEnumName<LedgerEntryType>(
      text,
      {LedgerEntryType::kDeposit, LedgerEntryType::kWithdrawal, LedgerEntryType::kFee,
       LedgerEntryType::kRealizedPnl, LedgerEntryType::kTransfer, LedgerEntryType::kAdjustment,
       LedgerEntryType::kFunding},
      "ledger entry type");
}

std::string_view ToString(Liquidity l) noexcept {
  switch (l) {
    case Liquidity::kMaker:
      return "maker";
    case Liquidity::kTaker:
      return "taker";
  }
  return "unknown";
}

Liquidity ParseLiquidity(std::string_view text) {
  return internal::ParseEnumName<Liquidity>(text, {Liquidity::kMaker, Liquidity::kTaker},
                                            "liquidity");
}

std::string_view ToString(BotStatus v) noexcept {
  switch (v) {
    case BotStatus::kActive:
      return "active";
    case BotStatus::kPaused:
      return "paused";
    case BotStatus::kStopped:
      return "stopped";
    case BotStatus::kError:
      return "error";
    case BotStatus::kRetired:
      return "retired";
  }
  return "unknown";
}

BotStatus ParseBotStatus(std::string_view text) {
  return internal::ParseEnumName<BotStatus>(
      text,
      {BotStatus::kActive, BotStatus::kPaused, BotStatus::kStopped, BotStatus::kError,
       BotStatus::kRetired},
      "bot status");
}

std::string_view ToString(AccountKind v) noexcept {
  switch (v) {
    case AccountKind::kBot:
      return "bot";
    case AccountKind::kSystem:
      return "system";
  }
  return "unknown";
}

AccountKind ParseAccountKind(std::string_view text) {
  return internal::ParseEnumName<AccountKind>(text, {AccountKind::kBot, AccountKind::kSystem},
                                              "account kind");
}

std::string_view ToString(SnapshotKind v) noexcept {
  switch (v) {
    case SnapshotKind::kDaily:
      return "daily";
    case SnapshotKind::kOnDemand:
      return "on_demand";
  }
  return "unknown";
}

SnapshotKind ParseSnapshotKind(std::string_view text) {
  return internal::ParseEnumName<SnapshotKind>(
      text, {SnapshotKind::kDaily, SnapshotKind::kOnDemand}, "snapshot kind");
}

std::string_view ToString(OrderEventKind v) noexcept {
  switch (v) {
    case OrderEventKind::kStatus:
      return "status";
    case OrderEventKind::kAmend:
      return "amend";
    case OrderEventKind::kRetry:
      return "retry";
    case OrderEventKind::kVenueId:
      return "venue_id";
  }
  return "unknown";
}

OrderEventKind ParseOrderEventKind(std::string_view text) {
  return internal::ParseEnumName<OrderEventKind>(text,
                                                 {OrderEventKind::kStatus, OrderEventKind::kAmend,
                                                  OrderEventKind::kRetry, OrderEventKind::kVenueId},
                                                 "order event kind");
}

std::string_view ToString(PositionEventType v) noexcept {
  switch (v) {
    case PositionEventType::kOpened:
      return "opened";
    case PositionEventType::kIncreased:
      return "increased";
    case PositionEventType::kReduced:
      return "reduced";
    case PositionEventType::kClosed:
      return "closed";
    case PositionEventType::kFlipped:
      return "flipped";
    case PositionEventType::kStopsSet:
      return "stops_set";
    case PositionEventType::kStopMoved:
      return "stop_moved";
    case PositionEventType::kMarked:
      return "marked";
  }
  return "unknown";
}

PositionEventType ParsePositionEventType(std::string_view text) {
  return internal::ParseEnumName<PositionEventType>(
      text,
      {PositionEventType::kOpened, PositionEventType::kIncreased, PositionEventType::kReduced,
       PositionEventType::kClosed, PositionEventType::kFlipped, PositionEventType::kStopsSet,
       PositionEventType::kStopMoved, PositionEventType::kMarked},
      "position event type");
}

}  // namespace tradestore
