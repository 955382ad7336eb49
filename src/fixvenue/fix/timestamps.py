"""UTC timestamps with microseconds, as FIX writes them."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMATS = ("%Y%m%d-%H:%M:%S.%f", "%Y%m%d-%H:%M:%S")


def parse_utc_microseconds(text: str) -> int | None:
    """A FIX UTCTimestamp (seconds, milli- or microseconds) in microseconds since the
    epoch; None when the text is not one."""
    for layout in _FORMATS:
        try:
            moment = datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(moment.timestamp()) * 1_000_000 + moment.microsecond
    return None


def format_utc_microseconds(timestamp_us: int) -> str:
    seconds, micros = divmod(timestamp_us, 1_000_000)
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y%m%d-%H:%M:%S}.{micros:06d}"
