"""Engines for the two supported ledgers: embedded SQLite (default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


class LedgerUnavailableError(Exception):
    """The ledger database cannot be reached or used."""


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'ledger.sqlite3').resolve()}"


def open_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # No pre-ping: it would cost a round trip per commit. A connection that has died
        # fails its commit, and the writer retries on a fresh one.
        return create_engine(url, connect_args={"connect_timeout": 5})
    raise LedgerUnavailableError(
        f"unsupported database {parsed.get_backend_name()!r}: "
        "use postgresql+psycopg://… or sqlite:///…"
    )


def _tune_sqlite(connection: Any, _record: Any) -> None:
    # WAL lets readers (exports, the CLI) run beside the writer; FULL makes every commit
    # durable, which "acknowledged after commit" relies on.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
