"""Reads the ledger back: for recovery at start-up and for the post-trade commands."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import get_args

from sqlalchemy import ColumnElement, Engine, and_, func, insert, select

from fixvenue.domain.commands import SequencedCommand
from fixvenue.domain.events import Event, ExecutionEvent, OrderStatusReported
from fixvenue.ledger import codec
from fixvenue.ledger.schema import (
    CREATED_DATE,
    SENT_THROUGH_EVENT_ID,
    commands,
    deliveries,
    events,
    fix_sessions,
    ledger_info,
    trading_days,
)

_STREAM_ROWS = 5_000
# The events a session receives as an ExecutionReport(8): an order's reports and the
# answers to status requests.
EXECUTION_REPORT_KINDS = tuple(
    kind.__name__ for kind in (*get_args(ExecutionEvent), OrderStatusReported)
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandRecord:
    """A command as the ledger holds it, with what came of it: the audit trail's unit."""

    sequence: int
    timestamp_us: int
    session: str | None
    inbound_sequence_number: int | None  # set for a command that came in over FIX
    kind: str
    payload: str
    message: str | None  # as received, for a FIX command (recorded since migration 0004)
    received_us: int | None
    sent_us: int | None  # when its reports were handed to QuickFIX
    events: list[Event]


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingDay:
    """One trading date and the numbers of its commands and events (ledger/schema.py)."""

    trading_date: str
    after_sequence: int
    after_event_id: int
    through_sequence: int | None  # None while it is the current date
    through_event_id: int | None

    @property
    def closed(self) -> bool:
        return self.through_event_id is not None

    def holds_event(self, event_id: ColumnElement[int]) -> ColumnElement[bool]:
        """A condition: the event id column names an event of this date."""
        return _within(event_id, self.after_event_id, self.through_event_id)

    def holds_command(self, sequence: ColumnElement[int]) -> ColumnElement[bool]:
        return _within(sequence, self.after_sequence, self.through_sequence)


def _within(column: ColumnElement[int], after: int, through: int | None) -> ColumnElement[bool]:
    if through is None:
        return column > after
    return and_(column > after, column <= through)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEvent:
    command_sequence: int
    event: Event


class LedgerReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def commands(self) -> Iterator[SequencedCommand]:
        """Every command in sequence order, streamed so memory stays flat."""
        query = select(
            commands.c.sequence,
            commands.c.timestamp_us,
            commands.c.inbound_sequence_number,
            commands.c.kind,
            commands.c.payload,
        ).order_by(commands.c.sequence)
        with self._engine.connect() as connection:
            result = connection.execution_options(yield_per=_STREAM_ROWS).execute(query)
            for row in result:
                yield SequencedCommand(
                    sequence=row.sequence,
                    timestamp_us=row.timestamp_us,
                    inbound_sequence_number=row.inbound_sequence_number,
                    command=codec.decode_command(row.kind, row.payload),
                )

    def event_payloads(self) -> Iterator[tuple[int, str, str]]:
        """(event id, kind, payload) of every event in order, streamed."""
        query = select(events.c.event_id, events.c.kind, events.c.payload).order_by(
            events.c.event_id
        )
        with self._engine.connect() as connection:
            result = connection.execution_options(yield_per=_STREAM_ROWS).execute(query)
            for row in result:
                yield row.event_id, row.kind, row.payload

    def trading_dates(self) -> list[str]:
        """The ledger's trading dates, YYYY-MM-DD, oldest first. The first is the UTC date
        the ledger was created on; each end of day adds the next; the last is current."""
        with self._engine.connect() as connection:
            dates = list(
                connection.execute(
                    select(trading_days.c.trading_date).order_by(trading_days.c.trading_date)
                ).scalars()
            )
        assert dates, "ledger not initialised"
        return dates

    def trading_day(self, trading_date: str) -> TradingDay | None:
        """Where the trading date's commands and events lie; None if it is not one."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(trading_days).where(trading_days.c.trading_date == trading_date)
            ).first()
        if row is None:
            return None
        return TradingDay(
            trading_date=row.trading_date,
            after_sequence=row.after_sequence,
            after_event_id=row.after_event_id,
            through_sequence=row.through_sequence,
            through_event_id=row.through_event_id,
        )

    def execution_reports(self, trading_date: str) -> Iterator[Event]:
        """Every event reported as an ExecutionReport on the trading date, in the order
        the venue sent them, streamed so memory stays flat."""
        day = self.trading_day(trading_date)
        if day is None:
            return
        query = (
            select(events.c.kind, events.c.payload)
            .where(events.c.kind.in_(EXECUTION_REPORT_KINDS), day.holds_event(events.c.event_id))
            .order_by(events.c.event_id)
        )
        with self._engine.connect() as connection:
            result = connection.execution_options(yield_per=_STREAM_ROWS).execute(query)
            for row in result:
                yield codec.decode_event(row.kind, row.payload)

    def command_records(self, trading_date: str) -> Iterator[CommandRecord]:
        """Every command of the trading date with its events, in sequence order, streamed
        so memory stays flat."""
        day = self.trading_day(trading_date)
        if day is None:
            return
        command_query = (
            select(
                commands.c.sequence,
                commands.c.timestamp_us,
                commands.c.session,
                commands.c.inbound_sequence_number,
                commands.c.kind,
                commands.c.payload,
                commands.c.message,
                commands.c.received_us,
                deliveries.c.sent_us,
            )
            .select_from(
                commands.outerjoin(deliveries, deliveries.c.command_sequence == commands.c.sequence)
            )
            .where(day.holds_command(commands.c.sequence))
            .order_by(commands.c.sequence)
        )
        event_query = (
            select(events.c.command_sequence, events.c.kind, events.c.payload)
            .where(day.holds_event(events.c.event_id))
            .order_by(events.c.event_id)
        )
        with (
            self._engine.connect() as command_connection,
            self._engine.connect() as event_connection,
        ):
            command_rows = command_connection.execution_options(yield_per=_STREAM_ROWS).execute(
                command_query
            )
            event_rows = iter(
                event_connection.execution_options(yield_per=_STREAM_ROWS).execute(event_query)
            )
            # Events are in the order of their commands: the two streams merge in one pass.
            pending = next(event_rows, None)
            for row in command_rows:
                record_events = []
                while pending is not None and pending.command_sequence == row.sequence:
                    record_events.append(codec.decode_event(pending.kind, pending.payload))
                    pending = next(event_rows, None)
                yield CommandRecord(
                    sequence=row.sequence,
                    timestamp_us=row.timestamp_us,
                    session=row.session,
                    inbound_sequence_number=row.inbound_sequence_number,
                    kind=row.kind,
                    payload=row.payload,
                    message=row.message,
                    received_us=row.received_us,
                    sent_us=row.sent_us,
                    events=record_events,
                )

    def events_after(self, event_id: int) -> list[StoredEvent]:
        query = select(events).where(events.c.event_id > event_id).order_by(events.c.event_id)
        with self._engine.connect() as connection:
            return [
                StoredEvent(
                    command_sequence=row.command_sequence,
                    event=codec.decode_event(row.kind, row.payload),
                )
                for row in connection.execute(query)
            ]

    def last_event_id(self) -> int:
        with self._engine.connect() as connection:
            value = connection.execute(select(func.max(events.c.event_id))).scalar()
        return int(value or 0)

    def inbound_watermarks(self) -> dict[str, int]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(fix_sessions)).all()
        return {row.session: row.last_inbound_sequence_number for row in rows}

    def info(self, name: str) -> str | None:
        with self._engine.connect() as connection:
            value = connection.execute(
                select(ledger_info.c.value).where(ledger_info.c.name == name)
            ).scalar()
        return None if value is None else str(value)

    def sent_through_event_id(self) -> int:
        value = self.info(SENT_THROUGH_EVENT_ID)
        assert value is not None, "ledger not initialised"
        return int(value)


def initialise(engine: Engine, *, created_date: str, sessions: Iterable[str]) -> None:
    """Give a migrated ledger its first facts and a row for every configured FIX session."""
    with engine.begin() as connection:
        known_info = set(connection.execute(select(ledger_info.c.name)).scalars())
        defaults = {CREATED_DATE: created_date, SENT_THROUGH_EVENT_ID: "0"}
        missing_info = [{"name": k, "value": v} for k, v in defaults.items() if k not in known_info]
        if missing_info:
            connection.execute(insert(ledger_info), missing_info)
        if connection.execute(select(func.count()).select_from(trading_days)).scalar() == 0:
            first = connection.execute(
                select(ledger_info.c.value).where(ledger_info.c.name == CREATED_DATE)
            ).scalar_one()
            connection.execute(
                insert(trading_days).values(trading_date=first, after_sequence=0, after_event_id=0)
            )
        known = set(connection.execute(select(fix_sessions.c.session)).scalars())
        missing = [
            {"session": s, "last_inbound_sequence_number": 0} for s in sessions if s not in known
        ]
        if missing:
            connection.execute(insert(fix_sessions), missing)
