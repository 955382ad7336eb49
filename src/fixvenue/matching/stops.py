"""Stop orders of one symbol waiting for the last trade price to reach their stop price.

A buy stop triggers when the last trade is at or above its stop price, a sell stop at or
below. When several are reached at once, the one the price reached first (the lowest buy
stop, the highest sell stop) triggers first, and among equal stop prices the oldest.
"""

from __future__ import annotations

from typing import Protocol

from sortedcontainers import SortedList

from fixvenue.domain.values import Side


class StopOrder(Protocol):
    @property
    def order_id(self) -> str: ...
    @property
    def side(self) -> Side: ...
    @property
    def stop_price(self) -> int | None: ...


class StopBook:
    def __init__(self) -> None:
        # Entries are (sort key, arrival); the sort key puts the first to trigger first.
        self._buys: SortedList = SortedList()
        self._sells: SortedList = SortedList()
        self._arrivals = 0
        self._entries: dict[str, tuple[int, int]] = {}  # order id -> its entry
        self._orders: dict[int, StopOrder] = {}  # arrival -> order

    def __len__(self) -> int:
        return len(self._orders)

    def add(self, order: StopOrder) -> None:
        assert order.stop_price is not None and order.order_id not in self._entries, order
        self._arrivals += 1
        key = order.stop_price if order.side is Side.BUY else -order.stop_price
        entry = (key, self._arrivals)
        self._side(order.side).add(entry)
        self._entries[order.order_id] = entry
        self._orders[self._arrivals] = order

    def remove(self, order: StopOrder) -> None:
        entry = self._entries.pop(order.order_id)
        self._side(order.side).remove(entry)
        del self._orders[entry[1]]

    def contains(self, order: StopOrder) -> bool:
        return order.order_id in self._entries

    def pop_triggered(self, low: int, high: int) -> StopOrder | None:
        """Takes out the next stop order that trades between `low` and `high` (the lowest
        and highest printed since the last look) have reached, if any."""
        buy = self._buys[0] if self._buys and self._buys[0][0] <= high else None
        sell = self._sells[0] if self._sells and -self._sells[0][0] >= low else None
        if buy is None and sell is None:
            return None
        # Both sides reached at once: the older order first.
        if sell is None or (buy is not None and buy[1] < sell[1]):
            assert buy is not None
            order = self._orders[buy[1]]
        else:
            order = self._orders[sell[1]]
        self.remove(order)
        return order

    def _side(self, side: Side) -> SortedList:
        return self._buys if side is Side.BUY else self._sells
