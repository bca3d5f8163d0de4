// tradestore candles coverage|gaps|resample, and tradestore import trades.
// Library calls only (no SQL here).
#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "io/trade_reader.h"
#include "store/ops_queries.h"
#include "tradestore/candle_import.h"
#include "tradestore/coverage.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/indicator_cache.h"
#include "tradestore/resample.h"
#include "tradestore/store.h"
#include "tradestore/trade_candles.h"

namespace tradestore::cli {
namespace {

// The instrument named by --symbol and --venue. Without --venue, the one
// instrument with that symbol on any venue (ambiguity is an error).
Instrument FindInstrument(Store& store, const std::string& symbol,
                          const std::optional<std::string>& venue) {
  if (venue) {
    if (auto i = store.instruments().Find(*venue, symbol)) return *i;
    throw NotFound("no instrument " + symbol + " on venue '" + *venue + "'");
  }
  std::optional<Instrument> found;
  for (const Instrument& i : store.instruments().List()) {
    if (i.symbol != symbol) continue;
    if (found) {
      throw InvalidArgument("symbol " + symbol + " exists on several venues ('" + found->venue +
                            "', '" + i.venue + "'); choose one with --venue");
    }
    found = i;
  }
  if (!found) throw NotFound("no instrument " + symbol);
  return *found;
}

nlohmann::json CoverageJson(const CandleCoverage& c, const Instrument& i) {
  return nlohmann::json::parse(CoverageToJson(c, i));
}

struct Args {
  std::string symbol, timeframe, from, to, file, format;
  std::optional<std::string> venue;
  std::int64_t limit = 0;
  bool include_partial = false, skip_zero_volume = false;
  bool upgrade_chunks = false;  // compact --upgrade-chunks
  int chunk_format = 0;         // compact --chunk-format (0: the store's)
};

void AddCoverage(CLI::App& candles, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = candles.add_subcommand("coverage", "Coverage of stored candle series");
  auto args = std::make_shared<Args>();
  sub->add_option("--symbol", args->symbol, "Only this instrument");
  sub->add_option("--venue", args->venue, "Venue of --symbol");
  sub->add_option("--timeframe", args->timeframe, "Only this timeframe");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, args] {
    run = [&global, args]() {
      Store store = Store::Open(global.ResolvedUrl());
      std::optional<InstrumentId> id;
      if (!args->symbol.empty()) id = FindInstrument(store, args->symbol, args->venue).id;
      std::optional<Timeframe> tf;
      if (!args->timeframe.empty()) tf = ParseTimeframe(args->timeframe);
      nlohmann::json out = nlohmann::json::array();
      for (const CandleCoverage& c : store.candles().Coverage(id, tf)) {
        out.push_back(CoverageJson(c, store.instruments().Get(c.instrument_id)));
      }
      if (global.json) {
        std::cout << out.dump(2) << "\n";
        return 0;
      }
      std::cout << fmt::format("{:<12} {:<10} {:<4} {:>9} {:>9} {:>9} {:>7}  {} .. {}\n", "symbol",
                               "venue", "tf", "count", "expected", "missing", "gaps", "first",
                               "last");
      for (const auto& c : out) {
        std::cout << fmt::format("{:<12} {:<10} {:<4} {:>9} {:>9} {:>9} {:>7}  {} .. {}\n",
                                 c["symbol"].get<std::string>(), c["venue"].get<std::string>(),
                                 c["timeframe"].get<std::string>(), c["count"].get<std::int64_t>(),
                                 c["expected_count"].get<std::int64_t>(),
                                 c["missing"].get<std::int64_t>(),
                                 c["gap_count"].get<std::int64_t>(), c["first"].get<std::string>(),
                                 c["last"].get<std::string>());
      }
      return 0;
    };
  });
}

