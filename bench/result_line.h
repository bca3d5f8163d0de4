// One row of a benchmark's results in the form `bench/run-all` collects
// into its single table, printed on standard output beside the bench's own
// table:
//
//   RESULT<TAB>workload<TAB>tradestore<TAB>baseline<TAB>ratio<TAB>target<TAB>met
//
// Fields are free text without tabs or newlines; an empty one prints as
// "-". `tradestore` and `baseline` carry their units (e.g. "2505 fills/s",
// "843.0 us"), `baseline` names what it is where the workload does not
// (e.g. "714.9 us (libpq loop)"), `ratio` is tradestore's rate over the
// baseline's (higher is better), `target` the target as text, and
// `met` "yes", "NO", or empty where no target is set.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace tradestore::bench {

inline std::string ResultField(std::string_view text) {
  std::string out(text.empty() ? std::string_view("-") : text);
  for (char& c : out) {
    if (c == '\t' || c == '\n') c = ' ';
  }
  return out;
}

inline void PrintResultLine(std::string_view workload, std::string_view tradestore,
                            std::string_view baseline, std::string_view ratio,
                            std::string_view target, std::string_view met) {
  std::printf("RESULT\t%s\t%s\t%s\t%s\t%s\t%s\n", ResultField(workload).c_str(),
              ResultField(tradestore).c_str(), ResultField(baseline).c_str(),
              ResultField(ratio).c_str(), ResultField(target).c_str(), ResultField(met).c_str());
  std::fflush(stdout);
}

// `value` with `decimals` places and an optional unit ("843.0 us").
inline std::string Fixed(double value, int decimals, std::string_view unit = {}) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string out = buf;
  if (!unit.empty()) out += " " + std::string(unit);
  return out;
}

inline std::string_view Met(bool met) { return met ? "yes" : "NO"; }

}  // namespace tradestore::bench
