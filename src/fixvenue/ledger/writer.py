"""Group commit: one transaction per batch of sequenced commands and their events.

The writer keeps one connection for itself (no pool checkout or reset per commit) and on
PostgreSQL loads rows with COPY, several times cheaper per row than INSERT. SQLite's
executemany is already a loop in C.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, insert, update
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


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One command and what the core made of it: the unit of recording."""

    command: SequencedCommand
    events: list[Event]
    # The message the command came in as and when, for the audit trail (FIX commands).
    message: str | None = None
    received_us: int | None = None


def storable(text: str | None) -> str | None:
    """Text a database can hold: PostgreSQL's text cannot hold NUL, which a FIX field may
    carry; it is written as the four characters \\x00."""
    return None if text is None else text.replace("\x00", "\\x00")


class LedgerWriter:
    def __init__(self, engine: Engine, instruments: Mapping[str, Instrument]) -> None:
        self._engine = engine
        self._instruments = instruments
        self._connection: Connection | None = None
        self._use_copy = engine.dialect.name == "postgresql"
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
        try:
            connection = self._open()
            with connection.begin():
                # The rows are made as the database takes them: it stores one part of the
                # batch while the next is encoded.
                self._insert(connection, commands, _command_rows(entries))
                self._insert(connection, events, _event_rows(entries))
                self._insert(connection, deliveries, delivered)
                fills, days_ended = _fills_and_days_ended(entries)
                instruments = self._instruments
                self._insert(
                    connection,
                    postings,
                    (
                        row
                        for fill in fills
                        for row in fill_posting_rows(fill, instruments[fill.order.symbol])
                    ),
                )
                self._insert(
                    connection,
                    trades,
                    (register_row(fill, instruments[fill.order.symbol]) for fill in fills),
                )
                for sequence, ended in days_ended:
                    self._roll_trading_date(connection, sequence, ended)
                watermarks = _watermarks(entries)
                if watermarks:
                    connection.execute(
                        _UPDATE_WATERMARK,
                        [
                            {"target": target, "number": number}
                            for target, number in watermarks.items()
                        ],
                    )
                if sent_through_event_id != self.recorded_sent_through:
                    connection.execute(_UPDATE_SENT_THROUGH, {"value": str(sent_through_event_id)})
        except DBAPIError:
            self._discard_connection()
            raise
        self.recorded_sent_through = sent_through_event_id

    @staticmethod
    def _roll_trading_date(connection: Connection, sequence: int, event: TradingDayEnded) -> None:
        """Closes the trading date an end of day (command `sequence`) ended and opens the
        next."""
        connection.execute(
            update(trading_days)
            .where(trading_days.c.trading_date == event.trading_date)
            .values(through_sequence=sequence, through_event_id=event.event_id)
        )
        connection.execute(
            insert(trading_days).values(
                trading_date=event.next_trading_date,
                after_sequence=sequence,
                after_event_id=event.event_id,
            )
        )

    def close(self) -> None:
        self._discard_connection()

    def _open(self) -> Connection:
        if self._connection is None:
            self._connection = self._engine.connect()
        return self._connection

    def _discard_connection(self) -> None:
        if self._connection is not None:
            self._connection.invalidate()
            self._connection.close()
            self._connection = None

    def _insert(
        self, connection: Connection, table: Table, rows: Iterable[tuple[Any, ...]]
    ) -> None:
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:  # no statement, no round trip
            return
        names = [column.name for column in table.columns]
        if not self._use_copy:
            connection.execute(
                insert(table),
                [dict(zip(names, row, strict=True)) for row in itertools.chain((first,), iterator)],
            )
            return
        driver = connection.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy,
        ):
            write_row = copy.write_row
            write_row(first)
            for row in iterator:
                write_row(row)


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
            storable(entry.message),
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
