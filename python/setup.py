"""Builds tradestore._core with the project's CMake (see pyproject.toml).

The C++ library is built from the repository this directory belongs to, in
$TRADESTORE_BUILD_DIR if set (e.g. an existing build/test), else in
build/release (the build directory of scripts/demo.sh, so the two share
their objects). Needs cmake, ninja, a C++20 compiler, pybind11 and the
libraries of scripts/install-deps.sh; no network.
"""
import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        if not (ROOT / "CMakeLists.txt").exists() or not (ROOT / "src").is_dir():
            raise RuntimeError(f"{ROOT} is not a tradestore checkout: install from the "
                               "repository (pip install --no-build-isolation ./python)")
        build = pathlib.Path(os.environ.get("TRADESTORE_BUILD_DIR") or ROOT / "build/release")
        # The interpreter behind a venv's symlink: the module is the same, and
        # the build tree (perhaps shared, e.g. build/test) must not remember
        # a venv that may be deleted after the install.
        python = os.path.realpath(sys.executable)
        configure = ["cmake", "-S", str(ROOT), "-B", str(build), "-G", "Ninja",
                     f"-DPython3_EXECUTABLE={python}", "-DTRADESTORE_BUILD_PYTHON=ON"]
        if not (build / "CMakeCache.txt").exists():
            configure += ["-DCMAKE_BUILD_TYPE=Release", "-DTRADESTORE_BUILD_TESTS=OFF"]
        subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.run(["cmake", "--build", str(build), "--target", "tradestore_python", "-j",
                        jobs], check=True)
        built = sorted((build / "python/tradestore").glob("_core*.so"))
        if not built:
            raise RuntimeError(f"the build left no _core module in {build}/python/tradestore")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], target)


setup(ext_modules=[Extension("tradestore._core", sources=[])], cmdclass={"build_ext": CMakeBuild})
