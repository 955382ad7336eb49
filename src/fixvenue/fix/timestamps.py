"""UTC timestamps with microseconds, as FIX writes them."""

from __future__ import annotations

from datetime import UTC, datetime


def format_utc_microseconds(timestamp_us: int) -> str:
    seconds, micros = divmod(timestamp_us, 1_000_000)
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y%m%d-%H:%M:%S}.{micros:06d}"
