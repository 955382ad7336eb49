"""The direction of imports between the venue's packages (docs/design.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "fixvenue"
FRAMEWORKS = {
    "quickfix",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "click",
    "prometheus_client",
    "simplefix",
    "threading",
    "queue",
    "time",
    "datetime",
    "socket",
}
ALLOWED = {
    "domain": set(),
    "matching": {"domain"},
    "risk": {"domain"},
    "core": {"domain", "matching", "risk"},
    "ledger": {"domain"},
    "fix": {"domain", "core"},
    "admin": {"domain", "core"},
    "metrics": {"domain", "core"},
    # Files from the ledger, with reports rendered as the FIX sessions receive them.
    "compliance": {"domain", "core", "ledger", "fix"},
    "clearing": {"domain", "ledger"},
}
PURE = {"domain", "matching", "risk", "core"}
# msgspec is allowed: events and the records of a sweep are its frozen Structs (docs/design.md,
# Matching), though only the ledger encodes anything with it.


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_packages_below_it(package: str) -> None:
    for path in (SOURCE / package).rglob("*.py"):
        project = {name.split(".")[1] for name in _imports(path) if name.startswith("fixvenue.")}
        assert project <= ALLOWED[package] | {package}, (path, project)


@pytest.mark.parametrize("package", sorted(PURE))
def test_the_core_knows_no_fix_sql_threads_or_clock(package: str) -> None:
    for path in (SOURCE / package).rglob("*.py"):
        roots = {name.split(".")[0] for name in _imports(path)}
        assert not roots & FRAMEWORKS, (path, roots & FRAMEWORKS)
