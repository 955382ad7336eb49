"""A price-time priority order book for one symbol.

Each side maps price (ticks) to a FIFO level. A level is a dict keyed by order id: dicts keep
insertion order, so the first key is the oldest order, and removal by id is O(1).
The book decides who trades with whom and at what price; the caller applies the fills
(it owns the orders' quantities) and then removes what is fully filled.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from sortedcontainers import SortedDict

from fixvenue.domain.values import Side


class RestingOrder(Protocol):
    @property
    def order_id(self) -> str: ...
    @property
    def side(self) -> Side: ...
    @property
    def price(self) -> int | None: ...
    @property
    def leaves_quantity(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Match:
    resting: RestingOrder
    quantity: int
    price: int  # the resting order's price


@dataclass(frozen=True, slots=True)
class LevelView:
    price: int
    quantity: int
    orders: int


class OrderBook:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        # Bids sort by negated price so that the first key is always the best price.
        self._bids: SortedDict = SortedDict(operator.neg)
        self._asks: SortedDict = SortedDict()

    def _side(self, side: Side) -> SortedDict:
        return self._bids if side is Side.BUY else self._asks

    def add(self, order: RestingOrder) -> None:
        assert order.price is not None and order.leaves_quantity > 0, order
        levels = self._side(order.side)
        level = levels.get(order.price)
        if level is None:
            level = levels[order.price] = {}
        assert order.order_id not in level, order
        level[order.order_id] = order

    def remove(self, order: RestingOrder) -> None:
        levels = self._side(order.side)
        level = levels[order.price]
        del level[order.order_id]
        if not level:
            del levels[order.price]

    def contains(self, order: RestingOrder) -> bool:
        level = self._side(order.side).get(order.price)
        return level is not None and order.order_id in level

    def best_price(self, side: Side) -> int | None:
        levels = self._side(side)
        if not levels:
            return None
        price: int = levels.peekitem(0)[0]
        return price

    def matches(self, side: Side, limit_price: int, quantity: int) -> list[Match]:
        """What an order of `side` at `limit_price` for `quantity` would trade, best first."""
        assert quantity > 0
        result: list[Match] = []
        remaining = quantity
        for price, level in self._side(side.opposite).items():
            if not crosses(side, limit_price, price):
                break
            for resting in level.values():
                traded = min(remaining, resting.leaves_quantity)
                result.append(Match(resting, traded, price))
                remaining -= traded
                if remaining == 0:
                    return result
        return result

    def levels(self, side: Side) -> Iterator[LevelView]:
        for price, level in self._side(side).items():
            yield LevelView(
                price=price,
                quantity=sum(order.leaves_quantity for order in level.values()),
                orders=len(level),
            )

    def orders(self, side: Side) -> Iterator[RestingOrder]:
        """Every resting order of one side, best price first, oldest first within a price."""
        for level in self._side(side).values():
            yield from level.values()

    def is_crossed(self) -> bool:
        bid, ask = self.best_price(Side.BUY), self.best_price(Side.SELL)
        return bid is not None and ask is not None and bid >= ask


def crosses(side: Side, limit_price: int, resting_price: int) -> bool:
    """Whether an order of `side` at `limit_price` trades with one resting at `resting_price`."""
    return limit_price >= resting_price if side is Side.BUY else limit_price <= resting_price
