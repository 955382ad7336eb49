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
    """One account's position in one symbol and the open quantity that could change it."""

    __slots__ = ("buying", "position", "selling")

    def __init__(self) -> None:
        self.position = 0  # net: bought minus sold
        self.buying = 0  # open quantity of buy orders
        self.selling = 0  # open quantity of sell orders


class AccountExposure:
    __slots__ = ("currencies", "limits", "open_orders", "orders_today", "symbols")

    def __init__(self, limits: RiskLimits | None) -> None:
        self.limits = limits  # None until the venue's limits are configured
        self.open_orders = 0
        self.orders_today = 0
        self.currencies: dict[str, CurrencyExposure] = {}
        self.symbols: dict[str, SymbolExposure] = {}

    def currency(self, currency: str) -> CurrencyExposure:
        exposure = self.currencies.get(currency)
        if exposure is None:
            exposure = self.currencies[currency] = CurrencyExposure()
        return exposure

    def symbol(self, symbol: str) -> SymbolExposure:
        exposure = self.symbols.get(symbol)
        if exposure is None:
            exposure = self.symbols[symbol] = SymbolExposure()
        return exposure


class Reservation:
    """What one open order holds of its account's figures."""

    __slots__ = ("account", "buying", "credit", "holding", "money_per_tick", "quantity", "unit")

    def __init__(
        self,
        account: AccountExposure,
        credit: CurrencyExposure,
        holding: SymbolExposure,
        *,
        buying: bool,
        money_per_tick: int,
        quantity: int,
        reserve_price: int,
    ) -> None:
        self.account = account
        self.credit = credit
        self.holding = holding
        self.buying = buying
        self.money_per_tick = money_per_tick
        self.quantity = 0
        self.unit = reserve_price * money_per_tick  # reserved money per unit of quantity
        account.open_orders += 1
        account.orders_today += 1
        self._take(quantity)

    @property
    def notional(self) -> int:
        return self.quantity * self.unit

    def _take(self, quantity: int) -> None:
        self.quantity += quantity
        self.credit.reserved += quantity * self.unit
        if self.buying:
            self.holding.buying += quantity
        else:
            self.holding.selling += quantity

    def release(self, quantity: int) -> None:
        """Gives back part of the open quantity (self-trade prevention by decrement)."""
        self._take(-quantity)

    def execute(self, quantity: int, price: int) -> None:
        """Converts a filled part from reserved to executed and into the position."""
        self._take(-quantity)
        self.credit.executed += quantity * price * self.money_per_tick
        self.holding.position += quantity if self.buying else -quantity

    def reprice(self, quantity: int, reserve_price: int) -> None:
        """A replace: the old reservation goes, the new quantity and price come."""
        self._take(-self.quantity)
        self.unit = reserve_price * self.money_per_tick
        self._take(quantity)

    def close(self) -> None:
        """The order is done: whatever it still held is released."""
        self._take(-self.quantity)
        self.account.open_orders -= 1
