"""The mutable state of one order, owned by the core (and so by the sequencer thread)."""

from __future__ import annotations

from fixvenue.domain.commands import PlaceOrder
from fixvenue.domain.events import OrderSnapshot
from fixvenue.domain.values import OrderStatus, OrderType, Side, TimeInForce


class Order:
    __slots__ = (
        "account",
        "client_order_id",
        "cumulative_notional",
        "cumulative_quantity",
        "order_id",
        "order_type",
        "original_client_order_id",
        "post_only",
        "price",
        "quantity",
        "session",
        "side",
        "status",
        "symbol",
        "time_in_force",
    )

    def __init__(self, order_id: str, command: PlaceOrder) -> None:
        self.order_id = order_id
        self.session = command.session
        self.client_order_id = command.client_order_id
        self.original_client_order_id: str | None = None
        self.account = command.account
        self.symbol = command.symbol
        self.side: Side = command.side
        self.order_type: OrderType = command.order_type
        self.time_in_force: TimeInForce = command.time_in_force
        self.post_only = command.post_only
        self.quantity = command.quantity
        self.price = command.price
        self.status = OrderStatus.NEW
        self.cumulative_quantity = 0
        self.cumulative_notional = 0

    @property
    def leaves_quantity(self) -> int:
        return self.quantity - self.cumulative_quantity if self.status.is_open else 0

    def fill(self, quantity: int, price: int) -> None:
        assert self.status.is_open and 0 < quantity <= self.leaves_quantity, (self, quantity)
        self.cumulative_quantity += quantity
        self.cumulative_notional += quantity * price
        filled = self.cumulative_quantity == self.quantity
        self.status = OrderStatus.FILLED if filled else OrderStatus.PARTIALLY_FILLED

    def cancel(self, client_order_id: str | None) -> None:
        assert self.status.is_open, self
        if client_order_id is not None:
            self.original_client_order_id = self.client_order_id
            self.client_order_id = client_order_id
        self.status = OrderStatus.CANCELLED

    def replace(self, client_order_id: str, quantity: int, price: int) -> None:
        assert self.status.is_open and quantity > self.cumulative_quantity, (self, quantity)
        self.original_client_order_id = self.client_order_id
        self.client_order_id = client_order_id
        self.quantity = quantity
        self.price = price

    def snapshot(self) -> OrderSnapshot:
        return OrderSnapshot(
            order_id=self.order_id,
            session=self.session,
            client_order_id=self.client_order_id,
            original_client_order_id=self.original_client_order_id,
            account=self.account,
            symbol=self.symbol,
            side=self.side,
            order_type=self.order_type,
            time_in_force=self.time_in_force,
            post_only=self.post_only,
            quantity=self.quantity,
            price=self.price,
            status=self.status,
            cumulative_quantity=self.cumulative_quantity,
            leaves_quantity=self.leaves_quantity,
            cumulative_notional=self.cumulative_notional,
        )

    def __repr__(self) -> str:
        return (
            f"Order({self.order_id} {self.session}/{self.client_order_id} {self.side.value} "
            f"{self.quantity}@{self.price} cum={self.cumulative_quantity} {self.status.value})"
        )
