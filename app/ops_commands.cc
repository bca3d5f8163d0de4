// Operator commands: status, check, stats, optimize, backup, restore,
// verify, prune (docs/operations.md). Each prints text, or JSON with --json,
// and exits 0 only when all is well: 1 when the command ran and found a
// problem (a failed check, a backup that does not verify, a store that is
// not current); the usual codes (2 bad input, 3 not found, 4 conflict, ...)
// when it could not run.
#include <fmt/format.h>

#include <iostream>

#include "commands.h"
#include "tradestore/backup.h"
#include "tradestore/check.h"
#include "tradestore/distribute.h"
#include "tradestore/prune.h"
#include "tradestore/status.h"
#include "tradestore/storage_stats.h"
#include "tradestore/store.h"

namespace tradestore::cli {
namespace {

std::string Bytes(std::int64_t n) {
  if (n < 0) return "-" + Bytes(-n);
  if (n < 1024) return fmt::format("{} B", n);
  if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", n / 1024.0);
  if (n < 1024LL * 1024 * 1024) return fmt::format("{:.1f} MiB", n / (1024.0 * 1024));
  return fmt::format("{:.2f} GiB", n / (1024.0 * 1024 * 1024));
}

std::string When(const std::optional<Timestamp>& t) { return t ? t->ToIso() : "-"; }

void PrintStatus(const StoreStatus& s) {
  std::cout << fmt::format("store {} ({}): {}\n", s.url, s.backend,
                           s.ok() ? "ok" : (s.connected ? "NOT CURRENT" : "NOT CONNECTED"));
  if (!s.error.empty()) std::cout << "  error: " << s.error << "\n";
  for (const DatabaseStatus& d : s.databases) {
    std::string pending;
    for (int v : d.pending_migrations) {
      if (!pending.empty()) pending += ',';
      pending += std::to_string(v);
    }
    std::cout << fmt::format("  {:<10} {:<13} schema {}/{}{}  size {}{}{}  last write {}\n", d.name,
                             d.connected ? "connected" : "disconnected", d.schema_version,
                             d.latest_version, pending.empty() ? "" : " (pending " + pending + ")",
                             Bytes(d.bytes), d.wal_bytes ? ", wal " + Bytes(*d.wal_bytes) : "",
                             d.free_pages ? fmt::format(", {} free pages", *d.free_pages) : "",
                             When(d.last_write));
    std::cout << fmt::format("  {:<10} {}\n", "", d.location);
  }
  if (s.replica) {
    const ReplicaStatus& r = *s.replica;
    if (!r.connected || !r.is_replica) {
      std::cout << fmt::format("  {:<10} {:<13} {}  ({})\n", "replica",
                               r.connected ? "not a replica" : "disconnected", r.location, r.error);
    } else {
      std::cout << fmt::format(
          "  {:<10} {:<13} {}  replayed {}  lag {}{}\n", "replica", "connected", r.location,
          r.replay_lsn, r.lag_bytes ? Bytes(*r.lag_bytes) : "?",
          r.lag_bytes && *r.lag_bytes > 0 && r.seconds_since_replay
              ? fmt::format(" ({:.1f} s since the last replayed commit)", *r.seconds_since_replay)
              : "");
    }
  }
  if (!s.tables.empty()) {
    std::cout << fmt::format("\n  {:<32} {:>10} {:>10} {:>10}  {}\n", "table", "rows", "real",
                             "test", "last write");
  }
  for (const TableStatus& t : s.tables) {
    std::cout << fmt::format("  {:<32} {:>10} {:>10} {:>10}  {}{}\n", t.table, t.rows,
                             t.real_rows ? std::to_string(*t.real_rows) : "-",
                             t.test_rows ? std::to_string(*t.test_rows) : "-", When(t.last_write),
                             t.error.empty() ? "" : "  ERROR: " + t.error);
  }
  if (!s.candle_series.empty()) {
    std::cout << fmt::format("\n  {:<28} {:>4} {:>12} {:>12} {:>8} {:>10}\n", "candle series", "tf",
                             "in rows", "in chunks", "chunks", "B/candle");
  }
  for (const CandleSeriesStatus& c : s.candle_series) {
    const std::string name = c.symbol.empty() ? "#" + std::to_string(c.instrument_id)
                                              : c.symbol + (c.venue.empty() ? "" : "@" + c.venue);
    std::cout << fmt::format(
        "  {:<28} {:>4} {:>12} {:>12} {:>8} {:>10}\n", name, c.timeframe, c.row_candles,
        c.chunk_candles, c.chunks,
        c.bytes_per_candle ? fmt::format("{:.1f}", *c.bytes_per_candle) : std::string("-"));
  }
  for (const CandleCompactionPolicy& p : s.compaction_policies) {
    std::cout << fmt::format(
        "  compaction policy: {} imports compact candles older than {}\n",
        p.timeframe ? std::string(ToString(*p.timeframe)) + " (timeframe)" : "default",
        FormatAge(p.older_than));
  }
}

const char* Mark(const std::string& status) {
  if (status == "passed") return "ok  ";
  if (status == "warning") return "warn";
  if (status == "skipped") return "skip";
  return "FAIL";
}

void PrintCheck(const CheckReport& r) {
  for (const CheckOutcome& c : r.checks) {
    std::cout << fmt::format("[{}] {:<24} {}\n", Mark(c.status), c.name, c.description);
    if (!c.note.empty()) std::cout << "       note: " << c.note << "\n";
    for (const CheckFinding& f : c.findings) {
      const char* sev = f.severity == FindingSeverity::kError     ? "error"
                        : f.severity == FindingSeverity::kWarning ? "warning"
                                                                  : "info";
      std::cout << fmt::format("       {}: {}{}{}{}\n", sev, f.table, f.row.empty() ? "" : " ",
                               f.row.empty() ? "" : "[" + f.row + "]",
                               (f.table.empty() && f.row.empty() ? "" : ": ") + f.message);
    }
    for (const CheckRepair& p : c.repairs) {
      std::cout << fmt::format("       repaired: {} [{}]: {}\n", p.table, p.row, p.action);
    }
  }
  std::cout << (r.ok() ? "check: all well\n" : "check FAILED\n");
}

// verify and restore take a backup root (the DIR of `backup --to DIR`) as
// its newest backup: say on stderr which one, before the work starts.
void SayWhichBackup(const std::string& dir) {
  const std::string taken = ResolveBackupDir(dir);
  if (taken != dir) {
    std::cerr << "tradestore: " << dir << " is a backup root; taking its newest backup " << taken
              << "\n";
  }
}

}  // namespace

void AddOpsCommands(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  {
    auto* sub = app.add_subcommand(
        "status",
        "Per database: connected, schema version, pending migrations, size, WAL, last write; "
        "rows per table (real and test data); per candle series, candles in rows and in chunks and "
        "bytes per candle. Exit 1 unless all is well");
    AddCommonOptions(*sub, global);
    sub->callback([&global, &run] {
      run = [&global] {
        const StoreStatus s = GetStatus(global.ResolvedUrl());
        if (global.json) {
          std::cout << StatusToJson(s) << "\n";
        } else {
          PrintStatus(s);
        }
        return s.ok() ? 0 : 1;
      };
    });
  }
  {
    auto* sub = app.add_subcommand(
        "check",
        "Storage integrity and domain invariants (orphans, positions vs fills, balances vs "
        "ledger, candles...); exit 1 on any failure");
    AddCommonOptions(*sub, global);
    auto options = std::make_shared<CheckOptions>();
    sub->add_flag("--repair", options->repair,
                  "Repair what is safe to repair (coverage metadata; a balance from an intact "
                  "ledger; PostgreSQL constraint validation), reporting each repair");
    sub->add_option("--only", options->only, "Only these checks, comma-separated")->delimiter(',');
    sub->add_option("--max-findings", options->max_findings,
                    "Findings listed per check (default 1000)");
    auto stale_after = std::make_shared<std::string>();
    sub->add_option("--stale-after", *stale_after,
                    "stale-bots: an active live or paper bot without a heartbeat for this long "
                    "is reported (90s, 15m, 2h, 1d; default 15m)");
    sub->callback([&global, &run, options, stale_after] {
      run = [&global, options, stale_after] {
        CheckOptions o = *options;
        if (!stale_after->empty()) o.stale_after = ParseCheckDuration(*stale_after);
        ProgressBar bar("check");
        o.progress = [&bar](const std::string&, std::size_t i, std::size_t n) { bar.Update(i, n); };
        const CheckReport r = CheckStore(global.ResolvedUrl(), o);
        if (global.json) {
          std::cout << CheckReportToJson(r) << "\n";
        } else {
          PrintCheck(r);
        }
        return r.ok() ? 0 : 1;
      };
    });
  }
  {
    auto* sub = app.add_subcommand(
        "stats", "Sizes, fragmentation, index use and (PostgreSQL) the slowest query shapes");
    AddCommonOptions(*sub, global);
    sub->callback([&global, &run] {
      run = [&global] {
        const StoreStats s = GetStats(global.ResolvedUrl());
        if (global.json) {
          std::cout << StatsToJson(s) << "\n";
          return 0;
        }
        for (const DatabaseStatus& d : s.databases) {
          std::cout << fmt::format(
              "{:<10} {:>12}{}{}{}\n", d.name, Bytes(d.bytes),
              d.wal_bytes ? "  wal " + Bytes(*d.wal_bytes) : "",
              d.free_pages && d.page_size
                  ? fmt::format("  free {} ({} pages)", Bytes(*d.free_pages * *d.page_size),
                                *d.free_pages)
                  : "",
              d.dead_rows ? fmt::format("  dead rows {}", *d.dead_rows) : "");
        }
        std::cout << fmt::format("\n{:<10} {:<28} {:<40} {:>10} {:>10}  {}\n", "database", "table",
                                 "index", "size", "scans", "stat");
        for (const IndexStats& i : s.indexes) {
          std::cout << fmt::format("{:<10} {:<28} {:<40} {:>10} {:>10}  {}\n", i.database, i.table,
                                   i.index, i.bytes ? Bytes(*i.bytes) : "-",
                                   i.scans ? std::to_string(*i.scans) : "-", i.sqlite_stat);
        }
        if (!s.queries_recorded) {
          std::cout << "\nslowest queries: not recorded (" << s.queries_note << ")\n";
        } else {
          std::cout << "\nslowest queries (total ms, calls, mean ms):\n";
          for (const QueryStats& q : s.slowest_queries) {
            std::cout << fmt::format("{:>12.1f} {:>8} {:>10.3f}  {}\n", q.total_ms, q.calls,
                                     q.mean_ms, q.query);
          }
        }
        return 0;
      };
    });
  }
  {
    auto* sub = app.add_subcommand(
        "distribute",
        "Apply the scale-out layout on a Citus cluster: per-bot tables distributed by bot_id "
        "and co-located, shared tables as reference tables, candles by instrument "
        "(docs/scale-out.md); idempotent");
    AddCommonOptions(*sub, global);
    sub->callback([&global, &run] {
      run = [&global] {
        const DistributeResult r = Distribute(global.ResolvedUrl());
        if (global.json) {
          std::cout << DistributeToJson(r) << "\n";
          return 0;
        }
        for (const DistributedTable& t : r.tables) {
          std::cout << fmt::format("{:<34} {:<17} {}\n", t.table, t.placement,
                                   t.changed ? "placed now" : "already");
        }
        for (const std::string& t : r.change_feed_triggers) {
          std::cout << "change feed trigger " << t << " (Citus functions: no NOTIFY)\n";
        }
        std::cout << fmt::format(
            "{} on {} workers: {}\n", r.url, r.workers,
            r.changed() ? "distributed" : "already distributed, nothing to do");
        return 0;
      };
    });
  }
  {
    auto* sub = app.add_subcommand(
        "optimize",
        "ANALYZE / PRAGMA optimize and a WAL checkpoint; VACUUM with --vacuum (reports space "
        "reclaimed)");
    AddCommonOptions(*sub, global);
    auto vacuum = std::make_shared<bool>(false);
    sub->add_flag("--vacuum", *vacuum, "Also VACUUM (rewrites the files; writers wait meanwhile)");
    sub->callback([&global, &run, vacuum] {
      run = [&global, vacuum] {
        const OptimizeResult r = Optimize(global.ResolvedUrl(), *vacuum);
        if (global.json) {
          std::cout << OptimizeToJson(r) << "\n";
          return 0;
        }
        for (const OptimizeAction& a : r.actions) {
          std::cout << fmt::format("{:<10} {:<26} {:>12} -> {:>12}\n", a.database, a.action,
                                   Bytes(a.bytes_before), Bytes(a.bytes_after));
        }
        std::cout << fmt::format("reclaimed {} ({} -> {})\n", Bytes(r.reclaimed()),
                                 Bytes(r.bytes_before), Bytes(r.bytes_after));
        return 0;
      };
    });
  }
  {
    auto* sub = app.add_subcommand(
        "backup",
        "Online, consistent backup into a new directory under --to DIR, with a manifest "
        "(counts, checksums, SHA-256)");
    AddCommonOptions(*sub, global);
    struct Args {
      std::string to;
      int keep = 0;
    };
    auto args = std::make_shared<Args>();
    sub->add_option("--to", args->to, "Directory that holds the backups")->required();
    sub->add_option("--keep", args->keep,
                    "Keep only the newest N backups in that directory (0: keep all)");
    sub->callback([&global, &run, args] {
      run = [&global, args] {
        ProgressBar bar("backup");
        BackupOptions o;
        o.keep = args->keep;
        o.progress = [&bar](const std::string&, std::size_t i, std::size_t n) { bar.Update(i, n); };
        const BackupResult r = Backup(global.ResolvedUrl(), args->to, o);
        if (global.json) {
          std::cout << BackupResultToJson(r) << "\n";
          return 0;
        }
        std::int64_t rows = 0;
        for (const BackupTable& t : r.manifest.tables) rows += t.rows;
        std::cout << fmt::format("backup written: {}\n  {} tables, {} rows, {} files\n", r.path,
                                 r.manifest.tables.size(), rows, r.manifest.files.size());
        for (const std::string& old : r.removed)
          std::cout << "  removed old backup " << old << "\n";
        return 0;
      };
    });
  }
  {
    auto* sub = app.add_subcommand(
        "restore",
        "Restore a backup directory into --store after verifying it; refuses a newer store "
        "without --force");
    AddCommonOptions(*sub, global);
    struct Args {
      std::string dir;
      bool force = false;
    };
    auto args = std::make_shared<Args>();
    sub->add_option("DIR", args->dir,
                    "Backup directory (backup-...), or a backup root: its newest backup")
        ->required();
    sub->add_flag("--force", args->force,
                  "Restore even over a newer schema or data the backup does not have");
    sub->callback([&global, &run, args] {
      run = [&global, args] {
        ProgressBar bar("restore");
        RestoreOptions o;
        o.force = args->force;
        o.progress = [&bar](const std::string&, std::size_t i, std::size_t n) { bar.Update(i, n); };
        SayWhichBackup(args->dir);
        const RestoreResult r = Restore(args->dir, global.ResolvedUrl(), o);
        if (global.json) {
          std::cout << RestoreResultToJson(r) << "\n";
          return 0;
        }
        for (const std::string& w : r.overridden) std::cerr << "tradestore: forced: " << w << "\n";
        std::int64_t rows = 0;
        for (const BackupTable& t : r.tables) rows += t.rows;
        std::cout << fmt::format("restored {} into {} ({}): {} tables, {} rows, checksums match\n",
                                 r.backup, r.url, r.method, r.tables.size(), rows);
        return 0;
      };
    });
  }
  {
    auto* sub = app.add_subcommand(
        "verify", "Check a backup (file hashes, table counts and checksums) without restoring it");
    sub->add_flag("--json", global.json, "Print results as JSON");
    auto dir = std::make_shared<std::string>();
    sub->add_option("DIR", *dir,
                    "Backup directory (backup-...), or a backup root: its newest backup")
        ->required();
    sub->callback([&global, &run, dir] {
      run = [&global, dir] {
        SayWhichBackup(*dir);
        const VerifyResult r = VerifyBackup(*dir);
        if (global.json) {
          std::cout << VerifyResultToJson(r) << "\n";
        } else {
          for (const VerifyProblem& p : r.problems) {
            std::cout << fmt::format("{}: {}\n", p.what, p.message);
          }
          std::cout << (r.ok() ? "backup verified: " : "backup FAILED verification: ") << r.path
                    << "\n";
        }
        return r.ok() ? 0 : 1;
      };
    });
  }
  {
    auto* sub = app.add_subcommand(
        "prune",
        "Delete old data of the named kinds in short batches (never open orders, positions or "
        "the ledger)");
    AddCommonOptions(*sub, global);
    struct Args {
      std::string before;
      std::vector<std::string> what;
      bool dry_run = false;
      std::int64_t batch_rows = 5000;
    };
    auto args = std::make_shared<Args>();
    sub->add_option("--before", args->before, "Cut-off time (ISO-8601 UTC, e.g. 2024-01-01)")
        ->required();
    sub->add_option("--what", args->what,
                    "Kinds, comma-separated: candles, order-events, signals, "
                    "portfolio-snapshots, performance-reports, system-events, errors, "
                    "risk-events, change-log")
        ->required()
        ->delimiter(',');
    sub->add_flag("--dry-run", args->dry_run, "Only count what would be deleted");
    sub->add_option("--batch-rows", args->batch_rows, "Rows per short transaction (default 5000)");
    sub->callback([&global, &run, args] {
      run = [&global, args] {
        Store store = Store::Open(global.ResolvedUrl());
        ProgressBar bar("prune");
        PruneOptions o;
        o.before = Timestamp::Parse(args->before);
        o.kinds = args->what;
        o.dry_run = args->dry_run;
        o.batch_rows = args->batch_rows;
        o.progress = [&bar](const std::string&, std::int64_t done, std::int64_t total) {
          bar.Update(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total));
        };
        const PruneResult r = Prune(store, o);
        if (global.json) {
          std::cout << PruneResultToJson(r) << "\n";
          return 0;
        }
        for (const PruneKindResult& k : r.kinds) {
          std::cout << fmt::format("{:<20} {:<32} {:>10} {}\n", k.kind, k.table,
                                   r.dry_run ? k.matched : k.deleted,
                                   r.dry_run ? "would be deleted" : "deleted");
        }
        return 0;
      };
    });
  }
}

}  // namespace tradestore::cli
