#!/usr/bin/env bash
# Installs Citus (distributed PostgreSQL; a test and deployment dependency,
# never linked) into Debian's PostgreSQL 15 by running the vendored
# upstream build script: ../shared/vendor/citus/build.sh relative to the
# repository root, or $TRADESTORE_CITUS_SOURCE (the folder holding
# build.sh). The build script is idempotent (it exits at once when the same
# version is installed), so this is cheap to run again. Called by
# scripts/install-deps.sh; needs root or sudo for the first install.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="${TRADESTORE_CITUS_SOURCE:-$root/../shared/vendor/citus}"
if [[ ! -x $source_dir/build.sh ]]; then
  echo "citus.sh: no build.sh in $source_dir (set TRADESTORE_CITUS_SOURCE to the folder" \
       "holding Citus' source and build.sh)" >&2
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  # Nothing to do (and no sudo needed) when it is already installed.
  if [[ -f /usr/lib/postgresql/15/lib/citus.so ]] &&
     compgen -G "/usr/share/postgresql/15/extension/.citus-*-built" >/dev/null; then
    exit 0
  fi
  command -v sudo >/dev/null || { echo "citus.sh: need root or sudo to install Citus" >&2; exit 1; }
  sudo=(sudo)
fi
"${sudo[@]}" "$source_dir/build.sh"