void AddGaps(CLI::App& candles, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = candles.add_subcommand("gaps", "List the gaps of one stored candle series");
  auto args = std::make_shared<Args>();
  sub->add_option("--symbol", args->symbol, "Instrument symbol")->required();
  sub->add_option("--venue", args->venue, "Venue of --symbol");
  sub->add_option("--timeframe", args->timeframe, "Timeframe")->required();
  sub->add_option("--limit", args->limit, "At most N gaps, oldest first (default: all)");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, args] {
    run = [&global, args]() {
      Store store = Store::Open(global.ResolvedUrl());
      const Instrument i = FindInstrument(store, args->symbol, args->venue);
      const Timeframe tf = ParseTimeframe(args->timeframe);
      const auto gaps = store.candles().Gaps(i.id, tf, args->limit);
      if (global.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const CandleGap& g : gaps) {
          out.push_back(
              {{"start", g.start.ToIso()}, {"end", g.end.ToIso()}, {"missing", g.missing}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
      }
      std::cout << fmt::format("{} gaps of {} {} (start .. end exclusive, missing buckets)\n",
                               gaps.size(), i.symbol, ToString(tf));
      for (const CandleGap& g : gaps) {
        std::cout << fmt::format("  {} .. {}  {}\n", g.start.ToIso(), g.end.ToIso(), g.missing);
      }
      return 0;
    };
  });
}

}  // namespace

std::optional<Micros> ParseAge(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  const char* end = text.data() + text.size() - 1;
  const auto r = std::from_chars(text.data(), end, n);
  Micros unit = 0;
  switch (text.back()) {
    case 'm':
      unit = 60 * kMicrosPerSecond;
      break;
    case 'h':
      unit = 3600 * kMicrosPerSecond;
      break;
    case 'd':
      unit = kMicrosPerDay;
      break;
    case 'w':
      unit = 7 * kMicrosPerDay;
      break;
    default:
      break;
  }
  if (r.ec != std::errc() || r.ptr != end || unit == 0 || n < 0 || n > 100'000) {
    return std::nullopt;
  }
  return n * unit;
}

std::string FormatAge(Micros age) {
  if (age == 0) return "all";
  for (const auto& [unit, name] : {std::pair<Micros, char>{7 * kMicrosPerDay, 'w'},
                                   {kMicrosPerDay, 'd'},
                                   {3600 * kMicrosPerSecond, 'h'},
                                   {60 * kMicrosPerSecond, 'm'}}) {
    if (age % unit == 0) return std::to_string(age / unit) + name;
  }
  return std::to_string(age) + "us";
}

std::optional<Timestamp> CompactCutoff(const std::string& text, const std::string& option) {
  if (text == "all") return std::nullopt;
  if (text.empty()) return FloorToTimeframe(Timestamp::Now(), Timeframe::k1d);
  if (auto t = Timestamp::TryParse(text)) return *t;
  const std::optional<Micros> age = ParseAge(text);
  if (!age) {
    throw InvalidArgument(option + " '" + text +
                          "': expected all, an ISO-8601 time or an age like 30m, 12h, 7d, 2w");
  }
  return Timestamp(Timestamp::Now().micros() - *age);
}

