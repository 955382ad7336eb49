"""Per-account pre-trade limits and kill switches: the checks before an order may trade.

Limits come in two layers. The configuration's (a default and per-account limits) are set
by a recorded command when the venue starts with a configuration that differs from the
ledger's; an operator's changes to single limits of an account lie on top and stay until
the operator changes them again. Until the first configuration every account is
unlimited, which is how the core runs in tests that are not about risk.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Final

from fixvenue.domain.rejection import Rejection
from fixvenue.domain.risk import (
    KillScope,
    RiskLimitChanges,
    RiskLimits,
    format_money,
    money_per_tick,
)
from fixvenue.domain.values import (
    BASIS_POINTS_PER_UNIT,
    Instrument,
    OrderRejectReason,
    Side,
    basis_points_to_percent,
    ticks_to_price,
)
from fixvenue.risk.exposure import AccountExposure, AccountLimits, Reservation, SymbolExposure

_BUY: Final = Side.BUY


def collar_bounds(anchor: int, basis_points: int) -> tuple[int, int]:
    """The lowest and highest price (ticks) within the collar around `anchor`."""
    width = anchor * basis_points // BASIS_POINTS_PER_UNIT
    return max(anchor - width, 1), anchor + width


def kill_switch_text(scope: KillScope, name: str, reason: str) -> str:
    """What the cancels and rejects of an engaged kill switch say."""
    return f"kill switch engaged for {scope.value} {name}: {reason}"


def _quantity_text(quantity: int, limits: AccountLimits, account: str) -> str:
    return (
        f"max order quantity: {quantity} is above the limit of {limits.max_order_quantity} "
        f"for account {account}"
    )


def _limit(text: str) -> Rejection:
    return Rejection(reason=OrderRejectReason.RISK_LIMIT, text=text)


class RiskControls:
    def __init__(
        self,
        instruments: Iterable[Instrument],
        last_trade_prices: dict[str, int],
        reference_prices: dict[str, int],
    ) -> None:
        """`last_trade_prices` (of the trading date) and `reference_prices`: the core's,
        read as they change. Dicts rather than mappings: the compiled build reads a dict
        directly, a mapping through a method call."""
        self._instruments = {i.symbol: i for i in instruments}
        self._last_trade_prices = last_trade_prices
        self._reference_prices = reference_prices
        self._money_per_tick = {
            symbol: money_per_tick(instrument) for symbol, instrument in self._instruments.items()
        }
        self.default_limits: RiskLimits | None = None
        self.configured_limits: dict[str, RiskLimits] = {}
        self.changes: dict[str, RiskLimitChanges] = {}
        self.accounts: dict[str, AccountExposure] = {}
        # Engaged kill switches by scope: name -> the operator's reason.
        self.kill_switches: dict[KillScope, dict[str, str]] = {scope: {} for scope in KillScope}
        self._kill_switches_engaged = 0  # so that an order need not look while none is

    # -- limits ------------------------------------------------------------------------

    def limits_of(self, account: str) -> RiskLimits | None:
        configured = self.configured_limits.get(account, self.default_limits)
        changes = self.changes.get(account)
        if configured is None or changes is None:
            return configured
        return dataclasses.replace(configured, **changes.given())  # type: ignore[arg-type]

    def configure(
        self, default: RiskLimits, accounts: Mapping[str, RiskLimits]
    ) -> list[tuple[str | None, RiskLimits]]:
        """Takes the configuration's limits. Returns what changed: (account, its limits now),
        with None for the default."""
        before = {name: self.limits_of(name) for name in self._named_accounts(accounts)}
        changed: list[tuple[str | None, RiskLimits]] = []
        if default != self.default_limits:
            changed.append((None, default))
        self.default_limits = default
        self.configured_limits = dict(accounts)
        for name, old in before.items():
            new = self.limits_of(name)
            assert new is not None
            if new != old:
                changed.append((name, new))
        self._refresh()
        return changed

    def change(self, account: str, changes: RiskLimitChanges) -> RiskLimits | None:
        """An operator's change to some of the account's limits; returns its limits now."""
        merged = self.changes.get(account, RiskLimitChanges())
        given = changes.given() | dict.fromkeys(changes.restore)  # restored: None again
        merged = dataclasses.replace(merged, **given)  # type: ignore[arg-type]
        if merged.given():
            self.changes[account] = merged
        else:
            self.changes.pop(account, None)
        self._refresh()
        return self.limits_of(account)

    def _named_accounts(self, accounts: Mapping[str, RiskLimits]) -> list[str]:
        names = set(accounts) | set(self.configured_limits) | set(self.changes) | set(self.accounts)
        return sorted(names)

    def _refresh(self) -> None:
        for name, exposure in self.accounts.items():
            exposure.set_limits(self.limits_of(name))

    def account(self, account: str) -> AccountExposure:
        exposure = self.accounts.get(account)
        if exposure is None:
            exposure = self.accounts[account] = AccountExposure(self.limits_of(account))
        return exposure

    def exposure_of(self, account: str) -> AccountExposure:
        """The account's figures, for reading: one that never traded is shown with nothing
        in use, and is not added (what the core holds must come from commands alone)."""
        return self.accounts.get(account) or AccountExposure(self.limits_of(account))

    def collar_basis_points(self, account: str) -> int | None:
        limits = self.account(account).checked_limits
        return None if limits is None else limits.collar_basis_points

    # -- trading dates -----------------------------------------------------------------

    def start_day(self) -> None:
        """A new trading date: the day's counts start again (orders entered, notional
        executed); positions carry over."""
        for exposure in self.accounts.values():
            exposure.orders_today = 0
            for credit in exposure.currencies.values():
                credit.executed = 0

    def positions(self) -> tuple[tuple[str, str, int], ...]:
        """Every account's net position in every symbol it holds: (account, symbol,
        quantity), sorted, none zero."""
        return tuple(
            (account, symbol, holding.position)
            for account, exposure in sorted(self.accounts.items())
            for symbol, holding in sorted(exposure.symbols.items())
            if holding.position
        )

    # -- kill switches -----------------------------------------------------------------

    def set_kill_switch(self, scope: KillScope, name: str, engaged: bool, reason: str) -> None:
        if engaged:
            self.kill_switches[scope][name] = reason
        else:
            self.kill_switches[scope].pop(name, None)
        self._kill_switches_engaged = sum(map(len, self.kill_switches.values()))

    def kill_switch_reason(self, *, account: str, firm: str, session: str) -> str | None:
        """Why orders of this account, firm and session are refused, if a switch is on."""
        for scope, name in (
            (KillScope.ACCOUNT, account),
            (KillScope.FIRM, firm),
            (KillScope.SESSION, session),
        ):
            reason = self.kill_switches[scope].get(name)
            if reason is not None:
                return kill_switch_text(scope, name, reason)
        return None

    # -- checks ------------------------------------------------------------------------

    def admit(
        self,
        *,
        account: str,
        firm: str,
        session: str,
        symbol: str,
        buying: bool,
        quantity: int,
        price: int | None,
        reserve_price: int,
    ) -> Rejection | Reservation:
        """Checks a new order against its account's kill switches and limits: why it may not
        be accepted, or the reservation it takes if it may. `price` is its limit price, if
        it has one, and `reserve_price` the price its notional is reckoned at."""
        if self._kill_switches_engaged:
            killed = self.kill_switch_reason(account=account, firm=firm, session=session)
            if killed is not None:
                return Rejection(reason=OrderRejectReason.KILL_SWITCH, text=killed)
        exposure = self.accounts.get(account) or self.account(account)
        holding = exposure.symbols.get(symbol) or exposure.add_symbol(
            symbol, self._instruments[symbol].currency, self._money_per_tick[symbol]
        )
        limits = exposure.checked_limits
        # One function, the texts only where a limit is breached: this runs for every order.
        if limits is not None:
            if limits.restricted_symbols and symbol in limits.restricted_symbols:
                return _limit(f"restricted symbol: account {account} may not trade {symbol}")
            if quantity > limits.max_order_quantity:
                return _limit(_quantity_text(quantity, limits, account))
            if price is not None:
                outside = self._outside_collar(symbol, price, limits)
                if outside is not None:
                    return _limit(outside)
            notional = quantity * reserve_price * holding.money_per_tick
            if notional > limits.max_order_notional:
                return _limit(self._notional_text(notional, limits, account, symbol))
            if exposure.open_orders >= limits.max_open_orders:
                return _limit(
                    f"max open orders: account {account} has {exposure.open_orders} open "
                    f"orders, the limit is {limits.max_open_orders}"
                )
            if exposure.orders_today >= limits.max_orders_per_day:
                return _limit(
                    f"max orders per day: account {account} has entered "
                    f"{exposure.orders_today} orders today, the limit is "
                    f"{limits.max_orders_per_day}"
                )
            if holding.credit.used + notional > limits.credit_limit:
                return _limit(self._credit_text(holding, limits, account, symbol, notional))
            if limits.max_position is not None:
                breach = _position_breach(holding, limits, account, symbol, buying, quantity)
                if breach is not None:
                    return _limit(breach)
        return Reservation(exposure, holding, buying, quantity, reserve_price)

    def check_replace(
        self,
        reservation: Reservation,
        *,
        account: str,
        symbol: str,
        side: Side,
        old_quantity: int,
        old_limit_price: int | None,
        quantity: int,
        open_quantity: int,
        limit_price: int | None,
        reserve_price: int,
    ) -> str | None:
        """Why a replace may not be made, if it may not. A replace is held to a limit only
        where it raises what the limit measures, so an order can always be made smaller,
        even after its account's limits were lowered."""
        exposure = reservation.account
        limits = exposure.checked_limits
        if limits is None:
            return None
        if quantity > limits.max_order_quantity and quantity > old_quantity:
            return _quantity_text(quantity, limits, account)
        if limit_price is not None and limit_price != old_limit_price:
            outside = self._outside_collar(symbol, limit_price, limits)
            if outside is not None:
                return outside
        holding = reservation.holding
        money_per_tick = holding.money_per_tick
        notional = quantity * reserve_price * money_per_tick
        if notional > limits.max_order_notional and notional > old_quantity * reservation.unit:
            return self._notional_text(notional, limits, account, symbol)
        added = open_quantity * reserve_price * money_per_tick - reservation.notional
        if added > 0 and holding.credit.used + added > limits.credit_limit:
            return self._credit_text(holding, limits, account, symbol, added)
        growth = open_quantity - reservation.quantity
        if growth > 0 and limits.max_position is not None:
            return _position_breach(holding, limits, account, symbol, side is _BUY, growth)
        return None

    def _notional_text(
        self, notional: int, limits: AccountLimits, account: str, symbol: str
    ) -> str:
        currency = self._instruments[symbol].currency
        return (
            f"max order notional: {format_money(notional, currency)} is above the limit "
            f"of {format_money(limits.max_order_notional, currency)} for account {account}"
        )

    def anchor(self, symbol: str) -> int:
        """The collar's centre: the last trade price, or the reference price before the
        first trade."""
        last = self._last_trade_prices.get(symbol)
        return self._reference_prices[symbol] if last is None else last

    def _outside_collar(self, symbol: str, price: int, limits: AccountLimits) -> str | None:
        low, high = collar_bounds(self.anchor(symbol), limits.collar_basis_points)
        return None if low <= price <= high else self._collar_text(symbol, price, limits)

    def _collar_text(self, symbol: str, price: int, limits: AccountLimits) -> str:
        anchor = self.anchor(symbol)
        low, high = collar_bounds(anchor, limits.collar_basis_points)
        instrument = self._instruments[symbol]

        def shown(ticks: int) -> str:
            return f"{ticks_to_price(ticks, instrument.tick_size)}"

        collar = basis_points_to_percent(limits.collar_basis_points)
        return (
            f"price collar: {shown(price)} is outside {collar}% "
            f"around {shown(anchor)} {instrument.currency} ({shown(low)} to {shown(high)})"
        )

    def _credit_text(
        self, holding: SymbolExposure, limits: AccountLimits, account: str, symbol: str, added: int
    ) -> str:
        currency = self._instruments[symbol].currency
        return (
            f"credit limit: {format_money(holding.credit.used, currency)} in use plus "
            f"{format_money(added, currency)} is above the limit of "
            f"{format_money(limits.credit_limit, currency)} for account {account}"
        )


def _position_breach(  # noqa: PLR0917 - called on every order: positional is cheaper
    holding: SymbolExposure,
    limits: AccountLimits,
    account: str,
    symbol: str,
    buying: bool,
    quantity: int,
) -> str | None:
    """What is wrong if the order would take the position beyond the limit, counting the
    open orders on its side."""
    assert limits.max_position is not None
    position = holding.position
    if buying:
        open_quantity = holding.buying
        reach = position + open_quantity + quantity
    else:
        open_quantity = holding.selling
        reach = open_quantity + quantity - position
    if reach <= limits.max_position:
        return None
    return (
        f"position limit: {symbol} position {position} with {open_quantity} open to "
        f"{'buy' if buying else 'sell'} and this {quantity} would reach {reach}, above the "
        f"limit of {limits.max_position} for account {account}"
    )
