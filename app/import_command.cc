// tradestore import candles FILE --symbol S --timeframe TF [...]
// tradestore import ENTITY FILE [--format csv|jsonl|sql]
// tradestore import legacy-json DIR
// tradestore instruments
#include <fmt/format.h>

#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "tradestore/bundle.h"
#include "tradestore/candle_import.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/legacy_import.h"
#include "tradestore/retry.h"
#include "tradestore/store.h"

namespace tradestore::cli {

void AddImportCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* import = app.add_subcommand("import", "Import data into the store");
  import->require_subcommand(1);
  auto* candles = import->add_subcommand(
      "candles",
      "Import an OHLCV candle file (CSV or JSON; --symbol and --timeframe); without them, a file "
      "of `tradestore export candles`");
  struct Args {
    std::string file, symbol, venue, timeframe, format, column_prefix, base, quote;
    std::string on_duplicate = "refuse";
    std::optional<double> price_divisor;
    int price_precision = -1, size_precision = -1;
    bool bar_end_times = false, allow_missing_volume = false, compact = false, no_compact = false;
    std::string compact_older_than;
  };
  auto args = std::make_shared<Args>();
  candles->add_option("FILE", args->file, "The candle file")->required();
  candles->add_option("--symbol", args->symbol, "Instrument symbol, e.g. BTCUSDC");
  candles->add_option("--timeframe", args->timeframe, "1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w");
  candles->add_option("--venue", args->venue, "Venue, e.g. kraken (default: none)");
  candles->add_option(
      "--format", args->format,
      "Layout, skipping detection: " + fmt::format("{}", fmt::join(CandleLayouts(), ", ")) +
          "; for an export file: csv, jsonl or sql");
  candles->add_option("--price-divisor", args->price_divisor,
                      "Divide every price by this (10000 for Lean equity files; default 1, "
                      "or 10000 for a Lean file under an equity/ option/ index/ folder)");
  candles->add_option("--column-prefix", args->column_prefix,
                      "Asset of a wide multi-asset file, e.g. BTC for BTC:open");
  candles->add_flag("--bar-end-times", args->bar_end_times,
                    "The file stamps bars with their end time; shift to the open time");
  candles->add_flag("--allow-missing-volume", args->allow_missing_volume,
                    "Read a missing volume as 0 instead of rejecting the row");
  candles
      ->add_option("--on-duplicate", args->on_duplicate,
                   "Two rows of one time with different values: refuse (default: the import "
                   "fails naming both lines), first or last (keep that row); identical repeats "
                   "are always skipped and counted")
      ->check(CLI::IsMember({"refuse", "first", "last"}));
  candles->add_flag("--compact", args->compact,
                    "Compact the series' complete UTC days into chunks in the same unit of work "
                    "(docs/storage.md \"Candle chunks\"); today's candles stay rows");
  candles->add_option("--compact-older-than", args->compact_older_than,
                      "With compaction, the cutoff instead: all, an ISO-8601 time, or an age "
                      "(30m, 12h, 7d, 2w); implies --compact");
  candles->add_flag("--no-compact", args->no_compact,
                    "Write rows only, whatever the store's compaction policy says (candles "
                    "policy)");
  candles->add_option("--base", args->base, "Base asset (default: from the symbol)");
  candles->add_option("--quote", args->quote, "Quote asset (default: from the symbol)");
  candles->add_option("--price-precision", args->price_precision, "Price decimals (default 8)");
  candles->add_option("--size-precision", args->size_precision, "Size decimals (default 8)");
  AddCommonOptions(*candles, global);
  AddCommonOptions(*import, global, false);
  candles->callback([&global, &run, args] {
    run = [&global, args]() {
      if (args->symbol.empty() && args->timeframe.empty()) {
        return RunEntityImport(global, "candles", args->file, args->format);
      }
      if (args->symbol.empty() || args->timeframe.empty()) {
        throw InvalidArgument("import candles: a candle data file needs --symbol and --timeframe");
      }
      CandleImportOptions o;
      o.symbol = args->symbol;
      o.venue = args->venue;
      o.timeframe = ParseTimeframe(args->timeframe);
      if (!args->format.empty()) o.format = args->format;
      o.price_divisor = args->price_divisor;
      o.column_prefix = args->column_prefix;
      if (args->bar_end_times) o.time_offset = -Duration(o.timeframe);
      o.allow_missing_volume = args->allow_missing_volume;
      o.on_duplicate = args->on_duplicate == "first"  ? CandleDuplicatePolicy::kFirst
                       : args->on_duplicate == "last" ? CandleDuplicatePolicy::kLast
                                                      : CandleDuplicatePolicy::kRefuse;
      if (!args->base.empty()) o.base_asset = args->base;
      if (!args->quote.empty()) o.quote_asset = args->quote;
      if (args->price_precision >= 0) o.price_precision = args->price_precision;
      if (args->size_precision >= 0) o.size_precision = args->size_precision;
      if (args->no_compact && (args->compact || !args->compact_older_than.empty())) {
        throw InvalidArgument(
            "import candles: --no-compact excludes --compact and "
            "--compact-older-than");
      }
      o.apply_compaction_policy = !args->no_compact;
      if (args->compact || !args->compact_older_than.empty()) {
        // "all" compacts everything: the cutoff is then past every candle.
        o.compact_before = CompactCutoff(args->compact_older_than, "--compact-older-than")
                               .value_or(Timestamp(std::numeric_limits<std::int64_t>::max()));
      }
      ProgressBar bar("importing " + args->file);
      o.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.Update(done, total); };
      // A PostgreSQL server that is restarting is waited for (retry.h).
      RetryOptions retry;
      retry.idempotent = true;
      retry.on_retry = [](const Error& e) {
        std::cerr << "import: " << e.what() << "; retrying\n";
      };
      std::optional<Store> opened;
      RunRetrying([&] { opened.emplace(Store::Open(global.ResolvedUrl())); }, retry);
      Store& store = *opened;
      // The import is one unit of work and an upsert: lost half-way (a
      // PostgreSQL restart) or with an unknown COMMIT outcome, it is simply
      // run again from the file, which gives the same store either way.
      CandleImportSummary s;
      RunRetrying([&] { s = ImportCandles(store, args->file, o); }, retry);
      const auto iso = [](const std::optional<Timestamp>& t) {
        return t ? t->ToIso() : std::string();
      };
      if (global.json) {
        nlohmann::json j = {
            {"file", s.file},
            {"layout", s.layout},
            {"symbol", s.instrument.symbol},
            {"venue", s.instrument.venue},
            {"instrument_id", s.instrument.id},
            {"timeframe", std::string(ToString(o.timeframe))},
            {"rows_read", s.rows_read},
            {"rows_rejected", s.rows_rejected},
            {"rows_in_store", s.rows_in_store},
            {"identical_duplicates", s.identical_duplicates},
            {"conflicting_duplicates", s.conflicting_duplicates},
            {"on_duplicate", args->on_duplicate},
            {"first", s.first ? nlohmann::json(iso(s.first)) : nlohmann::json()},
            {"last", s.last ? nlohmann::json(iso(s.last)) : nlohmann::json()},
            {"newest_first", s.newest_first},
            {"price_divisor", s.price_divisor},
            // "all": a cutoff past every representable time (--compact-older-than all).
            {"compact_before", !s.compact_before ? nlohmann::json()
                               : s.compact_before->micros() > Timestamp::kMaxMicros
                                   ? nlohmann::json("all")
                                   : nlohmann::json(iso(s.compact_before))},
            {"candles_compacted", s.candles_compacted},
            {"chunks_written", s.chunks_written},
            {"seconds", s.seconds}};
        std::cout << j.dump(2) << "\n";
      } else {
        std::cout << fmt::format(
            "Imported {} ({} layout{})\n"
            "  instrument     {} on {} (id {}), timeframe {}\n"
            "  rows read      {}\n"
            "  rows rejected  {}\n"
            "  duplicates     {} identical (skipped), {} conflicting ({})\n"
            "  time range     {} .. {}\n"
            "  candles stored {} for this instrument and timeframe\n"
            "  took           {:.3f} s ({:.0f} rows/s)\n",
            s.file, s.layout,
            std::string(s.newest_first ? ", newest first" : "") +
                (s.price_divisor != 1 ? fmt::format(", prices / {}", s.price_divisor) : ""),
            s.instrument.symbol, s.instrument.venue.empty() ? "-" : s.instrument.venue,
            s.instrument.id, ToString(o.timeframe), s.rows_read, s.rows_rejected,
            s.identical_duplicates, s.conflicting_duplicates,
            args->on_duplicate == "refuse" ? "refused" : "kept the " + args->on_duplicate,
            iso(s.first), iso(s.last), s.rows_in_store, s.seconds,
            s.seconds > 0 ? s.rows_read / s.seconds : 0.0);
        if (s.compact_before) {
          std::cout << fmt::format("  compacted      {} candles into {} chunks{}\n",
                                   s.candles_compacted, s.chunks_written,
                                   o.compact_before ? "" : " (the store's compaction policy)");
        }
      }
      return 0;
    };
  });
}

