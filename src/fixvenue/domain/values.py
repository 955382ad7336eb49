"""Closed sets and small value types of the trading domain.

Prices are integer ticks and quantities integer units everywhere in the core; the FIX and
file edges convert to and from Decimal with the instrument's tick size.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal, localcontext


class Side(enum.Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(enum.Enum):
    LIMIT = "limit"


class TimeInForce(enum.Enum):
    DAY = "day"
    GOOD_TILL_CANCEL = "good_till_cancel"
    IMMEDIATE_OR_CANCEL = "immediate_or_cancel"
    FILL_OR_KILL = "fill_or_kill"

    @property
    def is_immediate(self) -> bool:
        """Trades at once or not at all: nothing of it ever rests."""
        return self in (TimeInForce.IMMEDIATE_OR_CANCEL, TimeInForce.FILL_OR_KILL)


class OrderStatus(enum.Enum):
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


class SessionRole(enum.Enum):
    ORDER_ENTRY = "order_entry"
    DROP_COPY = "drop_copy"


class Liquidity(enum.Enum):
    ADDED = "added"
    REMOVED = "removed"


class OrderRejectReason(enum.Enum):
    UNKNOWN_SYMBOL = "unknown_symbol"
    DUPLICATE_ORDER = "duplicate_order"
    INCORRECT_QUANTITY = "incorrect_quantity"
    UNKNOWN_ACCOUNT = "unknown_account"
    INVALID_PRICE = "invalid_price"
    UNSUPPORTED_ORDER_CHARACTERISTIC = "unsupported_order_characteristic"
    WOULD_TAKE_LIQUIDITY = "would_take_liquidity"


class CancelRejectReason(enum.Enum):
    TOO_LATE_TO_CANCEL = "too_late_to_cancel"
    UNKNOWN_ORDER = "unknown_order"
    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"
    INVALID_REPLACEMENT = "invalid_replacement"


class MassCancelScope(enum.Enum):
    """Which orders a mass cancel names. The venue supports SECURITY and ALL."""

    SECURITY = "security"
    UNDERLYING = "underlying"
    PRODUCT = "product"
    CFI_CODE = "cfi_code"
    SECURITY_TYPE = "security_type"
    TRADING_SESSION = "trading_session"
    ALL = "all"


class MassCancelRejectReason(enum.Enum):
    UNSUPPORTED_SCOPE = "unsupported_scope"
    UNKNOWN_SYMBOL = "unknown_symbol"
    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"


class Amendment(enum.Enum):
    """What a request to change a resting order asked for."""

    CANCEL = "cancel"
    REPLACE = "replace"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejection:
    """A reason to refuse a request, found at the edge (malformed) or in the core."""

    reason: OrderRejectReason
    text: str
    # Values as the request gave them where the domain has no word for them (an unsupported
    # side, say), by field name, so that the reject can echo them instead of a stand-in.
    as_received: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Instrument:
    symbol: str
    currency: str
    tick_size: Decimal
    reference_price: int  # ticks

    def __post_init__(self) -> None:
        assert self.tick_size > 0, self
        assert self.reference_price > 0, self


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionProfile:
    """What one order-entry session may do: the firm it belongs to and its accounts."""

    session: str
    firm: str
    accounts: frozenset[str]


# Hard bounds on what an order may say, whatever the risk limits: beyond them arithmetic
# and formatting could lose exactness. Prices are in currency units, below the bound.
PRICE_BOUND = Decimal(1_000_000_000)
QUANTITY_MAX = 1_000_000_000
_EXACT_DIGITS = 60


def price_to_ticks(price: Decimal, tick_size: Decimal) -> int | None:
    """The price in ticks, or None when it does not fall on the tick grid (never rounded).

    Exact for prices within PRICE_BOUND: the division runs with more digits than such a
    price and tick size can need, so no digit is rounded away.
    """
    assert abs(price) < PRICE_BOUND, price
    with localcontext() as context:
        context.prec = _EXACT_DIGITS
        ticks, remainder = divmod(price, tick_size)
    if remainder != 0:
        return None
    return int(ticks)


def ticks_to_price(ticks: int, tick_size: Decimal) -> Decimal:
    return ticks * tick_size
