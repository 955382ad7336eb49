"""Group commit: one transaction per batch of sequenced commands and their events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, insert, update

from fixvenue.domain.commands import SequencedCommand
from fixvenue.domain.events import Event, event_order_id, event_session
from fixvenue.ledger import codec
from fixvenue.ledger.schema import (
    SENT_THROUGH_EVENT_ID,
    commands,
    events,
    fix_sessions,
    ledger_info,
)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One command and what the core made of it: the unit of recording."""

    command: SequencedCommand
    events: list[Event]


class LedgerWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def commit(self, entries: Sequence[LedgerEntry], sent_through_event_id: int | None) -> None:
        """Record the entries in one transaction; returns only once it committed."""
        command_rows = []
        event_rows = []
        watermarks: dict[str, int] = {}
        for entry in entries:
            sequenced = entry.command
            session = sequenced.command.session
            kind, payload = codec.encode(sequenced.command)
            command_rows.append(
                {
                    "sequence": sequenced.sequence,
                    "timestamp_us": sequenced.timestamp_us,
                    "session": session,
                    "inbound_sequence_number": sequenced.inbound_sequence_number,
                    "kind": kind,
                    "payload": payload,
                }
            )
            if sequenced.inbound_sequence_number is not None:
                watermarks[session] = sequenced.inbound_sequence_number
            for event in entry.events:
                kind, payload = codec.encode(event)
                event_rows.append(
                    {
                        "event_id": event.event_id,
                        "command_sequence": sequenced.sequence,
                        "timestamp_us": event.timestamp_us,
                        "session": event_session(event),
                        "kind": kind,
                        "order_id": event_order_id(event),
                        "payload": payload,
                    }
                )
        with self._engine.begin() as connection:
            if command_rows:
                connection.execute(insert(commands), command_rows)
            if event_rows:
                connection.execute(insert(events), event_rows)
            for session, number in watermarks.items():
                connection.execute(
                    update(fix_sessions)
                    .where(fix_sessions.c.session == session)
                    .values(last_inbound_sequence_number=number)
                )
            if sent_through_event_id is not None:
                connection.execute(
                    update(ledger_info)
                    .where(ledger_info.c.name == SENT_THROUGH_EVENT_ID)
                    .values(value=str(sent_through_event_id))
                )
