#!/usr/bin/env bash
# README command 2: installs what is missing, builds everything with
# warnings as errors, runs every test (ctest), then the short fuzzing run
# and the unit tests of the layers below the CLI, on every backend, under
# ASan and UBSan (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

build=build/test
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRADESTORE_WERROR=ON \
  -DTRADESTORE_BUILD_BENCH=ON >/dev/null
cmake --build "$build"
(cd "$build" && ctest --output-on-failure -j2 --timeout 300)
scripts/fuzz.sh "${TRADESTORE_FUZZ_SECONDS:-20}"
