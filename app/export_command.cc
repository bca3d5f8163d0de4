// tradestore export ENTITY [--format csv|jsonl|sql] [filters] [--out FILE]
// tradestore export all --out DIR [--format csv|jsonl|sql]
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "commands.h"
#include "entity_options.h"
#include "tradestore/bundle.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/store.h"

namespace tradestore::cli {

namespace {

// export all --out DIR: a bundle (include/tradestore/bundle.h); no filters.
template <typename Args>
int ExportAll(const GlobalOptions& global, const Args& args) {
  const FilterArgs& f = args.filter;
  if (f.bot || f.symbol || f.venue || f.timeframe || f.from || f.to || f.limit || f.include_test ||
      args.exclude_system) {
    throw InvalidArgument(
        "export all: a bundle holds the whole store; filters (--bot, --symbol, --venue, "
        "--timeframe, --from, --to, --limit, --include-test, --exclude-system) do not apply");
  }
  if (args.out.empty())
    throw InvalidArgument("export all: give the bundle directory with --out DIR");
  Store store = Store::Open(global.ResolvedUrl(), ReadingOptions());
  ProgressBar bar("exporting all");
  const BundleManifest m =
      ExportBundle(store, args.out, ParseDataFormat(args.format),
                   [&bar](const std::string&, std::size_t i, std::size_t n) { bar.Update(i, n); });
  std::int64_t rows = 0;
  for (const BundleEntry& e : m.entries) rows += e.rows;
  std::cerr << fmt::format("exported {} rows of {} entities to {} ({})\n", rows, m.entries.size(),
                           args.out, kBundleManifest);
  return 0;
}

}  // namespace

void AddExportCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = app.add_subcommand(
      "export",
      "Export an entity's rows as CSV, JSON Lines or an SQL dump (stdout by default); `export "
      "all --out DIR` writes every entity and a manifest (a bundle for `import all DIR`)");
  struct Args {
    FilterArgs filter;
    std::string format;  // "": from --out's extension, else csv
    std::string out;
    bool exclude_system = false;
  };
  auto args = std::make_shared<Args>();
  AddFilterOptions(*sub, args->filter);
  sub->add_option("--format", args->format,
                  "csv, jsonl or sql (default: from --out's extension .csv/.jsonl/.ndjson/.sql, "
                  "else csv)");
  sub->add_option("--out", args->out,
                  "Write to FILE atomically instead of stdout (ENTITY all: the bundle directory)");
  sub->add_flag("--exclude-system", args->exclude_system,
                "Leave out the bots' system accounts and their balances and ledger legs "
                "(kept by default, so an export is complete)");
  AddCommonOptions(*sub, global, false);
  sub->callback([&global, &run, args] {
    run = [&global, args]() {
      ExportOptions o;
      if (!args->format.empty()) {
        o.format = ParseDataFormat(args->format);
      } else if (args->filter.entity != "all" && !args->out.empty()) {
        // As import reads it: a file named fills.jsonl gets JSON Lines.
        o.format = FormatFromExtension(args->out).value_or(DataFormat::kCsv);
      } else {
        o.format = DataFormat::kCsv;
      }
      args->format = std::string(ToString(o.format));
      o.filter = args->filter.ToFilter();
      o.filter.include_system = !args->exclude_system;
      if (args->filter.entity == "all") return ExportAll(global, *args);
      Store store = Store::Open(global.ResolvedUrl(), ReadingOptions());
      if (args->out.empty()) {
        ExportEntity(store, args->filter.entity, std::cout, o);
        return 0;
      }
      ProgressBar bar("exporting " + args->filter.entity);
      o.progress = [&bar](std::int64_t done, std::int64_t total) {
        bar.Update(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total));
      };
      const ExportSummary s = ExportEntityToFile(store, args->filter.entity, args->out, o);
      std::cerr << fmt::format("exported {} rows of {} ({}) to {}\n", s.rows, s.entity, s.table,
                               args->out);
      return 0;
    };
  });
}

}  // namespace tradestore::cli