namespace {

void AddCompact(CLI::App& candles, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = candles.add_subcommand(
      "compact",
      "Move stored candles into compressed chunks (docs/storage.md \"Candle chunks\"); reads "
      "and writes see no difference");
  auto args = std::make_shared<Args>();
  sub->add_option("--symbol", args->symbol, "Only this instrument");
  sub->add_option("--venue", args->venue, "Venue of --symbol");
  sub->add_option("--timeframe", args->timeframe, "Only this timeframe");
  sub->add_option("--older-than", args->from,
                  "Candles opening before: all, an ISO-8601 time, or an age (30m, 12h, 7d, 2w); "
                  "default: the start of the current UTC day");
  sub->add_flag("--upgrade-chunks", args->upgrade_chunks,
                "Also rewrite the chunks that builds before chunk format 3 wrote (they stay "
                "readable as they are; format 3 decodes faster)");
  sub->add_option(
         "--chunk-format", args->chunk_format,
         "Write chunks in this format version and rewrite every other chunk in it: 3 "
         "(current), or 2 before going back to a build older than format 3 (docs/storage.md "
         "\"Chunk format versions\"); implies --upgrade-chunks")
      ->check(CLI::IsMember({2, 3}));
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, args] {
    run = [&global, args]() {
      const std::optional<Timestamp> before = CompactCutoff(args->from, "--older-than");
      StoreOptions options;
      if (args->chunk_format != 0) options.chunk_format = args->chunk_format;
      Store store = Store::Open(global.ResolvedUrl(), options);
      std::optional<InstrumentId> id;
      if (!args->symbol.empty()) id = FindInstrument(store, args->symbol, args->venue).id;
      std::optional<Timeframe> tf;
      if (!args->timeframe.empty()) tf = ParseTimeframe(args->timeframe);
      const CandleCompaction done = store.candles().Compact(id, tf, before);
      const bool upgrade = args->upgrade_chunks || args->chunk_format != 0;
      const CandleChunkUpgrade upgraded =
          upgrade ? store.candles().UpgradeChunks(id, tf) : CandleChunkUpgrade{};
      const double per_candle =
          done.candles > 0 ? static_cast<double>(done.bytes) / static_cast<double>(done.candles)
                           : 0.0;
      if (global.json) {
        nlohmann::json out = {
            {"series", done.series},          {"candles", done.candles},
            {"chunks", done.chunks},          {"bytes", done.bytes},
            {"bytes_per_candle", per_candle}, {"older_than", before ? before->ToIso() : "all"}};
        if (upgrade) {
          out["upgraded"] = {{"series", upgraded.series},
                             {"chunks", upgraded.chunks},
                             {"candles", upgraded.candles},
                             {"bytes_before", upgraded.bytes_before},
                             {"bytes_after", upgraded.bytes_after}};
        }
        std::cout << out.dump(2) << "\n";
        return 0;
      }
      std::cout << fmt::format(
          "compacted {} candles of {} series into {} chunks, {} bytes ({:.2f} bytes/candle)\n",
          done.candles, done.series, done.chunks, done.bytes, per_candle);
      if (upgrade) {
        std::cout << fmt::format(
            "rewrote {} chunks of another format ({} candles of {} series), {} -> {} bytes\n",
            upgraded.chunks, upgraded.candles, upgraded.series, upgraded.bytes_before,
            upgraded.bytes_after);
      }
      return 0;
    };
  });
}

void AddPolicy(CLI::App& candles, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = candles.add_subcommand(
      "policy",
      "Show or set the compaction policy of imports, kept in the store (docs/storage.md "
      "\"Compaction policy\"): every import of a series stores its candles older than the "
      "age as chunks");
  struct PolicyArgs {
    std::string timeframe, older_than;
    bool clear = false;
  };
  auto args = std::make_shared<PolicyArgs>();
  sub->add_option("--timeframe", args->timeframe,
                  "The timeframe whose policy to set or clear (default: the default policy, for "
                  "every timeframe without its own)");
  auto* set = sub->add_option("--compact-older-than", args->older_than,
                              "Set the policy: candles older than this age (30m, 12h, 7d, 2w) at "
                              "the time of an import go into chunks; all: every candle");
  sub->add_flag("--clear", args->clear, "Remove the policy (imports then write rows)")
      ->excludes(set);
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, args] {
    run = [&global, args]() {
      std::optional<Timeframe> tf;
      if (!args->timeframe.empty()) tf = ParseTimeframe(args->timeframe);
      std::optional<Micros> age;
      if (!args->older_than.empty()) {
        age = args->older_than == "all" ? std::optional<Micros>(0) : ParseAge(args->older_than);
        if (!age) {
          throw InvalidArgument("--compact-older-than '" + args->older_than +
                                "': expected all or an age like 30m, 12h, 7d, 2w");
        }
      }
      Store store = Store::Open(global.ResolvedUrl());
      bool cleared = false;
      if (age) store.candles().SetCompactionPolicy(tf, *age);
      if (args->clear) cleared = store.candles().ClearCompactionPolicy(tf);
      const std::vector<CandleCompactionPolicy> policies = store.candles().CompactionPolicies();
      const auto name = [](const CandleCompactionPolicy& p) {
        return p.timeframe ? std::string(ToString(*p.timeframe)) : std::string("default");
      };
      if (global.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const CandleCompactionPolicy& p : policies) {
          list.push_back({{"timeframe", name(p)},
                          {"older_than", FormatAge(p.older_than)},
                          {"older_than_us", p.older_than},
                          {"updated_at", p.updated_at.ToIso()}});
        }
        nlohmann::json out = {{"policies", list}};
        if (args->clear) out["cleared"] = cleared;
        std::cout << out.dump(2) << "\n";
        return 0;
      }
      if (args->clear && !cleared) {
        std::cout << "no " << (tf ? std::string(ToString(*tf)) : std::string("default"))
                  << " policy was set\n";
      }
      if (policies.empty()) {
        std::cout << "no compaction policy: imports write rows (candles compact compacts them)\n";
      }
      for (const CandleCompactionPolicy& p : policies) {
        std::cout << fmt::format("{:<8} imports compact candles older than {} (set {})\n", name(p),
                                 FormatAge(p.older_than), p.updated_at.ToIso());
      }
      return 0;
    };
  });
}