int RunEntityImport(const GlobalOptions& global, const std::string& entity, const std::string& file,
                    const std::string& format) {
  ImportOptions o;
  if (!format.empty()) o.format = ParseDataFormat(format);
  ProgressBar bar("importing " + entity);
  o.progress = [&bar](std::int64_t done, std::int64_t total) {
    bar.Update(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total));
  };
  Store store = Store::Open(global.ResolvedUrl());
  const ImportSummary s = ImportEntity(store, entity, file, o);
  if (global.json) {
    std::cout << nlohmann::json{{"entity", s.entity}, {"table", s.table},
                                {"file", s.file},     {"format", std::string(ToString(s.format))},
                                {"rows", s.rows},     {"pending_checks", s.pending_checks}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << fmt::format("Imported {} rows of {} ({}) from {} ({})\n", s.rows, s.entity,
                             s.table, s.file, ToString(s.format));
    for (const std::string& p : s.pending_checks) std::cout << "  pending: " << p << "\n";
  }
  return 0;
}

static void AddLegacyImportCommand(CLI::App& import, GlobalOptions& global,
                                   std::function<int()>& run);

// import all DIR: a bundle of `export all` (include/tradestore/bundle.h).
static void AddBundleImportCommand(CLI::App& import, GlobalOptions& global,
                                   std::function<int()>& run) {
  auto* sub = import.add_subcommand(
      "all",
      "Import a bundle written by `tradestore export all --out DIR`: every entity in one unit "
      "of work, committed only if every domain check of `tradestore check` passes");
  auto dir = std::make_shared<std::string>();
  sub->add_option("DIR", *dir, "The bundle directory (holding manifest.json)")->required();
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, dir] {
    run = [&global, dir]() {
      Store store = Store::Open(global.ResolvedUrl());
      ProgressBar bar("importing " + *dir);
      const BundleImportSummary s = ImportBundle(
          store, *dir,
          [&bar](const std::string&, std::size_t i, std::size_t n) { bar.Update(i, n); });
      if (global.json) {
        nlohmann::json entities = nlohmann::json::array();
        for (const ImportSummary& e : s.imported) {
          entities.push_back(
              {{"entity", e.entity}, {"table", e.table}, {"file", e.file}, {"rows", e.rows}});
        }
        std::cout << nlohmann::json{{"dir", s.dir},
                                    {"entities", entities},
                                    {"rows", s.rows},
                                    {"coverage_series", s.coverage_series},
                                    {"checks_passed", s.checks},
                                    {"seconds", s.seconds}}
                         .dump(2)
                  << "\n";
        return 0;
      }
      std::cout << fmt::format("Imported bundle {}: {} rows of {} entities in {:.3f} s\n", s.dir,
                               s.rows, s.imported.size(), s.seconds);
      for (const ImportSummary& e : s.imported) {
        std::cout << fmt::format("  {:<20} {:>10} rows\n", e.entity, e.rows);
      }
      std::cout << fmt::format("  candle coverage rebuilt for {} series; {} domain checks passed\n",
                               s.coverage_series, s.checks.size());
      return 0;
    };
  });
}

