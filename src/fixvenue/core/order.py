"""The mutable state of one order, owned by the core (and so by the sequencer thread)."""

from __future__ import annotations

from typing import Final

from fixvenue.domain.commands import PlaceOrder
from fixvenue.domain.events import OrderSnapshot, OrderTerms
from fixvenue.domain.values import (
    OrderStatus,
    OrderType,
    SelfTradePrevention,
    TimeInForce,
    is_stop,
)
from fixvenue.matching.book import RestingOrder
from fixvenue.risk.exposure import Reservation

# Members as module constants: in CPython 3.11 reading an enum member off its class costs
# several times a global lookup, and these are read for every order and fill. Final, so
# that the compiled build keeps them in C variables, not in the module's dict.
_NEW: Final = OrderStatus.NEW
_FILLED: Final = OrderStatus.FILLED
_PARTIALLY_FILLED: Final = OrderStatus.PARTIALLY_FILLED
# The snapshot's class, made at every event, comes from an interpreted module: Final too,
# so that the compiled build does not look it up in the module's dict each time.
_OrderSnapshot: Final = OrderSnapshot


class Order(RestingOrder):
    __slots__ = (
        "account",
        "client_order_id",
        "cumulative_notional",
        "cumulative_quantity",
        "expire_time_us",
        "firm",
        "minimum_quantity",
        "order_type",
        "original_client_order_id",
        "post_only",
        "quantity",
        "reservation",
        "self_trade_prevention",
        "session",
        "status",
        "stop_price",
        "symbol",
        "terms",
        "time_in_force",
        "triggered",
    )
    # The compiled build (setup.py) lets only the attributes named here be deleted: a
    # closed order lets go of its reservation.
    __deletable__ = ("reservation",)
    # What the order holds of its account's risk figures: set when it is accepted.
    reservation: Reservation

    def __init__(self, order_id: str, command: PlaceOrder, firm: str) -> None:
        # Each field of the command is read once, and the core reads the order's copies:
        # a command stays a Python object in the compiled build (the ledger decodes it),
        # so every read of one of its fields takes the generic attribute lookup.
        super().__init__(
            order_id, command.side, command.price, command.quantity, command.display_quantity
        )
        self.session = command.session
        self.firm = firm
        self.account = command.account
        self.client_order_id = command.client_order_id
        self.original_client_order_id: str | None = None
        self.symbol = command.symbol
        self.order_type: OrderType = command.order_type
        self.time_in_force: TimeInForce = command.time_in_force
        self.quantity = self.leaves_quantity  # all of it open, to begin with
        self.stop_price = command.stop_price
        self.expire_time_us = command.expire_time_us
        self.post_only = command.post_only
        self.minimum_quantity = command.minimum_quantity
        self.self_trade_prevention: SelfTradePrevention | None = command.self_trade_prevention
        # A stop order waits for its trigger; every other order is live from the start.
        self.triggered = not is_stop(self.order_type)
        self.status = _NEW
        self.cumulative_quantity = 0
        self.cumulative_notional = 0
        self.terms = OrderTerms(
            session=self.session,
            account=self.account,
            symbol=self.symbol,
            side=self.side,
            order_type=self.order_type,
            time_in_force=self.time_in_force,
            post_only=self.post_only,
            expire_time_us=self.expire_time_us,
            minimum_quantity=self.minimum_quantity,
            display_quantity=self.display_quantity,
            self_trade_prevention=self.self_trade_prevention,
        )

    def fill(self, quantity: int, price: int) -> bool:
        """Records a fill; True when it used up an iceberg's slice and a new one shows."""
        assert 0 < quantity <= self.leaves_quantity, (self, quantity)
        self.cumulative_quantity += quantity
        self.cumulative_notional += quantity * price
        self.leaves_quantity -= quantity
        filled = self.leaves_quantity == 0
        self.status = _FILLED if filled else _PARTIALLY_FILLED
        if self.display_quantity is None or filled:
            return False
        self.slice_quantity = max(self.slice_quantity - quantity, 0)
        if self.slice_quantity > 0:
            return False
        self.show()
        return True

    def decrement(self, quantity: int) -> None:
        """Lowers the order quantity, leaving some of it open (self-trade prevention)."""
        assert 0 < quantity < self.leaves_quantity, (self, quantity)
        self.quantity -= quantity
        self.leaves_quantity -= quantity
        self.slice_quantity = min(self.slice_quantity, self.leaves_quantity)

    def cancel(self, client_order_id: str | None) -> None:
        self._close(OrderStatus.CANCELLED)
        if client_order_id is not None:
            self.original_client_order_id = self.client_order_id
            self.client_order_id = client_order_id

    def expire(self) -> None:
        self._close(OrderStatus.EXPIRED)

    def reject(self) -> None:
        assert self.status is OrderStatus.NEW and self.cumulative_quantity == 0, self
        self.status = OrderStatus.REJECTED
        self.leaves_quantity = 0

    def _close(self, status: OrderStatus) -> None:
        assert self.leaves_quantity > 0, self
        self.status = status
        self.leaves_quantity = 0

    def replace(
        self, client_order_id: str, quantity: int, price: int | None, stop_price: int | None
    ) -> None:
        assert self.leaves_quantity > 0 and quantity > self.cumulative_quantity, (self, quantity)
        self.original_client_order_id = self.client_order_id
        self.client_order_id = client_order_id
        self.quantity = quantity
        self.leaves_quantity = quantity - self.cumulative_quantity
        self.price = price
        self.stop_price = stop_price
        self.slice_quantity = min(self.slice_quantity, self.leaves_quantity)

    def snapshot(self) -> OrderSnapshot:
        return _OrderSnapshot(
            order_id=self.order_id,
            terms=self.terms,
            client_order_id=self.client_order_id,
            original_client_order_id=self.original_client_order_id,
            quantity=self.quantity,
            price=self.price,
            status=self.status,
            cumulative_quantity=self.cumulative_quantity,
            leaves_quantity=self.leaves_quantity,
            cumulative_notional=self.cumulative_notional,
            stop_price=self.stop_price,
        )

    def __repr__(self) -> str:
        return (
            f"Order({self.order_id} {self.session}/{self.client_order_id} {self.side.value} "
            f"{self.quantity}@{self.price} cum={self.cumulative_quantity} {self.status.value})"
        )