// The modules of CMakeLists.txt ("Compacted candles as rows"): beside the
// executable in a build tree, in ../lib/tradestore when installed.
std::string FindModule(const std::string& file) {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  for (const std::filesystem::path& p :
       {exe.parent_path() / file, exe.parent_path().parent_path() / "lib" / "tradestore" / file}) {
    if (std::filesystem::exists(p, ec)) return p.string();
  }
  return "";
}

void AddSqlFunctions(CLI::App& candles, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = candles.add_subcommand(
      "sql-functions",
      "Let SQL clients read compacted candles as rows (docs/storage.md \"Reading compacted "
      "candles with SQL\"): on PostgreSQL, create market.candle_chunk_rows() and the view "
      "market.all_candles (needs a superuser); on SQLite, say how to load the extension");
  auto module = std::make_shared<std::string>();
  sub->add_option("--module", *module,
                  "The module's absolute path (libtradestore_pg.so on PostgreSQL, "
                  "libtradestore_sqlite.so on SQLite), as the database server sees it; default: "
                  "beside this executable, or in ../lib/tradestore");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, module] {
    run = [&global, module]() {
      const std::string url = global.ResolvedUrl();
      const bool postgres = detail::IsPostgresUrl(url);
      const std::string file = postgres ? "libtradestore_pg.so" : "libtradestore_sqlite.so";
      std::string path = *module;
      if (path.empty()) path = FindModule(file);
      if (path.empty()) {
        throw NotFound(file +
                       " not found beside this executable or in ../lib/tradestore; give "
                       "--module");
      }
      if (!postgres) {
        const std::string stem = path.substr(0, path.size() - 3);  // SQLite adds ".so"
        if (global.json) {
          std::cout << nlohmann::json{{"backend", "sqlite"},
                                      {"extension", path},
                                      {"load", ".load " + stem},
                                      {"view", "all_candles"}}
                           .dump(2)
                    << "\n";
        } else {
          std::cout << "SQLite loads the extension itself, per connection; nothing to create.\n"
                    << "In the sqlite3 shell on the store's market.db (or its single file):\n"
                    << "  .load " << stem << "\n"
                    << "  SELECT * FROM all_candles WHERE instrument_id = 1 AND timeframe = "
                       "'1m';\n";
        }
        return 0;
      }
      Store store = Store::Open(url);
      store.candles().CreateSqlRowAccess(path);
      if (global.json) {
        std::cout << nlohmann::json{{"backend", "postgresql"},
                                    {"module", path},
                                    {"function", "market.candle_chunk_rows(bytea)"},
                                    {"view", "market.all_candles"}}
                         .dump(2)
                  << "\n";
      } else {
        std::cout << "created market.candle_chunk_rows(bytea) and market.all_candles from " << path
                  << "\n";
      }
      return 0;
    };
  });
}

