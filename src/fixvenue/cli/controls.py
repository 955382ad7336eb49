"""Operators' controls through the running venue's admin endpoint: kill switches, risk
limits, trading halts, cancels and the book."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from fixvenue.admin.requests import LIMIT_NAMES
from fixvenue.cli.admin_client import client_for
from fixvenue.cli.options import (
    config_option,
    json_option,
    one_line_errors,
    reason_command,
    show,
)


def _scope(account: str | None, firm: str | None, session: str | None) -> tuple[str, str]:
    given = [
        (scope, name)
        for scope, name in (("account", account), ("firm", firm), ("session", session))
        if name
    ]
    if len(given) != 1:
        raise click.UsageError("name exactly one of ACCOUNT, --firm or --session")
    return given[0]


def _kill_switch_command(name: str, engaged: bool) -> click.Command:
    verb = "Engage" if engaged else "Release"
    effect = (
        "cancels every open order in scope and refuses new ones until released"
        if engaged
        else "lets the scope trade again"
    )

    @click.command(
        name, help=f"{verb} the kill switch of an account, a firm or a session: {effect}."
    )
    @click.argument("account", required=False)
    @click.option("--firm", help="Every account of this firm.")
    @click.option("--session", help="Every order of this session (TargetCompID).")
    @click.option("--reason", default="operator request", show_default=True)
    @config_option
    @json_option
    @one_line_errors
    def command(
        account: str | None,
        *,
        firm: str | None,
        session: str | None,
        reason: str,
        config_path: Path,
        as_json: bool,
    ) -> None:
        scope, target = _scope(account, firm, session)
        answer = client_for(config_path).post(
            f"/{name}", {"scope": scope, "name": target, "reason": reason}
        )
        if engaged:
            human = (
                f"kill switch engaged for {scope} {target}: "
                f"{answer['cancelled']} open orders cancelled"
            )
        else:
            human = f"kill switch released for {scope} {target}"
        show(answer, as_json, human)

    return command


def _phase_command(name: str, halted: bool) -> click.Command:
    return reason_command(
        name,
        help_text="Halt trading in SYMBOL: new orders and replaces refused, cancels accepted."
        if halted
        else "Resume trading in SYMBOL.",
        argument="symbol",
        path=lambda symbol: f"/{name}/{symbol}",
        describe=lambda symbol, answer: f"{symbol} is {answer['phase']}",
    )


@click.command("cancel")
@click.option("--account", help="Orders of this account.")
@click.option("--session", help="Orders entered on this session (TargetCompID).")
@click.option("--symbol", help="Orders in this symbol.")
@click.option("--reason", default="operator request", show_default=True)
@config_option
@json_option
@one_line_errors
def cancel_command(
    *,
    account: str | None,
    session: str | None,
    symbol: str | None,
    reason: str,
    config_path: Path,
    as_json: bool,
) -> None:
    """Cancel every open order that matches all the filters given (at least one)."""
    filters = {"account": account, "session": session, "symbol": symbol}
    given = {key: value for key, value in filters.items() if value is not None}
    if not given:
        raise click.UsageError("name --account, --session or --symbol")
    answer = client_for(config_path).post("/cancel", {**given, "reason": reason})
    scope = ", ".join(f"{key} {value}" for key, value in given.items())
    show(answer, as_json, f"{answer['cancelled']} open orders cancelled ({scope})")


@click.command("book")
@click.argument("symbol")
@click.option("--depth", type=click.IntRange(min=1, max=1000), default=10, show_default=True)
@click.option("--orders", is_flag=True, help="List each level's orders in time priority.")
@config_option
@json_option
@one_line_errors
def book_command(symbol: str, depth: int, orders: bool, config_path: Path, as_json: bool) -> None:
    """The best DEPTH price levels of each side of SYMBOL's book."""
    path = f"/book/{quote(symbol, safe='')}?depth={depth}" + ("&orders=true" if orders else "")
    answer = client_for(config_path).get(path)
    show(answer, as_json, _book_queues(answer) if orders else _book_table(answer))


def _book_table(answer: dict[str, Any]) -> str:
    last = answer["last_price"] or f"none (reference {answer['reference_price']})"
    lines = [
        f"{answer['symbol']} ({answer['currency']}), {answer['phase']}, last {last}",
        f"{'orders':>8}{'quantity':>12}{'bid':>14}  {'ask':<14}{'quantity':>12}{'orders':>8}",
    ]
    bids, asks = answer["bids"], answer["asks"]
    for index in range(max(len(bids), len(asks))):
        bid = bids[index] if index < len(bids) else None
        ask = asks[index] if index < len(asks) else None
        left = f"{bid['orders']:>8}{bid['quantity']:>12}{bid['price']:>14}" if bid else " " * 34
        right = f"  {ask['price']:<14}{ask['quantity']:>12}{ask['orders']:>8}" if ask else ""
        lines.append((left + right).rstrip())
    return "\n".join(lines)


