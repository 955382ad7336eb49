"""A price-time priority order book for one symbol.

Each side maps price (ticks) to a FIFO level. A level is a dict keyed by order id: dicts keep
insertion order, so the first key is the oldest order, and removal by id is O(1).
The book decides who trades with whom and at what price; the caller applies the fills
(it owns the orders' quantities) and then removes what is fully filled.

An iceberg order shows only a slice of its quantity (its display quantity); when the slice
is used up and quantity remains hidden, a new slice is shown at the back of the level.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Final

import msgspec
from sortedcontainers import SortedDict

from fixvenue.domain.values import SelfTradePrevention, Side

# A module constant: in CPython 3.11 reading `Side.BUY` off the class costs several times a
# global lookup, and every book operation compares a side with it. Final, so that the
# compiled build keeps it in a C variable, not in the module's dict.
BUY: Final = Side.BUY


class RestingOrder:
    """An order as the book sees it; the core's orders are of a subclass that holds the
    rest. A class rather than a protocol: the compiled build reads a class's attributes
    directly and a protocol's through the generic attribute lookup, and the book reads
    several of them for every order it adds, removes or matches."""

    __slots__ = (
        "display_quantity",
        "leaves_quantity",
        "order_id",
        "price",
        "side",
        "slice_quantity",
    )

    def __init__(
        self,
        order_id: str,
        side: Side,
        price: int | None,
        quantity: int,
        display_quantity: int | None = None,
    ) -> None:
        self.order_id = order_id
        self.side = side
        self.price = price  # None for a market order, which never rests
        # Kept up to date rather than computed: the matching loop reads it all the time.
        # Positive exactly while the order is open.
        self.leaves_quantity = quantity
        self.display_quantity = display_quantity  # an iceberg's slice size; None: all
        self.slice_quantity = 0  # an iceberg's visible slice, set when it rests

    @property
    def visible_quantity(self) -> int:
        """What is left of the slice the book shows."""
        if self.display_quantity is None:
            return self.leaves_quantity
        return self.slice_quantity

    def show(self) -> None:
        """Shows a fresh slice of an iceberg (as it joins the back of its level)."""
        if self.display_quantity is not None:
            self.slice_quantity = min(self.display_quantity, self.leaves_quantity)


# The records of a sweep are msgspec Structs, not frozen dataclasses: a sweep builds one
# per step, and a frozen dataclass costs several times as much to construct.


class Match(msgspec.Struct, frozen=True):
    resting: RestingOrder
    quantity: int
    price: int  # the resting order's price


class CancelResting(msgspec.Struct, frozen=True):
    """Self-trade prevention: the resting order of the aggressor's own firm is cancelled."""

    resting: RestingOrder


class Decrement(msgspec.Struct, frozen=True):
    """Self-trade prevention: both orders shrink by `quantity`, and nothing trades."""

    resting: RestingOrder
    quantity: int


Step = Match | CancelResting | Decrement


class Sweep(msgspec.Struct, frozen=True):
    """What an aggressive order would do to the book, step by step, in order."""

    steps: list[Step]
    traded: int  # the quantity of all Match steps
    # The resting order of its own firm for which self-trade prevention ends the aggressor
    # after the steps, if it does.
    stopped_by: RestingOrder | None = None

    @property
    def meets_own_firm(self) -> bool:
        """Whether self-trade prevention changed what the aggressor could trade."""
        return self.stopped_by is not None or any(
            not isinstance(step, Match) for step in self.steps
        )


@dataclass(frozen=True, slots=True)
class LevelView:
    price: int
    quantity: int  # what the book shows: an iceberg counts with its visible slice only
    orders: int


class _BookSide:
    """The price levels of one side, best first, and the best price, kept up to date as
    levels come and go: reading it is the most frequent question asked of a book."""

    __slots__ = ("best", "levels")

    def __init__(self, levels: SortedDict) -> None:
        self.levels = levels  # price -> {order id: order}, oldest first
        self.best: int | None = None