void AddResample(CLI::App& candles, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = candles.add_subcommand(
      "resample", "Resample stored candles to a coarser timeframe and store the result");
  auto args = std::make_shared<Args>();
  sub->add_option("--symbol", args->symbol, "Instrument symbol")->required();
  sub->add_option("--venue", args->venue, "Venue of --symbol");
  sub->add_option("--from", args->from, "Source timeframe")->required();
  sub->add_option("--to", args->to, "Target timeframe (coarser, a multiple of --from)")->required();
  sub->add_flag("--include-partial", args->include_partial,
                "Also store the incomplete first/last buckets");
  sub->add_flag("--skip-zero-volume", args->skip_zero_volume,
                "Ignore zero-volume filler bars of the source");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, args] {
    run = [&global, args]() {
      ResampleOptions o;
      o.from = ParseTimeframe(args->from);
      o.to = ParseTimeframe(args->to);
      o.emit_incomplete = args->include_partial;
      o.skip_zero_volume = args->skip_zero_volume;
      ValidateResample(o.from, o.to);
      Store store = Store::Open(global.ResolvedUrl());
      const Instrument i = FindInstrument(store, args->symbol, args->venue);
      const ResampleStoredSummary s = ResampleStored(store, i.id, o);
      nlohmann::json j = {{"symbol", i.symbol},
                          {"venue", i.venue},
                          {"from", std::string(ToString(o.from))},
                          {"to", std::string(ToString(o.to))},
                          {"source_candles", s.source_candles},
                          {"skipped_zero_volume", s.skipped_zero_volume},
                          {"written", s.written},
                          {"incomplete_written", s.incomplete_written},
                          {"incomplete_dropped", s.incomplete_dropped}};
      if (s.coverage) j["coverage"] = CoverageJson(*s.coverage, i);
      if (global.json) {
        std::cout << j.dump(2) << "\n";
        return 0;
      }
      std::cout << fmt::format(
          "Resampled {} {} -> {}\n  source candles   {} ({} zero-volume skipped)\n"
          "  candles written  {} ({} incomplete)\n  incomplete left  {}\n",
          i.symbol, ToString(o.from), ToString(o.to), s.source_candles, s.skipped_zero_volume,
          s.written, s.incomplete_written, s.incomplete_dropped);
      if (s.coverage) {
        std::cout << fmt::format("  coverage         {} of {} buckets, {} gaps, {} .. {}\n",
                                 s.coverage->count, s.coverage->expected_count,
                                 s.coverage->gap_count, s.coverage->first.ToIso(),
                                 s.coverage->last.ToIso());
      }
      return 0;
    };
  });
}

