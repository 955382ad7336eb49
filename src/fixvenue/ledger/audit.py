"""The audit log: every request to the admin endpoint, who made it and what came of it.

A request is written before it is carried out and its result after, so that no operator
action can take effect without its entry, even if the venue stops halfway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from fixvenue.ledger.schema import audit_log

_MICROSECONDS_PER_DAY = 86_400_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    entry_id: int
    time_us: int  # UTC, microseconds since the epoch
    who: str  # the name of the admin token used
    what: str
    result: str | None  # None: still being carried out, or the venue stopped meanwhile


class AuditLog:
    def __init__(self, engine: Engine, clock_us: Callable[[], int]) -> None:
        self._engine = engine
        self._clock_us = clock_us

    def begin(self, who: str, what: str) -> int:
        """Writes the request, before it is carried out; returns its entry's id."""
        with self._engine.begin() as connection:
            entry_id = connection.execute(
                insert(audit_log)
                .values(time_us=self._clock_us(), who=who, what=what, result=None)
                .returning(audit_log.c.entry_id)
            ).scalar_one()
        return int(entry_id)

    def finish(self, entry_id: int, result: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(audit_log).where(audit_log.c.entry_id == entry_id).values(result=result)
            )

    def entries(self, day: date, *, before: int) -> list[AuditEntry]:
        """The entries of one UTC day, oldest first, up to (without) the entry `before`."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        start_us = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        query = (
            select(audit_log)
            .where(audit_log.c.time_us >= start_us)
            .where(audit_log.c.time_us < start_us + _MICROSECONDS_PER_DAY)
            .where(audit_log.c.entry_id < before)
            .order_by(audit_log.c.entry_id)
        )
        with self._engine.connect() as connection:
            return [
                AuditEntry(
                    entry_id=row.entry_id,
                    time_us=row.time_us,
                    who=row.who,
                    what=row.what,
                    result=row.result,
                )
                for row in connection.execute(query)
            ]
