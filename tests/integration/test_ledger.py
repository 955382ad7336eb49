"""What the ledger holds, and that reports leave only after their commit (CONTRACT §6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, select, text

from fixvenue.ledger import migrate
from fixvenue.ledger.database import open_engine
from fixvenue.ledger.schema import commands, events, fix_sessions, metadata
from tests.support.fix_client import FixClient
from tests.support.venue import Venue


@pytest.fixture
def ledger(venue: Venue) -> Iterator[Engine]:
    engine = create_engine(venue.database_url)
    yield engine
    engine.dispose()


def test_every_report_is_in_the_ledger_when_the_broker_receives_it(
    broker1: FixClient, broker2: FixClient, ledger: Engine
) -> None:
    for index in range(20):
        broker1.new_order(account="BRK1-A", side="2", quantity="10", price="100.00")
        taker = broker2.new_order(account="BRK2-A", side="1", quantity="10", price="100.00")
        fill = broker2.report(taker, "F")
        with ledger.connect() as connection:
            stored = connection.execute(
                select(events.c.session, events.c.kind).where(events.c.event_id == int(fill[17]))
            ).one_or_none()
        assert stored == ("BROKER2", "OrderFilled"), index


def test_every_inbound_command_is_recorded_with_its_session_and_sequence_number(
    broker1: FixClient, ledger: Engine
) -> None:
    clordids = [broker1.new_order(account="BRK1-A", price="99.00") for _ in range(5)]
    for clordid in clordids:
        broker1.report(clordid, "0")
    sent_numbers = [int(m[34]) for m in broker1.received() if m.msg_type == "8"]
    with ledger.connect() as connection:
        rows = connection.execute(
            select(
                commands.c.session,
                commands.c.kind,
                commands.c.inbound_sequence_number,
                commands.c.payload,
            ).order_by(commands.c.sequence)
        ).all()
        watermark = connection.execute(
            select(fix_sessions.c.last_inbound_sequence_number).where(
                fix_sessions.c.session == "BROKER1"
            )
        ).scalar_one()
    # The venue's own first command records the configuration's risk limits.
    assert (rows[0].session, rows[0].kind) == (None, "ConfigureRisk")
    rows = rows[1:]
    assert [row.session for row in rows] == ["BROKER1"] * 5
    inbound = [row.inbound_sequence_number for row in rows]
    assert inbound == list(range(inbound[0], inbound[0] + 5)), "consecutive MsgSeqNums"
    assert all(clordid in row.payload for clordid, row in zip(clordids, rows, strict=True))
    assert watermark == inbound[-1]
    assert len(sent_numbers) == 5


@pytest.fixture
def postgres_venue(tmp_path: Path, postgres_url: str) -> Iterator[Venue]:
    running = Venue(tmp_path, postgres_url).start()
    yield running
    running.ensure_stopped()


@pytest.mark.postgres
def test_postgres_commits_are_grouped_under_load(postgres_venue: Venue, tmp_path: Path) -> None:
    count_query = text(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
    )
    ledger = create_engine(postgres_venue.database_url)

    def commits() -> int:
        with ledger.connect() as connection:
            connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            return int(connection.execute(count_query).scalar_one())

    broker1 = FixClient(sender="BROKER1", port=postgres_venue.port, work_dir=tmp_path).start()
    try:
        before = commits()
        orders = [broker1.new_order(account="BRK1-A", price="99.00") for _ in range(500)]
        for order in orders:
            broker1.report(order, "0")
        grouped = commits() - before
    finally:
        broker1.stop()
        ledger.dispose()
    assert grouped < 250, f"500 orders took {grouped} transactions"


def test_the_migrations_build_exactly_the_schema_the_code_uses(
    tmp_path: Path, database_url: str
) -> None:
    engine = open_engine(database_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert differences == []
