// Parsing of the enums' stable lowercase names, shared by the core's
// ToString/Parse pairs.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "tradestore/error.h"

namespace tradestore::internal {

// Returns the value of `values` whose ToString() equals `text`; throws
// Error(kInvalidArgument) "unknown WHAT \"TEXT\"" (text cut at 80 chars).
template <typename E>
E ParseEnumName(std::string_view text, std::initializer_list<E> values, const char* what) {
  for (E v : values) {
    if (text == ToString(v)) return v;
  }
  throw InvalidArgument(std::string("unknown ") + what + " \"" + std::string(text.substr(0, 80)) +
                        "\"");
}

}  // namespace tradestore::internal
