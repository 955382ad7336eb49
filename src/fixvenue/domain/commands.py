"""Commands: requests for the core, already translated from FIX (or from an operator)."""

from __future__ import annotations

from dataclasses import dataclass

from fixvenue.domain.values import MassCancelScope, OrderType, Rejection, Side, TimeInForce


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
    post_only: bool = False  # only ever adds liquidity: rejected if it would trade on entry
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
    quantity: int
    price: int | None
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
    possible_resend: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestOrderStatus:
    """Where does this order stand? Answered with a status report; changes nothing."""

    session: str
    client_order_id: str
    order_id: str | None
    symbol: str
    side: Side | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetSessionSequence:
    """The session's sequence numbers were reset (Logon with ResetSeqNumFlag=Y).

    Recorded so that recovery expects the new numbering rather than the old one.
    """

    session: str


Command = (
    PlaceOrder
    | CancelOrder
    | ReplaceOrder
    | CancelAllOrders
    | RequestOrderStatus
    | ResetSessionSequence
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedCommand:
    """A command as an edge hands it to the sequencer, before it has a place in the order."""

    command: Command
    inbound_sequence_number: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SequencedCommand:
    """A command as the sequencer ordered it: the unit the ledger records and replays."""

    sequence: int
    timestamp_us: int
    inbound_sequence_number: int | None  # the transport's (FIX MsgSeqNum), for recovery
    command: Command
