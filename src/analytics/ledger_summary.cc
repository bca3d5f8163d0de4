// Ledger statistics: exact sums by currency and entry type.
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tradestore/performance_report.h"

namespace tradestore {

std::vector<LedgerSum> SummarizeLedger(std::span<const LedgerEntry> entries) {
  std::map<std::pair<std::string, std::string>, LedgerSum> sums;
  for (const LedgerEntry& e : entries) {
    const std::string type(ToString(e.type));
    LedgerSum& sum = sums[{e.currency, type}];
    sum.currency = e.currency;
    sum.type = e.type;
    sum.amount += e.amount;
    ++sum.count;
  }
  std::vector<LedgerSum> result;
  result.reserve(sums.size());
  for (auto& [key, sum] : sums) result.push_back(std::move(sum));
  return result;
}

}  // namespace tradestore
