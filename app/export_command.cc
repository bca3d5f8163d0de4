// tradestore export ENTITY [--format csv|jsonl|sql] [filters] [--out FILE]
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "commands.h"
#include "entity_options.h"
#include "tradestore/export_import.h"
#include "tradestore/store.h"

namespace tradestore::cli {

void AddExportCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = app.add_subcommand(
      "export", "Export an entity's rows as CSV, JSON Lines or an SQL dump (stdout by default)");
  struct Args {
    FilterArgs filter;
    std::string format = "csv";
    std::string out;
    bool exclude_system = false;
  };
  auto args = std::make_shared<Args>();
  AddFilterOptions(*sub, args->filter);
  sub->add_option("--format", args->format, "csv (default), jsonl or sql");
  sub->add_option("--out", args->out, "Write to FILE atomically instead of stdout");
  sub->add_flag("--exclude-system", args->exclude_system,
                "Leave out the bots' system accounts and their balances and ledger legs "
                "(kept by default, so an export is complete)");
  AddCommonOptions(*sub, global, false);
  sub->callback([&global, &run, args] {
    run = [&global, args]() {
      ExportOptions o;
      o.format = ParseDataFormat(args->format);
      o.filter = args->filter.ToFilter();
      o.filter.include_system = !args->exclude_system;
      Store store = Store::Open(global.ResolvedUrl());
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
