#!/usr/bin/env bash
# README command 2: installs what is missing, builds everything with
# warnings as errors, and runs every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

build=build/test
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRADESTORE_WERROR=ON \
  -DTRADESTORE_BUILD_BENCH=ON >/dev/null
cmake --build "$build"
cd "$build"
ctest --output-on-failure -j2 --timeout 300
