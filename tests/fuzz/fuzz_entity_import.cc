// Fuzzes the entity import (CSV, JSON Lines and the SQL dump form) into an
// in-memory store: any input is imported or refused with tradestore::Error,
// and a refused import changes nothing (the table's row count is the same).
#include <cstdint>
#include <optional>

#include "fuzz_support.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/store.h"

using namespace tradestore;

namespace {

// Entities with few required references, so that fuzzed rows can succeed.
constexpr const char* kEntities[] = {"instruments", "bots",          "strategies", "candles",
                                     "signals",     "system-events", "orders",     "fills"};

std::size_t Rows(Store& store, const char* entity) {
  ExportFilter filter;
  filter.include_test = true;
  return ReadEntity(store, entity, filter).rows.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file("entity");
  static Store store = Store::Open("sqlite::memory:");
  if (size < 1) return 0;
  const char* entity = kEntities[data[0] % std::size(kEntities)];
  static constexpr DataFormat kFormats[] = {DataFormat::kCsv, DataFormat::kJsonl, DataFormat::kSql};
  ImportOptions options;
  options.format = kFormats[(data[0] >> 4) % 3];
  const std::string& path = file.Write(data + 1, size - 1);
  const std::size_t before = Rows(store, entity);
  try {
    ImportEntity(store, entity, path, options);
  } catch (const Error&) {
    fuzz::Check(Rows(store, entity) == before, "a refused import changes nothing");
  }
  return 0;
}
