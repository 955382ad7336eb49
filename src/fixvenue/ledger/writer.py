"""Group commit: one transaction per batch of sequenced commands and their events.

The writer keeps one connection for itself (no pool checkout or reset per commit). On
PostgreSQL it talks to the driver directly: a batch of up to STATEMENT_ROWS_MAX rows (as
under load, where a commit carries a few requests) is one statement, its rows handed over
as a JSON array per table, which PostgreSQL commits on its own: one round trip, one call
into the driver. A larger one loads its rows with COPY, which costs the database less per
row. SQLite's executemany is already a loop in C.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import psycopg
from sqlalchemy import Connection, Engine, Table, Update, bindparam, insert, update
from sqlalchemy.engine import Compiled
from sqlalchemy.exc import DBAPIError

from fixvenue.domain.commands import SequencedCommand, command_session, is_operator_reset
from fixvenue.domain.events import (
    Event,
    OrderFilled,
    TradingDayEnded,
    event_order_id,
    event_session,
)
from fixvenue.domain.values import Instrument
from fixvenue.ledger import codec
from fixvenue.ledger.postings import fill_posting_rows
from fixvenue.ledger.register import register_row
from fixvenue.ledger.schema import (
    SENT_THROUGH_EVENT_ID,
    commands,
    deliveries,
    events,
    fix_sessions,
    ledger_info,
    postings,
    trades,
    trading_days,
)
from fixvenue.ledger.text import storable

_UPDATE_WATERMARK = (
    update(fix_sessions)
    .where(fix_sessions.c.session == bindparam("target"))
    .values(last_inbound_sequence_number=bindparam("number"))
)
_UPDATE_SENT_THROUGH = (
    update(ledger_info)
    .where(ledger_info.c.name == SENT_THROUGH_EVENT_ID)
    .values(value=bindparam("value"))
)
_CLOSE_TRADING_DATE = (
    update(trading_days)
    .where(trading_days.c.trading_date == bindparam("date"))
    .values(through_sequence=bindparam("sequence"), through_event_id=bindparam("event_id"))
)
# A batch of up to this many rows of commands, events and deliveries is recorded by one
# statement (_RECORD_BATCH); a larger one is loaded with COPY. Up to here (about 70
# commands of a mixed flow) the statement costs the writer and the database less than
# COPY (scripts/bench_writer.py); beyond it the database spends more on the JSON than on
# COPY's rows. A commit under load carries a few requests, far below it.
STATEMENT_ROWS_MAX = 250


def _added_rows(table: Table) -> str:
    """A data-modifying WITH query inserting the rows of a JSON array of arrays, each a row
    of the table's columns in order. Text goes in as text: the column's own type then
    checks its length, where a cast to VARCHAR(n) would cut it short."""
    names = ", ".join(column.name for column in table.columns)
    values = ", ".join(
        f"(item->>{index})::bigint" if column.type.python_type is int else f"item->>{index}"
        for index, column in enumerate(table.columns)
    )
    return (
        f"{table.name}_added AS (INSERT INTO {table.name} ({names}) "
        f"SELECT {values} FROM jsonb_array_elements(%s::jsonb) AS item)"
    )


_STATEMENT_TABLES = (commands, events, deliveries, postings, trades)
# A batch in one statement: the rows of each table, the sessions' inbound watermarks
# ([session, number] pairs), and how far delivery has got (NULL: unchanged).
_RECORD_BATCH = (
    f"WITH {', '.join(_added_rows(table) for table in _STATEMENT_TABLES)}, "
    f"watermarks AS (UPDATE {fix_sessions.name} "
    "SET last_inbound_sequence_number = (pair->>1)::bigint "
    f"FROM jsonb_array_elements(%s::jsonb) AS pair WHERE session = pair->>0) "
    f"UPDATE {ledger_info.name} SET value = given.value FROM (SELECT %s::text AS value) "
    "AS given WHERE name = %s AND given.value IS NOT NULL"
)
_json_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One command and what the core made of it: the unit of recording."""

    command: SequencedCommand
    events: list[Event]
    # The message the command came in as and when, for the audit trail (FIX commands).
    message: str | None = None
    received_us: int | None = None


