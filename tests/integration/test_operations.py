"""Operators at work on a running venue through the CLI: cancelling orders and reading the
book, as the brokers see the effect over FIX."""

from __future__ import annotations

import json
from typing import Any

from tests.support.fix_client import FixClient
from tests.support.venue import Venue, operator_command


def _book(venue: Venue, *arguments: str) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(operator_command(venue, "book", *arguments, "--json"))
    return answer


def test_an_operator_cancel_reaches_the_broker_and_leaves_other_orders(
    venue: Venue, broker1: FixClient, broker2: FixClient
) -> None:
    acme = broker1.new_order(account="BRK1-A", price="99.00")
    bolt = broker1.new_order(account="BRK1-A", symbol="BOLT", price="24.00")
    other = broker2.new_order(account="BRK2-A", price="99.00")
    for client, order in ((broker1, acme), (broker1, bolt), (broker2, other)):
        client.report(order, "0")
    output = operator_command(
        venue, "cancel", "--account", "BRK1-A", "--symbol", "ACME", "--reason", "desk"
    )
    assert output.strip() == "1 open orders cancelled (account BRK1-A, symbol ACME)"
    cancelled = broker1.report(acme, "4")
    assert (cancelled[39], cancelled[58]) == ("4", "cancelled by the venue operator: desk")
    answer = json.loads(operator_command(venue, "cancel", "--session", "BROKER2", "--json"))
    assert answer == {"session": "BROKER2", "cancelled": 1}
    broker2.report(other, "4")
    broker1.report(broker1.cancel(bolt, symbol="BOLT"), "4")  # still open until now
    broker1.assert_nothing_refused()


def test_the_book_lists_each_levels_orders_in_time_priority_on_request(
    venue: Venue, broker1: FixClient, broker2: FixClient
) -> None:
    first = broker1.new_order(account="BRK1-A", price="99.00", quantity="100")
    broker1.report(first, "0")
    second = broker2.new_order(account="BRK2-A", price="99.00", quantity="50")
    broker2.report(second, "0")
    broker2.report(broker2.new_order(account="BRK2-A", side="2", price="99.00", quantity="30"), "F")
    # A larger quantity sends the first order to the back of its level.
    larger = broker1.replace(first, quantity="150", price="99.00")
    broker1.report(larger, "5")
    book = _book(venue, "ACME", "--orders")
    (level,) = book["bids"]
    assert [(o["session"], o["account"], o["client_order_id"]) for o in level["queue"]] == [
        ("BROKER2", "BRK2-A", second),
        ("BROKER1", "BRK1-A", larger),
    ]
    assert [(o["leaves_quantity"], o["shown_quantity"]) for o in level["queue"]] == [
        (50, 50),
        (120, 120),
    ]
    assert (level["quantity"], level["orders"]) == (170, 2)
    assert book["asks"] == []
    table = operator_command(venue, "book", "ACME", "--orders").splitlines()
    assert table[1:] == [
        "bids",
        "           99.00         170 in 2",
        f"    {level['queue'][0]['order_id']:<14}BROKER2     BRK2-A      {second:<24}        50",
        f"    {level['queue'][1]['order_id']:<14}BROKER1     BRK1-A      {larger:<24}       120",
        "asks",
    ]


def test_the_book_shows_each_sides_best_levels_to_the_depth_asked(
    venue: Venue, broker1: FixClient, broker2: FixClient
) -> None:
    for price, quantity in (("99.00", "100"), ("99.00", "50"), ("98.50", "200")):
        broker1.report(broker1.new_order(account="BRK1-A", price=price, quantity=quantity), "0")
    broker2.report(broker2.new_order(account="BRK2-A", side="2", price="101.00"), "0")
    book = _book(venue, "ACME")
    assert book == {
        "symbol": "ACME",
        "currency": "USD",
        "phase": "open",
        "last_price": None,
        "reference_price": "100.00",
        "bids": [
            {"price": "99.00", "quantity": 150, "orders": 2},
            {"price": "98.50", "quantity": 200, "orders": 1},
        ],
        "asks": [{"price": "101.00", "quantity": 100, "orders": 1}],
    }
    assert _book(venue, "ACME", "--depth", "1")["bids"] == [
        {"price": "99.00", "quantity": 150, "orders": 2}
    ]
    broker2.report(broker2.new_order(account="BRK2-A", side="2", price="99.00", quantity="30"), "F")
    assert _book(venue, "ACME")["last_price"] == "99.00"
    table = operator_command(venue, "book", "ACME").splitlines()
    assert table[0] == "ACME (USD), open, last 99.00"
    assert table[2].split() == ["2", "120", "99.00", "101.00", "100", "1"]
