"""The audit log as the admin endpoint writes and shows it.

GET /audit?date=YYYY-MM-DD   the entries of that UTC day (today if not given)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from fixvenue.admin.errors import bad_request

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class AuditRecord(Protocol):
    @property
    def entry_id(self) -> int: ...
    @property
    def time_us(self) -> int: ...
    @property
    def who(self) -> str: ...
    @property
    def what(self) -> str: ...
    @property
    def result(self) -> str | None: ...


class AuditTrail(Protocol):
    """The ledger's audit log."""

    def begin(self, who: str, what: str) -> int: ...
    def finish(self, entry_id: int, result: str) -> None: ...
    def entries(self, day: date, *, before: int) -> Sequence[AuditRecord]:
        """The entries of one UTC day, oldest first, up to the entry `before`."""


def utc_time(time_us: int) -> str:
    return (_EPOCH + timedelta(microseconds=time_us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def audit_day(value: str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"date must be YYYY-MM-DD, not {value!r}") from None


def audit_view(entries: Sequence[AuditRecord]) -> dict[str, Any]:
    return {
        "entries": [
            {
                "entry_id": entry.entry_id,
                "when": entry.time_us,  # UTC, microseconds since the epoch
                "time": utc_time(entry.time_us),
                "who": entry.who,
                "what": entry.what,
                # None: still being carried out, or the venue stopped while it was.
                "result": entry.result,
            }
            for entry in entries
        ]
    }
