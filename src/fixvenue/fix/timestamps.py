"""UTC timestamps with microseconds, as FIX writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

_FORMATS = ("%Y%m%d-%H:%M:%S.%f", "%Y%m%d-%H:%M:%S")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def parse_utc_microseconds(text: str) -> int | None:
    """A FIX UTCTimestamp (seconds, milli- or microseconds) in microseconds since the
    epoch; None when the text is not one."""
    for layout in _FORMATS:
        try:
            moment = datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
        # Integer arithmetic: datetime.timestamp() is a float and rounds far-off moments.
        return (moment - _EPOCH) // _MICROSECOND
    return None


def format_utc_microseconds(timestamp_us: int) -> str:
    seconds, micros = divmod(timestamp_us, 1_000_000)
    return f"{_second_text(seconds)}.{micros:06d}"


# Every report carries a TransactTime, and the reports of a busy second share its date and
# time of day: formatting them once per second takes most of the cost away.
@lru_cache(maxsize=8)
def _second_text(seconds: int) -> str:
    return f"{datetime.fromtimestamp(seconds, UTC):%Y%m%d-%H:%M:%S}"
