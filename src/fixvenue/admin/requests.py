"""What each admin request means: the command it becomes, or the state it reads.

    POST /kill             {"scope": "account"|"firm"|"session", "name": ..., "reason": ...}
    POST /unkill           {"scope": ..., "name": ..., "reason": ...}
    GET  /risk/ACCOUNT     the account's limits, kill switches and figures
    POST /risk/ACCOUNT     {"max_order_qty": N, "max_order_notional": "X", "collar_pct": "P",
                            "max_open_orders": N, "max_orders_per_day": N,
                            "credit_limit": "X", "max_position": N,
                            "restricted_symbols": [...], "reset": [limit, ...] | "all"}:
                           sets limits, or returns them to the configuration's; answers
                           with the account's limits now
    POST /halt/SYMBOL      {"reason": ...}
    POST /resume/SYMBOL    {"reason": ...}
    POST /cancel           {"account": ..., "session": ..., "symbol": ..., "reason": ...}:
                           cancels the open orders that match every filter given
    GET  /book/SYMBOL?depth=N&orders=true
                           the best N price levels of each side (10 if not given); with
                           orders=true each level also lists its orders in time priority

and the session requests (admin/sessions.py), end of day (admin/eod.py) and the audit log
(admin/audit.py).

Amounts of money are decimal strings, exact; percentages too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from fixvenue.admin.audit import AuditTrail, audit_day, audit_view
from fixvenue.admin.eod import end_of_day
from fixvenue.admin.errors import bad_request, not_found
from fixvenue.admin.sessions import SessionDirectory, SessionRequests
from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import (
    OperatorCancel,
    SetKillSwitch,
    SetRiskLimits,
    SetTradingPhase,
)
from fixvenue.domain.events import KillSwitchChanged, RiskLimitsChanged
from fixvenue.domain.risk import (
    KillScope,
    RiskLimitChanges,
    RiskLimits,
    from_millionths,
    to_millionths,
)
from fixvenue.domain.values import (
    Side,
    TradingPhase,
    basis_points_to_percent,
    percent_to_basis_points,
    ticks_to_price,
)

if TYPE_CHECKING:
    from fixvenue.admin.server import Sequencer


# The JSON names of the limits (as the CLI's options say them) and their domain names.
LIMIT_NAMES = {
    "max_order_qty": "max_order_quantity",
    "max_order_notional": "max_order_notional",
    "collar_pct": "collar_basis_points",
    "max_open_orders": "max_open_orders",
    "max_orders_per_day": "max_orders_per_day",
    "credit_limit": "credit_limit",
    "max_position": "max_position",
    "restricted_symbols": "restricted_symbols",
}
_MONEY = {"max_order_notional", "credit_limit"}
_COUNTS = {"max_order_qty", "max_open_orders", "max_orders_per_day", "max_position"}


class Routes:
    def __init__(self, sequencer: Sequencer, sessions: SessionDirectory, audit: AuditTrail) -> None:
        self._sequencer = sequencer
        self._sessions = SessionRequests(sequencer, sessions)
        self._audit = audit

    def handle(
        self, method: str, path: str, body: dict[str, Any], *, audit_entry_id: int
    ) -> dict[str, Any]:
        """The answer to a request; `audit_entry_id` is the request's own audit entry."""
        # Names travel percent-encoded, so that "?" or "#" in one cannot name another.
        address = urlsplit(path)
        parts = [unquote(part) for part in address.path.split("/") if part]
        query = {key: values[-1] for key, values in parse_qs(address.query).items()}
        match method, parts:
            case "POST", ["kill" | "unkill" as action]:
                return self._kill_switch(body, engaged=action == "kill")
            case "GET", ["risk", account]:
                return self._sequencer.query(lambda core: _risk_view(core, account))
            case "POST", ["risk", account]:
                return self._set_limits(account, body)
            case "POST", ["halt" | "resume" as action, symbol]:
                return self._phase(symbol, body, halted=action == "halt")
            case "POST", ["cancel"]:
                return self._cancel(body)
            case "GET", ["book", symbol]:
                depth = _depth(query.get("depth", str(BOOK_DEPTH)))
                queues = _flag(query, "orders")
                return self._sequencer.query(
                    lambda core: _book_view(core, symbol, depth, queues=queues)
                )
            case "GET", ["sessions"]:
                return self._sessions.listing()
            case "POST", ["sessions", name, action]:
                force = body.get("force", False)
                if not isinstance(force, bool):
                    raise bad_request("force must be true or false")
                reason = _text(body, "reason", "operator request")
                return self._sessions.act(name, action, reason, force=force)
            case "POST", ["eod"]:
                return end_of_day(self._sequencer, body)
            case "GET", ["audit"]:
                day = audit_day(query.get("date"))
                return audit_view(self._audit.entries(day, before=audit_entry_id))
        raise not_found(f"no admin request {method} {path}")

    def _kill_switch(self, body: dict[str, Any], *, engaged: bool) -> dict[str, Any]:
        try:
            scope = KillScope(body.get("scope", "account"))
        except ValueError:
            raise bad_request("scope must be account, firm or session") from None
        name = _text(body, "name")
        self._sequencer.query(lambda core: _check_name(core, scope, name))
        reason = _text(body, "reason", "operator request")
        events = self._sequencer.execute(
            SetKillSwitch(scope=scope, name=name, engaged=engaged, reason=reason)
        )
        changed = events[0]
        assert isinstance(changed, KillSwitchChanged), events
        return {
            "scope": scope.value,
            "name": name,
            "engaged": engaged,
            "cancelled": changed.cancelled,
        }

    def _set_limits(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        self._sequencer.query(lambda core: _check_name(core, KillScope.ACCOUNT, account))
        changes = _limit_changes(body)
        unknown = self._sequencer.query(
            lambda core: sorted(set(changes.restricted_symbols or ()) - set(core.instruments))
        )
        if unknown:
            raise not_found(f"unknown symbol {unknown[0]}")
        events = self._sequencer.execute(SetRiskLimits(account=account, changes=changes))
        changed = events[0]
        assert isinstance(changed, RiskLimitsChanged), events
        return {"account": account, "limits": limits_view(changed.limits)}

    def _cancel(self, body: dict[str, Any]) -> dict[str, Any]:
        filters = {key: body.get(key) for key in ("account", "session", "symbol")}
        if not any(filters.values()):
            raise bad_request("name an account, a session or a symbol")
        for key, value in filters.items():
            if value is not None:
                filters[key] = _text(body, key)
        self._sequencer.query(lambda core: _check_filters(core, filters))
        reason = _text(body, "reason", "operator request")
        events = self._sequencer.execute(OperatorCancel(**filters, reason=reason))
        return {**{k: v for k, v in filters.items() if v is not None}, "cancelled": len(events)}

    def _phase(self, symbol: str, body: dict[str, Any], *, halted: bool) -> dict[str, Any]:
        known = self._sequencer.query(lambda core: symbol in core.instruments)
        if not known:
            raise not_found(f"unknown symbol {symbol}")
        phase = TradingPhase.HALTED if halted else TradingPhase.OPEN
        reason = _text(body, "reason", "operator request")
        self._sequencer.execute(SetTradingPhase(symbol=symbol, phase=phase, reason=reason))
        return {"symbol": symbol, "phase": phase.value}


TEXT_LENGTH_MAX = 200


def _text(body: dict[str, Any], key: str, default: str | None = None) -> str:
    """A name or a reason: it may reach brokers in a report's Text, so printable ASCII."""
    value = body.get(key, default)
    if not isinstance(value, str) or not value:
        raise bad_request(f"{key} must be a non-empty string")
    if not (value.isascii() and value.isprintable()) or len(value) > TEXT_LENGTH_MAX:
        raise bad_request(f"{key} must be printable ASCII of at most {TEXT_LENGTH_MAX} characters")
    return value


class _Resting(Protocol):
    """An order as the book holds it."""

    @property
    def order_id(self) -> str: ...


BOOK_DEPTH = 10
BOOK_DEPTH_MAX = 1_000


def _depth(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= BOOK_DEPTH_MAX:
        raise bad_request(f"depth must be a whole number from 1 to {BOOK_DEPTH_MAX}")
    return int(value)


def _check_filters(core: TradingCore, filters: dict[str, Any]) -> None:
    if filters["account"] is not None:
        _check_name(core, KillScope.ACCOUNT, filters["account"])
    if filters["session"] is not None:
        _check_name(core, KillScope.SESSION, filters["session"])
    if filters["symbol"] is not None and filters["symbol"] not in core.instruments:
        raise not_found(f"unknown symbol {filters['symbol']}")


def _flag(query: dict[str, str], name: str) -> bool:
    value = query.get(name, "false")
    if value not in ("true", "false"):
        raise bad_request(f"{name} must be true or false")
    return value == "true"


def _book_view(core: TradingCore, symbol: str, depth: int, *, queues: bool) -> dict[str, Any]:
    """The book as `fixvenue book` shows it; runs on the sequencer thread."""
    instrument = core.instruments.get(symbol)
    if instrument is None:
        raise not_found(f"unknown symbol {symbol}")
    book = core.books[symbol]
    last = core.last_trade_prices.get(symbol)

    def price(ticks: int) -> str:
        return str(ticks_to_price(ticks, instrument.tick_size))

    def queue(orders: Iterator[_Resting]) -> list[dict[str, Any]]:
        listed = []
        for resting in orders:
            order = core.open_orders[resting.order_id]
            listed.append(
                {
                    "order_id": order.order_id,
                    "session": order.session,
                    "account": order.terms.account,
                    "client_order_id": order.client_order_id,
                    "leaves_quantity": order.leaves_quantity,
                    "shown_quantity": order.visible_quantity,
                }
            )
        return listed

    def side(which: Side) -> list[dict[str, Any]]:
        levels = [
            {"price": price(level.price), "quantity": level.quantity, "orders": level.orders}
            for level in itertools.islice(book.levels(which), depth)
        ]
        if queues:
            # Both iterate best price first: the n-th group of orders is the n-th level.
            grouped = itertools.groupby(book.orders(which), key=lambda order: order.price)
            for entry, (_, orders) in zip(levels, grouped, strict=False):
                entry["queue"] = queue(orders)
        return levels

    return {
        "symbol": symbol,
        "currency": instrument.currency,
        "phase": core.phases[symbol].value,
        "last_price": None if last is None else price(last),
        "reference_price": price(core.reference_prices[symbol]),
        "bids": side(Side.BUY),
        "asks": side(Side.SELL),
    }


def _check_name(core: TradingCore, scope: KillScope, name: str) -> None:
    profiles = core.sessions.values()
    if scope is KillScope.ACCOUNT:
        known = any(name in profile.accounts for profile in profiles)
    elif scope is KillScope.FIRM:
        known = any(profile.firm == name for profile in profiles)
    else:
        known = name in core.sessions
    if not known:
        raise not_found(f"unknown {scope.value} {name}")


def _limit_changes(body: dict[str, Any]) -> RiskLimitChanges:
    """Limits to set, and under "reset" limits (or "all") to return to the configuration's."""
    reset = body.get("reset", [])
    limits = {key: value for key, value in body.items() if key != "reset"}
    unknown = sorted(set(limits) - set(LIMIT_NAMES))
    if unknown:
        raise bad_request(f"unknown limit {unknown[0]}")
    if reset == "all":
        reset = list(LIMIT_NAMES)
    if not isinstance(reset, list) or not all(key in LIMIT_NAMES for key in reset):
        raise bad_request(f'reset must be "all" or a list of limits: {", ".join(LIMIT_NAMES)}')
    if not limits and not reset:
        raise bad_request("name at least one limit to change or reset")
    both = sorted(set(limits) & set(reset))
    if both:
        raise bad_request(f"{both[0]} is both set and reset")
    given: dict[str, Any] = {
        LIMIT_NAMES[key]: _limit_value(key, value) for key, value in limits.items()
    }
    return RiskLimitChanges(**given, restore=tuple(sorted(LIMIT_NAMES[key] for key in reset)))


def _limit_value(key: str, value: Any) -> object:
    if key in _COUNTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad_request(f"{key} must be a whole number of at least 1")
        return value
    if key == "restricted_symbols":
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise bad_request(f"{key} must be a list of symbols")
        return tuple(sorted(set(value)))
    if not isinstance(value, str):
        raise bad_request(f'{key} must be a decimal number in a string, e.g. "10"')
    try:
        number = Decimal(value)
        return to_millionths(number) if key in _MONEY else percent_to_basis_points(number)
    except InvalidOperation:
        raise bad_request(f"{key}: {value!r} is not a decimal number") from None
    except ValueError as error:
        raise bad_request(f"{key}: {error}") from None


def limits_view(limits: RiskLimits | None) -> dict[str, Any] | None:
    """Limits as an operator reads them: money and percentages as decimal strings."""
    if limits is None:
        return None
    view: dict[str, Any] = {}
    for key, name in LIMIT_NAMES.items():
        value = getattr(limits, name)
        if key in _MONEY:
            value = str(from_millionths(value))
        elif key == "collar_pct":
            value = basis_points_to_percent(value)
        elif key == "restricted_symbols":
            value = list(value)
        view[key] = value
    return view


def _risk_view(core: TradingCore, account: str) -> dict[str, Any]:
    """The account as `fixvenue risk show` tells it; runs on the sequencer thread."""
    _check_name(core, KillScope.ACCOUNT, account)
    risk = core.risk
    exposure = risk.exposure_of(account)
    firms = sorted({p.firm for p in core.sessions.values() if account in p.accounts})
    sessions = sorted(p.session for p in core.sessions.values() if account in p.accounts)
    switches = risk.kill_switches
    engaged = [
        {"scope": scope.value, "name": name, "reason": switches[scope][name]}
        for scope, names in (
            (KillScope.ACCOUNT, [account]),
            (KillScope.FIRM, firms),
            (KillScope.SESSION, sessions),
        )
        for name in names
        if name in switches[scope]
    ]
    changes = risk.changes.get(account)
    changed = set() if changes is None else set(changes.given())
    return {
        "account": account,
        "limits": limits_view(exposure.limits),
        # Set by an operator over the configuration's, until reset.
        "overridden": [key for key, name in LIMIT_NAMES.items() if name in changed],
        "kill_switches": engaged,
        "open_orders": exposure.open_orders,
        "orders_today": exposure.orders_today,
        "currencies": {
            currency: {
                "reserved": str(from_millionths(credit.reserved)),
                "executed": str(from_millionths(credit.executed)),
                "used": str(from_millionths(credit.used)),
            }
            for currency, credit in sorted(exposure.currencies.items())
        },
        "symbols": {
            symbol: {
                "position": holding.position,
                "open_buy": holding.buying,
                "open_sell": holding.selling,
            }
            for symbol, holding in sorted(exposure.symbols.items())
        },
    }
