// Fuzzes the value parsers every entrance uses: Timestamp::Parse (ISO-8601),
// Decimal::Parse, ParseTimeframe, the SQLite store URL's parameters and
// PostgreSQL URLs and connection strings (parsed, never connected).
// Properties: TryParse and Parse agree; a parsed value prints to text that
// parses back to the same value (Timestamp::ToIso, Decimal::ToString);
// Decimal arithmetic either gives an exact result or throws
// tradestore::Error (never wraps).
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "sql/postgres/pg_connection.h"
#include "tradestore/decimal.h"
#include "tradestore/error.h"
#include "tradestore/store.h"
#include "tradestore/timeframe.h"
#include "tradestore/timestamp.h"

using namespace tradestore;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      const auto t = Timestamp::TryParse(text);
      bool threw = false;
      try {
        fuzz::Check(Timestamp::Parse(text) == *t, "Parse equals TryParse");
      } catch (const Error&) {
        threw = true;
      }
      fuzz::Check(threw == !t.has_value(), "Parse throws exactly when TryParse fails");
      if (t) fuzz::Check(Timestamp::Parse(t->ToIso()) == *t, "ToIso round trip");
      break;
    }
    case 1: {
      const auto d = Decimal::TryParse(text);
      if (!d) break;
      fuzz::Check(Decimal::Parse(d->ToString()) == *d, "ToString round trip");
      try {
        const Decimal sum = *d + *d;
        fuzz::Check(sum - *d == *d, "(d + d) - d == d");
      } catch (const Error&) {
      }
      try {
        const Decimal product = d->Mul(*d);
        fuzz::Check(!product.IsNegative(), "d * d >= 0");
      } catch (const Error&) {
      }
      break;
    }
    case 2: {
      try {
        const Timeframe tf = ParseTimeframe(text);
        fuzz::Check(ParseTimeframe(ToString(tf)) == tf, "timeframe round trip");
      } catch (const Error&) {
      }
      break;
    }
    case 3: {
      // Only the parameters: a fuzzed path could create directories.
      if (text.find('\0') != std::string::npos) break;
      try {
        Store::Open("sqlite::memory:?" + text);
      } catch (const Error&) {
      }
      break;
    }
    case 4: {
      // PostgreSQL URLs and libpq key=value strings, parsed without
      // connecting: bad input is Error(kInvalidArgument), nothing else.
      if (text.find('\0') != std::string::npos) break;
      for (const std::string& conninfo :
           {"postgresql:///db?" + text, "postgresql://" + text, text}) {
        try {
          sql::CheckPostgresUrl(conninfo);
        } catch (const Error& e) {
          fuzz::Check(e.kind() == ErrorKind::kInvalidArgument, "a bad URL is kInvalidArgument");
        }
      }
      break;
    }
  }
  return 0;
}
