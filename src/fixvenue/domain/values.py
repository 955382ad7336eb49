"""Closed sets and small value types of the trading domain.

Prices are integer ticks and quantities integer units everywhere in the core; the FIX and
file edges convert to and from Decimal with the instrument's tick size.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Final


class Side(enum.Enum):
    BUY = "buy"
    SELL = "sell"


class OrderType(enum.Enum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"  # becomes a market order when the last trade reaches its stop price
    STOP_LIMIT = "stop_limit"  # becomes a limit order when the last trade reaches it


class TimeInForce(enum.Enum):
    DAY = "day"
    GOOD_TILL_CANCEL = "good_till_cancel"
    IMMEDIATE_OR_CANCEL = "immediate_or_cancel"
    FILL_OR_KILL = "fill_or_kill"
    GOOD_TILL_DATE = "good_till_date"  # until its expire time


class OrderStatus(enum.Enum):
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


# Members as Final module constants: the compiled build keeps them in C variables, where
# it looks any other module global up in the module's dict, and interpreted CPython 3.11
# reads a global several times faster than an enum member off its class.
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_LIMIT: Final = OrderType.LIMIT
_STOP: Final = OrderType.STOP
_STOP_LIMIT: Final = OrderType.STOP_LIMIT
_IMMEDIATE_OR_CANCEL: Final = TimeInForce.IMMEDIATE_OR_CANCEL
_FILL_OR_KILL: Final = TimeInForce.FILL_OR_KILL
_NEW: Final = OrderStatus.NEW
_PARTIALLY_FILLED: Final = OrderStatus.PARTIALLY_FILLED


# Questions about members as functions rather than enum properties: an enum stays a Python
# class in the compiled build, so a property of one costs a generic attribute lookup and a
# call through Python's calling convention, where a compiled function calls these directly.


def opposite(side: Side) -> Side:
    return _SELL if side is _BUY else _BUY


def has_limit_price(order_type: OrderType) -> bool:
    return order_type is _LIMIT or order_type is _STOP_LIMIT


def is_stop(order_type: OrderType) -> bool:
    return order_type is _STOP or order_type is _STOP_LIMIT


def is_immediate(time_in_force: TimeInForce) -> bool:
    """Trades at once or not at all: nothing of it ever rests."""
    return time_in_force is _IMMEDIATE_OR_CANCEL or time_in_force is _FILL_OR_KILL


def is_open(status: OrderStatus) -> bool:
    return status is _NEW or status is _PARTIALLY_FILLED


class SelfTradePrevention(enum.Enum):
    """What happens when an order would trade with a resting order of the same firm."""

    CANCEL_RESTING = "cancel_resting"  # the default
    CANCEL_AGGRESSOR = "cancel_aggressor"
    CANCEL_BOTH = "cancel_both"
    DECREMENT = "decrement"  # both shrink by the smaller quantity; no trade is printed


class TradingPhase(enum.Enum):
    OPEN = "open"
    HALTED = "halted"  # no new orders or replaces; cancels still accepted


class SessionRole(enum.Enum):
    ORDER_ENTRY = "order_entry"
    DROP_COPY = "drop_copy"


class SessionAction(enum.Enum):
    """What an operator does to a FIX session."""

    LOGOUT = "logout"
    DISABLE = "disable"  # logged out, and logons refused until enabled
    ENABLE = "enable"
    RESET_SEQUENCE = "reset-seq"  # both sequence numbers back to 1; only while logged off


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
    TRADING_HALTED = "trading_halted"
    TOO_LATE_TO_ENTER = "too_late_to_enter"  # its expire time has already passed
    THROTTLED = "throttled"  # beyond the session's message rate
    RISK_LIMIT = "risk_limit"  # beyond one of the account's pre-trade limits
    KILL_SWITCH = "kill_switch"  # the account's, firm's or session's kill switch is on


class CancelRejectReason(enum.Enum):
    TOO_LATE_TO_CANCEL = "too_late_to_cancel"
    UNKNOWN_ORDER = "unknown_order"
    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"
    INVALID_REPLACEMENT = "invalid_replacement"
    TRADING_HALTED = "trading_halted"
    THROTTLED = "throttled"
    RISK_LIMIT = "risk_limit"  # the replacement is beyond one of the account's limits


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
    THROTTLED = "throttled"


class Amendment(enum.Enum):
    """What a request to change a resting order asked for."""

    CANCEL = "cancel"
    REPLACE = "replace"


BASIS_POINTS_PER_UNIT: Final = 10_000


def percent_to_basis_points(percent: Decimal) -> int:
    """A percentage above 0 and below 100 with at most two decimals, in hundredths of a
    percent; ValueError says what is wrong."""
    # Bounded first: multiplying a huge exponent would overflow the decimal context.
    if not percent.is_finite() or not 0 < percent < 100:
        raise ValueError("expected a percentage above 0 and below 100")
    basis_points = percent * 100
    if basis_points != basis_points.to_integral_value():
        raise ValueError("expected a percentage with at most two decimals")
    return int(basis_points)


def basis_points_to_percent(basis_points: int) -> str:
    """Hundredths of a percent as a percentage without needless zeros: "10", "2.5"."""
    whole, hundredths = divmod(basis_points, 100)
    return f"{whole}" if hundredths == 0 else f"{whole}.{hundredths:02d}".rstrip("0")


@dataclass(frozen=True, slots=True, kw_only=True)
class Instrument:
    symbol: str
    currency: str
    tick_size: Decimal
    reference_price: int  # ticks
    # How far from the last (or reference) price a market order may trade, in hundredths
    # of a percent: a market order is a limit order at the edge of this band.
    market_band_basis_points: int
    # Fees per share traded, in millionths of the currency: the resting order's (maker)
    # and the incoming order's (taker). Negative is a rebate.
    maker_fee_per_share: int = 0
    taker_fee_per_share: int = 0

    def __post_init__(self) -> None:
        assert self.tick_size > 0, self
        assert self.reference_price > 0, self
        assert 0 < self.market_band_basis_points < BASIS_POINTS_PER_UNIT, self


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