class OrderBook:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        # Bids sort by negated price so that the first key is always the best price.
        self._bids = _BookSide(SortedDict(operator.neg))
        self._asks = _BookSide(SortedDict())

    # The sides are picked inline below, not through a helper: these are the hottest
    # calls of the matching loop.

    def add(self, order: RestingOrder) -> None:
        price = order.price
        assert price is not None and order.leaves_quantity > 0, order
        book_side = self._bids if order.side is BUY else self._asks
        levels = book_side.levels
        level = levels.get(price)
        if level is None:
            level = levels[price] = {}
            book_side.best = next(iter(levels))
        order_id = order.order_id
        assert order_id not in level, order
        level[order_id] = order

    def remove(self, order: RestingOrder) -> None:
        removed = self.discard(order)
        assert removed, order

    def discard(self, order: RestingOrder) -> bool:
        """Takes the order off the book if it is there; whether it was."""
        price = order.price
        if price is None:
            return False  # a market order never rests
        book_side = self._bids if order.side is BUY else self._asks
        levels = book_side.levels
        level = levels.get(price)
        order_id = order.order_id
        if level is None or order_id not in level:
            return False
        del level[order_id]
        if not level:
            del levels[price]
            book_side.best = next(iter(levels)) if levels else None
        return True

    def contains(self, order: RestingOrder) -> bool:
        if order.price is None:
            return False
        level = (self._bids if order.side is BUY else self._asks).levels.get(order.price)
        return level is not None and order.order_id in level

    def best_price(self, side: Side) -> int | None:
        return (self._bids if side is BUY else self._asks).best

    def requeue(self, order: RestingOrder) -> None:
        """Sends the order to the back of its level (an iceberg showing a new slice)."""
        self.remove(order)
        self.add(order)

    def sweep(
        self,
        side: Side,
        limit_price: int,
        quantity: int,
        *,
        is_own: Callable[[RestingOrder], bool] | None = None,
        prevention: SelfTradePrevention = SelfTradePrevention.CANCEL_RESTING,
    ) -> Sweep:
        """What an order of `side` at `limit_price` for `quantity` would do, best price
        first; the book itself does not change. `is_own` tells which resting orders belong
        to the aggressor's firm, and `prevention` what happens when it meets one."""
        assert quantity > 0
        steps: list[Step] = []
        remaining = quantity
        traded = 0
        levels = (self._asks if side is BUY else self._bids).levels
        for price in levels:
            if not crosses(side, limit_price, price):
                break
            # Icebergs whose slice runs out show a new one at the back of the level: they
            # are appended here, with what is left of them, and met again after the rest.
            refreshed: list[RestingOrder] = []
            shown: dict[str, tuple[int, int]] = {}  # order id -> (visible, leaves)
            for resting in chain(levels[price].values(), refreshed):
                if shown and resting.order_id in shown:
                    visible, leaves = shown.pop(resting.order_id)
                else:
                    visible, leaves = resting.visible_quantity, resting.leaves_quantity
                if is_own is not None and is_own(resting):
                    if prevention is SelfTradePrevention.DECREMENT:
                        amount = min(remaining, leaves)
                        steps.append(Decrement(resting, amount))
                    else:
                        if prevention is not SelfTradePrevention.CANCEL_AGGRESSOR:
                            steps.append(CancelResting(resting))
                        if prevention is not SelfTradePrevention.CANCEL_RESTING:
                            return Sweep(steps, traded, stopped_by=resting)
                        continue
                else:
                    amount = min(remaining, visible)
                    steps.append(Match(resting, amount, price))
                    traded += amount
                    hidden = leaves - amount
                    if amount == visible and hidden > 0:
                        assert resting.display_quantity is not None, resting
                        shown[resting.order_id] = (min(resting.display_quantity, hidden), hidden)
                        refreshed.append(resting)
                remaining -= amount
                if remaining == 0:
                    return Sweep(steps, traded)
        return Sweep(steps, traded)

    def levels(self, side: Side) -> Iterator[LevelView]:
        for price, level in (self._bids if side is BUY else self._asks).levels.items():
            yield LevelView(
                price=price,
                quantity=sum(order.visible_quantity for order in level.values()),
                orders=len(level),
            )

    def orders(self, side: Side) -> Iterator[RestingOrder]:
        """Every resting order of one side, best price first, oldest first within a price."""
        for level in (self._bids if side is BUY else self._asks).levels.values():
            yield from level.values()

    def is_crossed(self) -> bool:
        bid, ask = self.best_price(Side.BUY), self.best_price(Side.SELL)
        return bid is not None and ask is not None and bid >= ask


def crosses(side: Side, limit_price: int, resting_price: int) -> bool:
    """Whether an order of `side` at `limit_price` trades with one resting at `resting_price`."""
    return limit_price >= resting_price if side is BUY else limit_price <= resting_price