def _book_queues(answer: dict[str, Any]) -> str:
    """Each level with its orders, first in line first."""
    lines = [_book_table(answer).splitlines()[0]]
    for name, levels in (("bids", answer["bids"]), ("asks", answer["asks"])):
        lines.append(name)
        for level in levels:
            lines.append(f"  {level['price']:>14}{level['quantity']:>12} in {level['orders']}")
            lines += [
                f"    {order['order_id']:<14}{order['session']:<12}{order['account']:<12}"
                f"{order['client_order_id']:<24}{order['leaves_quantity']:>10}"
                for order in level["queue"]
            ]
    return "\n".join(lines)


@click.group("risk")
def risk_group() -> None:
    """Per-account pre-trade risk: limits and what is in use."""


@risk_group.command("show")
@click.argument("account")
@config_option
@json_option
@one_line_errors
def risk_show(account: str, config_path: Path, as_json: bool) -> None:
    """The account's limits, kill switches, open orders, notional and positions."""
    answer = client_for(config_path).get(f"/risk/{quote(account, safe='')}")
    show(answer, as_json, _risk_table(answer))


@risk_group.command("set")
@click.argument("account")
@click.option("--max-order-qty", type=click.IntRange(min=1), help="Shares per order.")
@click.option("--max-order-notional", metavar="X", help="Quantity x price per order.")
@click.option("--collar-pct", metavar="P", help="Limit prices within P% of the last trade.")
@click.option("--max-open-orders", type=click.IntRange(min=1))
@click.option("--max-orders-per-day", type=click.IntRange(min=1))
@click.option("--credit-limit", metavar="X", help="Open plus executed notional, per currency.")
@click.option("--max-position", type=click.IntRange(min=1), help="Net shares per symbol.")
@click.option(
    "--restricted-symbols",
    metavar="A,B",
    help="Symbols the account may not trade (an empty string: none).",
)
@click.option(
    "--reset",
    "reset",
    multiple=True,
    type=click.Choice([*LIMIT_NAMES, "all"]),
    help="Return a limit (or all) to the configuration's; may be given more than once.",
)
@config_option
@json_option
@one_line_errors
def risk_set(
    account: str,
    config_path: Path,
    as_json: bool,
    restricted_symbols: str | None,
    reset: tuple[str, ...],
    **limits: Any,
) -> None:
    """Change some of ACCOUNT's limits now; they stay until changed again or reset."""
    body: dict[str, Any] = {key: value for key, value in limits.items() if value is not None}
    if restricted_symbols is not None:
        body["restricted_symbols"] = [s for s in restricted_symbols.split(",") if s]
    if reset:
        body["reset"] = "all" if "all" in reset else list(reset)
    if not body:
        raise click.UsageError("name at least one limit to change or reset")
    answer = client_for(config_path).post(f"/risk/{quote(account, safe='')}", body)
    show(answer, as_json, _limits_lines(answer["limits"]))


def _limits_lines(limits: dict[str, Any] | None, overridden: list[str] | None = None) -> str:
    if limits is None:
        return "limits: none configured"
    lines = [
        f"{key:<20} {', '.join(value) if isinstance(value, list) else value}"
        + ("  (set by an operator)" if key in (overridden or ()) else "")
        for key, value in limits.items()
    ]
    return "\n".join(lines)


def _risk_table(answer: dict[str, Any]) -> str:
    lines = [f"account {answer['account']}"]
    switches = answer["kill_switches"]
    lines.append(
        "kill switch: "
        + (
            "; ".join(f"{s['scope']} {s['name']} ({s['reason']})" for s in switches)
            if switches
            else "off"
        )
    )
    lines.append(f"open orders {answer['open_orders']}, orders today {answer['orders_today']}")
    lines.append(_limits_lines(answer["limits"], answer["overridden"]))
    if answer["currencies"]:
        lines.append(f"{'currency':<10}{'reserved':>20}{'executed':>20}{'used':>20}")
        for currency, figures in answer["currencies"].items():
            lines.append(
                f"{currency:<10}{figures['reserved']:>20}{figures['executed']:>20}"
                f"{figures['used']:>20}"
            )
    if answer["symbols"]:
        lines.append(f"{'symbol':<10}{'position':>12}{'open buy':>12}{'open sell':>12}")
        for symbol, holding in answer["symbols"].items():
            lines.append(
                f"{symbol:<10}{holding['position']:>12}{holding['open_buy']:>12}"
                f"{holding['open_sell']:>12}"
            )
    return "\n".join(lines)


COMMANDS = (
    _kill_switch_command("kill", engaged=True),
    _kill_switch_command("unkill", engaged=False),
    _phase_command("halt", halted=True),
    _phase_command("resume", halted=False),
    cancel_command,
    book_command,
    risk_group,
)
