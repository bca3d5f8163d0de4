// The named checks of `tradestore check`; see include/tradestore/check.h.
//
// Adding a check: append a CheckDefinition to Build() below. `run` gets the
// store opened without migration (nullptr only for storage checks when the
// store could not be opened), the URL, whether to repair, and the outcome to
// fill: findings name the table and row; repairs are recorded, never silent.
// Put any SQL the check needs in src/store/ (ops_queries.h).
#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "core/candle_chunk.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/check.h"
#include "tradestore/error.h"
#include "tradestore/store.h"
#include "tradestore/timeframe.h"

namespace tradestore {
namespace {

using detail::RowFinding;

bool IsPostgres(const std::string& url) { return detail::IsPostgresUrl(url); }

void AddRows(CheckOutcome& out, const std::vector<RowFinding>& rows,
             FindingSeverity severity = FindingSeverity::kError) {
  for (const RowFinding& r : rows) out.findings.push_back({severity, r.table, r.row, r.message});
}

// A domain check that only reports rows.
CheckDefinition RowCheck(std::string name, std::string description,
                         std::vector<RowFinding> (*query)(detail::StoreImpl&)) {
  return {std::move(name), std::move(description), false,
          [query](Store* store, const std::string&, const CheckOptions&, CheckOutcome& out) {
            AddRows(out, query(detail::ImplOf(*store)));
          }};
}

void SqliteIntegrity(Store* store, const std::string& url, const CheckOptions&, CheckOutcome& out) {
  if (IsPostgres(url)) {
    out.status = "skipped";
    out.note = "SQLite only (PostgreSQL: see constraints and amcheck)";
    return;
  }
  (void)store;
  for (const detail::SqliteFile& f : detail::SqliteFilesOf(url)) {
    for (const std::string& m : detail::SqliteIntegrityCheck(f.path, 100)) {
      out.findings.push_back({FindingSeverity::kError, f.database, f.path, m});
    }
  }
}

void Constraints(Store* store, const std::string& url, const CheckOptions& options,
                 CheckOutcome& out) {
  const bool repair = options.repair;
  if (!IsPostgres(url)) {
    for (const detail::SqliteFile& f : detail::SqliteFilesOf(url)) {
      for (const std::string& m : detail::SqliteForeignKeyCheck(f.path)) {
        out.findings.push_back({FindingSeverity::kError, f.database, f.path, m});
      }
    }
    return;
  }
  if (store == nullptr) {
    out.status = "skipped";
    out.note = "the store could not be opened";
    return;
  }
  for (const std::string& m : detail::PostgresForeignKeyCheck(detail::ImplOf(*store))) {
    out.findings.push_back({FindingSeverity::kError, "", "", m});
  }
  for (const std::string& m :
       detail::PostgresUnvalidatedConstraints(detail::ImplOf(*store), /*validate=*/repair)) {
    const bool validated = m.ends_with("(validated now)");
    out.findings.push_back(
        {validated ? FindingSeverity::kWarning : FindingSeverity::kError, "", "", m});
    if (validated) out.repairs.push_back({"", "", m});
  }
}

void Amcheck(Store* store, const std::string& url, const CheckOptions&, CheckOutcome& out) {
  if (!IsPostgres(url)) {
    out.status = "skipped";
    out.note = "PostgreSQL only (SQLite: see integrity)";
    return;
  }
  if (store == nullptr) {
    out.status = "skipped";
    out.note = "the store could not be opened";
    return;
  }
  const detail::AmcheckResult r = detail::PostgresAmcheck(detail::ImplOf(*store));
  if (!r.available) {
    out.note = r.note;
    out.findings.push_back({FindingSeverity::kInfo, "", "", r.note});
    return;
  }
  out.note = fmt::format("{} B-tree indexes checked with bt_index_check", r.indexes);
  for (const std::string& p : r.problems) {
    out.findings.push_back({FindingSeverity::kError, "", "", p});
  }
}

void Balances(Store* store, const std::string&, const CheckOptions& options, CheckOutcome& out) {
  const bool repair = options.repair;
  for (const detail::BalanceMismatch& m : detail::BalanceLedgerMismatches(detail::ImplOf(*store))) {
    const std::string row =
        fmt::format("bot_id={}, account_id={}, currency={}", m.bot_id, m.account_id, m.currency);
    std::string message = m.balance
                              ? fmt::format("balance is {} but its ledger entries sum to {}",
                                            m.balance->ToString(), m.ledger_sum.ToString())
                              : fmt::format("no balance row, but its ledger entries sum to {}",
                                            m.ledger_sum.ToString());
    if (!m.ledger_consistent) {
      message += "; the ledger itself is inconsistent (" + m.first_inconsistent_entry +
                 "), so the balance is not repaired";
      out.findings.push_back({FindingSeverity::kError, "trading.balances", row, message});
      continue;
    }
    if (!repair) {
      out.findings.push_back({FindingSeverity::kError, "trading.balances", row,
                              message + " (repairable with --repair: the ledger is intact)"});
      continue;
    }
    try {
      const auto done = detail::RepairBalanceFromLedger(detail::ImplOf(*store), m.bot_id,
                                                        m.account_id, m.currency);
      if (!done) {
        // A posting since the read brought the two together again.
        out.findings.push_back({FindingSeverity::kWarning, "trading.balances", row,
                                message + " (now equal: a posting since then)"});
        continue;
      }
      out.findings.push_back(
          {FindingSeverity::kWarning, "trading.balances", row, message + " (repaired)"});
      out.repairs.push_back(
          {"trading.balances", row,
           fmt::format("amount {} -> {}: set to the sum of the ledger entries, safe because "
                       "every entry's balance_after equals the running sum of the entries up to "
                       "it (the ledger is intact and is the record; the balance row is its "
                       "cache); re-verified under the balance's lock",
                       done->old_amount ? done->old_amount->ToString() : std::string("(missing)"),
                       done->new_amount.ToString())});
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kConflict) throw;
      out.findings.push_back(
          {FindingSeverity::kError, "trading.balances", row, message + "; " + e.what()});
    }
  }
}

std::string Legs(const std::vector<detail::JournalLeg>& legs) {
  std::string out;
  for (const detail::JournalLeg& l : legs) {
    if (!out.empty()) out += "; ";
    out +=
        fmt::format("id={} {} {} on {} account {}", l.id, l.type, l.amount.ToString(),
                    l.account_kind.empty() ? std::string("missing") : l.account_kind, l.account_id);
  }
  return out;
}

void JournalBalance(Store* store, const std::string&, const CheckOptions&, CheckOutcome& out) {
  std::int64_t single_leg = 0;
  for (const detail::JournalImbalance& j : detail::JournalImbalances(detail::ImplOf(*store))) {
    const std::string row =
        fmt::format("bot_id={}, journal_id={}, currency={}", j.bot_id, j.journal_id, j.currency);
    if (j.single_leg) {
      ++single_leg;
      out.findings.push_back(
          {FindingSeverity::kInfo, "trading.ledger_entries", row,
           fmt::format("a single-leg journal ({}): entries written before double entry "
                       "(migration trading/0002, postgres 0004) have no balancing leg; a later "
                       "one whose balancing leg was deleted also fails the balances check",
                       Legs(j.legs))});
      continue;
    }
    out.findings.push_back({FindingSeverity::kError, "trading.ledger_entries", row,
                            fmt::format("the {} legs sum to {} {}, not zero: {}", j.legs.size(),
                                        j.sum.ToString(), j.currency, Legs(j.legs))});
  }
  if (single_leg > 0) {
    out.note = fmt::format("{} single-leg journal{} (written before double entry)", single_leg,
                           single_leg == 1 ? "" : "s");
  }
}

void StaleBots(Store* store, const std::string&, const CheckOptions& options, CheckOutcome& out) {
  const Timestamp now = Timestamp::Now();
  std::int64_t backtests = 0;
  for (const Bot& b : store->bots().ListStale(now, options.stale_after)) {
    // A backtest runs on simulated time and reports no heartbeat.
    if (b.mode == RunMode::kBacktest) {
      ++backtests;
      continue;
    }
    const std::string row = fmt::format("id={}, name={}", b.id, b.name);
    out.findings.push_back(
        {FindingSeverity::kWarning, "trading.bots", row,
         b.last_heartbeat_at
             ? fmt::format("active {} bot whose last heartbeat was {} ({} s ago, more than "
                           "--stale-after {} s); runtime state '{}'",
                           ToString(b.mode), b.last_heartbeat_at->ToIso(),
                           (now - *b.last_heartbeat_at) / kMicrosPerSecond,
                           options.stale_after / kMicrosPerSecond, b.runtime_state)
             : fmt::format("active {} bot that never sent a heartbeat", ToString(b.mode))});
  }
  out.note = fmt::format("stale after {} s{}", options.stale_after / kMicrosPerSecond,
                         backtests > 0 ? fmt::format("; {} active backtest bot{} not checked "
                                                     "(simulated time, no heartbeats)",
                                                     backtests, backtests == 1 ? "" : "s")
                                       : std::string());
}

void Coverage(Store* store, const std::string&, const CheckOptions& options, CheckOutcome& out) {
  const bool repair = options.repair;
  CandleRepository& candles = store->candles();
  for (const detail::CandleSeriesKey& k : detail::CandleSeriesKeys(detail::ImplOf(*store))) {
    const std::string row =
        fmt::format("instrument_id={}, timeframe={}", k.instrument_id, k.timeframe);
    const auto tf = TryParseTimeframe(k.timeframe);
    if (!tf) {
      out.findings.push_back({FindingSeverity::kError, "market.candle_coverage", row,
                              "unknown timeframe '" + k.timeframe + "'"});
      continue;
    }
    const auto stored = candles.Coverage(k.instrument_id, *tf);
    const CandleRangeInfo info = candles.Info(k.instrument_id, *tf);
    std::string problem;
    if (info.count == 0) {
      if (!stored.empty()) problem = "a coverage row for a series without candles";
    } else {
      const auto gaps = candles.Gaps(k.instrument_id, *tf);
      std::int64_t missing = 0;
      for (const CandleGap& g : gaps) missing += g.missing;
      if (stored.empty()) {
        problem = fmt::format("no coverage row for {} candles", info.count);
      } else {
        const CandleCoverage& c = stored.front();
        if (c.count != info.count || c.first != *info.first || c.last != *info.last ||
            c.gap_count != static_cast<std::int64_t>(gaps.size()) ||
            c.expected_count != info.count + missing) {
          problem = fmt::format(
              "coverage says {} candles {}..{} ({} expected, {} gaps) but the candles are {} "
              "{}..{} ({} expected, {} gaps)",
              c.count, c.first.ToIso(), c.last.ToIso(), c.expected_count, c.gap_count, info.count,
              info.first->ToIso(), info.last->ToIso(), info.count + missing, gaps.size());
        }
      }
    }
    if (problem.empty()) continue;
    // Coverage is derived metadata: a stale row is a warning, and always
    // safe to rebuild from the candles.
    if (repair) {
      candles.RefreshCoverage(k.instrument_id, *tf);
      out.findings.push_back(
          {FindingSeverity::kWarning, "market.candle_coverage", row, problem + " (repaired)"});
      out.repairs.push_back({"market.candle_coverage", row,
                             "recomputed from the stored candles (coverage is derived from them)"});
    } else {
      out.findings.push_back({FindingSeverity::kWarning, "market.candle_coverage", row,
                              problem + " (rebuilt by --repair)"});
    }
  }
}

void Gaps(Store* store, const std::string&, const CheckOptions&, CheckOutcome& out) {
  std::int64_t series = 0;
  std::int64_t total = 0;
  for (const detail::CandleSeriesKey& k : detail::CandleSeriesKeys(detail::ImplOf(*store))) {
    const auto tf = TryParseTimeframe(k.timeframe);
    if (!tf) continue;
    ++series;
    for (const CandleGap& g : store->candles().Gaps(k.instrument_id, *tf)) {
      ++total;
      out.findings.push_back(
          {FindingSeverity::kInfo, "market.candles",
           fmt::format("instrument_id={}, timeframe={}, from={}, to={}", k.instrument_id,
                       k.timeframe, g.start.ToIso(), g.end.ToIso()),
           fmt::format("{} missing candle{}", g.missing, g.missing == 1 ? "" : "s")});
    }
  }
  out.note = fmt::format("{} gaps in {} series (informational: markets close)", total, series);
}

// RowCheck's, and a note of the chunks per format version: those of older
// formats read as they are, and `candles compact --upgrade-chunks` rewrites
// them in the current one (or in format 2, on a store opened with
// chunk_format=2).
void CandleChunks(Store* store, const std::string&, const CheckOptions&, CheckOutcome& out) {
  std::map<int, std::int64_t> formats;
  AddRows(out, detail::CandleChunkFindings(detail::ImplOf(*store), &formats));
  // A store opened with chunk_format=2 (for a build before format 3)
  // writes format 2: the chunks of other formats are the ones to rewrite.
  const int wanted = detail::ImplOf(*store).chunk_format();
  std::int64_t total = 0;
  std::int64_t older = 0;
  std::int64_t other = 0;
  std::string versions;
  for (const auto& [version, n] : formats) {
    total += n;
    if (version < internal::candle_chunk::kFormatVersion) older += n;
    if (version != wanted) other += n;
    versions += fmt::format("{}{} in format {}", versions.empty() ? "" : ", ", n, version);
  }
  out.note = total == 0 ? "no chunks" : fmt::format("{} chunks: {}", total, versions);
  if (wanted != internal::candle_chunk::kFormatVersion) {
    if (other > 0) {
      out.note += fmt::format(
          "; this store writes format {0} (chunk_format={0}): `tradestore candles compact "
          "--chunk-format {0}` rewrites the {1} of other formats in it",
          wanted, other);
    }
  } else if (older > 0) {
    out.note += fmt::format(
        "; `tradestore candles compact --upgrade-chunks` rewrites the {} of older formats in "
        "format {}, which decodes faster",
        older, internal::candle_chunk::kFormatVersion);
  }
}

std::vector<CheckDefinition> Build() {
  std::vector<CheckDefinition> c;
  c.push_back({"integrity", "SQLite PRAGMA integrity_check of every file", true, SqliteIntegrity});
  c.push_back({"constraints",
               "SQLite PRAGMA foreign_key_check of every file; PostgreSQL: every foreign key "
               "re-verified against the data, and constraints not validated (validated by "
               "--repair)",
               true, Constraints});
  c.push_back(
      {"amcheck", "PostgreSQL amcheck bt_index_check of every B-tree index", true, Amcheck});
  c.push_back(RowCheck("instrument-references",
                       "every instrument a trading or analytics row names exists in the market "
                       "database (a lost market.db leaves them dangling)",
                       detail::InstrumentReferences));
  c.push_back(
      RowCheck("orphan-fills", "every fill belongs to an existing order", detail::OrphanFills));
  c.push_back(RowCheck("orphan-order-events", "every order event belongs to an existing order",
                       detail::OrphanOrderEvents));
  c.push_back(RowCheck("fill-rules",
                       "orders have quantity > 0 and filled_quantity within it; fills have "
                       "quantity and price > 0, their order's account, instrument and side, and "
                       "never take it past its quantity",
                       detail::FillRuleViolations));
  c.push_back(RowCheck("order-fills", "each order's filled_quantity equals the sum of its fills",
                       detail::OrderFillTotals));
  c.push_back(RowCheck("positions",
                       "each position's quantity equals the net of its fills (buys minus sells)",
                       detail::PositionNets));
  c.push_back(RowCheck("trades",
                       "each closed trade reconciles with its fills (entry and exit fills at its "
                       "times, enough quantity on each side, net = gross - fees)",
                       detail::TradeReconciliation));
  c.push_back(RowCheck("bot-counters",
                       "each bot's fill and trade counters (kept by triggers, read by the "
                       "overview and /metrics) equal its fills and closed trades",
                       detail::BotCounterMismatches));
  c.push_back({"balances",
               "each balance equals the sum of its ledger entries exactly (repaired from an "
               "intact ledger by --repair)",
               false, Balances});
  c.push_back(RowCheck("ledger-references",
                       "every order, fill and trade a ledger entry refers to exists",
                       detail::LedgerReferences));
  c.push_back(RowCheck("ledger-running-balance",
                       "each ledger entry's balance_after equals the running sum of its account "
                       "and currency",
                       detail::LedgerRunningBalances));
  c.push_back({"ledger-double-entry", "every double-entry journal's legs sum to zero per currency",
               false, JournalBalance});
  c.push_back({"stale-bots",
               "no active live or paper bot's last heartbeat is older than --stale-after "
               "(a warning)",
               false, StaleBots});
  c.push_back(RowCheck("duplicate-candles",
                       "no two candles for one instrument, timeframe and bucket (and every candle "
                       "starts a bucket)",
                       detail::DuplicateCandles));
  c.push_back({"candle-chunks",
               "every compacted candle chunk decodes (format, checksum) to the count and "
               "open-time range its row states, every compacted candle starts a bucket of its "
               "timeframe, and no candle row lies inside a chunk",
               false, CandleChunks});
  c.push_back({"candle-coverage",
               "coverage rows match the candles (rebuilt from the candles by --repair)", false,
               Coverage});
  c.push_back(
      {"candle-gaps", "gaps per instrument and timeframe (listed, not an error)", false, Gaps});
  return c;
}

}  // namespace

const std::vector<CheckDefinition>& RegisteredChecks() {
  static const std::vector<CheckDefinition> checks = Build();
  return checks;
}

}  // namespace tradestore
