#!/bin/sh
# ctest python.pip_install: what the README tells a user to run, offline.
# A fresh venv (with Debian's site packages: setuptools, numpy, pandas),
# `pip install --no-build-isolation --no-index ./python` reusing this build
# tree's module (TRADESTORE_BUILD_DIR), then, with no PYTHONPATH, the
# package must come from the venv and work: a store opened, a bot written
# and read back.
#   pip_install_test.sh PYTHON SOURCE_DIR BUILD_DIR WORK_DIR
set -eu
python=$1 source=$2 build=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
"$python" -m venv --system-site-packages "$work/venv"
TRADESTORE_BUILD_DIR="$build" "$work/venv/bin/pip" install --quiet --no-build-isolation \
  --no-index "$source/python"
# The shared build tree must not remember the venv's interpreter: the venv
# is deleted below, and the next build would fail to configure.
if grep -q "^Python3_EXECUTABLE.*=$work/" "$build/CMakeCache.txt"; then
  echo "the install left $build configured with the venv's python:" >&2
  grep "^Python3_EXECUTABLE" "$build/CMakeCache.txt" >&2
  exit 1
fi
cd "$work"
env -u PYTHONPATH "$work/venv/bin/python" - "$work" <<'PY'
import pathlib
import sys

import tradestore

work = pathlib.Path(sys.argv[1])
where = pathlib.Path(tradestore.__file__).resolve()
assert where.is_relative_to((work / "venv").resolve()), f"imported from {where}, not the venv"
url = f"sqlite:{work / 'store'}"
with tradestore.open(url) as s:
    s.bots.create(name="pip-bot")
with tradestore.open(url) as s:
    names = [b.name for b in s.bots.list()]
assert names == ["pip-bot"], names
print(f"installed in {where.parent}, store round trip ok")
PY
rm -rf "$work"
