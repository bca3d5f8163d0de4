#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of every parser of data users bring,
# and the unit tests of the core, io, sql, store, market, analytics and
# paper layers on every backend (SQLite, PostgreSQL, PgBouncer, Citus, the
# read replica), all built with clang's AddressSanitizer and
# UndefinedBehaviorSanitizer in build/fuzz.
#
#   scripts/fuzz.sh [SECONDS]        # SECONDS per target (default 20: the CI run)
#   scripts/fuzz.sh 3600             # the longer run (see docs/operations.md)
#
# Each target starts from its checked-in corpus (tests/fuzz/corpus/<target>);
# new inputs it finds go to build/fuzz/corpus/<target>, not into the repo.
# A crash, a sanitizer finding, a leak or a violated property fails the run
# and leaves the input as build/fuzz/crash-* (or leak-*, timeout-*): add it
# to the corpus once fixed. Exit 0 only when every target ran clean.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
scripts/install-deps.sh

build=build/fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRADESTORE_FUZZ=ON -DTRADESTORE_BUILD_PYTHON=OFF -DTRADESTORE_BUILD_BENCH=OFF >/dev/null
layers=(core io sql store market analytics paper)
cmake --build "$build" --target fuzzers test_servers "${layers[@]/%/_tests}"

# The unit tests of the layers below the CLI, under the sanitizers: first
# the SQLite cases, then, against one set of throwaway servers shared by
# the test processes (as ctest's "pg" fixture does: tests/CMakeLists.txt),
# the PostgreSQL, PgBouncer, Citus and replica cases.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
server_tests='*postgres*:*citus*:*pgbouncer*:*Postgres*:*Citus*:*PgBouncer*:*Pg*:*Replica*'
for layer in "${layers[@]}"; do
  echo "== ${layer}_tests under ASan and UBSan (SQLite)"
  filter="-$server_tests"
  [[ $layer == core || $layer == io ]] && filter='*'
  TRADESTORE_URL= "$build/tests/${layer}_tests" --gtest_brief=1 --gtest_filter="$filter"
done
servers=$(mktemp -d)
stop_servers() {
  "$build/tests/test_servers" replica stop "$servers/pg-replica-test-server.state" || true
  "$build/tests/test_servers" pgbouncer stop "$servers/pgbouncer-test-server.state" || true
  "$build/tests/test_servers" citus stop "$servers/citus-test-cluster.state" || true
  "$build/tests/test_servers" postgres stop "$servers/pg-test-server.state" || true
  rm -rf "$servers"
}
trap stop_servers EXIT
"$build/tests/test_servers" postgres start "$servers/pg-test-server.state"
"$build/tests/test_servers" pgbouncer start "$servers/pgbouncer-test-server.state" \
  "$servers/pg-test-server.state"
"$build/tests/test_servers" replica start "$servers/pg-replica-test-server.state" \
  "$servers/pg-test-server.state"
"$build/tests/test_servers" citus start "$servers/citus-test-cluster.state"
for layer in "${layers[@]}"; do
  [[ $layer == core || $layer == io ]] && continue  # no server cases
  echo "== ${layer}_tests under ASan and UBSan (PostgreSQL, PgBouncer, Citus, replica)"
  TRADESTORE_URL= TRADESTORE_TEST_PG_SHARED="$servers/pg-test-server.state" \
    "$build/tests/${layer}_tests" --gtest_brief=1 --gtest_filter="$server_tests"
done
stop_servers
trap - EXIT

targets=(fuzz_candle_file fuzz_trade_file fuzz_entity_import fuzz_trade_list fuzz_values
         fuzz_legacy_import fuzz_manifests fuzz_candle_chunk)
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  echo "== $t (${seconds}s)"
  if ! (cd "$build" && "./tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 "corpus/$t" "../../tests/fuzz/corpus/$t" \
        2>"fuzz-$t.log"); then
    echo "fuzz: $t failed; see $build/fuzz-$t.log and $build/crash-* / leak-* / timeout-*" >&2
    tail -40 "$build/fuzz-$t.log" >&2
    status=1
  else
    grep -E "^stat::(number_of_executed_units|new_units_added)" "$build/fuzz-$t.log" || true
  fi
done
exit $status
