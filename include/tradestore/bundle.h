// A bundle: a whole store as one directory, one file per entity (the formats
// of export_import.h) and a manifest, so that a store can be moved as files
// and brought back whole: `tradestore export all --out DIR` and
// `tradestore import all DIR` (docs/export-import.md, "Bundles").
//
// An entity-by-entity import can only enforce the rules that hold in every
// state of the store (check's fill-rules): between `import orders` and
// `import fills` an order's filled quantity has no fills yet, so `check`
// fails until the last file is in. A bundle is imported in one unit of work
// per database and committed only when every domain check passes on the
// result, so the store either passes `check` afterwards or is unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tradestore/export_import.h"

namespace tradestore {

class Store;

// manifest.json of a bundle directory.
inline constexpr const char* kBundleManifest = "manifest.json";
inline constexpr int kBundleVersion = 1;

struct BundleEntry {
  std::string entity;  // "orders"
  std::string table;   // "trading.orders"
  std::string file;    // "orders.csv", relative to the bundle directory
  std::int64_t rows = 0;
  std::string sha256;  // of the file's bytes, 64 lowercase hex digits
};

struct BundleManifest {
  int version = kBundleVersion;
  DataFormat format = DataFormat::kCsv;
  std::string created_at;            // ISO-8601 UTC, when the export began
  std::string source;                // the exported store's URL, passwords redacted
  std::vector<BundleEntry> entries;  // in AvailableEntities() order
};

// Called before each entity with its name, its index and the entity count.
using BundleProgress =
    std::function<void(const std::string& entity, std::size_t index, std::size_t total)>;

// Writes every entity of AvailableEntities() (all rows: test-tagged rows and
// system accounts included) to DIR/<entity>.<csv|jsonl|sql> from one
// snapshot of the store (bots may keep writing meanwhile), then
// DIR/manifest.json with each file's row count and SHA-256. DIR is created;
// it must not exist or be empty (else Error(kConflict) naming it). Each file
// is written atomically; on failure the files already written are removed.
// Errors as ExportEntityToFile.
BundleManifest ExportBundle(Store& store, const std::string& dir,
                            DataFormat format = DataFormat::kCsv,
                            const BundleProgress& progress = {});

// Reads and validates DIR/manifest.json: Error(kNotFound) when it is missing,
// kInvalidArgument naming the manifest and the field for a malformed one, an
// unknown version, format or entity, an entity listed twice, or a file name
// that leaves the directory.
BundleManifest ReadBundleManifest(const std::string& dir);

struct BundleImportSummary {
  std::string dir;
  std::vector<ImportSummary> imported;  // one per manifest entry, in import order
  std::int64_t rows = 0;                // all entities
  std::int64_t coverage_series = 0;     // candle coverage rows rebuilt
  std::vector<std::string> checks;      // the domain checks that passed
  double seconds = 0;
};

// Imports the bundle in DIR into `store`: verifies every file against the
// manifest first (Error(kConflict) "FILE: SHA-256 ... does not match the
// manifest" or a row count that differs, kNotFound for a missing file), then
// imports the entities in AvailableEntities() order (as ImportEntity: ids
// kept) inside one unit of work on each database, rebuilds the candle
// coverage of every imported series, runs every domain check of `tradestore
// check` (RegisteredChecks() that need an open store, check.h) on the
// result, and commits only when none fails. A failing check is
// Error(kConflict) naming the checks and their first findings; any other
// error keeps its kind (an import's "FILE:LINE: field ..."); in every case
// nothing is committed. The databases of a SQLite directory store commit one
// after another: a crash between those commits can leave one of them
// imported (the market database commits first, then trading, then
// analytics; import again into a fresh store).
BundleImportSummary ImportBundle(Store& store, const std::string& dir,
                                 const BundleProgress& progress = {});

}  // namespace tradestore
