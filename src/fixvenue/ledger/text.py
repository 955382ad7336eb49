"""Text as the ledger stores it."""

from __future__ import annotations


def storable(text: str) -> str:
    """Text a database can hold: PostgreSQL's text cannot hold NUL, which a FIX field may
    carry (a Text, a ClOrdID); it is written as the four characters \\x00."""
    return text.replace("\x00", "\\x00")
