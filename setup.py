"""Builds fixvenue. With FIXVENUE_COMPILE=1 the trading core (matching, risk, core and the
domain's values: plain typed Python, no I/O) is also compiled to C extensions with mypyc,
as the container and the benchmarks use it; an extension shadows its .py file when both
are installed. Development installs (`pip install -e .`) stay interpreted, so that an
edited module is what runs."""

from __future__ import annotations

import os
from pathlib import Path

from mypyc.build import mypycify
from setuptools import Extension, setup

COMPILED_PACKAGES = ("matching", "risk", "core")
# Of the domain package, only the values: mypyc rebuilds a compiled class's annotations
# from what it knows of them and loses unions and generics (`int | None` becomes `type`),
# and the ledger decodes its commands and events (domain/commands.py, events.py, risk.py,
# rejection.py) from their annotations. tests/unit/test_ledger_codec.py guards this.
COMPILED_MODULES = ("domain/values.py",)


def compiled_extensions() -> list[Extension]:
    if os.environ.get("FIXVENUE_COMPILE") != "1":
        return []
    sources = Path("src", "fixvenue")
    modules = [
        str(path)
        for package in COMPILED_PACKAGES
        for path in sorted((sources / package).glob("*.py"))
        if path.name != "__init__.py"
    ]
    modules += [str(sources / module) for module in COMPILED_MODULES]
    return mypycify(modules, opt_level="3")


setup(ext_modules=compiled_extensions())
