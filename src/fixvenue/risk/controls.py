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
    Rejection,
    Side,
    basis_points_to_percent,
    ticks_to_price,
)
from fixvenue.risk.exposure import AccountExposure, Reservation

_BUY = Side.BUY


def collar_bounds(anchor: int, basis_points: int) -> tuple[int, int]:
    """The lowest and highest price (ticks) within the collar around `anchor`."""
    width = anchor * basis_points // BASIS_POINTS_PER_UNIT
    return max(anchor - width, 1), anchor + width


def kill_switch_text(scope: KillScope, name: str, reason: str) -> str:
    """What the cancels and rejects of an engaged kill switch say."""
    return f"kill switch engaged for {scope.value} {name}: {reason}"


def _limit(text: str) -> Rejection:
    return Rejection(reason=OrderRejectReason.RISK_LIMIT, text=text)


class RiskControls:
    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self._instruments: Mapping[str, Instrument] = {i.symbol: i for i in instruments}
        self._money_per_tick = {
            symbol: money_per_tick(instrument) for symbol, instrument in self._instruments.items()
        }
        self.default_limits: RiskLimits | None = None
        self.configured_limits: dict[str, RiskLimits] = {}
        self.changes: dict[str, RiskLimitChanges] = {}
        self.accounts: dict[str, AccountExposure] = {}
        # Engaged kill switches by scope: name -> the operator's reason.
        self.kill_switches: dict[KillScope, dict[str, str]] = {scope: {} for scope in KillScope}

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
        self.changes[account] = dataclasses.replace(merged, **changes.given())  # type: ignore[arg-type]
        self._refresh()
        return self.limits_of(account)

    def _named_accounts(self, accounts: Mapping[str, RiskLimits]) -> list[str]:
        names = set(accounts) | set(self.configured_limits) | set(self.changes) | set(self.accounts)
        return sorted(names)

    def _refresh(self) -> None:
        for name, exposure in self.accounts.items():
            exposure.limits = self.limits_of(name)

    def account(self, account: str) -> AccountExposure:
        exposure = self.accounts.get(account)
        if exposure is None:
            exposure = self.accounts[account] = AccountExposure(self.limits_of(account))
        return exposure

    def collar_basis_points(self, account: str) -> int | None:
        limits = self.account(account).limits
        return None if limits is None else limits.collar_basis_points

    # -- kill switches -----------------------------------------------------------------

    def set_kill_switch(self, scope: KillScope, name: str, engaged: bool, reason: str) -> None:
        if engaged:
            self.kill_switches[scope][name] = reason
        else:
            self.kill_switches[scope].pop(name, None)

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

    def check_order(
        self,
        *,
        account: str,
        firm: str,
        session: str,
        symbol: str,
        side: Side,
        quantity: int,
        limit_price: int | None,
        reserve_price: int,
        anchor: int,
    ) -> Rejection | None:
        """Why a new order may not be accepted, if it may not. `reserve_price` is the price
        its notional is reckoned at; `anchor` is the collar's centre."""
        killed = self.kill_switch_reason(account=account, firm=firm, session=session)
        if killed is not None:
            return Rejection(reason=OrderRejectReason.KILL_SWITCH, text=killed)
        exposure = self.account(account)
        limits = exposure.limits
        if limits is None:
            return None
        if symbol in limits.restricted_symbols:
            return _limit(f"restricted symbol: account {account} may not trade {symbol}")
        if quantity > limits.max_order_quantity:
            return _limit(
                f"max order quantity: {quantity} is above the limit of "
                f"{limits.max_order_quantity} for account {account}"
            )
        if limit_price is not None:
            outside = self._outside_collar(symbol, limit_price, anchor, limits)
            if outside is not None:
                return _limit(outside)
        currency = self._instruments[symbol].currency
        notional = quantity * reserve_price * self._money_per_tick[symbol]
        if notional > limits.max_order_notional:
            return _limit(
                f"max order notional: {format_money(notional, currency)} is above the limit "
                f"of {format_money(limits.max_order_notional, currency)} for account {account}"
            )
        if exposure.open_orders >= limits.max_open_orders:
            return _limit(
                f"max open orders: account {account} has {exposure.open_orders} open orders, "
                f"the limit is {limits.max_open_orders}"
            )
        if exposure.orders_today >= limits.max_orders_per_day:
            return _limit(
                f"max orders per day: account {account} has entered {exposure.orders_today} "
                f"orders today, the limit is {limits.max_orders_per_day}"
            )
        return self._credit_problem(exposure, account, currency, notional) or (
            self._position_problem(exposure, account, symbol, side, quantity)
        )

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
        anchor: int,
    ) -> str | None:
        """Why a replace may not be made, if it may not. A replace is held to a limit only
        where it raises what the limit measures, so an order can always be made smaller,
        even after its account's limits were lowered."""
        exposure = reservation.account
        limits = exposure.limits
        if limits is None:
            return None
        if quantity > limits.max_order_quantity and quantity > old_quantity:
            return (
                f"max order quantity: {quantity} is above the limit of "
                f"{limits.max_order_quantity} for account {account}"
            )
        if limit_price is not None and limit_price != old_limit_price:
            outside = self._outside_collar(symbol, limit_price, anchor, limits)
            if outside is not None:
                return outside
        currency = self._instruments[symbol].currency
        money_per_tick = self._money_per_tick[symbol]
        notional = quantity * reserve_price * money_per_tick
        old_notional = old_quantity * reservation.unit
        if notional > limits.max_order_notional and notional > old_notional:
            return (
                f"max order notional: {format_money(notional, currency)} is above the limit "
                f"of {format_money(limits.max_order_notional, currency)} for account {account}"
            )
        added = open_quantity * reserve_price * money_per_tick - reservation.notional
        problem = self._credit_problem(exposure, account, currency, added) if added > 0 else None
        growth = open_quantity - reservation.quantity
        if problem is None and growth > 0:
            problem = self._position_problem(exposure, account, symbol, side, growth)
        return None if problem is None else problem.text

    def _outside_collar(
        self, symbol: str, price: int, anchor: int, limits: RiskLimits
    ) -> str | None:
        low, high = collar_bounds(anchor, limits.collar_basis_points)
        if low <= price <= high:
            return None
        instrument = self._instruments[symbol]

        def shown(ticks: int) -> str:
            return f"{ticks_to_price(ticks, instrument.tick_size)}"

        collar = basis_points_to_percent(limits.collar_basis_points)
        return (
            f"price collar: {shown(price)} is outside {collar}% "
            f"around {shown(anchor)} {instrument.currency} ({shown(low)} to {shown(high)})"
        )

    @staticmethod
    def _credit_problem(
        exposure: AccountExposure, account: str, currency: str, added: int
    ) -> Rejection | None:
        limits = exposure.limits
        assert limits is not None
        credit = exposure.currencies.get(currency)
        used = 0 if credit is None else credit.used
        if used + added <= limits.credit_limit:
            return None
        return _limit(
            f"credit limit: {format_money(used, currency)} in use plus "
            f"{format_money(added, currency)} is above the limit of "
            f"{format_money(limits.credit_limit, currency)} for account {account}"
        )

    @staticmethod
    def _position_problem(
        exposure: AccountExposure, account: str, symbol: str, side: Side, quantity: int
    ) -> Rejection | None:
        limits = exposure.limits
        assert limits is not None
        if limits.max_position is None:
            return None
        holding = exposure.symbols.get(symbol)
        position = 0 if holding is None else holding.position
        if side is _BUY:
            open_quantity = 0 if holding is None else holding.buying
            reach = position + open_quantity + quantity
        else:
            open_quantity = 0 if holding is None else holding.selling
            reach = -(position - open_quantity - quantity)
        if reach <= limits.max_position:
            return None
        side_name = "buy" if side is _BUY else "sell"
        return _limit(
            f"position limit: {symbol} position {position} with {open_quantity} open to "
            f"{side_name} and this {quantity} would reach {reach}, above the limit of "
            f"{limits.max_position} for account {account}"
        )

    # -- reservations ------------------------------------------------------------------

    def reserve(
        self, *, account: str, symbol: str, side: Side, quantity: int, reserve_price: int
    ) -> Reservation:
        exposure = self.account(account)
        return Reservation(
            exposure,
            exposure.currency(self._instruments[symbol].currency),
            exposure.symbol(symbol),
            buying=side is _BUY,
            money_per_tick=self._money_per_tick[symbol],
            quantity=quantity,
            reserve_price=reserve_price,
        )
