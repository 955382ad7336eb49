"""What each account has at risk, kept exact through every change of every order.

Risk is two-step. When an order is accepted, a `Reservation` takes its open quantity and
notional into the account's figures; each fill converts the filled part from reserved to
executed (and into the position), and a cancel, an expiry or a decrement releases what is
left. A replace releases the old reservation and takes the new one. So at any moment an
account's reserved notional is exactly the sum of open quantity x reserve price over its
open orders, and it returns to zero when they are all done.
"""

from __future__ import annotations

from fixvenue.domain.risk import RiskLimits


class CurrencyExposure:
    """One account's notional in one currency, in millionths."""

    __slots__ = ("executed", "reserved")

    def __init__(self) -> None:
        self.reserved = 0  # open quantity x reserve price of the open orders
        self.executed = 0  # fill quantity x fill price, buys and sells alike

    @property
    def used(self) -> int:
        """What counts against the credit limit."""
        return self.reserved + self.executed


class SymbolExposure:
    """One account's position in one symbol and the open quantity that could change it.

    It holds the account's figures for the symbol's currency too, so that an order's
    reservation reaches everything it changes through one object.
    """

    __slots__ = ("buying", "credit", "money_per_tick", "position", "selling")

    def __init__(self, credit: CurrencyExposure, money_per_tick: int) -> None:
        self.position = 0  # net: bought minus sold
        self.buying = 0  # open quantity of buy orders
        self.selling = 0  # open quantity of sell orders
        self.credit = credit
        self.money_per_tick = money_per_tick  # one tick of one unit, in millionths


class AccountLimits:
    """An account's limits as the checks read them: its RiskLimits, copied into a class of
    the compiled build. RiskLimits stays a Python class (the ledger decodes it), where
    each read of a limit costs a generic attribute lookup, and every order reads them all."""

    __slots__ = (
        "collar_basis_points",
        "credit_limit",
        "max_open_orders",
        "max_order_notional",
        "max_order_quantity",
        "max_orders_per_day",
        "max_position",
        "restricted_symbols",
    )

    def __init__(self, limits: RiskLimits) -> None:
        self.max_order_quantity = limits.max_order_quantity
        self.max_order_notional = limits.max_order_notional
        self.collar_basis_points = limits.collar_basis_points
        self.max_open_orders = limits.max_open_orders
        self.max_orders_per_day = limits.max_orders_per_day
        self.credit_limit = limits.credit_limit
        self.max_position = limits.max_position
        self.restricted_symbols = limits.restricted_symbols


class AccountExposure:
    __slots__ = (
        "checked_limits",
        "currencies",
        "limits",
        "open_orders",
        "orders_today",
        "symbols",
    )
    limits: RiskLimits | None  # None until the venue's limits are configured
    checked_limits: AccountLimits | None  # the same, as the checks read them

    def __init__(self, limits: RiskLimits | None) -> None:
        self.set_limits(limits)
        self.open_orders = 0
        self.orders_today = 0
        self.currencies: dict[str, CurrencyExposure] = {}
        self.symbols: dict[str, SymbolExposure] = {}

    def set_limits(self, limits: RiskLimits | None) -> None:
        self.limits = limits
        self.checked_limits = None if limits is None else AccountLimits(limits)

    def add_symbol(self, symbol: str, currency: str, money_per_tick: int) -> SymbolExposure:
        credit = self.currencies.get(currency)
        if credit is None:
            credit = self.currencies[currency] = CurrencyExposure()
        holding = self.symbols[symbol] = SymbolExposure(credit, money_per_tick)
        return holding


class Reservation:
    """What one open order holds of its account's figures."""

    __slots__ = ("account", "buying", "holding", "quantity", "unit")

    def __init__(
        self,
        account: AccountExposure,
        holding: SymbolExposure,
        buying: bool,
        quantity: int,
        reserve_price: int,
    ) -> None:
        self.account = account
        self.holding = holding
        self.buying = buying
        self.quantity = quantity
        # Reserved money per unit of quantity.
        self.unit = unit = reserve_price * holding.money_per_tick
        holding.credit.reserved += quantity * unit
        if buying:
            holding.buying += quantity
        else:
            holding.selling += quantity
        account.open_orders += 1
        account.orders_today += 1

    @property
    def notional(self) -> int:
        return self.quantity * self.unit

    # The updates are written out in each method rather than shared: these run for every
    # fill and every cancel, where a call more is a cost that shows.

    def release(self, quantity: int) -> None:
        """Gives back part of the open quantity (self-trade prevention by decrement)."""
        holding = self.holding
        self.quantity -= quantity
        holding.credit.reserved -= quantity * self.unit
        if self.buying:
            holding.buying -= quantity
        else:
            holding.selling -= quantity

    def execute(self, quantity: int, price: int) -> None:
        """Converts a filled part from reserved to executed and into the position."""
        holding = self.holding
        credit = holding.credit
        self.quantity -= quantity
        credit.reserved -= quantity * self.unit
        credit.executed += quantity * price * holding.money_per_tick
        if self.buying:
            holding.buying -= quantity
            holding.position += quantity
        else:
            holding.selling -= quantity
            holding.position -= quantity

    def reprice(self, quantity: int, reserve_price: int) -> None:
        """A replace: the old reservation goes, the new quantity and price come."""
        self.release(self.quantity)
        self.unit = reserve_price * self.holding.money_per_tick
        self.release(-quantity)

    def close(self) -> None:
        """The order is done: whatever it still held is released."""
        self.release(self.quantity)
        self.account.open_orders -= 1
