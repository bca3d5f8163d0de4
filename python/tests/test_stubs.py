"""The committed type stubs match the built module."""
import pathlib
import subprocess
import sys

import pytest

import tradestore

pytestmark = pytest.mark.sqlite
HERE = pathlib.Path(__file__).resolve().parent


def test_core_stub_is_current():
    made = subprocess.run([sys.executable, str(HERE.parent / "tools/make_stubs.py")], check=True,
                          capture_output=True, text=True).stdout
    committed = (HERE.parent / "tradestore/_core.pyi").read_text()
    assert made == committed, "regenerate: python3 python/tools/make_stubs.py > python/tradestore/_core.pyi"


def test_every_public_name_is_documented():
    for name in tradestore.__all__:
        obj = getattr(tradestore, name)
        assert (obj.__doc__ or "").strip(), name
        for attr, value in vars(obj).items() if isinstance(obj, type) else []:
            if callable(value) and not attr.startswith("_"):
                assert (value.__doc__ or "").strip(), f"{name}.{attr}"
