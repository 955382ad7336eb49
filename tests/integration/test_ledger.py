"""What the ledger holds, and that reports leave only after their commit (CONTRACT §6)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, select, text

from fixvenue.domain.commands import Command, EndTradingDay, command_session
from fixvenue.domain.events import OrderFilled
from fixvenue.domain.values import Side, TimeInForce
from fixvenue.ledger import migrate
from fixvenue.ledger import writer as ledger_writer
from fixvenue.ledger.database import open_engine
from fixvenue.ledger.reader import initialise
from fixvenue.ledger.schema import (
    SENT_THROUGH_EVENT_ID,
    commands,
    deliveries,
    events,
    fix_sessions,
    metadata,
)
from fixvenue.ledger.writer import LedgerEntry, LedgerWriter
from tests.support.fix_client import FixClient
from tests.support.venue import Venue
from tests.unit import builders


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


@pytest.mark.postgres
def test_a_batch_is_recorded_alike_in_one_statement_or_loaded_with_copy(
    postgres_url: str, second_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = builders.new_core()
    entries: list[LedgerEntry] = []
    stream: list[Command] = [
        builders.place("s1", Side.SELL, 100, 10_000),
        builders.place("s2", Side.SELL, 50, 10_001, session=builders.S2),
        builders.place("b1", Side.BUY, 120, 10_001, session=builders.S2),
        builders.replace("s3", "s2", Side.SELL, 40, 10_002, session=builders.S2),
        builders.cancel("c1", "s3", Side.SELL, session=builders.S2),
        EndTradingDay(trading_date=builders.FIRST_TRADING_DATE, next_trading_date="2026-11-03"),
        *(
            builders.place(
                f"r{n}", Side.BUY, 1 + n, 9_900 + n, time_in_force=TimeInForce.GOOD_TILL_CANCEL
            )
            for n in range(20)
        ),
    ]
    for command in stream:
        sequenced = builders.sequenced(core.last_sequence + 1, command)
        # Text a statement must carry exactly: quotes, a backslash, percent signs (the
        # driver's placeholders), JSON's own characters, letters beyond ASCII.
        message = f"35=D|58='\\\"%s%%[]{{}}é€|{command}"
        entries.append(LedgerEntry(sequenced, core.apply(sequenced), message=message))
    assert any(isinstance(event, OrderFilled) for entry in entries for event in entry.events)
    # Five at a time they go in one statement each, but for the batch that ends the day (the
    # last batch is a statement's); all at once, with the bound lowered, they go by COPY.
    in_fives = [entries[n : n + 5] for n in range(0, len(entries), 5)]
    assert all(
        2 * len(batch) + sum(len(entry.events) for entry in batch)
        <= ledger_writer.STATEMENT_ROWS_MAX
        for batch in in_fives
    )
    assert not any(isinstance(entry.command.command, EndTradingDay) for entry in in_fives[-1])

    def recorded(url: str, batches: list[list[LedgerEntry]]) -> dict[str, Sequence[Any]]:
        engine = open_engine(url)
        try:
            migrate.upgrade(engine)
            initialise(
                engine,
                created_date=builders.FIRST_TRADING_DATE,
                sessions=[builders.S1, builders.S2],
            )
            writer = LedgerWriter(engine, {i.symbol: i for i in builders.INSTRUMENTS})
            for batch in batches:
                delivered = [
                    (entry.command.sequence, 1_000 + entry.command.sequence) for entry in batch
                ]
                writer.commit(batch, batch[-1].events[-1].event_id, delivered)
            writer.close()
            with engine.connect() as connection:
                return {
                    table.name: connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    ).all()
                    for table in metadata.sorted_tables
                    if table.name not in ("alembic_version", "audit_log")
                }
        finally:
            engine.dispose()

    in_statements = recorded(postgres_url, in_fives)
    monkeypatch.setattr(ledger_writer, "STATEMENT_ROWS_MAX", 0)
    copied = recorded(second_postgres_url, [entries])
    assert in_statements["trades"] and in_statements["postings"]
    # Each session's watermark is the number of its last command.
    assert {
        (row.session, row.last_inbound_sequence_number) for row in in_statements["fix_sessions"]
    } == {
        (
            session,
            max(
                e.command.sequence for e in entries if command_session(e.command.command) == session
            ),
        )
        for session in (builders.S1, builders.S2)
    }
    assert all(
        row.message.startswith("35=D|58='\\\"%s%%[]{}é€|") for row in in_statements["commands"]
    )
    # How far delivery got, as the last commit (a statement) said.
    assert (SENT_THROUGH_EVENT_ID, str(entries[-1].events[-1].event_id)) in {
        (row.name, row.value) for row in in_statements["ledger_info"]
    }
    assert in_statements == copied


@pytest.mark.postgres
def test_a_backlog_of_delivery_records_beyond_a_statements_parameters_is_recorded_whole(
    postgres_url: str,
) -> None:
    # 40,000 rows of two columns: far beyond the one-statement bound (they go by COPY), and
    # more values than a statement's parameters could carry (65,535).
    delivered = [(sequence, 1_000 + sequence) for sequence in range(1, 40_001)]
    engine = open_engine(postgres_url)
    try:
        migrate.upgrade(engine)
        initialise(engine, created_date=builders.FIRST_TRADING_DATE, sessions=[builders.S1])
        writer = LedgerWriter(engine, {i.symbol: i for i in builders.INSTRUMENTS})
        writer.commit([], 0, delivered)
        writer.commit([], 0, [(40_001, 41_001)])
        writer.close()
        with engine.connect() as connection:
            recorded = connection.execute(
                select(deliveries.c.command_sequence, deliveries.c.sent_us).order_by(
                    deliveries.c.command_sequence
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in recorded] == [*delivered, (40_001, 41_001)]