void AddImportTrades(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  CLI::App* import = app.get_subcommand("import");
  auto* sub = import->add_subcommand(
      "trades",
      "Build candles from a trade (tick) file (--symbol and --timeframe); without them, import "
      "the trade journal (a file of `tradestore export trades`)");
  auto args = std::make_shared<Args>();
  sub->add_option("FILE", args->file, "The trade file")->required();
  sub->add_option("--symbol", args->symbol, "Instrument symbol (tick file)");
  sub->add_option("--timeframe", args->timeframe, "Timeframe of the candles built (tick file)");
  sub->add_option("--venue", args->venue, "Venue (default: none)");
  sub->add_option("--format", args->format,
                  "Layout: freqtrade-json, unix-price-amount, lean-tick or trades-header; journal: "
                  "csv, jsonl or sql");
  auto divisor = std::make_shared<std::optional<double>>();
  auto base_date = std::make_shared<std::string>();
  sub->add_option("--price-divisor", *divisor,
                  "Divide every price by this (default 1; 10000 for a lean-tick file under an "
                  "equity/ option/ index/ folder)");
  auto columns = std::make_shared<std::string>();
  sub->add_option("--columns", *columns,
                  "A headed CSV's columns: time=NAME,price=NAME,amount=NAME (any subset; the "
                  "others by their usual names)");
  sub->add_option("--base-date", *base_date,
                  "lean-tick: the date the milliseconds count from (default: the file name's "
                  "YYYYMMDD prefix)");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, args, divisor, base_date, columns] {
    run = [&global, args, divisor, base_date, columns]() {
      if (args->symbol.empty() && args->timeframe.empty()) {
        return RunEntityImport(global, "trades", args->file, args->format);
      }
      if (args->symbol.empty() || args->timeframe.empty()) {
        throw InvalidArgument("import trades: a tick file needs both --symbol and --timeframe");
      }
      const Timeframe tf = ParseTimeframe(args->timeframe);
      io::TradeFileOptions fo;
      if (!args->format.empty()) fo.format = args->format;
      fo.price_divisor = *divisor;
      if (!base_date->empty()) fo.base_date = Timestamp::Parse(*base_date);
      if (!columns->empty()) {
        std::string_view rest = *columns;
        while (!rest.empty()) {
          const std::size_t comma = rest.find(',');
          const std::string_view item = rest.substr(0, comma);
          rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
          const std::size_t eq = item.find('=');
          const std::string key(item.substr(0, eq));
          if (eq == std::string_view::npos || eq + 1 == item.size()) {
            throw InvalidArgument("--columns: '" + std::string(item) +
                                  "' is not KEY=NAME (keys: time, price, amount)");
          }
          const std::string name(item.substr(eq + 1));
          if (key == "time") {
            fo.time_column = name;
          } else if (key == "price") {
            fo.price_column = name;
          } else if (key == "amount") {
            fo.amount_column = name;
          } else {
            throw InvalidArgument("--columns: unknown key '" + key +
                                  "' (keys: time, price, amount)");
          }
        }
      }
      io::TradeFileReader reader(args->file, fo);
      // A file without trades changes nothing (no instrument, no coverage);
      // a bad row later rolls the whole unit of work back.
      TradeTick t;
      if (!reader.Next(t)) {
        throw InvalidArgument(args->file + ": no trades" +
                              (reader.rows_skipped() > 0
                                   ? " (" + std::to_string(reader.rows_skipped()) +
                                         " flagged suspicious were skipped)"
                                   : std::string()));
      }
      Store store = Store::Open(global.ResolvedUrl());
      UnitOfWork uow = store.BeginMarket();
      const std::string venue = args->venue.value_or("");
      Instrument instrument;
      if (auto existing = store.instruments().Find(venue, args->symbol)) {
        instrument = *existing;
      } else {
        const auto [base, quote] = SplitSymbol(args->symbol);
        instrument.symbol = args->symbol;
        instrument.venue = venue;
        instrument.base_asset = base;
        instrument.quote_asset = quote;
        instrument = store.instruments().Upsert(instrument);
      }
      CandleWriter writer = store.candles().OpenWriter(instrument.id, tf);
      TradeCandleBuilder builder(tf, [&writer](const Candle& c) { writer.Add(c); });
      do {
        builder.Add(t);
      } while (reader.Next(t));
      builder.Finish();
      writer.Commit();
      const auto coverage = store.candles().RefreshCoverage(instrument.id, tf);
      uow.Commit();
      nlohmann::json j = {{"file", args->file},
                          {"layout", reader.layout_name()},
                          {"symbol", instrument.symbol},
                          {"venue", instrument.venue},
                          {"timeframe", std::string(ToString(tf))},
                          {"trades_read", reader.rows_read()},
                          {"trades_skipped_suspicious", reader.rows_skipped()},
                          {"price_divisor", reader.price_divisor()},
                          {"candles_written", builder.candles_out()}};
      if (coverage) j["coverage"] = CoverageJson(*coverage, instrument);
      if (global.json) {
        std::cout << j.dump(2) << "\n";
        return 0;
      }
      std::cout << fmt::format(
          "Imported {} ({} layout{})\n  trades read      {}{}\n"
          "  candles written  {} ({} {})\n",
          args->file, reader.layout_name(),
          reader.price_divisor() != 1 ? fmt::format(", prices / {}", reader.price_divisor())
                                      : std::string(),
          reader.rows_read(),
          reader.rows_skipped() > 0
              ? fmt::format(" ({} flagged suspicious skipped)", reader.rows_skipped())
              : std::string(),
          builder.candles_out(), instrument.symbol, ToString(tf));
      return 0;
    };
  });
}

// candles indicators: computes indicators over a stored series, caching
// them in market.indicator_cache (only bars not cached yet are written).
nlohmann::json IndicatorValueJson(const IndicatorValue& v) {
  nlohmann::json j = {{"open_time", v.open_time.ToIso()}, {"value", v.value}};
  if (v.value2) j["value2"] = *v.value2;
  if (v.value3) j["value3"] = *v.value3;
  if (v.value4) j["value4"] = *v.value4;
  if (v.label) j["label"] = *v.label;
  return j;
}

