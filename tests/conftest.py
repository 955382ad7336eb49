"""Fixtures shared by the suite: ledgers on SQLite and on a real PostgreSQL, the venue."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.venue import Venue

POSTGRES_ADMIN_URL = os.environ.get(
    "FIXVENUE_TEST_POSTGRES", "postgresql://127.0.0.1:5432/postgres"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Named in the JUnit report, where CI counts the PostgreSQL-backed tests that ran.
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.user_properties.append(("ledger", "postgresql"))


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = _postgres_reachable()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    return POSTGRES_ADMIN_URL


def _postgres_database(server: str) -> Iterator[str]:
    name = f"fixvenue_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    host_part = server.rsplit("/", 1)[0].split("://", 1)[1]
    try:
        yield f"postgresql+psycopg://{host_part}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, for what only PostgreSQL can show."""
    yield from _postgres_database(postgres_server)


@pytest.fixture
def second_postgres_url(postgres_server: str) -> Iterator[str]:
    """Another, for comparing two ledgers."""
    yield from _postgres_database(postgres_server)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty ledger database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    else:
        yield from _postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def venue(tmp_path: Path, database_url: str) -> Iterator[Venue]:
    running = Venue(tmp_path, database_url)
    running.start()
    try:
        yield running
    finally:
        running.ensure_stopped()