void AddEntityImportCommands(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  CLI::App* import = app.get_subcommand("import");
  AddLegacyImportCommand(*import, global, run);
  AddBundleImportCommand(*import, global, run);
  for (const std::string& entity : KnownEntities()) {
    if (entity == "candles" || entity == "trades") continue;  // their own subcommands dispatch
    auto* sub = import->add_subcommand(
        entity, fmt::format("Import {} from a file of `tradestore export {}`", entity, entity));
    struct Args {
      std::string file, format;
    };
    auto args = std::make_shared<Args>();
    sub->add_option("FILE", args->file, "The file (.csv, .jsonl or .sql)")->required();
    sub->add_option("--format", args->format, "csv, jsonl or sql (default: from the extension)");
    AddCommonOptions(*sub, global);
    sub->callback([&global, &run, args, entity] {
      run = [&global, args, entity]() {
        return RunEntityImport(global, entity, args->file, args->format);
      };
    });
  }
}

static void AddLegacyImportCommand(CLI::App& import, GlobalOptions& global,
                                   std::function<int()>& run) {
  auto* sub = import.add_subcommand(
      "legacy-json",
      "Migrate a legacy bot's JSON files (signals.json, trades.json, holdings.json; see "
      "docs/export-import.md), tagging test data");
  struct Args {
    std::string dir, bot, venue;
  };
  auto args = std::make_shared<Args>();
  sub->add_option("DIR", args->dir, "The directory of the bot's JSON files")->required();
  sub->add_option("--bot", args->bot, "Bot name (default: bot.json's name, else DIR's name)");
  sub->add_option("--venue", args->venue, "Venue of the instruments (default: bot.json, legacy)");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, args] {
    run = [&global, args]() {
      LegacyImportOptions o;
      o.bot_name = args->bot;
      if (!args->venue.empty()) o.venue = args->venue;
      Store store = Store::Open(global.ResolvedUrl());
      const LegacyImportReport r = ImportLegacyJson(store, args->dir, o);
      const auto notes = [](const std::vector<LegacyNote>& v) {
        nlohmann::json a = nlohmann::json::array();
        for (const LegacyNote& n : v) {
          a.push_back({{"file", n.file}, {"pointer", n.pointer}, {"reason", n.reason}});
        }
        return a;
      };
      if (global.json) {
        std::cout << nlohmann::json{{"bot", r.bot},
                                    {"bot_id", r.bot_id},
                                    {"test_bot", r.test_bot},
                                    {"test_bot_id", r.test_bot_id},
                                    {"signals_imported", r.signals_imported},
                                    {"trades_imported", r.trades_imported},
                                    {"holdings_verified", r.holdings_verified},
                                    {"tagged", notes(r.tagged)},
                                    {"skipped", notes(r.skipped)},
                                    {"warnings", notes(r.warnings)}}
                         .dump(2)
                  << "\n";
        return 0;
      }
      std::cout << fmt::format(
          "Imported {} into bot {} (id {}){}\n"
          "  signals imported   {}\n  trades imported    {}\n  holdings verified  {}\n"
          "  tagged as test     {}\n  skipped            {}\n  warnings           {}\n",
          args->dir, r.bot, r.bot_id,
          r.test_bot.empty()
              ? ""
              : fmt::format(", test data into bot {} (id {})", r.test_bot, r.test_bot_id),
          r.signals_imported, r.trades_imported, r.holdings_verified, r.tagged.size(),
          r.skipped.size(), r.warnings.size());
      for (const auto& [title, list] :
           {std::pair{"tagged", &r.tagged}, std::pair{"skipped", &r.skipped},
            std::pair{"warning", &r.warnings}}) {
        for (const LegacyNote& n : *list) {
          std::cout << fmt::format("  {:<8} {}#{}: {}\n", title, n.file, n.pointer, n.reason);
        }
      }
      return 0;
    };
  });
}

void AddInstrumentsCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = app.add_subcommand("instruments", "List instruments and their candle ranges");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run] {
    run = [&global]() {
      Store store = Store::Open(global.ResolvedUrl());
      nlohmann::json out = nlohmann::json::array();
      for (const Instrument& i : store.instruments().List()) {
        nlohmann::json tfs = nlohmann::json::object();
        for (Timeframe tf : kAllTimeframes) {
          CandleRangeInfo info = store.candles().Info(i.id, tf);
          if (info.count == 0) continue;
          tfs[std::string(ToString(tf))] = {
              {"count", info.count}, {"first", info.first->ToIso()}, {"last", info.last->ToIso()}};
        }
        out.push_back({{"id", i.id},
                       {"venue", i.venue},
                       {"symbol", i.symbol},
                       {"base_asset", i.base_asset},
                       {"quote_asset", i.quote_asset},
                       {"price_precision", i.price_precision},
                       {"size_precision", i.size_precision},
                       {"candles", tfs}});
      }
      if (global.json) {
        std::cout << out.dump(2) << "\n";
        return 0;
      }
      for (const auto& i : out) {
        std::cout << fmt::format("{:>4}  {:<12} {:<10} {}/{}\n", i["id"].get<std::int64_t>(),
                                 i["symbol"].get<std::string>(), i["venue"].get<std::string>(),
                                 i["base_asset"].get<std::string>(),
                                 i["quote_asset"].get<std::string>());
        for (const auto& [tf, info] : i["candles"].items()) {
          std::cout << fmt::format(
              "        {:<4} {:>8} candles  {} .. {}\n", tf, info["count"].get<std::int64_t>(),
              info["first"].get<std::string>(), info["last"].get<std::string>());
        }
      }
      return 0;
    };
  });
}

}  // namespace tradestore::cli