void AddIndicators(CLI::App& candles, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = candles.add_subcommand(
      "indicators",
      "Compute indicators over a stored candle series and cache them (incrementally)");
  auto args = std::make_shared<Args>();
  auto names = std::make_shared<std::vector<std::string>>();
  auto recompute = std::make_shared<bool>(false);
  auto last = std::make_shared<std::int64_t>(1);
  sub->add_option("--symbol", args->symbol, "Instrument symbol")->required();
  sub->add_option("--venue", args->venue, "Venue of --symbol");
  sub->add_option("--timeframe", args->timeframe, "Timeframe of the series")->required();
  sub->add_option("--indicator", *names,
                  "Indicator name(s): sma(N) ema(N) rsi(N) atr(N) adx(N) bollinger(N,K) "
                  "macd(F,S,G) vwap(session) regime")
      ->required();
  sub->add_flag("--recompute", *recompute,
                "Delete the cached values and recompute them all (after candles changed)");
  sub->add_option("--last", *last, "Show the last N cached values of each (default 1)")
      ->check(CLI::NonNegativeNumber);
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, args, names, recompute, last] {
    run = [&global, args, names, recompute, last]() {
      // Parse every name before touching the store: a typo changes nothing.
      std::vector<IndicatorSpec> specs;
      for (const std::string& n : *names) specs.push_back(ParseIndicator(n));
      const Timeframe tf = ParseTimeframe(args->timeframe);
      Store store = Store::Open(global.ResolvedUrl());
      const Instrument i = FindInstrument(store, args->symbol, args->venue);
      if (store.candles().Info(i.id, tf).count == 0) {
        throw NotFound(fmt::format("no {} candles of {} in the store", ToString(tf), i.symbol));
      }
      nlohmann::json out = nlohmann::json::array();
      for (const IndicatorSpec& spec : specs) {
        const IndicatorCacheUpdate u = UpdateIndicatorCache(store, i.id, tf, spec, *recompute);
        std::vector<IndicatorValue> values = CachedIndicator(store, i.id, tf, spec.name);
        if (static_cast<std::int64_t>(values.size()) > *last) {
          values.erase(values.begin(), values.end() - *last);
        }
        if (global.json) {
          nlohmann::json shown = nlohmann::json::array();
          for (const IndicatorValue& v : values) shown.push_back(IndicatorValueJson(v));
          out.push_back({{"indicator", u.indicator},
                         {"candles", u.candles},
                         {"defined", u.defined},
                         {"cached", u.cached},
                         {"written", u.written},
                         {"values", shown}});
          continue;
        }
        std::cout << fmt::format("{}: {} of {} bars defined, {} written, {} already cached\n",
                                 u.indicator, u.defined, u.candles, u.written, u.cached);
        for (const IndicatorValue& v : values) {
          std::string line = fmt::format("  {}  {:.6g}", v.open_time.ToIso(), v.value);
          for (const auto& extra : {v.value2, v.value3, v.value4}) {
            if (extra) line += fmt::format("  {:.6g}", *extra);
          }
          if (v.label) line += "  " + *v.label;
          std::cout << line << "\n";
        }
      }
      if (global.json) std::cout << out.dump(2) << "\n";
      return 0;
    };
  });
}

}  // namespace

void AddCandlesCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* candles = app.add_subcommand("candles", "Candle coverage, gaps, compaction and resampling");
  candles->require_subcommand(1);
  AddCommonOptions(*candles, global, false);
  AddCoverage(*candles, global, run);
  AddGaps(*candles, global, run);
  AddCompact(*candles, global, run);
  AddPolicy(*candles, global, run);
  AddSqlFunctions(*candles, global, run);
  AddResample(*candles, global, run);
  AddIndicators(*candles, global, run);
  try {
    AddImportTrades(app, global, run);
  } catch (const CLI::OptionNotFound&) {
    // No `import` command registered: nothing to add trades to.
  }
}

}  // namespace tradestore::cli
