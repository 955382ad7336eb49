"""Commands: requests for the core, already translated from FIX (or from an operator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from fixvenue.domain.rejection import Rejection
from fixvenue.domain.risk import KillScope, RiskLimitChanges, RiskLimits
from fixvenue.domain.values import (
    MassCancelScope,
    OrderType,
    SelfTradePrevention,
    SessionAction,
    Side,
    TimeInForce,
    TradingPhase,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrder:
    session: str
    client_order_id: str
    account: str
    symbol: str
    side: Side
    order_type: OrderType
    quantity: int
    price: int | None  # ticks; None where the edge could not express it on the tick grid
    time_in_force: TimeInForce
    stop_price: int | None = None  # ticks; stop and stop-limit orders
    expire_time_us: int | None = None  # good-till-date orders
    post_only: bool = False  # only ever adds liquidity: rejected if it would trade on entry
    minimum_quantity: int | None = None  # IOC/FOK: no trade unless this much trades at once
    display_quantity: int | None = None  # iceberg: what the book shows at a time
    self_trade_prevention: SelfTradePrevention | None = None  # None: the account's default
    # Why the session's message throttle refused the request, if it did: it is recorded and
    # rejected like any other, with this text.
    throttled: str | None = None
    possible_resend: bool = False
    # A defect the edge found while translating (for instance a price off the tick);
    # the core still records the order and rejects it with this reason.
    defect: Rejection | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder:
    session: str
    client_order_id: str
    original_client_order_id: str
    order_id: str | None
    symbol: str
    side: Side | None  # None where the request named a side the venue does not know
    # Why the session's message throttle refused the request, if it did: it is recorded and
    # rejected like any other, with this text.
    throttled: str | None = None
    possible_resend: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceOrder:
    """A new quantity and price for an open order (OrderCancelReplaceRequest)."""

    session: str
    client_order_id: str
    original_client_order_id: str
    order_id: str | None
    symbol: str
    side: Side | None
    order_type: OrderType | None  # None where the request named a type the venue lacks
    quantity: int
    price: int | None
    stop_price: int | None = None  # a stop not yet triggered moves here; None keeps it
    # Why the session's message throttle refused the request, if it did: it is recorded and
    # rejected like any other, with this text.
    throttled: str | None = None
    possible_resend: bool = False
    # Why the edge could not express the request (a price off the tick, say), if it could not.
    defect: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelAllOrders:
    """Cancel every open order of the session, or of the session in one symbol."""

    session: str
    client_order_id: str
    scope: MassCancelScope
    symbol: str | None
    # Why the session's message throttle refused the request, if it did: it is recorded and
    # rejected like any other, with this text.
    throttled: str | None = None
    possible_resend: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestOrderStatus:
    """Where does this order stand? Answered with a status report; changes nothing."""

    session: str
    client_order_id: str
    order_id: str | None
    symbol: str
    side: Side | None
    # Values as the request gave them where the domain has no word for them (a side the
    # venue does not know), by field name, for the answer to echo.
    as_received: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetSessionSequence:
    """The session's sequence numbers were reset (Logon with ResetSeqNumFlag=Y).

    Recorded so that recovery expects the new numbering rather than the old one.
    """

    session: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlSession:
    """An operator's action on a FIX session. Recorded, so that a disabled session stays
    disabled across a restart and a sequence reset is known to recovery; the FIX layer
    carries it out once it is committed."""

    session: str  # TargetCompID
    action: SessionAction
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagesRefused:
    """The session's application messages up to this command's inbound number that the
    FIX edge refused without handing them on, because the ledger could not commit.

    Recorded once the ledger commits again, so that recovery does not ask for them again
    (the broker was told nothing was done); it changes nothing else.
    """

    session: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpireOrders:
    """Time has reached this command's timestamp: expire the orders whose time is up.

    The sequencer issues it when the next expire time comes, and at start-up for what
    expired while the venue was down, so expiry replays like any other command.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class SetTradingPhase:
    """An operator opens or halts trading in one symbol."""

    symbol: str
    phase: TradingPhase
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigureRisk:
    """The configuration's risk limits: a default for every account, and accounts' own.

    Issued at start-up when the configuration's limits differ from the ledger's, so that
    every change is recorded and replays in its place.
    """

    default: RiskLimits
    accounts: tuple[tuple[str, RiskLimits], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRiskLimits:
    """An operator changes some of one account's limits while the venue runs."""

    account: str
    changes: RiskLimitChanges


@dataclass(frozen=True, slots=True, kw_only=True)
class SetKillSwitch:
    """An operator engages a kill switch (cancel every open order in scope and refuse new
    ones) or releases it."""

    scope: KillScope
    name: str  # the account, firm or session
    engaged: bool
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOnDisconnect:
    """A session with cancel-on-disconnect went away (logout, dropped connection, or a venue
    restart): its open Day orders are cancelled."""

    session: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorCancel:
    """An operator cancels the open orders that match every filter given (at least one):
    of an account, entered on a session, in a symbol."""

    account: str | None
    session: str | None
    symbol: str | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EndTradingDay:
    """End of day for the trading date named (it must be the current one): Day orders
    expire, each symbol's last trade becomes its close and next reference price, and the
    venue moves on to the next date. The calendar is the edge's: the core takes the next
    date as given."""

    trading_date: str  # YYYY-MM-DD
    next_trading_date: str


Command = (
    PlaceOrder
    | CancelOrder
    | ReplaceOrder
    | CancelAllOrders
    | RequestOrderStatus
    | ResetSessionSequence
    | MessagesRefused
    | ExpireOrders
    | SetTradingPhase
    | ConfigureRisk
    | SetRiskLimits
    | SetKillSwitch
    | CancelOnDisconnect
    | OperatorCancel
    | ControlSession
    | EndTradingDay
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedCommand:
    """A command as an edge hands it to the sequencer, before it has a place in the order."""

    command: Command
    inbound_sequence_number: int | None
    # When the edge took it in (a monotonic clock, ns), for the order-to-ack latency
    # metric; it is not recorded and plays no part in trading.
    received_ns: int | None = None
    # The message the command came in as, and when (UTC, µs): recorded beside the command
    # for the audit trail, never replayed.
    message: str | None = None
    received_us: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SequencedCommand:
    """A command as the sequencer ordered it: the unit the ledger records and replays."""

    sequence: int
    timestamp_us: int
    inbound_sequence_number: int | None  # the transport's (FIX MsgSeqNum), for recovery
    command: Command


def command_session(command: Command) -> str | None:
    """The FIX session the command came from; None for the venue's own commands."""
    if isinstance(
        command,
        ExpireOrders
        | SetTradingPhase
        | ConfigureRisk
        | SetRiskLimits
        | SetKillSwitch
        | OperatorCancel
        | ControlSession
        | EndTradingDay,
    ):
        return None
    return command.session


def is_operator_reset(command: Command) -> TypeGuard[ControlSession]:
    """Whether an operator reset the session's sequence numbers to 1."""
    return isinstance(command, ControlSession) and command.action is SessionAction.RESET_SEQUENCE
