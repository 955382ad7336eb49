"""Pre-trade risk limits and kill switches, as values.

Amounts of money are integers in millionths of the currency unit (`MONEY_SCALE`), so that
notionals of instruments with different tick sizes add up exactly in one currency. A money
limit applies in each currency separately: an account's credit limit of 50,000,000 lets it
use 50,000,000 USD and 50,000,000 EUR.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from decimal import Decimal

from fixvenue.domain.values import Instrument

MONEY_SCALE = 1_000_000  # money is counted in millionths of the currency unit
# The largest money limit the venue takes, in currency units: its millionths must stay
# within the 64-bit integers the ledger's payloads hold.
MONEY_LIMIT_BOUND = 1_000_000_000_000


def to_millionths(amount: Decimal) -> int:
    """A positive amount of money as the venue counts it; ValueError says what is wrong."""
    if not amount.is_finite() or amount <= 0:
        raise ValueError("expected a positive amount")
    if amount >= MONEY_LIMIT_BOUND:
        raise ValueError(f"must be below {MONEY_LIMIT_BOUND}")
    millionths = amount * MONEY_SCALE
    if millionths != millionths.to_integral_value():
        raise ValueError("expected at most six decimals")
    return int(millionths)


# "00" to "99": a lookup costs less than formatting the cents.
_CENTS_TEXTS = tuple(f"{cents:02d}" for cents in range(100))


def money_text(millionths: int) -> str:
    """An amount for an operator or a file: exact, with at least two decimals. Integer
    arithmetic, since clearing files write millions of them."""
    whole, fraction = divmod(abs(millionths), MONEY_SCALE)
    sign = "-" if millionths < 0 else ""
    cents, rest = divmod(fraction, 10_000)
    if not rest:  # most amounts: whole cents
        return f"{sign}{whole}.{_CENTS_TEXTS[cents]}"
    return f"{sign}{whole}.{f'{fraction:06d}'.rstrip('0')}"


def from_millionths(millionths: int) -> Decimal:
    """An amount for an operator or a file: exact, with at least two decimals."""
    return Decimal(money_text(millionths))


def money_per_tick(instrument: Instrument) -> int:
    """One tick of one unit of the instrument, in millionths of its currency."""
    value = instrument.tick_size * MONEY_SCALE
    assert value == value.to_integral_value(), instrument  # the configuration checks it
    return int(value)


def format_money(millionths: int, currency: str) -> str:
    """An amount for a report's Text: at least two decimals, more only where it has them."""
    return f"{money_text(millionths)} {currency}"


class KillScope(enum.Enum):
    """What a kill switch covers: one account, every account of a firm, or one session."""

    ACCOUNT = "account"
    FIRM = "firm"
    SESSION = "session"


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskLimits:
    """One account's pre-trade limits."""

    max_order_quantity: int
    max_order_notional: int  # millionths, in the order's currency
    collar_basis_points: int  # around the last trade (reference price before the first)
    max_open_orders: int
    max_orders_per_day: int
    credit_limit: int  # millionths per currency: open-order plus executed notional
    max_position: int | None = None  # net quantity per symbol, either way; None: no limit
    # Sorted, so that the limits are recorded the same way in every process (a set's
    # order depends on the process's string hashing, and replay compares records).
    restricted_symbols: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        assert list(self.restricted_symbols) == sorted(set(self.restricted_symbols)), self


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskLimitChanges:
    """An operator's change to some of an account's limits; None leaves a limit as it is.

    The changed limits stay until the operator changes them again, also across a restart
    with a configuration that says otherwise; `restore` names limits (as the fields here
    are named) that go back to the configuration's.
    """

    max_order_quantity: int | None = None
    max_order_notional: int | None = None
    collar_basis_points: int | None = None
    max_open_orders: int | None = None
    max_orders_per_day: int | None = None
    credit_limit: int | None = None
    max_position: int | None = None
    restricted_symbols: tuple[str, ...] | None = None  # sorted, as in RiskLimits
    restore: tuple[str, ...] = ()  # sorted

    def given(self) -> dict[str, object]:
        """The limits this change sets, by name."""
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if field.name != "restore" and getattr(self, field.name) is not None
        }
