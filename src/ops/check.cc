// `tradestore check`: runs the registered checks; see include/tradestore/check.h.
#include "tradestore/check.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "ops/ops_util.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {
namespace {

const char* SeverityName(FindingSeverity s) {
  switch (s) {
    case FindingSeverity::kError:
      return "error";
    case FindingSeverity::kWarning:
      return "warning";
    case FindingSeverity::kInfo:
      return "info";
  }
  return "error";
}

void Finish(CheckOutcome& out, std::int64_t max_findings) {
  bool error = false;
  bool warning = false;
  for (const CheckFinding& f : out.findings) {
    error = error || f.severity == FindingSeverity::kError;
    warning = warning || f.severity == FindingSeverity::kWarning;
  }
  if (out.status.empty()) out.status = error ? "failed" : warning ? "warning" : "passed";
  if (static_cast<std::int64_t>(out.findings.size()) > max_findings) {
    const std::size_t total = out.findings.size();
    out.findings.resize(static_cast<std::size_t>(max_findings));
    out.note += (out.note.empty() ? "" : "; ") +
                fmt::format("{} findings, the first {} listed", total, max_findings);
  }
}

}  // namespace

bool CheckReport::ok() const {
  return std::none_of(checks.begin(), checks.end(), [](const CheckOutcome& c) {
    return c.status == "failed" || c.status == "error";
  });
}

std::int64_t ParseCheckDuration(std::string_view text) {
  const auto refuse = [&] {
    return InvalidArgument("--stale-after: value '" + std::string(text) +
                           "' is not a duration: a positive integer and a unit s, m, h or d "
                           "(e.g. 90s, 15m, 2h, 1d)");
  };
  if (text.size() < 2) throw refuse();
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = kMicrosPerSecond;
      break;
    case 'm':
      unit = kMicrosPerMinute;
      break;
    case 'h':
      unit = kMicrosPerHour;
      break;
    case 'd':
      unit = kMicrosPerDay;
      break;
    default:
      throw refuse();
  }
  std::int64_t n = 0;
  for (const char ch : text.substr(0, text.size() - 1)) {
    if (ch < '0' || ch > '9') throw refuse();
    n = n * 10 + (ch - '0');
    if (n > std::numeric_limits<std::int64_t>::max() / kMicrosPerDay) throw refuse();
  }
  if (n == 0) throw refuse();
  return n * unit;
}

CheckReport CheckStore(const std::string& url, const CheckOptions& options) {
  const auto& registry = RegisteredChecks();
  if (options.stale_after < 0) {
    throw InvalidArgument("check: field 'stale_after' value " +
                          std::to_string(options.stale_after) + " µs is negative");
  }
  for (const std::string& name : options.only) {
    const bool known = std::any_of(registry.begin(), registry.end(),
                                   [&](const CheckDefinition& d) { return d.name == name; });
    if (!known) {
      std::string names;
      for (const CheckDefinition& d : registry) names += (names.empty() ? "" : ", ") + d.name;
      throw InvalidArgument("unknown check '" + name + "'; the checks are: " + names);
    }
  }
  ops::RequireExisting(url);  // a check never creates a store
  CheckReport report;
  report.url = detail::RedactedUrl(url);
  report.backend = detail::IsPostgresUrl(url) ? "postgres" : "sqlite";

  // The store, opened as it is (no migration: a check changes nothing it
  // does not report).
  std::optional<Store> store;
  CheckOutcome open;
  open.name = "open";
  open.description = "the store opens and its schema is current";
  try {
    StoreOptions o;
    o.migrate = false;
    store.emplace(Store::Open(url, o));
    for (const detail::SchemaState& s : detail::SchemaStates(detail::ImplOf(*store))) {
      if (!s.pending.empty() || s.current > s.latest) {
        open.findings.push_back(
            {FindingSeverity::kError, "", "database " + s.database,
             fmt::format("schema version {} but this build's is {}{}", s.current, s.latest,
                         s.current > s.latest ? " (written by a newer tradestore)"
                                              : " (open it once with tradestore to migrate)")});
      }
    }
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInvalidArgument) throw;
    open.findings.push_back({FindingSeverity::kError, "", "", e.what()});
    store.reset();
  }
  const bool usable = store.has_value() && open.findings.empty();
  Finish(open, options.max_findings);
  report.checks.push_back(std::move(open));

  std::size_t index = 0;
  auto run_one = [&](const CheckDefinition& def) {
    ++index;
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), def.name) == options.only.end()) {
      return;
    }
    if (options.progress) options.progress(def.name, index, registry.size());
    CheckOutcome out;
    out.name = def.name;
    out.description = def.description;
    if (!def.storage && !usable) {
      out.status = "skipped";
      out.note = "the store could not be opened at the current schema (see the open check)";
      report.checks.push_back(std::move(out));
      return;
    }
    try {
      def.run(store ? &*store : nullptr, url, options, out);
    } catch (const Error& e) {
      out.status = "error";
      out.findings.push_back({FindingSeverity::kError, "", "", e.what()});
    }
    Finish(out, options.max_findings);
    report.checks.push_back(std::move(out));
  };
  // Storage checks first, then the domain checks. Without --repair those
  // read one snapshot of the whole store, so bots writing meanwhile cannot
  // make a fill and its position disagree between two reads. (Repairs
  // re-verify under their own write lock.)
  for (const CheckDefinition& def : registry) {
    if (def.storage) run_one(def);
  }
  auto domain = [&] {
    for (const CheckDefinition& def : registry) {
      if (!def.storage) run_one(def);
    }
  };
  if (usable && !options.repair) {
    try {
      detail::WithSnapshot(detail::ImplOf(*store), domain);
    } catch (const Error& e) {
      CheckOutcome out;
      out.name = "snapshot";
      out.description = "the domain checks read one snapshot of the store";
      out.status = "error";
      out.findings.push_back({FindingSeverity::kError, "", "", e.what()});
      report.checks.push_back(std::move(out));
    }
  } else {
    domain();
  }
  return report;
}

std::string CheckReportToJson(const CheckReport& r) {
  using nlohmann::json;
  json j;
  j["url"] = r.url;
  j["backend"] = r.backend;
  j["ok"] = r.ok();
  j["checks"] = json::array();
  for (const CheckOutcome& c : r.checks) {
    json findings = json::array();
    for (const CheckFinding& f : c.findings) {
      findings.push_back({{"severity", SeverityName(f.severity)},
                          {"table", f.table},
                          {"row", f.row},
                          {"message", f.message}});
    }
    json repairs = json::array();
    for (const CheckRepair& p : c.repairs) {
      repairs.push_back({{"table", p.table}, {"row", p.row}, {"action", p.action}});
    }
    j["checks"].push_back({{"name", c.name},
                           {"description", c.description},
                           {"status", c.status},
                           {"note", c.note.empty() ? json(nullptr) : json(c.note)},
                           {"findings", findings},
                           {"repairs", repairs}});
  }
  return j.dump(2);
}

}  // namespace tradestore
