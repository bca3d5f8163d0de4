#!/usr/bin/env bash
# Installs the Debian packages tradestore needs to build, test and run its
# demo; installs only what is missing, so it is cheap to run again.
# Debian 12 (bookworm) or later. Runs apt-get as root, or through sudo.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libsqlite3-dev sqlite3
  libpq-dev postgresql postgresql-server-dev-all pgbouncer
  libfmt-dev nlohmann-json3-dev libcli11-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  ccache chromium fonts-dejavu-core libpng-dev
  libcpp-httplib-dev prometheus wrk
  libzip-dev libzstd-dev
  clang libclang-rt-dev
  python3-dev python3-pybind11 pybind11-dev python3-venv python3-pip python3-setuptools
  python3-wheel python3-pytest python3-numpy python3-pandas python3-matplotlib
  python3-sqlalchemy
)
# The dashboard (web/) is built with Node.js and npm: Debian's, unless a node
# with npm is already there (NodeSource's nodejs, for one, bundles npm).
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Citus (the distributed PostgreSQL of the scale-out tests) is not packaged
# by Debian: built from the vendored source; a no-op once installed.
"$(dirname "$0")/citus.sh"
