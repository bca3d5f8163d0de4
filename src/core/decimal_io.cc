#include <ostream>

#include "tradestore/decimal.h"

namespace tradestore {

std::ostream& operator<<(std::ostream& out, const Decimal& value) {
  return out << value.ToString();
}

}  // namespace tradestore
