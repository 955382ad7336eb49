"""Events: what the core decided. Every one has a venue-wide, never reused event id.

Events are frozen and hold only values, text and other events' parts, so none can be part
of a reference cycle: `gc=False` keeps them out of the garbage collector's lists, which
it would otherwise walk again and again while the sequencer and the ledger writer hold
them."""

from __future__ import annotations

import msgspec

from fixvenue.domain.risk import KillScope, RiskLimits
from fixvenue.domain.values import (
    Amendment,
    CancelRejectReason,
    Liquidity,
    MassCancelRejectReason,
    MassCancelScope,
    OrderRejectReason,
    OrderStatus,
    OrderType,
    SelfTradePrevention,
    SessionAction,
    Side,
    TimeInForce,
    TradingPhase,
)


class OrderTerms(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What an order was entered with that no later event changes."""

    session: str
    account: str
    symbol: str
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce
    post_only: bool = False
    expire_time_us: int | None = None
    minimum_quantity: int | None = None
    display_quantity: int | None = None
    self_trade_prevention: SelfTradePrevention | None = None  # as the order asked for


class OrderSnapshot(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The order as a report describes it at the moment of the event.

    The unchanging terms are one shared object, so that a snapshot is cheap to build
    (msgspec builds structs of up to fifteen fields several times faster than larger
    ones); the properties below read them as if they were the snapshot's own.
    """

    order_id: str
    terms: OrderTerms
    client_order_id: str
    original_client_order_id: str | None
    quantity: int
    price: int | None
    status: OrderStatus
    cumulative_quantity: int
    leaves_quantity: int
    cumulative_notional: int  # sum of fill quantity x fill price in ticks, for AvgPx
    stop_price: int | None = None

    @property
    def session(self) -> str:
        return self.terms.session

    @property
    def account(self) -> str:
        return self.terms.account

    @property
    def symbol(self) -> str:
        return self.terms.symbol

    @property
    def side(self) -> Side:
        return self.terms.side

    @property
    def order_type(self) -> OrderType:
        return self.terms.order_type

    @property
    def time_in_force(self) -> TimeInForce:
        return self.terms.time_in_force

    @property
    def post_only(self) -> bool:
        return self.terms.post_only

    @property
    def expire_time_us(self) -> int | None:
        return self.terms.expire_time_us

    @property
    def minimum_quantity(self) -> int | None:
        return self.terms.minimum_quantity

    @property
    def display_quantity(self) -> int | None:
        return self.terms.display_quantity

    @property
    def self_trade_prevention(self) -> SelfTradePrevention | None:
        return self.terms.self_trade_prevention


class Fill(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    trade_id: str
    quantity: int
    price: int
    liquidity: Liquidity
    # The venue's fee on this fill, in millionths of the currency (negative: a rebate).
    fee: int = 0


class OrderAccepted(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    event_id: int
    timestamp_us: int
    order: OrderSnapshot


class OrderRejected(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    event_id: int
    timestamp_us: int
    order: OrderSnapshot
    reason: OrderRejectReason
    text: str
    as_received: tuple[tuple[str, str], ...] = ()


class OrderFilled(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    event_id: int
    timestamp_us: int
    order: OrderSnapshot
    fill: Fill


class OrderCancelled(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    event_id: int
    timestamp_us: int
    order: OrderSnapshot
    text: str


class OrderReplaced(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    event_id: int
    timestamp_us: int
    order: OrderSnapshot


class OrderExpired(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A good-till-date order reached its expire time (or a day order the end of day)."""

    event_id: int
    timestamp_us: int
    order: OrderSnapshot
    text: str


class OrderTriggered(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The last trade reached a stop order's stop price: it now trades as market or limit."""

    event_id: int
    timestamp_us: int
    order: OrderSnapshot


class OrderRestated(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The venue lowered the order's quantity (self-trade prevention by decrement)."""

    event_id: int
    timestamp_us: int
    order: OrderSnapshot
    text: str


class CancelRejected(msgspec.Struct, frozen=True, kw_only=True, gc=False):
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


class OrderStatusReported(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The answer to a status request: the order as it stands, or None when unknown."""

    event_id: int
    timestamp_us: int
    session: str
    client_order_id: str
    symbol: str
    side: Side | None
    order: OrderSnapshot | None
    as_received: tuple[tuple[str, str], ...] = ()  # of the request, for the answer to echo


class MassCancelReported(msgspec.Struct, frozen=True, kw_only=True, gc=False):
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


class TradingPhaseChanged(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    event_id: int
    timestamp_us: int
    symbol: str
    phase: TradingPhase
    reason: str


class RiskLimitsChanged(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An account's limits now (account None: the default for accounts without their own)."""

    event_id: int
    timestamp_us: int
    account: str | None
    limits: RiskLimits | None  # None: no limits (the venue's are not configured yet)


class KillSwitchChanged(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A kill switch was engaged or released; the cancels it caused follow."""

    event_id: int
    timestamp_us: int
    scope: KillScope
    name: str
    engaged: bool
    reason: str
    cancelled: int


class SessionControlled(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An operator's action on a FIX session, committed: the FIX layer now carries it out."""

    event_id: int
    timestamp_us: int
    session: str  # TargetCompID
    action: SessionAction
    reason: str


class TradingDayEnded(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The end of a trading date: its Day orders expired (their reports come first), and
    the venue is now at the next date."""

    event_id: int
    timestamp_us: int
    trading_date: str  # YYYY-MM-DD, the date that ended
    next_trading_date: str
    # Each symbol's close (ticks): its last trade of the date, or, where it did not trade,
    # its reference price, which the close becomes for the next date.
    closes: tuple[tuple[str, int], ...]
    # The net position of every account in every symbol it holds, carried into the next
    # date as its start of day: (account, symbol, quantity), sorted, none zero.
    positions: tuple[tuple[str, str, int], ...]
    expired: int  # Day orders expired


ExecutionEvent = (
    OrderAccepted
    | OrderRejected
    | OrderFilled
    | OrderCancelled
    | OrderReplaced
    | OrderExpired
    | OrderTriggered
    | OrderRestated
)
VenueEvent = (
    TradingPhaseChanged
    | RiskLimitsChanged
    | KillSwitchChanged
    | SessionControlled
    | TradingDayEnded
)
Event = ExecutionEvent | CancelRejected | OrderStatusReported | MassCancelReported | VenueEvent


def event_session(event: Event) -> str | None:
    """The order-entry session the event is reported to; None for venue-wide events."""
    if isinstance(event, VenueEvent):
        return None
    if isinstance(event, CancelRejected | OrderStatusReported | MassCancelReported):
        return event.session
    return event.order.session


def event_order_id(event: Event) -> str | None:
    if isinstance(event, CancelRejected):
        return event.order_id
    if isinstance(event, OrderStatusReported):
        return None if event.order is None else event.order.order_id
    if isinstance(event, MassCancelReported | VenueEvent):
        return None
    return event.order.order_id
