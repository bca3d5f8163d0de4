// Names of the small enums declared in bot.h, ledger.h and fill.h.
#include "core/enum_names.h"

#include <string>

#include "tradestore/bot.h"
#include "tradestore/error.h"
#include "tradestore/fill.h"
#include "tradestore/ledger.h"

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
  }
  return "unknown";
}

LedgerEntryType ParseLedgerEntryType(std::string_view text) {
  return internal::ParseEnumName<LedgerEntryType>(
      text,
      {LedgerEntryType::kDeposit, LedgerEntryType::kWithdrawal, LedgerEntryType::kFee,
       LedgerEntryType::kRealizedPnl, LedgerEntryType::kTransfer, LedgerEntryType::kAdjustment},
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

}  // namespace tradestore
