// Fuzzes the entity import (CSV, JSON Lines and the SQL dump form) into an
// in-memory store: any input is imported or refused with tradestore::Error,
// a refused import changes nothing (the table's row count is the same), and
// an accepted one into a store that passed the checks ImportEntity promises
// (export_import.h) leaves it passing them, unless the import named them as
// pending (tables still to come); the store is then started afresh.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>

#include "fuzz_support.h"
#include "tradestore/check.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/store.h"

using namespace tradestore;

namespace {

// Entities with few required references, so that fuzzed rows can succeed.
constexpr const char* kEntities[] = {"instruments", "bots",          "strategies", "candles",
                                     "signals",     "system-events", "orders",     "fills"};

// The checks an accepted import keeps passing (ImportEntity's contract).
constexpr const char* kImportChecks[] = {
    "fill-rules",         "order-fills", "positions",         "trades",
    "bot-counters",       "balances",    "ledger-references", "ledger-running-balance",
    "ledger-double-entry"};

// The first error finding of those checks on `store`, or "" when all pass.
std::string FirstFinding(Store& store) {
  for (const CheckDefinition& d : RegisteredChecks()) {
    if (std::find_if(std::begin(kImportChecks), std::end(kImportChecks),
                     [&](const char* n) { return d.name == n; }) == std::end(kImportChecks)) {
      continue;
    }
    CheckOutcome out;
    out.name = d.name;
    try {
      d.run(&store, "sqlite::memory:", CheckOptions{}, out);
    } catch (const Error& e) {
      return d.name + " threw: " + e.what();
    }
    for (const CheckFinding& f : out.findings) {
      if (f.severity == FindingSeverity::kError) {
        return d.name + ": " + f.table + " " + f.row + ": " + f.message;
      }
    }
  }
  return "";
}

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
  ImportSummary summary;
  try {
    summary = ImportEntity(store, entity, path, options);
  } catch (const Error&) {
    fuzz::Check(Rows(store, entity) == before, "a refused import changes nothing");
    return 0;
  }
  if (!summary.pending_checks.empty()) {
    // Findings allowed until later tables come: not a clean store to go on
    // from.
    store = Store::Open("sqlite::memory:");
    return 0;
  }
  const std::string finding = FirstFinding(store);
  if (!finding.empty()) std::fprintf(stderr, "after importing %s: %s\n", entity, finding.c_str());
  fuzz::Check(finding.empty(), "an accepted import leaves the store passing check");
  return 0;
}
