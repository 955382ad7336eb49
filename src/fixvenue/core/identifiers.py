"""Deterministic id counters: replaying the same commands yields the same ids."""

from __future__ import annotations


class IdentifierSequence:
    def __init__(self) -> None:
        self.last_event_id = 0
        self.last_order_number = 0
        self.last_trade_number = 0

    def next_event_id(self) -> int:
        self.last_event_id += 1
        return self.last_event_id

    def next_order_id(self) -> str:
        self.last_order_number += 1
        return f"O{self.last_order_number}"

    def next_trade_id(self) -> str:
        self.last_trade_number += 1
        return f"T{self.last_trade_number}"
