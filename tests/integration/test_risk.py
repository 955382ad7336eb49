"""Pre-trade risk over FIX: every limit at its edge and one tick or share beyond, replaces
held to the limits, kill switches and limit changes through the CLI, and the risk state
after a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fix_client import FixClient, Received
from tests.support.venue import Venue, operator_command

# BRK4-A (BROKER4, FIX 4.4) and BRK3-A (BROKER3, FIX 4.2) get tight limits of their own;
# BROKER1 (BRK1-A) is their counterparty with the demo's generous ones.
TIGHT_LIMITS = """[risk.accounts."BRK4-A"]
max_order_quantity = 1000
max_order_notional = "100000"
collar_percent = "2"
max_open_orders = 3
max_orders_per_day = 12
credit_limit = "250000"
max_position = 1500
restricted_symbols = ["BOLT"]

[risk.accounts."BRK3-A"]
restricted_symbols = ["BOLT"]

[risk.accounts."BRK1-A"]"""


@pytest.fixture
def risk_venue(tmp_path: Path, database_url: str) -> Iterator[Venue]:
    running = Venue(
        tmp_path, database_url, config_replace={'[risk.accounts."BRK1-A"]': TIGHT_LIMITS}
    )
    running.start()
    try:
        yield running
    finally:
        running.ensure_stopped()


@pytest.fixture
def broker4(risk_venue: Venue, tmp_path: Path) -> Iterator[FixClient]:
    client = FixClient(sender="BROKER4", port=risk_venue.port, work_dir=tmp_path).start()
    yield client
    client.stop()


@pytest.fixture
def broker1(risk_venue: Venue, tmp_path: Path) -> Iterator[FixClient]:
    client = FixClient(sender="BROKER1", port=risk_venue.port, work_dir=tmp_path).start()
    yield client
    client.stop()


def _order(client: FixClient, **fields: Any) -> Received:
    """Places an order and returns its first report (accepted or rejected)."""
    client_order_id = client.new_order(account=f"BRK{client.sender[-1]}-A", **fields)
    return client.expect(
        lambda m: m.msg_type == "8" and m.get(11) == client_order_id, 10.0, "a report"
    )


def _accepted(client: FixClient, **fields: Any) -> Received:
    report = _order(client, **fields)
    assert report[150] == "0", report.raw
    return report


def _rejected(client: FixClient, text: str, **fields: Any) -> Received:
    report = _order(client, **fields)
    assert (report[150], report[39], report[103]) == ("8", "8", "3"), report.raw
    assert report[58] == text, report[58]
    return report


def _risk(venue: Venue, account: str) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(operator_command(venue, "risk", "show", account, "--json"))
    return answer


def test_order_quantity_and_notional_pass_at_the_limit_and_fail_one_beyond(
    broker4: FixClient,
) -> None:
    _accepted(broker4, quantity="1000", price="98.00")
    _rejected(
        broker4,
        "max order quantity: 1001 is above the limit of 1000 for account BRK4-A",
        quantity="1001",
        price="98.00",
    )
    _accepted(broker4, side="2", quantity="1000", price="100.00")  # 100,000.00 USD: the limit
    _rejected(
        broker4,
        "max order notional: 100010.00 USD is above the limit of 100000.00 USD for account BRK4-A",
        quantity="1000",
        price="100.01",
    )
    broker4.assert_nothing_refused()


def test_the_price_collar_admits_its_edges_and_limits_market_orders(
    broker4: FixClient, broker1: FixClient
) -> None:
    # 2% around the reference price: 98.00 to 102.00 for ACME, 49.00 to 51.00 for EURX.
    edge = _accepted(broker4, side="1", quantity="1", price="102.00")
    broker4.report(broker4.cancel(edge[11]), "4")
    _rejected(
        broker4,
        "price collar: 102.01 is outside 2% around 100.00 USD (98.00 to 102.00)",
        side="1",
        quantity="1",
        price="102.01",
    )
    _accepted(broker4, side="2", quantity="1", price="49.00", symbol="EURX")
    _rejected(
        broker4,
        "price collar: 48.95 is outside 2% around 50.00 EUR (49.00 to 51.00)",
        side="2",
        quantity="1",
        price="48.95",
        symbol="EURX",
    )
    # BRK1 offers at 101.00, 102.50 and 103.00; a market buy of BRK4 goes no further than
    # the collar's edge, 102.00, though the instrument's band would allow 105.00.
    for price in ("101.00", "102.50", "103.00"):
        broker1.report(
            broker1.new_order(account="BRK1-A", side="2", quantity="1", price=price), "0"
        )
    market = broker4.new_order(
        account="BRK4-A", side="1", quantity="3", price=None, order_type="1", time_in_force="3"
    )
    fill = broker4.report(market, "F")
    assert (fill[31], fill[32]) == ("101.00", "1")
    cancelled = broker4.report(market, "4")
    assert "worst price 102.00 USD" in cancelled[58], cancelled[58]
    broker4.assert_nothing_refused()


def test_open_orders_stop_at_the_limit_until_one_is_cancelled(broker4: FixClient) -> None:
    first = _accepted(broker4, price="99.00")
    _accepted(broker4, price="99.00")
    _accepted(broker4, price="99.00")
    _rejected(
        broker4,
        "max open orders: account BRK4-A has 3 open orders, the limit is 3",
        price="99.00",
    )
    broker4.report(broker4.cancel(first[11]), "4")
    _accepted(broker4, price="99.00")


def test_orders_per_day_count_every_accepted_order_up_to_the_limit(broker4: FixClient) -> None:
    for _ in range(12):  # the limit: placed and cancelled, so that open orders stay low
        order = _accepted(broker4, price="99.00")
        broker4.report(broker4.cancel(order[11]), "4")
    _rejected(
        broker4,
        "max orders per day: account BRK4-A has entered 12 orders today, the limit is 12",
        price="99.00",
    )


def test_credit_and_position_count_what_traded_and_what_is_open(
    broker4: FixClient, broker1: FixClient
) -> None:
    broker1.report(
        broker1.new_order(account="BRK1-A", side="2", quantity="1000", price="100.00"), "0"
    )
    bought = _accepted(broker4, side="1", quantity="1000", price="100.00")
    broker4.report(bought[11], "F")  # long 1,000; 100,000.00 USD executed
    _accepted(broker4, side="1", quantity="500", price="99.00")  # 1,500 long if it fills
    _rejected(
        broker4,
        "position limit: ACME position 1000 with 500 open to buy and this 1 would reach "
        "1501, above the limit of 1500 for account BRK4-A",
        side="1",
        quantity="1",
        price="99.00",
    )
    # 100,000 executed + 49,500 open; a sell of 1,005 at 100.00 reaches 250,000 exactly.
    _accepted(broker4, side="2", quantity="1000", price="100.00")
    _rejected(
        broker4,
        "credit limit: 249500.00 USD in use plus 600.00 USD is above the limit of "
        "250000.00 USD for account BRK4-A",
        side="2",
        quantity="6",
        price="100.00",
    )
    _accepted(broker4, side="2", quantity="5", price="100.00")


def test_a_restricted_symbol_is_refused_with_code_3_on_both_versions(
    broker4: FixClient, risk_venue: Venue, tmp_path: Path
) -> None:
    _rejected(
        broker4,
        "restricted symbol: account BRK4-A may not trade BOLT",
        symbol="BOLT",
        price="25.00",
    )
    broker3 = FixClient(
        sender="BROKER3", port=risk_venue.port, work_dir=tmp_path, begin_string="FIX.4.2"
    ).start()
    _rejected(
        broker3,
        "restricted symbol: account BRK3-A may not trade BOLT",
        symbol="BOLT",
        price="25.00",
    )
    broker3.assert_nothing_refused()
    broker3.stop()


def test_a_replace_beyond_a_limit_gets_a_cancel_reject_and_the_order_stands(
    broker4: FixClient,
) -> None:
    order = _accepted(broker4, quantity="500", price="99.00")
    refused = broker4.replace(order[11], quantity="1001", price="99.00")
    reject = broker4.expect(lambda m: m.msg_type == "9" and m.get(11) == refused)
    assert (reject[434], reject[102], reject[39]) == ("2", "2", "0"), reject.raw
    assert reject[58] == "max order quantity: 1001 is above the limit of 1000 for account BRK4-A"
    smaller = broker4.replace(order[11], quantity="400", price="99.00")
    assert broker4.report(smaller, "5")[151] == "400"


def test_a_kill_switch_cancels_refuses_and_survives_a_restart_until_released(
    risk_venue: Venue, broker4: FixClient, tmp_path: Path
) -> None:
    resting = _accepted(broker4, time_in_force="1", price="99.00")  # GTC: killed as well
    result = operator_command(risk_venue, "kill", "BRK4-A", "--reason", "runaway algo")
    assert result.strip() == ("kill switch engaged for account BRK4-A: 1 open orders cancelled")
    text = "kill switch engaged for account BRK4-A: runaway algo"
    assert broker4.report(resting[11], "4")[58] == text
    _rejected(broker4, text, price="99.00")
    broker4.stop()

    risk_venue.stop()
    risk_venue.start()
    again = FixClient(sender="BROKER4", port=risk_venue.port, work_dir=tmp_path).start()
    _rejected(again, text, price="99.00")
    assert _risk(risk_venue, "BRK4-A")["kill_switches"] == [
        {"scope": "account", "name": "BRK4-A", "reason": "runaway algo"}
    ]
    assert operator_command(risk_venue, "unkill", "BRK4-A").strip() == (
        "kill switch released for account BRK4-A"
    )
    _accepted(again, price="99.00")
    again.stop()


@pytest.mark.parametrize(
    ("option", "sender", "account"),
    [("--firm=BRK1", "BROKER1", "BRK1-A"), ("--session=BROKER3", "BROKER3", "BRK3-A")],
)
def test_a_firm_or_session_kill_switch_covers_all_its_orders(
    risk_venue: Venue, tmp_path: Path, option: str, sender: str, account: str
) -> None:
    version = "FIX.4.2" if sender == "BROKER3" else "FIX.4.4"
    client = FixClient(
        sender=sender, port=risk_venue.port, work_dir=tmp_path, begin_string=version
    ).start()
    orders = [client.new_order(account=account, price="99.00") for _ in range(2)]
    for order in orders:
        client.report(order, "0")
    answer = json.loads(operator_command(risk_venue, "kill", option, "--json"))
    assert answer["cancelled"] == 2
    for order in orders:
        client.report(order, "4")
    report = _order(client, price="99.00")
    assert (report[150], report[103]) == ("8", "3"), report.raw
    client.assert_nothing_refused()
    client.stop()


def test_a_limit_changed_by_the_operator_applies_at_once_and_outlasts_a_restart(
    risk_venue: Venue, broker4: FixClient, broker1: FixClient, tmp_path: Path
) -> None:
    broker1.report(
        broker1.new_order(account="BRK1-A", side="2", quantity="300", price="100.00"), "0"
    )
    _accepted(broker4, side="1", quantity="200", price="100.00")
    _accepted(broker4, side="1", quantity="100", price="99.50")
    changed = json.loads(
        operator_command(risk_venue, "risk", "set", "BRK4-A", "--max-order-qty", "10", "--json")
    )
    assert changed["limits"]["max_order_qty"] == 10
    _rejected(
        broker4,
        "max order quantity: 11 is above the limit of 10 for account BRK4-A",
        quantity="11",
        price="99.00",
    )
    before = _risk(risk_venue, "BRK4-A")
    assert before["currencies"]["USD"] == {
        "reserved": "9950.00",
        "executed": "20000.00",
        "used": "29950.00",
    }
    assert before["symbols"]["ACME"] == {"position": 200, "open_buy": 100, "open_sell": 0}
    broker4.stop()
    broker1.stop()

    assert before["overridden"] == ["max_order_qty"]
    risk_venue.stop()
    risk_venue.start()
    assert _risk(risk_venue, "BRK4-A") == before
    again = FixClient(sender="BROKER4", port=risk_venue.port, work_dir=tmp_path).start()
    _rejected(
        again,
        "max order quantity: 11 is above the limit of 10 for account BRK4-A",
        quantity="11",
        price="99.00",
    )
    operator_command(risk_venue, "risk", "set", "BRK4-A", "--reset", "max_order_qty")
    after = _risk(risk_venue, "BRK4-A")
    assert (after["limits"]["max_order_qty"], after["overridden"]) == (1000, [])
    _accepted(again, quantity="11", price="99.00")
    again.stop()
