// tradestore show ENTITY [--bot B] [--symbol S] [--from T] [--to T]
//                        [--limit N] [--include-test] [--include-system] [--json|--csv]
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "entity_options.h"
#include "tradestore/export_import.h"
#include "tradestore/store.h"

namespace tradestore::cli {
namespace {

// Display width of UTF-8 text (code points).
std::size_t Width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// One line per row; tabs and line breaks in text shown as spaces.
std::string Cell(const std::optional<std::string>& v) {
  if (!v) return "-";
  std::string s = *v;
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return s;
}

void PrintTable(const EntityRows& rows, std::ostream& out) {
  std::vector<std::size_t> width(rows.columns.size());
  for (std::size_t i = 0; i < rows.columns.size(); ++i) width[i] = Width(rows.columns[i]);
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows.rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line.push_back(Cell(r[i]));
      width[i] = std::max(width[i], Width(line.back()));
    }
    cells.push_back(std::move(line));
  }
  auto print = [&](const std::vector<std::string>& line, bool header) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const std::size_t pad = width[i] - Width(line[i]);
      if (i > 0) text += "  ";
      if (rows.numeric[i] && !header) {
        text += std::string(pad, ' ') + line[i];
      } else {
        text += line[i];
        if (i + 1 < line.size()) text += std::string(pad, ' ');
      }
    }
    out << text << "\n";
  };
  print(rows.columns, true);
  std::vector<std::string> rule;
  for (std::size_t w : width) rule.push_back(std::string(w, '-'));
  print(rule, true);
  for (const auto& line : cells) print(line, false);
  out << fmt::format("({} row{})\n", rows.rows.size(), rows.rows.size() == 1 ? "" : "s");
}

}  // namespace

void AddShowCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = app.add_subcommand("show", "Show an entity's rows as a table (or JSON, CSV)");
  struct Args {
    FilterArgs filter;
    bool csv = false;
    bool include_system = false;
  };
  auto args = std::make_shared<Args>();
  AddFilterOptions(*sub, args->filter);
  auto* csv = sub->add_flag("--csv", args->csv, "Print CSV (as export --format csv)");
  sub->add_flag("--include-system", args->include_system,
                "Also the bots' system accounts and their balances and ledger legs (accounts, "
                "balances, ledger, balance-history); hidden by default");
  AddCommonOptions(*sub, global);
  csv->excludes(sub->get_option("--json"));
  sub->callback([&global, &run, args] {
    run = [&global, args]() {
      Store store = Store::Open(global.ResolvedUrl(), ReadingOptions());
      ExportFilter filter = args->filter.ToFilter();
      filter.include_system = args->include_system;
      if (args->csv || global.json) {
        ExportOptions o;
        o.filter = filter;
        if (args->csv) {
          ExportEntity(store, args->filter.entity, std::cout, o);
          return 0;
        }
        // JSON: an array of the JSON Lines objects.
        o.format = DataFormat::kJsonl;
        std::ostringstream lines;
        ExportEntity(store, args->filter.entity, lines, o);
        std::string text = lines.str();
        std::cout << "[";
        std::size_t pos = 0;
        bool first = true;
        while (pos < text.size()) {
          const std::size_t end = text.find('\n', pos);
          std::cout << (first ? "\n  " : ",\n  ") << text.substr(pos, end - pos);
          first = false;
          pos = end + 1;
        }
        std::cout << (first ? "]\n" : "\n]\n");
        return 0;
      }
      PrintTable(ReadEntity(store, args->filter.entity, filter), std::cout);
      return 0;
    };
  });
}

}  // namespace tradestore::cli