class LedgerWriter:
    def __init__(self, engine: Engine, instruments: Mapping[str, Instrument]) -> None:
        self._engine = engine
        self._instruments = instruments
        self._connection: Connection | None = None
        self._postgresql = engine.dialect.name == "postgresql"
        # The updates as the driver takes them, compiled once, with the values they fix.
        self._driver_sql = {
            statement: _DriverStatement(statement.compile(dialect=engine.dialect))
            for statement in (_CLOSE_TRADING_DATE, _UPDATE_WATERMARK, _UPDATE_SENT_THROUGH)
        }
        # How far delivery had got at the last commit (None: not recorded by this writer).
        self.recorded_sent_through: int | None = None

    def commit(
        self,
        entries: Sequence[LedgerEntry],
        sent_through_event_id: int,
        delivered: Sequence[tuple[int, int]] = (),
    ) -> None:
        """Records the entries in one transaction, with how far delivery has got and when
        commands' reports were sent ((sequence, UTC µs) pairs); returns once committed."""
        rows = _BatchRows(entries, delivered, *_fills_and_days_ended(entries), _watermarks(entries))
        # None: unchanged since the last commit, not written again.
        sent_through = (
            None if sent_through_event_id == self.recorded_sent_through else sent_through_event_id
        )
        try:
            connection = self._open()
            if not self._postgresql:
                with connection.begin():
                    self._insert_rows(_portable_insert(connection), rows)
                    for statement, parameters in _updates(rows, sent_through):
                        connection.execute(statement, parameters)
            else:
                self._commit_postgresql(connection, rows, sent_through)
        except DBAPIError:
            self._discard_connection()
            raise
        except psycopg.Error as error:
            # Raised as SQLAlchemy raises the driver's errors, the only kind callers handle.
            self._discard_connection()
            raise DBAPIError.instance(None, None, error, psycopg.Error) from error
        except BaseException:
            # Whatever stopped the batch half-way, none of it may be committed later.
            self._discard_connection()
            raise
        self.recorded_sent_through = sent_through_event_id

    def _commit_postgresql(
        self, connection: Connection, rows: _BatchRows, sent_through: int | None
    ) -> None:
        # The connection is in autocommit (see _open): a statement alone is its own
        # transaction, and a transaction of several says BEGIN and COMMIT itself.
        driver = connection.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        entries = rows.entries
        count = len(entries) + sum(len(entry.events) for entry in entries) + len(rows.delivered)
        if count <= STATEMENT_ROWS_MAX and not rows.days_ended:
            added: dict[Table, str] = {}

            def add(table: Table, table_rows: Iterable[tuple[Any, ...]]) -> None:
                added[table] = _json_encoder.encode(list(table_rows)).decode()

            self._insert_rows(add, rows)
            driver.execute(
                _RECORD_BATCH,
                [
                    *(added[table] for table in _STATEMENT_TABLES),
                    _json_encoder.encode(list(rows.watermarks.items())).decode(),
                    None if sent_through is None else str(sent_through),
                    SENT_THROUGH_EVENT_ID,
                ],
            )
            return
        with driver.cursor() as cursor:
            cursor.execute("BEGIN")
            self._insert_rows(functools.partial(_copy_rows, cursor), rows)
            # COPY cannot go in a pipeline; the updates and the commit can.
            with driver.pipeline():
                for statement, parameters in _updates(rows, sent_through):
                    compiled = self._driver_sql[statement]
                    cursor.executemany(
                        compiled.text, [compiled.fixed | values for values in parameters]
                    )
                cursor.execute("COMMIT")

    def _insert_rows(self, insert: _Insert, rows: _BatchRows) -> None:
        """Hands `insert` the rows of every table the batch adds to."""
        # The rows are made as the database takes them: it stores one part of the batch
        # while the next is encoded.
        insert(commands, _command_rows(rows.entries))
        insert(events, _event_rows(rows.entries))
        insert(deliveries, rows.delivered)
        fills, instruments = rows.fills, self._instruments
        insert(
            postings,
            (
                row
                for fill in fills
                for row in fill_posting_rows(fill, instruments[fill.order.symbol])
            ),
        )
        insert(trades, (register_row(fill, instruments[fill.order.symbol]) for fill in fills))
        # Each end of day opens the next date (_updates closes the one it ended).
        insert(
            trading_days,
            [
                (ended.next_trading_date, sequence, ended.event_id, None, None)
                for sequence, ended in rows.days_ended
            ],
        )

    def close(self) -> None:
        self._discard_connection()

    def _open(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect()
            if self._postgresql:
                driver = connection.connection.driver_connection
                assert isinstance(driver, psycopg.Connection)
                driver.autocommit = True
            self._connection = connection
        return self._connection

    def _discard_connection(self) -> None:
        if self._connection is not None:
            self._connection.invalidate()
            self._connection.close()
            self._connection = None


@dataclass(frozen=True, slots=True)
class _BatchRows:
    """What a batch adds: its entries, delivery records, the fills and ends of day among
    its events (picked once: postings, the register and trading dates use them), and
    each session's inbound watermark."""

    entries: Sequence[LedgerEntry]
    delivered: Sequence[tuple[int, int]]
    fills: list[OrderFilled]
    days_ended: list[tuple[int, TradingDayEnded]]
    watermarks: dict[str, int]


# Inserts rows (a table's columns in order) into a table, and nothing if there are none.
_Insert = Callable[[Table, Iterable[tuple[Any, ...]]], None]
# An update with its sets of parameters, one execution each.
_Update = tuple[Update, list[dict[str, Any]]]


def _updates(rows: _BatchRows, sent_through: int | None) -> list[_Update]:
    """The updates the batch makes, each with its sets of parameters (for the ways that
    run them as statements of their own)."""
    updates: list[_Update] = [
        (
            _CLOSE_TRADING_DATE,
            [{"date": ended.trading_date, "sequence": sequence, "event_id": ended.event_id}],
        )
        for sequence, ended in rows.days_ended
    ]
    if rows.watermarks:
        updates.append(
            (
                _UPDATE_WATERMARK,
                [
                    {"target": target, "number": number}
                    for target, number in rows.watermarks.items()
                ],
            )
        )
    if sent_through is not None:
        updates.append((_UPDATE_SENT_THROUGH, [{"value": str(sent_through)}]))
    return updates


def _portable_insert(connection: Connection) -> _Insert:
    """Through SQLAlchemy, for SQLite: its executemany is already a loop in C."""

    def insert_rows(table: Table, rows: Iterable[tuple[Any, ...]]) -> None:
        names = [column.name for column in table.columns]
        values = [dict(zip(names, row, strict=True)) for row in rows]
        if values:  # no statement, no round trip
            connection.execute(insert(table), values)

    return insert_rows


def _copy_rows(cursor: psycopg.Cursor[Any], table: Table, rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY: several times cheaper per row than INSERT, for a batch with many."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    names = ", ".join(column.name for column in table.columns)
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        write_row = copy.write_row
        write_row(first)
        for row in iterator:
            write_row(row)


class _DriverStatement:
    def __init__(self, compiled: Compiled) -> None:
        self.text = str(compiled)
        # The values the statement was built with, beside those given at each execution
        # (compiled, a parameter given at execution has the value None).
        self.fixed = {name: value for name, value in compiled.params.items() if value is not None}


def _command_rows(entries: Iterable[LedgerEntry]) -> Iterator[tuple[Any, ...]]:
    for entry in entries:
        sequenced = entry.command
        kind, payload = codec.encode(sequenced.command)
        yield (
            sequenced.sequence,
            sequenced.timestamp_us,
            command_session(sequenced.command),
            sequenced.inbound_sequence_number,
            kind,
            payload,
            entry.received_us,
            None if entry.message is None else storable(entry.message),
        )


def _event_rows(entries: Iterable[LedgerEntry]) -> Iterator[tuple[Any, ...]]:
    for entry in entries:
        sequence = entry.command.sequence
        for event in entry.events:
            kind, payload = codec.encode(event)
            yield (
                event.event_id,
                sequence,
                event.timestamp_us,
                event_session(event),
                kind,
                event_order_id(event),
                payload,
            )


def _fills_and_days_ended(
    entries: Iterable[LedgerEntry],
) -> tuple[list[OrderFilled], list[tuple[int, TradingDayEnded]]]:
    """The fills among the entries' events (each is posted and registered too), and the
    ends of day (each rolls the trading date) with their command's sequence number."""
    fills = []
    days_ended = []
    for entry in entries:
        for event in entry.events:
            if isinstance(event, OrderFilled):
                fills.append(event)
            elif isinstance(event, TradingDayEnded):
                days_ended.append((entry.command.sequence, event))
    return fills, days_ended


def _watermarks(entries: Iterable[LedgerEntry]) -> dict[str, int]:
    """Per session, the inbound number of its last command among the entries."""
    watermarks: dict[str, int] = {}
    for entry in entries:
        sequenced = entry.command
        session = command_session(sequenced.command)
        if session is not None and sequenced.inbound_sequence_number is not None:
            watermarks[session] = sequenced.inbound_sequence_number
        elif is_operator_reset(sequenced.command):
            # The broker's next message will be number 1.
            watermarks[sequenced.command.session] = 0
    return watermarks
