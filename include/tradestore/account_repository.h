// AccountRepository: a bot's accounts and their balances
// (src/store/account_repositories.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <string_view>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/ledger.h"
#include "tradestore/repository.h"

namespace tradestore {

class AccountRepository {
 public:
  // Creates an account for a bot; throws kConflict if the name is taken,
  // kInvalidArgument for an empty name or a reserved "system:" name.
  Account Create(BotId bot, std::string_view name);
  Account GetOrCreate(BotId bot, std::string_view name);
  Account Get(BotId bot, AccountId id);  // throws kNotFound
  // The bot's accounts by id; its system accounts (ledger.h) only when asked.
  std::vector<Account> List(BotId bot, bool include_system = false);
  // All balances of an account, by currency, with locked amounts.
  std::vector<tradestore::Balance> Balances(BotId bot, AccountId account);
  // The balance in one currency; zero if the account never held it.
  Decimal BalanceOf(BotId bot, AccountId account, std::string_view currency);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
