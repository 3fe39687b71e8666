"""Bundles the built C library into the package when it exists.

`pip install ./bindings/python` after `cargo build -p portcullis-ffi --release`
copies `target/release/libportcullis.*` into the installed package, so the
package works without PORTCULLIS_LIBRARY. Without a built library the package
installs anyway and looks for the library at import time (see portcullis/_native.py).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

NAMES = ["libportcullis.so", "libportcullis.dylib", "portcullis.dll"]


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        release = Path(__file__).resolve().parent.parent.parent / "target" / "release"
        for name in NAMES:
            built = release / name
            if built.exists():
                target = Path(self.build_lib) / "portcullis" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(built, target)


setup(cmdclass={"build_py": BuildWithLibrary})
