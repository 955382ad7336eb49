"""Events: what the core decided. Every one has a venue-wide, never reused event id."""

from __future__ import annotations

from dataclasses import dataclass

from fixvenue.domain.values import (
    Amendment,
    CancelRejectReason,
    Liquidity,
    MassCancelRejectReason,
    MassCancelScope,
    OrderRejectReason,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSnapshot:
    """The order as a report describes it at the moment of the event."""

    order_id: str
    session: str
    client_order_id: str
    original_client_order_id: str | None
    account: str
    symbol: str
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce
    post_only: bool
    quantity: int
    price: int | None
    status: OrderStatus
    cumulative_quantity: int
    leaves_quantity: int
    cumulative_notional: int  # sum of fill quantity x fill price in ticks, for AvgPx


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    trade_id: str
    quantity: int
    price: int
    liquidity: Liquidity


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAccepted:
    event_id: int
    timestamp_us: int
    order: OrderSnapshot


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRejected:
    event_id: int
    timestamp_us: int
    order: OrderSnapshot
    reason: OrderRejectReason
    text: str
    as_received: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilled:
    event_id: int
    timestamp_us: int
    order: OrderSnapshot
    fill: Fill


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelled:
    event_id: int
    timestamp_us: int
    order: OrderSnapshot
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReplaced:
    event_id: int
    timestamp_us: int
    order: OrderSnapshot


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelRejected:
    event_id: int
    timestamp_us: int
    session: str
    client_order_id: str
    original_client_order_id: str
    order_id: str | None
    status: OrderStatus | None  # of the named order, None when it is unknown
    reason: CancelRejectReason
    text: str
    response_to: Amendment = Amendment.CANCEL


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderStatusReported:
    """The answer to a status request: the order as it stands, or None when unknown."""

    event_id: int
    timestamp_us: int
    session: str
    client_order_id: str
    symbol: str
    side: Side | None
    order: OrderSnapshot | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MassCancelReported:
    """The answer to a mass cancel; the cancels themselves follow as OrderCancelled."""

    event_id: int
    timestamp_us: int
    session: str
    client_order_id: str
    scope: MassCancelScope
    symbol: str | None
    cancelled: int
    reject_reason: MassCancelRejectReason | None
    text: str


ExecutionEvent = OrderAccepted | OrderRejected | OrderFilled | OrderCancelled | OrderReplaced
Event = ExecutionEvent | CancelRejected | OrderStatusReported | MassCancelReported


def event_session(event: Event) -> str:
    """The order-entry session the event is reported to."""
    if isinstance(event, CancelRejected | OrderStatusReported | MassCancelReported):
        return event.session
    return event.order.session


def event_order_id(event: Event) -> str | None:
    if isinstance(event, CancelRejected):
        return event.order_id
    if isinstance(event, OrderStatusReported):
        return None if event.order is None else event.order.order_id
    if isinstance(event, MassCancelReported):
        return None
    return event.order.order_id
