// InstrumentRepository: instruments (src/store/market_repositories.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "tradestore/instrument.h"
#include "tradestore/repository.h"

namespace tradestore {

class InstrumentRepository {
 public:
  // Inserts the instrument or, if (venue, symbol) exists, updates its other
  // fields; returns it with its id. Throws kInvalidArgument for an empty
  // symbol or a precision outside 0..18.
  Instrument Upsert(const Instrument& instrument);
  std::optional<Instrument> Find(std::string_view venue, std::string_view symbol);
  Instrument Get(InstrumentId id);  // throws kNotFound
  std::vector<Instrument> List();

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
